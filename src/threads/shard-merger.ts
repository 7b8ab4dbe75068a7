/**
 * The streaming half of sharded runs: NDJSON connection lines rendered by N shards (each a tracker
 * of flow/tracker.ts run as one Shard, its lines carrying placeholder ids) in, the single run's
 * bytes out, in its order and with its ids, while the shards are still reading.
 *
 * Each shard sends batches (ShardBatch) in its own emission order, which is its key order, with a
 * watermark: every line and every creation at a segment ordinal up to it has been sent. A line can
 * go out once no shard can still send a smaller key: each other shard has a later line waiting, or
 * has passed the line's ordinal. By then every connection created before it is known, so its id,
 * the rank of its placeholder among all creations (shard-merge.ts), is final; the ids in the line
 * are patched as it is copied out. The peak count is followed as lines go out: the creations
 * before each retirement's segment are counted first, since a segment retires before it creates.
 */
import { AT_END } from '../flow/tracker.js';

/** One shard's lines and creations since its last batch. */
export interface ShardBatch {
  shard: number;
  /** Lines back to back, each ending in '\n', as writeDigestLine writes them with placeholder ids. */
  bytes: Uint8Array;
  /** Per line: its end offset in `bytes`, its RetireKey (ordinal, phase, sub) and its placeholder id. */
  ends: ArrayLike<number>;
  keys: ArrayLike<number>;
  ids: ArrayLike<number>;
  /** Per line: true (or 1) when it names another connection (portReuse, PORT_REUSE / TIME_WAIT_REUSE). */
  refs: ArrayLike<boolean | number>;
  /** Ordinals of the segments that created connections (embryos included), ascending. */
  created: ArrayLike<number>;
  /**
   * Every line and creation at an ordinal up to this one has been sent (AT_END: the shard is done,
   * or, with watermarkSub, is emitting what is left at the end of the capture).
   */
  watermark: number;
  /** With watermark AT_END: every end-of-capture line up to this RetireKey.sub has been sent (default: all). */
  watermarkSub?: number;
  /**
   * No later line of the shard carries or names a placeholder below this one (Tracker.referableFloor):
   * once the batch is merged, the creations below every shard's floor are only counted, not kept.
   */
  floor?: number;
}

const HEAD = plain(Buffer.from('{"type":"connection","id":', 'latin1'));
const PREVIOUS_ID = plain(Buffer.from('"previousId":', 'latin1'));
const ANOMALIES = plain(Buffer.from(',"anomalies":[', 'latin1'));
/**
 * How messages.ts names the earlier connection (PORT_REUSE, TIME_WAIT_REUSE); looked for only
 * inside the anomalies, after every string a capture could put in the line (the input's name).
 */
const AFTER_CONNECTION = plain(Buffer.from('s after connection ', 'latin1'));
const WHILE_CONNECTION = plain(Buffer.from('reused while connection ', 'latin1'));

/** A shard's batches not yet merged, and where in the first one the next line starts. */
interface Queue {
  batches: ShardBatch[];
  line: number;
  start: number;
}

export class ShardMerger {
  private readonly queues: Queue[];
  private readonly watermarks: number[];
  private readonly watermarkSubs: number[];
  /** Creation ordinals per shard, ascending (the first `createdCount[s]` entries), after `forgotten[s]` older ones. */
  private readonly created: Float64Array[];
  private readonly createdCount: number[];
  private readonly forgotten: number[];
  /** Per shard, the floor of its last batch merged (ShardBatch.floor). */
  private readonly floors: number[];
  /** Creations counted into `live` so far, per shard. */
  private readonly counted: number[];
  private live = 0;
  private _peak = 0;
  private _creationsHeldPeak = 0;
  private out: Uint8Array;
  private outLen = 0;

  /**
   * `write` returns true when it is done with the chunk (written through, not queued), so the
   * chunk's memory can take the next lines; `merged(batch)` is called once per batch, when its
   * last line has gone out (at once for a batch without lines): the shard's credit, so that a
   * shard ahead of the others waits instead of piling up lines here, and the batch's memory back.
   */
  constructor(private readonly count: number, private readonly write: (chunk: Uint8Array) => boolean | void, private readonly chunkBytes = 1 << 20,
    private readonly merged: (batch: ShardBatch) => void = () => {}) {
    this.queues = Array.from({ length: count }, () => ({ batches: [], line: 0, start: 0 }));
    this.watermarks = new Array<number>(count).fill(-1);
    this.watermarkSubs = new Array<number>(count).fill(Infinity);
    this.created = Array.from({ length: count }, () => new Float64Array(1024));
    this.createdCount = new Array<number>(count).fill(0);
    this.forgotten = new Array<number>(count).fill(0);
    this.floors = new Array<number>(count).fill(0);
    this.counted = new Array<number>(count).fill(0);
    this.out = new Uint8Array(chunkBytes);
  }

  /** The most connections tracked at once, as a single tracker counts it (final after finish()). */
  get peak(): number { return this._peak; }

  push(b: ShardBatch): void {
    const s = b.shard;
    const sub = b.watermarkSub ?? Infinity;
    if (b.watermark < this.watermarks[s] || (b.watermark === this.watermarks[s] && b.watermark === AT_END && sub < this.watermarkSubs[s])) {
      throw new Error(`shard ${s}: watermark went back from ${this.watermarks[s]} to ${b.watermark}`);
    }
    this.addCreated(s, b.created);
    // Copied out through subarray(): a plain view, since a Buffer's subarray() makes a Buffer
    // through its species constructor, several times slower per line.
    if (b.ends.length > 0) this.queues[s].batches.push(Object.getPrototypeOf(b.bytes) === Uint8Array.prototype ? b : { ...b, bytes: plain(b.bytes) });
    this.watermarks[s] = b.watermark;
    this.watermarkSubs[s] = b.watermark === AT_END ? sub : Infinity;
    if (b.ends.length === 0) {
      // Its floor holds once the lines sent before it are out: the last batch waiting takes it over.
      const waiting = this.queues[s].batches;
      if (b.floor !== undefined && waiting.length > 0) {
        const last = waiting[waiting.length - 1];
        last.floor = Math.max(last.floor ?? 0, b.floor);
        this.merged(b);
      } else this.batchDone(b);
    }
    this.drain();
  }

  /** Creation ordinals held (the rest are only counted): bounded by what the shards track. */
  get creationsHeld(): number {
    return this.createdCount.reduce((a, n) => a + n, 0);
  }

  /** The most creation ordinals held at once (`--debug` says it: bounded, or the floors are not arriving). */
  get creationsHeldPeak(): number { return this._creationsHeldPeak; }

  private batchDone(b: ShardBatch): void {
    if (b.floor !== undefined && b.floor > this.floors[b.shard]) {
      this.floors[b.shard] = b.floor;
      this.forgetCreations();
    }
    this.merged(b);
  }

  /**
   * Drops the creations no later id can count past: below every shard's floor (placeholder p counts
   * the creations at ordinals below p - 1), and already in the live count. Only once half of a
   * shard's array can go, so that the shifting costs O(1) per creation.
   */
  private forgetCreations(): void {
    let floor = Infinity;
    for (const f of this.floors) floor = Math.min(floor, f);
    for (let s = 0; s < this.count; s++) {
      const n = this.createdCount[s];
      const k = Math.min(lowerBound(this.created[s], n, floor - 1), this.counted[s]);
      if (k === 0 || 2 * k < n) continue;
      this.created[s].copyWithin(0, k, n);
      this.createdCount[s] = n - k;
      this.counted[s] -= k;
      this.forgotten[s] += k;
    }
  }

  /** Every shard has sent its last batch (watermark AT_END): the rest goes out. */
  finish(): void {
    for (let s = 0; s < this.count; s++) {
      if (this.watermarks[s] !== AT_END || this.watermarkSubs[s] !== Infinity) throw new Error(`shard ${s} has not finished`);
      if (this.queues[s].batches.length > 0) throw new Error(`shard ${s}: lines left after the merge`);
    }
    this.countCreatedBefore(Infinity);
    this.flush();
  }

  flush(): void {
    if (this.outLen === 0) return;
    // Handed over, not copied (the writer may hold it until written); the next lines go to a new one.
    const chunk = this.out.subarray(0, this.outLen);
    this.outLen = 0;
    if (this.write(chunk) !== true) this.out = Buffer.allocUnsafeSlow(this.chunkBytes);
  }

  private addCreated(s: number, ordinals: ArrayLike<number>): void {
    let arr = this.created[s];
    let n = this.createdCount[s];
    if (n + ordinals.length > arr.length) {
      const grown = new Float64Array(Math.max(arr.length * 2, n + ordinals.length));
      grown.set(arr.subarray(0, n));
      this.created[s] = arr = grown;
    }
    for (let i = 0; i < ordinals.length; i++) {
      if (n > 0 && ordinals[i] <= arr[n - 1]) throw new Error(`shard ${s}: creations out of order`);
      arr[n++] = ordinals[i];
    }
    this.createdCount[s] = n;
    const held = this.creationsHeld;
    if (held > this._creationsHeldPeak) this._creationsHeldPeak = held;
  }

  private drain(): void {
    for (;;) {
      // The smallest key waiting.
      let best = -1;
      let bo = 0, bp = 0, bs = 0;
      for (let s = 0; s < this.count; s++) {
        const q = this.queues[s];
        if (q.batches.length === 0) continue;
        const keys = q.batches[0].keys;
        const k = 3 * q.line;
        const o = keys[k], p = keys[k + 1], u = keys[k + 2];
        if (best < 0 || o < bo || (o === bo && (p < bp || (p === bp && u < bs)))) { best = s; bo = o; bp = p; bs = u; }
      }
      if (best < 0) return;
      // A shard with nothing waiting could still send a smaller key unless it has passed this ordinal.
      for (let s = 0; s < this.count; s++) {
        if (s === best || this.queues[s].batches.length > 0) continue;
        const w = this.watermarks[s];
        // Past the line's segment; at the end of the capture, past the line's place in id order.
        if (w < bo || (w === AT_END && bo === AT_END && this.watermarkSubs[s] < bs)) return;
      }
      const q = this.queues[best];
      const b = q.batches[0];
      this.emit(b, q.line, q.start, bo);
      q.start = b.ends[q.line];
      if (++q.line === b.ends.length) {
        q.batches.shift();
        q.line = 0;
        q.start = 0;
        this.batchDone(b);
      }
    }
  }

  /** Counts the creations at ordinals below `ordinal` into the live count, in order. */
  private countCreatedBefore(ordinal: number): void {
    for (;;) {
      let best = -1;
      let bv = 0;
      for (let s = 0; s < this.count; s++) {
        const i = this.counted[s];
        if (i < this.createdCount[s] && (best < 0 || this.created[s][i] < bv)) { best = s; bv = this.created[s][i]; }
      }
      if (best < 0 || bv >= ordinal) return;
      this.counted[best]++;
      this.live++;
      if (this.live > this._peak) this._peak = this.live;
    }
  }

  /** The single run's id for a placeholder: one more than the creations before it. */
  private idOf(placeholder: number): number {
    const before = placeholder - 1;
    let rank = 1;
    for (let s = 0; s < this.count; s++) rank += this.forgotten[s] + lowerBound(this.created[s], this.createdCount[s], before);
    return rank;
  }

  private emit(b: ShardBatch, line: number, start: number, ordinal: number): void {
    this.countCreatedBefore(ordinal === AT_END ? Infinity : ordinal);
    const bytes = b.bytes;
    const end = b.ends[line];
    const placeholder = b.ids[line];
    let p = start;
    if (!startsWith(bytes, p, HEAD)) throw new Error('shard line does not start with its id');
    p += HEAD.length;
    const digitsEnd = numberEnd(bytes, p);
    if (digitsEnd === p || digitsValue(bytes, p, digitsEnd) !== placeholder) {
      throw new Error(`shard line's id is not its placeholder ${placeholder}`);
    }
    this.put(HEAD, 0, HEAD.length);
    this.putNumber(this.idOf(placeholder));
    if (!b.refs[line]) {
      this.put(bytes, digitsEnd, end);
    } else {
      this.putWithRefs(bytes, digitsEnd, end);
    }
    if (ordinal !== AT_END) this.live--;
    if (this.outLen >= this.chunkBytes >> 1) this.flush();
  }

  /**
   * Copies [from, to) with the placeholders that name another connection made single-run ids:
   * after `"previousId":` (a key: never inside a string, where quotes are escaped) and, in the
   * anomalies, in the two messages that name it.
   */
  private putWithRefs(bytes: Uint8Array, from: number, to: number): void {
    let p = from;
    let copied = from;
    let inAnomalies = false;
    while (p < to) {
      let word: Uint8Array | null = null;
      const c = bytes[p];
      if (c === PREVIOUS_ID[0] && startsWith(bytes, p, PREVIOUS_ID)) word = PREVIOUS_ID;
      else if (!inAnomalies) {
        if (c === ANOMALIES[0] && startsWith(bytes, p, ANOMALIES)) inAnomalies = true;
      } else if (c === AFTER_CONNECTION[0] && startsWith(bytes, p, AFTER_CONNECTION)) word = AFTER_CONNECTION;
      else if (c === WHILE_CONNECTION[0] && startsWith(bytes, p, WHILE_CONNECTION)) word = WHILE_CONNECTION;
      if (word === null) { p++; continue; }
      const digits = p + word.length;
      const e = numberEnd(bytes, digits);
      if (e === digits) { p = digits; continue; }
      this.put(bytes, copied, digits);
      this.putNumber(this.idOf(digitsValue(bytes, digits, e)));
      copied = p = e;
    }
    this.put(bytes, copied, to);
  }

  private put(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.room(n);
    this.out.set(src.subarray(from, to), this.outLen);
    this.outLen += n;
  }

  /** A positive integer below 2^53, in decimal. */
  private putNumber(v: number): void {
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    this.room(digits);
    const out = this.out;
    let x = v;
    for (let i = this.outLen + digits - 1; i >= this.outLen; i--) {
      const q = Math.floor(x / 10);
      out[i] = 0x30 + (x - q * 10);
      x = q;
    }
    this.outLen += digits;
  }

  private room(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    this.flush();
    if (n > this.out.length) this.out = new Uint8Array(n);
  }
}

function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function startsWith(b: Uint8Array, p: number, word: Uint8Array): boolean {
  if (p + word.length > b.length) return false;
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) return false;
  return true;
}

/** The end of the run of ASCII digits at p. */
function numberEnd(b: Uint8Array, p: number): number {
  while (p < b.length && b[p] >= 0x30 && b[p] <= 0x39) p++;
  return p;
}

function digitsValue(b: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (b[i] - 0x30);
  return v;
}

/** Entries of a[0, n) below v (a ascending). */
function lowerBound(a: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
