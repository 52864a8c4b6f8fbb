/**
 * graphql-ws on the HTTP server's `/graphql`, executing through `yoga.getEnveloped` so WebSocket
 * operations get the same context, plugins (cost, masking) and validation as HTTP and SSE. The
 * API key (`connectionParams.authorization`) is checked once at connect: a wrong one closes the
 * socket with 4403 before any operation.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type ExecutionArgs, type ExecutionResult, getOperationAST } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { type Access, createAccess } from './auth/access.js';
import type { Principal } from './auth/scopes.js';
import { jsonDepthError } from './security/json-depth.js';
import { LightSubscribers, type Opening } from './light-subscribers.js';
import type { DirectEvents, SharedSubscriptionContext } from './shared-subscriptions.js';
import type { JoinableGroup, MemberStream } from './subscription-group.js';
import { type Corkable, corkAfterFirstWrite } from './turn-cork.js';
import { type GatewayYoga, subscriptionCountsOf } from './yoga.js';

/** A socket's unsent backlog at which it is closed (4408). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Below this backlog a frame's send callback runs at once (the frame queued, not yet written). */
const EARLY_CALLBACK_BYTES = 256 * 1024;

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  /** The subscription has started (or failed to): subscribers waiting for its group go on. */
  started?: () => void;
}

type Step = IteratorResult<ExecutionResult, undefined>;

/** A result as a stream of one: a subscription refused at its start. */
function once(result: ExecutionResult): AsyncIterator<ExecutionResult> {
  let sent = false;
  return {
    next: () =>
      Promise.resolve<Step>(
        sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: result }),
      ),
    return: () => Promise.resolve<Step>({ done: true, value: undefined }),
  };
}

/**
 * One serialisation per shared result. Subscribers of one event share its result object
 * (shared-subscriptions.ts, `useMarketoCost`): its JSON is made once, and each subscriber's `next`
 * frame is the small envelope (`id`, `type`) with that text put in place of a token. The token
 * carries a per-process nonce and is only replaced as the frame's last member, which a client's
 * id (escaped JSON) can never forge.
 */
function sharedFrames() {
  const token = `\u0000frame:${randomUUID()}`;
  /** The frame's last member as graphql-ws writes it when the payload became the token. */
  const suffix = `,"payload":${JSON.stringify(token)}}`;
  const texts = new WeakMap<object, string>();
  /** Per payload, its JSON text and the frame's closing brace as UTF-8. */
  const payloadBytes = new WeakMap<object, Buffer>();
  /** Per payload, the frame built last (the next subscriber's id is most often the same). */
  const lastFrames = new WeakMap<object, { head: string; frame: Buffer }>();
  /** The text of the payload just replaced: graphql-ws sends each frame as soon as it is made. */
  let pending: string | undefined;
  const textOf = (value: object): string => {
    let text = texts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      texts.set(value, text);
    }
    return text;
  };
  return {
    /** graphql-ws's `jsonMessageReplacer`: a result without errors becomes the token. */
    replacer(this: unknown, key: string, value: unknown): unknown {
      if (key !== 'payload' || (this as { type?: unknown }).type !== 'next') return value;
      if (typeof value !== 'object' || value === null) return value;
      if ((value as ExecutionResult).errors !== undefined) return value;
      pending = textOf(value);
      return token;
    },
    /**
     * The WebSocket frame (bytes on the wire) of a `next` message whose JSON starts with `head`
     * (its id, once per subscription) and carries `payload`: built once per payload and head, so
     * subscribers with the same id share one buffer, and others copy the payload's bytes.
     */
    frame(head: string, payload: ExecutionResult): Buffer {
      const last = lastFrames.get(payload);
      if (last?.head === head) return last.frame;
      let bytes = payloadBytes.get(payload);
      if (!bytes) payloadBytes.set(payload, (bytes = Buffer.from(`${textOf(payload)}}`)));
      const frame = textFrame(head, bytes);
      lastFrames.set(payload, { head, frame });
      return frame;
    },
    /** The frame to send: the token replaced by the payload's JSON. */
    expand(data: string): string {
      const text = pending;
      pending = undefined;
      if (text === undefined || !data.endsWith(suffix)) return data;
      return `${data.slice(0, -suffix.length)},"payload":${text}}`;
    },
  };
}

/**
 * A final text frame as ws's Sender writes one from a server (no mask; the server negotiates no
 * compression): the message `head` then `tail`, as UTF-8.
 */
function textFrame(head: string, tail: Buffer): Buffer {
  const headBytes = Buffer.byteLength(head);
  const length = headBytes + tail.length;
  const prefix = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(prefix + length);
  frame[0] = 0x81; // FIN, text
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(head, prefix);
  tail.copy(frame, prefix + headBytes);
  return frame;
}

/** ws's internals a frame written straight to the TCP socket must not overtake. */
interface SocketInternals {
  _socket?: Corkable & { write(data: Buffer): boolean };
  _sender?: { _state: number; _queue: unknown[] };
}

export interface WebSocketHandle {
  /** Closes every client with 1001 Going Away and the server. */
  dispose(): Promise<void>;
}

export interface WebSocketOptions {
  access?: Access;
  /** Browser origins allowed to open a socket (as CORS); any when undefined. */
  allowedOrigins?: readonly string[];
}

export function attachWebSocket(
  server: Server,
  yoga: GatewayYoga,
  options: WebSocketOptions = {},
): WebSocketHandle {
  const access = options.access ?? createAccess();
  const origins = options.allowedOrigins;
  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    // Same rule as CORS: a browser from another origin is refused at the upgrade (403).
    ...(origins &&
      !origins.includes('*') && {
        verifyClient: (
          { origin }: { origin?: string },
          done: (result: boolean, code?: number, message?: string) => void,
        ) => {
          const allowed = origin === undefined || origin === '' || origins.includes(origin);
          done(allowed, 403, 'Forbidden');
        },
      }),
  });
  const principals = new WeakMap<WebSocket, Principal>();
  const frames = sharedFrames();
  const counts = subscriptionCountsOf(yoga);
  /** Later identical subscribers of a running shared subscription (light-subscribers.ts). */
  const light = counts && new LightSubscribers(counts);
  /** Per socket, its write of a frame outside graphql-ws (held with the turn's others, as its own). */
  const writers = new WeakMap<WebSocket, (frame: Buffer) => void>();
  /**
   * Subscription `id`'s events written straight to its socket (shared-subscriptions.ts): the
   * frame graphql-ws would send, without its per-event iteration and send callback.
   */
  const directEvents = (
    socket: WebSocket,
    id: string,
    ctx: { subscriptions: Record<string, unknown> },
  ): DirectEvents => {
    const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    return {
      next(result) {
        // Completed by the client or the socket closed: graphql-ws would send nothing either.
        if (!(id in ctx.subscriptions) || socket.readyState !== socket.OPEN) return true;
        // A backlog: the stream yields the event and graphql-ws waits for the socket to drain.
        if (socket.bufferedAmount >= EARLY_CALLBACK_BYTES) return false;
        writers.get(socket)?.(frames.frame(head, result));
        return true;
      },
    };
  };
  /**
   * A light subscriber's own pass through yoga (its first result with errors): fed by its place in
   * the group (`sharedMember`), so the plugins' per-event hooks mask and count what it gets.
   */
  const longWay = async (
    ctx: { extra: { socket: WebSocket; request: unknown } },
    params: { operationName?: string | null; variables?: Record<string, unknown> | null },
    principal: Principal,
    member: MemberStream,
    group: JoinableGroup,
  ): Promise<AsyncIterator<ExecutionResult>> => {
    const { schema, subscribe, contextFactory } = yoga.getEnveloped({
      ...ctx,
      req: ctx.extra.request,
      socket: ctx.extra.socket,
      params,
      principal,
      sharedMember: member,
    } satisfies SharedSubscriptionContext & Record<string, unknown>);
    const result = (await subscribe({
      schema,
      document: group.document,
      operationName: params.operationName ?? null,
      variableValues: params.variables ?? null,
      contextValue: await contextFactory(),
    })) as AsyncIterable<ExecutionResult> | ExecutionResult;
    return Symbol.asyncIterator in result ? result[Symbol.asyncIterator]() : once(result);
  };
  // Before graphql-ws's own listener: every frame it sends goes through `expand`.
  wss.on('connection', (socket: WebSocket) => {
    const send = socket.send.bind(socket) as (data: unknown, cb?: (error?: Error) => void) => void;
    const internals = socket as unknown as SocketInternals;
    const raw = internals._socket;
    const beforeWrite = raw ? corkAfterFirstWrite(raw) : () => {};
    const sender = internals._sender;
    writers.set(socket, (frame) => {
      beforeWrite();
      // Straight to the TCP socket while ws's sender holds nothing back (it queues only while it
      // compresses or reads a Blob, neither of which this server does): its own path would
      // encode the text and write a header and a body per frame.
      if (raw && sender && sender._state === 0 && sender._queue.length === 0) raw.write(frame);
      else send(frame.subarray(frame[1]! < 126 ? 2 : frame[1] === 126 ? 4 : 10).toString());
    });
    socket.send = ((data: unknown, cb?: (error?: Error) => void) => {
      const frame = typeof data === 'string' ? frames.expand(data) : data;
      // graphql-ws sends a subscription's next event only once the previous one's callback ran:
      // while the backlog is small it runs now, so the frames of one turn leave in two writes: the
      // first at once, the rest together when the turn ends.
      if (cb === undefined || socket.bufferedAmount >= EARLY_CALLBACK_BYTES) return send(frame, cb);
      beforeWrite();
      send(frame);
      queueMicrotask(() => cb());
    }) as typeof socket.send;
  });
  const handle = useServer(
    {
      jsonMessageReplacer: frames.replacer,
      onConnect: (ctx) => {
        const principal = access.principalFor(ctx.connectionParams?.authorization);
        // false: graphql-ws closes with 4403 Forbidden, the same for a missing or a wrong key.
        if (!principal) return false;
        principals.set(ctx.extra.socket, principal);
        return true;
      },
      // graphql-ws hands back the args onSubscribe returned; rootValue carries yoga's enveloped functions.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: async (args) => {
        const root = args.rootValue as EnvelopedRoot;
        try {
          return (await root.subscribe(args)) as never;
        } finally {
          root.started?.();
        }
      },
      // A client that does not read its socket is cut once its backlog is large, instead of
      // the gateway buffering events for it without end.
      // The result itself as the payload when it has no errors (graphql-ws would copy it): one
      // object shared by a shared event's subscribers, serialised once (`sharedFrames`).
      onNext: (ctx, _id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.close(4408, 'Consumer too slow');
        return result.errors === undefined ? result : undefined;
      },
      onSubscribe: async (ctx, id, params) => {
        // Deep variables are refused before anything walks them (as over HTTP).
        const deep = jsonDepthError(params);
        if (deep) return [deep];
        const socket = ctx.extra.socket;
        const principal = principals.get(socket);
        const key = light && principal ? LightSubscribers.keyOf(params) : undefined;
        if (light && principal && key !== undefined && light.has(principal, key)) {
          const direct = directEvents(socket, id, ctx);
          const joined = await light.join(principal, key, socket, {
            deliver: (result) => direct.next(result),
            longWay: (member, group) => longWay(ctx, params, principal, member, group),
          });
          if (joined) {
            const subscribe = () => joined.stream;
            return {
              schema: joined.group.schema,
              document: joined.group.document,
              operationName: params.operationName ?? null,
              variableValues: params.variables ?? null,
              contextValue: null,
              rootValue: { execute: subscribe, subscribe } satisfies EnvelopedRoot,
            };
          }
        }
        let opening: Opening | undefined;
        const started = () => opening?.started();
        try {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(
            {
              ...ctx,
              req: ctx.extra.request,
              socket,
              params,
              principal,
              directEvents: directEvents(socket, id, ctx),
              ...(key !== undefined && {
                sharedGroupOpened: (group: JoinableGroup) => opening?.opened(group),
              }),
            } satisfies SharedSubscriptionContext & Record<string, unknown>,
          );
          const document = parse(params.query);
          // Registered before the first wait: identical subscribers arriving meanwhile wait for it.
          if (
            light &&
            principal &&
            key !== undefined &&
            getOperationAST(document, params.operationName)?.operation === 'subscription'
          ) {
            opening = light.open(principal, key);
          }
          const args: ExecutionArgs = {
            schema,
            operationName: params.operationName ?? null,
            document,
            variableValues: params.variables ?? null,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe, started } satisfies EnvelopedRoot,
          };
          const errors = validate(args.schema, args.document);
          if (errors.length > 0) {
            started();
            return errors;
          }
          return args;
        } catch (error) {
          started();
          throw error;
        }
      },
    },
    wss,
  );
  return {
    async dispose() {
      await handle.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
