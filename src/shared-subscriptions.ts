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
 *
 * Each subscription's source is pulled by its group (subscription-group.ts), which executes an
 * event and hands the result to its members in one loop. When the root field also sets
 * `[SHARED_JOIN]` (its stream is the latest event, then each later one), the transport is told of
 * the group (`sharedGroupOpened`): graphql-ws adds later identical subscribers to it as light
 * members (light-subscribers.ts) instead of starting a subscription each; one that must take the
 * long way comes back here with its place in the group (`sharedMember`) as its source.
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
import { type JoinableGroup, MemberStream, SubscriptionGroup } from './subscription-group.js';

/** The field extension a subscription root field sets to have its events shared. */
export const SHARED_EVENTS = 'sharedEvents';
/**
 * The field extension of a shared root field whose subscription starts with the latest event
 * (the job now, then each change): a later identical subscriber may join a running one and get
 * the same stream from the group's latest result on.
 */
export const SHARED_JOIN = 'sharedJoin';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** A subscriber's transport taking events without the stream (in the initial context). */
export interface DirectEvents {
  /**
   * Sends `result` (final: no errors, cost extension set) to the subscriber now, in order after
   * everything the stream delivered before; false when it cannot, and the stream yields it.
   */
  next(result: ExecutionResult): boolean;
}

/** What a transport may put in the initial context of a shared subscription. */
export interface SharedSubscriptionContext {
  directEvents?: DirectEvents;
  /** Told of the group a joinable subscription started, for later identical subscribers. */
  sharedGroupOpened?: (group: JoinableGroup) => void;
  /** A subscriber of a group already (a light one taking the long way): its stream. */
  sharedMember?: MemberStream;
}

/** Whether every root field of the operation opted in (no fragments at the root), and to joins. */
function sharing(args: ExecutionArgs): { shared: boolean; joinable: boolean } {
  const operation = getOperationAST(args.document, args.operationName);
  const fields = args.schema.getSubscriptionType()?.getFields();
  if (!operation || operation.operation !== 'subscription' || !fields) {
    return { shared: false, joinable: false };
  }
  let joinable = true;
  const shared = operation.selectionSet.selections.every((selection) => {
    if (selection.kind !== Kind.FIELD) return false;
    const extensions = fields[selection.name.value]?.extensions;
    if (extensions?.[SHARED_JOIN] !== true) joinable = false;
    return extensions?.[SHARED_EVENTS] === true;
  });
  return { shared, joinable: shared && joinable };
}

/** Executes each event once per (document, operation, variables, scopes) for all subscribers. */
export function useSharedSubscriptionResults(): Plugin<GraphQLContext> {
  /** Per event: per document: per variant key, the result (a promise while it resolves). */
  const results = new WeakMap<object, WeakMap<DocumentNode, Map<string, Result>>>();

  const subscribeShared = async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const context = args.contextValue as GraphQLContext & SharedSubscriptionContext;
    if (context.sharedMember) return context.sharedMember;
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
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
    const joinable = sharing(args).joinable;
    const group = new SubscriptionGroup(
      args.schema,
      args.document,
      source[Symbol.asyncIterator](),
      run,
      { eager: joinable },
    );
    const direct = context.directEvents;
    // Yielded raw: the plugins' per-event hooks add the cost and mask errors.
    const member: MemberStream = new MemberStream({
      ...(direct && {
        deliver: (result: ExecutionResult) =>
          direct.next(withSharedCost(result, context.cost.summary())),
      }),
      onLeave: () => group.leave(member),
    });
    member.onReady = () => group.memberReady();
    group.join(member);
    if (joinable) context.sharedGroupOpened?.(group);
    return member;
  };

  return {
    onSubscribe({ args, setSubscribeFn }) {
      if (sharing(args).shared) setSubscribeFn(subscribeShared as never);
    },
  };
}
