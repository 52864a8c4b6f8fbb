/**
 * What the gateway process does with errors nobody handled (`src/process-guards.ts`, installed by
 * `src/main.ts` before anything else): a dangling rejection is logged as one JSON line and
 * survived; an uncaught exception is logged and stops the process with code 1.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `body` in a child node process with the guards installed; its exit code and log lines. */
async function run(
  body: string,
): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const script = `
    import { createLogger } from './src/logger.ts';
    import { guardProcess } from './src/process-guards.ts';
    const logger = createLogger({ secrets: () => ['s3cr3t-value'] });
    guardProcess({ logger: () => logger, fatal: (code) => process.exit(code) });
    ${body}
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines };
}

describe('errors nobody handled', () => {
  it('logs an unhandled rejection once, with its origin, without secrets, and keeps running', async () => {
    const { code, lines } = await run(`
      const error = Object.assign(new Error('Reached the max retries per request limit s3cr3t-value'), {
        name: 'MaxRetriesPerRequestError',
      });
      Promise.reject(error);
      setTimeout(() => { console.log(JSON.stringify({ msg: 'still running' })); process.exit(0); }, 50);
    `);
    expect(code).toBe(0);
    const logged = lines.filter((l) => l.origin === 'unhandledRejection');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'error',
      error: { name: 'MaxRetriesPerRequestError' },
    });
    expect(JSON.stringify(logged[0])).not.toContain('s3cr3t-value');
    expect(lines.some((l) => l.msg === 'still running')).toBe(true);
  });

  it('logs an uncaught exception and stops the process with code 1', async () => {
    const { code, lines } = await run(`setTimeout(() => { throw new TypeError('boom'); }, 0);`);
    expect(code).toBe(1);
    expect(lines.find((l) => l.origin === 'uncaughtException')).toMatchObject({
      level: 'error',
      error: { name: 'TypeError', message: 'boom' },
    });
  });
});
