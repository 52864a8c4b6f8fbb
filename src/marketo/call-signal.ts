/**
 * One Marketo call's abort signal: the caller's signal and the call's deadline, released when the
 * call ends. `AbortSignal.any` and `AbortSignal.timeout` would make it, but Node 20 tracks both
 * through WeakRefs, which V8's young-generation collections keep alive: every call's signals
 * were promoted and piled up in the old generation until a full GC (a quarter of what a
 * 1,000,000-row BULK import's polling promoted: 9 of 37.6 MB sampled over 30 s).
 */

/** Longer than this, a timer would fire at once (Node's limit): the call simply has no deadline. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CallSignal {
  readonly signal: AbortSignal;
  /** The call is over: no more deadline, no more listening to the caller (idempotent). */
  done(): void;
}

export function callSignal(caller: AbortSignal | undefined, deadlineMs: number): CallSignal {
  const controller = new AbortController();
  if (caller?.aborted) {
    controller.abort(caller.reason);
    return { signal: controller.signal, done: () => {} };
  }
  // The caller's reason, as AbortSignal.any passes it on.
  const onAbort = () => controller.abort(caller?.reason);
  caller?.addEventListener('abort', onAbort, { once: true });
  const timer =
    deadlineMs <= MAX_TIMER_MS
      ? setTimeout(() => {
          // What AbortSignal.timeout aborts with.
          controller.abort(
            new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
          );
        }, deadlineMs).unref()
      : undefined;
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}
