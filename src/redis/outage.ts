/**
 * One warning per Redis outage episode, not one per failed command: a storm of failures while
 * Redis is away logs its first failure (with the operation and the error's code, never its
 * arguments, which may carry records or tokens) and, once a command succeeds again, one line
 * saying how long it lasted and how many commands failed meanwhile.
 */
import type { Logger } from '../logger.js';

export interface OutageLog {
  /** A command failed: logged when it opens an episode, counted otherwise. */
  failed(operation: string, error: unknown, context?: Record<string, unknown>): void;
  /** A command succeeded: closes the episode, if one is open. */
  recovered(): void;
  readonly down: boolean;
}

/** The error's code or name, never its message's arguments. */
export function errorCode(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.name;
  return 'unknown';
}

export function createOutageLog(logger: Logger, what: string): OutageLog {
  let episode: { since: number; failures: number } | undefined;
  return {
    failed(operation, error, context) {
      if (episode) {
        episode.failures++;
        return;
      }
      episode = { since: Date.now(), failures: 1 };
      logger.warn(`${what}: redis unavailable`, { operation, code: errorCode(error), ...context });
    },
    recovered() {
      if (!episode) return;
      const { since, failures } = episode;
      episode = undefined;
      logger.info(`${what}: redis reachable again`, { downMs: Date.now() - since, failures });
    },
    get down() {
      return episode !== undefined;
    },
  };
}
