/**
 * Starts a Marketo sandbox on an ephemeral port for a test file, with helpers for the control
 * plane (`/__sandbox/stats`, reset, faults) and for authenticated REST calls over real HTTP.
 *
 *   const sb = await startTestSandbox({ timeScale: 100 });
 *   afterAll(() => sb.close());
 *   const body = await sb.json('/rest/v1/leads.json?filterType=id&filterValues=1');
 */
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import type { StatsSnapshot } from '../../src/sandbox/stats.js';
import type { LeadRow } from '../../src/sandbox/types.js';

/** One fault for `POST /__sandbox/faults` (see docs/sandbox.md). */
export interface FaultSpec {
  error?: string;
  http?: 500 | 502 | 503;
  drop?: true;
  latencyMs?: number;
  next?: number;
  rate?: number;
  endpoint?: string | string[];
  when?: 'before' | 'after';
  message?: string;
}

/** The Marketo envelope as tests read it. */
export interface Envelope<T = Record<string, unknown>> {
  requestId: string;
  success: boolean;
  result?: T[];
  errors?: { code: string; message: string }[];
  warnings?: unknown[];
  nextPageToken?: string;
  moreResult?: boolean;
}

export interface TestSandbox extends Sandbox {
  /** A valid access token (fetched once, refetched after expiry). */
  token(): Promise<string>;
  /** fetch() against the sandbox with the bearer token; `init.headers` are added. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** api() and parse the JSON envelope. */
  json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<Envelope<T>>;
  /** POST a JSON body with the bearer token and parse the envelope. */
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<Envelope<T>>;
  stats(): Promise<StatsSnapshot>;
  /** Stats to zero, faults cleared, limits' windows emptied; `data: true` also reseeds. */
  reset(options?: { data?: boolean }): Promise<void>;
  faults(...specs: FaultSpec[]): Promise<void>;
  clearFaults(): Promise<void>;
  /** Leads by email or id without counting a call (control plane). */
  leads(query: { email?: string; id?: number | number[] }): Promise<LeadRow[]>;
  /** Every token issued so far becomes expired (602 on next use). */
  expireTokens(): Promise<void>;
  /** Holds the bulk export queue (queued jobs stay queued until released) or releases it. */
  holdExports(held: boolean): Promise<void>;
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, ...options });
  let cached: { token: string; until: number } | undefined;

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/__sandbox/${path}`, {
      method,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /__sandbox/${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };

  const token = async () => {
    if (cached && cached.until > sandbox.clock.now()) return cached.token;
    const res = await fetch(
      `${sandbox.url}/identity/oauth/token?grant_type=client_credentials&client_id=${encodeURIComponent(sandbox.clientId)}&client_secret=${encodeURIComponent(sandbox.clientSecret)}`,
    );
    const body = (await res.json()) as { access_token: string; expires_in: number };
    cached = { token: body.access_token, until: sandbox.clock.now() + body.expires_in * 1000 };
    return cached.token;
  };

  /** True when the sandbox refused the helper's token because its lifetime ran out (not a fault). */
  const expired = async (res: Response, until: number) => {
    if (sandbox.clock.now() < until) return false;
    if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return false;
    const body = (await res.clone().json()) as Envelope;
    return body.errors?.some((e) => e.code === '602') === true;
  };

  const api = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (headers.has('authorization')) return fetch(`${sandbox.url}${path}`, { ...init, headers });
    // On a compressed clock a token lives for a fraction of a real second, so on a loaded
    // machine it can expire between token() and the request's arrival. Renew and replay, as a
    // Marketo client does; a test that wants the 602 passes its own authorization header.
    for (let attempt = 1; ; attempt++) {
      headers.set('authorization', `Bearer ${await token()}`);
      const until = cached?.until ?? 0;
      const res = await fetch(`${sandbox.url}${path}`, { ...init, headers });
      if (attempt === 5 || !(await expired(res, until))) return res;
      cached = undefined;
    }
  };

  return {
    ...sandbox,
    token,
    api,
    async json<T>(path: string, init?: RequestInit) {
      return (await (await api(path, init)).json()) as Envelope<T>;
    },
    async post<T>(path: string, body: unknown) {
      const res = await api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Envelope<T>;
    },
    stats: async () => (await control('GET', 'stats')) as StatsSnapshot,
    async reset(opts = {}) {
      await control('POST', `reset${opts.data ? '?data=true' : ''}`);
      cached = undefined;
    },
    async faults(...specs) {
      await control('POST', 'faults', { faults: specs });
    },
    async clearFaults() {
      await control('DELETE', 'faults');
    },
    async leads(query) {
      const params = new URLSearchParams();
      if (query.email) params.set('email', query.email);
      for (const id of [query.id ?? []].flat()) params.append('id', String(id));
      return ((await control('GET', `leads?${params}`)) as { leads: LeadRow[] }).leads;
    },
    async holdExports(held: boolean) {
      await control('POST', `exports/hold?held=${held}`);
    },
    async expireTokens() {
      await control('POST', 'tokens/expire');
      cached = undefined;
    },
  };
}
