/**
 * Request body size, checked before yoga reads a byte: a declared length over the limit gets
 * 413, and a body without a declared length (chunked) gets 411, so no body can grow unbounded.
 * A multipart upload is held to `maxMultipartBytes` instead (its fields plus every file at
 * GATEWAY_MAX_UPLOAD_BYTES): its files stream to disk, and the parser checks each one.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isMultipart } from '../uploads/multipart.js';

function refuse(res: ServerResponse, status: number, code: string, message: string) {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
}

export function limitRequestBody(
  maxBytes: number,
  next: RequestListener,
  maxMultipartBytes = maxBytes,
): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const declared = req.headers['content-length'];
    const multipart = isMultipart(req.headers['content-type']);
    const limit = multipart ? Math.max(maxBytes, maxMultipartBytes) : maxBytes;
    if (declared !== undefined && Number(declared) > limit) {
      const message = multipart
        ? `Multipart request body is larger than ${limit} bytes (GATEWAY_MAX_UPLOAD_FILES files of GATEWAY_MAX_UPLOAD_BYTES).`
        : `Request body is larger than ${limit} bytes.`;
      refuse(res, 413, 'PAYLOAD_TOO_LARGE', message);
      req.resume();
      return;
    }
    if (declared === undefined && req.headers['transfer-encoding'] !== undefined) {
      refuse(res, 411, 'LENGTH_REQUIRED', 'Send the request body with a Content-Length.');
      req.resume();
      return;
    }
    next(req, res);
  };
}
