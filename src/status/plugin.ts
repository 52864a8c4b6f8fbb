/**
 * `/status` (the page) and `/status/events` (its live feed, server-sent events), with the same
 * access rule as `/metrics`: an API key with the admin scope (GATEWAY_METRICS=admin, the default)
 * or anyone (public). A browser cannot send a bearer token on navigation, so here the key may also
 * come as HTTP Basic credentials (any user name, the key as password): the browser asks once and
 * sends it for the page and its feed.
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import type { Access } from '../auth/access.js';
import { mayAddress } from '../http-paths.js';
import type { MetricsAccess } from '../security/settings.js';
import { STATUS_PAGE } from './page.js';
import type { StatusReader, StatusSnapshot } from './snapshot.js';

export const STATUS_ENDPOINT = '/status';
const EVENTS_ENDPOINT = '/status/events';

export interface StatusPageOptions {
  access: Access;
  mode: MetricsAccess;
  reader: StatusReader;
  /** How often the feed sends a new snapshot (ms). */
  intervalMs?: number;
}

/** `Basic base64(user:key)` → `Bearer key`; anything else as it came. */
function bearerFrom(authorization: string | null): string | null {
  const basic = /^basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization?.trim() ?? '');
  if (!basic) return authorization;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : `Bearer ${decoded.slice(colon + 1)}`;
}

export function useStatusPage(options: StatusPageOptions): Plugin & { close(): void } {
  const intervalMs = options.intervalMs ?? 1000;
  const page = Buffer.from(STATUS_PAGE);
  const pageGzip = gzipSync(page);
  const stopping = new AbortController();
  // One snapshot for every page open at once.
  let latest: { at: number; snapshot: Promise<StatusSnapshot> } | undefined;
  const snapshot = () => {
    if (!latest || Date.now() - latest.at >= intervalMs / 2) {
      latest = { at: Date.now(), snapshot: options.reader.snapshot() };
      latest.snapshot.catch(() => (latest = undefined));
    }
    return latest.snapshot;
  };

  return {
    close: () => stopping.abort(),
    onRequest({ request, url, endResponse, fetchAPI }) {
      // `/status/events` contains `status` too.
      if (!mayAddress(request, STATUS_ENDPOINT)) return undefined;
      if (url.pathname !== STATUS_ENDPOINT && url.pathname !== EVENTS_ENDPOINT) return undefined;
      const text = (status: number, body: string, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(body, {
            status,
            headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
          }),
        );
      if (request.method !== 'GET') return text(405, 'Method Not Allowed\n', { allow: 'GET' });
      if (options.mode === 'admin') {
        const principal = options.access.principalFor(
          bearerFrom(request.headers.get('authorization')),
        );
        if (!principal) {
          return text(401, 'Unauthorized: an API key with the admin scope is needed\n', {
            'www-authenticate': 'Basic realm="marketo-graphql-gateway status", charset="UTF-8"',
          });
        }
        if (!principal.scopes.has('admin')) {
          return text(403, 'Forbidden: /status needs the admin scope\n');
        }
      }
      if (url.pathname === STATUS_ENDPOINT) {
        const gzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
        return endResponse(
          new fetchAPI.Response(gzip ? pageGzip : page, {
            headers: {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
              'content-security-policy':
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
              vary: 'accept-encoding',
              ...(gzip && { 'content-encoding': 'gzip' }),
            },
          }),
        );
      }
      return endResponse(
        new fetchAPI.Response(feed(snapshot, intervalMs, request.signal, stopping.signal), {
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-store',
            connection: 'keep-alive',
          },
        }),
      );
    },
  };
}

/** A snapshot at once, then every `intervalMs`, until the page or the gateway goes away. */
function feed(
  snapshot: () => Promise<StatusSnapshot>,
  intervalMs: number,
  ...signals: AbortSignal[]
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const signal = AbortSignal.any(signals);
  let timer: NodeJS.Timeout | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // The reader may have gone between a snapshot's start and its end.
      const push = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          clearTimeout(timer);
        }
      };
      const stop = () => {
        clearTimeout(timer);
        try {
          controller.close();
        } catch {
          // Already closed by the reader.
        }
      };
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      const send = async () => {
        try {
          const data = JSON.stringify(await snapshot());
          if (signal.aborted) return;
          push(`event: snapshot\ndata: ${data}\n\n`);
        } catch (error) {
          // A failed read (Redis away) is said on the page, and the next tick tries again.
          const message = error instanceof Error ? error.message : String(error);
          push(`event: failure\ndata: ${JSON.stringify(message)}\n\n`);
        }
        if (!signal.aborted) timer = setTimeout(() => void send(), intervalMs);
      };
      void send();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}
