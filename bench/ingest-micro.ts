/**
 * Micro-bench of the export ingest pipeline on one file (no HTTP): SHA-256 alone, the reader
 * alone, and the whole ingest (reader + row store), CPU ms each. Generates the file once.
 *   npx tsx bench/ingest-micro.ts [MB] [what,...]
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellTypeFor } from '../src/bulk/delimited.js';
import { ingestFile } from '../src/bulk/ingest.js';
import { RowEncoder } from '../src/bulk/row-encoder.js';
import { createRowParser } from '../src/bulk/row-parser.js';
import { RowStore } from '../src/bulk/row-store.js';
import { createClock } from '../src/sandbox/clock.js';
import { dialect } from '../src/sandbox/bulk/delimited.js';
import { exportLine } from '../src/sandbox/bulk/export-file.js';
import { Store } from '../src/sandbox/store.js';

const mb = Number(process.argv[2] ?? 50);
const what = (process.argv[3] ?? 'sha,reader,ingest').split(',');
const file = join(tmpdir(), `ingest-micro-${mb}.csv`);
const store0 = new Store({ seed: 1, leadCount: 10, clock: createClock() });
const fieldDefs = store0.fields.filter((f) => f.dataType !== 'formula');
const fields = fieldDefs.map((f) => f.name);
const types = Object.fromEntries(fieldDefs.map((f) => [f.name, cellTypeFor(f.dataType)]));
if (!existsSync(file)) {
  const csv = dialect('CSV');
  const chunks: string[] = [csv.row(fields)];
  let bytes = 0;
  let n = 2000;
  for (;;) {
    const store = new Store({ seed: 1, leadCount: n, clock: createClock() });
    for (const lead of store.leads()) {
      const line = exportLine(
        fields.map((f) => lead[f]),
        csv,
      );
      chunks.push(line);
      bytes += Buffer.byteLength(line);
      if (bytes >= mb * 1024 * 1024) break;
    }
    if (bytes >= mb * 1024 * 1024) break;
    n *= 4;
    chunks.length = 1;
    bytes = 0;
  }
  writeFileSync(file, chunks.join(''));
}

async function measure(label: string, run: () => Promise<string>): Promise<void> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const info = await run();
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - t;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `${label.padEnd(10)} wall ${wall.toFixed(0).padStart(6)} ms  cpu ${((used.user + used.system) / 1000).toFixed(0).padStart(6)} ms  rss ${rss.toFixed(0)} MB  ${info}`,
  );
}

for (const w of what) {
  if (w === 'sha')
    await measure('sha', async () => {
      const hash = createHash('sha256');
      for await (const c of createReadStream(file, { highWaterMark: 1 << 20 }))
        hash.update(c as Buffer);
      return hash.digest('hex').slice(0, 8);
    });
  if (w === 'reader')
    await measure('reader', async () => {
      let rows = 0;
      const parser = createRowParser({
        format: 'CSV',
        types: new Map(Object.entries(types)),
        onHeader: () => {},
      });
      const done = (async () => {
        for await (const _ of parser) rows++;
      })();
      for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) {
        if (!parser.write(c)) await new Promise((r) => parser.once('drain', r));
      }
      parser.end();
      await done;
      return `${rows} rows`;
    });
  if (w === 'encoder')
    await measure('encoder', async () => {
      let rows = 0;
      let bytes = 0;
      const encoder = new RowEncoder(
        { format: 'CSV', types: new Map(Object.entries(types)), onHeader: () => {} },
        {
          lines: (_data, ends) => {
            rows += ends.length;
            bytes += ends[ends.length - 1]!;
            return undefined;
          },
          row: () => {
            rows++;
            return undefined;
          },
        },
      );
      for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) {
        const wait = encoder.write(c as Buffer);
        if (wait) await wait;
      }
      await encoder.end();
      return `${rows} rows, ${(bytes / 2 ** 20).toFixed(0)} MB${encoder.handedOff ? ' HANDED OFF' : ''}`;
    });
  if (w === 'ingest')
    await measure('ingest', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ingest-micro-'));
      try {
        const result = await ingestFile({
          file,
          format: 'CSV',
          types,
          store: new RowStore(dir),
          from: { rows: 0, bytes: 0 },
          signal: new AbortController().signal,
          commitEveryMs: 250,
          onCommit: async () => {},
        });
        return `${result.rows} rows, ${(result.end.bytes / 2 ** 20).toFixed(0)} MB stored`;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
}
