/**
 * GraphiQL's page is ~9 MB of HTML (its bundle is inlined: no CDN). Browsers that accept gzip get
 * it compressed (~2.5 MB), compressed off the event loop once and reused while the page's text is
 * the same (its example tabs change once an hour).
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

const gzipAsync = promisify(gzip);

export function useCompressedPages(): Plugin {
  let cached: { digest: string; body: Promise<Buffer> } | undefined;
  return {
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (!response.headers.get('content-type')?.startsWith('text/html')) return undefined;
      if (response.headers.has('content-encoding')) return undefined;
      if (!/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) return undefined;
      return response.text().then(async (text) => {
        const digest = createHash('sha256').update(text).digest('hex');
        if (cached?.digest !== digest) cached = { digest, body: gzipAsync(text) };
        const headers = new fetchAPI.Headers(response.headers);
        headers.set('content-encoding', 'gzip');
        headers.set('vary', 'accept-encoding');
        headers.delete('content-length');
        setResponse(
          new fetchAPI.Response(new Uint8Array(await cached.body), {
            status: response.status,
            headers,
          }),
        );
      });
    },
  };
}
