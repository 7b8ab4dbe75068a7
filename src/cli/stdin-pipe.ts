/**
 * Standard input as a byte source when it is a pipe: read on a thread of its own (stdin-worker.ts
 * says why) and yielded here in chunks of up to 1 MiB. Falls back to `fallback()` (process.stdin)
 * when the reader cannot be had: running from TypeScript sources (the worker script exists only
 * in dist/), no /dev/stdin, or fd 0 something a pipe reader cannot open (a socket, /dev/null).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StdinMessage, StdinReply } from './stdin-protocol.js';

const WORKER_URL = new URL('./stdin-worker.js', import.meta.url);

type Event = StdinMessage | { t: 'died'; message: string };

export function stdinReaderAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

export async function* stdinPipeChunks(fallback: () => AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (!stdinReaderAvailable()) {
    yield* fallback();
    return;
  }
  const worker = new Worker(WORKER_URL);
  const events: Event[] = [];
  let wake: (() => void) | null = null;
  const push = (e: Event): void => {
    events.push(e);
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', push);
  worker.on('error', (err: Error) => push({ t: 'died', message: err.message }));
  worker.on('exit', (code: number) => push({ t: 'died', message: `the stdin reader thread exited (${code})` }));
  const next = async (): Promise<Event> => {
    while (events.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return events.shift()!;
  };
  try {
    const first = await next();
    if (first.t !== 'ready') {
      // Nothing was read from the pipe yet: process.stdin can still have all of it.
      yield* fallback();
      return;
    }
    for (;;) {
      const e = await next();
      switch (e.t) {
        case 'chunk': {
          yield new Uint8Array(e.buffer, e.offset, e.length);
          // Asked for the next chunk: the consumer is done with this one (core.ts). Its memory
          // goes back for reuse unless the analysis worker took it (then it is detached).
          const keep = e.buffer.byteLength > 0;
          worker.postMessage({ buffer: keep ? e.buffer : null } satisfies StdinReply, keep ? [e.buffer] : []);
          break;
        }
        case 'end':
          return;
        case 'error':
          throw Object.assign(new Error(e.message), { code: e.code ?? undefined });
        case 'died':
          throw new Error(e.message);
        default:
          throw new Error(`the stdin reader thread sent '${e.t}' mid-stream`);
      }
    }
  } finally {
    void worker.terminate();
  }
}
