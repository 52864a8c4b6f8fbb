/**
 * What an operator sees when the gateway cannot work: `npm start`'s process (src/main.ts under
 * tsx) with a taken port, and with a Marketo that refuses its credentials. Every line is one JSON
 * object; the one that matters names the variable or says why, and `/ready` says it too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';

interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

const children: ChildProcess[] = [];

/** `npm start`'s command with `env`; lines as they come, and the exit code. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const wake of waiters.splice(0)) wake();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  /** Resolves with the first JSON line `match` accepts. */
  const lineWhere = async (match: (line: LogLine) => boolean): Promise<LogLine> => {
    for (;;) {
      for (const line of lines) {
        const parsed = /^\{/.test(line) ? (JSON.parse(line) as LogLine) : undefined;
        if (parsed && match(parsed)) return parsed;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { child, lines, exited, lineWhere };
}

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

describe('a taken port', () => {
  let blocker: Server;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('is one JSON error line naming PORT, and exit code 1', async () => {
    const port = (blocker.address() as AddressInfo).port;
    const main = startMain({ PORT: String(port) });
    expect(await main.exited).toBe(1);
    for (const line of main.lines) expect(() => JSON.parse(line), line).not.toThrow();
    const errors = main.lines
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.level === 'error');
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
    const main = startMain({
      PORT: '0',
      MARKETO_BASE_URL: sandbox.url,
      MARKETO_CLIENT_ID: sandbox.clientId,
      MARKETO_CLIENT_SECRET: secret,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
    });
    const listening = await main.lineWhere((l) => l.msg === 'gateway listening');
    const warning = await main.lineWhere((l) => l.msg.startsWith('no Marketo access token'));
    expect(warning).toMatchObject({ level: 'warn', instance: sandbox.url });
    expect(typeof warning.code).toBe('string');
    const origin = String(listening.url).replace(/\/graphql$/, '');
    const ready = await fetch(`${origin}/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; marketo: { code: string } };
    expect(body).toMatchObject({ ready: false, marketo: { code: warning.code } });
    expect(main.lines.join('\n')).not.toContain(secret);
    expect(JSON.stringify(body)).not.toContain(secret);
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
  });
});
