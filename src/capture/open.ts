/**
 * Stage 1 of the pipeline: bytes → CaptureRecord. Sniffs the input (gzip, then pcap or pcapng)
 * and drives the matching reader chunk by chunk, so inputs of any size stream through.
 */
import { isMainThread } from 'node:worker_threads';
import type { ChunkReader } from './framer.js';
import { GZIP_MAGIC_0, GZIP_MAGIC_1, GzipError, gunzip, newGunzipReport, type GunzipReport } from './gzip.js';
import { gunzipOnThread, gunzipThreadBuilt } from './gunzip-thread.js';
import {
  PcapReader, PCAP_MAGIC_KUZ_BE, PCAP_MAGIC_KUZ_LE, PCAP_MAGIC_NS_BE, PCAP_MAGIC_NS_LE, PCAP_MAGIC_US_BE, PCAP_MAGIC_US_LE,
} from './pcap.js';
import { readPcapWithPcapParser } from './pcap-parser-reader.js';
import { BT_SHB, PcapngReader } from './pcapng.js';
import { CaptureError, type ByteSource, type CaptureInfo, type RecordSink } from './record.js';

export interface ReadCaptureOptions {
  /**
   * Classic pcap reader: 'builtin' (default, pcap.ts) or 'pcap-parser' (the npm package; µs files
   * of version 2.4 only: nanosecond files and older versions, whose record lengths may be
   * swapped, still go to the builtin reader). See pcap-parser-reader.ts for why.
   */
  pcapReader?: 'builtin' | 'pcap-parser';
  /**
   * The source is a pipe (standard input, a FIFO): after a good read it is read to its end, also
   * what a gzip stream left uninflated (bytes after its last member, the rest after a damaged member
   * or after the reader stopped), since breaking off kills the process writing into it with SIGPIPE
   * and fails a `set -o pipefail` pipeline (helper-59 and helper-60 reviews). A regular file is left
   * where reading stopped: reading the rest of it would only cost time (helper-61: 1 GiB of trailing
   * bytes read for nothing, 0.57 s → 1.92 s).
   */
  readToEnd?: boolean;
  /**
   * Inflate a gzip input on a thread of its own (gunzip-thread.ts), when run from the build: a
   * pipe always, a file when its `size` is past GZIP_THREAD_MIN (starting the thread costs more
   * than it saves on a smaller one). By default only when reading on the main thread: `--threads
   * 2` already has both cores busy (its two shards each inflating on a thread of their own cost 60
   * MiB more, for no time gained). True: also elsewhere, whatever the size; false: never.
   */
  gunzipThread?: boolean;
  /** The input's size in bytes, when it is a regular file (AnalyzeInput.size). */
  size?: number;
}

/**
 * Compressed bytes past which a gzip file is inflated on a thread of its own
 * (ReadCaptureOptions.gunzipThread): helper-90 measured 0.60-0.62 s against 0.48-0.54 s at 4.6
 * MB, 0.75-0.81 against 0.69-0.73 s at 11 MB, even at 37 MB, and the 922 MB capture 6.7 against
 * 9.3 s.
 */
export const GZIP_THREAD_MIN = 32 * 1024 * 1024;

/** Decompressed bytes inflated after the reader stopped, before the rest of a gzip stream is left alone. */
const GZIP_AFTER_STOP = 16 * 1024 * 1024;

/** The magics we know, as read big-endian from the first 4 bytes. */
const KNOWN_MAGICS = [PCAP_MAGIC_US_BE, PCAP_MAGIC_US_LE, PCAP_MAGIC_NS_BE, PCAP_MAGIC_NS_LE, PCAP_MAGIC_KUZ_BE, PCAP_MAGIC_KUZ_LE, BT_SHB];

/**
 * Reads one capture, calling `onRecord` synchronously with one reused record per packet.
 * Throws CaptureError when nothing can be read (tier 1); everything else lands in `info.issues`.
 */
export async function readCapture(source: ByteSource, info: CaptureInfo, onRecord: RecordSink, opts: ReadCaptureOptions = {}): Promise<void> {
  const it = guardSource(source)[Symbol.asyncIterator]();
  let read = false;
  try {
    await readFrom({ [Symbol.asyncIterator]: () => it }, info, onRecord, opts);
    read = true;
  } finally {
    // Also when the input is refused before it is read through (not a capture, empty, a cut gzip
    // header): the source learns that nobody reads it any more (the stdin reader thread stops).
    // After a good read of a pipe, what a gzip stream left is read through first, uncounted
    // (ReadCaptureOptions.readToEnd); after a fatal error nothing is reported, so nothing waits.
    try {
      if (read && opts.readToEnd === true) while (!(await it.next()).done);
      const closing = it.return?.(undefined);
      // After a fatal error, not waited for: the gunzip thread's reader may still wait for a quiet
      // pipe's next bytes, and the error was then said only when its writer wrote or closed
      // (helper-90 review: 8.3 s for `<(cat x.gz; sleep 8)` holding no capture).
      if (read) await closing;
      else void closing?.catch(() => {});
    } catch {
      // closing is best effort; the error that matters is the one already on its way
    }
  }
}

async function readFrom(source: AsyncIterable<Uint8Array>, info: CaptureInfo, onRecord: RecordSink, opts: ReadCaptureOptions): Promise<void> {
  const stream: { input: AsyncGenerator<Uint8Array> | null } = { input: null };
  try {
    await readStream(source, info, onRecord, opts, stream);
  } catch (err) {
    // A gzip input refused after it was inflated from (not a capture, a bad version): its
    // decompressed stream is let go, and with it the gunzip thread (helper-90 review: one left
    // running for each such input).
    await stream.input?.return(undefined).catch(() => {});
    throw err;
  }
}

async function readStream(source: AsyncIterable<Uint8Array>, info: CaptureInfo, onRecord: RecordSink, opts: ReadCaptureOptions,
  stream: { input: AsyncGenerator<Uint8Array> | null }): Promise<void> {
  let raw = await peek(source, 4);
  if (raw.head.length === 0) throw new CaptureError('EMPTY', 0, 'the input is empty');
  let input = raw.rest;
  let gz: GunzipReport | null = null;
  if (raw.head[0] === GZIP_MAGIC_0 && raw.head[1] === GZIP_MAGIC_1) {
    info.gzip = true;
    gz = newGunzipReport();
    gz.readThrough = opts.readToEnd === true;
    try {
      // Kept to be let go if the input is refused: the peek's own rest would not reach it unstarted
      // (helper-91 review: a gunzip thread left running for each refused input).
      stream.input = inflated(raw.rest, gz, opts);
      raw = await peek(stream.input, 4);
    } catch (err) {
      throw asFatalGzip(err);
    }
    input = raw.rest;
    if (raw.head.length === 0) throw new CaptureError('EMPTY', 0, 'the gzip stream decompresses to nothing');
  }
  const magic = raw.head;
  const m = magic.length >= 4 ? new DataView(magic.buffer, magic.byteOffset, 4).getUint32(0, false) : -1;
  if (m === -1 && KNOWN_MAGICS.some((k) => isPrefixOf(magic, k))) {
    throw new CaptureError('TRUNCATED_FILE_HEADER', 0, `the input is only ${magic.length} byte${magic.length === 1 ? '' : 's'}`);
  }
  let reader: ChunkReader;
  if (m === BT_SHB) {
    reader = new PcapngReader(info, onRecord);
  } else if (KNOWN_MAGICS.includes(m)) { // the pcap magics (the pcapng one is above)
    if (opts.pcapReader === 'pcap-parser' && (m === PCAP_MAGIC_US_BE || m === PCAP_MAGIC_US_LE)) {
      const head = await peek(input, 8);
      input = head.rest;
      if (!lengthsMaybeSwapped(head.head, m === PCAP_MAGIC_US_LE)) {
        await runPcapParser(input, info, onRecord);
        noteTrailingBytes(info, gz);
        return;
      }
    }
    reader = new PcapReader(info, onRecord);
  } else {
    const hex = Array.from(magic.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    throw new CaptureError('NOT_A_CAPTURE', 0, `not a pcap or pcapng file (magic 0x${hex})`);
  }
  await drive(input, info, reader, gz);
  noteTrailingBytes(info, gz);
}

/** The decompressed chunks of a gzip input, inflated here or on a thread (ReadCaptureOptions.gunzipThread). */
function inflated(compressed: AsyncGenerator<Uint8Array>, gz: GunzipReport, opts: ReadCaptureOptions): AsyncGenerator<Uint8Array> {
  const thread = opts.gunzipThread ?? (isMainThread && (opts.readToEnd === true || (opts.size ?? 0) > GZIP_THREAD_MIN));
  if (!thread || !gunzipThreadBuilt()) return gunzip(compressed, gz);
  return gunzipOnThread(compressed, gz) ?? gunzip(compressed, gz);
}

/** Bytes after the last gzip member: the capture is complete, so a warning, as `gzip -d` gives. */
function noteTrailingBytes(info: CaptureInfo, gz: GunzipReport | null): void {
  if (!gz?.trailing) return;
  const { compressedOffset, head } = gz.trailing;
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  info.issues.push({
    code: 'GZIP_TRAILING_DATA',
    byteOffset: info.bytes,
    detail: `the bytes from compressed byte ${compressedOffset} on (${hex}${head.length >= 4 ? ' ...' : ''}) are not a gzip member; ignored after ${gz.members} complete member${gz.members === 1 ? '' : 's'}, as gzip -d does`,
  });
}

/**
 * Yields the input's chunks until it ends or fails with something other than a CaptureError
 * (a corrupt or cut gzip stream, since guardSource already turned I/O errors into CaptureErrors).
 * That failure is kept in `stop.error` and ends the input, so the records before it still count.
 */
async function* untilStreamError(input: AsyncIterable<Uint8Array>, stop: { error: unknown }): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  try {
    while (true) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (err) {
        // An interruption (the CLI's SIGINT) ends the input as a stream failure does: the records
        // before it count, and the reader is ended (its link types counted).
        if (err instanceof CaptureError && err.code !== 'INTERRUPTED') throw err;
        stop.error = err;
        return;
      }
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** The source was interrupted (CaptureError INTERRUPTED), not the stream corrupt. */
const interrupted = (stop: { error: unknown }): boolean => stop.error instanceof CaptureError && stop.error.code === 'INTERRUPTED';

/**
 * A gzip failure after some records is a record-level issue; before any, it is fatal. An
 * interruption is an issue either way, at the decompressed bytes read: the input was read until then.
 */
function noteGzipStop(info: CaptureInfo, stop: { error: unknown }): void {
  if (stop.error === null) return;
  if (interrupted(stop)) {
    info.issues.push({ code: 'INTERRUPTED', byteOffset: info.bytes, detail: (stop.error as CaptureError).message });
    return;
  }
  if (info.records === 0) throw asFatalGzip(stop.error);
  // zlib's failures already say where ("in compressed bytes 10-99"): not twice.
  const at = stop.error instanceof GzipError && !/\bcompressed byte/.test(stop.error.message) ? ` at compressed byte ${stop.error.compressedOffset}` : '';
  info.issues.push({ code: 'GZIP_ERROR', byteOffset: info.bytes, detail: `${messageOf(stop.error)}${at}; reading stopped after ${info.bytes} decompressed bytes` });
}

async function drive(input: AsyncIterable<Uint8Array>, info: CaptureInfo, reader: ChunkReader, gz: GunzipReport | null): Promise<void> {
  const stop: { error: unknown } = { error: null };
  let afterStop = 0;
  for await (const chunk of untilStreamError(input, stop)) {
    if (gz?.drainOnly === true) continue; // what the inflater had already made when it was told to stop
    info.bytes += chunk.length;
    reader.push(chunk);
    // The rest of a plain input is only counted, at the speed of reading; the rest of a gzip stream
    // would be inflated only to be counted, and 1 MB can hold 1 GiB of zeros (helper-56 audit: 3 s a
    // compressed MB after a stop at decompressed byte 136). A little more is inflated, as a corrupt
    // stream (whose garbage stopped the reader) shows its GZIP_ERROR soon after; the rest of the
    // compressed source is then only read through.
    if (gz !== null && reader.done && !gz.drainOnly && (afterStop += chunk.length) > GZIP_AFTER_STOP) {
      reader.abandon();
      gz.drainOnly = true; // no more chunks come: a pipe is still read to its end, uninflated; a file is closed
    }
  }
  if (interrupted(stop)) {
    // The input did not end here: a record half read is not called cut (its issue is dropped), and
    // within the file header nothing was read, so the interruption is the input's error, not
    // TRUNCATED_FILE_HEADER (helper-78 review: exit 2 for a SIGINT 10 bytes into a pcap).
    const issues = info.issues.length;
    try {
      reader.end();
    } catch (err) {
      if (err instanceof CaptureError) throw new CaptureError('INTERRUPTED', info.bytes, (stop.error as CaptureError).message);
      throw err;
    }
    info.issues.length = issues;
    noteGzipStop(info, stop);
    return;
  }
  if (stop.error !== null && info.records === 0) {
    // Nothing usable came out; the gzip failure is the cause, not the cut record or header
    // the reader would report (thrown, or noted as an issue: both dropped, one line is printed).
    const issues = info.issues.length;
    try {
      reader.end();
    } catch {
      // replaced by the gzip error below
    }
    info.issues.length = issues;
  }
  const from = info.issues.length;
  noteGzipStop(info, stop);
  reader.end();
  foldCutRecord(info, from);
}

/**
 * A gzip stream that failed mid-record leaves the reader with a cut record, whose TRUNCATED_RECORD
 * or TRUNCATED_RECORD_HEADER issue only follows from the GZIP_ERROR before it: one cause, one
 * warning (helper-88 audit). What it says is kept in the GZIP_ERROR's detail.
 */
function foldCutRecord(info: CaptureInfo, from: number): void {
  const issues = info.issues;
  const gz = issues.findIndex((i, k) => k >= from && i.code === 'GZIP_ERROR');
  if (gz === -1) return;
  const cut = (k: number): boolean => k >= from && (issues[k].code === 'TRUNCATED_RECORD' || issues[k].code === 'TRUNCATED_RECORD_HEADER');
  const details = issues.filter((_, k) => cut(k)).map((i) => i.detail);
  if (details.length === 0) return;
  issues[gz] = { ...issues[gz], detail: `${issues[gz].detail}; the last record is cut: ${details.join('; ')}` };
  const kept = issues.filter((_, k) => !cut(k));
  issues.length = 0; // (in place: the readers' issue lists hold this array)
  issues.push(...kept);
}

async function runPcapParser(input: AsyncIterable<Uint8Array>, info: CaptureInfo, onRecord: RecordSink): Promise<void> {
  const stop: { error: unknown } = { error: null };
  const from = info.issues.length;
  try {
    await readPcapWithPcapParser(untilStreamError(input, stop), info, onRecord);
  } catch (err) {
    if (stop.error !== null && info.records === 0 && !interrupted(stop)) throw asFatalGzip(stop.error);
    throw err;
  }
  noteGzipStop(info, stop);
  foldCutRecord(info, from);
}

/**
 * Files older than version 2.4 may hold caplen and len swapped (libpcap's sf-pcap.c); pcap-parser
 * does not know, and would read the wrong number of bytes per record. Those go to our reader.
 */
function lengthsMaybeSwapped(head: Uint8Array, littleEndian: boolean): boolean {
  if (head.length < 8) return false;
  const minor = new DataView(head.buffer, head.byteOffset, 8).getUint16(6, littleEndian);
  return minor < 4;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function asFatalGzip(err: unknown): CaptureError {
  if (err instanceof CaptureError) return err;
  // The offset of a gzip failure is in the file as it is on disk, the compressed bytes.
  return new CaptureError('GZIP_ERROR', err instanceof GzipError ? err.compressedOffset : 0, `corrupt gzip stream: ${messageOf(err)}`);
}

function isPrefixOf(bytes: Uint8Array, magic: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((magic >>> (24 - 8 * i)) & 0xff)) return false;
  return true;
}

/** Errors of the injected source are I/O errors (tier 1), unless the source already threw a CaptureError. */
async function* guardSource(source: ByteSource): AsyncGenerator<Uint8Array> {
  let read = 0;
  const it = source[Symbol.asyncIterator]();
  try {
    while (true) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (err) {
        if (err instanceof CaptureError) throw err;
        throw new CaptureError('IO_ERROR', read, `read failed after ${read} bytes: ${messageOf(err)}`);
      }
      if (r.done) return;
      read += r.value.length;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/**
 * Reads chunks until at least `n` bytes are known (or the input ends). `head` is those bytes,
 * joined; `rest` yields the same bytes again, then the remainder of the input.
 */
async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; rest: AsyncGenerator<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const first: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    if (r.value.length === 0) continue;
    have += r.value.length;
    // A source may reuse a chunk's memory once the next one is asked for: keep a copy of any
    // chunk that is not the last one needed (a copy: a Buffer's slice() is a view).
    first.push(have < n ? new Uint8Array(r.value) : r.value);
  }
  const head = first.length === 1 ? first[0] : joinChunks(first, have);
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      if (done) return;
      while (true) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, rest: rest() };
}

function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
