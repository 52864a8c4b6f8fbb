/**
 * Yoga plugin: tells the shared lead reads (`shared-reads.ts`) which GraphQL requests are on their
 * way to the loaders, from the start of the HTTP request (before its body is read, parsed and
 * validated) until it executes, or is answered without executing (a refused or invalid request).
 * A batch gathering `lead(id:)` reads of the same API key waits for those (bounded) instead of
 * leaving a moment before they join: 100 clients asking again as their answers come back share
 * one call. Multipart uploads are not counted: their body may take minutes.
 */
import type { Plugin } from 'graphql-yoga';
import type { Access } from '../auth/access.js';
import type { GraphQLContext } from '../context.js';
import { authenticatedPrincipal } from '../security/early-auth.js';
import { isMultipart } from '../uploads/multipart.js';
import type { SharedLeadReads } from './shared-reads.js';

/** Nothing to tell without shared reads. */
export function useExpectedLeadReaders(
  reads: SharedLeadReads | undefined,
  access: Access,
): Plugin<GraphQLContext> {
  if (!reads) return {};
  const releases = new WeakMap<Request, () => void>();
  const release = (request: Request) => {
    releases.get(request)?.();
    releases.delete(request);
  };
  return {
    onRequestParse({ request, serverContext }) {
      if (request.method === 'POST' && isMultipart(request.headers.get('content-type'))) return;
      // Who the context will say is calling (yoga.ts): early-auth's verdict, else the header's.
      const principal =
        authenticatedPrincipal((serverContext as { req?: unknown }).req) ??
        access.principalFor(request.headers.get('authorization'));
      if (principal) releases.set(request, reads.expect(principal.name));
    },
    // Once executing, the operation's lead reads (if any) join within the same turn.
    onExecute({ args }) {
      release(args.contextValue.request);
    },
    onSubscribe({ args }) {
      release(args.contextValue.request);
    },
    onResponse({ request }) {
      release(request);
    },
  };
}
