/**
 * `npx tsx bench/import-split.ts`: the import split alone (`openRows` → part files of 10 MB, as
 * `bench:upsert`'s BULK run cuts its 1,000,000-row CSV upload), in this process: CPU time, GC
 * count and pause time, how far the committed heap grew. Load-independent measures of what the split
 * costs the gateway, for comparing two versions of it back to back.
 *
 *   BENCH_SPLIT_ROWS=1000000 npx tsx bench/import-split.ts
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { openRows } from '../src/bulk/import-split.js';
import { IMPORT_FILE_MAX_BYTES } from '../src/marketo/import-upload.js';
import { fmt, MB } from './support.js';

const rows = Number(process.env.BENCH_SPLIT_ROWS ?? 1_000_000);

/** The same rows as bench:upsert's CSV upload. */
async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const tag = `b${rows}`;
  await write('email,firstName,lastName,company\n');
  for (let i = 0; i < rows; i++) {
    await write(`bench.${tag}.${i}@example.com,Bench${i % 997},Upsert ${tag},Acme ${i % 101}\n`);
  }
  out.end();
  await once(out, 'finish');
}

const dir = await mkdtemp(join(tmpdir(), 'bench-import-split-'));
try {
  const csv = join(dir, 'leads.csv');
  await writeCsv(csv);
  let gcs = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs++;
      gcMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const heapStart = process.memoryUsage().heapTotal;
  let heapMax = heapStart;
  const sampler = setInterval(() => {
    heapMax = Math.max(heapMax, process.memoryUsage().heapTotal);
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const source = await openRows(createReadStream(csv), {
    format: 'CSV',
    argument: 'input.file',
    check: () => undefined,
  });
  let split = 0;
  let files = 0;
  for await (const part of source.parts({ dir, maxBytes: IMPORT_FILE_MAX_BYTES })) {
    split += part.rows;
    files++;
    await rm(part.file);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the last GC entries
  observer.disconnect();
  const size = (await stat(csv)).size;
  console.log(
    `import split: ${split.toLocaleString('en-US')} rows, ${fmt(size / MB)} MB into ${files} files in ${fmt(seconds, 2)} s; ` +
      `CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms, ${gcs} GCs (${Math.round(gcMs)} ms), ` +
      `committed heap grown by ${fmt((heapMax - heapStart) / MB)} MB at most`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
