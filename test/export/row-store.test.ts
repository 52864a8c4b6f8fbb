import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
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

  it('gives a page as the JSON text of its rows, unparsed, up to the last row', async () => {
    const rows = await store();
    const appender = await rows.appender();
    const all = Array.from({ length: 3000 }, (_, i) => [
      i,
      i % 5 === 0 ? 'a\nb \u2028 "漢字"' : null,
      true,
    ]);
    let verified = appender.written;
    for (const row of all) {
      appender.append(row);
      if (row[0] === 99) verified = appender.written;
    }
    const end = await appender.finish();
    for (const [start, count] of [
      [0, 1],
      [1234, 1000],
      [2990, 1000],
      [2999, 1],
    ] as const) {
      const text = await rows.readJson(start, count, end);
      expect(text.toString('utf8')).toBe(JSON.stringify(all.slice(start, start + count)));
    }
    expect((await rows.readJson(3000, 10, end)).toString()).toBe('[]');
    // A mark before the end (rows of a file not verified yet follow it): the page stops there.
    expect(JSON.parse((await rows.readJson(95, 10, verified)).toString())).toHaveLength(5);
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

  it('fails a page whose files are gone and leaves no file open', async () => {
    const rows = await store();
    const appender = await rows.appender();
    for (let i = 0; i < 10; i++) appender.append([i]);
    const end = await appender.finish();
    await rm(rows.dataPath, { force: true });
    await expect(rows.readJson(0, 5, end)).rejects.toMatchObject({ code: 'ENOENT' });
    // The index, which did open, is closed (in the background, on the thread pool).
    const openOnIndex = async () => {
      const fds = await readdir('/proc/self/fd');
      const targets = await Promise.all(
        fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
      );
      return targets.filter((target) => target === rows.indexPath).length;
    };
    await vi.waitFor(async () => expect(await openOnIndex()).toBe(0));
  });
});
