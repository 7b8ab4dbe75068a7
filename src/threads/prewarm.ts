/**
 * Starting the analysis worker takes ~0.2 s (a fresh isolate loading the core's modules), which
 * the reporting thread would otherwise wait through. The CLI starts it first thing, before loading
 * its own modules, when the arguments suggest a big input; pipeline.ts takes it when the run
 * begins. An unused one is unreferenced, so it never keeps the process alive.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export const WORKER_URL = new URL('./analysis-worker.js', import.meta.url);
/** `--threads auto`: inputs this large (or stdin, whose size is unknown) get the analysis worker. */
export const WORKER_MIN_BYTES = 64 * 1024 * 1024;

let warm: Worker | null = null;

/** A new worker, waiting for its setup message (protocol.ts). */
export function startWorker(): Worker {
  const w = new Worker(WORKER_URL);
  w.unref();
  // An 'error' event with no listener would crash the process; once taken, pipeline.ts listens too.
  w.on('error', () => {});
  return w;
}

/** The prewarmed worker, if any (once), else a new one. */
export function takeWorker(): Worker {
  const w = warm ?? startWorker();
  warm = null;
  w.ref();
  return w;
}

/**
 * A cheap guess from raw argv, before the CLI parses it: the worker is wanted unless `--threads 1`
 * or `--ladder` is given, and some argument is stdin or names files of WORKER_MIN_BYTES in all.
 * A wrong guess costs a worker that is never used, or one started later.
 */
export function prewarmFor(argv: readonly string[]): void {
  if (warm !== null) return;
  let bytes = 0;
  let stdin = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads' && argv[i + 1] === '1') return;
    if (a === '--threads=1' || a === '--ladder' || a.startsWith('--ladder=') || a === '--help' || a === '--version') return;
    if (a === '-') stdin = true;
    else if (!a.startsWith('-')) {
      try {
        const st = statSync(a, { throwIfNoEntry: false });
        if (st?.isFile()) bytes += st.size;
      } catch {
        // not a file: an option's value
      }
    }
  }
  if ((stdin || bytes >= WORKER_MIN_BYTES) && existsSync(fileURLToPath(WORKER_URL))) warm = startWorker();
}
