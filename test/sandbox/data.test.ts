import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/sandbox/clock.js';
import { Store } from '../../src/sandbox/store.js';

const clock = createClock();
const epoch = Date.UTC(2026, 10, 1);
const store = (seed: number, leadCount: number) => new Store({ seed, leadCount, clock, epoch });

describe('seeded data: deterministic', () => {
  it('the same seed gives the same leads, lists and campaigns; another seed differs', () => {
    const a = store(7, 1000);
    const b = store(7, 1000);
    const c = store(8, 1000);
    expect(a.lead(123)).toEqual(b.lead(123));
    expect([...a.leads()].slice(0, 50)).toEqual([...b.leads()].slice(0, 50));
    expect(a.allLists()).toEqual(b.allLists());
    expect(a.lead(123)).not.toEqual(c.lead(123));
  });

  it('has 31 lists (some in programs, one of every lead), ~10 campaigns (batch/trigger, some inactive), smart lists', () => {
    const s = store(1, 1000);
    expect(s.allLists()).toHaveLength(31);
    expect(s.allLists().some((l) => l.programName)).toBe(true);
    expect(s.campaigns()).toHaveLength(10);
    expect(s.campaigns().some((c) => c.type === 'trigger' && !c.active)).toBe(true);
    expect(s.smartListMemberIds({ name: 'All People' })?.size).toBe(1000);
    expect(s.smartListMemberIds({ id: 9 })).toBeUndefined();
  });
});

describe('seeded data: values that break naive CSV/JSON handling', () => {
  const rows = [...store(1, 2000).leads()];
  const values = rows
    .flatMap((r) => Object.values(r))
    .filter((v): v is string => typeof v === 'string');

  it.each([
    ['commas', /,/],
    ['double quotes', /"/],
    ['CR/LF', /\r\n/],
    ['bare LF', /[^\r]\n/],
    ['U+2028', /\u2028/],
    ['accents', /[éëüøñ]/],
    ['CJK', /[\u4e00-\u9fff]/],
    ['tabs', /\t/],
    ['semicolons', /;/],
  ])('includes %s', (_, pattern) => {
    expect(values.some((v) => pattern.test(v))).toBe(true);
  });

  it('includes empty values and duplicate emails', () => {
    expect(rows.some((r) => r.lastName === undefined)).toBe(true);
    const emails = rows.map((r) => String(r.email).toLowerCase());
    expect(new Set(emails).size).toBeLessThan(emails.length);
  });

  it('datetimes are UTC to the second; createdAt grows with id', () => {
    expect(
      rows.every((r) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(String(r.createdAt))),
    ).toBe(true);
    const created = rows.map((r) => Date.parse(String(r.createdAt)));
    expect(created.every((t, i) => i === 0 || t >= (created[i - 1] ?? 0))).toBe(true);
    expect(Math.max(...created)).toBeLessThanOrEqual(epoch);
  });
});

describe('seeded data: scale', () => {
  it('serves 2 000 000 leads lazily: any id, lookups by email, without materializing', () => {
    const big = store(3, 2_000_000);
    const last = big.lead(2_000_000);
    expect(last?.id).toBe(2_000_000);
    const email = String(big.lead(1_500_001)?.email);
    const field = big.field('email');
    expect(field && big.leadIdsBy(field, email.toLowerCase())).toContain(1_500_001);
    const iterator = big.leads()[Symbol.iterator]();
    expect(iterator.next().value?.id).toBe(1);
    expect(big.lead(2_000_001)).toBeUndefined();
  });

  it('activities come in ascending date order, for leads that existed then', () => {
    const s = store(1, 5000);
    let previous = '';
    let count = 0;
    for (const a of s.activities()) {
      expect(a.activityDate >= previous).toBe(true);
      previous = a.activityDate;
      const lead = s.lead(a.leadId);
      expect(lead && String(lead.createdAt) <= a.activityDate).toBe(true);
      count++;
    }
    expect(count).toBeGreaterThan(5000);
  });

  it('API changes show up in leads(), activities() and list membership', () => {
    const s = store(1, 100);
    const created = s.syncLead(
      { email: 'z@example.com' },
      { action: 'createOnly', lookupField: 'email' },
    );
    expect(created).toEqual({ id: 101, status: 'created' });
    s.addToList(1001, 101);
    expect(s.listMemberIds(1001).has(101)).toBe(true);
    expect([...s.leads()].at(-1)?.id).toBe(101);
    const last = [...s.activities()].at(-1);
    expect(last).toMatchObject({ leadId: 101, activityTypeId: 24, primaryAttributeValueId: 1001 });
    expect(s.deleteLead(101)).toBe(true);
    expect(s.listMemberIds(1001).has(101)).toBe(false);
    expect([...s.leads()].at(-1)?.id).toBe(100);
  });
});
