/**
 * Fault injection (`POST /__sandbox/faults`): Marketo error codes, HTTP 5xx, dropped connections and
 * added latency, for the next N matching calls or at a rate. Errors Marketo raises before doing the
 * work (600/601/602/606/607/615) are always answered before it; 604, 5xx and drops can be asked
 * `before` or `after` the work is applied, so clients can meet an unknown outcome.
 */
export type FaultAction =
  | { kind: 'error'; code: string; message?: string }
  | { kind: 'http'; status: number }
  | { kind: 'drop' };

export interface FaultRule {
  id: number;
  action?: FaultAction;
  /** Added real milliseconds before the call is handled. */
  latencyMs?: number;
  when: 'before' | 'after';
  /** Endpoint keys (`POST /rest/v1/leads.json`), paths (any method) or prefixes ending in `*`. */
  endpoints?: string[];
  /** Calls left (for `next`); undefined with `rate`. */
  remaining?: number;
  rate?: number;
  fired: number;
}

export interface PickedFault {
  latencyMs: number;
  action?: FaultAction;
  when: 'before' | 'after';
}

/** One call a fault hit (`GET /__sandbox/faults/fired`): what the caller met, and when. */
export interface FiredFault {
  /** 1, 2, … in the order calls were hit. */
  seq: number;
  /** The rule that decided the outcome (the last latency rule for a latency-only hit). */
  rule: number;
  /** Stats key of the call, `POST /rest/v1/leads.json`. */
  endpoint: string;
  kind: 'error' | 'http' | 'drop' | 'latency';
  code?: string;
  status?: number;
  /** Whether the work was applied before the outcome (`after`) or not at all (`before`). */
  when: 'before' | 'after';
  latencyMs: number;
  /** Real time, epoch ms. */
  at: number;
}

export interface Faults {
  add(input: unknown): FaultRule[];
  pick(endpointKey: string, identity: boolean): PickedFault;
  list(): FaultRule[];
  /** Removes every rule; the record of fired faults stays (until `clearFired`). */
  clear(): void;
  /** Every call a fault hit since the last reset (the latest 100 000). */
  fired(): FiredFault[];
  clearFired(): void;
}

/** Fired faults kept for `GET /__sandbox/faults/fired`. */
const FIRED_MAX = 100_000;

export class FaultInputError extends Error {}

const BEFORE_ONLY = new Set(['600', '601', '602', '606', '607', '615']);

function matches(rule: FaultRule, key: string, identity: boolean): boolean {
  if (!rule.endpoints) return !identity;
  const path = key.slice(key.indexOf(' ') + 1);
  return rule.endpoints.some((p) => {
    if (p.endsWith('*')) return key.startsWith(p.slice(0, -1)) || path.startsWith(p.slice(0, -1));
    return p === key || p === path;
  });
}

function parseRule(input: unknown, id: number): FaultRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultInputError('each fault must be a JSON object');
  }
  const o = input as Record<string, unknown>;
  const kinds = ['error', 'http', 'drop', 'latencyMs'].filter((k) => o[k] !== undefined);
  if (kinds.length === 0)
    throw new FaultInputError('a fault needs one of error, http, drop, latencyMs');
  let action: FaultAction | undefined;
  if (o.error !== undefined) {
    const code = String(o.error);
    if (!/^\d{3,4}$/.test(code))
      throw new FaultInputError(`error must be a Marketo code, got ${code}`);
    action = { kind: 'error', code, ...(typeof o.message === 'string' && { message: o.message }) };
  } else if (o.http !== undefined) {
    const status = Number(o.http);
    if (!Number.isInteger(status) || status < 500 || status > 599) {
      throw new FaultInputError(`http must be a 5xx status, got ${String(o.http)}`);
    }
    action = { kind: 'http', status };
  } else if (o.drop !== undefined && o.drop !== false) {
    action = { kind: 'drop' };
  }
  if (action && kinds.length > (o.latencyMs !== undefined ? 2 : 1)) {
    throw new FaultInputError('a fault takes only one of error, http, drop');
  }
  const latencyMs = o.latencyMs === undefined ? undefined : Number(o.latencyMs);
  if (latencyMs !== undefined && !(latencyMs >= 0))
    throw new FaultInputError('latencyMs must be ≥ 0');
  const when = o.when ?? 'before';
  if (when !== 'before' && when !== 'after')
    throw new FaultInputError("when must be 'before' or 'after'");
  if (when === 'after' && action?.kind === 'error' && action.code !== '604') {
    throw new FaultInputError(`error ${action.code} can only happen before the work`);
  }
  if (action?.kind === 'error' && BEFORE_ONLY.has(action.code) && when !== 'before') {
    throw new FaultInputError(`error ${action.code} can only happen before the work`);
  }
  const rate = o.rate === undefined ? undefined : Number(o.rate);
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw new FaultInputError('rate must be within 0..1');
  const next = o.next ?? o.count;
  const remaining = rate !== undefined && next === undefined ? undefined : Number(next ?? 1);
  if (remaining !== undefined && !(Number.isInteger(remaining) && remaining >= 1)) {
    throw new FaultInputError('next must be a positive integer');
  }
  const endpoint = o.endpoint ?? o.endpoints;
  const endpoints =
    endpoint === undefined
      ? undefined
      : (Array.isArray(endpoint) ? endpoint : [endpoint]).map(String);
  return {
    id,
    ...(action && { action }),
    ...(latencyMs !== undefined && { latencyMs }),
    when,
    ...(endpoints && { endpoints }),
    ...(remaining !== undefined && { remaining }),
    ...(rate !== undefined && { rate }),
    fired: 0,
  };
}

/** `makeRandom` gives the draws for `rate` faults; seeded, so a run is reproducible from a reset. */
export function createFaults(makeRandom: () => () => number = () => Math.random): Faults {
  let rules: FaultRule[] = [];
  let random = makeRandom();
  let nextId = 1;
  let fired: FiredFault[] = [];
  let seq = 0;
  return {
    add(input) {
      const items = Array.isArray(input)
        ? input
        : typeof input === 'object' &&
            input !== null &&
            Array.isArray((input as { faults?: unknown }).faults)
          ? (input as { faults: unknown[] }).faults
          : [input];
      const parsed = items.map((item) => parseRule(item, nextId++));
      rules.push(...parsed);
      return parsed;
    },
    pick(key, identity) {
      const picked: PickedFault = { latencyMs: 0, when: 'before' };
      let decidedBy: number | undefined;
      for (const rule of rules) {
        if (!matches(rule, key, identity)) continue;
        if (rule.action && picked.action) continue; // one outcome per call; latency still adds up
        if (rule.rate !== undefined && random() >= rule.rate) continue;
        if (rule.remaining !== undefined) rule.remaining--;
        rule.fired++;
        picked.latencyMs += rule.latencyMs ?? 0;
        if (rule.action) {
          picked.action = rule.action;
          picked.when = rule.when;
          decidedBy = rule.id;
        } else decidedBy ??= rule.id;
      }
      rules = rules.filter((r) => r.remaining === undefined || r.remaining > 0);
      if (decidedBy !== undefined) {
        const action = picked.action;
        fired.push({
          seq: ++seq,
          rule: decidedBy,
          endpoint: key,
          kind: action?.kind ?? 'latency',
          ...(action?.kind === 'error' && { code: action.code }),
          ...(action?.kind === 'http' && { status: action.status }),
          when: picked.when,
          latencyMs: picked.latencyMs,
          at: Date.now(),
        });
        if (fired.length > FIRED_MAX) fired = fired.slice(-FIRED_MAX);
      }
      return picked;
    },
    list: () => rules.map((r) => ({ ...r })),
    clear() {
      rules = [];
      random = makeRandom();
    },
    fired: () => [...fired],
    clearFired() {
      fired = [];
      seq = 0;
    },
  };
}
