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
import { ANONYMOUS } from '../auth/scopes.js';
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

export function useSubscriptionLimits(
  limits: SubscriptionLimits,
  shared?: SubscriptionSlots,
): Plugin {
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
    async onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Partial<GraphQLContext> & { socket?: object };
      const key = context.principal?.name ?? 'anonymous';
      const socket = context.socket;
      if (socket && (bySocket.get(socket) ?? 0) >= limits.maxSubscriptionsPerSocket) {
        setResultAndStopExecution({
          errors: [
            limitError(
              'This WebSocket has as many subscriptions open as allowed',
              limits.maxSubscriptionsPerSocket,
              'GATEWAY_MAX_SUBSCRIPTIONS_PER_SOCKET',
            ),
          ],
        });
        return;
      }
      // Held before any wait, so that a socket's concurrent starts cannot pass its limit together.
      addSocket(socket, 1);
      addKey(key, 1);
      let sharedSlot: { release(): void } | undefined;
      // Without API keys every caller is `anonymous`: a per-key limit would be a global one.
      const keyed = context.principal !== undefined && context.principal !== ANONYMOUS;
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
          setResultAndStopExecution({ errors: [keyLimitError(key)] });
          return;
        }
        if (typeof answer === 'object') sharedSlot = answer;
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        addSocket(socket, -1);
        addKey(key, -1);
        sharedSlot?.release();
      };
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
