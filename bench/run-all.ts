/**
 * `npm run bench`: every `bench:*` script of package.json, one after the other (they measure; two
 * at once would measure each other). Each prints its own table and writes its JSON under
 * `bench/results/`; this prints how each run went. A missed target is a figure, not a failure:
 * the exit code is non-zero only when a bench crashed.
 *
 *   npm run bench                       all of them, full sizes
 *   npm run bench -- --quick            smaller sizes (BENCH_QUICK=1; export 50 MB, upsert 50,000
 *                                       rows, fanout 1 and 1,000 subscribers)
 *   npm run bench -- overhead calls     only bench:overhead and bench:calls
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { table } from './support.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick') || /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const only = args.filter((a) => !a.startsWith('--')).map((a) => a.replace(/^bench:/, ''));

/** What BENCH_QUICK means to the benches that have their own size settings. */
const QUICK_ENV: Record<string, string> = {
  BENCH_QUICK: '1',
  BENCH_EXPORT_MB: '50',
  BENCH_UPSERT_ROWS: '50000',
  BENCH_FANOUT_SUBSCRIBERS: '1,1000',
};

async function benchScripts(): Promise<string[]> {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return Object.keys(pkg.scripts ?? {})
    .filter((name) => name.startsWith('bench:'))
    .filter((name) => only.length === 0 || only.includes(name.slice('bench:'.length)));
}

function run(script: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', '--silent', script], { stdio: 'inherit', env });
    child.once('exit', (code, signal) => resolve(signal ? null : code));
    child.once('error', () => resolve(null));
  });
}

async function main(): Promise<void> {
  const scripts = await benchScripts();
  if (scripts.length === 0) {
    console.error(`no bench:* script matches ${only.join(', ')}`);
    process.exit(1);
  }
  // Explicit settings win over the quick defaults.
  const env = quick ? { ...QUICK_ENV, ...process.env, BENCH_QUICK: '1' } : process.env;
  console.log(`npm run bench — ${scripts.join(', ')}${quick ? ' (quick)' : ''}\n`);
  const outcomes: { script: string; code: number | null; seconds: number }[] = [];
  for (const script of scripts) {
    console.log(`\n━━━ ${script} ━━━`);
    const started = performance.now();
    const code = await run(script, env);
    outcomes.push({ script, code, seconds: (performance.now() - started) / 1000 });
  }
  console.log('\n━━━ summary ━━━');
  console.log(
    table(
      ['script', 'time', 'exit', ''],
      outcomes.map((o) => [
        o.script,
        `${o.seconds.toFixed(1)} s`,
        o.code === null ? 'killed' : String(o.code),
        o.code === 0 ? 'done' : 'FAILED (crashed, see its output)',
      ]),
    ),
  );
  console.log('\nfigures and targets: each table above; JSON: bench/results/');
  if (outcomes.some((o) => o.code !== 0)) process.exitCode = 1;
}

await main();
