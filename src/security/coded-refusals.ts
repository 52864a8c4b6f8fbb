/**
 * Every refusal carries a code: yoga answers some malformed requests (an odd content type, an
 * unsupported method, an Accept it cannot serve) with an empty 4xx body; those get the usual
 * `{ errors: [{ message, extensions: { code } }] }`.
 */
import type { Plugin } from 'graphql-yoga';

const CODES: Readonly<Record<number, { code: string; message: string }>> = {
  400: { code: 'BAD_REQUEST', message: 'The request is malformed.' },
  404: { code: 'NOT_FOUND', message: 'Nothing is served at this path.' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET or POST.' },
  406: {
    code: 'NOT_ACCEPTABLE',
    message: 'Accept application/graphql-response+json, application/json or text/event-stream.',
  },
  415: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message:
      'Send application/json (or application/graphql+json, multipart/form-data for uploads).',
  },
};

export function useCodedRefusals(): Plugin {
  return {
    onResponse({ response, setResponse }) {
      const refusal = CODES[response.status];
      // The status first: reading `body` makes the response's stream (a Proxy and a Readable
      // per response, for nothing on a 200).
      if (!refusal) return;
      const empty = response.body === null || response.headers.get('content-length') === '0';
      if (!empty) return;
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      headers.delete('content-length');
      setResponse(
        new Response(
          JSON.stringify({
            errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
          }),
          { status: response.status, headers },
        ),
      );
    },
  };
}
