/**
 * Subscription events executed once per distinct subscription instead of once per subscriber.
 * Thousands of subscribers of one export job receive the same event object (the fan-out hands
 * every watcher the record the registry saved); executing their identical selection set on it
 * thousands of times was most of the gateway's work per change beside the socket writes.
 *
 * Only root fields that opt in (`extensions: { [SHARED_EVENTS]: true }`) are shared: every field
 * below them must depend only on the event and the operation's arguments (no field-level scopes,
 * no per-request loaders or Marketo calls, whose cost belongs to each subscriber's context). The
 * shared result is keyed by event object, document, operation name, variables and the caller's
 * scopes, so subscribers only share what they would have computed identically. The plugins after
 * execution (cost extension, error masking and logging, metrics) still run per subscriber and
 * never mutate the result they are given.
 *
 * A transport may also take a subscriber's events itself (`DirectEvents`: graphql-ws writes one
 * prebuilt frame to the socket). An event's trip through the plugins' per-event hooks and the
 * transport's own iteration is then skipped, which was most of a fan-out's cost per subscriber.
 * Only results without errors go that way, with the cost extension the plugin would have added
 * (`withSharedCost`, the same object): for them the other per-event hooks change nothing (masking,
 * request ids and error metrics act on errors only). A result with errors, or one the transport
 * refuses (a socket backed up), goes through the stream as before; the stream stays sequential,
 * so the order of events does not change. The hooks at the end (subscription slots, metrics,
 * spans) still run when the stream ends.
 */
import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
  Kind,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { withSharedCost } from './cost.js';

/** The field extension a subscription root field sets to have its events shared. */
export const SHARED_EVENTS = 'sharedEvents';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** A subscriber's transport taking events without the stream (in the initial context). */
export interface DirectEvents {
  /**
   * Sends `result` (final: no errors, cost extension set) to the subscriber now, in order after
   * everything the stream delivered before; false when it cannot, and the stream yields it.
   */
  next(result: ExecutionResult): boolean;
}

/** True when every root field of the operation opted in (no fragments at the root). */
function isShareable(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  const fields = args.schema.getSubscriptionType()?.getFields();
  if (!operation || operation.operation !== 'subscription' || !fields) return false;
  return operation.selectionSet.selections.every(
    (selection) =>
      selection.kind === Kind.FIELD &&
      fields[selection.name.value]?.extensions[SHARED_EVENTS] === true,
  );
}

/** Executes each event once per (document, operation, variables, scopes) for all subscribers. */
export function useSharedSubscriptionResults(): Plugin<GraphQLContext> {
  /** Per event: per document: per variant key, the result (a promise while it resolves). */
  const results = new WeakMap<object, WeakMap<DocumentNode, Map<string, Result>>>();

  const subscribeShared = async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const context = args.contextValue as GraphQLContext;
    const variant = JSON.stringify([
      args.operationName ?? null,
      args.variableValues ?? null,
      [...context.principal.scopes].sort(),
    ]);
    const run = (event: unknown): Result => {
      if (typeof event !== 'object' || event === null)
        return execute({ ...args, rootValue: event });
      let byDocument = results.get(event);
      if (!byDocument) results.set(event, (byDocument = new WeakMap()));
      let byVariant = byDocument.get(args.document);
      if (!byVariant) byDocument.set(args.document, (byVariant = new Map()));
      let result = byVariant.get(variant);
      if (result === undefined) {
        result = execute({ ...args, rootValue: event });
        byVariant.set(variant, result);
      }
      return result;
    };
    const events = source[Symbol.asyncIterator]();
    const direct = (args.contextValue as { directEvents?: DirectEvents }).directEvents;
    let returned = false;
    const stream: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => stream,
      async next() {
        // Pulled again only once the transport has taken what was yielded: one event at a time.
        for (;;) {
          const step = await events.next();
          if (step.done || returned) return { done: true, value: undefined };
          const pending = run(step.value);
          const result = pending instanceof Promise ? await pending : pending;
          if (returned) return { done: true, value: undefined };
          if (direct && result.errors === undefined) {
            if (direct.next(withSharedCost(result, context.cost.summary()))) continue;
          }
          return { done: false, value: result };
        }
      },
      async return() {
        returned = true;
        await events.return?.();
        return { done: true, value: undefined };
      },
      async throw(error: unknown) {
        await events.return?.();
        throw error;
      },
    };
    return stream;
  };

  return {
    onSubscribe({ args, setSubscribeFn }) {
      if (isShareable(args)) setSubscribeFn(subscribeShared as never);
    },
  };
}
