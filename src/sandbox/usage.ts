/**
 * Daily usage (§10.11): `GET /rest/v1/stats/usage.json` (today, US Central) and
 * `/usage/last7days.json`, from the same counters that enforce the daily quota.
 */
import { ok } from './envelope.js';
import type { Limits } from './limits.js';
import type { Route } from './types.js';

export interface UsageRoutesDeps {
  limits: Limits;
}

type Day = { date: string; total: number; users: Map<string, number> };

const present = (d: Day) => ({
  date: d.date,
  total: d.total,
  users: [...d.users]
    .filter(([, count]) => count > 0)
    .map(([clientId, count]) => ({ userId: `${clientId}@sandbox.example.com`, count })),
});

export function createUsageRoutes({ limits }: UsageRoutesDeps): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/rest/v1/stats/usage.json',
      handle: () => ok([present(limits.usage())]),
    },
    {
      method: 'GET',
      pattern: '/rest/v1/stats/usage/last7days.json',
      handle: () => ok(limits.history().slice(0, 7).map(present)),
    },
  ];
}
