/**
 * Cuts a stream of chunks into length-prefixed units (pcap records, pcapng blocks) without
 * copying: a unit that lies inside one chunk is handed over as a view into that chunk. Only a
 * unit that straddles a chunk boundary is assembled, in one growable buffer that is reused.
 * Subclasses bound the unit length (unitLength), so that buffer never grows past the bound.
 * A large unit whose bytes the subclass does not need (skippable: a pcapng custom or name block)
 * is not assembled at all: its bytes are passed over as they come, keeping only its last four
 * (helper-56 audit: a 64 MiB custom block was assembled by each reader, 336 MiB with --threads 2).
 */

/** Units at least this long that do not fit in the chunk at hand are passed over, not assembled, when skippable. */
const SKIP_FROM = 64 * 1024;

/** What open.ts drives: push every chunk, then end() once. */
export interface ChunkReader {
  push(chunk: Uint8Array): void;
  /** True once the reader cannot go on: further chunks are only counted. */
  readonly done: boolean;
  /** The caller will push no more, though the input goes on: the bytes left are not known. */
  abandon(): void;
  /** End of input: report a cut unit, fill in counts. May throw CaptureError for a cut file header. */
  end(): void;
}

export abstract class Framer implements ChunkReader {
  /** Set when the reader cannot go on; remaining bytes are only counted. */
  protected stopped = false;
  /** Bytes pushed so far (offset of the next chunk's first byte). */
  protected consumed = 0;
  /** Set by abandon(): `consumed` is not the input's length. */
  protected abandoned = false;
  private carry = new Uint8Array(4096);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  /** Bytes of a skipped unit still to come, its offset and length, and its last four bytes so far. */
  private skipLeft = 0;
  private skipStart = 0;
  private skipLen = 0;
  private readonly tail = new Uint8Array(4);
  private readonly tailView = new DataView(this.tail.buffer);

  /** Bytes needed before unitLength() can be called. */
  protected abstract minUnit(): number;
  /** Total length of the unit starting at `off` (at least minUnit() bytes are there), or -1 to stop (issue recorded). */
  protected abstract unitLength(v: DataView, off: number, byteOffset: number): number;
  /** Handle one complete unit. */
  protected abstract unit(v: DataView, bytes: Uint8Array, off: number, len: number, byteOffset: number): void;
  /** The input ended `have` bytes into a unit at `byteOffset`; `need` is its length, or 0 if its header is incomplete. */
  protected abstract cut(byteOffset: number, have: number, need: number): void;
  /** Called by end() after any cut(); counts and details go into info here. */
  protected abstract finish(): void;
  /** Whether the unit at `off` (its length known) may be passed over rather than handed to unit(). */
  protected skippable(_v: DataView, _off: number): boolean {
    return false;
  }
  /** A skippable unit was passed over; `tail` views its last four bytes. */
  protected skipped(_byteOffset: number, _len: number, _tail: DataView): void {}

  get done(): boolean {
    return this.stopped;
  }

  abandon(): void {
    this.abandoned = true;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    const base = this.consumed;
    this.consumed += n;
    if (this.stopped || n === 0) return;
    let pos = 0;
    if (this.skipLeft > 0) {
      pos = this.skipOn(chunk, 0);
      if (pos < 0 || this.stopped) return;
    }
    if (this.carryLen > 0) {
      pos = this.completeCarry(chunk, base);
      if (pos < 0 || this.stopped) return;
    }
    const v = new DataView(chunk.buffer, chunk.byteOffset, n);
    while (true) {
      const avail = n - pos;
      if (avail < this.minUnit()) break;
      const len = this.unitLength(v, pos, base + pos);
      if (len < 0) {
        this.stopped = true;
        return;
      }
      if (avail < len) {
        if (len >= SKIP_FROM && this.skippable(v, pos)) {
          this.startSkip(base + pos, len, chunk, pos, n);
          return;
        }
        break;
      }
      this.unit(v, chunk, pos, len, base + pos);
      pos += len;
      if (this.stopped) return;
    }
    if (pos < n) this.append(chunk, pos, n - pos);
  }

  end(): void {
    if (!this.stopped && this.skipLeft > 0) {
      this.cut(this.skipStart, this.skipLen - this.skipLeft, this.skipLen);
      this.skipLeft = 0;
    }
    if (!this.stopped && this.carryLen > 0) {
      const start = this.consumed - this.carryLen;
      const need = this.carryLen >= this.minUnit() ? this.unitLength(this.carryView, 0, start) : 0;
      this.cut(start, this.carryLen, need < 0 ? 0 : need);
      this.carryLen = 0;
    }
    this.finish();
  }

  /** Moves bytes from the front of `chunk` into the carried unit; returns the position after them, or -1 if the chunk ran out first. */
  private completeCarry(chunk: Uint8Array, base: number): number {
    const n = chunk.length;
    const start = base - this.carryLen;
    let pos = 0;
    const min = this.minUnit();
    if (this.carryLen < min) {
      const k = Math.min(min - this.carryLen, n);
      this.append(chunk, 0, k);
      pos = k;
      if (this.carryLen < min) return -1;
    }
    const len = this.unitLength(this.carryView, 0, start);
    if (len < 0) {
      this.stopped = true;
      return -1;
    }
    if (len >= SKIP_FROM && this.carryLen + (n - pos) < len && this.skippable(this.carryView, 0)) {
      const had = this.carryLen;
      this.carryLen = 0;
      this.keepTail(this.carry, 0, had);
      this.startSkip(start, len, chunk, pos, n, had);
      return -1;
    }
    const k = Math.min(len - this.carryLen, n - pos);
    this.append(chunk, pos, k);
    pos += k;
    if (this.carryLen < len) return -1;
    this.carryLen = 0;
    this.unit(this.carryView, this.carry, 0, len, start);
    return pos;
  }

  /** Passes over the unit at `start` of `len` bytes: `before` of them came earlier, then chunk[pos, n). */
  private startSkip(start: number, len: number, chunk: Uint8Array, pos: number, n: number, before = 0): void {
    this.skipStart = start;
    this.skipLen = len;
    this.skipLeft = len - before - (n - pos);
    this.keepTail(chunk, pos, n);
  }

  /** Goes on passing over a skipped unit from chunk[pos]; returns the position after it, or -1 if the chunk ran out first. */
  private skipOn(chunk: Uint8Array, pos: number): number {
    const k = Math.min(this.skipLeft, chunk.length - pos);
    this.keepTail(chunk, pos, pos + k);
    this.skipLeft -= k;
    if (this.skipLeft > 0) return -1;
    this.skipped(this.skipStart, this.skipLen, this.tailView);
    return pos + k;
  }

  /** The last four bytes of what has been passed over so far, after src[from, to). */
  private keepTail(src: Uint8Array, from: number, to: number): void {
    const k = to - from;
    if (k >= 4) this.tail.set(src.subarray(to - 4, to));
    else if (k > 0) {
      this.tail.copyWithin(0, k);
      this.tail.set(src.subarray(from, to), 4 - k);
    }
  }

  private append(src: Uint8Array, from: number, count: number): void {
    const need = this.carryLen + count;
    if (need > this.carry.length) {
      let size = this.carry.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
      this.carryView = new DataView(grown.buffer);
    }
    this.carry.set(src.subarray(from, from + count), this.carryLen);
    this.carryLen = need;
  }
}
