/**
 * A page of stored rows (`[[cell,…],…]`, as the row store keeps them) rewritten as the JSON text
 * of each row's object keyed by column header, straight from the bytes: the keys are encoded once
 * per page and each cell's JSON text is copied, so no row becomes a JS object. The text is what
 * `JSON.stringify` gives for the object `rowObject` builds (keys in the order and with the
 * winners V8 gives them: integer-like headers first, a repeated header's last cell, no
 * `__proto__`), since the stored cells are already `JSON.stringify`'s text of their values.
 */

const [OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT] = [0x5b, 0x5d, 0x7b, 0x7d];
const [QUOTE, BACKSLASH, COMMA] = [0x22, 0x5c, 0x2c];
const NULL = Buffer.from('null');
/** Cell bounds of the page being keyed (grown to the largest page seen: ~850 KB for 1,000 × 106). */
let scratch = new Int32Array(0);
/** Below this many bytes a JS loop copies faster than a native `copy` call. */
const SHORT_COPY = 64;

/** The object a parsed row makes: each header keyed to its cell (missing cells null). */
export function rowObject(columns: readonly string[], cells: readonly unknown[]): object {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = cells[i] ?? null;
  return row;
}

/** A page's keys: each key's text (`{"k":` for the first, `,"k":` after) and its cell's column. */
export interface KeyedLayout {
  prefixes: readonly Buffer[];
  cellOf: Int32Array;
}

/**
 * The keys `rowObject` gives an object of `columns`, in its order, and the cell each takes;
 * undefined for a `__proto__` header, whose cell may change the object's prototype and so what
 * the next keys do: such rows are built as objects.
 */
export function keyedLayout(columns: readonly string[]): KeyedLayout | undefined {
  if (columns.includes('__proto__')) return undefined;
  // The same assignments on an object of indexes: V8 orders and dedupes its keys as for a row.
  const template = rowObject(
    columns,
    columns.map((_, i) => i),
  ) as Record<string, number>;
  const keys = Object.keys(template);
  return {
    prefixes: keys.map((key, k) => Buffer.from(`${k === 0 ? '{' : ','}${JSON.stringify(key)}:`)),
    cellOf: Int32Array.from(keys, (key) => template[key]!),
  };
}

/** Where each cell's text starts and ends: row r's cell c at `r * width + c`. */
interface Bounds {
  starts: Int32Array;
  ends: Int32Array;
  width: number;
}

/** Past the JSON string whose opening quote is at `at`. */
function endOfString(data: Buffer, at: number): number {
  let quote = at;
  for (;;) {
    quote = data.indexOf(QUOTE, quote + 1);
    if (quote < 0) return -1;
    let slashes = 0;
    while (data[quote - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
  }
}

/** Past the JSON value starting at `at` (no whitespace: stored text never has any). */
function endOfValue(data: Buffer, at: number): number {
  const first = data[at];
  if (first === QUOTE) return endOfString(data, at);
  if (first === OPEN_ARRAY || first === OPEN_OBJECT) {
    let depth = 0;
    let i = at;
    while (i < data.length) {
      const b = data[i]!;
      if (b === QUOTE) {
        i = endOfString(data, i);
        if (i < 0) return -1;
        continue;
      }
      if (b === OPEN_ARRAY || b === OPEN_OBJECT) depth++;
      else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next `,` or `]`.
  let i = at;
  while (i < data.length && data[i] !== COMMA && data[i] !== CLOSE_ARRAY) i++;
  return i > at ? i : -1;
}

/**
 * The cells of the row array starting at `at` into row `r` of `bounds` (those past its width are
 * skipped); past its `]` and the number of cells, or undefined.
 */
function readRow(
  data: Buffer,
  at: number,
  bounds: Bounds,
  r: number,
): [number, number] | undefined {
  if (data[at] !== OPEN_ARRAY) return undefined;
  let i = at + 1;
  if (data[i] === CLOSE_ARRAY) return [i + 1, 0];
  const base = r * bounds.width;
  for (let count = 1; ; count++) {
    const end = endOfValue(data, i);
    if (end < 0) return undefined;
    if (count <= bounds.width) {
      bounds.starts[base + count - 1] = i;
      bounds.ends[base + count - 1] = end;
    }
    if (data[end] === CLOSE_ARRAY) return [end + 1, count];
    if (data[end] !== COMMA) return undefined;
    i = end + 1;
  }
}

function copyInto(target: Buffer, at: number, source: Buffer, from: number, to: number): number {
  if (to - from < SHORT_COPY) {
    for (let i = from; i < to; i++) target[at++] = source[i]!;
    return at;
  }
  target.set(source.subarray(from, to), at);
  return at + to - from;
}

/**
 * The rows of `page` (the JSON text of `count` row arrays) as one buffer holding each row's keyed
 * object text, and where each ends. Undefined when the text is not the stored form (the caller
 * then parses it instead).
 */
export function keyedRows(
  page: Buffer,
  count: number,
  layout: KeyedLayout,
): { text: Buffer; ends: Int32Array } | undefined {
  const width = layout.cellOf.reduce((max, c) => Math.max(max, c + 1), 0);
  // Every row's cell bounds first (to size the result), then the copy.
  const cells = count * width;
  // Scratch kept between pages (this runs synchronously): 850 KB a page of 1,000 × 106 not
  // allocated and dropped each time.
  if (scratch.length < 2 * cells + count) scratch = new Int32Array(2 * cells + count);
  const bounds: Bounds = {
    starts: scratch.subarray(0, cells),
    ends: scratch.subarray(cells, 2 * cells),
    width,
  };
  const { starts, ends } = bounds;
  const present = scratch.subarray(2 * cells, 2 * cells + count);
  let prefixBytes = 0;
  for (const prefix of layout.prefixes) prefixBytes += prefix.length;
  let size = 0;
  if (page[0] !== OPEN_ARRAY) return undefined;
  let at = 1;
  for (let r = 0; r < count; r++) {
    if (r > 0) {
      if (page[at] !== COMMA) return undefined;
      at++;
    }
    const read = readRow(page, at, bounds, r);
    if (!read) return undefined;
    at = read[0];
    const n = Math.min(read[1], width);
    present[r] = n;
    size += prefixBytes + 1;
    for (let k = 0; k < layout.cellOf.length; k++) {
      const c = layout.cellOf[k]!;
      size += c < n ? ends[r * width + c]! - starts[r * width + c]! : NULL.length;
    }
  }
  if (page[at] !== CLOSE_ARRAY || at + 1 !== page.length) return undefined;
  // An empty row list: `{}` has no key to open it.
  const empty = layout.prefixes.length === 0;
  if (empty) size += count;
  const text = Buffer.allocUnsafe(size);
  const rowEnds = new Int32Array(count);
  let o = 0;
  for (let r = 0; r < count; r++) {
    if (empty) text[o++] = OPEN_OBJECT;
    for (let k = 0; k < layout.prefixes.length; k++) {
      const prefix = layout.prefixes[k]!;
      o = copyInto(text, o, prefix, 0, prefix.length);
      const c = layout.cellOf[k]!;
      if (c < present[r]!)
        o = copyInto(text, o, page, starts[r * width + c]!, ends[r * width + c]!);
      else o = copyInto(text, o, NULL, 0, NULL.length);
    }
    text[o++] = CLOSE_OBJECT;
    rowEnds[r] = o;
  }
  return { text, ends: rowEnds };
}

/** Each column list's layout, made once (a job's `columns` is one array for its life). */
const layouts = new WeakMap<readonly string[], KeyedLayout | undefined>();

function layoutOf(columns: readonly string[]): KeyedLayout | undefined {
  if (!layouts.has(columns)) layouts.set(columns, keyedLayout(columns));
  return layouts.get(columns);
}

/**
 * Each of the `count` rows of `page` as the JSON text of its keyed object: views of one buffer
 * made from the stored text, or (headers or text `keyedRows` does not take) the rows parsed,
 * built and serialised one by one.
 */
export function keyedRowTexts(page: Buffer, count: number, columns: readonly string[]): Buffer[] {
  const layout = layoutOf(columns);
  const keyed = layout && keyedRows(page, count, layout);
  if (keyed) {
    const rows = new Array<Buffer>(count);
    for (let i = 0; i < count; i++) {
      rows[i] = keyed.text.subarray(i === 0 ? 0 : keyed.ends[i - 1], keyed.ends[i]);
    }
    return rows;
  }
  const values = JSON.parse(page.toString('utf8')) as unknown[][];
  if (values.length !== count) throw new Error('Row store page is not the rows asked for');
  return values.map((cells) => Buffer.from(JSON.stringify(rowObject(columns, cells))));
}
