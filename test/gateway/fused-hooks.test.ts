/**
 * `withFusedHooks`: plugins' onRequest/onRequestParse/onExecute/onResponse hooks run as one hook
 * each, with yoga's semantics: in order, a replaced response seen by the next hook, a promise
 * waited for, `endResponse` and `setResultAndStopExecution` skipping the hooks after them (the
 * after-hooks of those before still running), other hooks of the plugins kept.
 */
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { withFusedHooks } from '../../src/fused-hooks.js';

const schema = createSchema({
  typeDefs: 'type Query { hello: String }',
  resolvers: { Query: { hello: () => 'hi' } },
});

function yogaWith(plugins: Plugin[]) {
  return createYoga({ schema, logging: false, plugins: withFusedHooks(plugins) });
}

const query = (yoga: ReturnType<typeof yogaWith>, path = '/graphql') =>
  yoga.fetch(`http://yoga${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ hello }' }),
  });

describe('fused hooks', () => {
  it('run in order on one step, each seeing the response the previous one set', async () => {
    const seen: string[] = [];
    const yoga = yogaWith([
      {
        onRequest: () => void seen.push('request 1'),
        onResponse({ response, setResponse }) {
          seen.push('response 1');
          const headers = new Headers(response.headers);
          headers.set('x-first', '1');
          setResponse(new Response(response.body, { status: response.status, headers }));
        },
      },
      { onParse: () => void seen.push('parse (kept)') },
      {
        onRequest: () => Promise.resolve().then(() => void seen.push('request 2 (async)')),
        onResponse({ response }) {
          seen.push(`response 2 sees x-first=${response.headers.get('x-first')}`);
          response.headers.set('x-second', '2');
        },
      },
    ]);
    const response = await query(yoga);
    expect(await response.json()).toEqual({ data: { hello: 'hi' } });
    expect(response.headers.get('x-first')).toBe('1');
    expect(response.headers.get('x-second')).toBe('2');
    expect(seen).toEqual([
      'request 1',
      'request 2 (async)',
      'parse (kept)',
      'response 1',
      'response 2 sees x-first=1',
    ]);
  });

  it('stop at endResponse: the later onRequest hooks do not run', async () => {
    const seen: string[] = [];
    const yoga = yogaWith([
      {
        onRequest({ url, endResponse }) {
          if (url.pathname === '/short') endResponse(new Response('short', { status: 299 }));
        },
      },
      { onRequest: () => void seen.push('later onRequest') },
    ]);
    const short = await query(yoga, '/short');
    expect(short.status).toBe(299);
    expect(seen).toEqual([]);
    await query(yoga);
    expect(seen).toEqual(['later onRequest']);
  });

  it('stop at setResultAndStopExecution, the after-hooks of the hooks before it still run', async () => {
    const seen: string[] = [];
    const yoga = yogaWith([
      {
        onExecute: () => ({
          onExecuteDone({ result, setResult }) {
            seen.push('done 1');
            if (!('data' in result)) return;
            setResult({ ...result, extensions: { first: true } });
          },
        }),
      },
      {
        onExecute({ setResultAndStopExecution }) {
          setResultAndStopExecution({ data: { hello: 'stopped' } });
        },
      },
      {
        onExecute: () => {
          seen.push('later onExecute');
          return { onExecuteDone: () => void seen.push('done 3') };
        },
      },
    ]);
    const response = await query(yoga);
    expect(await response.json()).toEqual({
      data: { hello: 'stopped' },
      extensions: { first: true },
    });
    expect(seen).toEqual(['done 1']);
  });

  it('give each onExecuteDone the result the previous one set', async () => {
    const yoga = yogaWith([
      {
        onExecute: () => ({
          onExecuteDone({ result, setResult }) {
            if ('data' in result) setResult({ ...result, extensions: { n: 1 } });
          },
        }),
      },
      {
        onExecute: () => ({
          onExecuteDone({ result, setResult }) {
            if (!('data' in result)) return;
            const n = (result.extensions?.['n'] as number | undefined) ?? 0;
            setResult({ ...result, extensions: { n: n + 1 } });
          },
        }),
      },
    ]);
    expect(await (await query(yoga)).json()).toEqual({
      data: { hello: 'hi' },
      extensions: { n: 2 },
    });
  });
});
