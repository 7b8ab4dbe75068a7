/**
 * Standard output, when it is a pipe, written from a thread of its own (stdout-worker.ts says
 * why). `ThreadedStdout` is the OutStream run.ts writes to: each write is copied into a buffer
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
 * A ThreadedStdout when fd 1 is a pipe and the writer thread can have it: the worker script is
 * built (not so when running from the TypeScript sources) and the pipe reopens through
 * /dev/stdout (it does not when the reader is already gone: then process.stdout finds out).
 */
export function openThreadedStdout(): ThreadedStdout | null {
  if (!workerScriptBuilt(WORKER_URL)) return null;
  let fd: number;
  try {
    if (!fstatSync(1).isFIFO()) return null;
    // A descriptor of our own, non-blocking: the writer thread never waits in the kernel.
    fd = openSync('/dev/stdout', constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    return new ThreadedStdout(new Worker(WORKER_URL, { workerData: { fd } }));
  } catch {
    closeSync(fd);
    return null;
  }
}

type ErrorListener = (err: NodeJS.ErrnoException) => void;

export class ThreadedStdout implements OutStream {
  readonly isTTY = false;
  /** Nothing of the caller's chunk is held after write() (it is copied). */
  readonly writableLength = 0;
  private inFlight = 0;
  private wantDrain = false;
  private failed = false;
  private ended: Promise<void> | null = null;
  private terminated = false;
  private endedResolve: (() => void) | null = null;
  private readonly spare: ArrayBuffer[] = [];
  private readonly errorListeners: ErrorListener[] = [];
  private drainListeners: Array<() => void> = [];

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromStdoutWriter) => this.onMessage(m));
    worker.on('error', (err: Error) => this.onFailure({ message: `the stdout writer thread failed: ${err.message}`, code: null }));
    worker.on('exit', () => {
      if (!this.terminated) this.onFailure({ message: 'the stdout writer thread exited', code: null });
      this.endedResolve?.();
    });
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.failed) return true;
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
    if (this.ended === null) {
      this.ended = new Promise<void>((resolve) => (this.endedResolve = resolve)).then(() => {
        this.terminated = true;
        void this.worker.terminate();
      });
      if (this.failed) this.endedResolve!();
      else this.post({ t: 'end' });
    }
    return this.ended;
  }

  private post(m: ToStdoutWriter, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
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
