/**
 * The gateway's plugins' `onRequest`, `onRequestParse`, `onExecute` and `onResponse` hooks run as
 * one hook each.
 * Yoga and envelop run each plugin's hook as a step of their promise-helper pipeline (a payload,
 * closures and a maybe-promise per step and request): a dozen of ours per `lead(id)` cost more
 * in that machinery than in what they do. The hooks run in the plugins' order with the same
 * payload semantics: a replaced response or execute function is what the next hook sees, and an
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

/**
 * Calls `step(0)`, `step(1)`, … until one says stop (true) or `count` is reached; a promise from a
 * step is waited for before the next (none of the gateway's hooks on a `lead(id)` returns one).
 */
function runInTurn(
  count: number,
  step: (index: number) => unknown,
  stopped: () => boolean,
): void | Promise<void> {
  const from = (start: number): void | Promise<void> => {
    for (let i = start; i < count && !stopped(); i++) {
      const out = step(i);
      if (isPromiseLike(out)) return Promise.resolve(out).then(() => from(i + 1));
    }
    return undefined;
  };
  return from(0);
}

function fuseOnRequest(hooks: OnRequest[]): OnRequest {
  return (payload) => {
    let ended = false;
    const shared: typeof payload = {
      ...payload,
      setRequest(request) {
        shared.request = request;
        payload.setRequest(request);
      },
      setRequestHandler(handler) {
        shared.requestHandler = handler;
        payload.setRequestHandler(handler);
      },
      endResponse(response) {
        if (response) ended = true;
        payload.endResponse(response);
      },
    };
    return runInTurn(
      hooks.length,
      (i) => hooks[i]!(shared),
      () => ended,
    );
  };
}

function fuseOnRequestParse(hooks: OnRequestParse[]): OnRequestParse {
  return (payload) => {
    let ended = false;
    const dones: RequestParseDone[] = [];
    const shared: typeof payload = {
      ...payload,
      setRequestParser(parser) {
        shared.requestParser = parser;
        payload.setRequestParser(parser);
      },
      endResponse(response) {
        ended = true;
        payload.endResponse(response);
      },
    };
    const collect = (out: unknown) => {
      const done = (out as { onRequestParseDone?: RequestParseDone } | undefined)
        ?.onRequestParseDone;
      if (done) dones.push(done);
    };
    const ran = runInTurn(
      hooks.length,
      (i) => {
        const out = hooks[i]!(shared);
        if (isPromiseLike(out)) return Promise.resolve(out).then(collect);
        collect(out);
        return undefined;
      },
      () => ended,
    );
    const onRequestParseDone: RequestParseDone = (done) => {
      const sharedDone: typeof done = {
        ...done,
        setRequestParserResult(params) {
          sharedDone.requestParserResult = params;
          done.setRequestParserResult(params);
        },
      };
      return runInTurn(
        dones.length,
        (i) => dones[i]!(sharedDone),
        () => false,
      );
    };
    const result = () => (dones.length > 0 ? { onRequestParseDone } : undefined);
    return isPromiseLike(ran) ? ran.then(result) : result();
  };
}

function fuseOnResponse(hooks: OnResponse[]): OnResponse {
  return (payload) => {
    const shared: typeof payload = {
      ...payload,
      setResponse(response) {
        shared.response = response;
        payload.setResponse(response);
      },
    };
    return runInTurn(
      hooks.length,
      (i) => hooks[i]!(shared),
      () => false,
    );
  };
}

/** One `onNext`/`onEnd` pair for a streamed result, each hook's in turn. */
function fuseStream(handlers: StreamHandlers[]): StreamHandlers {
  const nexts = handlers.flatMap((h) => (h.onNext ? [h.onNext] : []));
  const ends = handlers.flatMap((h) => (h.onEnd ? [h.onEnd] : []));
  const onNext: OnNext = (payload) => {
    const shared: typeof payload = {
      ...payload,
      setResult(result) {
        shared.result = result;
        payload.setResult(result);
      },
    };
    return runInTurn(
      nexts.length,
      (i) => nexts[i]!(shared),
      () => false,
    );
  };
  const onEnd: OnEnd = () => {
    for (const end of ends) end();
  };
  return { ...(nexts.length > 0 && { onNext }), ...(ends.length > 0 && { onEnd }) };
}

function fuseExecuteDone(dones: OnExecuteDone[]): OnExecuteDone {
  return (payload: DonePayload) => {
    const streams: StreamHandlers[] = [];
    const shared: DonePayload = {
      ...payload,
      setResult(result) {
        shared.result = result;
        payload.setResult(result);
      },
    };
    const collect = (out: unknown) => {
      if (out && typeof out === 'object') streams.push(out as StreamHandlers);
    };
    const done = runInTurn(
      dones.length,
      (i) => {
        const out = dones[i]!(shared);
        if (isPromiseLike(out)) return Promise.resolve(out).then(collect);
        collect(out);
        return undefined;
      },
      () => false,
    );
    const handlers = () => (streams.length > 0 ? fuseStream(streams) : undefined);
    return isPromiseLike(done) ? done.then(handlers) : handlers();
  };
}

function fuseOnExecute(hooks: OnExecute[]): OnExecute {
  return (payload) => {
    let stopped = false;
    const dones: OnExecuteDone[] = [];
    const shared: typeof payload = {
      ...payload,
      setExecuteFn(executeFn) {
        shared.executeFn = executeFn;
        payload.setExecuteFn(executeFn);
      },
      setResultAndStopExecution(result) {
        stopped = true;
        payload.setResultAndStopExecution(result);
      },
    };
    const collect = (out: unknown) => {
      const done = (out as ExecuteDone | undefined)?.onExecuteDone;
      if (done) dones.push(done);
    };
    const ran = runInTurn(
      hooks.length,
      (i) => {
        const out = hooks[i]!(shared);
        if (isPromiseLike(out)) return Promise.resolve(out).then(collect);
        collect(out);
        return undefined;
      },
      () => stopped,
    );
    const result = () => (dones.length > 0 ? { onExecuteDone: fuseExecuteDone(dones) } : undefined);
    return isPromiseLike(ran) ? ran.then(result) : result();
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
