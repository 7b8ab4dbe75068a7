/**
 * Streaming gunzip of a byte source with bounded memory, no lost output on errors, and gzip(1)'s
 * view of what follows the last member.
 *
 * Why the members are framed here (RFC 1952 header and trailer parsed by us, only the DEFLATE data
 * given to zlib's raw inflater) rather than handed whole to `createGunzip`: after a member, Node's
 * Gunzip takes any non-zero byte as the start of another member, so bytes appended to a gzip file
 * (a log line, a partial second member, tape padding that is not all zeros) fail it with
 * "incorrect header check", and the output of that last engine call is dropped with it: a capture
 * smaller than one output chunk lost every record. `gzip -d` instead says "decompression OK,
 * trailing garbage ignored". Framing the members ourselves gives the exact compressed offset of
 * the end of the stream, of a bad trailer, and of the bytes that are not a member.
 *
 * Why not `for await (const c of source.pipe(inflater))`: when zlib fails (a corrupt or cut
 * stream), the stream is destroyed and the async iterator throws at once, dropping output that was
 * already decompressed but not yet read. Here input goes in blocks of SLICE bytes (see Gunzip for
 * why aligned), each block's output is collected from 'data' events (emitted before the write
 * callback) and handed out before the block after next is written (the next one is inflated while
 * it is handed out: Gunzip.write). Output held at once is bounded by two blocks' worth, SLICE times
 * the compression ratio each (DEFLATE tops out near 1032:1, so ~66 MiB for a gzip bomb read by a
 * slow consumer, and about 200 KiB for real captures). SLICE is 32 KiB because each slice costs a
 * thread-pool round trip: at 8 KiB a 100 MB capture took 0.93 s against 0.43 s for plain stream
 * gunzip; at 32 KiB about 0.48 s. zlib drops the output of the write that fails inside corrupt
 * DEFLATE data, so the output of the block around the damage is lost (up to 32 KiB of input's
 * worth), but for a member's first block, which is inflated again in 64-byte pieces (salvage()):
 * a small capture is often one block. A CRC or length mismatch is found after the member's output
 * has been handed out: the records stay, and the error says the data is known to be wrong.
 */
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';
import { CaptureError, type ByteSource } from './record.js';

/** RFC 1952 §2.3.1: ID1 ID2. */
export const GZIP_MAGIC_0 = 0x1f;
export const GZIP_MAGIC_1 = 0x8b;
/** RFC 1952 §2.3.1: CM = 8 is deflate, the only method defined. */
const CM_DEFLATE = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

const SLICE = 32 * 1024;
/** Output chunk size: larger chunks mean fewer records straddling a boundary. */
const INFLATE_CHUNK = 64 * 1024;

/** A corrupt or cut gzip stream; `compressedOffset` is where in the compressed input it shows. */
export class GzipError extends Error {
  constructor(message: string, readonly compressedOffset: number) {
    super(message);
    this.name = 'GzipError';
  }
}

/** What the decompression learned about the compressed input, filled in as it goes. */
export interface GunzipReport {
  /** Compressed bytes read from the source. */
  compressedBytes: number;
  /** Complete members (header, data and a trailer whose CRC and length matched). */
  members: number;
  /**
   * Bytes after the last complete member that are neither another member nor zero padding, as
   * `gzip -d` reports them ("trailing garbage ignored"): where they start and their first 4 bytes.
   * Reading stops once those are known; they are not counted to the end.
   */
  trailing: { compressedOffset: number; head: Uint8Array } | null;
  /**
   * Set by the reader once it will take nothing more: the rest of the source is read and counted
   * but not inflated. Read, not left: a process writing into our standard input would die of
   * SIGPIPE (`set -o pipefail` fails the pipeline; helper-59 review).
   */
  drainOnly: boolean;
  /**
   * The source is a pipe (ReadCaptureOptions.readToEnd): once nothing more is inflated it is still
   * read to its end (counted, not inflated); otherwise it is closed there.
   */
  readThrough: boolean;
}

export function newGunzipReport(): GunzipReport {
  return { compressedBytes: 0, members: 0, trailing: null, drainOnly: false, readThrough: false };
}

/**
 * Decompressed chunks of `source`. A corrupt or cut stream throws a GzipError after every byte
 * decompressed before it has been yielded; errors of `source` pass through unchanged. The output
 * and the errors do not depend on how the source cuts its chunks (a file, a pipe, a fuzzer).
 */
export async function* gunzip(source: ByteSource, report: GunzipReport = newGunzipReport()): AsyncGenerator<Uint8Array> {
  const g = new Gunzip(report);
  const it = source[Symbol.asyncIterator]();
  // When the stream stops on its own (trailing bytes known, a corrupt member), a pipe is left open
  // for readCapture to read through once the report stands (a process writing into our standard
  // input is then not killed by SIGPIPE; helper-60 review), and a file is closed there.
  let close = true;
  try {
    let pos = 0; // compressed offset of chunk[0]
    while (true) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (err) {
        // The CLI interrupted (SIGINT) a stream that had not ended: what it gave is inflated as far
        // as it goes, the block being gathered included, without the checks of an end (readCapture
        // notes INTERRUPTED, not a cut member).
        if (err instanceof CaptureError && err.code === 'INTERRUPTED') yield* g.interrupted(pos);
        throw err;
      }
      if (r.done) {
        close = false;
        break;
      }
      const chunk = r.value;
      report.compressedBytes += chunk.length;
      if (report.drainOnly) {
        if (report.readThrough) continue;
        break;
      }
      try {
        yield* g.feed(chunk, pos);
      } catch (err) {
        close = !report.readThrough;
        throw err;
      }
      pos += chunk.length;
      if (g.trailing?.complete()) {
        close = !report.readThrough;
        break;
      }
    }
    if (!report.drainOnly) yield* g.end(pos);
  } finally {
    g.close();
    if (close) await it.return?.();
  }
}

/**
 * The members of one stream, fed chunk by chunk. DEFLATE data goes to zlib in blocks aligned to
 * multiples of SLICE in the compressed input, each in one write, gathered across chunks when a
 * chunk ends inside one: zlib drops the output of the write that fails and can only say which
 * write that was, so with writes cut where the source's chunks happen to end, a damaged stream
 * read from a file and from a pipe gave different records and error offsets (fuzz seed
 * 20261204b, cases 685 and 1515). A file's 1 MiB reads are whole blocks, so nothing is copied.
 */
class Gunzip {
  trailing: TrailingBytes | null = null;
  private readonly member = new MemberFramer();
  private inflater: Inflater | null = null;
  /** The start of the current block, gathered from more than one chunk. */
  private readonly pending = new Uint8Array(SLICE);
  private pendingLen = 0;
  /** The next block of the chunk being fed, already written to zlib while the last one's output is handed out (write()). */
  private ahead: { at: number; used: Promise<number> } | null = null;
  /** Compressed offset where the current member's DEFLATE data begins: its first write starts there. */
  private dataStart = -1;

  constructor(private readonly report: GunzipReport) {}

  /** Decompressed chunks of `buf`, whose first byte is at compressed offset `pos`. */
  async *feed(buf: Uint8Array, pos: number): AsyncGenerator<Uint8Array> {
    const member = this.member;
    let off = 0;
    while (off < buf.length) {
      if (this.report.drainOnly) return; // the reader takes nothing more (gunzip reads on uninflated)
      switch (member.phase) {
        case 'between': {
          const start = member.skipZeros(buf, off);
          if (start === buf.length) {
            off = start; // zeros only, so far: padding if the input ends here
            break;
          }
          if (member.zeroRun > 0 && this.report.members > 0) {
            // gzip(1) skips zeros after a member only when the input ends with them.
            this.trailing = new TrailingBytes(pos + start - member.zeroRun, new Uint8Array(Math.min(member.zeroRun, TrailingBytes.QUOTED)));
            off = this.trailing.add(buf, start);
            member.phase = 'not-a-member';
            break;
          }
          member.startHeader(pos + start);
          off = start;
          break;
        }
        case 'header':
          off = member.readHeader(buf, off, pos, this.report.members > 0);
          if ((member.phase as Phase) === 'not-a-member') {
            this.trailing = new TrailingBytes(member.memberStart, member.headBytes());
            off = this.trailing.add(buf, off);
          }
          if ((member.phase as Phase) === 'data') {
            this.inflater = new Inflater();
            this.dataStart = pos + off;
          }
          break;
        case 'data': {
          const abs = pos + off;
          const blockEnd = (Math.floor(abs / SLICE) + 1) * SLICE;
          const need = blockEnd - abs;
          if (this.pendingLen === 0 && buf.length - off >= need) {
            // The whole block is in this chunk: written from it, no copy; the next one too, ahead,
            // when it is whole in the chunk as well.
            const next = buf.length - off - need >= SLICE ? buf.subarray(off + need, off + need + SLICE) : null;
            const used = yield* this.write(buf.subarray(off, off + need), abs, next);
            off += used;
            break;
          }
          const n = Math.min(need, buf.length - off);
          this.pending.set(buf.subarray(off, off + n), this.pendingLen);
          this.pendingLen += n;
          off += n;
          if (n === need) yield* this.flushPending(pos + off);
          break;
        }
        case 'trailer':
          off = member.readTrailer(buf, off, pos);
          if ((member.phase as Phase) === 'between') this.report.members++; // (readTrailer moved it on)
          break;
        case 'not-a-member':
          off = (this.trailing as TrailingBytes).add(buf, off);
          break;
      }
    }
  }

  /** The input ended at compressed offset `pos`. */
  async *end(pos: number): AsyncGenerator<Uint8Array> {
    // The last, partial block (whose DEFLATE data may end inside it and a member follow, so again).
    while (this.trailing === null && this.pendingLen > 0) yield* this.flushPending(pos);
    const z = this.inflater;
    if (this.trailing === null && z) {
      await z.finish();
      yield* this.drain(z);
      z.throwIfFailed(pos, pos);
      if (z.finished) this.member.phase = 'trailer';
      this.closeInflater();
    }
    const member = this.member;
    if (this.trailing) {
      this.report.trailing = this.trailing.report();
    } else if (member.phase === 'header' && this.report.members > 0 && member.headerBytesRead() < 2) {
      // A lone 0x1f at the very end: not enough of a member to call it cut.
      this.report.trailing = new TrailingBytes(member.memberStart, member.headBytes()).report();
    } else if (member.phase !== 'between') {
      const where = member.phase === 'header' ? 'header' : member.phase === 'trailer' ? 'trailer' : 'compressed data';
      throw new GzipError(`unexpected end of file (inside a member's ${where})`, pos);
    }
  }

  /** The input was interrupted at compressed offset `pos`: the block gathered so far is inflated as far as it goes. */
  async *interrupted(pos: number): AsyncGenerator<Uint8Array> {
    if (this.trailing !== null || this.pendingLen === 0 || this.member.phase !== 'data') return;
    try {
      yield* this.flushPending(pos);
    } catch {
      // a corrupt block: the interruption is what the input's report says
    }
  }

  close(): void {
    this.inflater?.close();
  }

  /** Writes the gathered block, which ends at compressed offset `endPos`; what follows the DEFLATE data in it is fed on. */
  private async *flushPending(endPos: number): AsyncGenerator<Uint8Array> {
    const len = this.pendingLen;
    const start = endPos - len;
    const used = yield* this.write(this.pending.subarray(0, len), start);
    this.pendingLen = 0;
    if (used < len) yield* this.feed(this.pending.slice(used, len), start + used);
  }

  /**
   * One block to zlib; its output handed out; returns how many of its bytes were DEFLATE data.
   * `next`, the block that follows it in the same chunk, is written as soon as this one is done
   * (when the DEFLATE data goes on past it), so that zlib inflates it on the thread pool while
   * this block's output is analysed: one block at a time, the analysis waited for every block's
   * round trip, and a gzipped capture took 1.8-2.1x the time of the same capture unzipped
   * (docs/benchmarks.md, 2026-12-07 06:47). What each block yields, and which block a failure is
   * put on, are as before: this block's output and failure are taken before the next is written,
   * and zlib inflates the writes in order.
   */
  private async *write(block: Uint8Array, at: number, next: Uint8Array | null = null): AsyncGenerator<Uint8Array, number> {
    const z = this.inflater as Inflater;
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead !== null && ahead.at !== at) throw new Error(`gunzip: block at ${ahead.at} written ahead, block at ${at} asked for`);
    const used = await (ahead !== null ? ahead.used : z.write(block));
    const out = z.take();
    const failed = z.failed();
    // Taken now: while this block's output is handed out, the next one may end the DEFLATE data
    // (helper-86 review: a second member's start was read as the first's trailer).
    const finished = z.finished;
    if (next !== null && !failed && !finished && used === block.length) this.ahead = { at: at + block.length, used: z.write(next) };
    if (failed && at === this.dataStart) {
      // The member's first block: nothing of it was handed out, and its start is here, so it can be
      // inflated again in small pieces, keeping what comes before the damage (helper-88 audit: a
      // small capture damaged in its first 32 KiB reported no record and exited 2).
      const again = await salvage(block);
      const more = again.out.reduce((n, c) => n + c.length, 0) > out.reduce((n, c) => n + c.length, 0);
      // The failing piece says where the damage showed, whichever output is kept (helper-89 review).
      yield* this.account(more ? again.out : out);
      again.z.throwIfFailed(at + again.from, at + again.to);
      z.throwIfFailed(at, at + block.length); // (the pieces all went through: not expected)
    }
    yield* this.account(out);
    if (failed) z.throwIfFailed(at, at + block.length);
    if (finished) {
      this.closeInflater();
      this.member.phase = 'trailer';
    }
    return used;
  }

  private *drain(z: Inflater): Generator<Uint8Array> {
    yield* this.account(z.take());
  }

  private *account(out: Buffer[]): Generator<Uint8Array> {
    for (const c of out) {
      this.member.account(c);
      yield c;
    }
  }

  private closeInflater(): void {
    this.inflater?.close();
    this.inflater = null;
    this.ahead = null;
  }
}

/** Pieces a member's damaged first block is inflated again in: the output lost with the failing piece is at most this much input's. */
const SALVAGE_PIECE = 64;

/**
 * A member's first block, whose write failed, inflated again from its start a piece at a time:
 * zlib drops the output of the write that fails, so what comes before the damage is kept but for
 * the last piece's. Returns the output, and the inflater with its failure over [from, to) of the
 * block (the failing piece).
 */
async function salvage(block: Uint8Array): Promise<{ out: Buffer[]; z: Inflater; from: number; to: number }> {
  const z = new Inflater();
  let from = 0;
  let to = 0;
  try {
    for (; from < block.length; from = to) {
      to = Math.min(block.length, from + SALVAGE_PIECE);
      await z.write(block.subarray(from, to));
      if (z.failed() || z.finished) break;
    }
    return { out: z.take(), z, from, to };
  } finally {
    z.close();
  }
}

/**
 * Bytes after the last member that are not one: where they start and their first QUOTED bytes,
 * read on across chunks so that the message does not depend on how the input was cut.
 */
class TrailingBytes {
  static readonly QUOTED = 4;
  private head: number[];

  constructor(readonly compressedOffset: number, first: Uint8Array) {
    this.head = Array.from(first.subarray(0, TrailingBytes.QUOTED));
  }

  /** Takes what it still needs from `chunk` at `off`; returns the end of the chunk (the rest is ignored). */
  add(chunk: Uint8Array, off: number): number {
    for (let i = off; i < chunk.length && this.head.length < TrailingBytes.QUOTED; i++) this.head.push(chunk[i]);
    return chunk.length;
  }

  complete(): boolean {
    return this.head.length >= TrailingBytes.QUOTED;
  }

  report(): { compressedOffset: number; head: Uint8Array } {
    return { compressedOffset: this.compressedOffset, head: Uint8Array.from(this.head) };
  }
}

type Phase = 'between' | 'header' | 'data' | 'trailer' | 'not-a-member';

/**
 * The RFC 1952 framing of one member after another, fed a chunk at a time (a header or a trailer
 * may straddle chunks). Keeps the running CRC-32 and length of the member's output for the
 * trailer check.
 */
class MemberFramer {
  phase: Phase = 'between';
  /** Zero bytes seen since the last member ended. */
  zeroRun = 0;
  /** Compressed offset where the current member (or what looked like one) starts. */
  memberStart = 0;
  // Header steps: 0 the 10 fixed bytes, 1 XLEN, 2 the extra field, 3 the name, 4 the comment,
  // 5 the header CRC, 6 done.
  private step = 0;
  private readonly fixed = new Uint8Array(10);
  private have = 0;
  private skip = 0;
  private flags = 0;
  private headerCrc = 0;
  private readonly trailer = new Uint8Array(8);
  private crc = 0;
  private size = 0;

  /** Index of the first non-zero byte of `chunk` from `off`, counting the zeros before it. */
  skipZeros(chunk: Uint8Array, off: number): number {
    let i = off;
    while (i < chunk.length && chunk[i] === 0) i++;
    this.zeroRun += i - off;
    return i;
  }

  startHeader(at: number): void {
    this.phase = 'header';
    this.memberStart = at;
    this.step = 0;
    this.have = 0;
    this.headerCrc = 0;
    this.crc = 0;
    this.size = 0;
  }

  headerBytesRead(): number {
    return this.step === 0 ? this.have : 10;
  }

  /** The bytes read of what turned out not to be a member. */
  headBytes(): Uint8Array {
    return this.fixed.slice(0, this.have);
  }

  /**
   * Consumes header bytes from `off`; returns the new offset. A bad magic after a complete member
   * makes the phase 'not-a-member' (trailing bytes, as gzip -d sees them); any other header gzip
   * refuses throws.
   */
  readHeader(chunk: Uint8Array, off: number, pos: number, afterMember: boolean): number {
    while (off < chunk.length && this.step < 6) {
      const from = off;
      switch (this.step) {
        case 0: {
          const n = Math.min(10 - this.have, chunk.length - off);
          this.fixed.set(chunk.subarray(off, off + n), this.have);
          this.have += n;
          off += n;
          if (this.have >= 2 && (this.fixed[0] !== GZIP_MAGIC_0 || this.fixed[1] !== GZIP_MAGIC_1)) {
            if (afterMember) {
              this.phase = 'not-a-member';
              return off;
            }
            throw new GzipError('incorrect header check', this.memberStart);
          }
          if (this.have < 10) break;
          if (this.fixed[2] !== CM_DEFLATE) throw new GzipError(`unknown compression method ${this.fixed[2]}`, this.memberStart + 2);
          this.flags = this.fixed[3];
          if (this.flags & FRESERVED) throw new GzipError(`unknown header flags set (0x${this.flags.toString(16)})`, this.memberStart + 3);
          this.headerCrc = crc32(this.fixed);
          this.have = 0;
          this.step = this.flags & FEXTRA ? 1 : 3;
          continue;
        }
        case 1: {
          this.trailer[this.have++] = chunk[off++];
          if (this.have === 2) {
            this.skip = this.trailer[0] | (this.trailer[1] << 8);
            this.have = 0;
            this.step = 2;
          }
          break;
        }
        case 2: {
          const n = Math.min(this.skip, chunk.length - off);
          off += n;
          this.skip -= n;
          if (this.skip === 0) this.step = 3;
          break;
        }
        case 3:
        case 4: {
          if (!(this.flags & (this.step === 3 ? FNAME : FCOMMENT))) {
            this.step++;
            continue;
          }
          const nul = chunk.indexOf(0, off);
          off = nul === -1 ? chunk.length : nul + 1;
          if (nul !== -1) this.step++;
          break;
        }
        case 5: {
          if (!(this.flags & FHCRC)) {
            this.step = 6;
            continue;
          }
          this.trailer[this.have++] = chunk[off++];
          if (this.have === 2) {
            if ((this.headerCrc & 0xffff) !== (this.trailer[0] | (this.trailer[1] << 8))) {
              throw new GzipError('header crc mismatch', pos + off - 2);
            }
            this.step = 6;
          }
          continue; // the header CRC does not cover itself
        }
      }
      // Steps 1-4: the header CRC (FHCRC) covers every header byte before it, across chunks.
      if (off > from) this.headerCrc = crc32(chunk.subarray(from, off), this.headerCrc);
    }
    if (this.step < 5 || (this.step === 5 && this.flags & FHCRC)) return off;
    this.phase = 'data';
    this.have = 0;
    return off;
  }

  /** Adds a piece of the member's output to the running CRC and length. */
  account(c: Uint8Array): void {
    this.crc = crc32(c, this.crc);
    this.size = (this.size + c.length) >>> 0;
  }

  /** Consumes trailer bytes; on the 8th, checks them (RFC 1952 §2.3.1: CRC32, ISIZE, little-endian). */
  readTrailer(chunk: Uint8Array, off: number, pos: number): number {
    const n = Math.min(8 - this.have, chunk.length - off);
    this.trailer.set(chunk.subarray(off, off + n), this.have);
    this.have += n;
    off += n;
    if (this.have < 8) return off;
    const t = new DataView(this.trailer.buffer);
    const at = pos + off - 8;
    if (t.getUint32(0, true) !== this.crc >>> 0) throw new GzipError('incorrect data check (the CRC-32 of the output does not match the trailer)', Math.max(0, at));
    if (t.getUint32(4, true) !== this.size) throw new GzipError('incorrect length check (the output length does not match the trailer)', Math.max(0, at) + 4);
    this.phase = 'between';
    this.zeroRun = 0;
    this.have = 0;
    return off;
  }
}

/**
 * One member's DEFLATE data through zlib's raw inflater, a slice at a time. `write` resolves with
 * how many of the slice's bytes the data used: fewer than all when the DEFLATE stream ended inside
 * it (the rest is the trailer and what follows), which Node shows by `bytesWritten` falling short
 * (zlib.js ends the stream when the engine leaves input unused with output space to spare).
 */
class Inflater {
  finished = false;
  private readonly z: InflateRaw;
  private readonly out: Buffer[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor() {
    this.z = createInflateRaw({ chunkSize: INFLATE_CHUNK });
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.z.on('error', (e: Error) => {
      this.failure ??= e;
      this.poke();
    });
    this.z.on('end', () => {
      this.finished = true;
      this.poke();
    });
    // Settles a wait whichever way the stream goes down, so no promise is left pending.
    this.z.on('close', () => this.poke());
  }

  async write(slice: Uint8Array): Promise<number> {
    const before = this.z.bytesWritten;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.z.write(slice, () => this.poke());
    });
    if (this.failure) return 0;
    const used = this.z.bytesWritten - before;
    if (used < slice.length) this.finished = true;
    return used;
  }

  /** The input ended: lets zlib say whether the DEFLATE data was complete. */
  async finish(): Promise<void> {
    if (this.finished || this.failure) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.z.end();
    });
  }

  take(): Buffer[] {
    return this.out.splice(0);
  }

  failed(): boolean {
    return this.failure !== null;
  }

  /** Throws the zlib failure of the last write, which held compressed bytes [from, to). */
  throwIfFailed(from: number, to: number): void {
    if (!this.failure) return;
    const where = to > from ? `in compressed bytes ${from}-${to - 1}` : `at the end, compressed byte ${from}`;
    throw new GzipError(`${this.failure.message} (${where})`, from);
  }

  close(): void {
    this.z.destroy();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
