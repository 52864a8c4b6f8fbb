/** Waits without keeping the process alive, cut short by an abort or a wake-up. */

/** Resolves after `realMs`, or at once when `signal` aborts (never rejects). */
export function sleep(realMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, realMs);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Sleeps that `wake()` ends early (e.g. a poller woken when its job was enqueued). */
export class Alarm {
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly signal: AbortSignal) {}

  sleep(realMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal.aborted) return resolve();
      const timer = setTimeout(done, realMs);
      timer.unref();
      const sleepers = this.sleepers;
      const signal = this.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  wake(): void {
    for (const done of [...this.sleepers]) done();
  }
}
