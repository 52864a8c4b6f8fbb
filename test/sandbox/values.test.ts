import { describe, expect, it } from 'vitest';
import type { DataType, FieldDef } from '../../src/sandbox/types.js';
import { coerceValue, formatDateTime, parseDateTime } from '../../src/sandbox/values.js';

const field = (dataType: DataType, length?: number): FieldDef => ({
  id: 1,
  name: 'f',
  displayName: 'f',
  dataType,
  ...(length !== undefined && { length }),
  readOnly: false,
  searchable: false,
});

describe('values: what each dataType accepts on write (§5.3, §10.4)', () => {
  it.each<[DataType, unknown, unknown]>([
    ['integer', 42, 42],
    ['integer', '42', 42],
    ['score', -3, -3],
    ['float', 14.5, 14.5],
    ['float', '14.5', 14.5],
    ['currency', '1e3', 1000],
    ['percent', 55, 55],
    ['boolean', true, true],
    ['boolean', 'false', false],
    ['boolean', 1, true],
    ['boolean', null, false],
    ['date', '2021-02-28', '2021-02-28'],
    ['datetime', '2020-08-30T05:49:48.000Z', '2020-08-30T05:49:48Z'],
    ['datetime', '2018-03-28T18:05:00+0000', '2018-03-28T18:05:00Z'],
    ['datetime', '2018-03-28T18:05:00-05:00', '2018-03-28T23:05:00Z'],
    ['datetime', '2018-03-28', '2018-03-28T00:00:00Z'],
    ['email', 'a.b+c@example.co.uk', 'a.b+c@example.co.uk'],
    ['string', 'Zoë, "quoted"\r\n', 'Zoë, "quoted"\r\n'],
    ['string', 12, '12'],
    ['text', 'x'.repeat(30_000), 'x'.repeat(30_000)],
    ['string', '', null],
    ['integer', null, null],
  ])('%s accepts %j as %j', (type, input, stored) => {
    expect(coerceValue(field(type, type === 'string' ? 255 : undefined), input)).toEqual({
      ok: true,
      value: stored,
    });
  });

  it.each<[DataType, unknown]>([
    ['integer', 14.1],
    ['integer', '14c'],
    ['float', '14c'],
    ['percent', '100%'],
    ['boolean', 'other'],
    ['boolean', 2],
    ['date', '2021-02-30'],
    ['date', '02/03/2021'],
    ['datetime', 'yesterday'],
    ['datetime', '2021-02-03T25:00:00Z'],
    ['email', 'bademail'],
    ['email', 'josé@example.com'],
    ['string', 'x'.repeat(256)],
    ['text', 'é'.repeat(15_001)],
    ['string', { a: 1 }],
    ['formula', 'x'],
  ])('%s rejects %j', (type, input) => {
    expect(coerceValue(field(type, type === 'string' ? 255 : undefined), input)).toEqual({
      ok: false,
    });
  });
});

describe('values: datetimes on the wire', () => {
  it('formats UTC to the second with Z, exactly like Date#toISOString', () => {
    for (let i = 0; i < 10_000; i++) {
      const ms = Math.floor((i * 7_919_993_377) % 4e12) - 1e12;
      expect(formatDateTime(ms)).toBe(
        `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`,
      );
    }
  });

  it('parses ISO-8601 with Z, ±hh:mm or ±hhmm, with or without milliseconds', () => {
    expect(parseDateTime('2014-09-17T22:31:49+0000')).toBe(Date.UTC(2014, 8, 17, 22, 31, 49));
    expect(parseDateTime('2014-09-17T22:31:49.123Z')).toBe(Date.UTC(2014, 8, 17, 22, 31, 49, 123));
    expect(parseDateTime('2014-09-17 12:43:04')).toBe(Date.UTC(2014, 8, 17, 12, 43, 4));
    expect(parseDateTime('not a date')).toBeUndefined();
  });
});
