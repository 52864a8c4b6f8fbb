/** HTTP `Range: bytes=…` for bulk file downloads (single ranges only, as Marketo documents). */

export type RangeRequest =
  { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` against a file of `size` bytes. A header we cannot parse
 * (or a multi-range) is ignored, as RFC 9110 allows, and the whole file is served.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = header ? /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header) : null;
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'none' };
  const [, first = '', last = ''] = match;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}
