/**
 * Per-key shares of the daily quota: `GATEWAY_API_KEYS` entries may carry `dailyCalls` (calls
 * or a percentage of MARKETO_DAILY_QUOTA); a key that has spent its share is refused, naming
 * its limit, before its next call is sent, while other keys go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiKey, dailyCallLimit, parseApiKeys } from '../../src/auth/api-keys.js';
import { ConfigError } from '../../src/marketo/errors.js';
import { KEYS, type SecuredGateway, startSecuredGateway } from './support.js';

const LIMITED: ApiKey = {
  name: 'dashboard',
  key: 'test-key-dashboard-limited-0123456789',
  scopes: ['leads:read'],
  dailyCalls: 5,
};
const OTHER = KEYS.find((k) => k.name === 'leads:read')!;

let gw: SecuredGateway;

beforeAll(async () => {
  gw = await startSecuredGateway({ security: { apiKeys: [...KEYS, LIMITED] } });
});
afterAll(async () => {
  await gw?.stop();
});

describe('GATEWAY_API_KEYS: dailyCalls', () => {
  it('accepts calls per day or a percentage of the daily quota; entries without it are as before', () => {
    const keys = parseApiKeys(
      JSON.stringify([
        { name: 'a', key: 'a'.repeat(16), scopes: ['leads:read'], dailyCalls: 5000 },
        { name: 'b', key: 'b'.repeat(16), scopes: ['leads:read'], dailyCalls: '10%' },
        { name: 'c', key: 'c'.repeat(16), scopes: ['leads:read'] },
      ]),
      'GATEWAY_API_KEYS',
    );
    expect(keys.map((k) => dailyCallLimit(k, 50_000))).toEqual([5000, 5000, undefined]);
  });

  it('refuses anything else, naming the entry', () => {
    for (const dailyCalls of [-1, 1.5, 'lots', '150%']) {
      expect(() =>
        parseApiKeys(
          JSON.stringify([{ name: 'a', key: 'a'.repeat(16), scopes: ['admin'], dailyCalls }]),
          'GATEWAY_API_KEYS',
        ),
      ).toThrow(ConfigError);
    }
  });
});

describe("a key's share of the daily quota", () => {
  it('refuses the key past its share with KEY_QUOTA_EXHAUSTED naming the limit; other keys go on', async () => {
    const query = '{ leadFields { name } }';
    // The first operation reads the describe (2 calls); later ones are served from the cache.
    const leads = '{ leads(ids: [1, 2]) { id } }';
    let refused: Record<string, unknown> | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const result = await gw.graphql(i === 0 ? query : leads, {}, LIMITED.key);
      refused = result.body?.errors?.[0] as Record<string, unknown> | undefined;
    }
    expect(refused).toMatchObject({
      message: expect.stringContaining('"dashboard"') as unknown,
      extensions: { code: 'KEY_QUOTA_EXHAUSTED', limit: 5 },
    });
    expect(String(refused?.message)).toContain('5 Marketo calls');
    const other = await gw.graphql(leads, {}, OTHER.key);
    expect(other.body?.errors).toBeUndefined();
    expect(other.body?.data).toEqual({ leads: [{ id: 1 }, { id: 2 }] });
  });
});
