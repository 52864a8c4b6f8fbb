/**
 * graphql-ws on the HTTP server's `/graphql`, executing through `yoga.getEnveloped` so WebSocket
 * operations get the same context, plugins (cost, masking) and validation as HTTP and SSE.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayYoga } from './yoga.js';

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export interface WebSocketHandle {
  /** Closes every client with 1001 Going Away and the server. */
  dispose(): Promise<void>;
}

export function attachWebSocket(server: Server, yoga: GatewayYoga): WebSocketHandle {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const handle = useServer(
    {
      // graphql-ws hands back the args onSubscribe returned; rootValue carries yoga's enveloped functions.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
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
