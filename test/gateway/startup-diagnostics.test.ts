/**
 * What an operator sees when the gateway cannot work: `npm start`'s process (src/main.ts under
 * tsx) with a taken port, and with a Marketo that refuses its credentials. Every line is one JSON
 * object; the one that matters names the variable or says why, and `/ready` says it too.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { killLeftovers, launchGateway } from '../helpers/gateway-process.js';

afterEach(killLeftovers);

describe('a taken port', () => {
  let blocker: Server;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('is one JSON error line naming PORT, and exit code 1', async () => {
    const port = (blocker.address() as AddressInfo).port;
    const main = launchGateway({ PORT: String(port) });
    expect((await main.exited).code).toBe(1);
    // Every line of output is one JSON object.
    for (const line of main.output().trim().split('\n')) {
      expect(() => JSON.parse(line), line).not.toThrow();
    }
    const errors = main.lines.filter((l) => l.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ variable: 'PORT', port, code: 'EADDRINUSE' }),
    ]);
    expect(errors[0]!.msg).toContain(`PORT ${port} is already in use`);
  });
});

describe('a Marketo that refuses the credentials', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ leads: 10 });
  });
  afterAll(() => sandbox?.close());

  it('is said at start, and /ready answers 503 saying why', async () => {
    const secret = 'wrong-secret-value-0123456789';
    const main = launchGateway({
      PORT: '0',
      MARKETO_BASE_URL: sandbox.url,
      MARKETO_CLIENT_ID: sandbox.clientId,
      MARKETO_CLIENT_SECRET: secret,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
    });
    const listening = await main.logged((l) => l.msg === 'gateway listening');
    const warning = await main.logged((l) => l.msg.startsWith('no Marketo access token'));
    expect(warning).toMatchObject({ level: 'warn', instance: sandbox.url });
    expect(typeof warning.code).toBe('string');
    const origin = String(listening.url).replace(/\/graphql$/, '');
    const ready = await fetch(`${origin}/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; marketo: { code: string } };
    expect(body).toMatchObject({ ready: false, marketo: { code: warning.code } });
    expect(main.output()).not.toContain(secret);
    expect(JSON.stringify(body)).not.toContain(secret);
    main.child.kill('SIGTERM');
    expect((await main.exited).code).toBe(0);
  });
});
