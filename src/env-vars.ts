/** Reading typed values from environment variables; a wrong value names its variable. */
import { ConfigError } from './marketo/errors.js';

export type Env = Record<string, string | undefined>;

export function intVar(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(name, `must be an integer ≥ ${min}, got "${raw.slice(0, 20)}"`);
  }
  return value;
}
