/**
 * Prometheus metrics of one gateway, served at `/metrics`: GraphQL operations (yoga's prometheus
 * plugin), Marketo calls by route and code, limiter wait, quota, bulk jobs by state, open
 * subscriptions, and the process's default metrics. Each gateway has its own registry (tests run
 * many gateways in one process); the process metrics live in one shared registry.
 *
 * Labels never hold ids, query strings, variables, keys or tokens: routes are templates, codes
 * and operation names are bounded sets.
 */
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Access } from '../auth/access.js';
import { silentLogger, type Logger } from '../logger.js';
import type { LimiterSnapshot } from '../marketo/api.js';
import { mayAddress } from '../http-paths.js';
import type { CallEvent } from '../marketo/call.js';
import type { MetricsAccess } from '../security/settings.js';
import { useGraphQLMetrics, useSubscriptionGauge } from './graphql.js';
import { createJobMetrics, type JobSources } from './jobs.js';
import { createMarketoMetrics } from './marketo.js';

export const METRICS_ENDPOINT = '/metrics';

let processRegistry: Registry | undefined;
/** Created once: the default collectors observe the process, not a gateway. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricSources extends JobSources {
  marketo: { limiterSnapshot(): Promise<LimiterSnapshot> };
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly marketo: ReturnType<typeof createMarketoMetrics>;
  private readonly jobs: ReturnType<typeof createJobMetrics>;
  private readonly graphql: Plugin[];
  private readonly withProcess: boolean;

  constructor(options: { logger?: Logger; processMetrics?: boolean } = {}) {
    const logger = options.logger ?? silentLogger;
    this.marketo = createMarketoMetrics(this.registry, logger);
    this.jobs = createJobMetrics(this.registry, logger);
    this.graphql = [useGraphQLMetrics(this.registry), useSubscriptionGauge(this.registry)];
    this.withProcess = options.processMetrics ?? true;
    if (this.withProcess) processMetrics();
  }

  /** The Marketo client's `onCall` observer. */
  readonly onMarketoCall = (event: CallEvent): void => this.marketo.onCall(event);

  /** Where the scrape-time gauges read from, once the services exist. */
  watch(sources: MetricSources): void {
    this.marketo.watch(() => sources.marketo.limiterSnapshot());
    this.jobs.watch(sources);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    return this.withProcess ? `${own}\n${await processMetrics().metrics()}` : own;
  }

  /** The yoga plugins: GraphQL metrics, the subscription gauge and the `/metrics` endpoint. */
  plugins(options: { access: Access; mode: MetricsAccess }): Plugin[] {
    return [...this.graphql, useMetricsEndpoint(this, options)];
  }
}

function useMetricsEndpoint(
  metrics: GatewayMetrics,
  options: { access: Access; mode: MetricsAccess },
): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!mayAddress(request, METRICS_ENDPOINT) || url.pathname !== METRICS_ENDPOINT) {
        return undefined;
      }
      const answer = (status: number, text: string, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(text, {
            status,
            headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
          }),
        );
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return answer(405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
      }
      if (options.mode === 'admin') {
        // Open mode (no keys): everyone is `anonymous` with every scope, admin included.
        const principal = options.access.principalFor(request.headers.get('authorization'));
        if (!principal) {
          return answer(401, 'Unauthorized: send an API key with the admin scope\n', {
            'www-authenticate': 'Bearer',
          });
        }
        if (!principal.scopes.has('admin')) {
          return answer(403, 'Forbidden: /metrics needs the admin scope\n');
        }
      }
      return metrics.text().then((text) =>
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : text, {
            headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
          }),
        ),
      );
    },
  };
}
