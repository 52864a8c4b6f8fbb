/**
 * Marketo value rules per field `dataType`, applied to upsert rows before anything is sent, and
 * the read-side coercions that turn Marketo's loosely typed values into GraphQL values.
 */
import type { FieldDescription } from './marketo/api.js';

const EMAIL = /^[\x21-\x7e]+@[\x21-\x3f\x41-\x7e]+\.[\x21-\x3f\x41-\x7e]+$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Why `value` does not fit `field`, or undefined when it does. `null` / `""` clear a field. */
export function valueProblem(field: FieldDescription, value: unknown): string | undefined {
  if (value === null || value === '') return undefined;
  switch (field.dataType) {
    case 'email':
      if (
        typeof value !== 'string' ||
        !EMAIL.test(value) ||
        value.includes('@', value.indexOf('@') + 1)
      ) {
        return 'not an email address';
      }
      return lengthProblem(field, value);
    case 'integer':
    case 'score':
    case 'percent':
      if (
        typeof value === 'number'
          ? Number.isInteger(value)
          : typeof value === 'string' && INTEGER.test(value)
      ) {
        return undefined;
      }
      return 'not an integer';
    case 'float':
    case 'currency':
      if (
        typeof value === 'number'
          ? Number.isFinite(value)
          : typeof value === 'string' && DECIMAL.test(value)
      ) {
        return undefined;
      }
      return 'not a number';
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false') return undefined;
      return 'not a boolean';
    case 'date':
      if (typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))) {
        return undefined;
      }
      return 'not a date (YYYY-MM-DD)';
    case 'datetime':
      if (typeof value === 'string' && DATETIME.test(value) && parseMarketoDateTime(value)) {
        return undefined;
      }
      return 'not an ISO-8601 date-time';
    default:
      // string, text, phone, url, reference and types we do not know: text-like.
      if (typeof value === 'string') return lengthProblem(field, value);
      if (typeof value === 'number' || typeof value === 'boolean') return undefined;
      return 'not a text value';
  }
}

function lengthProblem(field: FieldDescription, value: string): string | undefined {
  if (field.length !== undefined && field.length > 0 && value.length > field.length) {
    return `longer than ${field.length} characters`;
  }
  return undefined;
}

/** Marketo writes `…Z`, `…+0000` and (old) `YYYY-MM-DD hh:mm:ss`; all become a Date. */
export function parseMarketoDateTime(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || value === '') return null;
  let text = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  text = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z';
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function toInt(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.trunc(value);
  if (typeof value === 'string' && INTEGER.test(value.trim())) return Number.parseInt(value, 10);
  return null;
}

export function toFloat(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number.parseFloat(value);
  return null;
}

export function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1 || value === '1') return true;
  if (value === 'false' || value === 0 || value === '0') return false;
  return null;
}

export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function toDateOnly(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const date = value.slice(0, 10);
  return DATE.test(date) ? date : null;
}
