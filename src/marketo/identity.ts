/**
 * The identity call (§1.2): client credentials in, access token and remaining lifetime out. The
 * secret travels in a form body (never in a URL that could be logged); 5xx and transport failures
 * are retried with backoff, bad credentials (401) fail at once with AUTH_FAILED.
 */
import type { Logger } from '../logger.js';
import type { FetchedToken } from './auth.js';
import { MarketoError } from './errors.js';
import { backoffDelay, classifyTransportError } from './retry.js';
import { readAll, type Transport } from './transport.js';
import { asString, isObject, toNumber } from './wire.js';

export interface IdentityOptions {
  transport: Transport;
  clientId: string;
  clientSecret: string;
  retry: { maxRetries: number; baseMs: number; maxMs: number };
  logger: Logger;
  /** Scrubs secrets from any text that could reach an error. */
  redact: (text: string) => string;
}

const ENDPOINT = 'POST /identity/oauth/token';

export function createIdentityFetcher(options: IdentityOptions): () => Promise<FetchedToken> {
  const { transport, retry, logger } = options;
  const pause = (attempt: number) =>
    new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, retry)));

  return async () => {
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let text: string;
      try {
        const response = await transport.send({
          method: 'POST',
          path: '/identity/oauth/token',
          body: {
            kind: 'form',
            params: [
              ['grant_type', 'client_credentials'],
              ['client_id', options.clientId],
              ['client_secret', options.clientSecret],
            ],
          },
          timeoutMs: 30_000,
        });
        status = response.status;
        text = (await readAll(response.body, 1024 * 1024)).toString('utf8');
      } catch (error) {
        const failure = classifyTransportError(error);
        if (attempt > retry.maxRetries) {
          throw new MarketoError({
            code: 'TRANSPORT',
            message: `Identity endpoint unreachable (${failure.code})`,
            endpoint: ENDPOINT,
            causeCode: failure.code,
            retryable: true,
          });
        }
        await pause(attempt);
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (status === 200 && isObject(body) && typeof body.access_token === 'string') {
        const expiresInSec = toNumber(body.expires_in) ?? 3600;
        logger.debug('marketo token fetched', { expiresInSec, attempt });
        return { accessToken: body.access_token, expiresInSec };
      }
      if (status >= 500 && attempt <= retry.maxRetries) {
        await pause(attempt);
        continue;
      }
      // OAuth-style `{error, error_description}` (401), or a Marketo envelope (600 on a wrong path).
      const oauth = isObject(body)
        ? [asString(body.error), asString(body.error_description)].filter(Boolean).join(': ')
        : '';
      const envelopeError =
        isObject(body) && Array.isArray(body.errors) && isObject(body.errors[0])
          ? asString(body.errors[0].message)
          : undefined;
      throw new MarketoError({
        code: status >= 500 ? `HTTP_${status}` : 'AUTH_FAILED',
        message: options.redact(
          oauth || envelopeError || `Identity endpoint answered HTTP ${status}`,
        ),
        endpoint: ENDPOINT,
        httpStatus: status,
        retryable: status >= 500,
      });
    }
  };
}
