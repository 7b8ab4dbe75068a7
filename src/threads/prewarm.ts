/**
 * Starting the analysis worker takes ~0.2 s (a fresh isolate loading the core's modules), which
 * the reporting thread would otherwise wait through. With `--threads 2` the CLI starts it first
 * thing, before loading its own modules; pipeline.ts takes it when the run begins. An unused one
 * is unreferenced, so it never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import { workerScriptBuilt } from './worker-script.js';

export const WORKER_URL = new URL('./analysis-worker.js', import.meta.url);

let warm: Worker | null = null;

/**
 * The worker's young generation, in MB (V8's default lets it grow to 3 × 16 MB). The worker's
 * garbage is short-lived (numbers boxed across calls, ~280 MB a run on the 1 GB benchmark capture)
 * and its long-lived state goes to the old generation anyway, so a small one costs no time: on that
 * capture `--threads 2` peaked at 262 MiB instead of 330-336 MiB, at 0.83x the single thread's
 * time against 0.89x (bench/ab.mjs, 3 alternated reps, minima); 8 MB gave 278-289 MiB.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** A new worker, waiting for its setup message (protocol.ts). */
export function startWorker(): Worker {
  const w = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
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
 * From raw argv, before the CLI parses it: `--threads 2` without `--ladder` (which needs the
 * in-process run) starts the worker now. A wrong guess costs a worker that is never used.
 */
export function prewarmFor(argv: readonly string[]): void {
  if (warm !== null) return;
  let two = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--threads' && argv[i + 1] === '2') || a === '--threads=2') two = true;
    if (a === '--ladder' || a.startsWith('--ladder=') || a === '--help' || a === '--version') return;
  }
  if (two && workerScriptBuilt(WORKER_URL)) warm = startWorker();
}
