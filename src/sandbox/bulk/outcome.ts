import type { Reason } from '../types.js';

/** Errors as values with Marketo's codes: handlers turn `fail` into a response-level error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Reason };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (code: string, message: string): { ok: false; error: Reason } => ({
  ok: false,
  error: { code, message },
});
