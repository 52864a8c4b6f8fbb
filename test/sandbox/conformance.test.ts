/**
 * Conformance with recorded Marketo traffic: the raw requests that `shared/marketo-api.md` shows
 * with their recorded (or documented) responses, sent to the sandbox over a raw HTTP connection,
 * comparing status, the headers that matter, the envelope's key order, codes and message texts.
 * The describe is compared field by field with a real instance's (fixtures/marketo-describe.md, a
 * copy of `shared/marketo-describe.md`).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

interface RawReply {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
  json: Record<string, unknown>;
}

/** One request on its own connection (no agent, no pooling): what a socket sees. */
function raw(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; agent?: Agent } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method,
      headers: options.headers,
      agent: options.agent ?? false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON (404 file, 413, …)
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
        }
        resolve({ status: res.statusCode ?? 0, headers, text, json });
      });
    });
    req.end(options.body);
  });
}

const REQUEST_ID = /^[0-9a-f]{1,5}#[0-9a-f]+$/;
const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[a-z]+$/;

let sb: TestSandbox;
let auth: Record<string, string>;
const tokenPath = () =>
  `/identity/oauth/token?grant_type=client_credentials&client_id=${sb.clientId}&client_secret=${sb.clientSecret}`;

beforeAll(async () => {
  sb = await startTestSandbox({ leads: 500 });
  auth = { authorization: `Bearer ${await sb.token()}` };
});
afterAll(async () => {
  await sb?.close();
});

describe('identity (§1.2)', () => {
  it('answers a token chunked, no-store, with the protective headers, and closes the connection', async () => {
    const reply = await raw(sb.url, 'GET', tokenPath());
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({
      'content-type': 'application/json;charset=UTF-8',
      'transfer-encoding': 'chunked',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-xss-protection': '1; mode=block',
      'x-frame-options': 'DENY',
      connection: 'close',
    });
    expect(reply.headers['content-length']).toBeUndefined();
    expect(Object.keys(reply.json)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
    expect(reply.json).toMatchObject({ token_type: 'bearer' });
    expect(String(reply.json.access_token)).toMatch(TOKEN);
  });

  it('hands out the same token with its remaining lifetime until it expires (3599 when fresh)', async () => {
    const fresh = await startTestSandbox({ leads: 10 });
    try {
      const first = await raw(fresh.url, 'POST', '/identity/oauth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${fresh.clientId}&client_secret=${fresh.clientSecret}`,
      });
      expect(first.json.expires_in).toBe(3599);
      const again = await raw(
        fresh.url,
        'GET',
        `/identity/oauth/token?grant_type=client_credentials&client_id=${fresh.clientId}&client_secret=${fresh.clientSecret}`,
      );
      expect(again.json.access_token).toBe(first.json.access_token);
      expect(Number(again.json.expires_in)).toBeLessThanOrEqual(3599);
    } finally {
      await fresh.close();
    }
  });

  it('answers bad credentials 401 invalid_client / Bad client credentials', async () => {
    const reply = await raw(
      sb.url,
      'GET',
      `/identity/oauth/token?grant_type=client_credentials&client_id=${sb.clientId}&client_secret=wrong`,
    );
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({
      error: 'invalid_client',
      error_description: 'Bad client credentials',
    });
  });
});

describe('the envelope and headers of /rest calls (§2)', () => {
  it('Get Leads by Filter: requestId, result, success in that order; lead keys in the recorded order', async () => {
    const [lead] = await sb.leads({ id: 7 });
    const reply = await raw(
      sb.url,
      'GET',
      `/rest/v1/leads.json?filterType=email&filterValues=${encodeURIComponent(String(lead?.email))}`,
      { headers: auth },
    );
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({
      'content-type': 'application/json;charset=UTF-8',
      server: 'nginx',
      connection: 'close',
    });
    expect(Object.keys(reply.json)).toEqual(['requestId', 'result', 'success']);
    expect(String(reply.json.requestId)).toMatch(REQUEST_ID);
    const [first] = reply.json.result as Record<string, unknown>[];
    expect(Object.keys(first ?? {})).toEqual([
      'id',
      'firstName',
      'lastName',
      'email',
      'updatedAt',
      'createdAt',
    ]);
    expect(String(first?.updatedAt)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('no match: success with an empty result', async () => {
    const reply = await raw(
      sb.url,
      'GET',
      '/rest/v1/leads.json?filterType=email&filterValues=nobody%40nowhere.example',
      { headers: auth },
    );
    expect(reply.json).toEqual({ requestId: expect.any(String), result: [], success: true });
  });

  it('Sync Leads: created, then updated and a record skipped with the 2021 1003 text', async () => {
    const post = (body: unknown) =>
      raw(sb.url, 'POST', '/rest/v1/leads.json', {
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post({
      lookupField: 'email',
      action: 'createOrUpdate',
      input: [{ email: 'brian@bleonard.com', firstName: 'Brian' }],
    });
    expect(Object.keys(created.json)).toEqual(['requestId', 'result', 'success']);
    const id = (created.json.result as { id: number }[])[0]?.id ?? 0;
    expect(created.json.result).toEqual([{ id, status: 'created' }]);

    const updated = await post({
      lookupField: 'id',
      action: 'updateOnly',
      input: [
        { email: 'brian@bleonard.com', id, firstName: 'Sam', lastName: 'Test' },
        { email: 'brian2@bleonard.com', id: id + 1_000_000, email_field: 'bademail' },
      ],
    });
    expect(updated.json).toEqual({
      requestId: expect.stringMatching(REQUEST_ID),
      result: [
        { id, status: 'updated' },
        {
          status: 'skipped',
          reasons: [
            { code: '1003', message: "Invalid value for field 'email_field' and value 'bademail'" },
          ],
        },
      ],
      success: true,
    });
  });

  it('Delete Leads: deleted, and Lead not found for an unknown id', async () => {
    const reply = await raw(sb.url, 'POST', '/rest/v1/leads/delete.json', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ input: [{ id: 11 }, { id: 99_999_999 }] }),
    });
    expect(reply.json.result).toEqual([
      { id: 11, status: 'deleted' },
      { id: 99_999_999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
  });

  it('list membership: added, memberof / notmemberof / 1004, removed / 1015 Lead not in list', async () => {
    const json = { ...auth, 'content-type': 'application/json' };
    await raw(sb.url, 'POST', '/rest/v1/lists/1001/leads.json', {
      headers: json,
      body: JSON.stringify({ input: [{ id: 20 }] }),
    });
    await raw(sb.url, 'DELETE', '/rest/v1/lists/1001/leads.json?id=21', { headers: auth });
    const member = await raw(
      sb.url,
      'GET',
      '/rest/v1/lists/1001/leads/ismember.json?id=20&id=21&id=99999999',
      { headers: auth },
    );
    expect(member.json.result).toEqual([
      { id: 20, status: 'memberof' },
      { id: 21, status: 'notmemberof' },
      { id: 99_999_999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
    const removed = await raw(sb.url, 'DELETE', '/rest/v1/lists/1001/leads.json?id=20&id=21', {
      headers: auth,
    });
    expect(removed.json.result).toEqual([
      { id: 20, status: 'removed' },
      { id: 21, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
    ]);
  });

  it('partitions: the Default partition as documented', async () => {
    const reply = await raw(sb.url, 'GET', '/rest/v1/leads/partitions.json', { headers: auth });
    expect((reply.json.result as unknown[])[0]).toEqual({
      id: 1,
      name: 'Default',
      description: 'Initial system lead partition',
    });
  });
});

describe('response-level errors: codes and texts (§3.2), HTTP 200 with the envelope', () => {
  const errorsOf = (reply: RawReply) => {
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json)).toEqual(['requestId', 'success', 'errors']);
    expect(reply.json.success).toBe(false);
    return reply.json.errors;
  };

  it('600 Access token not specified, 600 Empty access token, 601 Access token invalid, 602 Access token expired', async () => {
    const path = '/rest/v1/leads/partitions.json';
    expect(errorsOf(await raw(sb.url, 'GET', path))).toEqual([
      { code: '600', message: 'Access token not specified' },
    ]);
    expect(
      errorsOf(await raw(sb.url, 'GET', path, { headers: { authorization: 'Bearer' } })),
    ).toEqual([{ code: '600', message: 'Empty access token' }]);
    expect(
      errorsOf(await raw(sb.url, 'GET', path, { headers: { authorization: 'Bearer nope:sj' } })),
    ).toEqual([{ code: '601', message: 'Access token invalid' }]);
    const other = await startTestSandbox({ leads: 10 });
    try {
      const stale = { authorization: `Bearer ${await other.token()}` };
      await other.expireTokens();
      expect(errorsOf(await raw(other.url, 'GET', path, { headers: stale }))).toEqual([
        { code: '602', message: 'Access token expired' },
      ]);
    } finally {
      await other.close();
    }
  });

  it('610 for an unknown resource, 609 for malformed JSON, 612 for a body of another type', async () => {
    expect(errorsOf(await raw(sb.url, 'GET', '/rest/v1/nothing.json', { headers: auth }))).toEqual([
      { code: '610', message: 'Requested resource not found' },
    ]);
    expect(
      errorsOf(
        await raw(sb.url, 'POST', '/rest/v1/leads.json', {
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{"input":[',
        }),
      ),
    ).toEqual([{ code: '609', message: 'Invalid JSON' }]);
    expect(
      errorsOf(
        await raw(sb.url, 'POST', '/rest/v1/leads.json', {
          headers: { ...auth, 'content-type': 'text/plain' },
          body: 'hello',
        }),
      ),
    ).toEqual([{ code: '612', message: 'Invalid Content Type' }]);
  });

  it("606 Max rate limit '100' exceeded with in '20' secs, and 615 Concurrent access limit '10' reached", async () => {
    await sb.faults({ error: '606', next: 1 }, { error: '615', next: 1 });
    const path = '/rest/v1/leads/partitions.json';
    expect(errorsOf(await raw(sb.url, 'GET', path, { headers: auth }))).toEqual([
      { code: '606', message: "Max rate limit '100' exceeded with in '20' secs" },
    ]);
    expect(errorsOf(await raw(sb.url, 'GET', path, { headers: auth }))).toEqual([
      { code: '615', message: "Concurrent access limit '10' reached" },
    ]);
    await sb.clearFaults();
  });
});

describe('bulk (§8, §9)', () => {
  it('export create: exportId (UUID), format, status Created, createdAt, no queuedAt; file of a job not done → 404 plain text', async () => {
    const reply = await raw(sb.url, 'POST', '/bulk/v1/leads/export/create.json', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        fields: ['firstName', 'lastName', 'id', 'email'],
        format: 'CSV',
        columnHeaderNames: { firstName: 'First Name', id: 'Marketo Id' },
        filter: { staticListId: 1001 },
      }),
    });
    expect(Object.keys(reply.json)).toEqual(['requestId', 'result', 'success']);
    const [job] = reply.json.result as Record<string, unknown>[];
    expect(Object.keys(job ?? {})).toEqual(['exportId', 'format', 'status', 'createdAt']);
    expect(job).toMatchObject({ format: 'CSV', status: 'Created' });
    expect(String(job?.exportId)).toMatch(/^[0-9a-f-]{36}$/);
    const file = await raw(sb.url, 'GET', `/bulk/v1/leads/export/${job?.exportId}/file.json`, {
      headers: auth,
    });
    expect(file.status).toBe(404);
    expect(file.headers['content-type']).not.toMatch(/json/);
  });

  it('import create: batchId (integer), importId (the same, string), status Queued', async () => {
    const boundary = '----B';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="leads.csv"',
      'Content-Type: text/csv',
      '',
      'email,firstName,lastName',
      'ablebaker@marketo.com,Able,Baker',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const reply = await raw(sb.url, 'POST', '/bulk/v1/leads.json?format=csv', {
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(Object.keys(reply.json)).toEqual(['requestId', 'result', 'success']);
    const [job] = reply.json.result as Record<string, unknown>[];
    expect(job).toEqual({
      batchId: expect.any(Number),
      importId: String(job?.batchId),
      status: 'Queued',
    });
  });
});

describe('connections (Marketo closes every one; a switch keeps them for tests that want it)', () => {
  it('keepAlive: true answers without Connection: close', async () => {
    const agent = new Agent({ keepAlive: true });
    const path = '/rest/v1/leads/partitions.json';
    const kept = await startTestSandbox({ leads: 10, keepAlive: true });
    try {
      const headers = { authorization: `Bearer ${await kept.token()}` };
      const reply = await raw(kept.url, 'GET', path, { headers, agent });
      expect(reply.status).toBe(200);
      expect(reply.headers.connection).toBe('keep-alive');
      // The same client asking Marketo's default: told to close.
      const closed = await raw(sb.url, 'GET', path, { headers: auth, agent });
      expect(closed.headers.connection).toBe('close');
    } finally {
      agent.destroy();
      await kept.close();
    }
  });
});

/** The real instance's describe table: id, displayName, dataType, length, rest name, readOnly, soap. */
function realDescribe(): Array<Record<string, unknown>> {
  const text = readFileSync(new URL('./fixtures/marketo-describe.md', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| \d/.test(line))
    .map((line) => {
      const [id, displayName, dataType, length, name, readOnly, soap] = line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim());
      const soapName =
        soap === '^'
          ? `${name?.charAt(0).toUpperCase()}${name?.slice(1)}`
          : soap === '='
            ? name
            : soap;
      return {
        id: Number(id),
        displayName,
        dataType,
        ...(length ? { length: Number(length) } : {}),
        rest: { name, readOnly: readOnly === 'true' },
        ...(soapName ? { soap: { name: soapName, readOnly: readOnly === 'true' } } : {}),
      };
    });
}

describe('describe.json (§5.5) against a real instance', () => {
  it('has every field of the real describe exactly (id, display name, type, length, read-only, SOAP name), in id order', async () => {
    const real = realDescribe();
    expect(real).toHaveLength(100);
    const reply = await raw(sb.url, 'GET', '/rest/v1/leads/describe.json', { headers: auth });
    const fields = reply.json.result as Array<Record<string, unknown> & { rest: { name: string } }>;
    const byName = new Map(fields.map((f) => [f.rest.name, f]));
    for (const field of real) {
      const name = (field.rest as { name: string }).name;
      expect(byName.get(name), name).toEqual(field);
    }
    const ids = fields.map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // Only custom fields (ids from 795 on, except the standard ecids) are the sandbox's own.
    const realNames = new Set(real.map((f) => (f.rest as { name: string }).name));
    const extra = fields.filter((f) => !realNames.has(f.rest.name));
    expect(extra.every((f) => Number(f.id) >= 795)).toBe(true);
  });

  it('accepts writes to the fields Marketo lets you write (personType, isLead, leadPartitionId, …)', async () => {
    const reply = await raw(sb.url, 'POST', '/rest/v1/leads.json', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        input: [
          {
            email: 'writable@example.com',
            personType: 'contact',
            isLead: false,
            isAnonymous: false,
            leadPartitionId: 2,
            acquisitionProgramId: 1003,
            mktoAcquisitionDate: '2024-05-01T10:00:00Z',
          },
        ],
      }),
    });
    const [result] = reply.json.result as Array<{ id: number; status: string }>;
    expect(result?.status).toBe('created');
    const [lead] = await sb.leads({ id: result?.id ?? 0 });
    expect(lead).toMatchObject({
      personType: 'contact',
      isLead: false,
      leadPartitionId: 2,
      acquisitionProgramId: 1003,
      mktoAcquisitionDate: '2024-05-01T10:00:00Z',
    });
  });
});
