/**
 * Marketo's identity service (§1): `/identity/oauth/token` with client credentials, tokens shaped
 * `<uuid>:<pod>`, one live token per client id handed out again with its remaining lifetime.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';

interface Token {
  clientId: string;
  expiresAt: number;
}

export type TokenCheck = { ok: true; clientId: string } | { ok: false; code: '601' | '602' };

export interface Tokens {
  /** The client's live token, or a new one when it has none (or it expired). */
  issue(clientId: string): { token: string; expiresIn: number; minted: boolean };
  check(token: string): TokenCheck;
  /** Makes every token expired now (control plane: test re-authentication). */
  expireAll(): void;
  /** Every token ever issued (so logs can scrub them). */
  all(): Iterable<string>;
}

export function createTokens(clock: Clock, lifetimeSec: number, pod = 'sj'): Tokens {
  const tokens = new Map<string, Token>();
  const current = new Map<string, string>();
  const remainingSec = (t: Token) => Math.max(0, Math.ceil((t.expiresAt - clock.now()) / 1000) - 1);
  return {
    issue(clientId) {
      const live = current.get(clientId);
      const entry = live ? tokens.get(live) : undefined;
      if (live && entry && entry.expiresAt > clock.now()) {
        return { token: live, expiresIn: remainingSec(entry), minted: false };
      }
      const token = `${randomUUID()}:${pod}`;
      const created = { clientId, expiresAt: clock.now() + lifetimeSec * 1000 };
      tokens.set(token, created);
      current.set(clientId, token);
      return { token, expiresIn: remainingSec(created), minted: true };
    },
    check(token) {
      const entry = tokens.get(token);
      if (!entry) return { ok: false, code: '601' };
      if (entry.expiresAt <= clock.now()) return { ok: false, code: '602' };
      return { ok: true, clientId: entry.clientId };
    },
    expireAll() {
      const now = clock.now();
      for (const entry of tokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
    },
    all: () => tokens.keys(),
  };
}

export interface IdentityReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The token endpoint's answer for merged query/form parameters. Client authentication comes first
 * (401), then the grant type (400), as Spring's OAuth server does.
 */
export function identityReply(
  params: URLSearchParams,
  credentials: ReadonlyMap<string, string>,
  tokens: Tokens,
): IdentityReply & { minted?: boolean } {
  const clientId = params.get('client_id') ?? '';
  const secret = params.get('client_secret') ?? '';
  if (!clientId || credentials.get(clientId) !== secret) {
    return {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Bad client credentials' },
    };
  }
  const grant = params.get('grant_type');
  if (!grant) {
    return {
      status: 400,
      body: { error: 'invalid_request', error_description: 'Missing grant type' },
    };
  }
  if (grant !== 'client_credentials') {
    return {
      status: 400,
      body: {
        error: 'unsupported_grant_type',
        error_description: `Unsupported grant type: ${grant}`,
      },
    };
  }
  const { token, expiresIn, minted } = tokens.issue(clientId);
  return {
    status: 200,
    minted,
    body: {
      access_token: token,
      token_type: 'bearer',
      expires_in: expiresIn,
      scope: `${clientId}@sandbox.example.com`,
    },
  };
}
