/**
 * One export job's changes fanned out to many graphql-ws subscriptions, read as the protocol's
 * frames on plain sockets: the gateway writes a shared event's `next` frame itself (one payload
 * text, each subscription's id put in), so ids, payloads and `complete` are checked byte for byte.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataEpoch, iso } from './fixture.js';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture.js';

const DAY = 86_400_000;
const CREATE = /* GraphQL */ `
  mutation FanoutCreate($input: CreateExportJobInput!) {
    createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } }
  }
`;
const WATCH = /* GraphQL */ `
  subscription FanoutWatch($id: ID!) {
    exportJobStatus(id: $id, entity: LEADS) { id status rowsParsed }
  }
`;

interface Frame {
  id?: string;
  type: string;
  payload?: {
    data?: { exportJobStatus: { status: string } };
    errors?: Array<{ extensions?: Record<string, unknown> }>;
    extensions?: { marketo?: { calls: number } };
  };
}

/** A graphql-transport-ws socket that keeps every frame it receives, raw and parsed. */
async function openSocket(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const frames: Array<{ raw: string; frame: Frame }> = [];
  const waiters: Array<() => void> = [];
  /** A frame that is not JSON: every wait fails with it. */
  let malformed: string | undefined;
  socket.on('message', (data: Buffer) => {
    const raw = data.toString();
    try {
      frames.push({ raw, frame: JSON.parse(raw) as Frame });
    } catch {
      malformed ??= raw;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve).once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  /** Resolves with the first frame (from the start) that `accept` takes. */
  const until = async (accept: (frame: Frame) => boolean): Promise<Frame> => {
    for (;;) {
      if (malformed !== undefined) throw new Error(`not JSON: ${malformed}`);
      const found = frames.find(({ frame }) => accept(frame));
      if (found) return found.frame;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await until((frame) => frame.type === 'connection_ack');
  return {
    frames,
    until,
    send: (message: object) => socket.send(JSON.stringify(message)),
    subscribe: (id: string, jobId: string) =>
      socket.send(
        JSON.stringify({
          id,
          type: 'subscribe',
          payload: { query: WATCH, variables: { id: jobId } },
        }),
      ),
    close: () => new Promise((resolve) => socket.once('close', resolve).close(1000)),
  };
}

describe('fan-out of one export job over graphql-ws', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  const createJob = async () => {
    const epoch = dataEpoch(fx.sandbox);
    const created = await fx.query<{ createExportJob: { id: string } }>(CREATE, {
      input: {
        entity: 'LEADS',
        fields: ['id', 'email'],
        format: 'CSV',
        filter: { createdAt: { startAt: iso(epoch - 10 * DAY), endAt: iso(epoch - DAY) } },
      },
    });
    expect(created.errors).toBeUndefined();
    return created.data!.createExportJob.id;
  };

  it('gives every subscription each change under its own id, with its cost, then completes it', async () => {
    const jobId = await createJob();
    // Ids the frame must carry escaped as JSON, as graphql-ws would write them.
    const ids = Array.from({ length: 20 }, (_, i) => `sub "${i}" \\ ü`);
    const sockets = await Promise.all(ids.map(() => openSocket(fx.url)));
    sockets.forEach((socket, i) => socket.subscribe(ids[i]!, jobId));
    await Promise.all(
      sockets.map((socket, i) =>
        socket.until((frame) => frame.type === 'complete' && frame.id === ids[i]),
      ),
    );
    /** Per change (status and progress), the payload text every subscription received. */
    const payloads = new Map<string, Set<string>>();
    sockets.forEach((socket, i) => {
      const ours = socket.frames.filter(({ frame }) => frame.id !== undefined);
      expect(ours.every(({ frame }) => frame.id === ids[i])).toBe(true);
      expect(ours.at(-1)!.frame).toEqual({ id: ids[i], type: 'complete' });
      const nexts = ours.slice(0, -1);
      expect(nexts.every(({ frame }) => frame.type === 'next')).toBe(true);
      for (const { raw, frame } of nexts) {
        expect(frame.payload!.errors).toBeUndefined();
        expect(frame.payload!.extensions!.marketo).toMatchObject({ calls: expect.any(Number) });
        const payload = raw.slice(raw.indexOf('"payload":') + '"payload":'.length, -1);
        expect(JSON.parse(payload)).toEqual(frame.payload);
        const change = JSON.stringify(frame.payload!.data);
        payloads.set(change, (payloads.get(change) ?? new Set()).add(payload));
      }
      expect(nexts.at(-1)!.frame.payload!.data!.exportJobStatus.status).toBe('READY');
    });
    // Subscribers of one change got one text, not one per socket.
    for (const texts of payloads.values()) expect(texts.size).toBe(1);
    await Promise.all(sockets.map((socket) => socket.close()));
  });

  it('watches the job once for identical subscriptions: later ones join the first, a late one from the job now', async () => {
    const jobId = await createJob();
    const jobs = fx.gateway.exportJobs;
    const watch = jobs.watch.bind(jobs);
    let watches = 0;
    jobs.watch = (...args) => {
      watches++;
      return watch(...args);
    };
    try {
      const sockets = await Promise.all(Array.from({ length: 8 }, () => openSocket(fx.url)));
      sockets.forEach((socket, i) => socket.subscribe(`early-${i}`, jobId));
      await Promise.all(
        sockets.map((socket, i) =>
          socket.until((frame) => frame.type === 'next' && frame.id === `early-${i}`),
        ),
      );
      const late = await openSocket(fx.url);
      late.subscribe('late', jobId);
      const first = await late.until((frame) => frame.type === 'next' && frame.id === 'late');
      // The job as it is now, as a subscription of its own would have started.
      const now = await fx.query<{ exportJob: { status: string } }>(
        'query FanoutJoinNow($id: ID!) { exportJob(id: $id, entity: LEADS) { status } }',
        { id: jobId },
      );
      expect(first.payload!.data!.exportJobStatus.status).toBe(now.data!.exportJob.status);
      const all = [
        ...sockets.map((socket, i) => [socket, `early-${i}`] as const),
        [late, 'late'] as const,
      ];
      await Promise.all(
        all.map(([socket, id]) =>
          socket.until((frame) => frame.type === 'complete' && frame.id === id),
        ),
      );
      for (const [socket, id] of all) {
        const nexts = socket.frames.filter(({ frame }) => frame.id === id && frame.type === 'next');
        expect(nexts.every(({ frame }) => frame.payload!.errors === undefined)).toBe(true);
        expect(nexts.at(-1)!.frame.payload!.data!.exportJobStatus.status).toBe('READY');
      }
      // One subscription ran yoga's subscribe (and the job's watch); the others joined it.
      expect(watches).toBe(1);
      await Promise.all(all.map(([socket]) => socket.close()));
    } finally {
      jobs.watch = watch;
    }
  });

  it('holds joined subscriptions to the per-socket limit and frees their places when completed', async () => {
    const jobId = await createJob();
    const socket = await openSocket(fx.url);
    const limit = 20; // GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET's default
    for (let i = 0; i < limit; i++) socket.subscribe(`s${i}`, jobId);
    await Promise.all(
      Array.from({ length: limit }, (_, i) =>
        socket.until((frame) => frame.type === 'next' && frame.id === `s${i}`),
      ),
    );
    socket.subscribe('over', jobId);
    const refused = await socket.until((frame) => frame.id === 'over');
    expect(refused.type).toBe('next');
    expect(refused.payload!.errors).toMatchObject([
      {
        extensions: { code: 'SUBSCRIPTION_LIMIT', setting: 'GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET' },
      },
    ]);
    socket.send({ id: 's0', type: 'complete' });
    socket.subscribe('again', jobId);
    const again = await socket.until((frame) => frame.id === 'again');
    expect(again.payload!.errors).toBeUndefined();
    await socket.until((frame) => frame.type === 'complete' && frame.id === 'again');
    await socket.close();
  });

  it('sends nothing more for a subscription its client completed; the socket’s other one goes on', async () => {
    const jobId = await createJob();
    const socket = await openSocket(fx.url);
    socket.subscribe('kept', jobId);
    socket.subscribe('dropped', jobId);
    await socket.until((frame) => frame.type === 'next' && frame.id === 'dropped');
    socket.send({ id: 'dropped', type: 'complete' });
    // The server answers messages in order: what it writes after the pong comes after the complete.
    socket.send({ type: 'ping' });
    await socket.until((frame) => frame.type === 'pong');
    await socket.until((frame) => frame.type === 'complete' && frame.id === 'kept');
    const afterPong = socket.frames.slice(
      socket.frames.findIndex(({ frame }) => frame.type === 'pong'),
    );
    expect(afterPong.filter(({ frame }) => frame.id === 'dropped')).toEqual([]);
    const kept = socket.frames.filter(({ frame }) => frame.id === 'kept');
    expect(kept.at(-2)!.frame.payload!.data!.exportJobStatus.status).toBe('READY');
    await socket.close();
  });
});
