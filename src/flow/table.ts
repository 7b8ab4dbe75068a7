/**
 * The 4-tuple table and the time-ordered lists that retire connections.
 *
 * Lookup: an array of buckets indexed by the direction-free tuple hash (an int32) masked to the
 * table's power-of-two size, each a chain of flows linked through `bucketNext`; a hit is confirmed
 * by comparing the hash, then the numbers of the tuple. No string is built per packet, for IPv4 or
 * IPv6. The array doubles when the flows outnumber its slots (a Map keyed by the hash, before, cost
 * ~55 ms of Map#get on the 1 GB benchmark capture).
 *
 * Timers: every flow sits in exactly one intrusive doubly linked list, ordered by last activity
 * (a touched flow moves to the tail in O(1)). All flows of one list share one timeout, so the head
 * is always the next to expire: checking heads when time advances costs O(1) amortised per packet
 * and never scans the table (Zeek's and conntrack's per-state timeouts, as a list per state class).
 */
import type { PacketFields } from '../decode/fields.js';
import type { IcmpError } from '../decode/icmp.js';
import { matchesKey, setKey, type TupleKey } from './key.js';
import type { EarlierEnds } from './tombstones.js';

/** Which retirement list a flow is in. */
export const LIST_NONE = 0;
export const LIST_OPEN = 1; // synchronized or in progress: idle timeout
export const LIST_SYN = 2; // only unanswered SYNs so far: never shorter than the SYN backoff
export const LIST_CLOSED = 3; // closed: retired after a short quiet period
export const LIST_WAIT = 4; // closed, a FIN's ACK lost past the capture point: waits for the FIN's next copy

export class Flow<C> implements TupleKey, EarlierEnds {
  v6 = false;
  a0 = 0; a1 = 0; a2 = 0; a3 = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0;
  aPort = 0;
  bPort = 0;
  hash = 0;
  bucketNext: Flow<C> | null = null;
  list = LIST_NONE;
  prev: Flow<C> | null = null;
  next: Flow<C> | null = null;
  /** Capture time of the last packet. */
  lastNanos = 0;
  /**
   * The tracker's clock (the latest capture time seen) when the flow was last placed in its list:
   * what the list is ordered by and expires by. Equal to lastNanos unless a record was stamped
   * earlier than one before it; then lastNanos would leave the list out of order, and a flow whose
   * head check waits behind another expired at a moment that depended on what else shared its list
   * (so `--threads 2` differed from one thread: fuzz seed 5002, cases 972, 1292, 1444).
   */
  listNanos = 0;
  /** Ordinal of the segment that last placed it in its list (the tracker's RetireKey.sub). */
  placedAt = 0;
  /** The connection on this tuple; null while it is an embryo (and once retired). */
  conn: C | null = null;
  /** The previous connection on this tuple (0 = none): id, last packet, when it entered TIME_WAIT (-1 = never); from a tombstone (tombstones.ts) or the connection it replaced. */
  prevId = 0;
  prevLastNanos = 0;
  prevTimeWaitNanos = -1;
  /** When that connection's 2×MSL timer last started (a later own segment or a FIN restarts it), -1 = never. */
  prevTimeWaitTimerNanos = -1;
  // That connection's endpoints (EarlierEnds, in tombstones.ts).
  prevNxtA = NaN;
  prevNxtB = NaN;
  prevAckA = NaN;
  prevAckB = NaN;
  prevTimeWaitA = false;
  prevTimeWaitB = false;

  /** Set while the tuple holds only an embryonic connection (see Embryo); null otherwise. */
  embryo: Embryo | null = null;
}

/**
 * An embryonic connection (a SYN cache, as stacks keep for floods): a connection that is so far
 * only bare SYNs from one side is held in these few numbers instead of a full Connection, and
 * promoted (its SYNs replayed) when anything else arrives or when it is reported. A separate,
 * pooled object rather than fields of Flow: most flows are never embryos (on the 1 GB benchmark
 * capture the embryo fields were ~150 unused bytes on each of ~70k flows).
 */
export class Embryo {
  id = 0;
  input = '';
  /** The input of the last SYN (lastFrame counts in it). */
  lastInput = '';
  iss = 0;
  flags = 0;
  window = 0;
  /** The SYN's acknowledgment field (meaningless without ACK, but compared for duplicates). */
  ack = 0;
  /** Options of the SYN: MSS (-1 none), window scale (-1 none), SACK-permitted / timestamps bits. */
  mss = -1;
  wscale = -1;
  optBits = 0;
  firstNanos = 0;
  firstFrame = 0;
  secondFrame = 0;
  /** The input of the second SYN (secondFrame counts in it). */
  secondInput = '';
  lastFrame = 0;
  count = 0;
  /** TSval of the first SYN (when optBits has timestamps). */
  tsVal = 0;
  /** IPv4 Identification of the first SYN (-1: IPv6), replayed so DUPLICATE_PACKETS reads it as on a live record. */
  ipId = -1;
  /**
   * Per repeat of the SYN: the gap since the previous one in ns, and its TSval. Null until a
   * retransmission; a repeat beyond their capacity promotes the embryo, so the replay is exact.
   */
  gaps: number[] | null = null;
  /** TSval × 2^17 + IPv4 Identification + 1 (0: none), one number per repeat: a third array cost a SYN scan ~7 % more memory (helper-114 review). */
  tsVals: number[] | null = null;
  /** An ICMP error about its SYN (one kind, counted), replayed on promotion; null: none. */
  icmp: HeldIcmpError | null = null;
}

/**
 * An ICMP error an embryo holds instead of being promoted for it: a SYN scan against a firewall
 * that rejects with ICMP is a flood whose every SYN is answered so (helper-83 review: 457 MB as
 * full connections, against 134 MB for the same SYNs unanswered). A second kind promotes it.
 */
export class HeldIcmpError {
  version: 4 | 6 = 4;
  type = 0;
  code = 0;
  mtu = -1;
  from0 = 0; from1 = 0; from2 = 0; from3 = 0;
  /** The quoted SYN's sequence number and flags (-1: not quoted). */
  seq = 0;
  flags = -1;
  frameNo = 0;
  input = '';
  tNanos = 0;
  count = 0;

  hold(e: IcmpError, frameNo: number, input: string, tNanos: number): void {
    this.version = e.version; this.type = e.type; this.code = e.code; this.mtu = e.mtu;
    this.from0 = e.from0; this.from1 = e.from1; this.from2 = e.from2; this.from3 = e.from3;
    this.seq = e.segment.seq; this.flags = e.segment.flags;
    this.frameNo = frameNo; this.input = input; this.tNanos = tNanos; this.count = 1;
  }

  /** The same kind of error about the same segment (what one anomaly counts); its sender may differ. */
  isKindOf(e: IcmpError): boolean {
    return this.version === e.version && this.type === e.type && this.code === e.code && this.seq === e.segment.seq && this.flags === e.segment.flags;
  }

  /** Into `out`, for Connection.onIcmpError (which reads what is held, and the segment's seq and flags). */
  restore(out: IcmpError): IcmpError {
    out.version = this.version; out.type = this.type; out.code = this.code; out.mtu = this.mtu;
    out.from0 = this.from0; out.from1 = this.from1; out.from2 = this.from2; out.from3 = this.from3;
    out.segment.seq = this.seq; out.segment.flags = this.flags;
    return out;
  }
}

/** Intrusive doubly linked list of flows, oldest activity at the head. */
export class FlowList<C> {
  head: Flow<C> | null = null;
  tail: Flow<C> | null = null;
  constructor(readonly id: number) {}

  push(fl: Flow<C>): void {
    fl.list = this.id;
    fl.prev = this.tail;
    fl.next = null;
    if (this.tail) this.tail.next = fl;
    else this.head = fl;
    this.tail = fl;
  }

  unlink(fl: Flow<C>): void {
    if (fl.prev) fl.prev.next = fl.next;
    else this.head = fl.next;
    if (fl.next) fl.next.prev = fl.prev;
    else this.tail = fl.prev;
    fl.prev = fl.next = null;
    fl.list = LIST_NONE;
  }
}

/** Removed flows kept for reuse. */
const MAX_SPARE_FLOWS = 1024;
/** Bucket array size to start with (a power of two); it doubles as the table grows. */
const INITIAL_BUCKETS = 1024;

export class FlowTable<C> {
  private buckets: Array<Flow<C> | null> = new Array<Flow<C> | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  /**
   * A flow lives from its tuple's first packet to its connection's retirement, long enough to be
   * promoted to V8's old generation; under a SYN flood that was one promoted object per SYN (2M on
   * the benchmark flood) and old-generation growth of ~100 MB between full GCs.
   */
  private readonly spare: Flow<C>[] = [];
  size = 0;

  find(f: PacketFields, hash: number): Flow<C> | null {
    let fl = this.buckets[hash & this.mask];
    while (fl !== null && (fl.hash !== hash || !matchesKey(fl, f))) fl = fl.bucketNext;
    return fl;
  }

  /** Adds a flow for the packet's tuple; side A is the packet's sender. */
  insert(f: PacketFields, hash: number): Flow<C> {
    const fl = this.spare.pop() ?? new Flow<C>();
    setKey(fl, f);
    fl.hash = hash;
    if (this.size >= this.buckets.length) this.grow();
    const b = hash & this.mask;
    fl.bucketNext = this.buckets[b];
    this.buckets[b] = fl;
    this.size++;
    return fl;
  }

  private remove(fl: Flow<C>): void {
    const b = fl.hash & this.mask;
    let cur = this.buckets[b];
    let prev: Flow<C> | null = null;
    while (cur !== null && cur !== fl) { prev = cur; cur = cur.bucketNext; }
    if (cur === null) return;
    if (prev) prev.bucketNext = fl.bucketNext;
    else this.buckets[b] = fl.bucketNext;
    fl.bucketNext = null;
    this.size--;
  }

  private grow(): void {
    const old = this.buckets;
    const size = old.length * 2;
    const buckets = new Array<Flow<C> | null>(size).fill(null);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      for (let fl = old[i]; fl !== null;) {
        const next = fl.bucketNext;
        const b = fl.hash & mask;
        fl.bucketNext = buckets[b];
        buckets[b] = fl;
        fl = next;
      }
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  /** Removes the flow and keeps its object for a later insert; the caller must hold no reference to it. */
  discard(fl: Flow<C>): void {
    this.remove(fl);
    if (this.spare.length >= MAX_SPARE_FLOWS) return;
    fl.list = LIST_NONE;
    fl.prev = fl.next = null;
    fl.lastNanos = 0;
    fl.listNanos = 0;
    fl.conn = null;
    fl.prevId = 0;
    fl.prevLastNanos = 0;
    fl.prevTimeWaitNanos = -1;
    fl.prevTimeWaitTimerNanos = -1;
    fl.prevNxtA = fl.prevNxtB = fl.prevAckA = fl.prevAckB = NaN;
    fl.prevTimeWaitA = fl.prevTimeWaitB = false;
    fl.embryo = null;
    this.spare.push(fl);
  }
}
