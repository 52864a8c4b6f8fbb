/**
 * Caller input in messages and log lines is cut to a bounded excerpt: an error about a 30 MB
 * header names it by its first characters, it does not echo it (twice) into the response or the
 * log.
 */
import { GraphQLError } from 'graphql';

/** Longest error message, and longest string in an error's extensions. */
export const MAX_MESSAGE_CHARS = 1_000;
export const MAX_EXTENSION_CHARS = 200;

/** `text` itself when short, else its start and how much was left out. */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Strings (at any depth, up to a few levels) cut to `max`; arrays to their first 20 items. */
export function boundedValue(value: unknown, max: number, depth = 0): unknown {
  if (typeof value === 'string') return excerpt(value, max);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((item) => boundedValue(item, max, depth + 1));
    return value.length > 20 ? [...items, `… (${value.length - 20} more items)`] : items;
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, boundedValue(v, max, depth + 1)]),
  );
}

/** The error itself when within bounds, else a copy with its message and extensions cut. */
export function boundedError(error: GraphQLError): GraphQLError {
  const extensions = boundedValue(error.extensions, MAX_EXTENSION_CHARS) as Record<string, unknown>;
  const long =
    error.message.length > MAX_MESSAGE_CHARS ||
    JSON.stringify(extensions) !== JSON.stringify(error.extensions);
  if (!long) return error;
  return new GraphQLError(excerpt(error.message, MAX_MESSAGE_CHARS), {
    ...(error.nodes && { nodes: error.nodes }),
    ...(error.source && { source: error.source }),
    ...(error.positions && { positions: error.positions }),
    ...(error.path && { path: error.path }),
    extensions,
  });
}
