import { describe, expect, it } from 'vitest';
import { splitDateRange } from '../../src/bulk/date-windows.js';
import { createRowParser, type RowError, typeCell } from '../../src/bulk/delimited.js';
import { nextQuotaReset, quotaDay } from '../../src/bulk/quota.js';

async function parseAll(
  text: string,
  format: 'CSV' | 'TSV' | 'SSV',
  types: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'json'> = {},
) {
  const errors: RowError[] = [];
  const parser = createRowParser({
    format,
    types: new Map(Object.entries(types)),
    onRowError: (e) => errors.push(e),
  });
  const rows: unknown[] = [];
  parser.end(text);
  for await (const row of parser) rows.push(row);
  return { rows, errors };
}

describe('reading Marketo bulk files', () => {
  it('keeps quoted CR/LF, embedded delimiters, quotes, NUL, CJK and U+2028 intact', async () => {
    const text = [
      'id,note,name',
      '1,"line one\r\nline two","a,b"',
      '2,"say ""hi""",漢字テスト',
      `3,"nul\u0000inside","sep\u2028arator"`,
      '',
    ].join('\n');
    const { rows, errors } = await parseAll(text, 'CSV', { id: 'integer' });
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { id: 1, note: 'line one\r\nline two', name: 'a,b' },
      { id: 2, note: 'say "hi"', name: '漢字テスト' },
      { id: 3, note: 'nul\u0000inside', name: 'sep\u2028arator' },
    ]);
  });

  it('uses tab for TSV and semicolon for SSV', async () => {
    expect((await parseAll('a\tb\n1\tx,y\n', 'TSV')).rows).toEqual([{ a: '1', b: 'x,y' }]);
    expect((await parseAll('a;b\n1;x,y\n', 'SSV')).rows).toEqual([{ a: '1', b: 'x,y' }]);
  });

  it("turns Marketo's null into null and types cells by dataType", async () => {
    const { rows } = await parseAll(
      'id,score,amount,opt,name,empty,attrs\n7,null,12.5,true,null,,"{""a"":1}"\n',
      'CSV',
      { id: 'integer', score: 'integer', amount: 'number', opt: 'boolean', attrs: 'json' },
    );
    expect(rows).toEqual([
      { id: 7, score: null, amount: 12.5, opt: true, name: null, empty: '', attrs: { a: 1 } },
    ]);
  });

  it('keeps a value that does not fit its type as text instead of losing it', () => {
    expect(typeCell('14.1', 'integer')).toBe('14.1');
    expect(typeCell('14c', 'number')).toBe('14c');
    expect(typeCell('maybe', 'boolean')).toBe('maybe');
  });

  it('reports a malformed row with its line number and goes on', async () => {
    const { rows, errors } = await parseAll('a,b\n1,2\n3\n4,5\n', 'CSV');
    expect(rows).toEqual([
      { a: '1', b: '2' },
      { a: '4', b: '5' },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(3);
    expect(errors[0]!.message).toMatch(/line 3/);
  });
});

describe('splitting date ranges into 31-day windows', () => {
  it('leaves a short range alone', () => {
    expect(splitDateRange('2024-01-01T00:00:00Z', '2024-01-31T00:00:00Z')).toEqual([
      { startAt: '2024-01-01T00:00:00Z', endAt: '2024-01-31T00:00:00Z' },
    ]);
  });

  it('cuts 90 days into consecutive windows with no overlap and no gap', () => {
    const windows = splitDateRange('2024-01-01T00:00:00Z', '2024-03-31T00:00:00Z');
    expect(windows).toEqual([
      { startAt: '2024-01-01T00:00:00Z', endAt: '2024-01-31T23:59:59Z' },
      { startAt: '2024-02-01T00:00:00Z', endAt: '2024-03-02T23:59:59Z' },
      { startAt: '2024-03-03T00:00:00Z', endAt: '2024-03-31T00:00:00Z' },
    ]);
    for (const w of windows) {
      expect(Date.parse(w.endAt) - Date.parse(w.startAt)).toBeLessThanOrEqual(31 * 86_400_000);
    }
  });
});

describe("Marketo's quota day (US Central)", () => {
  it('resets at midnight in Chicago, summer and winter', () => {
    expect(quotaDay(Date.parse('2024-07-02T04:59:59Z'))).toBe('2024-07-01');
    expect(quotaDay(Date.parse('2024-07-02T05:00:00Z'))).toBe('2024-07-02');
    expect(new Date(nextQuotaReset(Date.parse('2024-07-01T12:00:00Z'))).toISOString()).toBe(
      '2024-07-02T05:00:00.000Z',
    );
    expect(new Date(nextQuotaReset(Date.parse('2024-01-10T12:34:56.789Z'))).toISOString()).toBe(
      '2024-01-11T06:00:00.000Z',
    );
    // The night clocks go back (2024-11-03) still resets at local midnight.
    expect(new Date(nextQuotaReset(Date.parse('2024-11-03T12:00:00Z'))).toISOString()).toBe(
      '2024-11-04T06:00:00.000Z',
    );
  });
});
