/**
 * Subscriptions open at once, per graphql-ws socket and per API key (WebSocket and SSE alike;
 * no per-key limit in open mode, where everyone is `anonymous`):
 * past either limit a new subscription is refused with SUBSCRIPTION_LIMIT, naming the limit and
 * its setting, while the caller's open ones and everyone else's go on. A subscription counts
 * from its start until its stream ends (completed, cancelled or its socket closed).
 * With REDIS_URL the per-key count is the fleet's (`src/redis/subscription-slots.ts`), and this
 * instance's own count stands in while Redis is away.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ANONYMOUS, type Principal } from '../auth/scopes.js';
import type { GraphQLContext } from '../context.js';
import type { SubscriptionSlots } from '../redis/subscription-slots.js';

export interface SubscriptionLimits {
  maxSubscriptionsPerSocket: number;
  maxSubscriptionsPerKey: number;
}

function limitError(message: string, limit: number, setting: string): GraphQLError {
  return new GraphQLError(`${message} (${limit}, ${setting}); complete one first.`, {
    extensions: { code: 'SUBSCRIPTION_LIMIT', limit, setting },
  });
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** A subscription's place in the counts, held until it ends. */
export interface SubscriptionSlot {
  release(): void;
}

/** The per-socket and per-key counts, shared by the yoga plugin and graphql-ws's light subscribers. */
export interface SubscriptionCounts {
  /** A place for one more subscription of `principal` on `socket`, or the refusal. */
  take(
    principal: Principal | undefined,
    socket: object | undefined,
  ): Promise<SubscriptionSlot | GraphQLError>;
}

export function createSubscriptionCounts(
  limits: SubscriptionLimits,
  shared?: SubscriptionSlots,
): SubscriptionCounts {
  const byKey = new Map<string, number>();
  const bySocket = new WeakMap<object, number>();
  const addKey = (key: string, delta: number) => {
    const keyCount = (byKey.get(key) ?? 0) + delta;
    if (keyCount > 0) byKey.set(key, keyCount);
    else byKey.delete(key);
  };
  const addSocket = (socket: object | undefined, delta: number) => {
    if (socket) bySocket.set(socket, (bySocket.get(socket) ?? 0) + delta);
  };
  const keyLimitError = (key: string) =>
    limitError(
      `API key "${key}" has as many subscriptions open as allowed`,
      limits.maxSubscriptionsPerKey,
      'GATEWAY_MAX_SUBSCRIPTIONS_PER_KEY',
    );
  return {
    async take(principal, socket) {
      const key = principal?.name ?? 'anonymous';
      if (socket && (bySocket.get(socket) ?? 0) >= limits.maxSubscriptionsPerSocket) {
        return limitError(
          'This WebSocket has as many subscriptions open as allowed',
          limits.maxSubscriptionsPerSocket,
          'GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET',
        );
      }
      // Held before any wait, so that a socket's concurrent starts cannot pass its limit together.
      addSocket(socket, 1);
      addKey(key, 1);
      let sharedSlot: SubscriptionSlot | undefined;
      // Without API keys every caller is `anonymous`: a per-key limit would be a global one.
      const keyed = principal !== undefined && principal !== ANONYMOUS;
      if (keyed) {
        const answer = shared ? await shared.take(key, limits.maxSubscriptionsPerKey) : undefined;
        const full =
          answer === 'full' ||
          // This instance's own count: no fleet, or Redis away.
          ((answer === undefined || answer === 'unavailable') &&
            (byKey.get(key) ?? 0) > limits.maxSubscriptionsPerKey);
        if (full) {
          addSocket(socket, -1);
          addKey(key, -1);
          return keyLimitError(key);
        }
        if (typeof answer === 'object') sharedSlot = answer;
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          addSocket(socket, -1);
          addKey(key, -1);
          sharedSlot?.release();
        },
      };
    },
  };
}

/**
 * The limits on every subscription started through yoga. `counts` is given when graphql-ws also
 * starts subscriptions without yoga (ws.ts's light subscribers), so both count in one place; a
 * context carrying `sharedMember` is such a subscriber taking the long way, counted already.
 */
export function useSubscriptionLimits(
  limits: SubscriptionLimits,
  shared?: SubscriptionSlots,
  counts: SubscriptionCounts = createSubscriptionCounts(limits, shared),
): Plugin {
  return {
    async onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Partial<GraphQLContext> & {
        socket?: object;
        sharedMember?: unknown;
      };
      if (context.sharedMember !== undefined) return;
      const slot = await counts.take(context.principal, context.socket);
      if (slot instanceof GraphQLError) {
        setResultAndStopExecution({ errors: [slot] });
        return;
      }
      const release = () => slot.release();
      return {
        onSubscribeError: release,
        onSubscribeResult({ result }) {
          // Refused at start (an error result): nothing stays open.
          if (!isAsyncIterable(result)) {
            release();
            return undefined;
          }
          return { onEnd: release };
        },
      };
    },
  };
}
