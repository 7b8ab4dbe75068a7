/**
 * Standard output, when it is a pipe, written from a thread of its own (stdout-worker.ts says
 * why) once the report has passed its first MiB (THREAD_AFTER_BYTES). `ThreadedStdout` is the
 * OutStream run.ts writes to: on the thread, each write is copied into a buffer
 * that is handed to the writer thread (the caller may reuse its own at once), write() returns
 * false while HIGH_WATER bytes are on their way and 'drain' follows once half of them are written,
 * exactly the contract run.ts already keeps with process.stdout. A failure arrives as an 'error'
 * event with the errno code (EPIPE: the reader went away), as process.stdout's do. end() resolves
 * once every byte is written (or writing failed); the process must wait for it before exiting.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { workerScriptBuilt } from '../threads/worker-script.js';
import type { OutStream } from './run.js';
import type { FromStdoutWriter, ToStdoutWriter } from './stdout-protocol.js';

const WORKER_URL = new URL('./stdout-worker.js', import.meta.url);
/** Writes of at least this many bytes go in reused buffers of BUFFER_BYTES (or their own size). */
const POOLED_FROM = 64 << 10;
const BUFFER_BYTES = 1 << 20;
/**
 * Buffer bytes handed over and not yet written before write() says "wait for 'drain'". Counted in
 * buffer sizes, not in bytes of output, so a trickle of small writes is bounded the same way.
 */
const HIGH_WATER = 4 * BUFFER_BYTES;
const SPARE_BUFFERS = 6;

/**
 * A ThreadedStdout when fd 1 is a pipe (a FIFO) and the writer thread's script is built (not so
 * when running from the TypeScript sources).
 */
export function openThreadedStdout(): ThreadedStdout | null {
  if (!workerScriptBuilt(WORKER_URL)) return null;
  try {
    if (!fstatSync(1).isFIFO()) return null;
  } catch {
    return null;
  }
  return new ThreadedStdout(process.stdout);
}

/**
 * The thread starts only once this much has been written: it costs ~40-60 ms to start and to
 * settle at the end, more than a small report takes to write (`--version | cat`, a fixture's
 * NDJSON into jq). Until then writes go to process.stdout, which writes pipes synchronously, so
 * they are in the pipe, in order, before the thread writes anything.
 */
const THREAD_AFTER_BYTES = 1 << 20;

/** Resolves once every write made so far to `stream` is done or has failed: an empty write's callback runs after them. */
export function writesSettled(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => stream.write('', () => resolve()));
}

type ErrorListener = (err: NodeJS.ErrnoException) => void;

export class ThreadedStdout implements OutStream {
  readonly isTTY = false;
  private worker: Worker | null = null;
  /** False once the thread could not be had (the pipe did not reopen): process.stdout for good. */
  private threadPossible = true;
  private directBytes = 0;
  private inFlight = 0;
  private wantDrain = false;
  private failed = false;
  private ended: Promise<void> | null = null;
  private terminated = false;
  private endedResolve: (() => void) | null = null;
  private readonly spare: ArrayBuffer[] = [];
  private readonly errorListeners: ErrorListener[] = [];
  private drainListeners: Array<() => void> = [];

  constructor(private readonly stdout: NodeJS.WriteStream) {
    stdout.on('error', (err: NodeJS.ErrnoException) => this.onFailure({ message: err.message, code: err.code ?? null }));
  }

  /** Bytes of the caller's chunks still held: process.stdout's while it is used; the thread's copies hold none. */
  get writableLength(): number {
    return this.worker === null ? this.stdout.writableLength : 0;
  }

  /** Moves writing to the thread; false (and process.stdout for good) when the pipe does not reopen. */
  private startThread(): boolean {
    let fd: number;
    try {
      // A descriptor of our own, non-blocking: the writer thread never waits in the kernel.
      fd = openSync('/dev/stdout', constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      this.threadPossible = false;
      return false;
    }
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL, { workerData: { fd } });
    } catch {
      closeSync(fd);
      this.threadPossible = false;
      return false;
    }
    worker.on('message', (m: FromStdoutWriter) => this.onMessage(m));
    worker.on('error', (err: Error) => this.onFailure({ message: `the stdout writer thread failed: ${err.message}`, code: null }));
    worker.on('exit', () => {
      if (!this.terminated) this.onFailure({ message: 'the stdout writer thread exited', code: null });
      this.endedResolve?.();
    });
    this.worker = worker;
    return true;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.failed) return true;
    if (this.worker === null) {
      // Switch only with nothing of process.stdout's still queued, so the order holds.
      const stay = !this.threadPossible || this.directBytes < THREAD_AFTER_BYTES || this.stdout.writableLength > 0 || !this.startThread();
      if (stay) {
        this.directBytes += chunk.length;
        if (this.stdout.write(chunk)) return true;
        if (!this.wantDrain) this.stdout.once('drain', () => this.drain());
        this.wantDrain = true;
        return false;
      }
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const n = bytes.length;
    if (n > 0) {
      const buffer = n < POOLED_FROM ? new ArrayBuffer(n)
        : (n <= BUFFER_BYTES ? this.spare.pop() : undefined) ?? new ArrayBuffer(Math.max(n, BUFFER_BYTES));
      new Uint8Array(buffer).set(bytes);
      this.inFlight += buffer.byteLength;
      this.post({ t: 'write', buffer, length: n }, [buffer]);
    }
    if (this.inFlight < HIGH_WATER) return true;
    this.wantDrain = true;
    return false;
  }

  on(event: 'error', listener: ErrorListener): this {
    if (event === 'error') this.errorListeners.push(listener);
    return this;
  }

  once(event: 'drain' | 'close', listener: () => void): this {
    if (event === 'drain') this.drainListeners.push(listener);
    return this;
  }

  /** Resolves when everything written so far is in the pipe, or writing failed. Idempotent. */
  end(): Promise<void> {
    if (this.worker === null) {
      this.ended ??= writesSettled(this.stdout);
      return this.ended;
    }
    if (this.ended === null) {
      const worker = this.worker;
      this.ended = new Promise<void>((resolve) => (this.endedResolve = resolve)).then(() => {
        this.terminated = true;
        void worker.terminate();
      });
      if (this.failed) this.endedResolve!();
      else this.post({ t: 'end' });
    }
    return this.ended;
  }

  private post(m: ToStdoutWriter, transfer: ArrayBuffer[] = []): void {
    this.worker!.postMessage(m, transfer);
  }

  private onMessage(m: FromStdoutWriter): void {
    switch (m.t) {
      case 'written':
        this.inFlight -= m.buffer.byteLength;
        if (m.buffer.byteLength === BUFFER_BYTES && this.spare.length < SPARE_BUFFERS) this.spare.push(m.buffer);
        if (this.wantDrain && this.inFlight <= HIGH_WATER / 2) this.drain();
        break;
      case 'ended':
        this.endedResolve?.();
        break;
      case 'error':
        this.onFailure({ message: m.message, code: m.code });
        break;
    }
  }

  private onFailure(e: { message: string; code: string | null }): void {
    if (this.failed) return;
    this.failed = true;
    const err: NodeJS.ErrnoException = Object.assign(new Error(e.message), e.code === null ? {} : { code: e.code });
    for (const l of this.errorListeners) l(err);
    // Whoever waits for room waits no more: writes are dropped from now on.
    this.drain();
    if (this.ended !== null) this.endedResolve?.();
  }

  private drain(): void {
    this.wantDrain = false;
    const ls = this.drainListeners;
    this.drainListeners = [];
    for (const l of ls) l();
  }
}
