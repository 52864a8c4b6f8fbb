/**
 * Who gets in: with API keys configured, only a request carrying one of them; without, everyone
 * as `anonymous` (sandbox, or GATEWAY_ALLOW_ANONYMOUS=true). The same check serves HTTP/SSE
 * (`Authorization: Bearer <key>`) and graphql-ws (`connectionParams.authorization`).
 */
import { createGraphQLError } from 'graphql-yoga';
import { type ApiKey, ApiKeyAuthenticator } from './api-keys.js';
import { ANONYMOUS, type Principal } from './scopes.js';

export interface Access {
  /** No keys configured: every caller is `anonymous` with every scope. */
  readonly open: boolean;
  /** The caller for an `Authorization` value (or connectionParams.authorization); undefined: refuse. */
  principalFor(authorization: unknown): Principal | undefined;
}

export function createAccess(keys: readonly ApiKey[] = []): Access {
  if (keys.length === 0) return { open: true, principalFor: () => ANONYMOUS };
  const authenticator = new ApiKeyAuthenticator(keys);
  return { open: false, principalFor: (value) => authenticator.authenticateHeader(value) };
}

export const UNAUTHENTICATED_MESSAGE =
  'Unauthorized: send a valid API key as "Authorization: Bearer <key>"';

/** 401 for a missing or wrong key alike: nothing says whether a key exists. */
export function unauthenticatedError() {
  return createGraphQLError(UNAUTHENTICATED_MESSAGE, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
}
