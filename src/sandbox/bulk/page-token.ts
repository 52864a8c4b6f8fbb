/** Opaque paging tokens shaped like Marketo's (base32, `[A-Z2-7]+=*`) carrying an offset. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PREFIX = 'bulk-jobs:';

export function encodePageToken(offset: number): string {
  const bytes = Buffer.from(`${PREFIX}${offset}`);
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) {
    out += ALPHABET[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  }
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

/** The offset in a token we issued, or undefined for anything else. */
export function decodePageToken(token: string): number | undefined {
  const body = token.replace(/=+$/, '');
  let bits = '';
  for (const char of body) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8)
    bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  const text = Buffer.from(bytes).toString();
  if (!text.startsWith(PREFIX)) return undefined;
  const offset = Number(text.slice(PREFIX.length));
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
}
