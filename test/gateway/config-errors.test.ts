import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/config.js';
import type { GatewayServices } from '../../src/context.js';
import { InputError } from '../../src/errors.js';
import { FieldCatalog } from '../../src/loaders/field-catalog.js';
import { silentLogger } from '../../src/logger.js';
import type { MarketoApi } from '../../src/marketo/api.js';
import { ConfigError, MarketoError } from '../../src/marketo/errors.js';
import { createGatewayYoga } from '../../src/yoga.js';

describe('configuration from the environment', () => {
  it('defaults to port 4000 and the embedded sandbox without Marketo credentials', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.marketo.sandbox).toBe(true);
    expect(describeConfig(config)).toMatchObject({ port: 4000, marketo: { mode: 'sandbox' } });
  });

  it('talks to the configured instance and never shows its secret', () => {
    const secret = 'super-secret-value-123';
    const config = loadConfig({
      PORT: '8080',
      MARKETO_MUNCHKIN_ID: '123-ABC-456',
      MARKETO_CLIENT_ID: 'client',
      MARKETO_CLIENT_SECRET: secret,
      MARKETO_TIME_SCALE: '10',
    });
    expect(config.port).toBe(8080);
    expect(config.marketo).toMatchObject({
      sandbox: false,
      baseUrl: 'https://123-ABC-456.mktorest.com',
      clientId: 'client',
    });
    expect(config.marketoTimeScale).toBe(10);
    expect(JSON.stringify(describeConfig(config))).not.toContain(secret);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^PORT/);
    expect(() => loadConfig({ MARKETO_CLIENT_ID: 'x', MARKETO_CLIENT_SECRET: 'y' })).toThrow(
      /MARKETO_BASE_URL/,
    );
  });
});

describe('error masking', () => {
  const failures: Record<string, () => never> = {
    unexpected: () => {
      throw new Error('connect ECONNREFUSED https://host/rest?access_token=abc');
    },
    input: () => {
      throw new InputError('input.leads', 'must not be empty');
    },
    marketo: () => {
      throw new MarketoError({ code: '1013', message: 'Object not found', requestId: 'a1#b2' });
    },
  };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: Object.fromEntries(
        Object.entries(failures).map(([name, resolve]) => [name, { type: GraphQLString, resolve }]),
      ),
    }),
  });
  const marketo = { withContext: () => marketo } as unknown as MarketoApi;
  const services = {
    marketo,
    fieldCatalog: new FieldCatalog({ ttlMs: 1 }),
    instance: { mode: 'SANDBOX', origin: 'http://sandbox' },
    logger: silentLogger,
  } as unknown as GatewayServices;
  const yoga = createGatewayYoga({ schema, services, logger: silentLogger });

  async function run(field: string) {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ ${field} }` }),
    });
    return (await response.json()) as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
  }

  it('masks unexpected errors (no URL, token or stack)', async () => {
    const { errors } = await run('unexpected');
    expect(errors[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(errors)).not.toContain('access_token');
  });

  it('passes expected errors through with their code and argument', async () => {
    const { errors } = await run('input');
    expect(errors[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.leads',
    });
    expect(errors[0]?.message).toBe('input.leads: must not be empty');
  });

  it("keeps Marketo's code and request id", async () => {
    const { errors } = await run('marketo');
    expect(errors[0]).toMatchObject({
      message: 'Object not found',
      extensions: { code: '1013', marketo: { requestId: 'a1#b2', retryable: false } },
    });
  });
});
