/**
 * Secrets never leave the client: with a known client secret, drive every kind of failure with a
 * capturing logger at debug level, then look for the secret and every access token Marketo issued
 * in each log line, each error's message, JSON and inspection, and in every request line sent.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createMarketoClient } from '../../src/marketo/client.js';
import { collect, type Harness, startCuttingProxy, startHarness } from './support.js';

const SECRET = 'known-Secret-4f9c2e71-value';
const WRONG_SECRET = 'wrong-Secret-0d1e2f3a-value';

let h: Harness;
let proxy: Awaited<ReturnType<typeof startCuttingProxy>>;
beforeAll(async () => {
  h = await startHarness({ sandbox: { clientSecret: SECRET } });
  proxy = await startCuttingProxy(Number(new URL(h.sandbox.url).port));
});
afterAll(async () => {
  await proxy?.close();
  await h?.close();
});

describe('secrets in logs and errors', () => {
  it('appear in no log line, error message, error JSON or request line, whatever fails', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const client = h.newClient({ baseUrl: proxy.url, logger, deadlineMs: 2_000 });
    const errors: unknown[] = [];
    const attempt = async (p: Promise<unknown>) => {
      await p.catch((e: unknown) => errors.push(e));
    };
    const trigger = (await client.getCampaigns({ isTriggerable: true })).items[0]?.id ?? 0;
    const batch = (await client.getCampaigns()).items.find((c) => c.type === 'batch')?.id ?? 0;

    await h.expireTokens(); // 602 → renew → replay
    await client.getLeadsByIds([1, 2]);
    await h.faults({ error: '606', next: 50, endpoint: 'GET /rest/v1/lists/{id}.json' });
    await attempt(client.getList(1001)); // 606 exhausted
    await h.faults({ error: '615', next: 1 }, { http: 503, next: 1 }, { drop: true, next: 1 });
    await attempt(client.getLeadsByIds([3])); // recovered
    await h.faults({
      http: 502,
      next: 1,
      when: 'after',
      endpoint: 'POST /rest/v1/campaigns/{id}/trigger.json',
    });
    await attempt(client.triggerCampaign(trigger, [1])); // OUTCOME_UNKNOWN
    await h.faults({ drop: true, next: 1, endpoint: 'POST /rest/v1/campaigns/{id}/schedule.json' });
    await attempt(client.scheduleCampaign(batch)); // OUTCOME_UNKNOWN after a reset
    await attempt(client.triggerCampaign(batch, [1])); // 1003 terminal
    await attempt(client.getLeadsByFilter('createdAt', ['x'])); // 1011/1003
    await attempt(collect(client.downloadExportFile('leads', 'no-such-export'))); // 404
    await h.faults({ latencyMs: 3_000, next: 1, endpoint: 'GET /rest/v1/campaigns.json' });
    await attempt(client.getCampaigns()); // DEADLINE_EXCEEDED
    await h.faults({ error: '607', next: 1 });
    await attempt(client.getPartitions()); // 607 with resetsAt
    const quota = h.newClient({ baseUrl: proxy.url, logger, dailyQuota: 1 });
    await quota.getPartitions();
    await attempt(quota.getPartitions()); // QUOTA_EXHAUSTED

    const wrong = createMarketoClient({
      baseUrl: proxy.url,
      clientId: h.sandbox.clientId,
      clientSecret: WRONG_SECRET,
      timeScale: h.timeScale,
      logger,
      keepAliveTimeoutMs: 10,
    });
    await attempt(wrong.getLeadsByIds([1])); // AUTH_FAILED (401)
    await wrong.close();

    const codes = errors.map((e) => (e as { code?: string }).code);
    for (const code of [
      '606',
      'OUTCOME_UNKNOWN',
      '1003',
      'HTTP_404',
      'DEADLINE_EXCEEDED',
      '607',
      'QUOTA_EXHAUSTED',
      'AUTH_FAILED',
    ]) {
      expect(codes).toContain(code);
    }

    const heads = proxy.heads();
    const tokens = new Set(
      heads.flatMap((head) => {
        const m = /authorization: bearer (\S+)/i.exec(head);
        return m?.[1] ? [m[1]] : [];
      }),
    );
    expect(tokens.size).toBeGreaterThanOrEqual(2); // the first token and its renewal
    const secrets = [SECRET, WRONG_SECRET, ...tokens];
    const texts = [
      ...lines,
      ...errors.flatMap((e) => [
        String(e),
        JSON.stringify(e),
        inspect(e, { depth: 6 }),
        (e as Error).stack ?? '',
      ]),
      // Request lines (method + URL): credentials only ever travel in headers or the form body.
      ...heads.map((head) => head.split('\r\n')[0] ?? ''),
    ];
    expect(lines.length).toBeGreaterThan(10);
    for (const text of texts) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    for (const head of heads) expect(head).not.toMatch(/access_token=/);
    expect(
      heads
        .filter((head) => /^GET \/rest\//.test(head))
        .every((head) => /authorization: bearer /i.test(head)),
    ).toBe(true);
  }, 30_000);
});

describe('log scrubbing', () => {
  it('the logger replaces every registered secret, in messages, values, nested data and errors', () => {
    const lines: string[] = [];
    const token = 'cdf01657-110d-4155-99a7-f986b2ff13a0:sj';
    const logger = createLogger({
      level: 'debug',
      write: (line) => lines.push(line),
      secrets: () => [SECRET, token],
    });
    logger
      .child({ url: `https://x.example/?client_secret=${SECRET}` })
      .warn(`failed with ${token}`, {
        detail: { nested: [`Bearer ${token}`] },
        error: new Error(`identity said ${SECRET}`),
        accessToken: 'not-registered-but-a-secret-key',
        maxTokens: 2000,
      });
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(token);
    expect(line).not.toContain('not-registered-but-a-secret-key');
    expect(JSON.parse(line)).toMatchObject({
      msg: 'failed with [REDACTED]',
      url: 'https://x.example/?client_secret=[REDACTED]',
      detail: { nested: ['Bearer [REDACTED]'] },
      error: { message: 'identity said [REDACTED]' },
      accessToken: '[REDACTED]',
      maxTokens: 2000, // a setting, not a credential
    });
  });

  it("Marketo's own error text quoting the secret or the token reaches no error or log line", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const client = h.newClient({ logger });
    await client.getLeadsByIds([1]);
    const token = await h.sandbox.token(); // the client's token: one live token per client id
    await h.faults({
      error: '603',
      next: 1,
      endpoint: 'GET /rest/v1/leads.json',
      message: `Access denied for ${token} (secret ${SECRET})`,
    });
    const error = await client.getLeadsByIds([2]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: '603' });
    expect(error?.message).toContain('[REDACTED]');
    for (const text of [...lines, String(error), JSON.stringify(error), inspect(error)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(SECRET);
    }
  });
});
