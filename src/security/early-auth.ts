/**
 * Authentication before the body: a GraphQL request without a valid `Authorization: Bearer <key>`
 * is answered 401 from its headers alone, so no byte of its body is parsed, validated or written
 * to the upload folder, and nothing about the schema (not even a "Did you mean…") reaches it.
 * The GraphiQL page (a GET without an operation), CORS preflights, `/health`, `/ready` and
 * `/metrics` (which checks its own key) pass through.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type Access, UNAUTHENTICATED_MESSAGE } from '../auth/access.js';
import type { Principal } from '../auth/scopes.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../request-id.js';

/** Who each request let through was authenticated as: the GraphQL context asks, not re-hashes. */
const principals = new WeakMap<IncomingMessage, Principal>();

/** The principal `authenticateBeforeBody` found for this request, if it checked one. */
export function authenticatedPrincipal(req: unknown): Principal | undefined {
  return typeof req === 'object' && req !== null
    ? principals.get(req as IncomingMessage)
    : undefined;
}

/** Whether the request asks to run an operation on `endpoint` (and so needs a key). */
function runsOperation(req: IncomingMessage, endpoint: string): boolean {
  // The usual POST to the endpoint itself, without parsing a URL.
  if (req.url === endpoint) return req.method === 'POST';
  const url = new URL(req.url ?? '/', 'http://gateway');
  if (url.pathname !== endpoint) return false;
  if (req.method === 'POST') return true;
  return req.method === 'GET' && url.searchParams.has('query');
}

export function authenticateBeforeBody(
  access: Access,
  endpoint: string,
  next: RequestListener,
): RequestListener {
  if (access.open) return next;
  const body = JSON.stringify({
    errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }],
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!runsOperation(req, endpoint)) {
      next(req, res);
      return;
    }
    const principal = access.principalFor(req.headers.authorization);
    if (principal) {
      principals.set(req, principal);
      next(req, res);
      return;
    }
    const header = req.headers[REQUEST_ID_HEADER];
    res.writeHead(401, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'www-authenticate': 'Bearer',
      [REQUEST_ID_HEADER]: requestIdFrom(typeof header === 'string' ? header : undefined),
      // The body is never read: the connection closes once the answer is out.
      connection: 'close',
    });
    res.end(body);
  };
}
