/**
 * Access tokens (marketo-api.md §1.2–1.3): fetched once and shared, single flight (any number of
 * callers on an expired token cause one identity call). Marketo hands out the same token with its
 * remaining lifetime until it expires, so the manager renews once per lifetime: early (a margin
 * before expiry) until it has seen a renewal bring the same token back, then when the token expires. The store is an
 * interface so a fleet can share one token through Redis later.
 */

export interface StoredToken {
  accessToken: string;
  /** Epoch ms (local clock) after which the token is surely expired (and must not be sent). */
  expiresAt: number;
  /** Epoch ms after which a renewal should be fetched. */
  refreshAt: number;
}

export interface TokenStore {
  get(): Promise<StoredToken | undefined>;
  set(token: StoredToken): Promise<void>;
  /** Forgets the token, but only if it is still `accessToken` (a newer one is kept). */
  delete(accessToken: string): Promise<void>;
}

export function createMemoryTokenStore(): TokenStore {
  let current: StoredToken | undefined;
  return {
    get: async () => current,
    set: async (token) => {
      current = token;
    },
    delete: async (accessToken) => {
      if (current?.accessToken === accessToken) current = undefined;
    },
  };
}

export interface FetchedToken {
  accessToken: string;
  /** Remaining lifetime as Marketo reports it (`expires_in`), seconds of Marketo time. */
  expiresInSec: number;
}

export interface TokenManager {
  /** A valid token, fetching (once, shared) when there is none or it is due for renewal. */
  getToken(): Promise<string>;
  /** Marketo rejected `accessToken` (601/602): forget it unless already replaced. */
  invalidate(accessToken: string): Promise<void>;
  /** Tokens this process has held (for log/error redaction). */
  seenTokens(): Iterable<string>;
}

export interface TokenManagerOptions {
  store: TokenStore;
  fetchToken: () => Promise<FetchedToken>;
  /** Marketo time per real time (the sandbox's compressed clock); lifetimes are divided by it. */
  timeScale: number;
  /**
   * Renew this long (real ms) before expiry, at most half the lifetime, while the identity service
   * mints a new token on every call; default 60 s of Marketo time.
   */
  refreshMarginMs?: number;
  now?: () => number;
}

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 60_000 / options.timeScale;
  // Marketo reports the remaining lifetime in whole seconds, rounded down (a fresh token says 3599).
  const roundingMs = 1000 / options.timeScale;
  const seen = new Set<string>();
  let inflight: Promise<StoredToken> | undefined;
  /**
   * Set once the identity service answered a renewal with the token we already held: Marketo's
   * documented behaviour (§1.2, a new token only after the old one expired). From then on an early
   * renewal can only bring the same token back, so a token is renewed once, when it has expired.
   */
  let reusesTokens = false;

  const fetchAndStore = async (held: string | undefined): Promise<StoredToken> => {
    const started = now();
    const fetched = await options.fetchToken();
    const received = now();
    seen.add(fetched.accessToken);
    if (fetched.accessToken === held) reusesTokens = true;
    const remaining = Math.max(0, (fetched.expiresInSec * 1000) / options.timeScale);
    // Against Marketo, the latest instant the token can still be valid (it reports whole seconds,
    // rounded down): renewing then surely brings a new token. A call sent in that last second may
    // meet 602, and then renews at once (replayed once).
    const expiresAt = received + remaining + (reusesTokens ? roundingMs : 0);
    const lead = reusesTokens ? 0 : Math.min(margin, (expiresAt - started) / 2);
    const token: StoredToken = {
      accessToken: fetched.accessToken,
      expiresAt,
      refreshAt: expiresAt - lead,
    };
    await options.store.set(token);
    return token;
  };

  const fresh = async (held: string | undefined): Promise<StoredToken> => {
    if (!inflight) {
      inflight = fetchAndStore(held).finally(() => {
        inflight = undefined;
      });
    }
    return inflight;
  };

  return {
    async getToken() {
      const cached = await options.store.get();
      if (cached) {
        seen.add(cached.accessToken);
        const t = now();
        if (t < cached.refreshAt) return cached.accessToken;
        // Due for renewal while still valid: renew in the background, keep using this one.
        if (t < cached.expiresAt) {
          fresh(cached.accessToken).catch(() => {});
          return cached.accessToken;
        }
      }
      return (await fresh(cached?.accessToken)).accessToken;
    },
    async invalidate(accessToken) {
      await options.store.delete(accessToken);
    },
    seenTokens: () => seen,
  };
}
