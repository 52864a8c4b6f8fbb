/**
 * Test fixtures for the Marketo client: a real sandbox on an ephemeral port, a client pointed at it
 * over HTTP, and the sandbox's control plane (stats, faults, token expiry, uncounted reads).
 */
import { createServer, type Server, Socket } from 'node:net';
import {
  createMarketoClient,
  type MarketoClient,
  type MarketoClientOptions,
} from '../../src/marketo/client.js';
import type { SandboxOptions } from '../../src/sandbox/server.js';
import type { StatsSnapshot } from '../../src/sandbox/stats.js';
import { type FaultSpec, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

export type SandboxStats = StatsSnapshot;

export interface Harness {
  sandbox: TestSandbox;
  client: MarketoClient;
  timeScale: number;
  /** Another client on the same sandbox (its own limiter and token cache); closed with the harness. */
  newClient(options?: Partial<MarketoClientOptions>): MarketoClient;
  stats(): Promise<SandboxStats>;
  reset(): Promise<void>;
  faults(...faults: FaultSpec[]): Promise<void>;
  expireTokens(): Promise<void>;
  /** Leads as stored, read without counting a call. */
  storedLeads(query: { id?: number[]; email?: string }): Promise<Array<Record<string, unknown>>>;
  campaignRuns(campaignId?: number): Promise<{ triggers: unknown[]; schedules: unknown[] }>;
  listMembers(listId: number): Promise<number[]>;
  close(): Promise<void>;
}

/** The sandbox (shared test helper) on a compressed clock, and a client with the same timeScale. */
export async function startHarness(
  options: {
    timeScale?: number;
    sandbox?: SandboxOptions;
    client?: Partial<MarketoClientOptions>;
  } = {},
): Promise<Harness> {
  const timeScale = options.timeScale ?? 100;
  const sandbox = await startTestSandbox({ leads: 2000, ...options.sandbox, timeScale });
  const clients: MarketoClient[] = [];
  const newClient = (extra: Partial<MarketoClientOptions> = {}) => {
    const client = createMarketoClient({
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      timeScale,
      keepAliveTimeoutMs: 10,
      retry: { baseMs: 5, maxMs: 50 },
      ...options.client,
      ...extra,
    });
    clients.push(client);
    return client;
  };
  const control = async (path: string) => {
    const response = await fetch(`${sandbox.url}/__sandbox/${path}`);
    if (!response.ok) throw new Error(`control ${path}: HTTP ${response.status}`);
    return (await response.json()) as unknown;
  };
  return {
    sandbox,
    client: newClient(),
    timeScale,
    newClient,
    stats: () => sandbox.stats(),
    reset: () => sandbox.reset(),
    faults: (...faults) => sandbox.faults(...faults),
    expireTokens: () => sandbox.expireTokens(),
    storedLeads: async ({ id, email }) => [
      ...(id?.length ? await sandbox.leads({ id }) : []),
      ...(email ? await sandbox.leads({ email }) : []),
    ],
    campaignRuns: async (campaignId) =>
      (await control(campaignId ? `campaigns/${campaignId}/runs` : 'campaigns/runs')) as {
        triggers: unknown[];
        schedules: unknown[];
      },
    listMembers: async (listId) =>
      ((await control(`lists/${listId}/members`)) as { leadIds: number[] }).leadIds,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await sandbox.close();
    },
  };
}

/**
 * A TCP proxy in front of the sandbox that can cut a connection part-way through a response —
 * a dropped connection mid-download, which the sandbox's own faults (drop before any byte) cannot
 * produce. `cutNext(match, afterBytes)` arms one cut for the next request whose head matches.
 */
export async function startCuttingProxy(targetPort: number): Promise<{
  url: string;
  cutNext(match: RegExp, afterBytes: number): void;
  cuts(): number;
  /** Request heads seen (first line and headers), in order. */
  heads(): string[];
  close(): Promise<void>;
}> {
  const armed: Array<{ match: RegExp; afterBytes: number }> = [];
  const heads: string[] = [];
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = new Socket();
    sockets.add(upstream);
    let cutAt: number | undefined;
    let sent = 0;
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1', 0, Math.min(chunk.length, 2048));
      if (/^[A-Z]+ \//.test(head)) heads.push(head.split('\r\n\r\n')[0] ?? head);
      const index = armed.findIndex((a) => a.match.test(head));
      if (index >= 0 && cutAt === undefined) {
        cutAt = sent + (armed[index]?.afterBytes ?? 0);
        armed.splice(index, 1);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutAt !== undefined && sent + chunk.length >= cutAt) {
        const part = chunk.subarray(0, Math.max(0, cutAt - sent));
        cuts++;
        client.end(part, () => client.destroy());
        upstream.destroy();
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', done);
    upstream.on('error', done);
    client.on('close', done);
    upstream.on('close', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    cutNext: (match, afterBytes) => {
      armed.push({ match, afterBytes });
    },
    cuts: () => cuts,
    heads: () => heads,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
