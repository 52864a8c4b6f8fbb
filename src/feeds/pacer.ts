/**
 * The feeds' share of the Marketo budget on this instance: at most ⌊share × rateLimit⌋ feed calls
 * (pollers and catch-up reads together) in any rolling window, so that tailing never crowds out
 * the operations the gateway serves. Calls still go through the client's limiter as well.
 */
import { sleep } from '../jobs/sleep.js';

export class FeedPacer {
  private readonly starts: number[] = [];
  private readonly perWindow: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    share: number,
    rateLimit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perWindow = Math.max(1, Math.floor(share * rateLimit));
  }

  /** Resolves when one more feed call fits in the window (callers are served in turn). */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.wait(signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= t - this.windowMs) this.starts.shift();
      if (this.starts.length < this.perWindow || signal?.aborted) break;
      await sleep(this.starts[0]! + this.windowMs - t + 1, signal);
    }
    this.starts.push(this.now());
  }
}
