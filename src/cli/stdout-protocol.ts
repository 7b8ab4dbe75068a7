/** Messages between the CLI (stdout-pipe.ts) and the stdout writer thread (stdout-worker.ts). */

export type ToStdoutWriter =
  | { t: 'write'; buffer: ArrayBuffer; length: number }
  | { t: 'end' };

export type FromStdoutWriter =
  | { t: 'written'; buffer: ArrayBuffer; length: number }
  | { t: 'ended' }
  | { t: 'error'; message: string; code: string | null };
