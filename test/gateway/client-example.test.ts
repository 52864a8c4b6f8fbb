/**
 * The client story, as an app developer lives it: `examples/client` copied into a fresh project
 * with the gateway's schema.graphql, its codegen config run as it is, the result type-checked, and
 * its typed operations sent as persisted operations (hashes only) to a gateway told to accept
 * nothing else (GATEWAY_PERSISTED_OPERATIONS_FILE + GATEWAY_PERSISTED_ONLY=true).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { persistedOperationsFromEnv } from '../../src/security/persisted-operations.js';
import { securityFromEnv } from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { gatewayConfigFor } from '../helpers/gateway.js';

const KEY = 'browser-app-key-0123456789';

interface ExampleModule {
  LeadsByIds: TypedDocumentNode<
    { leads: Array<{ id: number; email: string | null } | null> },
    { ids: number[] }
  >;
  send(
    url: string,
    key: string,
    document: unknown,
    variables: unknown,
  ): Promise<{
    data?: unknown;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  }>;
}

let project: string;
let sandbox: Sandbox;
let gateway: Gateway;
let url: string;

beforeAll(async () => {
  // Inside node_modules/.cache, so the project resolves the packages a consumer installs.
  const cache = resolve('node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  project = await mkdtemp(join(cache, 'client-example-'));
  await cp('examples/client', project, { recursive: true });
  await cp('schema.graphql', join(project, 'schema.graphql'));
  const { default: config } = (await import(resolve(project, 'codegen.ts'))) as {
    default: Parameters<typeof generate>[0];
  };
  await generate({ ...config, cwd: project, silent: true } as Parameters<typeof generate>[0], true);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await sandbox?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the client example in a fresh project', () => {
  it('generates typed operations and a persisted-operations manifest that type-check', async () => {
    const manifest = JSON.parse(
      await readFile(join(project, 'src/gql/persisted-documents.json'), 'utf8'),
    ) as Record<string, string>;
    expect(Object.values(manifest).map((d) => /^(query|mutation) (\w+)/.exec(d)?.[2])).toEqual([
      'LeadsByIds',
      'UpsertLeads',
    ]);
    const tsc = spawnSync(
      process.execPath,
      [resolve('node_modules/typescript/bin/tsc'), '-p', join(project, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('runs its operations by hash on a gateway that accepts only persisted operations', async () => {
    const manifestFile = join(project, 'src/gql/persisted-documents.json');
    const persistedOperations = persistedOperationsFromEnv({
      GATEWAY_PERSISTED_OPERATIONS_FILE: manifestFile,
      GATEWAY_PERSISTED_ONLY: 'true',
    });
    sandbox = await startSandbox({ leads: 50, timeScale: 50 });
    const security = securityFromEnv({
      GATEWAY_API_KEYS: JSON.stringify([{ name: 'app', key: KEY, scopes: ['leads:read'] }]),
    });
    gateway = await createGateway(
      {
        ...gatewayConfigFor(sandbox, 50, { security }),
        ...(persistedOperations && { persistedOperations }),
      },
      { logger: silentLogger },
    );
    url = `${await gateway.start(0, '127.0.0.1')}/graphql`;
    const example = (await import(resolve(project, 'src/leads.ts'))) as ExampleModule;

    const leads = await example.send(url, KEY, example.LeadsByIds, { ids: [1, 2] });
    expect(leads.errors).toBeUndefined();
    expect(leads.data).toMatchObject({ leads: [{ id: 1 }, { id: 2 }] });

    // Anything else is refused before it is parsed: a query as text, or an unknown hash.
    const typed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: '{ leadFields { name } }' }),
    });
    expect(typed.status).toBe(400);
    expect(await typed.json()).toMatchObject({
      errors: [{ extensions: { code: 'PERSISTED_QUERY_ONLY' } }],
    });
    const unknown = await example.send(url, KEY, { __meta__: { hash: 'f'.repeat(64) } }, {});
    expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a manifest that is not one, naming the variable', async () => {
    const bad = join(project, 'bad.json');
    await writeFile(bad, JSON.stringify({ abc: 'query {' }));
    expect(() => persistedOperationsFromEnv({ GATEWAY_PERSISTED_OPERATIONS_FILE: bad })).toThrow(
      /^GATEWAY_PERSISTED_OPERATIONS_FILE: abc: Syntax Error/,
    );
    expect(() => persistedOperationsFromEnv({ GATEWAY_PERSISTED_ONLY: 'true' })).toThrow(
      /^GATEWAY_PERSISTED_ONLY/,
    );
  });
});
