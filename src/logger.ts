/**
 * Structured JSON logs, one line per event, with secrets redacted at the source: values under
 * secret-looking keys are replaced, and any registered secret string is scrubbed from every value.
 */
import { excerpt } from './security/excerpt.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  /** A logger whose lines all carry `bindings` (e.g. `{ requestId }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** Longest string in a log line: caller input is logged as a bounded excerpt. */
const MAX_LOGGED_CHARS = 2_000;

const SECRET_KEY = /secret|password|token|authorization|api[-_]?key|^key$/i;
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Exact strings that must never be printed (client secret, API keys, access tokens). */
  secrets?: () => Iterable<string>;
  /** Where lines go; defaults to stdout. Tests capture lines through this. */
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const secrets = options.secrets ?? (() => []);

  const scrub = (text: string): string => {
    let out = text;
    for (const secret of secrets()) {
      if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
    }
    return out;
  };

  const redact = (value: unknown, key: string | undefined, depth: number): unknown => {
    // Numbers and booleans under such keys are settings (`maxTokens`), never credentials.
    const setting = typeof value === 'number' || typeof value === 'boolean';
    if (key !== undefined && SECRET_KEY.test(key) && value != null && !setting) return '[REDACTED]';
    if (typeof value === 'string') return excerpt(scrub(value), MAX_LOGGED_CHARS);
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return {
        name: value.name,
        message: excerpt(scrub(value.message), MAX_LOGGED_CHARS),
        ...(code !== undefined && { code }),
      };
    }
    if (depth > 5 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => redact(item, undefined, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k, depth + 1)]));
  };

  const make = (bindings: Record<string, unknown>): Logger => {
    const log = (level: LogLevel, message: string, data?: Record<string, unknown>) => {
      if (LEVELS[level] < min) return;
      const line = {
        time: new Date().toISOString(),
        level,
        msg: excerpt(scrub(message), MAX_LOGGED_CHARS),
        ...(redact(bindings, undefined, 0) as Record<string, unknown>),
        ...(data && (redact(data, undefined, 0) as Record<string, unknown>)),
      };
      write(JSON.stringify(line));
    };
    return {
      debug: (m, d) => log('debug', m, d),
      info: (m, d) => log('info', m, d),
      warn: (m, d) => log('warn', m, d),
      error: (m, d) => log('error', m, d),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make(options.bindings ?? {});
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
