/**
 * The tracker: 4-tuple → connection, successive connections on one tuple, roles, retirement.
 *
 * Retirement (all in capture time; docs/state-model.md lists the defaults):
 * - closed (both endpoints CLOSED/TIME_WAIT/LISTEN) and quiet for CLOSED_QUIET_SECONDS (5 s, as
 *   Zeek's tcp_close_delay) → emitted, ended 'closed';
 * - no packet for settings.idleTimeoutSeconds → ended 'idle_timeout'; a connection that is only
 *   unanswered SYNs waits at least SYN_MIN_IDLE_SECONDS (130 s > Linux's 127 s connect() give-up
 *   with 6 retries, so the 64 s gaps of a longer backoff never split a retransmitted SYN off);
 * - more than settings.maxConnections tracked → the least recently active is evicted (ended
 *   'evicted'; a closed one is simply emitted early as 'closed');
 * - finish(): the rest, in id order, ended 'capture_end' (or 'closed' when both endpoints are done).
 * Each class of connection sits in its own activity-ordered list sharing one timeout, so the
 * list heads are the next to expire: O(1) per packet, never a scan of the table.
 *
 * A tuple whose only segments so far are bare SYNs from one side is an EMBRYO: a few numbers (a
 * pooled Embryo on its Flow, a SYN cache) instead of a full Connection, promoted (its SYNs replayed)
 * when anything else arrives or when it is reported. A SYN flood then costs a table entry per SYN,
 * not a connection.
 *
 * After retirement the flow leaves the table and a tombstone (the tuple and the last connection's
 * id and times, in tombstones.ts) is kept for 2×MSL, at most MAX_TOMBSTONES of them, so a later
 * connection on the tuple can report portReuse and TIME_WAIT_REUSE. The retired Connection's objects are reused by the next one
 * (see recycle()): emit() is the last look anyone gets at them.
 */
import { newIcmpError, type IcmpError } from '../decode/icmp.js';
import { newPacketFields, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, TCP_URG, type PacketFields } from '../decode/fields.js';
import type { EndReason, Settings } from '../report/model.js';
import { releaseTransitions } from '../tcp/machine.js';
import type { EndpointState } from '../tcp/state.js';
import { Connection, isDone, LadderBudget, sentFin } from './connection.js';
import { isFromA, tupleHash } from './key.js';
import { Embryo, Flow, FlowList, FlowTable, HeldIcmpError, LIST_CLOSED, LIST_OPEN, LIST_SYN, LIST_WAIT } from './table.js';
import { Tombstones } from './tombstones.js';

export interface TrackerHooks {
  ladder: boolean | ((id: number) => boolean);
  /** Ladder rows the open connections may hold at once (default LADDER_BUDGET_ROWS; tests set fewer). */
  ladderBudgetRows?: number;
  /**
   * A connection's record has ended (held FINs delivered, TIME_WAIT expiry settled): analyse it
   * now, synchronously, since the tracker forgets it on return (the end-of-record detectors may
   * still add anomalies to it).
   */
  emit: (c: Connection, ended: EndReason, endNanos: number, key: RetireKey) => void;
  /** A connection (or embryo) was created at this segment ordinal: what a shard merger ranks ids by. */
  created?: (ordinal: number) => void;
}

/**
 * This tracker is one of `count` shards (docs/benchmarks.md, "Sharding"): it is shown every segment
 * and advances its clock and timers on each, but tracks only the tuples whose hash falls to
 * `index`. A connection's id is then a placeholder, the ordinal of the segment that created it plus
 * one; with the shards' retirement keys (RetireKey) a merger restores the single tracker's output
 * order and numbering (threads/shard-merger.ts; the reasoning in test/threads/shard-merge-reference.ts).
 */
export interface Shard {
  index: number;
  count: number;
}

/**
 * A shard reached its share of a cap that counts every connection (--max-connections, or the
 * tombstones remembered for port reuse): from here a single tracker might evict or forget, and
 * which connection goes depends on what the other shards hold, which this one cannot know. Thrown
 * before anything is evicted or forgotten, so every line the shards sent is still the single
 * tracker's; the run finishes on one thread (threads/sharded.ts).
 *
 * Why a share of floor(cap / count) is exact: while no shard has reached its share, each holds at
 * most its share (the one creating holds one less), so together they hold fewer than the cap and
 * the single tracker has not evicted or forgotten anything either. For tombstones what is counted
 * at the cap is the unexpired ones (Tombstones.add forgets the expired first), a number that does
 * not depend on how the tuples are split.
 */
export class ShardCapReached extends Error {
  constructor(readonly cap: 'connections' | 'tombstones', readonly ordinal: number) {
    super(`shard reached its share of the ${cap} cap at segment ${ordinal}`);
  }
}

/** Segment ordinal of the end of the capture, in RetireKey. */
export const AT_END = Number.MAX_SAFE_INTEGER;
/** RetireKey phases, in the order one segment retires connections (see Tracker.onSegment). */
export const PHASE_CLOSED = 0;
export const PHASE_WAIT = 1;
export const PHASE_SYN = 2;
export const PHASE_OPEN = 3;
export const PHASE_REUSED = 4;
export const PHASE_EVICTED = 5;
export const PHASE_END = 6;

/**
 * Where in the run a connection was emitted, as a total order: the segment whose arrival retired
 * it (its 0-based ordinal among all segments tracked, or AT_END), the phase of that segment's
 * work, and within a phase the list order: the ordinal of the flow's last segment for the timers'
 * lists and evictions, the creation ordinal at the end. Valid while the emit hook runs.
 */
export interface RetireKey {
  ordinal: number;
  phase: number;
  sub: number;
}

/** Quiet time after which a closed connection is reported (Zeek's tcp_close_delay is 5 s). */
export const CLOSED_QUIET_SECONDS = 5;
/**
 * Longest a closed record waits for a FIN sent again after an ACK of it was lost past the capture
 * point (Connection.awaitsFinResend): longer than TCP_RTO_MAX (120 s on Linux, RFC 6298's 60 s
 * upper bound doubled), the longest a stack waits between two copies of a segment.
 */
export const FIN_RESEND_WAIT_SECONDS = 130;
/** Least idle time before a connection of unanswered SYNs is given up. */
export const SYN_MIN_IDLE_SECONDS = 130;
/** A SYN with a new ISN after this much silence starts a new connection even if no close was seen. */
export const REUSE_AFTER_IDLE_SECONDS = 30;
/**
 * A record whose endpoints made this many transitions between them is ended by the next SYN on its
 * tuple that opens (its sender in CLOSED, LISTEN or TIME_WAIT, its peer not in SYN_SENT), or past
 * twice as many by any SYN; a new record starts there (PORT_REUSE), same ISN or not. A connection
 * takes 10-20.
 */
export const MAX_RECORD_TRANSITIONS = 1000;
/** Most tombstones remembered for port-reuse reporting (oldest forgotten first). */
export const MAX_TOMBSTONES = 100_000;

type F = Flow<Connection>;

/**
 * Retired connections kept for reuse: at least this many, and up to as many as are live, so the
 * spares never hold more than the live set does (little memory at rest) while a table that swings
 * by thousands of connections (the 1 GB benchmark capture: 14-18k live) does not drop and reallocate
 * them; dropped ones were promoted garbage.
 */
const MIN_SPARE_CONNECTIONS = 1024;
/** Embryo.tsVals packs each repeat's IPv4 Identification (-1..65535, stored + 1) below its TSval. */
const IP_ID_SPAN = 2 ** 17;
/** Promoted embryos kept for reuse (a flood creates and retires one per SYN). */
const MAX_SPARE_EMBRYOS = 1024;
/** Connections emitted at the end of the capture between two looks at the output's backpressure. */
const FINISH_PACE_EVERY = 256;
/** Repeats of its SYN an embryonic connection absorbs; one more promotes it (the report keeps 16 gaps). */
const EMBRYO_MAX_GAPS = 16;
const CONTROL_MASK = TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST | TCP_URG;

export class Tracker {
  private readonly table = new FlowTable<Connection>();
  private readonly open = new FlowList<Connection>(LIST_OPEN);
  private readonly syn = new FlowList<Connection>(LIST_SYN);
  private readonly closed = new FlowList<Connection>(LIST_CLOSED);
  private readonly waiting = new FlowList<Connection>(LIST_WAIT);
  private readonly tombs: Tombstones;
  private readonly idleNanos: number;
  private readonly synIdleNanos: number;
  private readonly closedQuietNanos = CLOSED_QUIET_SECONDS * 1e9;
  private readonly finResendWaitNanos = FIN_RESEND_WAIT_SECONDS * 1e9;
  private readonly twoMslNanos: number;
  private readonly maxConnections: number;
  private input = '';
  private nextId = 1;
  /** Segments seen (all of them, with shards: every shard counts every segment). */
  private ordinal = -1;
  private readonly shardIndex: number;
  private readonly shardCount: number;
  /** Why the connection being emitted is emitted now (see RetireKey). */
  readonly retireKey: RetireKey = { ordinal: 0, phase: 0, sub: 0 };
  private now = -Infinity;
  private live = 0;
  private _timedOut = 0;
  private _evicted = 0;
  private _peak = 0;
  /** Scratch segment for replaying an embryo's SYNs. */
  private readonly replay = newPacketFields();
  /** Scratch for an embryo's held ICMP error, replayed on promotion. */
  private readonly heldIcmp = newIcmpError();
  /** Retired connections' objects, for reuse (see recycle()). */
  private readonly spare: Connection[] = [];
  private readonly spareEmbryos: Embryo[] = [];
  /** The rows the open connections' ladders hold (connection.ts LADDER_BUDGET_ROWS). */
  private readonly ladderBudget: LadderBudget;

  constructor(
    settings: Settings,
    private readonly hooks: TrackerHooks,
    shard: Shard = { index: 0, count: 1 },
  ) {
    if (!(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
      throw new RangeError(`bad shard ${shard.index}/${shard.count}`);
    }
    if (shard.count > 1 && hooks.ladder !== false) throw new RangeError('a shard numbers connections by placeholder ids: no ladder predicate');
    this.shardIndex = shard.index;
    this.shardCount = shard.count;
    this.ladderBudget = new LadderBudget(hooks.ladderBudgetRows);
    this.idleNanos = settings.idleTimeoutSeconds * 1e9;
    this.synIdleNanos = Math.max(settings.idleTimeoutSeconds, SYN_MIN_IDLE_SECONDS) * 1e9;
    this.twoMslNanos = 2 * settings.mslSeconds * 1e9;
    const cap = Math.max(1, settings.maxConnections);
    if (shard.count === 1) {
      this.maxConnections = cap;
      this.tombs = new Tombstones(MAX_TOMBSTONES);
    } else {
      // Shares of the run's caps (ShardCapReached): reaching one ends the sharded run.
      this.maxConnections = Math.floor(cap / shard.count);
      this.tombs = new Tombstones(Math.floor(MAX_TOMBSTONES / shard.count), () => {
        throw new ShardCapReached('tombstones', this.ordinal);
      });
    }
  }

  get timedOut(): number { return this._timedOut; }
  /** Ordinal of the last segment tracked (-1: none yet). */
  get lastOrdinal(): number { return this.ordinal; }
  get evicted(): number { return this._evicted; }

  /** What referable() walks: connections tracked and tombstone slots. */
  get referableCost(): number { return this.live + this.tombs.slotsUsed; }

  /**
   * Pushes every id at or below `lastOrdinal + 1` that a later emitted connection can carry or name
   * (portReuse.previousId, PORT_REUSE, TIME_WAIT_REUSE): the connections and embryos tracked, the
   * previous connections they name, and the tombstones (unsorted, maybe repeated). Every later
   * connection's id is one of these or a new one's, above `lastOrdinal + 1` with shards. The merge
   * of a sharded run ranks only these among the creations it forgets (shard-merger.ts), so its
   * memory follows the connections tracked, not the capture's length. O(tracked + tombstones).
   */
  referable(out: { push(id: number): void }): void {
    for (const list of [this.open, this.syn, this.closed, this.waiting]) {
      for (let fl = list.head; fl !== null; fl = fl.next) {
        const c = fl.conn;
        if (c !== null) out.push(c.id);
        else if (fl.embryo !== null) out.push(fl.embryo.id);
        if (fl.prevId > 0) out.push(fl.prevId);
        if (c !== null && c.portReusePrevId > 0) out.push(c.portReusePrevId);
      }
    }
    this.tombs.pushIds(out);
  }

  get peak(): number { return this._peak; }

  setInput(name: string): void {
    this.input = name;
  }

  onSegment(f: PacketFields, tNanos: number, frameNo: number): void {
    const ordinal = ++this.ordinal;
    if (tNanos > this.now) {
      this.now = tNanos;
      this.expire(tNanos);
    }
    const hash = tupleHash(f);
    if (this.shardCount > 1 && (hash >>> 0) % this.shardCount !== this.shardIndex) return;
    let fl = this.table.find(f, hash);
    // A record waiting for its FIN's next copy (LIST_WAIT) is over, as the closed list would have
    // ended it, at anything else after its closed quiet time: that is not this connection's.
    if (fl !== null && fl.list === LIST_WAIT && this.now - fl.listNanos >= this.closedQuietNanos
      && !fl.conn!.resendsAwaitedFin(isFromA(fl, f), f.flags, f.seq, f.payloadLen)) {
      this.waiting.unlink(fl);
      this.keyed(ordinal, PHASE_REUSED, 0);
      this.retire(fl, fl.conn!, 'closed', fl.lastNanos + this.closedQuietNanos, true);
      fl = null;
    }
    let conn: Connection;
    let fromA = true;
    if (fl === null) {
      fl = this.table.insert(f, hash);
      if (this.tombs.take(f, hash, this.now, this.twoMslNanos, fl)) {
        // A tuple used before: no embryo, so create() reports the reuse at once.
        fl.prevId = this.tombs.foundId;
        fl.prevLastNanos = this.tombs.foundLastNanos;
        fl.prevTimeWaitNanos = this.tombs.foundTimeWaitNanos;
        fl.prevTimeWaitTimerNanos = this.tombs.foundTimeWaitTimerNanos;
      } else if (this.startEmbryo(fl, f, tNanos, frameNo)) {
        return;
      }
      conn = this.create(fl, f, tNanos, frameNo, true);
    } else {
      fromA = isFromA(fl, f);
      const e = fl.embryo;
      if (e !== null) {
        if (fromA && isRepeatOf(e, f, tNanos - fl.lastNanos)) {
          this.repeatEmbryo(fl, e, f, tNanos, frameNo);
          return;
        }
        this.promote(fl);
      }
      const cur = fl.conn!;
      if (this.startsNewConnection(cur, f, fromA, tNanos)) {
        this.unlinkLive(fl);
        this.keyed(ordinal, PHASE_REUSED, 0);
        this.retire(fl, cur, cur.isClosed() ? 'closed' : 'reused', tNanos, false);
        conn = this.create(fl, f, tNanos, frameNo, fromA);
      } else {
        conn = cur;
      }
    }
    // Before the segment: every frame it notes (transitions, anomalies) counts in this input.
    conn.lastInput = this.input;
    conn.onSegment(f, tNanos, frameNo, fromA);
    fl.lastNanos = conn.lastNanos;
    this.place(fl, conn);
  }

  /**
   * An ICMP error about a segment of a tracked connection (decode/icmp.ts): noted on it; an embryo
   * holds one kind of error about its SYN (HeldIcmpError, replayed by promote()) and is promoted by
   * a second. Not a segment: the clock, the ordinals, the timers and the connection's activity are
   * left as they were. An error about no tracked tuple says nothing.
   */
  onIcmpError(e: IcmpError, tNanos: number, frameNo: number): void {
    const f = e.segment;
    const hash = tupleHash(f);
    if (this.shardCount > 1 && (hash >>> 0) % this.shardCount !== this.shardIndex) return;
    const fl = this.table.find(f, hash);
    if (fl === null) return;
    // Past its list's timeout the flow is retired at the next segment (expire()), or at the end
    // (finish(), by its last packet), whatever the error: it is not noted on it either, so the
    // outcome does not hang on other traffic (helper-82, helper-83 reviews).
    if (tNanos - Math.min(fl.listNanos, fl.lastNanos) >= this.endsAfter(fl.list)) return;
    const fromA = isFromA(fl, f);
    // An embryo is only its client's SYNs: an error about anything else is not its own, and does
    // not cost it a Connection (helper-83 review: a SYN scan against a REJECT firewall, 3.4x the memory).
    const em = fl.embryo;
    if (em !== null && (!fromA || ((f.seq - em.iss) >>> 0) > 1)) return;
    // A record stamped earlier than the connection's last packet is taken at that time, as segments are.
    const at = Math.max(tNanos, fl.lastNanos);
    if (em !== null) {
      const held = em.icmp;
      if (held === null) {
        (em.icmp = new HeldIcmpError()).hold(e, frameNo, this.input, at);
        return;
      }
      if (held.isKindOf(e)) { held.count++; return; }
    }
    this.connOf(fl).onIcmpError(e, fromA, at, frameNo, this.input, 1);
  }

  /**
   * The end of the capture: every connection still tracked is emitted, in id order. Between every
   * FINISH_PACE_EVERY of them `waitForOutput` may hold the rest back: at the end of the 1 GB
   * benchmark capture ~14k connections (~45 MB of NDJSON) are left, a 2M-SYN flood leaves 50k, and
   * behind a slow pipe all of it used to queue in memory at once.
   */
  async finish(endNanos: number, waitForOutput?: () => Promise<void> | null): Promise<void> {
    const left: F[] = [];
    for (const list of [this.open, this.syn, this.closed, this.waiting]) {
      for (let fl = list.head; fl !== null; fl = fl.next) left.push(fl);
    }
    const idOf = (fl: F): number => (fl.conn !== null ? fl.conn.id : fl.embryo!.id);
    left.sort((a, b) => idOf(a) - idOf(b));
    for (let i = 0; i < left.length; i++) {
      if (waitForOutput !== undefined && i % FINISH_PACE_EVERY === FINISH_PACE_EVERY - 1) {
        const pending = waitForOutput();
        if (pending !== null) await pending;
      }
      const fl = left[i];
      const list = fl.list;
      const c = this.connOf(fl); // embryos are promoted one at a time, so a flood never holds them all
      this.keyed(AT_END, PHASE_END, c.id);
      // A connection whose last packet lies further before the capture's end than its list's timeout
      // would have been retired by expire() had the records come in time order; it is here only
      // because its packets were read after later-stamped ones (inputs given newest first, halves
      // of a capture concatenated in the wrong order), which placed it by the clock of those. It
      // ends as time order would end it, not "at the end of the capture" years later (13-year
      // FIN_WAIT_2 times, LINGERING_* that a time-ordered read of the same packets does not have).
      const timeout = this.endsAfter(list);
      const idleEnd = c.lastNanos + timeout;
      if (idleEnd <= endNanos) {
        if (!c.isClosed()) this._timedOut++;
        this.emit(c, c.isClosed() ? 'closed' : 'idle_timeout', idleEnd);
      } else {
        this.emit(c, c.isClosed() ? 'closed' : 'capture_end', Math.max(endNanos, c.lastNanos));
      }
      fl.conn = null;
      this.recycle(c);
      this.live--;
    }
    this.live = 0;
  }

  // ---------------------------------------------------------------- connections on a tuple

  /**
   * Is this segment the first of a new connection on the tuple? Only a SYN or SYN,ACK can be.
   * The same ISN is a retransmission however long the backoff (Zeek splits those; we do not).
   * A new ISN starts a new connection when the previous one is closed, reset or in TIME_WAIT
   * (RFC 9293 §3.4.1, RFC 6191), went quiet for REUSE_AFTER_IDLE_SECONDS, or never got an answer;
   * a bare SYN does on a side seen only mid-stream, unless it precedes that side's first segment.
   */
  private startsNewConnection(c: Connection, f: PacketFields, fromA: boolean, t: number): boolean {
    const flags = f.flags;
    // A SYN+FIN without ACK is a SYN here too (Connection.segment takes it as one when it opens).
    if ((flags & TCP_SYN) === 0 || (flags & TCP_RST) !== 0 || (flags & (TCP_FIN | TCP_ACK)) === (TCP_FIN | TCP_ACK)) return false;
    // Every return to an opening state takes a SYN, so this bounds one record's transitions (and
    // its report) whatever the tuple repeats: a session looped by tcpreplay on the same ISNs, or
    // SYN, SYN,ACK, RST for ever (helper-52 audit: 126 MB of that was one record, 989 MB of RSS).
    // At a SYN that opens, so a handshake is not cut in two (helper-55 review: a split at a SYN,ACK
    // or a resent SYN); at any SYN past twice the bound (one SYN, then SYN,ACK and RST for ever).
    const fromClient = fromA === c.clientIsA;
    const s = fromClient ? c.client : c.server;
    const arcs = c.client.transitions.length + c.server.transitions.length;
    if (arcs >= MAX_RECORD_TRANSITIONS) {
      // A SYN that opens: its sender's last attempt is over and it answers or crosses no SYN of the peer.
      const r = fromClient ? c.server : c.client;
      if ((isDone(s.state) && r.state !== 'SYN_SENT') || arcs >= 2 * MAX_RECORD_TRANSITIONS) return true;
    }
    if (s.hasIss && (f.seq | 0) === s.iss) return false;
    // A bare SYN on a new ISN from a side that is done while its peer still waits for the ACK of its
    // FIN (LAST_ACK, CLOSING): that ACK was lost past the capture point (Connection.ackLost took its
    // arc back), and the peer, as good as closed, answers the SYN as TIME_WAIT would (a challenge
    // ACK, or a SYN,ACK): a new connection, as when the arc stood (helper-109 review).
    const peer = fromClient ? c.server : c.client;
    if ((flags & TCP_ACK) === 0 && s.hasIss && isDone(s.state) && (peer.state === 'LAST_ACK' || peer.state === 'CLOSING')) return true;
    // A bare SYN on a new ISN from a side that had sent its FIN (FIN_WAIT_1, FIN_WAIT_2, CLOSING,
    // LAST_ACK): no TCB sends a SYN after its FIN, so that connection is gone at the sender (an
    // orphan FIN_WAIT timed out, its last ACK lost past the capture point, an abort not captured)
    // and this is the next one, which the peer, still holding the old one, may answer with a
    // challenge ACK (SYN_CHALLENGE_ACK on the new record). It was UNEXPECTED_SYN in the old record,
    // and the new attempt's handshake, close and Zeek row were read into the old one (helper-110
    // review: from CLOSING).
    if ((flags & (TCP_ACK | TCP_FIN)) === 0 && s.hasIss && sentFin(s.state)) return true;
    // A bare SYN from a side the capture joined mid-stream (no ISN known) is a new connection,
    // unless it is that side's own SYN captured after its first segment (reordered): then its
    // seq + 1 is that segment's. Zeek (IsReuse, the SYN against the side's start) and Wireshark (a
    // new tcp.stream when the SYN's seq is not the stream's base) split there too.
    if (!s.hasIss && s.hasSeq && (flags & TCP_ACK) === 0 && ((f.seq + 1) | 0) !== s.firstSeq) return true;
    // Closed: a new connection, but for the server's SYN,ACK of the SYN its client aborted (the two
    // crossed: the client gave up on connect() while the answer was in flight), which is that
    // attempt's (helper-106 review: it opened a second record, PORT_REUSE, a RESET in ESTABLISHED).
    if (c.isClosed() && !(!fromClient && (flags & TCP_ACK) !== 0 && c.server.packets === 0 && c.client.hasIss && ((f.ack - 1) | 0) === c.client.iss)) return true;
    if (t - c.lastNanos >= REUSE_AFTER_IDLE_SECONDS * 1e9) return true;
    // A fresh attempt (new ISN) after an unanswered one, or after one whose server the capture never
    // showed (one direction captured: its client is ESTABLISHED or closing by inference, and its
    // close, the server's half, was not captured): the client is done with the old connection.
    return s.hasIss && fromClient && (flags & TCP_ACK) === 0 && c.server.packets === 0;
  }

  private create(fl: F, f: PacketFields, t: number, frameNo: number, fromA: boolean): Connection {
    const flags = f.flags;
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    let senderIsClient: boolean;
    let rolesGuessed = false;
    if (syn && !ack && (flags & TCP_RST) === 0) {
      senderIsClient = true; // the client sent the first SYN without ACK (a SYN+FIN too: Connection.segment takes it as the SYN)
    } else if (syn && ack && (flags & (TCP_RST | TCP_FIN)) === 0) {
      senderIsClient = false; // a SYN,ACK answers a SYN we missed: its sender is the server
    } else {
      // No SYN: the documented guess (docs/state-model.md): the lower port is the server's
      // (well-known < registered < ephemeral); equal ports: the first sender is the client.
      rolesGuessed = true;
      senderIsClient = f.srcPort === f.dstPort ? true : f.srcPort > f.dstPort;
    }
    // At the cap: make room first, so `peak` never exceeds maxConnections.
    if (this.live >= this.maxConnections) this.evictOne();
    const id = this.newId();
    const ladder = this.hooks.ladder;
    const wantLadder = ladder === true || (typeof ladder === 'function' && ladder(id));
    const midstream = !syn;
    const initial = syn && !ack ? 'CLOSED' : 'UNKNOWN';
    const c = this.newConnection(id, fl, senderIsClient === fromA, this.input, rolesGuessed, midstream, initial, t, frameNo, wantLadder);
    if (wantLadder) c.ladderBudget = this.ladderBudget;
    c.twoMslNanos = this.twoMslNanos;
    if (midstream) c.add('MIDSTREAM', -1, frameNo, this.input, t, { rolesGuessed });
    if (fl.prevId > 0) {
      c.portReusePrevId = fl.prevId;
      // Records out of time order (merged captures) can stamp the new SYN before the old connection's
      // last packet: the gap is then 0, not negative (stats.timestampsBackwards counts the disorder).
      c.portReuseGapNanos = Math.max(0, t - fl.prevLastNanos);
      c.add('PORT_REUSE', -1, frameNo, this.input, t, { previousId: fl.prevId, gapNanos: c.portReuseGapNanos });
      // Not for a SYN stamped before TIME_WAIT began (records out of time order): no reuse of it.
      // Still in TIME_WAIT by its timer, restarted by its own ACKs or a resent FIN (Connection.checkTimeWait).
      if (fl.prevTimeWaitNanos >= 0 && t >= fl.prevTimeWaitNanos && t - fl.prevTimeWaitTimerNanos < this.twoMslNanos) {
        c.add('TIME_WAIT_REUSE', -1, frameNo, this.input, t, { previousId: fl.prevId, timeWaitNanos: t - fl.prevTimeWaitNanos });
      }
    }
    // A bare SYN on a reused tuple: the earlier connection may answer it (SYN_CHALLENGE_ACK).
    // Its challenge ACK would acknowledge what the SYN's sender had sent on the earlier connection, or,
    // when the last of that never arrived (the path died: how a connection goes half-open), what the
    // answering side had acknowledged there.
    c.challengeAck = fromA ? fl.prevNxtA : fl.prevNxtB;
    c.challengeAckAlt = fromA ? fl.prevAckB : fl.prevAckA;
    c.challengeable = fl.prevId > 0 && syn && !ack && (flags & (TCP_RST | TCP_FIN)) === 0
      && !(Number.isNaN(c.challengeAck) && Number.isNaN(c.challengeAckAlt));
    c.challengerInTimeWait = fromA ? fl.prevTimeWaitB : fl.prevTimeWaitA;
    fl.conn = c;
    this.live++;
    if (this.live > this._peak) this._peak = this.live;
    return c;
  }

  // ---------------------------------------------------------------- embryonic connections

  /** A fresh tuple whose first segment is a bare SYN: keep it as an embryo (no ladder asked for it). */
  private startEmbryo(fl: F, f: PacketFields, t: number, frameNo: number): boolean {
    if (!isBareSyn(f) || f.checksumBad || this.hooks.ladder === true) return false;
    if (this.live >= this.maxConnections) this.evictOne();
    const id = this.shardCount > 1 ? this.ordinal + 1 : this.nextId;
    if (typeof this.hooks.ladder === 'function' && this.hooks.ladder(id)) return false;
    this.newId();
    const e = this.spareEmbryos.pop() ?? new Embryo();
    e.id = id;
    e.input = e.secondInput = e.lastInput = this.input;
    e.iss = f.seq | 0;
    e.flags = f.flags;
    e.window = f.window;
    e.ack = f.ack;
    e.tsVal = f.optTsVal;
    e.ipId = f.ipId;
    e.mss = f.optMss;
    e.wscale = f.optWscale;
    e.optBits = (f.optSackPermitted ? 1 : 0) | (f.optHasTimestamps ? 2 : 0);
    e.firstNanos = t;
    e.firstFrame = e.secondFrame = e.lastFrame = frameNo;
    e.count = 1;
    e.gaps = null;
    e.tsVals = null;
    fl.embryo = e;
    fl.lastNanos = t;
    fl.listNanos = this.now;
    fl.placedAt = this.ordinal;
    this.syn.push(fl);
    this.live++;
    if (this.live > this._peak) this._peak = this.live;
    return true;
  }

  /** The same SYN again (a retransmission). */
  private repeatEmbryo(fl: F, e: Embryo, f: PacketFields, t: number, frameNo: number): void {
    (e.gaps ??= []).push(t - fl.lastNanos);
    (e.tsVals ??= []).push((f.optTsVal >>> 0) * IP_ID_SPAN + f.ipId + 1);
    if (e.count === 1) { e.secondFrame = frameNo; e.secondInput = this.input; }
    e.count++;
    e.lastFrame = frameNo;
    e.lastInput = this.input;
    if (t > fl.lastNanos) fl.lastNanos = t;
    this.place(fl, null);
  }

  /** The quiet time after which a flow of that list is retired (expire()). */
  private timeoutOf(list: number): number {
    return list === LIST_CLOSED ? this.closedQuietNanos : list === LIST_SYN ? this.synIdleNanos : list === LIST_WAIT ? this.finResendWaitNanos : this.idleNanos;
  }

  /** The quiet time after which a flow of that list ended, for what comes later: a record waiting for a FIN copy as a closed one. */
  private endsAfter(list: number): number {
    return this.timeoutOf(list === LIST_WAIT ? LIST_CLOSED : list);
  }

  private connOf(fl: F): Connection {
    return fl.conn ?? this.promote(fl);
  }

  /** Embryo → Connection: replay its SYNs (same fields, times and first/second/last frames). */
  private promote(fl: F): Connection {
    const e = fl.embryo!;
    // The embryo's SYNs are its flow's first packets, so their sender is side A, the client.
    const c = this.newConnection(e.id, fl, true, e.input, false, false, 'CLOSED', e.firstNanos, e.firstFrame, false);
    c.twoMslNanos = this.twoMslNanos;
    const r = this.replay;
    r.ipVersion = fl.v6 ? 6 : 4;
    r.src0 = fl.a0; r.src1 = fl.a1; r.src2 = fl.a2; r.src3 = fl.a3;
    r.dst0 = fl.b0; r.dst1 = fl.b1; r.dst2 = fl.b2; r.dst3 = fl.b3;
    r.srcPort = fl.aPort;
    r.dstPort = fl.bPort;
    r.seq = e.iss >>> 0; r.ack = e.ack; r.flags = e.flags; r.window = e.window;
    r.payloadLen = 0; r.capturedPayloadLen = 0; r.checksumBad = false;
    r.optMss = e.mss; r.optWscale = e.wscale;
    r.optSackPermitted = (e.optBits & 1) !== 0; r.optHasTimestamps = (e.optBits & 2) !== 0;
    r.optTsEcr = 0; r.optSackBlocks = 0; r.optSackSig = 0; r.optSackLeft = 0; r.optSackRight = 0; r.optTfo = false; r.optMalformed = false;
    let t = e.firstNanos;
    const gaps = e.gaps;
    const tsVals = e.tsVals;
    for (let i = 0; i < e.count; i++) {
      if (i > 0) t += gaps![i - 1];
      const packed = i === 0 ? 0 : tsVals![i - 1];
      r.optTsVal = i === 0 ? e.tsVal : Math.floor(packed / IP_ID_SPAN);
      r.ipId = i === 0 ? e.ipId : packed % IP_ID_SPAN - 1;
      c.lastInput = i === 0 ? e.input : i === 1 ? e.secondInput : e.lastInput;
      c.onSegment(r, t, i === 0 ? e.firstFrame : i === 1 ? e.secondFrame : e.lastFrame, true);
    }
    c.lastFrame = e.lastFrame;
    c.lastInput = e.lastInput;
    const held = e.icmp;
    if (held !== null) {
      c.onIcmpError(held.restore(this.heldIcmp), true, held.tNanos, held.frameNo, held.input, held.count);
      e.icmp = null;
    }
    e.gaps = null;
    e.tsVals = null;
    e.input = e.secondInput = e.lastInput = '';
    fl.embryo = null;
    if (this.spareEmbryos.length < MAX_SPARE_EMBRYOS) this.spareEmbryos.push(e);
    fl.conn = c;
    return c;
  }

  // ---------------------------------------------------------------- lists and timers

  private listFor(c: Connection | null): FlowList<Connection> {
    if (c === null) return this.syn; // an embryo: only SYNs so far
    if (c.isClosed()) return c.awaitsFinResend() ? this.waiting : this.closed;
    if (c.isSynOnly()) return this.syn;
    return this.open;
  }

  private place(fl: F, c: Connection | null): void {
    fl.placedAt = this.ordinal;
    fl.listNanos = this.now;
    const target = this.listFor(c);
    if (target.tail === fl) return; // already the most recent of its list
    this.unlinkLive(fl);
    target.push(fl);
  }

  private unlinkLive(fl: F): void {
    if (fl.list === LIST_OPEN) this.open.unlink(fl);
    else if (fl.list === LIST_SYN) this.syn.unlink(fl);
    else if (fl.list === LIST_CLOSED) this.closed.unlink(fl);
    else if (fl.list === LIST_WAIT) this.waiting.unlink(fl);
  }

  private expire(now: number): void {
    for (let fl = this.closed.head; fl !== null && fl.listNanos + this.closedQuietNanos <= now; fl = this.closed.head) {
      this.closed.unlink(fl);
      this.keyed(this.ordinal, PHASE_CLOSED, fl.placedAt);
      this.retire(fl, fl.conn!, 'closed', fl.lastNanos + this.closedQuietNanos, true);
    }
    for (let fl = this.waiting.head; fl !== null && fl.listNanos + this.finResendWaitNanos <= now; fl = this.waiting.head) {
      this.waiting.unlink(fl);
      this.keyed(this.ordinal, PHASE_WAIT, fl.placedAt);
      this.retire(fl, fl.conn!, 'closed', fl.lastNanos + this.closedQuietNanos, true);
    }
    for (let fl = this.syn.head; fl !== null && fl.listNanos + this.synIdleNanos <= now; fl = this.syn.head) {
      this.syn.unlink(fl);
      this._timedOut++;
      this.keyed(this.ordinal, PHASE_SYN, fl.placedAt);
      this.retire(fl, this.connOf(fl), 'idle_timeout', fl.lastNanos + this.synIdleNanos, true);
    }
    for (let fl = this.open.head; fl !== null && fl.listNanos + this.idleNanos <= now; fl = this.open.head) {
      this.open.unlink(fl);
      this._timedOut++;
      this.keyed(this.ordinal, PHASE_OPEN, fl.placedAt);
      this.retire(fl, fl.conn!, 'idle_timeout', fl.lastNanos + this.idleNanos, true);
    }
    this.tombs.expire(now, this.twoMslNanos);
  }

  /** Over the cap: a closed connection goes first (it is done anyway), else the least recently active. */
  private evictOne(): void {
    if (this.shardCount > 1) throw new ShardCapReached('connections', this.ordinal);
    // A record waiting for a FIN copy (LIST_WAIT) past the closed quiet time first: the closed list
    // would have retired it already, and it ends as it would have then (helper-113 review).
    const w = this.waiting.head;
    let fl = w !== null && this.now - w.listNanos >= this.closedQuietNanos ? w : this.closed.head ?? w;
    if (fl !== null) {
      const end = fl === w ? Math.min(this.now, fl.lastNanos + this.closedQuietNanos) : this.now;
      this.unlinkLive(fl);
      this.keyed(this.ordinal, PHASE_EVICTED, fl.placedAt);
      this.retire(fl, fl.conn!, 'closed', end, true);
      return;
    }
    const a = this.open.head;
    const b = this.syn.head;
    fl = a === null ? b : b === null ? a : a.listNanos <= b.listNanos ? a : b;
    if (fl === null) return;
    this.unlinkLive(fl);
    this._evicted++;
    this.keyed(this.ordinal, PHASE_EVICTED, fl.placedAt);
    this.retire(fl, this.connOf(fl), 'evicted', this.now, false);
    this.table.discard(fl); // no tombstone: the cap bounds memory
  }

  /**
   * Emits the connection. The flow must already be out of the live lists. With a tombstone it leaves
   * the table (the tombstone remembers the tuple); without one it stays for the caller: the next
   * connection on the tuple (prev* set here), or discard() by the eviction.
   */
  private retire(fl: F, c: Connection, ended: EndReason, endNanos: number, tombstone: boolean): void {
    this.live--;
    this.emit(c, ended, endNanos);
    fl.conn = null;
    fl.prevId = c.id;
    fl.prevLastNanos = c.lastNanos;
    fl.prevTimeWaitNanos = timeWaitEntered(c);
    fl.prevTimeWaitTimerNanos = timeWaitTimer(c);
    const a = c.clientIsA ? c.client : c.server;
    const b = c.clientIsA ? c.server : c.client;
    fl.prevNxtA = a.hasSeq ? a.sndNxt : NaN;
    fl.prevNxtB = b.hasSeq ? b.sndNxt : NaN;
    fl.prevAckA = a.hasAck ? a.ackMax : NaN;
    fl.prevAckB = b.hasAck ? b.ackMax : NaN;
    fl.prevTimeWaitA = a.state === 'TIME_WAIT';
    fl.prevTimeWaitB = b.state === 'TIME_WAIT';
    this.recycle(c);
    if (!tombstone) return;
    this.tombs.add(fl, fl.hash, fl.prevId, fl.prevLastNanos, fl.prevTimeWaitNanos, this.now, this.twoMslNanos, fl.prevTimeWaitTimerNanos, fl);
    this.table.discard(fl);
  }

  private keyed(ordinal: number, phase: number, sub: number): void {
    const k = this.retireKey;
    k.ordinal = ordinal;
    k.phase = phase;
    k.sub = sub;
  }

  /** The next connection id: consecutive, or with shards the placeholder (the creating segment's ordinal + 1). */
  private newId(): number {
    this.hooks.created?.(this.ordinal);
    return this.shardCount > 1 ? this.ordinal + 1 : this.nextId++;
  }

  // ---------------------------------------------------------------- recycling

  /**
   * A connection's objects (its endpoints, Zeek model and transitions) outlive many young-GC
   * cycles, so every retired one used to be promoted and then collected by a full GC: on the 1 GB
   * benchmark capture ~6 kB allocated per connection and a sixth of the run in the collector.
   * Once emitted, a connection is referenced by nothing (its report holds copies), so the next
   * one reuses its objects.
   */
  private newConnection(id: number, fl: F, clientIsA: boolean, input: string, rolesGuessed: boolean, midstream: boolean,
    initial: EndpointState, t: number, frameNo: number, ladder: boolean): Connection {
    const c = this.spare.pop();
    if (c === undefined) return new Connection(id, fl, clientIsA, input, rolesGuessed, midstream, initial, t, frameNo, ladder);
    return c.reset(id, fl, clientIsA, input, rolesGuessed, midstream, initial, t, frameNo, ladder);
  }

  private recycle(c: Connection): void {
    // The transitions go back to the machine's pool now, not when the connection is reused: with
    // more connections retiring than the spare list keeps, they were otherwise garbage, promoted
    // (~33 MB on the 1 GB benchmark capture), and the pool ran dry.
    releaseTransitions(c.client.transitions);
    releaseTransitions(c.server.transitions);
    c.releaseLadder();
    if (this.spare.length < MIN_SPARE_CONNECTIONS || this.spare.length < this.live) this.spare.push(c);
  }

  private emit(c: Connection, ended: EndReason, endNanosIn: number): void {
    // A connection's own clock never runs backwards (connection.ts), so neither may its end: a retire
    // time taken from an earlier-stamped record would give negative FIN_WAIT_2 / CLOSE_WAIT times.
    const endNanos = endNanosIn > c.lastNanos ? endNanosIn : c.lastNanos;
    // Held FINs are delivered; TIME_WAIT → CLOSED only when the capture shows 2×MSL passing.
    c.settle(endNanos);
    this.hooks.emit(c, ended, endNanos, this.retireKey);
    if (c.ladder !== null) this.ladderBudget.held -= c.ladder.length; // reported: its rows are let go
  }
}

/** SYN without ACK, FIN, RST or URG, and without payload (TFO data needs a full connection). */
/**
 * The embryo's SYN again, as its replay will reproduce it (promote() replays every repeat with the
 * first SYN's fields and the repeat's own time and TSval): anything else promotes the embryo.
 */
function isRepeatOf(e: Embryo, f: PacketFields, gapNanos: number): boolean {
  return isBareSyn(f) && (f.seq | 0) === e.iss && f.flags === e.flags && f.window === e.window && f.ack === e.ack
    && f.optMss === e.mss && f.optWscale === e.wscale
    && ((f.optSackPermitted ? 1 : 0) | (f.optHasTimestamps ? 2 : 0)) === e.optBits
    && !f.checksumBad && gapNanos >= 0 && e.count <= EMBRYO_MAX_GAPS;
}

function isBareSyn(f: PacketFields): boolean {
  return (f.flags & CONTROL_MASK) === TCP_SYN && f.payloadLen === 0;
}

/** The latest start of a 2×MSL timer among the endpoints in TIME_WAIT (the tuple is held until the last ends), -1 = none. */
function timeWaitTimer(c: Connection): number {
  let t = -1;
  for (const ep of [c.client, c.server]) {
    if (ep.state !== 'TIME_WAIT') continue;
    const from = ep.timeWaitTimerStart();
    if (from > t) t = from;
  }
  return t;
}

function timeWaitEntered(c: Connection): number {
  let t = -1;
  for (const ep of [c.client, c.server]) {
    if (ep.state !== 'TIME_WAIT') continue;
    const e = ep.transitions[ep.transitions.length - 1].tNanos;
    if (t < 0 || e < t) t = e;
  }
  return t;
}
