/**
 * The streaming half of sharded runs: NDJSON connection lines rendered by N shards (each a tracker
 * of flow/tracker.ts run as one Shard, its lines carrying placeholder ids) in, the single run's
 * bytes out, in its order and with its ids, while the shards are still reading.
 *
 * Each shard sends batches (ShardBatch) in its own emission order, which is its key order, with a
 * watermark: every line and every creation at a segment ordinal up to it has been sent. A line can
 * go out once no shard can still send a smaller key: each other shard has a later line waiting, or
 * has passed the line's ordinal. By then every connection created before it is known, so its id,
 * the rank of its placeholder among all creations (test/threads/shard-merge-reference.ts), is final; the ids in the line
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
  /** Per line: true (or 1) when it names another connection (portReuse, PORT_REUSE / TIME_WAIT_REUSE / SYN_CHALLENGE_ACK). */
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
   * Placeholders at or below watermark + 1 (any order, repeats allowed): every later line of the
   * shard carries or names one of these or one created after the watermark (Tracker.referable).
   * Once the batch is merged, the creations below every shard's watermark are only ranked at these,
   * not kept. Not with watermark AT_END.
   */
  referable?: ArrayLike<number>;
}

const HEAD = plain(Buffer.from('{"type":"connection","id":', 'latin1'));
const PREVIOUS_ID = plain(Buffer.from('"previousId":', 'latin1'));
const ANOMALIES = plain(Buffer.from(',"anomalies":[', 'latin1'));
/**
 * How messages.ts names the earlier connection (PORT_REUSE, TIME_WAIT_REUSE, SYN_CHALLENGE_ACK),
 * each right before its id; looked for only inside the anomalies, after every string a capture
 * could put in the line (the input's name). A test checks that every message naming a connection
 * uses one of them.
 */
export const CONNECTION_NAMING = ['s after connection ', 'reused while connection ', 'with an ACK of connection '] as const;
const NAMING = CONNECTION_NAMING.map((w) => plain(Buffer.from(w, 'latin1')));

/** The fewest creations a compaction drops (ShardMerger.forgetCreations). */
const MIN_DROP = 4096;

/**
 * A batch waiting, and the batches without lines that came after it (held, not acknowledged, until
 * it is done: their referable placeholders hold from then on, and live in their own memory till then).
 */
type Queued = ShardBatch & { after?: ShardBatch[] };

/**
 * A shard's referable placeholders (ShardBatch.referable) at its watermark `through`: copied into
 * memory of the merge's own, reused (the batch's goes back to the shard), sorted only if a compaction
 * uses them. Fresh copies were ~60 MiB of garbage on the 2M-SYN flood, on a thread that rarely collects.
 */
class Refer {
  through = -1;
  ids = new Float64Array(1024);
  n = 0;
  sorted = false;

  set(through: number, ids: ArrayLike<number>): void {
    if (ids.length > this.ids.length) this.ids = new Float64Array(Math.max(2 * this.ids.length, ids.length));
    this.ids.set(ids);
    this.n = ids.length;
    this.through = through;
    this.sorted = false;
  }

  sort(): void {
    if (!this.sorted) this.ids.subarray(0, this.n).sort();
    this.sorted = true;
  }
}

/** A shard's batches not yet merged, and where in the first one the next line starts. */
interface Queue {
  batches: Queued[];
  line: number;
  start: number;
}

export class ShardMerger {
  private readonly queues: Queue[];
  private readonly watermarks: number[];
  private readonly watermarkSubs: number[];
  /**
   * Creation ordinals per shard, ascending: entries [first[s], createdCount[s]) of created[s], all
   * at or above `base`. The creations below `base` are gone, `below` of them: what is left of them is
   * the rank of each placeholder a later line may still use (`kept`).
   */
  private readonly created: Float64Array[];
  private readonly first: number[];
  private readonly createdCount: number[];
  private base = 0;
  private below = 0;
  /** The placeholders under base + 1 that later lines may carry or name, ascending, and their ids. */
  private keptIds = new Float64Array(1024);
  private keptRanks = new Float64Array(1024);
  private keptCount = 0;
  /** The other pair, written by the next compaction (two pairs reused, no garbage per compaction). */
  private nextIds = new Float64Array(1024);
  private nextRanks = new Float64Array(1024);
  /** Per shard, the watermark and referable placeholders of its last batch merged that had them (through -1: none yet). */
  private readonly refers: Refer[];
  /** Every creation at an ordinal below this one has been counted into `live`. */
  private countedBelow = 0;
  /** Creations counted into `live` so far, per shard: an index into created[s]. */
  private readonly counted: number[];
  private live = 0;
  private _peak = 0;
  private _creationsHeldPeak = 0;
  private out: Uint8Array;
  private outLen = 0;
  /** Lines copied out so far (flushed or not). */
  linesOut = 0;
  /**
   * No line at a segment ordinal above this goes out: a shard stopped at a cap (ShardCapReached)
   * before the segment after it, so the single run's lines are known only through it.
   */
  limit = Infinity;

  /**
   * `write` returns true when it is done with the chunk (written through, not queued), so the
   * chunk's memory can take the next lines; `merged(batch)` is called once per batch, when its
   * last line has gone out (at once for a batch without lines): the shard's credit, so that a
   * shard ahead of the others waits instead of piling up lines here, and the batch's memory back.
   * `minDrop`: the fewest creations a compaction drops (forgetCreations; tests set 1).
   */
  constructor(private readonly count: number, private readonly write: (chunk: Uint8Array) => boolean | void, private readonly chunkBytes = 1 << 20,
    private readonly merged: (batch: ShardBatch) => void = () => {}, private readonly minDrop = MIN_DROP) {
    this.queues = Array.from({ length: count }, () => ({ batches: [], line: 0, start: 0 }));
    this.watermarks = new Array<number>(count).fill(-1);
    this.watermarkSubs = new Array<number>(count).fill(Infinity);
    this.created = Array.from({ length: count }, () => new Float64Array(1024));
    this.first = new Array<number>(count).fill(0);
    this.createdCount = new Array<number>(count).fill(0);
    this.refers = Array.from({ length: count }, () => new Refer());
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
    if (b.referable !== undefined && b.watermark === AT_END) throw new Error(`shard ${s}: referable placeholders at the end of the capture`);
    this.addCreated(s, b.created);
    // Copied out through subarray(): a plain view, since a Buffer's subarray() makes a Buffer
    // through its species constructor, several times slower per line.
    if (b.ends.length > 0) this.queues[s].batches.push(Object.getPrototypeOf(b.bytes) === Uint8Array.prototype ? b : { ...b, bytes: plain(b.bytes) });
    this.watermarks[s] = b.watermark;
    this.watermarkSubs[s] = b.watermark === AT_END ? sub : Infinity;
    if (b.ends.length === 0) {
      // Its placeholders hold once the lines sent before it are out: it waits with the last batch.
      const waiting = this.queues[s].batches;
      if (b.referable !== undefined && waiting.length > 0) (waiting[waiting.length - 1].after ??= []).push(b);
      else this.batchDone(b);
    }
    this.drain();
  }

  /** Creation ordinals and ranked placeholders held (the rest are only counted): bounded by what the shards track. */
  get creationsHeld(): number {
    let n = this.keptCount;
    for (let s = 0; s < this.count; s++) n += this.createdCount[s] - this.first[s];
    return n;
  }

  /** The most creation ordinals and ranked placeholders held at once (`--debug` says it: bounded, or the referable sets are not arriving). */
  get creationsHeldPeak(): number { return this._creationsHeldPeak; }

  private batchDone(b: Queued): void {
    const after = b.after;
    // The newest set says the most (a later watermark, and below the older one only fewer).
    const last = after !== undefined ? after[after.length - 1] : b;
    const r = this.refers[b.shard];
    if (last.referable !== undefined && last.watermark > r.through) {
      r.set(last.watermark, last.referable);
      this.forgetCreations();
    }
    this.merged(b);
    if (after !== undefined) for (const e of after) this.merged(e);
  }

  /**
   * Moves `base` up to the lowest watermark of the shards' referable sets (and no further than the
   * live count has come): the creations below it are dropped, and the ids of the placeholders under
   * it that later lines may still use are kept instead (placeholder p is ranked by the creations at
   * ordinals below p - 1). A shard's set under its watermark only shrinks, so every placeholder
   * under the old base still named is already kept. Done only when it drops at least as many
   * creations as the sets hold (and 4096), so that its O(k log k) costs O(log k) per creation dropped:
   * the sets come every few thousand creations or segments, most of them alike.
   */
  private forgetCreations(): void {
    let nb = this.countedBelow;
    let referable = 0;
    for (const r of this.refers) {
      if (r.through < 0) return;
      nb = Math.min(nb, r.through + 1);
      referable += r.n;
    }
    if (nb <= this.base) return;
    let drop = 0;
    for (let s = 0; s < this.count; s++) drop += lowerBound(this.created[s], this.first[s], this.createdCount[s], nb) - this.first[s];
    if (drop < Math.max(this.minDrop, referable)) return;
    let n = 0;
    for (const r of this.refers) {
      r.sort();
      n += lowerBound(r.ids, 0, r.n, nb + 1);
    }
    if (n > this.nextIds.length) {
      this.nextIds = new Float64Array(2 * n);
      this.nextRanks = new Float64Array(2 * n);
    }
    const ids = this.nextIds;
    const ranks = this.nextRanks;
    n = 0;
    for (const r of this.refers) {
      for (let i = 0; i < r.n && r.ids[i] - 1 < nb; i++) ids[n++] = r.ids[i];
    }
    ids.subarray(0, n).sort();
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (m > 0 && ids[m - 1] === ids[i]) continue;
      ids[m] = ids[i];
      ranks[m++] = this.idOf(ids[i]);
    }
    for (let s = 0; s < this.count; s++) {
      const k = lowerBound(this.created[s], this.first[s], this.createdCount[s], nb);
      if (k > this.counted[s]) throw new Error(`shard ${s}: creations dropped before they were counted`);
      this.below += k - this.first[s];
      this.first[s] = k;
    }
    this.base = nb;
    this.nextIds = this.keptIds;
    this.nextRanks = this.keptRanks;
    this.keptIds = ids;
    this.keptRanks = ranks;
    this.keptCount = m;
  }

  /**
   * Every line at or below `limit` has gone out, and none can still come: each shard has passed the
   * limit (its watermark), or waits with a line above it (a shard's lines come in key order). So
   * what is written when a cap stops the shards does not depend on how far each had got.
   */
  settledThroughLimit(): boolean {
    for (let s = 0; s < this.count; s++) {
      const q = this.queues[s];
      if (q.batches.length > 0 ? q.batches[0].keys[3 * q.line] <= this.limit : this.watermarks[s] < this.limit) return false;
    }
    return true;
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
      // The dropped front goes first; the array grows only if that is not room enough. Either way
      // a move of the entries held, once per as many creations: O(1) per creation.
      const k = this.first[s];
      const held = n - k;
      if (held + ordinals.length <= arr.length >> 1) arr.copyWithin(0, k, n);
      else {
        const grown = new Float64Array(Math.max(arr.length * 2, 2 * (held + ordinals.length)));
        grown.set(arr.subarray(k, n));
        this.created[s] = arr = grown;
      }
      n = held;
      this.first[s] = 0;
      this.counted[s] -= k;
      this.createdCount[s] = n;
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
      if (best < 0 || bo > this.limit) return;
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
      if (best < 0 || bv >= ordinal) {
        // Every shard has passed `ordinal` before a line of it goes out: all creations below it are here.
        if (ordinal > this.countedBelow) this.countedBelow = ordinal;
        return;
      }
      this.counted[best]++;
      this.live++;
      if (this.live > this._peak) this._peak = this.live;
    }
  }

  /** The single run's id for a placeholder: one more than the creations before it. */
  private idOf(placeholder: number): number {
    const before = placeholder - 1;
    if (before < this.base) {
      const i = lowerBound(this.keptIds, 0, this.keptCount, placeholder);
      if (i < this.keptCount && this.keptIds[i] === placeholder) return this.keptRanks[i];
      throw new Error(`placeholder ${placeholder} is not among those the shards said they may still use`);
    }
    let rank = 1 + this.below;
    for (let s = 0; s < this.count; s++) rank += lowerBound(this.created[s], this.first[s], this.createdCount[s], before) - this.first[s];
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
    this.linesOut++;
    if (this.outLen >= this.chunkBytes >> 1) this.flush();
  }

  /**
   * Copies [from, to) with the placeholders that name another connection made single-run ids:
   * after `"previousId":` (a key: never inside a string, where quotes are escaped) and, in the
   * anomalies, in the messages that name it (CONNECTION_NAMING).
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
      } else {
        for (const w of NAMING) if (c === w[0] && startsWith(bytes, p, w)) { word = w; break; }
      }
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

/** The first index in a[from, to) whose entry is not below v (a ascending). */
function lowerBound(a: Float64Array, from: number, to: number, v: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
