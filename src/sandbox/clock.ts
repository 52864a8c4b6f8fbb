/**
 * One clock for everything time-based in the sandbox (rate windows, token lifetimes, export and
 * import job progress, quota days). `timeScale` compresses Marketo time: with timeScale 1000 a
 * 20-second rate window lasts 20 ms of real time, so tests keep Marketo's ratios without waiting.
 */
export interface Clock {
  /** Simulated epoch milliseconds. */
  now(): number;
  /** How many simulated milliseconds pass per real millisecond. */
  readonly timeScale: number;
  /** Converts a simulated duration into the real duration to wait for it. */
  toRealMs(simulatedMs: number): number;
  /** Resolves after `simulatedMs` of sandbox time. */
  sleep(simulatedMs: number): Promise<void>;
  /** Runs `fn` after `simulatedMs` of sandbox time; returns a cancel function. Unref'd. */
  setTimeout(fn: () => void, simulatedMs: number): () => void;
}

export function createClock(options: { timeScale?: number; startAt?: number } = {}): Clock {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  }
  const realStart = Date.now();
  const simStart = options.startAt ?? realStart;
  const toRealMs = (simulatedMs: number) => Math.max(0, simulatedMs / timeScale);
  return {
    timeScale,
    now: () => simStart + (Date.now() - realStart) * timeScale,
    toRealMs,
    sleep: (simulatedMs) =>
      new Promise((resolve) => {
        setTimeout(resolve, toRealMs(simulatedMs)).unref();
      }),
    setTimeout: (fn, simulatedMs) => {
      const handle = setTimeout(fn, toRealMs(simulatedMs));
      handle.unref();
      return () => clearTimeout(handle);
    },
  };
}
