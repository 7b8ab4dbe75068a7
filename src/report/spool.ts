/**
 * Rendered connections parked until a buffered format can print them (src/cli/buffered.ts: json,
 * whose summary comes before the connections; the table, whose column widths need every row; zeek,
 * --ladder, a sorted NDJSON), in id or --sort order.
 *
 * Holding the ConnectionReports took 2 GB of RSS for json on the 1 GB benchmark capture's 90k
 * connections, and the one JSON.stringify of the whole report would pass V8's 512 MB string limit
 * on a capture a few times larger. Here each connection's text goes to an unlinked temporary file
 * as it finishes, and memory keeps 32 bytes of index per connection; the texts are read back in
 * order at the end, one at a time.
 *
 * Without a writable temporary directory, or after a write failed (a full disk), the texts stay in
 * memory as UTF-8 Buffers (still ~4x smaller than the reports); `onDisk` and `diskFailure` say so.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Texts are gathered into writes of this size. */
const WRITE_BATCH = 1 << 20;
/** Index fields per entry: id, sort key, byte offset, byte length. */
const STRIDE = 4;

export interface SpoolOptions {
  /** Where the temporary file goes (default: os.tmpdir()). */
  dir?: string;
  /** fs.writeSync, replaceable so tests can fill the disk. */
  write?: (fd: number, b: Uint8Array, offset: number, length: number) => number;
}

export class ConnectionSpool {
  private fd = -1;
  /** Texts not on disk: all of them without a file, or those after a write failed (a full disk). */
  private readonly memory: Buffer[] = [];
  /** id, sort key, location (a file offset, or -1 - an index into `memory`), byte length. */
  private index = new Float64Array(STRIDE * 1024);
  private n = 0;
  /** Bytes written to the file, and the batch not yet written, and the first entry in it. */
  private fileSize = 0;
  private batch = Buffer.allocUnsafe(WRITE_BATCH);
  private batchUsed = 0;
  private batchFirst = 0;
  private readBuf = Buffer.allocUnsafe(64 * 1024);
  private readonly writeFn: NonNullable<SpoolOptions['write']>;
  /** Why texts are kept in memory: no temporary file could be made, or a write to it failed. */
  diskFailure: Error | null = null;

  constructor(opts: SpoolOptions = {}) {
    this.writeFn = opts.write ?? writeSync;
    let made: string | null = null;
    try {
      made = mkdtempSync(join(opts.dir ?? tmpdir(), 'tcpflow-analyze-'));
      this.fd = openSync(join(made, 'spool'), 'w+', 0o600);
    } catch (err) {
      this.fd = -1;
      this.diskFailure = err instanceof Error ? err : new Error(String(err));
    } finally {
      // Unlinked at once: the open descriptor keeps the data, and nothing is left behind however
      // the process ends.
      if (made !== null) rmSync(made, { recursive: true, force: true });
    }
  }

  /** Texts go to the file (until a write fails). */
  get onDisk(): boolean {
    return this.fd >= 0 && this.diskFailure === null;
  }

  add(id: number, key: number, text: string): void {
    if (STRIDE * (this.n + 1) > this.index.length) {
      const bigger = new Float64Array(this.index.length * 2);
      bigger.set(this.index);
      this.index = bigger;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    const at = STRIDE * this.n;
    this.index[at] = id;
    this.index[at + 1] = key;
    this.index[at + 3] = bytes;
    if (this.onDisk && (bytes > WRITE_BATCH || this.batchUsed + bytes > WRITE_BATCH)) this.flushBatch();
    if (!this.onDisk) {
      this.index[at + 2] = -1 - this.memory.length;
      this.memory.push(Buffer.from(text, 'utf8'));
    } else if (bytes > WRITE_BATCH) {
      this.index[at + 2] = this.fileSize;
      this.writeAll(Buffer.from(text, 'utf8'), this.n, 1);
    } else {
      if (this.batchUsed === 0) this.batchFirst = this.n;
      this.index[at + 2] = this.fileSize + this.batchUsed;
      this.batchUsed += this.batch.write(text, this.batchUsed, 'utf8');
    }
    this.n++;
  }

  /**
   * Entry numbers in (key, id) order, at most `limit` of them. A typed array and a comparator over
   * the index: nothing per entry is allocated.
   */
  order(limit: number | null): Uint32Array {
    const ix = this.index;
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    order.sort((a, b) => ix[STRIDE * a + 1] - ix[STRIDE * b + 1] || ix[STRIDE * a] - ix[STRIDE * b]);
    return limit !== null && limit < order.length ? order.subarray(0, limit) : order;
  }

  /** The text of entry `i` as a string. */
  text(i: number): string {
    const b = this.read(i);
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }

  /** The id entry `i` was added with. */
  id(i: number): number {
    return this.index[STRIDE * i];
  }

  /** The text of entry `i` as UTF-8 bytes, valid until the next call (one reused buffer). */
  read(i: number): Uint8Array {
    this.flushBatch();
    const where = this.index[STRIDE * i + 2];
    const length = this.index[STRIDE * i + 3];
    if (where < 0) return this.memory[-1 - where];
    if (this.readBuf.length < length) this.readBuf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, this.readBuf, got, length - got, where + got);
      if (n === 0) throw new Error(`the spool file ended at byte ${where + got} of ${this.fileSize}`);
      got += n;
    }
    return this.readBuf.subarray(0, length);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.memory.length = 0;
    this.n = 0;
    this.batchUsed = 0;
  }

  private flushBatch(): void {
    if (this.batchUsed === 0) return;
    const used = this.batchUsed;
    this.batchUsed = 0;
    this.writeAll(this.batch.subarray(0, used), this.batchFirst, this.n - this.batchFirst);
  }

  /**
   * Appends `b`, which holds entries first..first+count-1 back to back. When the write fails
   * (ENOSPC, EIO) they move to memory, and so will every later one: the report is still printed.
   */
  private writeAll(b: Uint8Array, first: number, count: number): void {
    try {
      let done = 0;
      while (done < b.length) done += this.writeFn(this.fd, b, done, b.length - done);
      this.fileSize += b.length;
    } catch (err) {
      this.diskFailure = err instanceof Error ? err : new Error(String(err));
      for (let i = first; i < first + count; i++) {
        const at = STRIDE * i;
        const from = this.index[at + 2] - this.fileSize;
        this.memory.push(Buffer.from(b.subarray(from, from + this.index[at + 3])));
        this.index[at + 2] = -1 - (this.memory.length - 1);
      }
    }
  }
}
