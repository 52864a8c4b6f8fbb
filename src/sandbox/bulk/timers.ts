import type { Clock } from '../clock.js';

/** Clock timers owned by one component, so `close()` can cancel every pending one at once. */
export interface Timers {
  /** Runs `fn` after `simulatedMs` of sandbox time. */
  after(simulatedMs: number, fn: () => void): void;
  /** Resolves after `simulatedMs`; rejects with `closed` if the owner closes first. */
  sleep(simulatedMs: number): Promise<void>;
  readonly closed: boolean;
  close(): void;
}

const MAX_REAL_MS = 2 ** 31 - 1;

export function createTimers(clock: Clock): Timers {
  const pending = new Map<symbol, () => void>();
  let closed = false;
  const after = (simulatedMs: number, fn: () => void, onClose?: () => void) => {
    if (closed) return;
    const key = Symbol('timer');
    // Node fires timers longer than ~24.8 days at once; a slow clock with a 7-day retention can
    // ask for more, so long waits go in hops.
    const hop = Math.min(simulatedMs, MAX_REAL_MS * clock.timeScale);
    const cancel = clock.setTimeout(() => {
      pending.delete(key);
      if (hop < simulatedMs) after(simulatedMs - hop, fn, onClose);
      else fn();
    }, hop);
    pending.set(key, () => {
      cancel();
      onClose?.();
    });
  };
  return {
    after: (simulatedMs, fn) => after(simulatedMs, fn),
    sleep: (simulatedMs) =>
      new Promise((resolve, reject) => {
        if (closed) reject(new Error('closed'));
        else after(simulatedMs, resolve, () => reject(new Error('closed')));
      }),
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      for (const cancel of pending.values()) cancel();
      pending.clear();
    },
  };
}
