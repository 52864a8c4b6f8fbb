/**
 * graphql-ws on the HTTP server's `/graphql`, executing through `yoga.getEnveloped` so WebSocket
 * operations get the same context, plugins (cost, masking) and validation as HTTP and SSE. The
 * API key (`connectionParams.authorization`) is checked once at connect: a wrong one closes the
 * socket with 4403 before any operation.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { type Access, createAccess } from './auth/access.js';
import type { Principal } from './auth/scopes.js';
import { jsonDepthError } from './security/json-depth.js';
import type { GatewayYoga } from './yoga.js';

/** A socket's unsent backlog at which it is closed (4408). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
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
  const handle = useServer(
    {
      onConnect: (ctx) => {
        const principal = access.principalFor(ctx.connectionParams?.authorization);
        // false: graphql-ws closes with 4403 Forbidden, the same for a missing or a wrong key.
        if (!principal) return false;
        principals.set(ctx.extra.socket, principal);
        return true;
      },
      // graphql-ws hands back the args onSubscribe returned; rootValue carries yoga's enveloped functions.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      // A client that does not read its socket is cut once its backlog is large, instead of
      // the gateway buffering events for it without end.
      onNext: (ctx) => {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.close(4408, 'Consumer too slow');
      },
      onSubscribe: async (ctx, _id, params) => {
        // Deep variables are refused before anything walks them (as over HTTP).
        const deep = jsonDepthError(params);
        if (deep) return [deep];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          principal: principals.get(ctx.extra.socket),
        });
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName ?? null,
          document: parse(params.query),
          variableValues: params.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        if (errors.length > 0) return errors;
        return args;
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
