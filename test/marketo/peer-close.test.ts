/**
 * A peer that closes the connection (`Connection: close`, as Marketo and the sandbox answer) while
 * a response body is still held back by a slow consumer. Unpatched undici 7 asserts in the socket
 * 'end' handler (nodejs/undici#5360) and the process dies, so each case runs in a child process and
 * its exit is observed: it must read every byte and exit 0 (the fix: patches/undici+7.30.2.patch).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Runs `body` in a child node (tsx) next to `serve(size, framing)`: an HTTP/1.1 server answering
 * every request with `size` bytes (`Content-Length`, chunked, or delimited by the close) and
 * `Connection: close`, then a FIN; its `sent()` resolves once that response has reached the client.
 * The child prints one JSON line per result.
 */
async function run(
  body: string,
): Promise<{ code: number | null; results: unknown[]; stderr: string }> {
  const script = `
    import { createServer } from 'node:net';
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const token = JSON.stringify({ access_token: 't', token_type: 'bearer', expires_in: 3600, scope: 's' });
    async function serve(size, framing = 'length') {
      let sent = () => {};
      const server = createServer((sock) => {
        sock.once('data', (request) => {
          const isToken = request.toString('latin1').includes('/identity/oauth/token');
          const payload = isToken ? Buffer.from(token) : Buffer.alloc(size, 0x61);
          const mode = isToken ? 'length' : framing;
          sock.write('HTTP/1.1 200 OK\\r\\ncontent-type: ' + (isToken ? 'application/json' : 'text/csv') +
            (mode === 'length' ? '\\r\\ncontent-length: ' + payload.length : '') +
            (mode === 'chunked' ? '\\r\\ntransfer-encoding: chunked' : '') +
            '\\r\\nconnection: close\\r\\n\\r\\n');
          if (mode === 'chunked') {
            for (let i = 0; i < payload.length; i += 16384) {
              const part = payload.subarray(i, i + 16384);
              sock.write(part.length.toString(16) + '\\r\\n');
              sock.write(part);
              sock.write('\\r\\n');
            }
            sock.write('0\\r\\n\\r\\n');
          } else {
            // 'length', or 'eof': no length, the body ends with the connection.
            sock.write(payload);
          }
          // The FIN follows the body, as a server answering Connection: close sends it.
          sock.end(() => { if (!isToken) sent(); });
        });
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      return {
        origin: 'http://127.0.0.1:' + server.address().port,
        // The body and the FIN have reached the client's socket: a consumer reading only now is
        // slower than the network, which is what leaves undici's parser paused at the FIN.
        sent: () => new Promise((r) => { sent = () => setTimeout(r, 100); }),
        close: () => new Promise((r) => server.close(r)),
      };
    }
    const report = (value) => console.log(JSON.stringify(value));
    ${body}
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const results = out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as unknown);
  return { code, results, stderr };
}

/** Body sizes around undici's 64 KB body buffer, where the parser pauses on the last bytes. */
const SIZES = [70_000, 100_000, 300_000];

describe('a response body read slower than the network, then closed by the peer', () => {
  it('is read to the end through our transport, and the process survives', async () => {
    const { code, results, stderr } = await run(`
      const { createTransport, readAll } = await import('./src/marketo/transport.ts');
      for (const size of ${JSON.stringify(SIZES)}) {
        const server = await serve(size);
        const transport = createTransport({ origin: server.origin, connections: 1, keepAliveTimeoutMs: 10 });
        const sent = server.sent();
        const response = await transport.send({ method: 'GET', path: '/file.json', timeoutMs: 10_000, compress: false });
        await sent;
        report({ size, read: (await readAll(response.body)).length });
        await transport.close();
        await server.close();
      }
    `);
    expect(stderr).not.toContain('assert(!this.paused)');
    expect(code).toBe(0);
    expect(results).toEqual(SIZES.map((size) => ({ size, read: size })));
  });

  it('is read to the end whatever its framing: chunked, or ended by the close itself', async () => {
    const { code, results, stderr } = await run(`
      const { createTransport, readAll } = await import('./src/marketo/transport.ts');
      for (const framing of ['chunked', 'eof']) {
        for (const size of ${JSON.stringify(SIZES)}) {
          const server = await serve(size, framing);
          const transport = createTransport({ origin: server.origin, connections: 1, keepAliveTimeoutMs: 10 });
          const sent = server.sent();
          const response = await transport.send({ method: 'GET', path: '/file.json', timeoutMs: 10_000, compress: false });
          await sent;
          const body = [];
          for await (const chunk of response.body) {
            body.push(chunk);
            await sleep(1);
          }
          report({ framing, size, read: Buffer.concat(body).length });
          await transport.close();
          await server.close();
        }
      }
    `);
    expect(stderr).not.toContain('assert(!this.paused)');
    expect(code).toBe(0);
    expect(results).toEqual(
      ['chunked', 'eof'].flatMap((framing) => SIZES.map((size) => ({ framing, size, read: size }))),
    );
  });

  it('is read to the end by the export file download, and the process survives', async () => {
    const { code, results, stderr } = await run(`
      const { createMarketoClient } = await import('./src/marketo/client.ts');
      for (const size of ${JSON.stringify(SIZES)}) {
        const server = await serve(size);
        const client = createMarketoClient({
          baseUrl: server.origin, clientId: 'id', clientSecret: 'secret', keepAliveTimeoutMs: 10,
          retry: { baseMs: 5, maxMs: 50 },
        });
        const sent = server.sent();
        const file = client.downloadExportFile('leads', 'job-1', { fileSize: size })[Symbol.asyncIterator]();
        let read = 0;
        let next = await file.next();
        await sent;
        for (; !next.done; next = await file.next()) read += next.value.length;
        report({ size, read });
        await client.close();
        await server.close();
      }
    `);
    expect(stderr).not.toContain('assert(!this.paused)');
    expect(code).toBe(0);
    expect(results).toEqual(SIZES.map((size) => ({ size, read: size })));
  });

  it("completes undici's fetch read slowly after the FIN (the issue's reproduction)", async () => {
    const { code, results, stderr } = await run(`
      const { fetch, Agent } = await import('undici');
      for (const size of [65_536, ...${JSON.stringify(SIZES)}]) {
        const server = await serve(size);
        const dispatcher = new Agent({ keepAliveTimeout: 10 });
        const sent = server.sent();
        const response = await fetch(server.origin + '/', { dispatcher });
        await sent;
        // A consumer slower than the network, like the gateway parsing an export.
        let read = 0;
        for await (const chunk of response.body) {
          read += chunk.length;
          await sleep(1);
        }
        report({ size, read });
        await dispatcher.close();
        await server.close();
      }
    `);
    expect(stderr).not.toContain('assert(!this.paused)');
    expect(code).toBe(0);
    expect(results).toEqual([65_536, ...SIZES].map((size) => ({ size, read: size })));
  });

  it('still fails a body cut short of its Content-Length, without crashing', async () => {
    const { code, results, stderr } = await run(`
      const { createTransport, readAll } = await import('./src/marketo/transport.ts');
      let flushed = () => {};
      const server = createServer((sock) => sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\\r\\ncontent-length: 100010\\r\\nconnection: close\\r\\n\\r\\n');
        sock.write(Buffer.alloc(100_000, 0x61));
        sock.end(() => setTimeout(() => flushed(), 100));
      }));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const sent = new Promise((r) => (flushed = r));
      const transport = createTransport({ origin: 'http://127.0.0.1:' + server.address().port, connections: 1 });
      const response = await transport.send({ method: 'GET', path: '/', timeoutMs: 10_000, compress: false });
      await sent;
      try {
        await readAll(response.body);
        report({ outcome: 'complete' });
      } catch (error) {
        report({ outcome: 'error', code: error.code });
      }
      await transport.close();
      server.close();
    `);
    expect(stderr).not.toContain('assert(!this.paused)');
    expect(code).toBe(0);
    expect(results).toEqual([{ outcome: 'error', code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }]);
  });
});
