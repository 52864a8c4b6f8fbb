import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox({ leads: 500 });
});
afterAll(() => sb.close());

describe('envelope: the shape of every JSON response (§2.1)', () => {
  it('success: requestId "<hex>#<hex epoch ms>", result array, success true, no errors', async () => {
    const before = sb.clock.now();
    const res = await sb.api('/rest/v1/lead/1.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['requestId', 'result', 'success']);
    const [seq, time] = String(body.requestId).split('#');
    expect(seq).toMatch(/^[0-9a-f]{1,5}$/);
    const ms = Number.parseInt(time ?? '', 16);
    expect(ms).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(ms).toBeLessThanOrEqual(sb.clock.now() + 1);
  });

  it('failure: HTTP 200, success false, errors with string codes, no result', async () => {
    const res = await sb.api('/rest/v1/nothing-here.json');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['requestId', 'success', 'errors']);
    expect(body).toMatchObject({
      success: false,
      errors: [{ code: '610', message: 'Requested resource not found' }],
    });
  });

  it('605 for a known path with the wrong method, with the real text', async () => {
    const body = await sb.json('/rest/v1/leads/describe.json', { method: 'POST' });
    expect(body.errors).toEqual([{ code: '605', message: "Request method 'POST' not supported" }]);
  });

  it('609 for malformed JSON, 612 for a body that is not JSON', async () => {
    const bad = await sb.json('/rest/v1/leads.json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": [',
    });
    expect(bad.errors).toEqual([{ code: '609', message: 'Invalid JSON' }]);
    const text = await sb.json('/rest/v1/leads.json', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"input":[]}',
    });
    expect(text.errors).toEqual([{ code: '612', message: 'Invalid Content Type' }]);
  });

  it('answers malformed percent-encoding in a path segment without failing', async () => {
    expect(await sb.json('/rest/v1/lead/%E0.json')).toMatchObject({ success: true, result: [] });
  });

  it('610 for a path with //', async () => {
    const body = await sb.json('/rest/v1//leads/describe.json');
    expect(body.errors?.[0]?.code).toBe('610');
  });

  it('414 with a short text body for URIs over 8 KB', async () => {
    const res = await sb.api(
      `/rest/v1/leads.json?filterType=id&filterValues=${'1,'.repeat(5000)}1`,
    );
    expect(res.status).toBe(414);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await res.text()).length).toBeLessThan(100);
  });

  it('413 with a short text body for bodies over 1 MB', async () => {
    const res = await sb.api('/rest/v1/leads.json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        input: [{ email: 'a@b.co', textarea_field: 'x'.repeat(1024 * 1024) }],
      }),
    });
    expect(res.status).toBe(413);
    expect((await res.text()).length).toBeLessThan(100);
    const stats = await sb.stats();
    expect(stats.errors['413']).toBeGreaterThanOrEqual(1);
  });

  it('gzips JSON ≥ 1 KB when the client accepts it', async () => {
    const res = await request(`${sb.url}/rest/v1/leads/describe.json`, {
      headers: { authorization: `Bearer ${await sb.token()}`, 'accept-encoding': 'gzip' },
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString('utf8'));
    expect(body.success).toBe(true);
  });
});

describe('envelope: _method override and parameter merging (§2.4)', () => {
  const form = (fields: Record<string, string>, query = '') =>
    sb.json(`/rest/v1/leads.json${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('POST ?_method=GET with the parameters in a form body', async () => {
    const body = await form({ filterType: 'id', filterValues: '1,2,3' }, '?_method=GET');
    expect(body.result?.map((l) => l.id)).toEqual([1, 2, 3]);
  });

  it('_method inside the form body', async () => {
    const body = await form({ _method: 'GET', filterType: 'id', filterValues: '4' });
    expect(body.result?.map((l) => l.id)).toEqual([4]);
  });

  it('body parameters win over query parameters', async () => {
    const body = await form({ filterValues: '5' }, '?_method=GET&filterType=id&filterValues=6');
    expect(body.result?.map((l) => l.id)).toEqual([5]);
  });

  it('_method=DELETE deletes leads (JSON body)', async () => {
    const res = await sb.api('/rest/v1/leads.json?_method=DELETE', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: [{ id: 7 }] }),
    });
    expect(await res.json()).toMatchObject({
      success: true,
      result: [{ id: 7, status: 'deleted' }],
    });
  });
});
