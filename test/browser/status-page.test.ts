/**
 * The `/status` page in headless Chromium (Debian's `chromium`, driven by playwright-core): an
 * operator with an admin key signs in through the browser's own Basic prompt and watches the
 * limiter, the daily quota, an export and an import reach their end, and the import's failed rows
 * as a table. The screenshot is written to test-results/status-page.png.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { securityFromEnv } from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { type Browser, launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { gatewayConfigFor } from '../helpers/gateway.js';

const ADMIN_KEY = 'status-admin-key-0123456789';
const READER_KEY = 'status-reader-key-0123456789';
const DAY = 86_400_000;
const SCREENSHOT = join('test-results', 'status-page.png');

describe.skipIf(skipWithoutChromium)('the /status page', () => {
  let sandbox: Sandbox;
  let gateway: Gateway;
  let url: string;
  let dataDir: string;
  let browser: Browser;

  const graphql = async <T>(query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data: T; errors?: unknown[] };
  };

  beforeAll(async () => {
    const timeScale = 1_000;
    sandbox = await startSandbox({ leads: 300, timeScale });
    const security = securityFromEnv({
      GATEWAY_API_KEYS: JSON.stringify([
        { name: 'ops', key: ADMIN_KEY, scopes: ['admin'] },
        { name: 'reader', key: READER_KEY, scopes: ['leads:read'] },
      ]),
    });
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-status-'));
    gateway = await createGateway(gatewayConfigFor(sandbox, timeScale, { security }), {
      logger: silentLogger,
      exportJobs: { dataDir: join(dataDir, 'exports'), deleteDataOnClose: true },
      importJobs: { dataDir: join(dataDir, 'imports'), deleteDataOnClose: true },
    });
    url = (await gateway.start(0, '127.0.0.1')).replace(/\/graphql$/, '');
    browser = await launchChromium({
      httpCredentials: { username: 'ops', password: ADMIN_KEY },
      viewport: { width: 1100, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is refused without the admin scope, and asks a browser for the key', async () => {
    const anonymous = await fetch(`${url}/status`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const reader = await fetch(`${url}/status/events`, {
      headers: { authorization: `Bearer ${READER_KEY}` },
    });
    expect(reader.status).toBe(403);
    const basic = Buffer.from(`anyone:${READER_KEY}`).toString('base64');
    expect(
      (await fetch(`${url}/status`, { headers: { authorization: `Basic ${basic}` } })).status,
    ).toBe(403);
  });

  it('is served compressed and self-contained', async () => {
    const response = await fetch(`${url}/status`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'accept-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const html = await response.text();
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  it('shows the budget, an export and an import to their end, and the failed rows', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${url}/status`);
    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 20_000 });
    await expect(page.locator('#window b').textContent()).resolves.toMatch(/^\d+ \/ 100$/);
    await expect(page.locator('#quota b').textContent()).resolves.toMatch(/ \/ 50,000$/);

    const now = sandbox.clock.now();
    const created = await graphql<{ createExportJob: { id: string } }>(
      `mutation StatusPageExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id } ... on Error { code message } } }`,
      {
        input: {
          entity: 'LEADS',
          fields: ['id', 'email'],
          filter: {
            createdAt: {
              startAt: new Date(now - 20 * DAY).toISOString(),
              endAt: new Date(now - DAY).toISOString(),
            },
          },
        },
      },
    );
    const exportId = created.data.createExportJob.id;
    const data = [
      'email;firstName;integer_field',
      'status1@example.com;Ada;1',
      'status2@example.com;Bob;not-a-number',
      'status3@example.com;Cy;3',
    ].join('\n');
    const imported = await graphql<{ importLeads: { id: string } }>(
      `mutation StatusPageImport($input: ImportLeadsInput!) { importLeads(input: $input) { ... on ImportJob { id } ... on Error { code message } } }`,
      { input: { data, format: 'SSV' } },
    );
    const importId = imported.data.importLeads.id;

    const exportCard = page.locator(`[id="export-${exportId}"]`);
    const importCard = page.locator(`[id="import-${importId}"]`);
    await exportCard.locator('.state.READY').waitFor({ timeout: 30_000 });
    await importCard.locator('.state.COMPLETE').waitFor({ timeout: 30_000 });
    // The export's history has Marketo's states and the gateway's, in order.
    const history = await exportCard.locator('ol.history li').allTextContents();
    const states = history.map((h) => h.split(' ')[0]);
    expect(states[0]).toBe('CREATED');
    expect(states.at(-1)).toBe('READY');
    expect(states.indexOf('QUEUED')).toBeLessThan(states.indexOf('COMPLETED'));
    // The import's failed row, by its number in the input.
    await expect(importCard.locator('table.failures tbody tr').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^2Invalid data type in field/),
    ]);
    await expect(exportCard.locator('.bar > i').getAttribute('style')).resolves.toContain(
      'width: 100%',
    );

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`status page screenshot: ${SCREENSHOT}`);
    await page.close();
  });
});
