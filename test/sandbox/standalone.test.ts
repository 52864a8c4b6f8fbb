import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sandboxOptionsFromEnv } from '../../src/sandbox/env.js';

describe('standalone: npm run sandbox (src/sandbox/main.ts)', () => {
  it('reads its configuration from the environment', () => {
    expect(sandboxOptionsFromEnv({})).toMatchObject({
      port: 4100,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      limits: {},
    });
    const options = sandboxOptionsFromEnv({
      SANDBOX_PORT: '4200',
      SANDBOX_SEED: '9',
      SANDBOX_LEADS: '2000000',
      SANDBOX_TIME_SCALE: '100',
      SANDBOX_CLIENT_ID: 'id',
      SANDBOX_CLIENT_SECRET: 'secret',
      SANDBOX_RATE_LIMIT: '50',
      SANDBOX_RATE_WINDOW_MS: '10000',
      SANDBOX_CONCURRENCY: '5',
      SANDBOX_DAILY_QUOTA: '1000',
      SANDBOX_ENFORCE_LIMITS: 'false',
      SANDBOX_LEGACY_ACCESS_TOKEN: 'off',
    });
    expect(options).toEqual({
      port: 4200,
      seed: 9,
      leads: 2_000_000,
      timeScale: 100,
      clientId: 'id',
      clientSecret: 'secret',
      legacyAccessTokenParam: false,
      limits: {
        rateLimit: 50,
        rateWindowMs: 10_000,
        concurrency: 5,
        dailyQuota: 1000,
        enforce: false,
      },
      bulk: {},
    });
    expect(() => sandboxOptionsFromEnv({ SANDBOX_LEADS: 'many' })).toThrow(/SANDBOX_LEADS/);
  });

  it('prints its URL and credentials, answers a token and describe.json, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_LEADS: '100' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once('exit', () => reject(new Error(`sandbox exited: ${out}`)));
      });
      expect(out).toContain('client id: sandbox');
      const token = (await (
        await fetch(
          `${url}/identity/oauth/token?grant_type=client_credentials&client_id=sandbox&client_secret=sandbox`,
        )
      ).json()) as { access_token: string };
      const describe = (await (
        await fetch(`${url}/rest/v1/leads/describe.json`, {
          headers: { authorization: `Bearer ${token.access_token}` },
        })
      ).json()) as { success: boolean; result: unknown[] };
      expect(describe.success).toBe(true);
      expect(describe.result.length).toBeGreaterThan(90);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    expect(child.exitCode).toBe(0);
  });
});
