/**
 * Cuts a stream of chunks into length-prefixed units (pcap records, pcapng blocks) without
 * copying: a unit that lies inside one chunk is handed over as a view into that chunk. Only a
 * unit that straddles a chunk boundary is assembled, in one growable buffer that is reused.
 * Subclasses bound the unit length (unitLength), so that buffer never grows past the bound.
 */

/** What open.ts drives: push every chunk, then end() once. */
export interface ChunkReader {
  push(chunk: Uint8Array): void;
  /** End of input: report a cut unit, fill in counts. May throw CaptureError for a cut file header. */
  end(): void;
}

export abstract class Framer implements ChunkReader {
  /** Set when the reader cannot go on; remaining bytes are only counted. */
  protected stopped = false;
  /** Bytes pushed so far (offset of the next chunk's first byte). */
  protected consumed = 0;
  private carry = new Uint8Array(4096);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;

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

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    const base = this.consumed;
    this.consumed += n;
    if (this.stopped || n === 0) return;
    let pos = 0;
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
      if (avail < len) break;
      this.unit(v, chunk, pos, len, base + pos);
      pos += len;
      if (this.stopped) return;
    }
    if (pos < n) this.append(chunk, pos, n - pos);
  }

  end(): void {
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
    const k = Math.min(len - this.carryLen, n - pos);
    this.append(chunk, pos, k);
    pos += k;
    if (this.carryLen < len) return -1;
    this.carryLen = 0;
    this.unit(this.carryView, this.carry, 0, len, start);
    return pos;
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
