import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 100 });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

const tokenUrl = (params: Record<string, string>) =>
  `${sb.url}/identity/oauth/token?${new URLSearchParams(params)}`;
const creds = () => ({
  grant_type: 'client_credentials',
  client_id: sb.clientId,
  client_secret: sb.clientSecret,
});

describe('identity: /identity/oauth/token', () => {
  it('issues a <uuid>:<pod> bearer token over GET with query parameters', async () => {
    const res = await fetch(tokenUrl(creds()));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
    expect(body.access_token).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[a-z]+$/,
    );
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(3599);
    expect(typeof body.scope).toBe('string');
  });

  it('accepts POST with a form body and returns the same token with its remaining lifetime', async () => {
    const first = (await (await fetch(tokenUrl(creds()))).json()) as { access_token: string };
    const res = await fetch(`${sb.url}/identity/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(creds()).toString(),
    });
    const second = (await res.json()) as { access_token: string; expires_in: number };
    expect(second.access_token).toBe(first.access_token);
    expect(second.expires_in).toBeLessThanOrEqual(3599);
    expect((await sb.stats()).tokensIssued).toBe(2);
  });

  it('answers bad credentials with HTTP 401 and an OAuth body', async () => {
    const res = await fetch(tokenUrl({ ...creds(), client_secret: 'wrong' }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'Bad client credentials',
    });
    expect((await sb.stats()).errors['401']).toBe(1);
  });

  it('answers a missing or unsupported grant type with 400', async () => {
    const { grant_type: _, ...noGrant } = creds();
    const missing = await fetch(tokenUrl(noGrant));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Missing grant type',
    });
    const other = await fetch(tokenUrl({ ...creds(), grant_type: 'password' }));
    expect(other.status).toBe(400);
    expect(await other.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Unsupported grant type: password',
    });
  });

  it('does not count identity calls against the quota or the rate window', async () => {
    for (let i = 0; i < 5; i++) await fetch(tokenUrl(creds()));
    const stats = await sb.stats();
    expect(stats.calls.byEndpoint['GET /identity/oauth/token']).toBe(5);
    expect(stats.quota.used).toBe(0);
    expect(stats.callsInWindow).toBe(0);
  });
});

describe('identity: access tokens on /rest and /bulk', () => {
  const describeUrl = () => `${sb.url}/rest/v1/leads/describe.json`;

  it('600 without a token, 601 for an unknown one (HTTP 200 envelope)', async () => {
    const none = await fetch(describeUrl());
    expect(none.status).toBe(200);
    expect(await none.json()).toMatchObject({
      success: false,
      errors: [{ code: '600', message: 'Access token not specified' }],
    });
    const empty = await fetch(describeUrl(), { headers: { authorization: 'Bearer ' } });
    expect(await empty.json()).toMatchObject({
      errors: [{ code: '600', message: 'Empty access token' }],
    });
    const bad = await fetch(describeUrl(), { headers: { authorization: 'Bearer nope:sj' } });
    expect(await bad.json()).toMatchObject({
      success: false,
      errors: [{ code: '601', message: 'Access token invalid' }],
    });
    const bulk = await fetch(`${sb.url}/bulk/v1/leads/export.json`);
    expect(await bulk.json()).toMatchObject({ errors: [{ code: '600' }] });
  });

  it('602 for an expired token, then a fresh token on the next identity call', async () => {
    const old = await sb.token();
    await sb.expireTokens();
    const res = await fetch(describeUrl(), { headers: { authorization: `Bearer ${old}` } });
    expect(await res.json()).toMatchObject({
      errors: [{ code: '602', message: 'Access token expired' }],
    });
    const fresh = await sb.token();
    expect(fresh).not.toBe(old);
    expect((await sb.json(describeUrl().slice(sb.url.length))).success).toBe(true);
  });

  it('accepts the legacy access_token query or form parameter', async () => {
    const token = await sb.token();
    const q = await fetch(`${describeUrl()}?access_token=${encodeURIComponent(token)}`);
    expect(((await q.json()) as { success: boolean }).success).toBe(true);
    const form = await fetch(`${sb.url}/rest/v1/leads.json?_method=GET`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        access_token: token,
        filterType: 'id',
        filterValues: '1',
      }).toString(),
    });
    expect(await form.json()).toMatchObject({ success: true, result: [{ id: 1 }] });
  });

  it('accepts the legacy access_token as a multipart form field (bulk import uploads)', async () => {
    const form = new FormData();
    form.set('access_token', await sb.token());
    form.set('file', new Blob(['email\nx@example.com\n'], { type: 'text/csv' }), 'leads.csv');
    const res = await fetch(`${sb.url}/rest/v1/leads/delete.json?id=5`, {
      method: 'POST',
      body: form,
    });
    expect(await res.json()).toMatchObject({
      success: true,
      result: [{ id: 5, status: 'deleted' }],
    });
  });

  it('answers /rest/identity/... (a classic mistake) with 600', async () => {
    const res = await fetch(`${sb.url}/rest/identity/oauth/token?${new URLSearchParams(creds())}`);
    expect(await res.json()).toMatchObject({ success: false, errors: [{ code: '600' }] });
  });

  it('tokens expire after tokenLifetimeSec on the sandbox clock', async () => {
    const fast = await startTestSandbox({ leads: 10, timeScale: 1000, tokenLifetimeSec: 60 });
    try {
      const token = await fast.token();
      await fast.clock.sleep(61_000);
      const res = await fetch(`${fast.url}/rest/v1/leads/partitions.json`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await res.json()).toMatchObject({ errors: [{ code: '602' }] });
    } finally {
      await fast.close();
    }
  });
});

describe('identity: several API users', () => {
  it('keeps one token per client id', async () => {
    const multi = await startTestSandbox({
      leads: 10,
      clients: [{ clientId: 'other', clientSecret: 's2' }],
    });
    try {
      const get = async (id: string, secret: string) =>
        (
          (await (
            await fetch(
              `${multi.url}/identity/oauth/token?grant_type=client_credentials&client_id=${id}&client_secret=${secret}`,
            )
          ).json()) as { access_token: string }
        ).access_token;
      const mine = await get(multi.clientId, multi.clientSecret);
      const theirs = await get('other', 's2');
      expect(theirs).toMatch(/:[a-z]+$/);
      expect(theirs).not.toBe(mine);
      expect(await get('other', 's2')).toBe(theirs);
    } finally {
      await multi.close();
    }
  });
});

describe('identity: legacyAccessTokenParam: false', () => {
  it('ignores access_token parameters (600)', async () => {
    const strict = await startTestSandbox({ leads: 10, legacyAccessTokenParam: false });
    try {
      const token = await strict.token();
      const res = await fetch(`${strict.url}/rest/v1/leads/partitions.json?access_token=${token}`);
      expect(await res.json()).toMatchObject({ errors: [{ code: '600' }] });
    } finally {
      await strict.close();
    }
  });
});
