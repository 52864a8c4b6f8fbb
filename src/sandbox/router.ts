/**
 * Maps (method, path) to a Route. A path that exists under another method is 605 (Marketo's
 * "Request method 'X' not supported"); a path that matches nothing is 610.
 */
import type { Route } from './types.js';

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

export type Resolution = { route: Route; params: Record<string, string> } | { code: '605' | '610' };

export interface Router {
  resolve(method: string, path: string): Resolution;
  /** The largest body any route at `path` accepts (413 beyond it). */
  maxBodyBytes(path: string, fallback: number): number;
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.pattern
    .split(/(:[A-Za-z_]\w*)/)
    .map((part) => {
      if (part.startsWith(':')) {
        names.push(part.slice(1));
        return '([^/]+?)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { route, regex: new RegExp(`^${source}$`), names };
}

/** Malformed percent-encoding stays as sent (the route then finds nothing) instead of throwing. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function createRouter(routes: readonly Route[]): Router {
  const compiled = routes.map(compile);
  const matching = (path: string) =>
    compiled.flatMap((c) => {
      const m = c.regex.exec(path);
      if (!m) return [];
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? '');
      });
      return [{ route: c.route, params }];
    });
  return {
    resolve(method, path) {
      const candidates = matching(path);
      if (candidates.length === 0) return { code: '610' };
      return candidates.find((c) => c.route.method === method) ?? { code: '605' };
    },
    maxBodyBytes(path, fallback) {
      const limits = matching(path).map((c) => c.route.maxBodyBytes ?? fallback);
      return limits.length ? Math.max(...limits) : fallback;
    },
  };
}
