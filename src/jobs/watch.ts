/** A job's change stream for one subscriber: the current version, then every newer one. */
import { type FanOut, type JobRegistry, type VersionedRecord } from '../bulk/job-registry.js';

/**
 * `watch`'s stream as a plain iterator over a queue filled by the fan-out: the job now, then every
 * newer version in order, done after a terminal one. Per change a watcher costs one queue push
 * (or one resolved promise when its consumer waits), not an async generator's await chain.
 */
export function watchJob<T extends VersionedRecord>(
  registry: Pick<JobRegistry<T>, 'get'>,
  fanOut: FanOut<T>,
  isTerminal: (job: T) => boolean,
  key: string,
  found: T,
): AsyncIterableIterator<T> {
  type Step = IteratorResult<T, undefined>;
  const DONE: Step = { done: true, value: undefined };
  const queue: T[] = [];
  let waiting: { resolve: (step: Step) => void; reject: (error: unknown) => void } | undefined;
  let failure: { error: unknown } | undefined;
  /** The version last handed out; undefined until the current state was read. */
  let last: number | undefined;
  let ended = false;
  // Listening starts here, before the current state is read, so no change falls between the two.
  let unlisten: (() => void) | undefined = fanOut.listen(key, {
    change(job) {
      if (ended) return;
      if (waiting && last !== undefined) {
        if (job.version <= last) return;
        const { resolve } = waiting;
        waiting = undefined;
        resolve(take(job));
      } else queue.push(job);
    },
    fail(error) {
      unlisten = undefined;
      if (ended) return;
      if (waiting) {
        const { reject } = waiting;
        waiting = undefined;
        end();
        reject(error);
      } else failure = { error };
    },
  });
  const end = () => {
    ended = true;
    queue.length = 0;
    unlisten?.();
    unlisten = undefined;
  };
  /** Hands out `job` (newer than `last`); the stream ends after a terminal state. */
  const take = (job: T): Step => {
    last = job.version;
    if (isTerminal(job)) end();
    return { done: false, value: job };
  };
  let started = false;
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (!started) {
        started = true;
        try {
          return take((await registry.get(key)) ?? found);
        } catch (error) {
          end();
          throw error;
        }
      }
      if (ended) return DONE;
      for (let job = queue.shift(); job; job = queue.shift()) {
        if (last === undefined || job.version > last) return take(job);
      }
      if (failure) {
        end();
        throw failure.error;
      }
      return new Promise<Step>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    async return() {
      end();
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve(DONE);
      }
      return DONE;
    },
  };
  return iterator;
}
