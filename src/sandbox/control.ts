/**
 * The control plane under `/__sandbox/` (no auth, no limits, never counted): stats, reset, fault
 * injection, uncounted reads of leads and campaign runs for tests, token expiry, holding the
 * export queue.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from './clock.js';
import { writeJson } from './envelope.js';
import { FaultInputError, type Faults } from './faults.js';
import type { Tokens } from './identity.js';
import type { Limits } from './limits.js';
import { readBody, splitUrl } from './request.js';
import type { Stats } from './stats.js';
import type { Store } from './store.js';
import { formatDateTime } from './values.js';

export interface ControlDeps {
  store: Store;
  stats: Stats;
  faults: Faults;
  limits: Limits;
  tokens: Tokens;
  clock: Clock;
  /** Holds the bulk export queue (queued jobs stay queued) or lets it go on. */
  holdExports: (on: boolean) => void;
  info: () => Record<string, unknown>;
}

export function createControl(deps: ControlDeps) {
  const { store, stats, faults, limits, clock } = deps;

  const snapshot = () =>
    stats.snapshot({
      leads: { ...store.counters },
      callsInWindow: limits.windowCount(),
      inFlight: limits.inFlight,
      quota: {
        used: limits.usage().total,
        limit: limits.settings.dailyQuota,
        resetsAt: formatDateTime(limits.quotaResetsAt()),
      },
      now: formatDateTime(clock.now()),
    });

  const runs = (campaignId?: number) => ({
    triggers: store.triggers.filter((r) => campaignId === undefined || r.campaignId === campaignId),
    schedules: store.schedules.filter(
      (r) => campaignId === undefined || r.campaignId === campaignId,
    ),
  });

  return async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, search } = splitUrl(req.url ?? '/');
    const query = new URLSearchParams(search);
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown) => writeJson(res, status, body);
    const body = await readBody(req, 1024 * 1024);
    if (body === 'too-large') return send(413, { error: 'body too large' });

    if (method === 'GET' && path === '/__sandbox/stats') return send(200, snapshot());
    if (method === 'GET' && path === '/__sandbox/info') return send(200, deps.info());
    if (method === 'POST' && path === '/__sandbox/reset') {
      stats.reset();
      faults.clear();
      faults.clearFired();
      limits.reset();
      store.resetCounters();
      if (query.get('data') === 'true') store.reseed();
      return send(200, { reset: true, data: query.get('data') === 'true' });
    }
    if (method === 'GET' && path === '/__sandbox/faults/fired') {
      const fired = faults.fired();
      return send(200, { total: fired.length, fired });
    }
    if (path === '/__sandbox/faults') {
      if (method === 'GET') return send(200, { faults: faults.list() });
      if (method === 'DELETE') {
        faults.clear();
        return send(200, { faults: [] });
      }
      if (method === 'POST') {
        try {
          const added = faults.add(JSON.parse(body.toString('utf8') || '{}'));
          return send(200, { added, faults: faults.list() });
        } catch (error) {
          const message = error instanceof FaultInputError ? error.message : 'body must be JSON';
          return send(400, { error: message });
        }
      }
    }
    if (method === 'POST' && path === '/__sandbox/exports/hold') {
      const held = query.get('held') !== 'false';
      deps.holdExports(held);
      return send(200, { held });
    }
    if (method === 'POST' && path === '/__sandbox/tokens/expire') {
      deps.tokens.expireAll();
      return send(200, { expired: true });
    }
    if (method === 'GET' && path === '/__sandbox/leads') {
      const ids = query
        .getAll('id')
        .flatMap((v) => v.split(','))
        .map(Number);
      const emails = query.getAll('email').flatMap((v) => v.split(','));
      const emailField = store.field('email');
      const found = new Set(ids);
      if (emailField) {
        for (const e of emails)
          for (const id of store.leadIdsBy(emailField, e.trim().toLowerCase())) found.add(id);
      }
      const leads = [...found]
        .sort((a, b) => a - b)
        .flatMap((id) => {
          const row = store.lead(id);
          return row ? [row] : [];
        });
      return send(200, { leads });
    }
    const listMembers = /^\/__sandbox\/lists\/(\d+)\/members$/.exec(path);
    if (method === 'GET' && listMembers) {
      const listId = Number(listMembers[1]);
      if (!store.list(listId)) return send(404, { error: `list ${listId} not found` });
      return send(200, { listId, leadIds: store.listMembersSorted(listId) });
    }
    if (method === 'GET' && path === '/__sandbox/campaigns/runs') return send(200, runs());
    const campaignRuns = /^\/__sandbox\/campaigns\/(\d+)\/runs$/.exec(path);
    if (method === 'GET' && campaignRuns) return send(200, runs(Number(campaignRuns[1])));
    return send(404, { error: `unknown control route ${method} ${path}` });
  };
}
