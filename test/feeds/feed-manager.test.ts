/**
 * The feed machinery on a log with Marketo's paging rules: one poller for many subscribers, a
 * start position spliced into the shared pages with nothing twice or missed, named positions kept
 * on disk and moved only by acknowledgement (EXPLICIT) or by the next pull (ON_NEXT).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../src/feeds/cursor.js';
import { type FeedEvent, FeedManager } from '../../src/feeds/feeds.js';
import { createLogger } from '../../src/logger.js';
import { HighWaterMark } from '../../src/feeds/order.js';
import { FeedPacer } from '../../src/feeds/pacer.js';
import type { FeedSpec } from '../../src/feeds/spec.js';
import { FakeLog } from './fake-log.js';

const spec: FeedSpec = { kind: 'leadChanges', fields: ['email'] };
let dir: string;
const managers: FeedManager[] = [];

function manager(
  log: FakeLog,
  file = join(dir, 'feeds.json'),
  more: { resumeWindowMs?: number; lines?: string[] } = {},
): FeedManager {
  const feeds = new FeedManager({
    reader: () => log.reader(),
    pacer: new FeedPacer(1, 1_000_000, 1_000),
    pollIntervalMs: 5,
    file,
    adoptIntervalMs: 20,
    ...(more.resumeWindowMs !== undefined && { resumeWindowMs: more.resumeWindowMs }),
    ...(more.lines && { logger: createLogger({ write: (line) => more.lines?.push(line) }) }),
  });
  managers.push(feeds);
  return feeds;
}

/** Takes `n` events from `stream`. */
async function take(stream: AsyncGenerator<FeedEvent>, n: number): Promise<FeedEvent[]> {
  const got: FeedEvent[] = [];
  while (got.length < n) {
    const step = await stream.next();
    if (step.done) break;
    got.push(step.value);
  }
  return got;
}

const ids = (events: FeedEvent[]) => events.map((e) => e.item.id);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feeds-'));
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('feed cursors and ordering', () => {
  it('round-trips a cursor and refuses anything else', () => {
    const cursor = { t: 'tok', n: 3, i: 42 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(() => decodeCursor('nope')).toThrow(InvalidCursorError);
    expect(() => decodeCursor('f1.eyJ0IjoxfQ')).toThrow(InvalidCursorError);
  });

  it('accepts each event once, in date order, ids compared within one second', () => {
    const mark = new HighWaterMark();
    const at = (id: number, s: number) => ({ id, activityDate: `2026-12-01T00:00:0${s}Z` });
    expect(
      [at(1, 1), at(2, 1), at(1, 1), at(3, 2), at(2, 1), at(4, 2)].map((e) => mark.accept(e)),
    ).toEqual([true, true, false, true, false, true]);
  });
});

describe('feed delivery', () => {
  it('runs one poller for many live subscribers, each receiving every new event once', async () => {
    const log = new FakeLog(5);
    log.append(20); // history: not for live subscribers
    const feeds = manager(log);
    await feeds.start();
    const streams = Array.from({ length: 50 }, () => feeds.subscribe({ spec }));
    // Each subscriber is running (its first `next` subscribed it) before the new events come.
    const pending = streams.map((s) => take(s, 40));
    await new Promise((r) => setTimeout(r, 100));
    const before = log.pageCalls;
    const added = log.append(40);
    const received = await Promise.all(pending);
    for (const events of received) expect(ids(events)).toEqual(added.map((a) => a.id));
    // 40 events in pages of 5 plus idle polls: a handful of calls, not 50 subscribers' worth.
    expect(log.pageCalls - before).toBeLessThan(40);
    await Promise.all(streams.map((s) => s.return()));
  });

  it('splices a start position into the shared pages: everything since, nothing twice', async () => {
    const log = new FakeLog(4);
    log.append(30);
    const feeds = manager(log);
    await feeds.start();
    // A live subscriber keeps the poller going while history is read by the second one.
    const livePending = take(feeds.subscribe({ spec }), 1);
    const from = new Date(Date.parse(log.items[9]!.activityDate));
    const stream = feeds.subscribe({ spec, since: from });
    const writer = (async () => {
      for (let k = 0; k < 10; k++) {
        log.append(7);
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    await writer;
    const expected = log.items.filter((i) => i.activityDate >= log.items[9]!.activityDate);
    const got = await take(stream, expected.length);
    expect(ids(got)).toEqual(expected.map((i) => i.id));
    await livePending;
    await stream.return();
  });

  it('resumes from any event cursor with the events after it', async () => {
    const log = new FakeLog(4);
    log.append(25);
    const feeds = manager(log);
    await feeds.start();
    const first = feeds.subscribe({ spec, since: new Date(0) });
    const some = await take(first, 11);
    await first.return();
    const again = feeds.subscribe({ spec, fromCursor: some[10]!.cursor });
    expect(ids(await take(again, 14))).toEqual(log.items.slice(11).map((i) => i.id));
    await again.return();
  });
});

describe('named feeds', () => {
  it('keeps the acknowledged position across a restart (EXPLICIT)', async () => {
    const log = new FakeLog(4);
    log.append(12);
    const feeds = manager(log);
    await feeds.start();
    const stream = feeds.subscribe({ spec, feed: 'crm-sync', since: new Date(0) });
    const got = await take(stream, 8);
    // Received 8, acknowledged 5: the position moves only by acknowledgement.
    await feeds.acknowledge('crm-sync', got[4]!.cursor);
    await stream.return();
    await feeds.close();

    const restarted = manager(log);
    await restarted.start();
    expect((await restarted.position('crm-sync'))?.cursor).toBe(got[4]!.cursor);
    const resumed = restarted.subscribe({ spec, feed: 'crm-sync', since: new Date(0) });
    expect(ids(await take(resumed, 7))).toEqual(log.items.slice(5).map((i) => i.id));
    await resumed.return();
  });

  it('moves the position when the consumer pulls the next event (ON_NEXT)', async () => {
    const log = new FakeLog(4);
    log.append(6);
    const feeds = manager(log);
    await feeds.start();
    const stream = feeds.subscribe({ spec, feed: 'pull', since: new Date(0), ack: 'ON_NEXT' });
    const got = await take(stream, 3);
    // The third was handed out but not followed by a pull: the position is after the second.
    expect((await feeds.position('pull'))?.cursor).toBe(got[1]!.cursor);
    await stream.return();
  });

  it('resumes a quiet feed from where it was after a restart (its poller keeps the head fresh)', async () => {
    const log = new FakeLog(4);
    log.append(6);
    const file = join(dir, 'quiet.json');
    const feeds = manager(log, file, { resumeWindowMs: 200 });
    await feeds.start();
    const stream = feeds.subscribe({ spec, since: new Date(0) });
    await take(stream, 6);
    // Quiet for twice the resume window: the head does not move, the poller still reads at it.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await stream.return();
    await feeds.close();

    const lines: string[] = [];
    const restarted = manager(log, file, { resumeWindowMs: 200, lines });
    await restarted.start();
    const resumed = restarted.subscribe({ spec, since: new Date(0) });
    const added = log.append(2);
    expect(ids(await take(resumed, 8)).slice(-2)).toEqual(added.map((item) => item.id));
    const started = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(started.find((line) => line.msg === 'feed poller started')).toMatchObject({
      resumed: true,
    });
    await resumed.return();
  });

  it('refuses a name already following other arguments', async () => {
    const log = new FakeLog(4);
    log.append(3);
    const feeds = manager(log);
    await feeds.start();
    const stream = feeds.subscribe({ spec, feed: 'named', since: new Date(0) });
    await take(stream, 1);
    await stream.return();
    const other = feeds.subscribe({
      spec: { kind: 'leadChanges', fields: ['firstName'] },
      feed: 'named',
    });
    await expect(other.next()).rejects.toMatchObject({ code: 'FEED_SPEC_MISMATCH' });
  });
});
