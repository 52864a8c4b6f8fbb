/**
 * The gateway as a frontend app uses it, in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): a page served from another origin queries leads with an API key over fetch
 * (CORS), then over graphql-ws (the library's browser bundle) creates an export, follows
 * `exportJobStatus` to READY and reads rows. A page from an origin not in GATEWAY_CORS_ORIGINS
 * gets neither.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { securityFromEnv } from '../../src/security/settings.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { type Browser, launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { gatewayConfigFor } from '../helpers/gateway.js';

const KEY = 'frontend-key-0123456789abcdef';
const DAY = 86_400_000;

/** What the page found, as it writes it into `#result`. */
interface PageResult {
  leads?: { id: number; email: string | null }[];
  fetchError?: string;
  exportId?: string;
  statuses?: string[];
  rows?: { totalCount: number; nodes: Record<string, unknown>[] };
  wsError?: string;
  closeCode?: number;
}

/**
 * The frontend: plain browser JavaScript, as an app would ship it. `__CONFIG__` is replaced by the
 * gateway URL, the key and the export's date range.
 */
const PAGE = `<!doctype html>
<html>
  <head><meta charset="utf-8"><title>Leads</title></head>
  <body>
    <pre id="result"></pre>
    <script src="/graphql-ws.js"></script>
    <script>
      const { gateway, key, startAt, endAt } = __CONFIG__;
      const out = {};
      let socketClosed;
      const closed = new Promise((resolve) => { socketClosed = resolve; });
      const client = graphqlWs.createClient({
        url: gateway.replace(/^http/, 'ws') + '/graphql',
        connectionParams: { authorization: 'Bearer ' + key },
        retryAttempts: 0,
        lazy: true,
        on: { closed: (event) => { out.closeCode = event.code; socketClosed(); } },
      });
      // Every event of one operation; resolves on complete.
      const collect = (request) =>
        new Promise((resolve, reject) => {
          const events = [];
          client.subscribe(request, {
            next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : events.push(result.data)),
            error: (error) => reject(error instanceof Error ? error : new Error('WebSocket ' + (error && error.type))),
            complete: () => resolve(events),
          });
        });

      async function run() {
        try {
          const response = await fetch(gateway + '/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key },
            body: JSON.stringify({ query: 'query BrowserLeads { leads(ids: [1, 2, 3]) { id email } }' }),
          });
          out.leads = (await response.json()).data.leads;
        } catch (error) {
          out.fetchError = String(error);
        }
        try {
          const [created] = await collect({
            query: 'mutation BrowserCreateExport($input: CreateExportJobInput!) { createExportJob(input: $input) { ... on ExportJob { id status } ... on Error { code message } } }',
            variables: { input: { fields: ['id', 'email', 'firstName'], filter: { createdAt: { startAt, endAt } } } },
          });
          out.exportId = created.createExportJob.id;
          const events = await collect({
            query: 'subscription BrowserExportStatus($id: ID!) { exportJobStatus(id: $id) { status } }',
            variables: { id: out.exportId },
          });
          out.statuses = events.map((e) => e.exportJobStatus.status);
          const [page] = await collect({
            query: 'query BrowserExportRows($id: ID!) { exportJob(id: $id) { rows(first: 3) { totalCount nodes } } }',
            variables: { id: out.exportId },
          });
          out.rows = page.exportJob.rows;
        } catch (error) {
          out.wsError = String(error && error.message ? error.message : error);
        }
        await client.dispose();
        // A refused socket reports its error before its close code.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
        const result = document.getElementById('result');
        result.textContent = JSON.stringify(out);
        result.dataset.done = 'true';
      }
      run();
    </script>
  </body>
</html>`;

interface PageServer {
  server: Server;
  origin: string;
}

/** A static server (its own origin): the page and the graphql-ws browser bundle. */
async function servePage(config: () => Record<string, string>): Promise<PageServer> {
  const bundle = await readFile(
    join(import.meta.dirname, '../../node_modules/graphql-ws/umd/graphql-ws.min.js'),
  );
  const server = createServer((request, response) => {
    if (request.url === '/graphql-ws.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (request.url === '/') {
      const html = PAGE.replace('__CONFIG__', JSON.stringify(config()));
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let sandbox: Sandbox;
let gateway: Gateway;
let gatewayUrl: string;
let allowed: PageServer;
let foreign: PageServer;
let browser: Browser;
let exportDir: string;

describe.skipIf(skipWithoutChromium)('the gateway in headless Chromium', () => {
  beforeAll(async () => {
    const timeScale = 1_000;
    sandbox = await startSandbox({ leads: 300, timeScale });
    const now = sandbox.clock.now();
    const config = () => ({
      gateway: gatewayUrl,
      key: KEY,
      startAt: new Date(now - 20 * DAY).toISOString(),
      endAt: new Date(now - DAY).toISOString(),
    });
    allowed = await servePage(config);
    foreign = await servePage(config);

    const security = securityFromEnv({
      GATEWAY_API_KEYS: JSON.stringify([
        { name: 'frontend', key: KEY, scopes: ['leads:read', 'bulk:export'] },
      ]),
      GATEWAY_CORS_ORIGINS: allowed.origin,
    });
    exportDir = await mkdtemp(join(tmpdir(), 'gateway-browser-exports-'));
    gateway = await createGateway(gatewayConfigFor(sandbox, timeScale, { security }), {
      logger: silentLogger,
      exportJobs: { dataDir: exportDir, deleteDataOnClose: true },
    });
    gatewayUrl = await gateway.start(0, '127.0.0.1');

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await sandbox?.close();
    for (const page of [allowed, foreign]) {
      await new Promise<void>((resolve) => (page ? page.server.close(() => resolve()) : resolve()));
    }
  });

  /** Opens the page of `origin` and waits for what it wrote into the DOM. */
  async function runPage(origin: string): Promise<PageResult> {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${origin}/`);
      const result = page.locator('#result[data-done="true"]');
      await result.waitFor({ timeout: 30_000 });
      return JSON.parse(await result.innerText()) as PageResult;
    } finally {
      await page.close();
    }
  }

  describe('a frontend on an allowed origin', () => {
    it('queries leads with its key, then follows an export to READY over graphql-ws and reads rows', async () => {
      const result = await runPage(allowed.origin);
      expect(result.fetchError).toBeUndefined();
      expect(result.wsError).toBeUndefined();
      expect(result.leads?.map((lead) => lead.id)).toEqual([1, 2, 3]);
      expect(result.leads?.every((lead) => typeof lead.email === 'string')).toBe(true);

      expect(result.statuses?.at(-1)).toBe('READY');
      expect(result.rows?.totalCount).toBeGreaterThan(0);
      expect(result.rows?.nodes).toHaveLength(3);
      expect(Object.keys(result.rows?.nodes[0] ?? {}).sort()).toEqual(['email', 'firstName', 'id']);
      expect(result.rows?.nodes[0]?.id).toEqual(expect.any(Number));
      // The page closed its socket itself.
      expect(result.closeCode).toBe(1000);
    });
  });

  describe('a page from an origin not in GATEWAY_CORS_ORIGINS', () => {
    it('is refused: the CORS fetch fails and the WebSocket closes before any operation', async () => {
      const result = await runPage(foreign.origin);
      expect(result.leads).toBeUndefined();
      expect(result.fetchError).toMatch(/TypeError: Failed to fetch/);
      expect(result.exportId).toBeUndefined();
      expect(result.wsError).toBe('WebSocket error');
      // The upgrade is answered 403, which a browser reports as an abnormal closure.
      expect(result.closeCode).toBe(1006);
    });
  });
});
