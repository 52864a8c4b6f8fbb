import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { splitDateRange } from '../../src/bulk/date-windows.js';
import {
  type CellType,
  createCsvParser,
  type DelimitedFormat,
  type RowError,
  type RowParserOptions,
  typeCell,
} from '../../src/bulk/delimited.js';
import { RowEncoder } from '../../src/bulk/row-encoder.js';
import { createRowParser } from '../../src/bulk/row-parser.js';
import { nextQuotaReset, quotaDay } from '../../src/bulk/quota.js';
import { prng as random } from '../../src/sandbox/seed.js';

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

/** Rows and errors of `bytes` written in `chunks` pieces (cut anywhere, even inside a character). */
async function readWith(
  make: (options: RowParserOptions) => NodeJS.ReadWriteStream,
  bytes: Buffer,
  cuts: number[],
) {
  const errors: RowError[] = [];
  const parser = make({
    format: 'CSV',
    types: new Map([['n', 'integer']]),
    onRowError: (e) => errors.push(e),
    onHeader: () => {},
  });
  const rows: unknown[] = [];
  const done = (async () => {
    for await (const row of parser) rows.push(row);
  })();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.write(bytes.subarray(from, cut));
    from = cut;
  }
  parser.end();
  await done;
  return { rows, errors: errors.map((e) => ({ line: e.line, code: e.code })) };
}

/**
 * What the export ingest stores for `bytes` written in pieces: the encoder's JSON lines (and the
 * rows csv-parse read after a hand-off), read back as the row store does (JSON.parse).
 */
async function encodeWith(
  bytes: Buffer,
  cuts: number[],
  types: Record<string, CellType> = { n: 'integer' },
  format: DelimitedFormat = 'CSV',
) {
  const errors: RowError[] = [];
  const lines: string[] = [];
  const encoder = new RowEncoder(
    {
      format,
      types: new Map(Object.entries(types)),
      onRowError: (e) => errors.push(e),
      onHeader: () => {},
    },
    {
      lines: (data, ends) => {
        // Valid UTF-8 whatever the file held: pages may be served as the stored bytes.
        expect(isUtf8(data.subarray(0, ends.at(-1)))).toBe(true);
        let start = 0;
        for (const end of ends) {
          lines.push(data.toString('utf8', start, end));
          start = end;
        }
        return undefined;
      },
      row: (cells) => {
        lines.push(`${JSON.stringify(cells)}\n`);
        return undefined;
      },
    },
  );
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const wait = encoder.write(bytes.subarray(from, cut));
    if (wait) await wait;
    from = cut;
  }
  await encoder.end();
  // One JSON line per row, nothing else.
  for (const line of lines) expect(line.indexOf('\n')).toBe(line.length - 1);
  return {
    rows: lines.map((line) => JSON.parse(line) as unknown),
    errors: errors.map((e) => ({ line: e.line, code: e.code })),
    handedOff: encoder.handedOff,
  };
}

describe("the gateway's reader reads every file as csv-parse does", () => {
  const CELLS = [
    '',
    'null',
    '42',
    'plain',
    'a,b',
    'say "hi"',
    'two\nlines',
    'cr\r\nlf',
    'nul\u0000',
    'sep\u2028x',
    '漢字',
    'é',
  ];
  const quote = (cell: string) =>
    /[,"\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  /** Marketo-shaped files, and with `odd` one kind of record csv-parse rejects or reads its own way. */
  function file(rand: () => number, odd: string | undefined): string {
    const lines = ['n,a,b'];
    for (let i = 0; i < 40; i++) {
      const pick = () => CELLS[Math.floor(rand() * CELLS.length)]!;
      lines.push([String(i), quote(pick()), quote(pick())].join(','));
    }
    if (odd !== undefined) lines.splice(1 + Math.floor(rand() * 40), 0, odd);
    return `${lines.join('\n')}\n`;
  }
  const ODD = [
    undefined,
    '1,2', // too few cells
    '1,2,3,4', // too many
    '', // an empty line
    '1,x"y,z', // a quote inside an unquoted cell
    '1,"x"y,z', // text after a closing quote
    '1,a\r,b', // a CR outside quotes
    '1,"never closed,b',
  ];

  it.each(ODD.map((odd, i) => [i, odd] as const))('file %i', async (i, odd) => {
    const rand = random(i + 1);
    for (let round = 0; round < 5; round++) {
      const bytes = Buffer.from(file(rand, odd));
      const cuts = Array.from({ length: 6 }, () => Math.floor(rand() * bytes.length)).sort(
        (a, b) => a - b,
      );
      const expected = await readWith(createCsvParser, bytes, []);
      expect(await readWith(createRowParser, bytes, cuts)).toEqual(expected);
      const encoded = await encodeWith(bytes, cuts);
      expect({ rows: encoded.rows, errors: encoded.errors }).toEqual(expected);
      expect(encoded.handedOff).toBe(odd !== undefined);
      // Marketo's own files (no odd record) never need csv-parse.
      const reader = createRowParser({ format: 'CSV', onHeader: () => {}, onRowError: () => {} });
      reader.resume();
      reader.end(bytes);
      await once(reader, 'end');
      expect(reader.handedOff).toBe(odd !== undefined);
      // One byte at a time: every record and character split.
      if (round === 0) {
        const all = Array.from({ length: bytes.length - 1 }, (_, k) => k + 1);
        expect(await readWith(createRowParser, bytes, all)).toEqual(expected);
        const encoded = await encodeWith(bytes, all);
        expect({ rows: encoded.rows, errors: encoded.errors }).toEqual(expected);
      }
    }
  });

  it('strips a BOM and reads CRLF files (csv-parse reads those)', async () => {
    for (const text of ['\ufeffn,a\n1,x\n', 'n,a\r\n1,x\r\n2,"y\r\nz"\r\n', 'n,a\n1,x']) {
      const bytes = Buffer.from(text);
      const expected = await readWith(createCsvParser, bytes, []);
      expect(await readWith(createRowParser, bytes, [1, 5])).toEqual(expected);
      const encoded = await encodeWith(bytes, [1, 2, 5]);
      expect({ rows: encoded.rows, errors: encoded.errors }).toEqual(expected);
    }
  });
});

describe('the rows stored are the typed cells csv-parse reads, as JSON', () => {
  const TYPES: Record<string, CellType> = {
    i: 'integer',
    n: 'number',
    b: 'boolean',
    j: 'json',
    s: 'string',
  };
  /** Cells whose JSON is their own bytes, and every kind that must go through typeCell. */
  const VALUES = [
    ...['', 'null', '0', '7', '42', '123456789012345', '1234567890123456', '9007199254740993'],
    ...['007', '+5', '-5', '-0', '-0.0', '1.50', '1.5', '53880.58', '0.1', '0.0000001', '1e3'],
    ...[' 1', '1 ', 'x', 'true', 'false', '1', 'TRUE', '{"a":[1,2]}', '[1,', '"q"', 'nul\u0000'],
    ...['tab\tx', 'back\\slash', 'bell\u0007', 'del\u007f', 'é', '漢字', 'sep\u2028x', 'a,b'],
    ...['two\nlines', 'cr\rx', '-0.5', '0.5', '0.05', '1.25', '-12.5', '1.', '.5', '1.2.3', '-'],
    ...['123456789012.345', '1234567890123.456', '--1', '-007', '0.10', '100', '-100', '10.01'],
  ];
  const quote = (cell: string, delimiter: string) =>
    cell.includes(delimiter) || /["\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;

  it.each(['CSV', 'TSV', 'SSV'] as const)('every value in every type (%s)', async (format) => {
    const delimiter = { CSV: ',', TSV: '\t', SSV: ';' }[format];
    const columns = Object.keys(TYPES);
    const lines = [columns.join(delimiter)];
    for (const value of VALUES) {
      lines.push(columns.map(() => quote(value, delimiter)).join(delimiter));
      // Quoted even where it needs not be: the same cell to csv-parse.
      lines.push(columns.map(() => `"${value.replaceAll('"', '""')}"`).join(delimiter));
    }
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const options: RowParserOptions = {
      format,
      types: new Map(Object.entries(TYPES)),
      onHeader: () => {},
    };
    const expected: unknown[] = [];
    const parser = createCsvParser(options);
    parser.end(bytes);
    for await (const row of parser) expected.push(JSON.parse(JSON.stringify(row)));
    const encoded = await encodeWith(bytes, [3, 100, 101], TYPES, format);
    expect(encoded.handedOff).toBe(false);
    expect(encoded.rows).toEqual(expected);
    expect(encoded.rows).toHaveLength(VALUES.length * 2);
  });

  it('decodes bytes that are not UTF-8 as csv-parse does (U+FFFD), and keeps valid ones as they are', async () => {
    const bytes = Buffer.concat([
      Buffer.from('s,j\n'),
      Buffer.from([0x61, 0xff, 0x62, 0x2c, 0xe2, 0x82, 0x0a]),
      Buffer.from('"\xc3\xa9",'),
      Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22, 0x0a]),
    ]);
    const expected: unknown[] = [];
    const parser = createCsvParser({
      format: 'CSV',
      types: new Map([['j', 'json']]),
      onHeader: () => {},
    });
    parser.end(bytes);
    for await (const row of parser) expected.push(row);
    expect((await encodeWith(bytes, [6], { j: 'json' })).rows).toEqual(expected);
    expect(expected[0]).toEqual(['a\ufffdb', '\ufffd']);
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
