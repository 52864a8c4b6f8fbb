/**
 * Persisted operations: a manifest of the documents an app was built with (hash → document, as
 * GraphQL Code Generator's client preset writes it with `persistedDocuments`), so clients send a
 * hash instead of a query. GATEWAY_PERSISTED_ONLY=true then refuses everything else: a browser app's
 * key can run only the operations its build declared, whatever a user types into the console.
 */
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Env } from '../env-vars.js';
import { ConfigError } from '../marketo/errors.js';

export interface PersistedOperationsSettings {
  /** Hash → document text. */
  operations: ReadonlyMap<string, string>;
  /** Only persisted operations run (GATEWAY_PERSISTED_ONLY). */
  only: boolean;
}

export function persistedOperationsFromEnv(env: Env): PersistedOperationsSettings | undefined {
  const file = env.GATEWAY_PERSISTED_OPERATIONS_FILE?.trim();
  const onlyRaw = env.GATEWAY_PERSISTED_ONLY?.trim().toLowerCase();
  const only = onlyRaw === 'true' || onlyRaw === '1';
  if (onlyRaw && !only && onlyRaw !== 'false' && onlyRaw !== '0') {
    throw new ConfigError('GATEWAY_PERSISTED_ONLY', 'must be true or false');
  }
  if (!file) {
    if (only) {
      throw new ConfigError('GATEWAY_PERSISTED_ONLY', 'needs GATEWAY_PERSISTED_OPERATIONS_FILE');
    }
    return undefined;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('GATEWAY_PERSISTED_OPERATIONS_FILE', `cannot be read as JSON: ${reason}`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new ConfigError(
      'GATEWAY_PERSISTED_OPERATIONS_FILE',
      'must be a JSON object of hash → GraphQL document',
    );
  }
  const operations = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== 'string') {
      throw new ConfigError('GATEWAY_PERSISTED_OPERATIONS_FILE', `${hash}: not a document string`);
    }
    try {
      parse(document);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError('GATEWAY_PERSISTED_OPERATIONS_FILE', `${hash}: ${reason}`);
    }
    operations.set(hash, document);
  }
  return { operations, only };
}

export function usePersistedOperationsFrom(settings: PersistedOperationsSettings): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => settings.operations.get(hash) ?? null,
    allowArbitraryOperations: !settings.only,
    customErrors: {
      notFound: {
        message: 'Unknown persisted operation: send one of the hashes this gateway was given',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'Only persisted operations are accepted here (GATEWAY_PERSISTED_ONLY)',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'A persisted operation needs extensions.persistedQuery.sha256Hash',
        extensions: { code: 'PERSISTED_QUERY_KEY_MISSING', http: { status: 400 } },
      },
    },
  });
}
