import { describe, expect, it } from 'vitest';
import { centralDay } from '../../src/marketo/central-time.js';

describe('the US Central quota day, asked for on every call', () => {
  it('changes at Central midnight, in whatever order instants are asked about', () => {
    const asked = [
      '2026-11-24T05:59:59.999Z',
      '2026-11-24T06:00:00.000Z',
      '2026-11-23T12:00:00.000Z',
      '2026-11-24T06:00:00.001Z',
      // Daylight saving time: midnight is 05:00 UTC in summer.
      '2026-07-01T04:59:59.999Z',
      '2026-07-01T05:00:00.000Z',
      '2026-07-01T04:00:00.000Z',
    ].map((iso) => centralDay(Date.parse(iso)));
    expect(asked).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-23',
      '2026-11-24',
      '2026-06-30',
      '2026-07-01',
      '2026-06-30',
    ]);
  });
});
