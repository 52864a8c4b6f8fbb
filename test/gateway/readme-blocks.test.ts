/**
 * Every code block of README.md, run as a reader would against `npm start`'s gateway (the embedded
 * sandbox, configured from the environment): GraphQL blocks sent as they are, shell blocks run by
 * bash in an empty folder with `localhost:4000` pointing at this gateway, the JSON block compared
 * with what a response really carries. The two blocks that run `npm` itself are what CI does
 * (`npm ci`, `npm test`) and what test/gateway/startup-diagnostics.test.ts starts; they are
 * recognised and left to those.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';

interface Block {
  lang: string;
  line: number;
  text: string;
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks: Block[] = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1]!,
  line: readme.slice(0, m.index).split('\n').length,
  text: m[2]!,
}));
const runsNpm = (block: Block) => /^\s*(?:[A-Z_]+=\S*\s+(?:\\\n)?)*npm /m.test(block.text);

let gateway: Gateway;
let origin: string;
let cwd: string;

beforeAll(async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SANDBOX_TIME_SCALE: '20' });
  gateway = await createGateway(config, { logger: silentLogger });
  origin = await gateway.start(0, '127.0.0.1');
  cwd = await mkdtemp(join(tmpdir(), 'readme-blocks-'));
});

afterAll(async () => {
  await gateway?.stop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

async function graphql(query: string) {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: Array<{ message: string; path?: string[] }>;
    extensions?: { marketo?: Record<string, unknown> };
  };
}

describe('README code blocks', () => {
  it('are all accounted for', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(blocks.every((b) => ['sh', 'graphql', 'json'].includes(b.lang))).toBe(true);
  });

  for (const block of blocks.filter((b) => b.lang === 'graphql')) {
    it(`graphql at line ${block.line} runs and every field answers`, async () => {
      const result = await graphql(block.text);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      for (const [field, value] of Object.entries(result.data ?? {})) {
        // Each example shows something: no field of it answers null or an empty list.
        expect(value, `${field} (README line ${block.line})`).not.toBeNull();
        // Nor a mutation's typed error (its `... on Error { code message }`).
        expect(value, `${field} (README line ${block.line})`).not.toMatchObject({
          code: expect.any(String),
          message: expect.any(String),
        });
        if (Array.isArray(value)) expect(value.length, field).toBeGreaterThan(0);
      }
    });
  }

  for (const block of blocks.filter((b) => b.lang === 'sh' && !runsNpm(b))) {
    it(`sh at line ${block.line} runs and answers without errors`, async () => {
      const script = block.text.replaceAll('localhost:4000', origin.replace(/^https?:\/\//, ''));
      // Not spawnSync: the gateway answering it runs in this process.
      const run = await promisify(execFile)(
        'bash',
        ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script],
        {
          cwd,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(run.stderr.replace(/^\s*% Total[\s\S]*$/m, ''), script).toBe('');
      // Every answer (JSON, or the `data:` lines of an event stream) has data and no errors.
      const answers = run.stdout
        .split('\n')
        .map((line) => line.replace(/^data: /, ''))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { data?: unknown; errors?: unknown });
      expect(answers.length, run.stdout).toBeGreaterThan(0);
      for (const answer of answers) {
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toBeDefined();
      }
    });
  }

  it('the npm blocks are the ones CI and the startup tests run', () => {
    const npm = blocks.filter(runsNpm);
    expect(npm.map((b) => b.text.match(/npm \w+/g)).flat()).toEqual(
      expect.arrayContaining(['npm install', 'npm start', 'npm test']),
    );
  });

  it('json: the cost extension has the keys a response carries', async () => {
    const block = blocks.find((b) => b.lang === 'json')!;
    const documented = JSON.parse(block.text) as Record<string, unknown>;
    const { extensions } = await graphql('{ leads(ids: [1, 2]) { id email firstName } }');
    const marketo = extensions?.marketo ?? {};
    expect(Object.keys(marketo).sort()).toEqual(Object.keys(documented).sort());
    const [endpoint] = Object.values(marketo.byEndpoint as Record<string, object>);
    const [documentedEndpoint] = Object.values(documented.byEndpoint as Record<string, object>);
    expect(Object.keys(endpoint!).sort()).toEqual(Object.keys(documentedEndpoint!).sort());
  });
});
