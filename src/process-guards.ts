/**
 * What the process does with an error nobody handled. An unhandled rejection is logged (one JSON
 * line with its origin) and the process keeps running: such rejections come from promises a
 * library left dangling (ioredis, a Redis command on our behalf while Redis is away), and the
 * gateway's own state is not corrupted by them — dying would turn a Redis outage into a gateway
 * outage. An uncaught exception is logged too, but then ends the process (after a bounded clean
 * stop): a throw that unwound an unknown stack may have left state half-changed, and a supervisor
 * restarts a process faster than anyone could diagnose a corrupt one.
 */
import type { Logger } from './logger.js';

export interface ProcessGuardOptions {
  /** The logger in force (the gateway's, which scrubs its secrets, once it exists). */
  logger: () => Logger;
  /** Stops the gateway cleanly, then exits with `code`. */
  fatal: (code: number) => void;
}

/** Installs the handlers once; returns a function that removes them (tests). */
export function guardProcess(options: ProcessGuardOptions): () => void {
  const onRejection = (reason: unknown) => {
    options.logger().error('unhandled rejection (process keeps running)', {
      origin: 'unhandledRejection',
      error: reason instanceof Error ? reason : { value: String(reason).slice(0, 200) },
      ...(reason instanceof Error && { stack: firstFrames(reason) }),
    });
  };
  const onException = (error: Error, origin: string) => {
    options.logger().error('uncaught exception: stopping', {
      origin,
      error,
      stack: firstFrames(error),
    });
    options.fatal(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

/** Where it came from: a few stack frames (code locations, no values). */
function firstFrames(error: Error): string[] {
  return (error.stack ?? '')
    .split('\n')
    .slice(1, 6)
    .map((line) => line.trim());
}
