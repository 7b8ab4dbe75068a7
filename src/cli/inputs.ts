/**
 * Capture files and standard input as byte sources for `analyze()`. The core never opens files
 * (STYLE §1); this is where the I/O lives. Files are opened lazily, when the core reaches them, so
 * a missing third file is reported after the first two were analysed, and at most one descriptor
 * is open at a time. Failures become `CaptureError('IO_ERROR')`, which `analyze()` records on the
 * input and reports through `onInputError` before going on with the next input.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync, promises as fsp } from 'node:fs';
import { CaptureError, newCaptureInfo, STOPPING_ISSUES, type ByteSource } from '../capture/record.js';
import { readCapture } from '../capture/open.js';
import type { AnalyzeInput } from '../core.js';
import { CHUNKS_PER_TURN, stdinPipeChunks } from './stdin-pipe.js';

/**
 * 1 MiB reads: Node's default 64 KiB costs a promise and an event-loop turn per chunk, which
 * shows on multi-gigabyte captures (issue 6); the readers handle records spanning chunks anyway.
 */
export const READ_CHUNK_BYTES = 1 << 20;
/**
 * Reads after stdout pushed back: a 1 MiB chunk of a SYN flood is ~14k evicted connections, ~19 MB
 * of NDJSON queued at once behind a slow pipe (`| jq`), since the core cannot stop mid-chunk.
 */
const SLOW_READ_CHUNK_BYTES = 64 << 10;
/** How many reads stay small after stdout last pushed back. */
const SLOW_READS = 64;

export interface InputHooks {
  /** Called with the size of each chunk read (progress bar). */
  onBytes?: (n: number) => void;
  /** When aborted (stdout closed under us), sources end early so the run finishes quickly. */
  signal?: AbortSignal;
  /**
   * When aborted (SIGINT, SIGTERM; the reason is the signal's name), the source stops where it is,
   * also while it waits for a quiet pipe, with a CaptureError INTERRUPTED at the bytes read so far:
   * what was read is still reported (README, "Interrupting a run").
   */
  interrupt?: AbortSignal;
  /**
   * Aborted when the core refused the input (AnalyzeInput.abandon): a read still waiting on it is
   * let go of and its reader ended, as for an interruption, so that a quiet pipe's writer does not
   * keep the process alive (helper-91 review: a refused gzip pipe read ahead by the gunzip thread).
   */
  abandoned?: AbortSignal;
  /** Standard input; injectable for tests. Defaults to file descriptor 0. */
  stdin?: () => ByteSource;
  /**
   * Backpressure: returns a promise while stdout cannot take more, and reading waits for it.
   * Without it a slow pipe (`| jq`, `| wc`) let NDJSON queue in memory: a 2M-SYN flood piped
   * through wc ran out of memory at 4.5 GiB.
   */
  waitForOutput?: () => Promise<void> | null;
  /**
   * A regular file is read up to this many bytes at most. Shards each read the whole file: one
   * still being written (`tcpdump -w`) must end for all of them where it was when the run began,
   * or each would see a different capture and the merge would mix the two.
   */
  limit?: number;
}

/** Human words for the errors users meet, without Node's "ENOENT: ..., open 'x'" decoration. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a capture file';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'I/O error';
    default:
      return (err as Error | null)?.message ?? String(err);
  }
}

/** Size of a regular file, for the progress bar; null for stdin, pipes, or anything unreadable. */
export async function inputSize(name: string): Promise<number | null> {
  if (name === '-') return null;
  try {
    const st = await fsp.stat(name);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

export function openInput(name: string, hooks: InputHooks = {}): AnalyzeInput {
  // Node's file and pipe streams allocate a new buffer for every read and never look back at it.
  const { pipe, size } = whatInput(name, hooks);
  const abandoned = new AbortController();
  const own = { ...hooks, abandoned: abandoned.signal };
  return {
    name,
    bytes: name === '-' ? guarded(hooks.stdin?.() ?? stdinSource(readSizes(hooks)), own) : fileSource(name, own),
    chunksTransferable: name !== '-' || hooks.stdin === undefined,
    readToEnd: pipe,
    ...(size === null ? {} : { size }),
    abandon: () => abandoned.abort(),
  };
}

/**
 * From one stat: whether the input is standard input or a path that is not a regular file (a FIFO,
 * `<(...)`), which a writer may be behind (AnalyzeInput.readToEnd); and a regular file's size (a
 * path, or a file redirected to stdin), else null.
 */
function whatInput(name: string, hooks: InputHooks): { pipe: boolean; size: number | null } {
  if (name === '-' && hooks.stdin !== undefined) return { pipe: true, size: null };
  try {
    const st = name === '-' ? fstatSync(0) : statSync(name);
    return st.isFile() ? { pipe: false, size: st.size } : { pipe: true, size: null };
  } catch {
    // An unusable stdin: process.stdin reports it as a read error. An unreadable path: fileSource says why.
    return { pipe: name === '-', size: null };
  }
}

/** Standard input is a redirected regular file (`< capture.pcap`), read as a file; else a pipe, socket or terminal. */
function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false; // no usable stdin: process.stdin reports that as a read error
  }
}

async function* fileSource(path: string, hooks: InputHooks): AsyncGenerator<Uint8Array> {
  let regular: boolean;
  try {
    const st = await fsp.stat(path);
    // createReadStream on a directory fails only at the first read, with a less helpful message.
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    regular = st.isFile();
  } catch (err) {
    throw new CaptureError('IO_ERROR', 0, describeFsError(err));
  }
  // A FIFO or a process substitution (`<(tcpdump -w - ...)`) is read as a stream: a blocking read
  // there would wait for a live writer with the event loop stopped.
  const nextSize = readSizes(hooks);
  yield* guarded(regular ? regularFileChunks(path, nextSize, hooks.limit) : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), hooks);
}

/** The size of each read: smaller for a while after stdout pushed back (SLOW_READ_CHUNK_BYTES). */
function readSizes(hooks: InputHooks): () => number {
  let slow = 0;
  return () => {
    if (hooks.waitForOutput?.()) slow = SLOW_READS;
    if (slow === 0) return READ_CHUNK_BYTES;
    slow--;
    return SLOW_READ_CHUNK_BYTES;
  };
}


/**
 * A regular file read with readSync. createReadStream's reads go through the thread pool and an
 * event-loop turn each: on a hot page cache the main thread sat idle ~5 % of the 1 GB benchmark
 * waiting for them (issue 6). Every CHUNKS_PER_TURN chunks we still yield to the event loop so
 * batched output, 'drain' and EPIPE are handled while reading.
 *
 * One buffer serves every read: the core is done with a chunk when it asks for the next one (the
 * readers copy a record that spans chunks; the worker pipeline transfers or copies the chunk
 * before pulling again; gunzip waits until zlib has consumed it). A fresh buffer per read left
 * ~40 MB of spent chunks waiting for the GC at any moment. When the worker pipeline took the
 * buffer (transferred, so detached), the next read gets a new one. Chunks are as long as asked
 * (`nextSize`, at most READ_CHUNK_BYTES) except the last.
 */
async function* regularFileChunks(file: string | 0, nextSize: () => number, limit = Infinity): AsyncGenerator<Uint8Array> {
  const fd = file === 0 ? 0 : openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    let left = limit;
    for (let n = 1; ; n++) {
      if (buf.buffer.byteLength === 0) buf = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
      const size = Math.min(nextSize(), READ_CHUNK_BYTES, left);
      if (size <= 0) return;
      left -= size;
      let got = 0;
      while (got < size) {
        const k = readSync(fd, buf, got, size - got, null);
        if (k === 0) break;
        got += k;
      }
      if (got > 0) yield got === READ_CHUNK_BYTES ? buf : buf.subarray(0, got);
      if (got < size) return;
      if (n % CHUNKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

function stdinSource(nextSize: () => number): AsyncIterable<Uint8Array> {
  // A redirected file (`< capture.pcap`) is read like any file. A pipe is read on a thread of its
  // own (stdin-pipe.ts), whose kernel time then overlaps with the analysis. What that reader cannot
  // open (sockets, terminals, /dev/null) goes through process.stdin: fd 0 is non-blocking by then
  // (importing `node:process` as an ES module, as chalk's supports-color does, creates
  // process.stdin), and its asynchronous reads overlap with our work on the previous chunk.
  // Blocking reads of a pipe on this thread (tried: through /dev/stdin) serialised us with the
  // writer: `cat 1GB |` took 4.4-4.8 s instead of 4.0-4.1 s.
  return stdinIsFile() ? regularFileChunks(0, nextSize) : stdinPipeChunks(() => process.stdin);
}

/** What `orAborted` resolves to when the signal comes first. */
const ABORTED = Symbol('aborted');

/**
 * `p`, or ABORTED as soon as `signal` is aborted, whichever comes first. Not Promise.race against
 * one promise kept for the whole input: each race leaves a reaction on that promise for as long as
 * it lives, and the reaction holds the race's result, so every chunk ever read stayed reachable. A
 * reader that hands out a fresh buffer per read (a FIFO or `<(tcpdump -w -)` through
 * createReadStream, a socket on stdin, the stdin thread's partial chunks of a live capture) kept
 * its whole input in memory: 359 MB peak for 200 MB through `<(...)` (robustness.md 88). The
 * listener here goes as soon as `p` settles.
 */
function orAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}

/** The interruption as an input's error: reading stopped after `read` bytes. */
export function interruptedError(signal: AbortSignal, read: number): CaptureError {
  const why = `the run was interrupted (${String(signal.reason)})`;
  return new CaptureError('INTERRUPTED', read, read === 0 ? `not read: ${why}` : `reading stopped: ${why}`);
}

async function* guarded(source: AsyncIterable<Uint8Array> & { destroy?: () => void }, hooks: InputHooks): AsyncGenerator<Uint8Array> {
  let read = 0;
  const interrupt = hooks.interrupt;
  const it = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      if (interrupt?.aborted) throw interruptedError(interrupt, read);
      // A live pipe may stay quiet for minutes: its next chunk is raced against the interruption,
      // not awaited (the pending read is let go; destroy() below ends the reader behind it).
      const r = await orAborted(orAborted(it.next(), hooks.abandoned), interrupt);
      if (r === ABORTED) {
        if (hooks.abandoned?.aborted === true) return; // nobody reads on: ended, uncounted
        throw interruptedError(interrupt!, read);
      }
      if (r.done === true) { done = true; return; }
      if (hooks.signal?.aborted) return;
      const chunk = r.value;
      read += chunk.length;
      hooks.onBytes?.(chunk.length);
      const pending = hooks.waitForOutput?.();
      if (pending) await orAborted(pending, interrupt);
      if (interrupt?.aborted) throw interruptedError(interrupt, read);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof CaptureError) throw err;
    throw new CaptureError('IO_ERROR', read, describeFsError(err));
  } finally {
    source.destroy?.();
    // A generator source (a regular file's reads) closes its descriptor in its own finally. After an
    // interruption its next chunk may still be pending (the stdin thread's, ended by destroy()):
    // the return then runs once that settles, and is not waited for.
    if (!done) {
      if (interrupt?.aborted === true || hooks.abandoned?.aborted === true) it.return?.()?.catch(() => {});
      else await it.return?.();
    }
  }
}

/** How much of each file declaredTimes reads first: the header, and a pcapng's first interfaces. */
const PRECISION_PROBE_BYTES = 64 << 10;
/**
 * How far it reads on, doubling, while no whole first record has come: a loopback or BIG TCP
 * capture's first record can be 64 KiB and more (the caplen bound is 16 MiB, pcap.ts), and a
 * pcapng may hold many blocks before its first packet (helper-50 review: such a file kept its place).
 */
const FIRST_RECORD_PROBE_MAX = 32 << 20;

/** What the regular files among a run's inputs say of their times before the run reads them. */
export interface DeclaredTimes {
  /** The finest timestamp precision (fractional digits, 6 to 9) they declare. */
  precisionDigits: number;
  /** The earliest of their first records' times (seconds, nanoseconds); null when none was read. */
  start: [number, number] | null;
  /** The inputs in the order to read them: see timeOrder. */
  order: string[];
}

/**
 * What the regular files among `names` declare in their first 64 KiB (read on, doubling up to
 * 32 MiB, while no first record is whole), for AnalyzeOptions:
 * - the finest precision (a pcap's magic, a pcapng's if_tsresol), so that a run mixing µs and ns
 *   captures writes every time with 9 digits, also those of connections finished before the ns
 *   capture is read;
 * - the earliest first record, so that the clock's zero lies before every input's first packet
 *   whatever order the inputs are given in (capture/clock.ts).
 * Standard input, pipes and what cannot be read are skipped (the run finds their precision as it
 * reads them, and says what is wrong with them).
 */
export async function declaredTimes(names: readonly string[]): Promise<DeclaredTimes> {
  let digits = 6;
  let start: [number, number] | null = null;
  const firsts: Array<[number, number] | null> = names.map(() => null);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name === '-') continue;
    let info = newCaptureInfo();
    let first: [number, number] | null = null;
    for (let size = PRECISION_PROBE_BYTES; ; size *= 2) {
      let head: Uint8Array;
      let fileSize = 0;
      try {
        // stat before open: opening a FIFO waits for its writer, and closing it again would leave
        // the writer (`mkfifo f; tcpdump -w f & tcpflow-analyze f`) with a broken pipe.
        const st = await fsp.stat(name);
        if (!st.isFile()) break;
        fileSize = st.size;
        const fh = await fsp.open(name, 'r');
        try {
          const buf = new Uint8Array(Math.min(size, fileSize));
          const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
          head = buf.subarray(0, bytesRead);
        } finally {
          await fh.close();
        }
      } catch {
        break;
      }
      info = newCaptureInfo();
      let headerCut = false;
      try {
        await readCapture((async function* () { yield head; })(), info, (rec) => {
          first ??= [rec.tsSec, rec.tsNanos];
        });
      } catch (err) {
        // A prefix ends mid-record or mid-gzip-stream; what the headers said is already in `info`.
        // A pcapng section header longer than the prefix (long comments) is cut the same way.
        headerCut = err instanceof CaptureError && err.code === 'TRUNCATED_FILE_HEADER';
      }
      // Read on only for a capture whose first record (or section header) did not fit and that has
      // more to read: not after a record that stopped the reader (an absurd length), which more
      // bytes cannot mend (helper-51 review: such files were read to 32 MiB each).
      const stopped = info.issues.some((i) => STOPPING_ISSUES.has(i.code));
      if (first !== null || stopped || (info.format === null && !headerCut) || head.length >= fileSize || size >= FIRST_RECORD_PROBE_MAX) break;
    }
    if (info.format !== null) digits = Math.max(digits, info.precisionDigits);
    firsts[i] = first;
    if (first !== null && (start === null || first[0] < start[0] || (first[0] === start[0] && first[1] < start[1]))) start = first;
  }
  return { precisionDigits: Math.min(digits, 9), start, order: timeOrder(names, firsts) };
}

/**
 * The inputs in the order of their first records (the earlier first; ties and equal names keep
 * the order given), as Zeek and mergecap merge several captures by time: the files of a rotated
 * capture read as one whatever order the shell lists them in (`tcpdump -C` names cap, cap1,
 * cap10, cap2), and a connection that spans two of them is one connection. An input whose first
 * record is not known before the run (standard input, a pipe, an empty or unreadable file) keeps
 * its place; the others fill the remaining places in time order.
 */
export function timeOrder(names: readonly string[], firsts: ReadonlyArray<readonly [number, number] | null>): string[] {
  const timed: number[] = [];
  for (let i = 0; i < names.length; i++) if (firsts[i] !== null) timed.push(i);
  const sorted = timed.slice().sort((a, b) => {
    const x = firsts[a]!;
    const y = firsts[b]!;
    return x[0] - y[0] || x[1] - y[1] || a - b;
  });
  const out = names.slice();
  for (let k = 0; k < timed.length; k++) out[timed[k]] = names[sorted[k]];
  return out;
}
