/**
 * Access tokens (marketo-api.md §1.2–1.3): fetched once and shared, renewed a little before expiry,
 * single flight (any number of callers on an expired token cause one identity call). The store is an
 * interface so a fleet can share one token through Redis later.
 */

export interface StoredToken {
  accessToken: string;
  /** Epoch ms (local clock) after which the token must not be sent. */
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
  /** Renew this long (real ms) before expiry; default 60 s of Marketo time. */
  refreshMarginMs?: number;
  now?: () => number;
}

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 60_000 / options.timeScale;
  const seen = new Set<string>();
  let inflight: Promise<StoredToken> | undefined;

  const fetchAndStore = async (): Promise<StoredToken> => {
    const started = now();
    const fetched = await options.fetchToken();
    seen.add(fetched.accessToken);
    const lifetime = Math.max(0, (fetched.expiresInSec * 1000) / options.timeScale);
    // Marketo hands back the same token with its remaining lifetime until it expires, so renewing
    // early buys nothing once the lifetime is shorter than the margin: then use it to the end.
    const token: StoredToken = {
      accessToken: fetched.accessToken,
      expiresAt: started + lifetime,
      refreshAt: started + Math.max(lifetime - margin, lifetime / 2),
    };
    await options.store.set(token);
    return token;
  };

  const fresh = async (): Promise<StoredToken> => {
    if (!inflight) {
      inflight = fetchAndStore().finally(() => {
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
        // Due for renewal: renew in the background while the token is still valid.
        if (t < cached.expiresAt - margin / 2) {
          fresh().catch(() => {});
          return cached.accessToken;
        }
      }
      return (await fresh()).accessToken;
    },
    async invalidate(accessToken) {
      await options.store.delete(accessToken);
    },
    seenTokens: () => seen,
  };
}
