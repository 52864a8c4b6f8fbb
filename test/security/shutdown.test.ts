/**
 * Graceful shutdown of the real process (`node --import tsx src/main.ts`) on SIGTERM: it stops
 * accepting connections at once, lets in-flight operations finish within GATEWAY_SHUTDOWN_GRACE_MS
 * (and cuts them at that deadline), closes subscriptions with 1001 Going Away and exits 0. Export
 * jobs survive it: a second process on the same EXPORT_DATA_DIR takes the job on to READY without
 * creating it again at Marketo.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { killLeftovers, spawnGateway } from '../helpers/gateway-process.js';

const DAY = 86_400_000;

// A failed test must not leave a gateway behind.
afterEach(killLeftovers);

async function post<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; body: { data?: T; errors?: { message: string }[] } }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** A POST on a keep-alive connection (as a browser or a load balancer would hold one). */
function keepAlivePost(
  url: string,
  query: string,
): Promise<{ status: number; connection: string | undefined; text: string }> {
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}/graphql`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          agent.destroy();
          resolve({
            status: response.statusCode ?? 0,
            connection: response.headers.connection,
            text,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ query }));
  });
}

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface SandboxStats {
  calls: { byEndpoint: Record<string, number> };
  exportJobsCreated: number;
  now: string;
}

async function sandboxStats(sandboxUrl: string): Promise<SandboxStats> {
  return (await (await fetch(`${sandboxUrl}/__sandbox/stats`)).json()) as SandboxStats;
}

const CREATE_EXPORT = `mutation ShutdownCreateExport($input: CreateExportJobInput!) {
  createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } }
}`;

function exportInput(sandboxNow: string) {
  const now = Date.parse(sandboxNow);
  return {
    fields: ['id', 'email', 'firstName'],
    filter: {
      createdAt: {
        startAt: new Date(now - 30 * DAY).toISOString(),
        endAt: new Date(now).toISOString(),
      },
    },
  };
}

describe('SIGTERM with the embedded sandbox', () => {
  it('refuses new connections, finishes the in-flight query, closes subscriptions with 1001 and exits 0', async () => {
    const graceMs = 15_000;
    const gateway = await spawnGateway({
      SANDBOX_TIME_SCALE: '60',
      SANDBOX_LEADS: '200',
      // Status steps of ten Marketo hours: the export is still running when the signal comes.
      SANDBOX_EXPORT_STEP_MS: String(36_000_000),
      GATEWAY_SHUTDOWN_GRACE_MS: String(graceMs),
    });
    const sandboxUrl = String(
      gateway.lines.find((l) => typeof l.sandboxUrl === 'string')?.sandboxUrl,
    );

    // Lead fields described once, so the slow query below waits on nothing but leads.json.
    const warm = await post(gateway.url, 'query ShutdownWarm { leads(ids: [2]) { id } }');
    expect(warm.status).toBe(200);

    const created = await post<{ createExportJob: { id: string } }>(gateway.url, CREATE_EXPORT, {
      input: exportInput((await sandboxStats(sandboxUrl)).now),
    });
    expect(created.body.errors).toBeUndefined();
    const jobId = created.body.data!.createExportJob.id;

    // A subscription that would run for hours; its first event says it is up.
    let firstEvent!: () => void;
    const subscribed = new Promise<void>((resolve) => {
      firstEvent = resolve;
    });
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        on: { closed: (event) => resolve((event as { code?: number }).code ?? 0) },
      });
      client.subscribe(
        {
          query: 'subscription ShutdownWatch($id: ID!) { exportJobStatus(id: $id) { id status } }',
          variables: { id: jobId },
        },
        { next: () => firstEvent(), error: () => {}, complete: () => {} },
      );
    });
    await subscribed;

    // An in-flight query held up five seconds at Marketo.
    await fetch(`${sandboxUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 5_000, endpoint: 'GET /rest/v1/leads.json' }),
    });
    const before =
      (await sandboxStats(sandboxUrl)).calls.byEndpoint['GET /rest/v1/leads.json'] ?? 0;
    let answeredAt: number | undefined;
    const inFlight = keepAlivePost(gateway.url, 'query ShutdownSlow { leads(ids: [1]) { id } }');
    void inFlight.then(() => {
      answeredAt = Date.now();
    });
    await eventually('the slow query to reach Marketo', async () => {
      const calls = (await sandboxStats(sandboxUrl)).calls.byEndpoint['GET /rest/v1/leads.json'];
      return (calls ?? 0) > before ? true : undefined;
    });

    const signalledAt = Date.now();
    gateway.child.kill('SIGTERM');

    // Not accepting any more, while the query is still running.
    await eventually('new connections to be refused', async () =>
      (await refused(Number(new URL(gateway.url).port))) ? true : undefined,
    );
    expect(answeredAt).toBeUndefined();
    expect(await closed).toBe(1001);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ data: { leads: [{ id: 1 }] } });
    // Its keep-alive connection ends with it, so no idle client holds the process up.
    expect(answer.connection).toBe('close');

    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(graceMs);
    expect(gateway.lines.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM')).toBe(true);
    expect(gateway.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('cuts an operation still running at the deadline and exits 0', async () => {
    const graceMs = 1_000;
    const gateway = await spawnGateway({
      SANDBOX_TIME_SCALE: '60',
      SANDBOX_LEADS: '200',
      GATEWAY_SHUTDOWN_GRACE_MS: String(graceMs),
    });
    const sandboxUrl = String(
      gateway.lines.find((l) => typeof l.sandboxUrl === 'string')?.sandboxUrl,
    );
    await fetch(`${sandboxUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 60_000, endpoint: 'GET /rest/v1/leads.json' }),
    });
    const stuck = post(gateway.url, 'query ShutdownStuck { leads(ids: [1]) { id } }').then(
      () => 'answered',
      () => 'cut',
    );
    await eventually('the stuck query to reach Marketo', async () =>
      (await sandboxStats(sandboxUrl)).calls.byEndpoint['GET /rest/v1/leads.json']
        ? true
        : undefined,
    );
    const signalledAt = Date.now();
    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    const elapsed = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual(graceMs);
    // Long before Marketo would have answered.
    expect(elapsed).toBeLessThan(45_000);
    expect(await stuck).toBe('cut');
  });
});

describe('SIGTERM in front of a separately started Marketo', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  const timeScale = 60;

  beforeAll(async () => {
    // Marketo steps of four minutes: 4 s real per status change, so the job is mid-way at SIGTERM.
    sandbox = await startSandbox({
      leads: 300,
      timeScale,
      bulk: { exportStepMs: 240_000 },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-shutdown-exports-'));
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const gatewayEnv = () => ({
    MARKETO_BASE_URL: sandbox.url,
    MARKETO_CLIENT_ID: sandbox.clientId,
    MARKETO_CLIENT_SECRET: sandbox.clientSecret,
    MARKETO_TIME_SCALE: String(timeScale),
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    EXPORT_DATA_DIR: dataDir,
    EXPORT_POLL_INTERVAL_MS: '100',
    GATEWAY_SHUTDOWN_GRACE_MS: '5000',
  });

  it('leaves export jobs resumable: a second process takes the job on to READY with its rows', async () => {
    const first = await spawnGateway(gatewayEnv());
    const created = await post<{ createExportJob: { id: string; status: string } }>(
      first.url,
      CREATE_EXPORT,
      { input: exportInput(new Date(sandbox.clock.now()).toISOString()) },
    );
    expect(created.body.errors).toBeUndefined();
    const jobId = created.body.data!.createExportJob.id;
    expect((await sandboxStats(sandbox.url)).exportJobsCreated).toBe(1);

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const JOB = `query ShutdownJob($id: ID!) {
      exportJob(id: $id) { id status rowCount rows(first: 3) { totalCount nodes } }
    }`;
    interface Job {
      exportJob: {
        id: string;
        status: string;
        rowCount: number | null;
        rows: { totalCount: number; nodes: Record<string, unknown>[] };
      } | null;
    }
    const second = await spawnGateway(gatewayEnv());
    const ready = await eventually(
      'the resumed job to be READY',
      async () => {
        const job = (await post<Job>(second.url, JOB, { id: jobId })).body.data?.exportJob;
        if (job?.status === 'FAILED' || job?.status === 'CANCELLED') {
          throw new Error(`job ended ${job.status}`);
        }
        return job?.status === 'READY' ? job : undefined;
      },
      45_000,
    );
    expect(ready.rowCount).toBeGreaterThan(0);
    expect(ready.rows.totalCount).toBe(ready.rowCount);
    expect(ready.rows.nodes).toHaveLength(3);
    expect(ready.rows.nodes[0]).toEqual(
      expect.objectContaining({ id: expect.any(Number), email: expect.any(String) }),
    );
    // Only an unfinished job is resumed: the first process left it mid-way.
    const resumed = second.lines.find((l) => l.msg === 'resuming export job' && l.jobId === jobId);
    expect(resumed?.status).toMatch(/^(CREATED|QUEUED|PROCESSING|COMPLETED|DOWNLOADING|PARSING)$/);
    // The same Marketo job, not a second export.
    expect((await sandboxStats(sandbox.url)).exportJobsCreated).toBe(1);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
