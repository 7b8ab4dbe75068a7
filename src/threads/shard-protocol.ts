/** Messages between the CLI's thread and the shard workers of a sharded run (sharded.ts, shard-worker.ts). */
import type { SummaryCounts } from '../analysis/summary.js';
import type { CoreResult } from '../core.js';
import type { Shard } from '../flow/tracker.js';
import type { Settings } from '../report/model.js';
import type { FailOn } from '../cli/options.js';
import type { ShardBatch } from './shard-merger.js';

export interface ShardSetup {
  /** The run's settings (each shard tracks a share of its caps: flow/tracker.ts, ShardCapReached). */
  settings: Settings;
  /** Regular files, each read by every shard. */
  files: string[];
  /** Each file's size when the run began: every shard reads that much and no more (InputHooks.limit). */
  sizes: number[];
  shard: Shard;
  failOn: FailOn | null;
  /** Say each chunk read (one shard does, for the progress bar). */
  progress: boolean;
  /**
   * Float64 per shard: how far it has read, in bytes of the inputs one after another as stored (a
   * gzip file's compressed bytes; Infinity: all of them). A shard reads on only while no other is
   * more than SHARD_LEAD_BYTES behind it. Read and written without Atomics: a stale or torn value
   * can only make one wait-or-go decision wrong, and keepPace decides again every millisecond.
   */
  reading: SharedArrayBuffer;
  /** AnalyzeOptions.precisionDigits: each shard's clock starts at it. */
  precisionDigits: number | undefined;
  /** AnalyzeOptions.clockStart: every shard's clock has the same zero, before it. */
  clockStart: readonly [number, number] | null;
}

/**
 * How far a shard may read ahead of the slowest. Credit alone bounds the lines a shard has in flight,
 * not its reading: a shard with no lines to send (one flow carrying the capture, hashed to the other)
 * read to the end while the other was at its first MiB, so an interruption, which stops every shard
 * at the furthest point any had read (ToShard 'stopAt'), read on for as long again.
 */
export const SHARD_LEAD_BYTES = 4 << 20;

/** Most batches a shard sends ahead of the merge (each acknowledged once merged and written). */
export const SHARD_BATCHES_IN_FLIGHT = 4;

/**
 * Where a shard's reading stands: `bytes` of input `file` handed to its core (the core has asked
 * for no more). `file` = the number of inputs: every input read (readAll).
 */
export interface ReadPosition { file: number; bytes: number }

/** The position of a shard that has read every one of `inputs` inputs. */
export function readAll(inputs: number): ReadPosition {
  return { file: inputs, bytes: 0 };
}

/** Input `a` is before `b`: `a`'s shard must read on to `b` to have read what `b`'s shard has. */
export function isBefore(a: ReadPosition, b: ReadPosition): boolean {
  return a.file < b.file || (a.file === b.file && a.bytes < b.bytes);
}

export type ToShard =
  | { t: 'setup'; setup: ShardSetup }
  /** A batch merged: one more may be sent, into this memory (the batch's own, given back). */
  | { t: 'ack'; bytes: ArrayBuffer; meta: ArrayBuffer }
  /**
   * The run was interrupted (SIGINT, SIGTERM): hand the core no more input and say where the
   * reading stands ('halted'); every input read, say so at once.
   */
  | { t: 'halt' }
  /**
   * Where every shard stops reading: the furthest any had read when halted. A shard behind reads on
   * to it (cutting the chunk that crosses it), then ends the input there as the single thread ends
   * an interrupted one (CaptureError INTERRUPTED, `reason` the signal's name), inputs after it not
   * read; so every shard has read the same bytes and the merge is the single run interrupted there.
   */
  | { t: 'stopAt'; at: ReadPosition; reason: string };

export type FromShard =
  | { t: 'batch'; batch: WireBatch }
  | { t: 'read'; file: string; bytes: number }
  | { t: 'inputError'; file: string; code: string; byteOffset: number; message: string }
  /** The shard reached its share of a cap at this segment and stopped (ShardCapReached). */
  | { t: 'capReached'; cap: 'connections' | 'tombstones'; ordinal: number }
  /** The answer to 'halt': this shard's core has been handed input up to `at` and waits for 'stopAt'. */
  | { t: 'halted'; at: ReadPosition }
  | { t: 'done'; core: CoreResult; summary: SummaryCounts; gate: { connections: number; codes: Array<[string, number]> } };

/**
 * A ShardBatch as it crosses threads: the lines' bytes and, in one Float64Array, their ends, keys,
 * ids and refs (0/1), the creations, then the referable placeholders, section after section. Both buffers are transferred and
 * come back with the acknowledgement, so a batch costs neither thread an allocation: structured
 * clones of five arrays per batch were external memory the merge's thread, which rarely collects,
 * let pile up (with glibc's per-thread arenas, ~100 MiB of RSS on the 2M-SYN flood).
 */
export interface WireBatch {
  shard: number;
  bytes: Uint8Array;
  meta: Float64Array;
  lines: number;
  creations: number;
  watermark: number;
  watermarkSub?: number;
  /** How many referable placeholders follow the creations (-1: none sent, ShardBatch.referable absent). */
  referable: number;
}

/** Floats of `meta` a batch of `lines` lines, `creations` creations and `referable` placeholders needs. */
export function metaLength(lines: number, creations: number, referable: number): number {
  return 6 * lines + creations + Math.max(0, referable);
}

/** The batch's sections as views (no copy); `meta` is kept for the acknowledgement. */
export function unpackBatch(w: WireBatch): ShardBatch & { meta: Float64Array } {
  const n = w.lines;
  const m = w.meta;
  return {
    shard: w.shard,
    bytes: w.bytes,
    ends: m.subarray(0, n),
    keys: m.subarray(n, 4 * n),
    ids: m.subarray(4 * n, 5 * n),
    refs: m.subarray(5 * n, 6 * n),
    created: m.subarray(6 * n, 6 * n + w.creations),
    watermark: w.watermark,
    ...(w.watermarkSub !== undefined ? { watermarkSub: w.watermarkSub } : {}),
    ...(w.referable >= 0 ? { referable: m.subarray(6 * n + w.creations, 6 * n + w.creations + w.referable) } : {}),
    meta: m,
  };
}
