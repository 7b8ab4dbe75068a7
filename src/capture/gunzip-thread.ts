/**
 * gunzip() on a thread of its own (gunzip-worker.ts): the same decompressed chunks, errors and
 * report, while the analysis goes on with the last batch. In-thread, each 32 KiB block's inflate
 * is a thread-pool round trip that the analysis waits for, and the crc32 of every output byte is
 * the analysing thread's work: the 1 GB benchmark capture gzipped took 12.5 s against 5.4 s
 * unzipped and 10.5 s through `gzip -dc |` (docs/benchmarks.md, 2026-12-07).
 *
 * This side reads the compressed input (up to MAX_AHEAD chunks ahead of the thread, each copied:
 * a source may reuse a chunk's memory once the next is asked for) and yields the thread's batches.
 * What the input is told (closed, or left open to be read through) is what gunzip() tells it.
 */
import { Worker } from 'node:worker_threads';
import { workerEvents } from '../threads/worker-events.js';
import { workerScriptBuilt } from '../threads/worker-script.js';
import { GzipError, type GunzipReport } from './gzip.js';
import { BATCH_BYTES, MAX_AHEAD, type FromGunzip, type ToGunzip } from './gunzip-protocol.js';
import { CaptureError, type ByteSource } from './record.js';

const WORKER_URL = new URL('./gunzip-worker.js', import.meta.url);
/** The size of the buffers compressed chunks are copied into (the CLI's read size; a larger chunk gets a buffer of its own). */
const COPY_BYTES = 1 << 20;

/** The thread can be started: run from the build (worker-script.ts). */
export function gunzipThreadBuilt(): boolean {
  return workerScriptBuilt(WORKER_URL);
}

/**
 * Decompressed chunks of `source`, as gunzip(source, report) gives them. Null when the thread
 * cannot be started (the caller inflates in-thread).
 */
export function gunzipOnThread(source: ByteSource, report: GunzipReport): AsyncGenerator<Uint8Array> | null {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL, { workerData: { readThrough: report.readThrough } });
  } catch {
    return null;
  }
  return fromThread(worker, source, report);
}

async function* fromThread(worker: Worker, source: ByteSource, report: GunzipReport): AsyncGenerator<Uint8Array> {
  const send = (m: ToGunzip, transfer: ArrayBuffer[] = []): void => worker.postMessage(m, transfer);
  let inFlight = 0;
  let pumpWake: (() => void) | null = null;
  const wakePump = (): void => {
    const w = pumpWake;
    pumpWake = null;
    w?.();
  };
  // Compressed chunks' memory, given back by the thread for the next copies.
  const spare: ArrayBuffer[] = [];
  // Credit for compressed chunks is taken as it comes, not behind the batches queued before it.
  const next = workerEvents<FromGunzip, Exclude<FromGunzip, { t: 'took-in' }>>(worker, 'the gunzip thread', (m) => {
    if (m.t !== 'took-in') return false;
    inFlight--;
    if (m.buffer !== null && spare.length < MAX_AHEAD) spare.push(m.buffer);
    wakePump();
    return true;
  });

  const it = source[Symbol.asyncIterator]();
  let stopped = false;
  let reading = false; // the pump waits for the input's next chunk
  let sourceError: unknown = null;
  const pump = (async (): Promise<void> => {
    while (!stopped) {
      if (inFlight >= MAX_AHEAD) {
        await new Promise<void>((resolve) => (pumpWake = resolve));
        continue;
      }
      let r: IteratorResult<Uint8Array>;
      reading = true;
      try {
        r = await it.next();
      } catch (err) {
        reading = false;
        sourceError = err;
        if (!stopped) send({ t: 'source-error', interrupted: err instanceof CaptureError && err.code === 'INTERRUPTED' });
        return;
      }
      reading = false;
      if (r.done) {
        if (!stopped) send({ t: 'end' });
        return;
      }
      if (stopped) return; // read while this side was stopping: a pipe's bytes, uncounted, as after a stop
      // A copy: the source may reuse its chunk's memory.
      let buffer = spare.pop();
      if (buffer === undefined || buffer.byteLength < r.value.length) buffer = new ArrayBuffer(Math.max(r.value.length, COPY_BYTES));
      new Uint8Array(buffer).set(r.value);
      inFlight++;
      send({ t: 'chunk', buffer, length: r.value.length }, [buffer]);
    }
  })();

  let close = true;
  let given = 0; // decompressed bytes handed out
  try {
    for (;;) {
      const e = await next();
      if (e.t === 'out') {
        let at = 0;
        for (const n of e.pieces) {
          yield new Uint8Array(e.buffer, at, n);
          at += n;
          given += n;
          if (report.drainOnly) break;
        }
        if (report.drainOnly) {
          // The reader takes nothing more (gunzip() reads on, uninflated, when readThrough).
          stopped = true;
          wakePump();
          await pump;
          if (report.readThrough) {
            while (!(await it.next()).done);
            close = false;
          }
          return;
        }
        // Asked for the next chunk: this one is done with, and its memory goes back (unless the
        // analysis worker took it: then it is detached).
        const keep = e.buffer.byteLength === BATCH_BYTES;
        send({ t: 'took', buffer: keep ? e.buffer : null }, keep ? [e.buffer] : []);
        // The event loop turns for every batch: the pump's credit, signals, 'drain'.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      // Our failure, not the input's: said as an I/O error of the input (exit 2), not as a corrupt
      // stream (helper-90 review: a crash read as GZIP_ERROR, exit 0).
      if (e.t === 'died') throw new CaptureError('IO_ERROR', given, `${e.message} after ${given} decompressed bytes`);
      report.compressedBytes = e.report.compressedBytes;
      report.members = e.report.members;
      report.trailing = e.report.trailing;
      close = e.closeSource;
      const f = e.failure;
      if (f === null) return;
      if (f.kind === 'source') {
        close = true; // (gunzip() lets go of an input that failed)
        throw sourceError;
      }
      if (f.kind === 'gzip') throw new GzipError(f.message, f.compressedOffset);
      throw new Error(f.message);
    }
  } finally {
    stopped = true;
    wakePump();
    void worker.terminate();
    // Letting go of the input is not held up by a read still waiting for a quiet pipe's next bytes
    // (helper-90 review): the input is closed once that read settles. Left open to be read
    // through, it is read only after this one.
    if (close && reading) void pump.then(() => it.return?.()).catch(() => {});
    else {
      await pump;
      if (close) await it.return?.();
    }
  }
}
