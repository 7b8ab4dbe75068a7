/** Messages between the stdin reader thread (stdin-worker.ts) and the CLI (stdin-pipe.ts). */

/** The size of a chunk the reader fills before sending it: the CLI's read size (inputs.ts). */
export const CHUNK_BYTES = 1 << 20;
/** Chunks sent and not yet taken: what the reader may hold ahead of the analysis (4 MiB). */
export const MAX_IN_FLIGHT = 4;
/** A partly filled chunk is sent at most this long after its first unsent byte arrived (milliseconds). */
export const SETTLE_MS = 5;

export type StdinMessage =
  | { t: 'chunk'; buffer: ArrayBuffer; offset: number; length: number }
  | { t: 'end' }
  | { t: 'error'; message: string; code: string | null };

/** A chunk taken; its memory given back when this side still has it (not transferred on). */
export interface StdinReply { buffer: ArrayBuffer | null }
