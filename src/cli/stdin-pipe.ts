/**
 * Standard input as a byte source when it is a pipe: read on a thread of its own (stdin-worker.ts
 * says why) and yielded here in chunks of up to 1 MiB. Anything else on fd 0 (a socket, as Node's
 * own child_process gives, /dev/null), a pipe that does not reopen through /dev/stdin, and runs
 * from the TypeScript sources (the worker script exists only in dist/) read `fallback()`
 * (process.stdin) instead.
 */
import { closeSync, constants, openSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { workerScriptBuilt } from '../threads/worker-script.js';
import { workerEvents, type Died } from '../threads/worker-events.js';
import { CHUNK_BYTES, type StdinMessage, type StdinReply } from './stdin-protocol.js';

const WORKER_URL = new URL('./stdin-worker.js', import.meta.url);

/** Every this many chunks a reader lets the event loop turn (signals, timers, 'drain', EPIPE): here and the file reader (inputs.ts). */
export const CHUNKS_PER_TURN = 4;

/**
 * Our own non-blocking descriptor of the pipe on fd 0, or null when the reader thread is not for
 * it. Anonymous pipes only (`cmd |`): a named FIFO (`< fifo`) opened non-blocking after its writer
 * has gone never reports the hang-up (Linux waits to "have seen a writer"), so its end of input
 * would never come; those read through process.stdin.
 */
function reopenPipe(): number | null {
  if (!workerScriptBuilt(WORKER_URL)) return null;
  try {
    if (!readlinkSync('/proc/self/fd/0').startsWith('pipe:')) return null;
    return openSync('/dev/stdin', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null; // no /proc (some containers), or fd 0 closed
  }
}

export function stdinPipeChunks(fallback: () => AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const fd = reopenPipe();
  if (fd === null) return fallback();
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL, { workerData: { fd } });
  } catch {
    closeSync(fd);
    return fallback();
  }
  // destroy(): an interrupted run lets go of a read still waiting on a quiet pipe (inputs.ts
  // guarded); the thread's exit wakes it, and the process is not held by the thread.
  // Listened to at once, not when the chunks are first asked for: with --threads 2 the first chunk
  // is asked for only once the analysis worker has started, and by then a small input had been
  // read, sent and lost (a user-level audit, 2026-12-04: the run hung, or said "the input is
  // empty", 8 runs in 25 under load).
  const next = workerEvents<StdinMessage>(worker, 'the stdin reader thread');
  return Object.assign(chunksFrom(worker, next), { destroy: (): void => void worker.terminate() });
}

async function* chunksFrom(worker: Worker, next: () => Promise<StdinMessage | Died>): AsyncGenerator<Uint8Array> {
  let chunks = 0;
  try {
    for (;;) {
      const e = await next();
      switch (e.t) {
        case 'chunk': {
          yield new Uint8Array(e.buffer, e.offset, e.length);
          // Asked for the next chunk: the consumer is done with this one (core.ts). A whole chunk's
          // memory goes back for reuse, unless the analysis worker took it (then it is detached).
          const keep = e.buffer.byteLength === CHUNK_BYTES;
          worker.postMessage({ buffer: keep ? e.buffer : null } satisfies StdinReply, keep ? [e.buffer] : []);
          // While the thread keeps up, its chunks queue here and are taken without the event loop
          // turning, and a SIGINT waited seconds or was lost (helper-78 review: `cat 1GB |` read to
          // the end through `timeout 3`): every CHUNKS_PER_TURN chunks the loop turns, as the file
          // reader's does (inputs.ts).
          if (++chunks % CHUNKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          break;
        }
        case 'end':
          return;
        case 'error':
          throw Object.assign(new Error(e.message), { code: e.code ?? undefined });
        case 'died':
          throw new Error(e.message);
      }
    }
  } finally {
    void worker.terminate();
  }
}
