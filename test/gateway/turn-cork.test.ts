import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkAfterFirstWrite } from '../../src/turn-cork.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A stream that records each write it is handed: one chunk (`write`) or several (`writev`). */
function recordingStream() {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  const beforeWrite = corkAfterFirstWrite(stream);
  const write = (text: string) => {
    beforeWrite();
    stream.write(Buffer.from(text));
  };
  return { writes, write, stream };
}

describe('socket writes of one event loop turn', () => {
  it('sends a lone frame at once, without waiting for the turn to end', () => {
    const { writes, write } = recordingStream();
    write('status');
    expect(writes).toEqual([['status']]);
  });

  it('holds the rest of the turn’s frames and sends them in one write when it ends', async () => {
    const { writes, write } = recordingStream();
    for (const frame of ['a', 'b', 'c', 'd']) write(frame);
    expect(writes).toEqual([['a']]);
    await turn();
    expect(writes).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('starts each turn afresh, for every socket written in the last one', async () => {
    const one = recordingStream();
    const two = recordingStream();
    for (const { write } of [one, two]) ['a', 'b'].forEach(write);
    await turn();
    one.write('c');
    two.write('c');
    expect(one.writes).toEqual([['a'], ['b'], ['c']]);
    expect(two.writes).toEqual([['a'], ['b'], ['c']]);
  });

  it('lets a socket destroyed before the turn ends go without error', async () => {
    const { write, stream } = recordingStream();
    ['a', 'b'].forEach(write);
    stream.destroy();
    await turn();
    expect(stream.destroyed).toBe(true);
  });
});
