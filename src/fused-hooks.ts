/**
 * The gateway's plugins' `onRequest`, `onRequestParse`, `onExecute` and `onResponse` hooks run as
 * one hook each.
 * Yoga and envelop run each plugin's hook as a step of their promise-helper pipeline (a payload,
 * closures and a maybe-promise per step and request): a dozen of ours per `lead(id)` cost more
 * in that machinery than in what they do. The hooks run in the plugins' order on yoga's payload
 * (made per call, so its setters can be wrapped in place) with the same semantics: a replaced response or execute function is what the next hook sees, and an
 * `endResponse` or `setResultAndStopExecution` skips the hooks after it, as yoga's loops do.
 */
import type { Plugin } from 'graphql-yoga';

type OnRequest = NonNullable<Plugin['onRequest']>;
type OnResponse = NonNullable<Plugin['onResponse']>;
type OnRequestParse = NonNullable<Plugin['onRequestParse']>;
type RequestParseDone = NonNullable<
  Exclude<Awaited<ReturnType<OnRequestParse>>, void | undefined>['onRequestParseDone']
>;
type OnExecute = NonNullable<Plugin['onExecute']>;
type ExecuteDone = NonNullable<Extract<ReturnType<OnExecute>, { onExecuteDone?: unknown }>>;
type OnExecuteDone = NonNullable<ExecuteDone['onExecuteDone']>;
type DonePayload = Parameters<OnExecuteDone>[0];
type StreamHandlers = Exclude<Awaited<ReturnType<OnExecuteDone>>, void | undefined>;
type OnNext = NonNullable<StreamHandlers['onNext']>;
type OnEnd = NonNullable<StreamHandlers['onEnd']>;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** One fused call: whether a hook ended it, and what the hooks returned. */
interface Run {
  stopped: boolean;
  outs: unknown[] | undefined;
}

/**
 * Calls the hooks in turn on one payload (yoga's, its setters wrapped so the next hook sees what
 * the previous one set) until one stops the run; a promise from a hook is waited for before the
 * next (none of the gateway's hooks on a `lead(id)` returns one).
 */
function runHooks<P>(
  hooks: readonly ((payload: P) => unknown)[],
  payload: P,
  run: Run,
  start = 0,
): void | Promise<void> {
  for (let i = start; i < hooks.length && !run.stopped; i++) {
    const out = hooks[i]!(payload);
    if (isPromiseLike(out)) {
      return Promise.resolve(out).then((value) => {
        if (value) (run.outs ??= []).push(value);
        return runHooks(hooks, payload, run, i + 1);
      });
    }
    if (out) (run.outs ??= []).push(out);
  }
  return undefined;
}

/** `then` for a value that may be a promise. */
function afterRun<T>(ran: void | Promise<void>, next: () => T): T | Promise<T> {
  return isPromiseLike(ran) ? ran.then(next) : next();
}

/**
 * Wraps the payload's setter so that its field follows each value set (yoga's setters change its
 * own state, not the payload the next fused hook reads).
 */
function follow<P, S extends keyof P, F extends keyof P>(payload: P, setter: S, field: F): void {
  const set = payload[setter] as (value: P[F]) => void;
  (payload as Record<S, unknown>)[setter] = (value: P[F]) => {
    payload[field] = value;
    set(value);
  };
}

/** The `key` hooks among what the fused hooks returned. */
function returned<H>(run: Run, key: string): H[] {
  return (run.outs ?? []).flatMap((out) => {
    const hook = (out as Record<string, H | undefined>)[key];
    return hook ? [hook] : [];
  });
}

function fuseOnRequest(hooks: OnRequest[]): OnRequest {
  return (payload) => {
    const run: Run = { stopped: false, outs: undefined };
    const { endResponse } = payload;
    follow(payload, 'setRequest', 'request');
    follow(payload, 'setRequestHandler', 'requestHandler');
    payload.endResponse = (response) => {
      if (response) run.stopped = true;
      endResponse(response);
    };
    return runHooks(hooks, payload, run);
  };
}

function fuseOnRequestParse(hooks: OnRequestParse[]): OnRequestParse {
  return (payload) => {
    const run: Run = { stopped: false, outs: undefined };
    const { endResponse } = payload;
    follow(payload, 'setRequestParser', 'requestParser');
    payload.endResponse = (response) => {
      run.stopped = true;
      endResponse(response);
    };
    return afterRun(runHooks(hooks, payload, run), () => {
      const dones = returned<RequestParseDone>(run, 'onRequestParseDone');
      if (dones.length === 0) return undefined;
      const onRequestParseDone: RequestParseDone = (done) => {
        follow(done, 'setRequestParserResult', 'requestParserResult');
        return runHooks(dones, done, { stopped: false, outs: undefined });
      };
      return { onRequestParseDone };
    });
  };
}

function fuseOnResponse(hooks: OnResponse[]): OnResponse {
  return (payload) => {
    follow(payload, 'setResponse', 'response');
    return runHooks(hooks, payload, { stopped: false, outs: undefined });
  };
}

/** One `onNext`/`onEnd` pair for a streamed result, each hook's in turn. */
function fuseStream(handlers: StreamHandlers[]): StreamHandlers {
  const nexts = handlers.flatMap((h) => (h.onNext ? [h.onNext] : []));
  const ends = handlers.flatMap((h) => (h.onEnd ? [h.onEnd] : []));
  const onNext: OnNext = (payload) => {
    follow(payload, 'setResult', 'result');
    return runHooks(nexts, payload, { stopped: false, outs: undefined });
  };
  const onEnd: OnEnd = () => {
    for (const end of ends) end();
  };
  return { ...(nexts.length > 0 && { onNext }), ...(ends.length > 0 && { onEnd }) };
}

function fuseExecuteDone(dones: OnExecuteDone[]): OnExecuteDone {
  return (payload: DonePayload) => {
    const run: Run = { stopped: false, outs: undefined };
    follow(payload, 'setResult', 'result');
    return afterRun(runHooks(dones, payload, run), () =>
      run.outs ? fuseStream(run.outs as StreamHandlers[]) : undefined,
    );
  };
}

function fuseOnExecute(hooks: OnExecute[]): OnExecute {
  return (payload) => {
    const run: Run = { stopped: false, outs: undefined };
    const { setResultAndStopExecution } = payload;
    follow(payload, 'setExecuteFn', 'executeFn');
    payload.setResultAndStopExecution = (result) => {
      run.stopped = true;
      setResultAndStopExecution(result);
    };
    return afterRun(runHooks(hooks, payload, run), () => {
      const dones = returned<OnExecuteDone>(run, 'onExecuteDone');
      return dones.length > 0 ? { onExecuteDone: fuseExecuteDone(dones) } : undefined;
    });
  };
}

/**
 * The same plugins, those four hooks taken out and run by one
 * plugin placed where the first of them was (yoga's own plugins come before all of these).
 */
export function withFusedHooks<P extends object>(plugins: P[]): P[] {
  const onRequest: OnRequest[] = [];
  const onExecute: OnExecute[] = [];
  const onResponse: OnResponse[] = [];
  const onRequestParse: OnRequestParse[] = [];
  const rest: P[] = [];
  let at = -1;
  for (const plugin of plugins) {
    // Whatever the plugin's context type, the hooks are called with yoga's payloads.
    const {
      onRequest: request,
      onExecute: execute,
      onResponse: response,
      onRequestParse: requestParse,
      ...others
    } = plugin as Plugin;
    if (request || execute || response || requestParse) {
      if (at < 0) at = rest.length;
      if (request) onRequest.push(request);
      if (execute) onExecute.push(execute);
      if (response) onResponse.push(response);
      if (requestParse) onRequestParse.push(requestParse);
    }
    // Reflect.ownKeys: a dispose hook may be keyed by a symbol.
    if (Reflect.ownKeys(others).length > 0) rest.push(others as P);
  }
  if (at < 0) return rest;
  const fused = {
    ...(onRequest.length > 0 && { onRequest: fuseOnRequest(onRequest) }),
    ...(onExecute.length > 0 && { onExecute: fuseOnExecute(onExecute) }),
    ...(onResponse.length > 0 && { onResponse: fuseOnResponse(onResponse) }),
    ...(onRequestParse.length > 0 && { onRequestParse: fuseOnRequestParse(onRequestParse) }),
  } satisfies Plugin as P;
  return [...rest.slice(0, at), fused, ...rest.slice(at)];
}
