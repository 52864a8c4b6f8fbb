/**
 * An export file served at a link's speed. Marketo's files come over the internet, at tens of
 * MB/s; the sandbox on loopback serves them at hundreds, faster than any parse, which hides
 * whether a client keeps up with a real download. Each chunk is let through once the bytes before
 * it and itself fit in the time since the first one at `bytesPerSecond`.
 */
import { pipeline, type Readable, Transform } from 'node:stream';

export function throttled(source: Readable, bytesPerSecond: number): Readable {
  if (!(bytesPerSecond > 0)) return source;
  let startedAt: number | undefined;
  let sent = 0;
  const link = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      startedAt ??= performance.now();
      sent += chunk.length;
      const due = startedAt + (sent / bytesPerSecond) * 1000 - performance.now();
      if (due <= 0) done(null, chunk);
      else setTimeout(() => done(null, chunk), due);
    },
  });
  // A client that goes away stops the file read; a failed read fails the response (which the
  // response's own error listener reports).
  return pipeline(source, link, () => {});
}
