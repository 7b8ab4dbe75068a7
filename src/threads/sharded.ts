/**
 * `--threads 2` for NDJSON streamed from regular files: the run as shards (flow/tracker.ts, Shard),
 * one worker each, every worker reading the whole capture and tracking and rendering its share of
 * the connections; this thread merges their lines back into the single run's bytes
 * (shard-merger.ts) and writes them. Unlike the split of pipeline.ts (read and track on one core,
 * report on the other), every stage but reading and decoding is halved, so it pays on floods too
 * (docs/benchmarks.md, "Sharding").
 *
 * The output is the single run's, byte for byte. A cap that counts every connection
 * (--max-connections, the tombstones kept for port reuse) is one thing a shard cannot apply as a
 * single tracker would: the connection a single tracker evicts may be another shard's. So each
 * shard tracks a share of the caps, and the first to reach its share stops the run
 * (flow/tracker.ts, ShardCapReached) while every line written is still the single run's; the
 * caller then finishes on one thread, skipping the lines already written (ShardedRun.capReached).
 * What is written by then is the single run's lines before the earliest segment at which a shard
 * reached its share: the same lines however far each shard had got when the first stopped.
 */
import type { Worker } from 'node:worker_threads';
import { SummaryAccumulator } from '../analysis/summary.js';
import { CaptureError } from '../capture/record.js';
import type { FailOn } from '../cli/options.js';
import { GateCount } from '../cli/select.js';
import type { CoreResult } from '../core.js';
import type { RunReport, Settings } from '../report/model.js';
import { SCHEMA_VERSION } from '../report/model.js';
import { TOOL_VERSION } from '../version.js';
import { ShardMerger, type ShardBatch } from './shard-merger.js';
import { isBefore, readAll, unpackBatch, type FromShard, type ReadPosition, type ToShard } from './shard-protocol.js';
import { SHARD_WORKER_URL, takeShardWorkers } from './prewarm.js';
import { workerScriptBuilt } from './worker-script.js';

export function shardWorkerAvailable(): boolean {
  return workerScriptBuilt(SHARD_WORKER_URL);
}

export interface ShardedRunOptions {
  shards: number;
  failOn: FailOn | null;
  /** Merged NDJSON bytes, in order; true when done with the chunk (its memory is reused). */
  write: (chunk: Uint8Array) => boolean;
  /** Output backpressure: while it returns a promise, the shards wait. */
  waitForOutput: () => Promise<void> | null;
  onInputError?: (file: string, err: CaptureError) => void;
  /** Bytes of `file` read (by one of the shards): for a progress bar. */
  onBytes?: (file: string, bytes: number) => void;
  /** Aborted (stdout gone): the workers are stopped and the run resolves with null. */
  signal?: AbortSignal;
  /**
   * When aborted (the reason is the signal's name), every shard stops reading at the furthest point
   * any had read, and the run resolves as the single run interrupted there would (its inputs have
   * INTERRUPTED). Only when a shard had stopped at a cap are the lines merged so far written, and
   * the run resolves null.
   */
  interrupt?: AbortSignal;
  /** As AnalyzeOptions.precisionDigits. */
  precisionDigits?: number;
  /** As AnalyzeOptions.clockStart. */
  clockStart?: readonly [number, number] | null;
}

/** The shards stopped at a cap (ShardCapReached): `linesWritten` lines of the single run's are out. */
export interface ShardCapStop {
  capReached: { cap: 'connections' | 'tombstones'; ordinal: number };
  linesWritten: number;
}

export interface ShardedRun {
  capReached?: undefined;
  report: RunReport;
  gate: GateCount;
  /** The most connection creations the merge held at once: bounded by the shards' referable sets. */
  creationsHeldPeak: number;
}

/** `files` are regular files, `sizes` their sizes as stat'ed before the run (ShardSetup.sizes). */
export function analyzeSharded(files: string[], sizes: number[], settings: Settings, opts: ShardedRunOptions): Promise<ShardedRun | ShardCapStop | null> {
  const n = opts.shards;
  const workers: Worker[] = takeShardWorkers(n);
  let closed = false;
  // A shard's batch is acknowledged once merged, and once the output has taken what is written;
  // its memory goes back with the acknowledgement, for the shard's next batch (a fresh buffer per
  // batch was external memory this thread's rare collections let pile up: 440 MiB on the flood).
  const ack = (batch: ShardBatch): void => {
    const send = (): void => {
      if (closed) return;
      const bytes = batch.bytes.buffer as ArrayBuffer;
      const meta = (batch as ReturnType<typeof unpackBatch>).meta.buffer as ArrayBuffer;
      workers[batch.shard].postMessage({ t: 'ack', bytes, meta } satisfies ToShard, [bytes, meta]);
    };
    const pending = opts.waitForOutput();
    if (pending === null) send();
    else pending.then(send, send);
  };
  const merger = new ShardMerger(n, opts.write, 1 << 20, ack);
  const done: Array<Extract<FromShard, { t: 'done' }> | null> = new Array(n).fill(null);
  /** Where each shard's reading stands (ShardSetup.reading), shared with them. */
  const reading = new SharedArrayBuffer(8 * n);
  /** The earliest cap a shard reached (ShardCapReached), once one has. */
  let capped: ShardCapStop['capReached'] | null = null;
  return new Promise<ShardedRun | ShardCapStop | null>((resolve, reject) => {
    let settled = false;
    const stop = (): void => {
      settled = closed = true;
      for (const w of workers) void w.terminate();
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      stop();
      reject(err);
    };
    const aborted = (): void => {
      if (settled) return;
      stop();
      resolve(null);
    };
    // Interrupted at a cap (a shard stopped at its share, below): the lines merged so far are
    // written (the merge's buffer holds whole lines between messages), then the shards are stopped;
    // only one thread could go on from there, and the interruption says not to.
    const abandonAtCap = (): void => {
      try {
        merger.flush();
      } finally {
        stop();
        resolve(null);
      }
    };
    // Interrupted (SIGINT, SIGTERM): the shards are halted, then all stop at the furthest point any
    // had read (ToShard 'stopAt'), so each has read the same bytes and they finish as the single
    // thread does when interrupted there: the open connections, the summary, INTERRUPTED in inputs.
    const allRead = readAll(files.length);
    const stands: Array<ReadPosition | null> = new Array(n).fill(null);
    let halting = false;
    let stopSent = false;
    const stopWhenAllStand = (): void => {
      if (!halting || stopSent || stands.some((p) => p === null)) return;
      let at = stands[0]!;
      for (const p of stands) if (isBefore(at, p!)) at = p!;
      stopSent = true;
      const reason = String(opts.interrupt!.reason);
      for (let i = 0; i < n; i++) if (done[i] === null) workers[i].postMessage({ t: 'stopAt', at, reason } satisfies ToShard);
    };
    const interrupted = (): void => {
      if (settled || halting) return;
      if (capped !== null) { abandonAtCap(); return; }
      halting = true;
      for (let i = 0; i < n; i++) {
        if (done[i] !== null) stands[i] = allRead;
        else workers[i].postMessage({ t: 'halt' } satisfies ToShard);
      }
      stopWhenAllStand();
    };
    // Either may have come already, while the inputs were probed or the workers started: a
    // listener added now would never hear it (helper-78 review: a SIGINT 0.25 s in read all 1 GB).
    if (opts.signal?.aborted === true) aborted();
    else opts.signal?.addEventListener('abort', aborted);
    if (opts.interrupt?.aborted === true) interrupted();
    else opts.interrupt?.addEventListener('abort', interrupted);
    if (settled) return;
    const finish = (): void => {
      merger.finish();
      settled = true;
      const parts = done as Array<Extract<FromShard, { t: 'done' }>>;
      const core: CoreResult = parts[0].core;
      const summary = new SummaryAccumulator();
      const gate = new GateCount();
      for (const p of parts) {
        summary.absorb(p.summary);
        gate.absorb(p.gate);
      }
      const stats = {
        ...core.stats,
        connectionsTimedOut: parts.reduce((a, p) => a + p.core.stats.connectionsTimedOut, 0),
        connectionsEvicted: parts.reduce((a, p) => a + p.core.stats.connectionsEvicted, 0),
        peakConnections: merger.peak,
      };
      closed = true;
      for (const w of workers) void w.terminate();
      resolve({
        report: {
          schemaVersion: SCHEMA_VERSION,
          tool: { name: 'tcpflow-analyze', version: TOOL_VERSION },
          settings,
          inputs: core.inputs,
          stats,
          summary: summary.build(core.firstPacket, core.lastPacket),
          connections: [],
        },
        gate,
        creationsHeldPeak: merger.creationsHeldPeak,
      });
    };
    for (let index = 0; index < n; index++) {
      const w = workers[index];
      w.on('message', (m: FromShard) => {
        if (settled) return;
        try {
          switch (m.t) {
            case 'batch':
              merger.push(unpackBatch(m.batch));
              break;
            case 'read':
              opts.onBytes?.(m.file, m.bytes);
              return;
            case 'inputError':
              // Every shard reads every input and meets the same error: said once.
              if (index === 0) opts.onInputError?.(m.file, new CaptureError(m.code as CaptureError['code'], m.byteOffset, m.message));
              return;
            case 'halted':
              stands[index] = m.at;
              stopWhenAllStand();
              return;
            case 'capReached':
              // Halted, no thread goes on past a cap (the single thread would read again).
              if (halting) { abandonAtCap(); return; }
              // The single run's lines are known through the segment before the earliest cap; the
              // others go on until they pass it or stop at a cap of their own before it.
              if (capped === null || m.ordinal < capped.ordinal) capped = { cap: m.cap, ordinal: m.ordinal };
              merger.limit = capped.ordinal - 1;
              break;
            case 'done':
              done[index] = m;
              if (halting && stands[index] === null) { stands[index] = allRead; stopWhenAllStand(); }
              if (capped === null && done.every((d) => d !== null)) finish();
              break;
          }
          if (capped !== null && merger.settledThroughLimit()) {
            // Flushed before stop(): a write that throws still rejects the run (fail() ignores a settled one).
            merger.flush();
            stop();
            resolve({ capReached: capped, linesWritten: merger.linesOut });
          }
        } catch (err) {
          fail(err);
        }
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!settled && done[index] === null) fail(new Error(`shard worker ${index} exited (code ${code}) before finishing`));
      });
      w.postMessage({ t: 'setup', setup: { settings, files, sizes, shard: { index, count: n }, failOn: opts.failOn, progress: index === 0 && opts.onBytes !== undefined, reading, precisionDigits: opts.precisionDigits, clockStart: opts.clockStart ?? null } } satisfies ToShard);
    }
  });
}
