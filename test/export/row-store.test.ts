import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RowStore } from '../../src/bulk/row-store.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function store(): Promise<RowStore> {
  const dir = await mkdtemp(join(tmpdir(), 'row-store-'));
  dirs.push(dir);
  return new RowStore(dir);
}

describe('parsed rows on disk', () => {
  it('pages anywhere in the file through the offset index', async () => {
    const rows = await store();
    const appender = await rows.appender();
    for (let i = 0; i < 50_000; i++) {
      const wait = appender.append({ id: i, text: i % 7 === 0 ? 'line\nbreak \u2028 漢字' : 'x' });
      if (wait) await wait;
    }
    const end = await appender.finish();
    expect(end.rows).toBe(50_000);
    expect(await rows.read(0, 2, end)).toEqual([
      { id: 0, text: 'line\nbreak \u2028 漢字' },
      { id: 1, text: 'x' },
    ]);
    expect(await rows.read(49_998, 10, end)).toEqual([
      { id: 49_998, text: 'x' },
      { id: 49_999, text: 'x' },
    ]);
    expect(await rows.read(50_000, 10, end)).toEqual([]);
    const middle = (await rows.read(31_234, 3, end)) as Array<{ id: number }>;
    expect(middle.map((r) => r.id)).toEqual([31_234, 31_235, 31_236]);
  });

  it('appends after a mark and drops whatever followed it (re-parse after a restart)', async () => {
    const rows = await store();
    const first = await rows.appender();
    first.append({ part: 0 });
    const mark = await first.finish();
    const broken = await rows.appender(mark);
    broken.append({ part: 1, half: true });
    await broken.finish();
    const again = await rows.appender(mark);
    again.append({ part: 1 });
    const end = await again.finish();
    expect(await rows.read(0, 10, end)).toEqual([{ part: 0 }, { part: 1 }]);
  });
});
