import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { callSignal } from '../../src/marketo/call-signal.js';

describe("a call's abort signal", () => {
  it("fires with the caller's reason when the caller aborts", () => {
    const caller = new AbortController();
    const { signal } = callSignal(caller.signal, 60_000);
    const reason = new Error('client went away');
    caller.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('is aborted from the start when the caller already is', () => {
    const caller = new AbortController();
    caller.abort('gone');
    expect(callSignal(caller.signal, 60_000).signal.reason).toBe('gone');
  });

  it('fires with a TimeoutError at the deadline', async () => {
    const { signal } = callSignal(undefined, 5);
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("once done, leaves nothing on the caller's signal and no deadline behind", async () => {
    // A job's signal lives for thousands of calls: each must let go of it when it ends.
    const job = new AbortController();
    const calls = Array.from({ length: 100 }, () => callSignal(job.signal, 20));
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(100);
    for (const call of calls) call.done();
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls.some((call) => call.signal.aborted)).toBe(false);
    job.abort();
    expect(calls.some((call) => call.signal.aborted)).toBe(false);
  });

  it('has no deadline when the call has none (an export download)', () => {
    const call = callSignal(undefined, Number.POSITIVE_INFINITY);
    expect(call.signal.aborted).toBe(false);
    call.done();
  });
});
