/**
 * The lifecycle every long-running Marketo job shares, written once: a versioned record kept in a
 * JobRegistry (a local JSON file or Redis), changed one step at a time under a per-job lock (each
 * step recomputes the state and publishes the record), one runner per job on the instance holding
 * the registry's claim, adoption of unfinished jobs nobody runs (at start, and periodically with a
 * shared registry), retention of finished ones, and watchers fed by one subscription per job.
 *
 * A kind (exports, imports) plugs in its state machine (`JobKind`) and the work of its runners;
 * everything here is kind-agnostic.
 */
import { setMaxListeners } from 'node:events';
import {
  createFanOut,
  type FanOut,
  type JobRegistry,
  RegistryUnavailableError,
  type VersionedRecord,
} from '../bulk/job-registry.js';
import type { Logger } from '../logger.js';
import { Alarm, sleep } from './sleep.js';
import { watchJob } from './watch.js';

/** What the engine reads of every job record. */
export interface JobRecord extends VersionedRecord {
  status: string;
  createdAt: string;
  updatedAt: string;
  error?: unknown;
}

/** What a kind of job tells the engine about its records. */
export interface JobKind<T extends JobRecord> {
  /** `export`, `import`: names log lines (`export job status`). */
  readonly name: string;
  keyOf(job: T): string;
  isTerminal(job: T): boolean;
  /** Recomputes `job.status` after a change (the kind's state machine). */
  settle(job: T): void;
  /** Log fields naming the job. */
  describe(job: T): Record<string, unknown>;
}

export interface JobEngineOptions<T extends JobRecord> {
  kind: JobKind<T>;
  /** Opened once, at `start`. */
  openRegistry: () => Promise<JobRegistry<T>>;
  logger: Logger;
  /** Wait between tries while a shared registry is away, real ms. */
  retryMs: number;
  /** How long finished jobs are kept; older ones are forgotten at start (files removed). */
  retentionMs: number;
  removeFiles: (job: T) => Promise<void>;
  /** Runs an unfinished job nobody runs (at start, and on each adoption pass). */
  adopt: (job: T) => void;
  /** Whether an unfinished job may be adopted (e.g. not while a cancel is pending). */
  adoptable?: (job: T) => boolean;
  /** With a shared registry: how often (real ms) unfinished jobs nobody runs are looked for. */
  adoptIntervalMs?: number;
}

/** The abort of a runner (closing, a lost claim, a cancel). */
export class Aborted extends Error {}

/** One job run by this instance, under the registry's claim. */
export interface Runner {
  readonly key: string;
  readonly abort: AbortController;
  readonly signal: AbortSignal;
  /** Sleeps of the runner that `wake()` cuts short. */
  readonly alarm: Alarm;
  done: Promise<void>;
}

export class JobEngine<T extends JobRecord> {
  private readonly kind: JobKind<T>;
  private readonly logger: Logger;
  private registryValue: JobRegistry<T> | undefined;
  private fanOut: FanOut<T> | undefined;
  private readonly runners = new Map<string, Runner>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private adoptTimer: NodeJS.Timeout | undefined;
  private adoptFailing = false;
  private started: Promise<JobRegistry<T>> | undefined;
  private closed = false;

  constructor(private readonly options: JobEngineOptions<T>) {
    this.kind = options.kind;
    this.logger = options.logger;
  }

  /** Opens the registry, forgets expired jobs and adopts every unfinished one. Idempotent. */
  start(): Promise<JobRegistry<T>> {
    this.started ??= this.resume();
    return this.started;
  }

  /** The registry, once started. */
  registry(): Promise<JobRegistry<T>> {
    return this.start();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async resume(): Promise<JobRegistry<T>> {
    const registry = await this.options.openRegistry();
    this.registryValue = registry;
    const all = await registry.list();
    const now = Date.now();
    for (const job of all) {
      const age = now - Date.parse(job.updatedAt);
      if (this.kind.isTerminal(job) && age > this.options.retentionMs) {
        await registry.delete(this.kind.keyOf(job));
        await this.options.removeFiles(job);
      }
    }
    const unfinished = all
      .filter((job) => !this.kind.isTerminal(job))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const job of unfinished) this.options.adopt(job);
    const every = this.options.adoptIntervalMs;
    if (every !== undefined && !this.closed) {
      this.adoptTimer = setInterval(() => void this.adoptionPass(), every);
      this.adoptTimer.unref();
    }
    return registry;
  }

  /** Adopts the unfinished jobs nobody runs (a shared registry whose owner died). */
  private async adoptionPass(): Promise<void> {
    try {
      const registry = await this.registry();
      for (const job of await registry.listActive()) {
        if (this.closed) return;
        if (this.kind.isTerminal(job) || this.runners.has(this.kind.keyOf(job))) continue;
        if (this.options.adoptable?.(job) === false) continue;
        this.options.adopt(job);
      }
      if (this.adoptFailing) this.logger.info(`${this.kind.name} adoption pass works again`);
      this.adoptFailing = false;
    } catch (error) {
      // Logged once per episode: the pass runs again at the next tick.
      if (!this.adoptFailing) this.logger.warn(`${this.kind.name} adoption pass failed`, { error });
      this.adoptFailing = true;
    }
  }

  // ---------------------------------------------------------------- records

  async get(key: string): Promise<T | undefined> {
    return (await this.registry()).get(key);
  }

  /** A registry step, retried while a shared registry is away (until `signal` aborts). */
  async retrying<R>(signal: AbortSignal | undefined, step: () => Promise<R>): Promise<R> {
    let warned = false;
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof RegistryUnavailableError) || !signal) throw error;
        if (signal.aborted) throw new Aborted('aborted');
        if (!warned) this.logger.warn(`${this.kind.name} runner waiting for the job registry`);
        warned = true;
        await sleep(this.options.retryMs, signal);
      }
    }
  }

  /** The job's latest version, retried while the registry is away. */
  async read(key: string, signal: AbortSignal): Promise<T | undefined> {
    const registry = await this.registry();
    return this.retrying(signal, () => registry.get(key));
  }

  /** Runs `fn` after every earlier locked step of `key` (one change at a time per job). */
  withLock<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    // The chain goes on whatever `fn` did; its caller gets the failure.
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  /**
   * Applies `mutate` to the latest version, recomputes the state and saves (so publishes) it;
   * retried while a shared registry is away when `signal` is given. No-op on a finished job (a
   * late runner step never overwrites an end state), and when nothing changed: watchers get no
   * event that repeats the last (a Marketo step already known, a status polled again).
   */
  update(key: string, mutate: (job: T) => void, signal?: AbortSignal): Promise<T | undefined> {
    return this.withLock(key, async () => {
      const registry = await this.registry();
      return this.retrying(signal, async () => {
        const current = await registry.get(key);
        if (!current || this.kind.isTerminal(current)) return current;
        const job = structuredClone(current);
        mutate(job);
        this.kind.settle(job);
        // Compared as stored (JSON): a field set to undefined is no change a watcher could see.
        if (JSON.stringify(job) === JSON.stringify(current)) return job;
        job.version = current.version + 1;
        job.updatedAt = new Date().toISOString();
        await registry.save(key, job);
        if (job.status !== current.status) {
          this.logger.info(`${this.kind.name} job status`, {
            ...this.kind.describe(job),
            from: current.status,
            to: job.status,
            ...(job.error !== undefined && { error: job.error }),
          });
        }
        return job;
      });
    });
  }

  /** Saves a job unless the registry has it already (a Marketo job adopted by id). */
  async saveNew(job: T): Promise<T> {
    const registry = await this.registry();
    const key = this.kind.keyOf(job);
    await this.withLock(key, async () => {
      if (!(await registry.get(key))) await registry.save(key, job);
    });
    return (await registry.get(key)) ?? job;
  }

  /** The job now, then every change, done after an end state. */
  async watch(key: string, found: T): Promise<AsyncIterableIterator<T>> {
    const registry = await this.registry();
    this.fanOut ??= createFanOut(registry);
    return watchJob(registry, this.fanOut, (job) => this.kind.isTerminal(job), key, found);
  }

  // ---------------------------------------------------------------- runners

  running(key: string): boolean {
    return this.runners.has(key);
  }

  runner(key: string): Runner | undefined {
    return this.runners.get(key);
  }

  /**
   * This instance's runner of `key` while it still holds the job's claim, asked of the registry
   * (a fence right before an act two owners must never both do); undefined otherwise.
   */
  async fenced(key: string): Promise<Runner | undefined> {
    const runner = this.runners.get(key);
    if (!runner || runner.signal.aborted) return undefined;
    const registry = await this.registry();
    if (registry.holds && !(await registry.holds(key))) return undefined;
    return runner.signal.aborted || this.runners.get(key) !== runner ? undefined : runner;
  }

  /**
   * Makes this instance the job's runner: a slot here, then the registry's claim (a claim that
   * lapses aborts the runner). Undefined when closed, already running here or claimed elsewhere.
   */
  async claim(key: string): Promise<Runner | undefined> {
    if (this.closed || this.runners.has(key)) return undefined;
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const runner: Runner = {
      key,
      abort,
      signal: abort.signal,
      alarm: new Alarm(abort.signal),
      done: Promise.resolve(),
    };
    this.runners.set(key, runner);
    let held = false;
    try {
      const registry = await this.registry();
      held = await registry.claim(key, () => abort.abort(new Aborted('claim lost')));
    } catch (error) {
      this.logger.warn(`${this.kind.name} job could not be claimed`, { key, error });
    }
    if (held && !this.closed) return runner;
    if (held) await this.release(key);
    this.forget(runner);
    return undefined;
  }

  /** Gives a claimed runner up without running it. */
  async drop(runner: Runner): Promise<void> {
    await this.release(runner.key);
    this.forget(runner);
  }

  /**
   * Runs `task` under the runner's claim, then releases it. A failure is logged once and handed
   * to `onCrash` (e.g. to fail the job); the next adoption pass may take the job up again.
   */
  launch(
    runner: Runner,
    task: (runner: Runner) => Promise<void>,
    onCrash?: (error: unknown) => Promise<void>,
  ): void {
    runner.done = (async () => {
      try {
        await task(runner);
      } catch (error) {
        if (!runner.signal.aborted) {
          this.logger.error(`${this.kind.name} runner crashed`, { key: runner.key, error });
          await onCrash?.(error).catch((failure: unknown) =>
            this.logger.error(`${this.kind.name} job could not be failed`, {
              key: runner.key,
              error: failure,
            }),
          );
        }
      } finally {
        await this.drop(runner);
      }
    })();
  }

  /** `claim` then `launch`, in the background (nothing to do when the claim is not had). */
  follow(
    key: string,
    task: (runner: Runner) => Promise<void>,
    onCrash?: (error: unknown) => Promise<void>,
  ): void {
    void this.claim(key).then((runner) => {
      if (runner) this.launch(runner, task, onCrash);
    });
  }

  private async release(key: string): Promise<void> {
    try {
      await (await this.registry()).release(key);
    } catch (error) {
      // A shared registry away: the claim lapses on its own.
      this.logger.warn(`${this.kind.name} job claim not released`, { key, error });
    }
  }

  private forget(runner: Runner): void {
    if (this.runners.get(runner.key) === runner) this.runners.delete(runner.key);
  }

  /**
   * Stops every runner (their jobs stay in the registry for another instance or the next start),
   * waits for `drain`, then closes the registry.
   */
  async close(drain?: () => Promise<unknown>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.adoptTimer);
    for (const runner of this.runners.values()) runner.abort.abort(new Aborted('closing'));
    await Promise.allSettled([...this.runners.values()].map((r) => r.done));
    await drain?.();
    // A start that failed was reported to whoever awaited it.
    await this.started?.catch(() => undefined);
    try {
      await this.registryValue?.close();
    } catch (error) {
      this.logger.error(`${this.kind.name} job registry did not close cleanly`, { error });
    }
  }
}
