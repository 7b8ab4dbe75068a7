/**
 * The messages a worker thread posts, queued from the moment this is called, with its failure or
 * exit as a `died` event: a Worker emits what its thread posts as it comes and drops it while
 * nobody listens (the stdin reader's first chunk was lost so, stdin-pipe.ts). The thread keeps the
 * process alive only while the returned next() waits for it: a consumer that stops asking (and
 * never closes it) must not hold the process at exit. Used by the stdin reader (stdin-pipe.ts) and
 * the gunzip thread (gunzip-thread.ts).
 */
import type { Worker } from 'node:worker_threads';

export interface Died {
  t: 'died';
  message: string;
}

/**
 * `what` names the thread in the died messages. `direct` sees each message first and may take it
 * (returns true), as credit that must not wait behind the queued ones; `Q` is what is left queued.
 */
export function workerEvents<M, Q = M>(worker: Worker, what: string, direct?: (m: M) => boolean): () => Promise<Q | Died> {
  const queue: Array<Q | Died> = [];
  let wake: (() => void) | null = null;
  const push = (e: Q | Died): void => {
    queue.push(e);
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m: M) => {
    if (direct?.(m) !== true) push(m as unknown as Q);
  });
  worker.on('error', (err: Error) => push({ t: 'died', message: `${what} failed: ${err.message}` }));
  worker.on('exit', (code: number) => push({ t: 'died', message: `${what} exited (${code})` }));
  worker.unref();
  return async () => {
    if (queue.length === 0) {
      worker.ref();
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      worker.unref();
    }
    return queue.shift()!;
  };
}
