/**
 * Operating the gateway: liveness and readiness without a key, CORS for browser frontends (the
 * WebSocket origin checked like CORS), and a graceful stop that lets in-flight requests finish
 * and closes subscriptions with 1001.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { keyFor, type SecuredGateway, startSecuredGateway } from './support.js';

const APP = 'https://app.example.com';
const ADMIN_UI = 'https://admin.example.com';

describe('health and readiness', () => {
  it('answers /health, /ready and GraphiQL without a key; /ready is 503 while Marketo gives no token', async () => {
    // Identity fails from the start: the gateway never held a token.
    const gw = await startSecuredGateway({
      beforeStart: async (sandbox) => {
        await fetch(`${sandbox.url}/__sandbox/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ http: 500, next: 100, endpoint: '/identity/oauth/token' }),
        });
      },
    });
    try {
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      const notReady = await fetch(`${gw.url}/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ ready: false, marketo: { code: 'HTTP_500' } });
      await fetch(`${gw.sandboxUrl}/__sandbox/faults`, { method: 'DELETE' });
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
      // The GraphiQL page itself needs no key (its requests do).
      const page = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      expect(await gw.restCalls()).toBe(0);
    } finally {
      await gw.stop();
    }
  });
});

describe('CORS and WebSocket origins', () => {
  let gw: SecuredGateway;
  beforeAll(async () => {
    gw = await startSecuredGateway({ security: { corsOrigins: [APP, ADMIN_UI] } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const preflight = (origin: string) =>
    fetch(`${gw.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('answers a preflight from an allowed origin with that origin and the Authorization header', async () => {
    const response = await preflight(APP);
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('does not allow another origin', async () => {
    const response = await preflight('https://evil.example.net');
    expect(response.headers.get('access-control-allow-origin')).not.toBe(
      'https://evil.example.net',
    );
  });

  it('lets an allowed origin query with a key', async () => {
    const result = await gw.post(
      { query: '{ lead(id: 1) { id } }' },
      { key: keyFor('leads:read'), headers: { origin: ADMIN_UI } },
    );
    expect(result.headers.get('access-control-allow-origin')).toBe(ADMIN_UI);
    expect(result.body?.data).toEqual({ lead: { id: 1 } });
  });

  const upgrade = (origin: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(
        `${gw.url.replace(/^http/, 'ws')}/graphql`,
        'graphql-transport-ws',
        {
          origin,
        },
      );
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => resolve(0));
    });

  it('reads GATEWAY_CORS_ORIGINS as exact origins and names a wrong one', () => {
    const config = loadConfig({ GATEWAY_CORS_ORIGINS: `${APP}, ${ADMIN_UI}` });
    expect(config.security?.corsOrigins).toEqual([APP, ADMIN_UI]);
    expect(loadConfig({}).security?.corsOrigins).toBeUndefined();
    expect(() => loadConfig({ GATEWAY_CORS_ORIGINS: `${APP}/path` })).toThrow(
      /^GATEWAY_CORS_ORIGINS: .* is not an origin; use https:\/\/app\.example\.com$/,
    );
  });

  it('refuses a WebSocket upgrade from another origin and accepts an allowed one', async () => {
    expect(await upgrade('https://evil.example.net')).toBe(403);
    expect(await upgrade(APP)).toBe(101);
  });
});

describe('graceful stop', () => {
  it('finishes in-flight requests, closes subscriptions with 1001 and accepts nothing new', async () => {
    const gw = await startSecuredGateway();
    const key = keyFor('admin');
    await gw.fault({ latencyMs: 500, next: 1, endpoint: 'GET /rest/v1/leads.json' });
    const subscription = gw.wsFirst(
      'subscription { marketoStatus(intervalMs: 100000) { callsToday } }',
      key,
    );
    // The first event arrives: the subscription is open.
    expect(await subscription).toMatchObject({ kind: 'next' });
    const closedWith = new Promise<number>((resolve) => {
      const socket = new WebSocket(
        `${gw.url.replace(/^http/, 'ws')}/graphql`,
        'graphql-transport-ws',
      );
      socket.on('open', () =>
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }),
        ),
      );
      socket.on('close', (code) => resolve(code));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const slow = gw.graphql('{ leads(ids: [1, 2]) { id } }', {}, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = gw.stop({ graceMs: 10_000 });
    expect(await closedWith).toBe(1001);
    const result = await slow;
    expect(result.status).toBe(200);
    expect(result.body?.data).toEqual({ leads: [{ id: 1 }, { id: 2 }] });
    await stopped;
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
  });
});
