/**
 * Inflates a gzip input on a thread of its own (gunzip-thread.ts is the other side, and says why).
 * It runs the same gunzip() as the in-thread path, on a compressed input fed by messages, so the
 * output, the errors and their offsets are the same by construction.
 *
 * zlib's output comes in pieces of up to 64 KiB, in buffers zlib goes on writing into: they are
 * copied into batches of BATCH_BYTES, and a batch is sent when full, when the stream is over, and
 * when gunzip waits for compressed bytes that have not come (a live input is not held back).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gunzip, GzipError, newGunzipReport } from './gzip.js';
import { BATCH_BYTES, MAX_OUT, type FromGunzip, type GunzipFailure, type ToGunzip } from './gunzip-protocol.js';
import { CaptureError } from './record.js';

const port = parentPort!;
const post = (m: FromGunzip, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const report = newGunzipReport();
report.readThrough = (workerData as { readThrough: boolean }).readThrough;

// The compressed input, as the reading side sends it.
const input: Array<Extract<ToGunzip, { t: 'chunk' | 'end' | 'source-error' }>> = [];
let inputWake: (() => void) | null = null;
let sourceClosed = false;
/** Thrown in gunzip's source for the reading side's error; recognised by identity when gunzip rethrows it. */
let sourceFailure: Error | null = null;

// Batches of output.
const spare: ArrayBuffer[] = [];
let batch = new Uint8Array(BATCH_BYTES);
let filled = 0;
let pieces: number[] = [];
let outstanding = 0;
let outWake: (() => void) | null = null;

port.on('message', (m: ToGunzip) => {
  if (m.t === 'took') {
    outstanding--;
    if (m.buffer !== null && m.buffer.byteLength === BATCH_BYTES && spare.length < MAX_OUT) spare.push(m.buffer);
    wake('out');
    return;
  }
  input.push(m);
  wake('in');
});

function wake(which: 'in' | 'out'): void {
  const w = which === 'in' ? inputWake : outWake;
  if (which === 'in') inputWake = null;
  else outWake = null;
  w?.();
}

function flush(): void {
  if (filled === 0) return;
  const full = batch.buffer as ArrayBuffer;
  post({ t: 'out', buffer: full, length: filled, pieces }, [full]);
  outstanding++;
  batch = new Uint8Array(spare.pop() ?? new ArrayBuffer(BATCH_BYTES));
  filled = 0;
  pieces = [];
}

async function* compressed(): AsyncGenerator<Uint8Array> {
  let over = false;
  /** The chunk gunzip has: done with once it asks for the next (gzip.ts copies what it keeps). */
  let held: ArrayBuffer | null = null;
  try {
    for (;;) {
      if (held !== null) {
        post({ t: 'took-in', buffer: held }, [held]);
        held = null;
      }
      if (input.length === 0) {
        // gunzip waits for input: what it made so far goes out now, not when a batch fills.
        flush();
        while (input.length === 0) await new Promise<void>((resolve) => (inputWake = resolve));
      }
      const m = input.shift()!;
      if (m.t === 'end') {
        over = true;
        return;
      }
      if (m.t === 'source-error') {
        over = true;
        // gunzip inflates the block it was gathering when the input was interrupted (as in-thread).
        sourceFailure = m.interrupted ? new CaptureError('INTERRUPTED', 0, 'interrupted') : new Error('the compressed input failed');
        throw sourceFailure;
      }
      held = m.buffer;
      yield new Uint8Array(m.buffer, 0, m.length);
    }
  } finally {
    // Reached before the end or an error only when gunzip lets go of its input (gzip.ts, `close`).
    if (!over) sourceClosed = true;
  }
}

async function run(): Promise<void> {
  let failure: GunzipFailure | null = null;
  try {
    for await (const piece of gunzip(compressed(), report)) {
      // Pieces are not cut (zlib's are at most 64 KiB): a batch holds whole ones.
      if (filled + piece.length > batch.length) {
        flush();
        while (outstanding >= MAX_OUT) await new Promise<void>((resolve) => (outWake = resolve));
        if (piece.length > batch.length) batch = new Uint8Array(piece.length);
      }
      batch.set(piece, filled);
      filled += piece.length;
      pieces.push(piece.length);
    }
  } catch (err) {
    if (err === sourceFailure && sourceFailure !== null) failure = { kind: 'source' };
    else if (err instanceof GzipError) failure = { kind: 'gzip', message: err.message, compressedOffset: err.compressedOffset };
    else failure = { kind: 'other', message: err instanceof Error ? err.message : String(err) };
  }
  flush();
  const { compressedBytes, members, trailing } = report;
  post({ t: 'done', failure, report: { compressedBytes, members, trailing }, closeSource: sourceClosed });
}

void run();
