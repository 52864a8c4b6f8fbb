/**
 * Per-dataType validation and coercion of written values (§5.3, §10.4), shared by Sync Leads and
 * bulk import (through store.syncLead). Stored values are canonical wire values: strings, numbers,
 * booleans, `YYYY-MM-DD` dates and `YYYY-MM-DDTHH:MM:SSZ` datetimes; `null` means empty.
 */
import type { FieldDef } from './types.js';

export type Coerced = { ok: true; value: unknown } | { ok: false };

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TEXT_MAX_BYTES = 30_000;

const ok = (value: unknown): Coerced => ({ ok: true, value });
const bad: Coerced = { ok: false };

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Parses any ISO-8601 datetime Marketo accepts into epoch ms (no zone = UTC), else undefined. */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  if (!validDate(Number(y), Number(mo), Number(d))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  ms += Number(`0.${frac || '0'}`) * 1000;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Lead DB wire form of a datetime: UTC, second precision, `Z`. */
export function formatDateTime(ms: number): string {
  // Integer civil-from-days (H. Hinnant) instead of Date#toISOString: seeded data formats millions.
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86_400);
  let rest = secs - days * 86_400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const mi = Math.floor(rest / 60);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1000 || y > 9999) return `${new Date(secs * 1000).toISOString().slice(0, 19)}Z`;
  return `${y}-${TWO[m]}-${TWO[d]}T${TWO[h]}:${TWO[mi]}:${TWO[rest - mi * 60]}Z`;
}

function asNumber(value: unknown, integer: boolean): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    return integer && !Number.isInteger(value) ? undefined : value;
  }
  if (typeof value === 'string') {
    const t = value.trim();
    if (!(integer ? INTEGER : NUMBER).test(t)) return undefined;
    return Number(t);
  }
  return undefined;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Validates and converts `value` for `field`; `null`/`""` clear the field (booleans to false). */
export function coerceValue(field: FieldDef, value: unknown): Coerced {
  if (value === null || value === '') return ok(field.dataType === 'boolean' ? false : null);
  switch (field.dataType) {
    case 'integer':
    case 'score': {
      const n = asNumber(value, true);
      return n === undefined || !Number.isSafeInteger(n) ? bad : ok(n);
    }
    case 'float':
    case 'currency':
    case 'percent': {
      const n = asNumber(value, false);
      return n === undefined ? bad : ok(n);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return ok(value);
      if (value === 1 || value === 0) return ok(value === 1);
      if (typeof value === 'string') {
        const t = value.trim().toLowerCase();
        if (t === 'true' || t === '1') return ok(true);
        if (t === 'false' || t === '0') return ok(false);
      }
      return bad;
    }
    case 'date': {
      if (typeof value !== 'string') return bad;
      const m = DATE.exec(value.trim());
      return m && validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? ok(value.trim()) : bad;
    }
    case 'datetime': {
      if (typeof value !== 'string') return bad;
      const ms = parseDateTime(value);
      return ms === undefined ? bad : ok(formatDateTime(ms));
    }
    case 'email': {
      if (typeof value !== 'string') return bad;
      const t = value.trim();
      return EMAIL.test(t) && t.length <= (field.length ?? 255) ? ok(t) : bad;
    }
    case 'text': {
      const t = asText(value);
      return t === undefined || Buffer.byteLength(t) > TEXT_MAX_BYTES ? bad : ok(t);
    }
    case 'formula':
      return bad;
    case 'reference': {
      // Lookups (partition, program, revenue model …) are integer ids.
      const n = asNumber(value, true);
      return n === undefined || !Number.isSafeInteger(n) || n < 0 ? bad : ok(n);
    }
    default: {
      // string, phone, url: over-length values are rejected, never truncated.
      const t = asText(value);
      return t === undefined || t.length > (field.length ?? 255) ? bad : ok(t);
    }
  }
}

/** How a rejected value is quoted in `Invalid value for field '<f>' and value '<v>'`. */
export function displayValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Canonical string key of a stored value, for equality lookups on searchable fields. */
export function lookupKey(field: FieldDef, value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (field.dataType === 'email') return String(value).toLowerCase();
  return String(value);
}

/** The key a filter value (from a query string) is compared with; undefined if it can't match. */
export function filterKey(field: FieldDef, text: string): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (field.dataType === 'email') return t.toLowerCase();
  if (field.dataType === 'integer' || field.dataType === 'reference' || field.name === 'id') {
    return INTEGER.test(t) ? String(Number(t)) : undefined;
  }
  return text;
}
