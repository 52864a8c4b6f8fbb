/**
 * Tracing as a collector sees it: a gateway with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an
 * in-process OTLP/HTTP receiver exports a span per GraphQL operation and, under it, a span per
 * Marketo call attempt with the route, Marketo's code, the attempt and the limiter wait.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createGateway } from '../../src/server.js';
import { tracingFromEnv } from '../../src/tracing/tracer.js';
import { gatewayConfigFor } from '../helpers/gateway.js';

interface OtlpAttribute {
  key: string;
  value: {
    stringValue?: string;
    intValue?: string | number;
    doubleValue?: number;
    boolValue?: boolean;
  };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
  status?: { code?: number };
}
interface ExportRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (value?.intValue !== undefined) return Number(value.intValue);
  return value?.stringValue ?? value?.doubleValue ?? value?.boolValue;
};

let receiver: Server;
let endpoint: string;
const requests: ExportRequest[] = [];
let sandbox: Sandbox;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sandbox = await startSandbox({ leads: 100, timeScale: 50 });
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('OpenTelemetry traces', () => {
  it('are off without an endpoint, and refuse one that is not a URL', () => {
    expect(tracingFromEnv({})).toBeUndefined();
    expect(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it('export a span per operation with its Marketo calls as children', async () => {
    const tracing = tracingFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: 'gateway-under-test',
    });
    const gateway = await createGateway(
      { ...gatewayConfigFor(sandbox, 50), ...(tracing && { tracing }) },
      { logger: silentLogger },
    );
    const url = await gateway.start(0, '127.0.0.1');
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query LeadsForTrace { leads(ids: [1, 2, 3]) { id email } }' }),
    });
    expect((await response.json()) as unknown).toMatchObject({
      data: { leads: [{ id: 1 }, {}, {}] },
    });
    // Stopping exports what is pending.
    await gateway.stop();

    const resources = requests.flatMap((r) => r.resourceSpans);
    expect(resources.length).toBeGreaterThan(0);
    expect(resources[0]!.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'gateway-under-test' },
    });
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const operation = spans.find((s) => s.name === 'query LeadsForTrace');
    expect(operation).toBeDefined();
    expect(attribute(operation!, 'graphql.operation.type')).toBe('query');
    const calls = spans.filter((s) => s.parentSpanId === operation!.spanId);
    expect(calls.map((s) => s.name)).toContain('marketo GET /rest/v1/leads.json');
    for (const call of calls) {
      expect(call.traceId).toBe(operation!.traceId);
      expect(attribute(call, 'marketo.code')).toBe('success');
      expect(attribute(call, 'marketo.attempt')).toBe(1);
      expect(typeof attribute(call, 'marketo.limiter_wait_ms')).toBe('number');
    }
    expect(attribute(operation!, 'marketo.calls')).toBe(calls.length);
  });
});
