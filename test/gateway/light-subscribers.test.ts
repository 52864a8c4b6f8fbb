/**
 * A light subscriber of a shared subscription (src/light-subscribers.ts): results without errors
 * go to its transport directly, in order; its first result with errors, and all after it, take the
 * long way (its own pass through yoga in the gateway); its limit slot is released once, and the
 * group's source is returned when its last member leaves.
 */
import { type ExecutionResult, GraphQLError, buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/scopes.js';
import { LightSubscribers } from '../../src/light-subscribers.js';
import type { SubscriptionCounts } from '../../src/security/subscription-limits.js';
import { MemberStream, SubscriptionGroup } from '../../src/subscription-group.js';

const schema = buildSchema('type Query { n: Int } type Subscription { n: Int }');
const document = parse('subscription { n }');
const principal: Principal = { name: 'key', scopes: new Set(['bulk:export']) };
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A source the test feeds by hand; `returned` once the group let go of it. */
function source() {
  const pending: Array<(step: IteratorResult<ExecutionResult>) => void> = [];
  const queued: ExecutionResult[] = [];
  const state = { returned: false };
  const events: AsyncIterator<ExecutionResult> = {
    next: () =>
      new Promise((resolve) => {
        const value = queued.shift();
        if (value) resolve({ done: false, value });
        else pending.push(resolve);
      }),
    return: () => {
      state.returned = true;
      for (const resolve of pending.splice(0)) resolve({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const emit = (value: ExecutionResult) => {
    const resolve = pending.shift();
    if (resolve) resolve({ done: false, value });
    else queued.push(value);
  };
  return { events, emit, state };
}

describe('light subscribers', () => {
  it('delivers results directly, sends a result with errors and all after it the long way, and leaves once', async () => {
    const { events, emit, state } = source();
    const group = new SubscriptionGroup(schema, document, events, (event) => event as never, {
      eager: true,
    });
    let taken = 0;
    let released = 0;
    const counts: SubscriptionCounts = {
      take: async () => {
        taken++;
        return { release: () => void released++ };
      },
    };
    const light = new LightSubscribers(counts);
    light.open(principal, 'k')!.opened(group);

    const delivered: ExecutionResult[] = [];
    const longWays: string[] = [];
    const joined = await light.join(
      principal,
      'k',
      {},
      {
        deliver: (result) => {
          delivered.push(result);
          return true;
        },
        longWay: async (member) => {
          longWays.push('started');
          // As yoga's plugins would: each result of the member's stream, marked as having passed.
          return (async function* () {
            for await (const result of member) yield { ...result, extensions: { longWay: true } };
          })();
        },
      },
    );
    expect(joined).toBeDefined();
    expect(taken).toBe(1);
    const stream = joined!.stream;

    const first = stream.next(); // graphql-ws waits on the stream
    emit({ data: { n: 1 } });
    await turn();
    expect(delivered.map((r) => r.data)).toEqual([{ n: 1 }]);
    expect(delivered[0]!.extensions).toMatchObject({ marketo: { calls: 0 } });

    emit({ data: { n: null }, errors: [new GraphQLError('boom')] });
    await turn();
    expect(longWays).toEqual(['started']);
    const failed = await first;
    expect(failed.value).toMatchObject({ data: { n: null }, extensions: { longWay: true } });
    expect(failed.value!.errors).toHaveLength(1);

    emit({ data: { n: 3 } });
    await turn();
    const third = await stream.next();
    expect(third.value).toEqual({ data: { n: 3 }, extensions: { longWay: true } });
    expect(delivered).toHaveLength(1);

    await stream.return!();
    await stream.return!();
    expect(released).toBe(1);
    // The only member left: the group returns its source and takes no one else.
    expect(state.returned).toBe(true);
    expect(group.ended).toBe(true);
    expect(await light.join(principal, 'k', {}, { deliver: () => true, longWay: never })).toBe(
      undefined,
    );
  });

  it('queues results while its reader is busy and gives a late member the latest first', async () => {
    const { events, emit } = source();
    const group = new SubscriptionGroup(schema, document, events, (event) => event as never, {
      eager: true,
    });
    const counts: SubscriptionCounts = { take: async () => ({ release: () => {} }) };
    const light = new LightSubscribers(counts);
    light.open(principal, 'k')!.opened(group);
    const delivered: ExecutionResult[] = [];
    const transport = {
      deliver: (result: ExecutionResult) => {
        delivered.push(result);
        return true;
      },
      longWay: never,
    };
    const early = (await light.join(principal, 'k', {}, transport))!.stream;
    emit({ data: { n: 1 } });
    emit({ data: { n: 2 } });
    await turn();
    // Nobody read yet: yielded in order, none written past them.
    expect((await early.next()).value!.data).toEqual({ n: 1 });
    expect((await early.next()).value!.data).toEqual({ n: 2 });
    expect(delivered).toEqual([]);

    const late = (await light.join(principal, 'k', {}, transport))!.stream;
    expect((await late.next()).value!.data).toEqual({ n: 2 });
    await early.return!();
    await late.return!();
    expect(group.ended).toBe(true);
  });
});

describe('a subscription group of its own (not joinable)', () => {
  it('pulls its source only once its member took the last result, as its own stream would', async () => {
    const { events, emit } = source();
    let pulls = 0;
    const counted: AsyncIterator<ExecutionResult> = {
      next: () => {
        pulls++;
        return events.next();
      },
      return: () => events.return!(),
    };
    const group = new SubscriptionGroup(schema, document, counted, (event) => event as never);
    const member = new MemberStream({ onLeave: () => group.leave(member) });
    member.onReady = () => group.memberReady();
    group.join(member);
    emit({ data: { n: 1 } });
    emit({ data: { n: 2 } });
    await turn();
    // Its reader has not asked yet: a feed with `ack: ON_NEXT` must not see the next pull.
    expect(pulls).toBe(0);
    const first = member.next();
    await turn();
    expect((await first).value!.data).toEqual({ n: 1 });
    expect(pulls).toBe(1);
    const second = member.next();
    await turn();
    expect((await second).value!.data).toEqual({ n: 2 });
    expect(pulls).toBe(2);
    await member.return();
    expect(group.ended).toBe(true);
  });
});

function never(): Promise<AsyncIterator<ExecutionResult>> {
  throw new Error('no long way expected');
}
