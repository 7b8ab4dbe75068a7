/**
 * Retired tuples, remembered so that a later connection on the same 4-tuple can report
 * PORT_REUSE and TIME_WAIT_REUSE: the tuple, the last connection's id, its last packet and when it
 * entered TIME_WAIT. Kept for 2×MSL, at most `max` of them, the oldest forgotten first.
 *
 * Typed arrays rather than objects: on the 1 GB benchmark capture every one of the 90,000
 * connections leaves a tombstone, and as Flow objects in the live table (with their heap numbers
 * and Map entries, ~270 bytes each) they were a quarter of the live heap and the reason a run
 * sometimes needed a third full GC and ~300 MiB of RSS. Here a tombstone is ~100 bytes, outside
 * the GC's reach, and the live table holds live flows only.
 *
 * Slots form a ring in retirement order (expiry and the cap pop the head); a tombstone taken by a
 * new connection is marked dead in place and skipped when the head reaches it. Lookup: chained
 * hashing on the direction-free tuple hash the tracker already computed for the packet.
 */
import type { PacketFields } from '../decode/fields.js';
import type { TupleKey } from './key.js';

/**
 * The endpoints of a tuple's last connection, side A and B of a flow (Flow implements it): the next
 * sequence number each was seen to send and the highest acknowledgment number it sent (NaN = none),
 * and whether it was left in TIME_WAIT. What SYN_CHALLENGE_ACK compares a later connection's ACK
 * with; add() reads it in the key's orientation, take() fills it with side A the packet's sender.
 */
export interface EarlierEnds {
  prevNxtA: number;
  prevNxtB: number;
  prevAckA: number;
  prevAckB: number;
  prevTimeWaitA: boolean;
  prevTimeWaitB: boolean;
}

const KEY_WORDS = 10; // a0..a3, b0..b3, aPort, bPort
const NONE = -1;
const INITIAL_SLOTS = 1024;

export class Tombstones {
  /** Live (not taken, not expired) tombstones. */
  size = 0;
  // What take() found: the previous connection's id, last packet time, TIME_WAIT entry (-1 = never).
  foundId = 0;
  foundLastNanos = 0;
  foundTimeWaitNanos = -1;
  /** When the found connection's 2×MSL timer last started (Endpoint.timeWaitFrom), -1 = never in TIME_WAIT. */
  foundTimeWaitTimerNanos = -1;

  private slots = 0;
  private keys = new Int32Array(0);
  private v6 = new Uint8Array(0);
  private alive = new Uint8Array(0);
  private hashes = new Int32Array(0);
  private chain = new Int32Array(0);
  private ids = new Float64Array(0);
  private lastNanos = new Float64Array(0);
  private timeWaitNanos = new Float64Array(0);
  private timeWaitTimerNanos = new Float64Array(0);
  /** Per slot, in the key's orientation: each side's next sequence number (NaN: none), and TIME_WAIT bits (1: A, 2: B). */
  private nxtA = new Float64Array(0);
  private nxtB = new Float64Array(0);
  private ackA = new Float64Array(0);
  private ackB = new Float64Array(0);
  private timeWaitSides = new Uint8Array(0);
  private buckets = new Int32Array(0);
  private mask = 0;
  /** Ring: `used` slots from `head` (mod slots), in retirement order; some may be dead. */
  private head = 0;
  private used = 0;
  /** No live tombstone expires before this (a lower bound: purge() scans only once it has passed). */
  private nextExpiry = Infinity;

  /** `atCap`: called instead of forgetting the oldest when an add finds `max` kept (it may throw). */
  constructor(private readonly max: number, private readonly atCap?: () => void) {}

  /**
   * `now` and `ttlNanos` (the tracker's clock and 2×MSL): at the cap, tombstones past their lifetime
   * are forgotten before the oldest live one is. Besides forgetting the useless first, this makes the
   * count at the cap the number of unexpired tombstones, the same however the tuples are split
   * between shards (expire() stops at the first fresh one, and which one that is depends on what
   * else the ring holds): what a shard's share of the cap relies on (flow/tracker.ts, ShardCapReached).
   */
  add(k: TupleKey, hash: number, id: number, lastNanos: number, timeWaitNanos: number, now = -Infinity, ttlNanos = Infinity, timeWaitTimerNanos = timeWaitNanos,
    ends?: EarlierEnds): void {
    if (this.max <= 0) return;
    if (this.size >= this.max && now >= this.nextExpiry) this.purge(now, ttlNanos);
    if (this.size >= this.max && this.atCap !== undefined) this.atCap();
    while (this.size >= this.max) this.popHead();
    if (this.used === this.slots) this.makeRoom();
    const s = (this.head + this.used) % this.slots;
    this.used++;
    const o = s * KEY_WORDS;
    const keys = this.keys;
    keys[o] = k.a0; keys[o + 1] = k.a1; keys[o + 2] = k.a2; keys[o + 3] = k.a3;
    keys[o + 4] = k.b0; keys[o + 5] = k.b1; keys[o + 6] = k.b2; keys[o + 7] = k.b3;
    keys[o + 8] = k.aPort; keys[o + 9] = k.bPort;
    this.v6[s] = k.v6 ? 1 : 0;
    this.alive[s] = 1;
    this.hashes[s] = hash;
    this.ids[s] = id;
    this.lastNanos[s] = lastNanos;
    this.timeWaitNanos[s] = timeWaitNanos;
    this.timeWaitTimerNanos[s] = timeWaitTimerNanos;
    this.nxtA[s] = ends?.prevNxtA ?? NaN;
    this.nxtB[s] = ends?.prevNxtB ?? NaN;
    this.ackA[s] = ends?.prevAckA ?? NaN;
    this.ackB[s] = ends?.prevAckB ?? NaN;
    this.timeWaitSides[s] = ends === undefined ? 0 : (ends.prevTimeWaitA ? 1 : 0) | (ends.prevTimeWaitB ? 2 : 0);
    const b = hash & this.mask;
    this.chain[s] = this.buckets[b];
    this.buckets[b] = s;
    this.size++;
    if (lastNanos + ttlNanos < this.nextExpiry) this.nextExpiry = lastNanos + ttlNanos;
  }

  /**
   * Forgets every live tombstone past its lifetime, wherever it is in the ring. O(slots), and only
   * at the cap once `now` has passed nextExpiry, so a flood of fresh ones does not scan on every add.
   */
  private purge(now: number, ttlNanos: number): void {
    let next = Infinity;
    for (let i = 0, s = this.head; i < this.used; i++, s = (s + 1) % this.slots) {
      if (this.alive[s] === 0) continue;
      const expiry = this.lastNanos[s] + ttlNanos;
      if (expiry <= now) {
        this.unchain(s);
        this.alive[s] = 0;
        this.size--;
      } else if (expiry < next) next = expiry;
    }
    this.nextExpiry = next;
  }

  /**
   * Finds and forgets the tombstone of the packet's tuple (either direction); its values go to
   * found*. One whose connection's last packet is `ttlNanos` or more before `now` is forgotten and
   * not found: expire() pops only the ring's head, and the ring is in retirement order, not
   * last-packet order (an idle connection retires its timeout after its last packet, a closed one
   * 5 s after), so an expired tombstone can wait behind a fresh one, and which one is ahead
   * depended on what else the tracker held: with `--threads 2` a reuse was reported or not.
   */
  take(f: PacketFields, hash: number, now: number, ttlNanos: number, ends?: EarlierEnds): boolean {
    if (this.size === 0) return false;
    const b = hash & this.mask;
    const v6 = f.ipVersion === 6 ? 1 : 0;
    for (let s = this.buckets[b], prev = NONE; s !== NONE; prev = s, s = this.chain[s]) {
      const side = this.hashes[s] !== hash || this.v6[s] !== v6 ? 0 : this.senderSide(s, f);
      if (side === 0) continue;
      if (prev === NONE) this.buckets[b] = this.chain[s];
      else this.chain[prev] = this.chain[s];
      this.alive[s] = 0;
      this.size--;
      if (this.lastNanos[s] + ttlNanos <= now) return false;
      this.foundId = this.ids[s];
      this.foundLastNanos = this.lastNanos[s];
      this.foundTimeWaitNanos = this.timeWaitNanos[s];
      this.foundTimeWaitTimerNanos = this.timeWaitTimerNanos[s];
      if (ends !== undefined) {
        const fromA = side === 1;
        const tw = this.timeWaitSides[s];
        ends.prevNxtA = fromA ? this.nxtA[s] : this.nxtB[s];
        ends.prevNxtB = fromA ? this.nxtB[s] : this.nxtA[s];
        ends.prevAckA = fromA ? this.ackA[s] : this.ackB[s];
        ends.prevAckB = fromA ? this.ackB[s] : this.ackA[s];
        ends.prevTimeWaitA = (tw & (fromA ? 1 : 2)) !== 0;
        ends.prevTimeWaitB = (tw & (fromA ? 2 : 1)) !== 0;
      }
      return true;
    }
    return false;
  }

  /** Slots pushIds() walks. */
  get slotsUsed(): number { return this.used; }

  /** Pushes the connection id of every live tombstone. O(slots). */
  pushIds(out: { push(id: number): void }): void {
    for (let i = 0, s = this.head; i < this.used; i++, s = (s + 1) % this.slots) {
      if (this.alive[s] === 1) out.push(this.ids[s]);
    }
  }

  /** Forgets the tombstones whose connection's last packet is `ttlNanos` or more before `now`. */
  expire(now: number, ttlNanos: number): void {
    while (this.used > 0) {
      const s = this.head;
      if (this.alive[s] === 1 && this.lastNanos[s] + ttlNanos > now) return;
      this.popHead();
    }
  }

  /** The tuple of slot `s`, and the packet's sender is its side A (1) or B (2); else 0. */
  private senderSide(s: number, f: PacketFields): number {
    const k = this.keys;
    const o = s * KEY_WORDS;
    const s0 = f.src0 | 0, s1 = f.src1 | 0, s2 = f.src2 | 0, s3 = f.src3 | 0;
    const d0 = f.dst0 | 0, d1 = f.dst1 | 0, d2 = f.dst2 | 0, d3 = f.dst3 | 0;
    if (k[o + 8] === f.srcPort && k[o + 9] === f.dstPort && k[o] === s0 && k[o + 1] === s1 && k[o + 2] === s2 && k[o + 3] === s3
      && k[o + 4] === d0 && k[o + 5] === d1 && k[o + 6] === d2 && k[o + 7] === d3) return 1;
    return k[o + 8] === f.dstPort && k[o + 9] === f.srcPort && k[o] === d0 && k[o + 1] === d1 && k[o + 2] === d2 && k[o + 3] === d3
      && k[o + 4] === s0 && k[o + 5] === s1 && k[o + 6] === s2 && k[o + 7] === s3 ? 2 : 0;
  }

  /** Takes a live slot out of its bucket's chain. */
  private unchain(s: number): void {
    const b = this.hashes[s] & this.mask;
    let prev = NONE;
    let cur = this.buckets[b];
    while (cur !== s && cur !== NONE) { prev = cur; cur = this.chain[cur]; }
    if (cur === NONE) {
      // not chained (cannot happen while the invariants hold): nothing to unlink
    } else if (prev === NONE) this.buckets[b] = this.chain[s];
    else this.chain[prev] = this.chain[s];
  }

  /** Removes the oldest slot (dead or alive). */
  private popHead(): void {
    const s = this.head;
    if (this.alive[s] === 1) {
      this.unchain(s);
      this.alive[s] = 0;
      this.size--;
    }
    this.head = (this.head + 1) % this.slots;
    this.used--;
  }

  /**
   * The ring is full: grow it (twice the slots, up to twice `max` since dead slots take room too),
   * or, when it may not grow, drop the dead slots by compacting in retirement order. Either way
   * there is room after: add() has popped the live count below `max`, and the ring has 2×max slots.
   */
  private makeRoom(): void {
    const grow = this.slots < 2 * this.max;
    const slots = grow ? Math.min(2 * this.max, Math.max(INITIAL_SLOTS, 2 * this.slots)) : this.slots;
    const keys = new Int32Array(slots * KEY_WORDS);
    const v6 = new Uint8Array(slots);
    const alive = new Uint8Array(slots);
    const hashes = new Int32Array(slots);
    const ids = new Float64Array(slots);
    const lastNanos = new Float64Array(slots);
    const timeWaitNanos = new Float64Array(slots);
    const timeWaitTimerNanos = new Float64Array(slots);
    const nxtA = new Float64Array(slots);
    const nxtB = new Float64Array(slots);
    const ackA = new Float64Array(slots);
    const ackB = new Float64Array(slots);
    const timeWaitSides = new Uint8Array(slots);
    let n = 0;
    for (let i = 0; i < this.used; i++) {
      const s = (this.head + i) % this.slots;
      if (this.alive[s] === 0) continue;
      // A loop, not keys.set(subarray): a subarray is an object, ~100k of them per compaction.
      for (let w = 0; w < KEY_WORDS; w++) keys[n * KEY_WORDS + w] = this.keys[s * KEY_WORDS + w];
      v6[n] = this.v6[s];
      alive[n] = 1;
      hashes[n] = this.hashes[s];
      ids[n] = this.ids[s];
      lastNanos[n] = this.lastNanos[s];
      timeWaitNanos[n] = this.timeWaitNanos[s];
      timeWaitTimerNanos[n] = this.timeWaitTimerNanos[s];
      nxtA[n] = this.nxtA[s];
      nxtB[n] = this.nxtB[s];
      ackA[n] = this.ackA[s];
      ackB[n] = this.ackB[s];
      timeWaitSides[n] = this.timeWaitSides[s];
      n++;
    }
    this.slots = slots;
    this.keys = keys; this.v6 = v6; this.alive = alive; this.hashes = hashes;
    this.ids = ids; this.lastNanos = lastNanos; this.timeWaitNanos = timeWaitNanos; this.timeWaitTimerNanos = timeWaitTimerNanos;
    this.nxtA = nxtA; this.nxtB = nxtB; this.ackA = ackA; this.ackB = ackB; this.timeWaitSides = timeWaitSides;
    this.head = 0;
    this.used = n;
    // Buckets: a power of two at least the slot count; rebuilt oldest first, so each chain runs newest to oldest.
    let nb = 1;
    while (nb < slots) nb *= 2;
    this.mask = nb - 1;
    this.buckets = new Int32Array(nb).fill(NONE);
    this.chain = new Int32Array(slots);
    for (let s = 0; s < n; s++) {
      const b = hashes[s] & this.mask;
      this.chain[s] = this.buckets[b];
      this.buckets[b] = s;
    }
  }
}
