/**
 * Deeply nested JSON in a request (variables, extensions) is refused before anything walks it
 * recursively: graphql-js's input coercion and the cost estimate recurse per level, and 5,000
 * levels overflow the stack (a 500). Nothing in the schema nests deeper than a few levels.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const MAX_JSON_DEPTH = 64;

/** The nesting depth of `value`, counted without recursion; stops once past `max`. */
export function jsonDepth(value: unknown, max: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > max) return deepest;
    for (const item of Object.values(current)) {
      if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
    }
  }
  return deepest;
}

/** 400 `JSON_TOO_DEEP` when `variables` or `extensions` nest deeper than `max`. */
export function jsonDepthError(
  params: { variables?: unknown; extensions?: unknown },
  max = MAX_JSON_DEPTH,
): GraphQLError | undefined {
  for (const name of ['variables', 'extensions'] as const) {
    if (jsonDepth(params[name], max) > max) {
      return new GraphQLError(`The request's ${name} nest deeper than ${max} levels.`, {
        extensions: { code: 'JSON_TOO_DEEP', limit: max, http: { status: 400 } },
      });
    }
  }
  return undefined;
}

export function useJsonDepthLimit(max = MAX_JSON_DEPTH): Plugin {
  return {
    onParams({ params }) {
      const error = jsonDepthError(params, max);
      if (error) throw error;
    },
  };
}
