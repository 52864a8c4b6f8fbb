/**
 * Yoga plugin: multipart requests are parsed by the streamed parser (`multipart.ts`) instead of
 * yoga's own, which buffers every file in memory (`request.formData()`). User plugins' request
 * parsers are registered after yoga's built-in ones, so this one is the one that runs; yoga's body
 * size check still wraps it (set to `maxMultipartBytes`). The request's temp files are released
 * once its response is out, and all of them when yoga is disposed (gateway stop).
 */
import { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import {
  type AuthorizeUpload,
  isMultipart,
  parseMultipart,
  type UploadLimits,
  uploadError,
} from './multipart.js';
import type { DiskFile, UploadStore } from './store.js';

type GraphQLParams = Parameters<NonNullable<Plugin['onParams']>>[0]['params'];

export function useStreamedUploads(options: {
  store: UploadStore;
  limits: UploadLimits;
  logger: Logger;
  /** The early scope check for this request (its Authorization header). */
  authorize?: (request: Request) => AuthorizeUpload | undefined;
}): Plugin {
  const { store, limits, logger } = options;
  const filesOf = new WeakMap<Request, DiskFile[]>();
  return {
    onRequestParse({ request, setRequestParser, serverContext }) {
      const contentType = request.headers.get('content-type');
      if (request.method !== 'POST' || !isMultipart(contentType)) return;
      // Over node:http, the socket's chunks are read as they come (no fetch-stream layers
      // between them and the parser); the body-limit guard has checked the declared length.
      const raw = (serverContext as { req?: unknown }).req;
      const nodeBody = raw instanceof IncomingMessage && !raw.readableDidRead ? raw : undefined;
      setRequestParser(async (limited) => {
        const body = (nodeBody ?? limited.body) as AsyncIterable<Uint8Array> | null;
        if (!body) throw uploadError(400, 'MULTIPART_MALFORMED', 'The multipart body is empty.');
        const declared = request.headers.get('content-length');
        const { operations, files } = await parseMultipart(
          body,
          {
            contentType: contentType ?? '',
            contentLength: declared && /^\d+$/.test(declared) ? Number(declared) : undefined,
          },
          store,
          limits,
          options.authorize?.(request),
        );
        filesOf.set(request, files);
        return operations as GraphQLParams;
      });
    },
    // Gateway stop: whatever uploads are left go with their directory.
    onDispose: () => store.close(),
    onResponse({ request }) {
      const files = filesOf.get(request);
      if (!files) return;
      filesOf.delete(request);
      store.release(files).catch((error: unknown) => {
        logger.warn('could not remove upload files', { error });
      });
    },
  };
}
