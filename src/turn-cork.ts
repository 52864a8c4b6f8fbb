/**
 * When a socket's writes of one event loop turn leave: its first write at once, the rest of the
 * turn's together. A feed page reaches each graphql-ws subscriber as hundreds of frames, one
 * `writev` each otherwise (the largest single cost of a fan-out to 1,000 sockets); a status change
 * is one frame a socket, which holding until the turn's end would only delay: written at once, the
 * first sockets' clients read while the last ones are written (bench:fanout's p99 at 1,000
 * subscribers 27 ms against 51–54 with every socket held to the turn's end).
 */

/** A writable that holds its writes between `cork()` and `uncork()` (a net.Socket). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Sockets written or held this turn, let go together by one immediate (not one each). */
const atTurnEnd: Array<() => void> = [];
const endTurn = () => {
  for (const reset of atTurnEnd.splice(0)) reset();
};

/** Returns the function to call before each write to `stream`. */
export function corkAfterFirstWrite(stream: Corkable): () => void {
  let state: 'idle' | 'wrote' | 'held' = 'idle';
  const reset = () => {
    if (state === 'held') stream.uncork();
    state = 'idle';
  };
  return () => {
    if (state === 'held') return;
    if (state === 'idle') {
      state = 'wrote';
      if (atTurnEnd.push(reset) === 1) setImmediate(endTurn);
      return;
    }
    state = 'held';
    stream.cork();
  };
}
