/**
 * Requests written byte by byte on a TCP socket: bodies shorter than their Content-Length,
 * uploads that keep coming after the answer, headers fetch would not send.
 */
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** The response's status (0: the socket closed without one). */
  status: number;
  /** The response body as text (headers stripped, chunked framing left as is). */
  body: string;
  /** Bytes of the request body the socket accepted before the answer or the close. */
  bodyBytesWritten: number;
}

/**
 * Sends `head` (request line and headers, without the blank line), then `body` chunk by chunk
 * until the server answers or closes; resolves once the socket is closed.
 */
export function rawExchange(
  url: string,
  head: string,
  body: Iterable<Buffer | string> = [],
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let answered = false;
    let written = 0;
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      received.push(chunk);
    });
    let connected = false;
    // EPIPE / reset once the server stops reading are expected; only a failed connect is not.
    socket.on('error', (error) => {
      if (!connected) reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status,
        body: split < 0 ? '' : text.slice(split + 4),
        bodyBytesWritten: written,
      });
    });
    socket.once('connect', () => {
      connected = true;
      socket.write(`${head}\r\n\r\n`);
      const chunks = body[Symbol.iterator]();
      const pump = () => {
        while (!answered && !socket.destroyed) {
          const next = chunks.next();
          if (next.done) return;
          written += Buffer.byteLength(next.value);
          if (!socket.write(next.value)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

/** `count` chunks of `size` bytes of `fill`. */
export function* repeatedChunks(fill: string, size: number, count: number): Generator<Buffer> {
  const chunk = Buffer.alloc(size, fill);
  for (let i = 0; i < count; i++) yield chunk;
}
