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

/** The prewarmed worker, if any (once), else a new one. Prewarmed shards are not needed then. */
export function takeWorker(): Worker {
  const w = warm ?? startWorker();
  warm = null;
  dropShards();
  w.ref();
  return w;
}

/** A shard worker (sharded.ts) waiting for its setup (shard-protocol.ts). */
export const SHARD_WORKER_URL = new URL('./shard-worker.js', import.meta.url);
let warmShards: Worker[] = [];

function startShard(): Worker {
  // The shards' garbage is short-lived too (WORKER_YOUNG_GENERATION_MB).
  const w = new Worker(SHARD_WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  w.unref();
  w.on('error', () => {});
  // One that died waiting (out of memory at start-up) is not handed out: its 'exit' would not come again.
  w.once('exit', () => { warmShards = warmShards.filter((x) => x !== w); });
  return w;
}

/** `n` shard workers, prewarmed ones first; the analysis worker, if prewarmed, is stopped. */
export function takeShardWorkers(n: number): Worker[] {
  const ws: Worker[] = [];
  for (let i = 0; i < n; i++) ws.push(warmShards.shift() ?? startShard());
  dropShards();
  if (warm !== null) void warm.terminate();
  warm = null;
  for (const w of ws) w.ref();
  return ws;
}

function dropShards(): void {
  // An idle isolate is ~10 MiB of RSS for the whole run: a flood's budget.
  for (const w of warmShards) void w.terminate();
  warmShards = [];
}

/**
 * From raw argv, before the CLI parses it: `--threads 2` without `--ladder` (which needs the
 * in-process run) starts the workers now: two shards when the output is NDJSON and standard input
 * is not among the inputs (run.ts then shards, most likely), else the analysis worker. A wrong
 * guess costs workers that are stopped unused.
 */
export function prewarmFor(argv: readonly string[]): void {
  if (warm !== null || warmShards.length > 0) return;
  let two = false;
  let ndjson = false;
  let stdin = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--threads' && argv[i + 1] === '2') || a === '--threads=2') two = true;
    if (((a === '-f' || a === '--format') && argv[i + 1] === 'ndjson') || a === '--format=ndjson' || a === '-f=ndjson' || a === '-fndjson') ndjson = true;
    if (a === '-') stdin = true;
    if (a === '--ladder' || a.startsWith('--ladder=') || a === '--help' || a === '--version') return;
  }
  if (!two) return;
  if (ndjson && !stdin && workerScriptBuilt(SHARD_WORKER_URL)) warmShards = [startShard(), startShard()];
  else if (workerScriptBuilt(WORKER_URL)) warm = startWorker();
}
