/** Messages between readCapture's side of a gzip input (gunzip-thread.ts) and the gunzip thread (gunzip-worker.ts). */

/** Compressed chunks sent and not yet done with by the thread: what it may hold ahead of zlib, and the one in it. */
export const MAX_AHEAD = 3;
/** The size of the batches the thread gathers zlib's output in (the CLI's read size). */
export const BATCH_BYTES = 1 << 20;
/** Batches sent and not yet taken: what the thread may inflate ahead of the analysis (4 MiB). */
export const MAX_OUT = 4;

export type ToGunzip =
  /** A compressed chunk (a copy, transferred). */
  | { t: 'chunk'; buffer: ArrayBuffer; length: number }
  /** The compressed input ended. */
  | { t: 'end' }
  /** Reading the compressed input failed; the error itself stays on the reading side. */
  | { t: 'source-error'; interrupted: boolean }
  /** A batch taken; its memory given back when this side still has it. */
  | { t: 'took'; buffer: ArrayBuffer | null };

export type GunzipFailure =
  | { kind: 'gzip'; message: string; compressedOffset: number }
  /** The compressed input's own error, passed through (the reading side rethrows its object). */
  | { kind: 'source' }
  | { kind: 'other'; message: string };

/** The GunzipReport fields the thread fills in. */
export interface ThreadReport {
  compressedBytes: number;
  members: number;
  trailing: { compressedOffset: number; head: Uint8Array } | null;
}

export type FromGunzip =
  /** The thread is done with a compressed chunk: another may be sent, in its memory when given back. */
  | { t: 'took-in'; buffer: ArrayBuffer | null }
  /**
   * Decompressed bytes [0, length) of `buffer` (transferred): the pieces gunzip() yielded, of
   * `pieces` bytes each, handed out as they were (drive() counts what it reads after the reader
   * stopped by chunks, so the chunking shows in a report).
   */
  | { t: 'out'; buffer: ArrayBuffer; length: number; pieces: number[] }
  /**
   * The stream is over: it ended (failure null) or failed. `closeSource`: gunzip let go of the
   * compressed input (a file is closed then; a pipe it stopped on is left to be read through).
   */
  | { t: 'done'; failure: GunzipFailure | null; report: ThreadReport; closeSource: boolean };
