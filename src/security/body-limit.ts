/**
 * Request body size, checked before yoga reads a byte: a declared length over the limit gets
 * 413, and a body without a declared length (chunked) gets 411, so no body can grow unbounded.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

function refuse(res: ServerResponse, status: number, code: string, message: string) {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(body);
}

export function limitRequestBody(maxBytes: number, next: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      refuse(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${maxBytes} bytes.`);
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
