/**
 * Export tests' fixture: a real sandbox over HTTP on a compressed clock, the real Marketo client,
 * and an ExportJobManager with its own data directory. Everything is disposed by `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportJobManager, type ExportJobManagerOptions } from '../../src/bulk/export-jobs.js';
import type { ExportJobRecord } from '../../src/bulk/types.js';
import type { MarketoApi } from '../../src/marketo/api.js';
import { createMarketoClient, type MarketoClient } from '../../src/marketo/client.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import type { LeadRow } from '../../src/sandbox/types.js';

export const TIME_SCALE = 1000;
/** A quarter of the sandbox's status step (60 s of Marketo time), in real ms. */
export const POLL_MS = 15_000 / TIME_SCALE;

export interface ExportFixture {
  sandbox: Sandbox;
  client: MarketoClient;
  manager: ExportJobManager;
  dataDir: string;
  /** Stops every manager so far and starts a new one on the same data dir (a restarted gateway). */
  restart(options?: Partial<ExportJobManagerOptions>): Promise<ExportJobManager>;
  /** Starts one more manager beside those running (another instance; pass a shared registry). */
  add(options?: Partial<ExportJobManagerOptions>): Promise<ExportJobManager>;
  stats(): Promise<SandboxStats>;
  faults(...rules: object[]): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxStats {
  calls: { total: number; byEndpoint: Record<string, number> };
  exportJobsCreated: number;
}

export async function startExportFixture(
  options: { sandbox?: SandboxOptions; manager?: Partial<ExportJobManagerOptions> } = {},
): Promise<ExportFixture> {
  const sandbox = await startSandbox({ timeScale: TIME_SCALE, leads: 3000, ...options.sandbox });
  const client = createMarketoClient({
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    timeScale: sandbox.clock.timeScale,
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'export-test-'));
  const managers: ExportJobManager[] = [];
  const make = async (extra: Partial<ExportJobManagerOptions> = {}) => {
    const manager = new ExportJobManager({
      client,
      dataDir,
      clock: sandbox.clock,
      pollIntervalMs: POLL_MS,
      maxPollIntervalMs: POLL_MS * 2,
      downloadRetryMs: 20,
      progressIntervalMs: 20,
      ...options.manager,
      ...extra,
    });
    managers.push(manager);
    await manager.start();
    return manager;
  };
  const manager = await make();
  return {
    sandbox,
    client,
    manager,
    dataDir,
    // A restarted gateway: whatever ran before on this data dir is stopped first.
    restart: async (extra) => {
      for (const m of managers) await m.close();
      return make(extra);
    },
    add: (extra) => make(extra),
    stats: async () =>
      (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as SandboxStats,
    faults: async (...rules) => {
      const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rules),
      });
      if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
    },
    close: async () => {
      for (const m of managers) await m.close();
      await client.close();
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The seeded history ends at the sandbox's data epoch (UTC midnight of its start). */
export function dataEpoch(sandbox: Sandbox): number {
  return Math.floor(sandbox.clock.now() / 86_400_000) * 86_400_000;
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What the export of `fields` should contain for leads created in [from, to] (inclusive). */
export function expectedLeadRows(
  sandbox: Sandbox,
  fields: readonly string[],
  from: string,
  to: string,
): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const lead of sandbox.store.leads() as Iterable<LeadRow>) {
    const created = String(lead.createdAt);
    if (created < from || created > to) continue;
    const row: Record<string, unknown> = {};
    for (const name of fields) {
      const boolean = sandbox.store.field(name)?.dataType === 'boolean';
      row[name] = lead[name] ?? (boolean ? false : null);
    }
    rows.push(row);
  }
  return rows;
}

/** Collects a job's events until it ends. */
export async function collect(events: AsyncIterable<ExportJobRecord>): Promise<ExportJobRecord[]> {
  const seen: ExportJobRecord[] = [];
  for await (const job of events) seen.push(job);
  return seen;
}

/** Distinct consecutive statuses. */
export function statusesOf(events: readonly { status: string }[]): string[] {
  const out: string[] = [];
  for (const e of events) if (out.at(-1) !== e.status) out.push(e.status);
  return out;
}

/** Reads every row through the paging API, `pageSize` at a time. */
export async function readAllRows(
  manager: ExportJobManager,
  job: ExportJobRecord,
  pageSize = 250,
): Promise<unknown[]> {
  const rows: unknown[] = [];
  let after: string | null = null;
  while (true) {
    const page = await manager.rows(job, { first: pageSize, after });
    rows.push(...page.rows);
    if (!page.hasNextPage) return rows;
    after = page.endCursor;
  }
}

/**
 * The real client with some methods replaced (also on its `withContext` views): used to simulate
 * what the sandbox cannot produce on demand, such as a connection that dies mid-file.
 */
export function wrapClient(
  client: MarketoApi,
  overrides: (inner: MarketoApi) => Partial<MarketoApi>,
): MarketoApi {
  const wrap = (inner: MarketoApi): MarketoApi => {
    const replaced = overrides(inner);
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'withContext') {
          return (ctx: Parameters<MarketoApi['withContext']>[0]) => wrap(target.withContext(ctx));
        }
        if (prop in replaced) return replaced[prop as keyof MarketoApi];
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return wrap(client);
}
