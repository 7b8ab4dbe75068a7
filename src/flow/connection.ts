/**
 * One TCP connection: two Endpoints, the segment classifier that turns each captured segment into
 * a `snd` event for its sender and a `rcv` event for its receiver (tcp/machine.ts decides), and
 * the per-segment facts no transition history can give: byte counts, retransmissions, handshake
 * timings, and anomalies that belong to a single packet. Everything here is numbers and a few
 * rare objects; per-packet arrays exist only when the ladder was asked for.
 */
import {
  TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, flagsText, type PacketFields,
} from '../decode/fields.js';
import { icmpErrorName, isPacketTooBig, type IcmpError } from '../decode/icmp.js';
import { TCP_WSCALE_MAX } from '../decode/tcp.js';
import type { LadderRow } from '../report/model.js';
import { ZeekConnModel } from '../analysis/zeek.js';
import { completenessAfter } from '../analysis/completeness.js';
import type { Anomaly, AnomalyCode } from '../analysis/catalog.js';
import type { ZeekRow, ZeekVerdict } from '../analysis/zeek.js';
import type { EndpointState } from '../tcp/state.js';
import { ARC, RCV, SND, expireTimeWait, go, isCapturedHandshakeAck, isObservedCloseArc, isRstAcceptable, newTcpEvent, step, takeBack, type Transition } from '../tcp/machine.js';
import { seqDiff, seqGe, seqGt, seqLe, seqLt, seqWrapped } from '../tcp/seq.js';
import { Endpoint, MAX_FIN_RESENDS, unansweredResend, type Hole } from './endpoint.js';
import { formatWords, type TupleKey } from './key.js';
import { LadderRows } from './ladder-rows.js';

/**
 * A ladder row as the flow layer records it, per packet: its time in nanoseconds since the
 * connection's first packet. The report gives it in seconds (`LadderRow.t`), rounded once to the
 * capture's unit, which the flow layer does not know.
 */
export type LadderStep = Omit<LadderRow, 't'> & { tNanos: number };

/** Two copies of a segment closer than this are one packet captured twice (two interfaces, a span port). */
export const DUPLICATE_WINDOW_NANOS = 1e6;
/** A segment that fills a gap this soon after the gap was seen arrived out of order; later, it is a retransmission. */
const OUT_OF_ORDER_NANOS = 3e6;
/** Least quiet before a one-byte keep-alive (Linux's smallest TCP_KEEPIDLE is 1 s). */
const KEEP_ALIVE_QUIET_NANOS = 1e9;
/** Most gaps kept in `synBackoff` (Linux gives up after 6 retries; a longer list tells nothing new). */
const MAX_BACKOFF_ENTRIES = 16;
/**
 * Holes tracked per direction (Endpoint.holes): loss in bursts leaves several open at once, each
 * filled later by a retransmission (SACK recovery); 16 triples is 384 bytes an endpoint at most.
 */
export const MAX_HOLES = 16;
/** Queueing and timers allowed on top of a side's round trip before a FIN counts as lost (finSurelyArrivedBy). */
const FIN_ARRIVAL_SLACK_NANOS = 200e6;
/**
 * Jitter allowed on top of a side's round trip before an ACK counts as lost, its segment sent again
 * (ackLost). Less than FIN_ARRIVAL_SLACK_NANOS: the resend is the sender's own timer, not an answer
 * a delayed-ACK timer may hold, and Linux resends a FIN one RTO after it, its round trip plus at
 * least 200 ms (TCP_RTO_MIN), so 200 ms more would miss every such loss.
 */
const RESEND_SLACK_NANOS = 50e6;
/** The largest window RFC 7323 allows (2^30): a sequence number further than this from SND.NXT is no segment of that TCB's. */
const MAX_WINDOW_BYTES = 2 ** 30;
/**
 * A SYN,ACK recorded this soon after the ACK that acknowledged it was reordered at the capture point
 * (two taps merged: the handshake-ack-reorder scenario has 50 ms); later, it is a retransmission,
 * which comes an RTO after the first, and no RTO is shorter than 1 s (RFC 6298 (2.1), Linux
 * TCP_TIMEOUT_INIT).
 */
const SYN_ACK_REORDER_NANOS = 1e9;
/** Window assumed when the receiver never advertised one (the largest unscaled window). */
const UNKNOWN_WINDOW = 65535;
/**
 * Ladder rows kept per connection; past them only the rows of packets that move a state are kept
 * (there are at most ~MAX_RECORD_TRANSITIONS of those), and the others counted (`ladderOmitted`):
 * a ladder of one connection of a million packets held every row (helper-52 audit: 1.44 GB).
 */
export const LADDER_MAX_ROWS = 10_000;

/**
 * Ladder rows held at once by all the connections of a run whose records are not reported yet;
 * past it, a connection that would add a row keeps only the rows of packets that move a state from
 * then on, as past LADDER_MAX_ROWS, which bounds one connection, not many: 50,000 busy connections
 * (the default --max-connections) could hold 500M rows. A soft bound: rows that move a state are
 * always kept (at most ~MAX_RECORD_TRANSITIONS a connection). A row held is 48 bytes of its
 * connection's store (ladder-rows.ts), ~80-120 bytes of RSS with the stores' room to grow: 2,000
 * connections holding the whole budget peaked at 180 MiB, against 104 MiB without a ladder and 394
 * MiB with the rows as objects (docs/benchmarks.md, 2026-12-07 11:20).
 */
export const LADDER_BUDGET_ROWS = 1_000_000;

/** The ladder rows a run's connections hold (LADDER_BUDGET_ROWS); shared by the tracker's connections. */
export class LadderBudget {
  held = 0;
  constructor(readonly rows = LADDER_BUDGET_ROWS) {}
}

/**
 * Connection.stampedBack: timing points set by a record stamped earlier than one before it. The
 * handshake ACK has two: the segment that took the server's `rcv ACK of SYN`, and an ACK recorded
 * before its SYN,ACK (earlyAckNanos), whose arc is taken later, at the SYN,ACK.
 */
export const STAMP_SYN = 1; // a SYN (first or last before the SYN,ACK)
export const STAMP_SYN_ACK = 2; // a SYN,ACK (first or last before the ACK)
export const STAMP_ACK_ARC = 4;
export const STAMP_EARLY_ACK = 8;
export const STAMP_REPLY = 16; // the client's first payload or the server's first reply to it
// An endpoint's first arrival in FIN_WAIT_2 / CLOSE_WAIT, or its departure from there: what
// `close.finWait2` and `close.closeWait` measure (analysis/phases.ts timeInState).
export const STAMP_FIN_WAIT_2_CLIENT = 32;
export const STAMP_FIN_WAIT_2_SERVER = 64;
export const STAMP_CLOSE_WAIT_CLIENT = 128;
export const STAMP_CLOSE_WAIT_SERVER = 256;

/** The handshake's timing points a record stamped backwards may have set: its round trips are then not measured. */
const HANDSHAKE_STAMPS = STAMP_SYN | STAMP_SYN_ACK | STAMP_ACK_ARC | STAMP_EARLY_ACK;

const CLIENT = 0;
const SERVER = 1;
/** Kinds of ICMP error kept per connection (each counts its repeats), twice as many with SYNs': a bound for an ICMP storm. */
const MAX_ICMP_ERROR_KINDS = 8;

/**
 * The first arc from `from` on that completes a close (isObservedCloseArc), else null. Not one out
 * of TIME_WAIT (a RST there): the arrival in TIME_WAIT came first and is the one the digest takes.
 */
function closeArc(tr: readonly Transition[], from: number): Transition | null {
  for (let i = from; i < tr.length; i++) if (completesClose(tr[i])) return tr[i];
  return null;
}

/** The arc closeArc looks for: an observed arrival in TIME_WAIT or CLOSED, not one out of TIME_WAIT. */
function completesClose(t: Transition): boolean {
  return isObservedCloseArc(t) && t.from !== 'TIME_WAIT';
}

/**
 * `fw2Bit` / `cwBit` when a transition at or after index `from` (the ones a record stamped backwards
 * just made) is the endpoint's first arrival in FIN_WAIT_2 / CLOSE_WAIT or the one that left it:
 * an end of the time reported there. Not when it made both: passed through in one segment, the
 * state was held 0 s by any clock (a FIN,ACK taking ESTABLISHED → CLOSE_WAIT → LAST_ACK).
 */
function stateSpanBits(tr: readonly Transition[], from: number, fw2Bit: number, cwBit: number): number {
  const f = Math.min(from, tr.length);
  return (spanTouched(tr, f, firstArrival(tr, 'FIN_WAIT_2')) ? fw2Bit : 0) | (spanTouched(tr, f, firstArrival(tr, 'CLOSE_WAIT')) ? cwBit : 0);
}

function spanTouched(tr: readonly Transition[], from: number, entry: number): boolean {
  if (entry < 0) return false;
  const left = entry + 1 < tr.length;
  // Entered now: touched unless it also left now (its exit, right after, is then new too).
  if (entry >= from) return !left;
  return left && entry + 1 >= from; // entered before, left now
}

function firstArrival(tr: readonly Transition[], state: EndpointState): number {
  for (let i = 0; i < tr.length; i++) if (tr[i].to === state) return i;
  return -1;
}

// One event object per direction, overwritten for every segment (no per-packet allocation).
const SND_EV = newTcpEvent(SND);
const RCV_EV = newTcpEvent(RCV);

/** States in which the endpoint is synchronized (RFC 9293 §3.5: has exchanged SYNs). */
export function isSynchronized(s: EndpointState): boolean {
  return s === 'ESTABLISHED' || s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2' || s === 'CLOSE_WAIT'
    || s === 'CLOSING' || s === 'LAST_ACK' || s === 'TIME_WAIT';
}

/** Holds no connection: CLOSED, TIME_WAIT (only a timer left), or LISTEN (Note 1: the listener survives). */
export function isDone(s: EndpointState): boolean {
  return s === 'CLOSED' || s === 'TIME_WAIT' || s === 'LISTEN';
}

function closedByRetakenFinAck(ep: Endpoint): boolean {
  const tr = ep.transitions;
  return ep.finAckLost && tr.length > 0 && tr[tr.length - 1].arc === ARC.RCV_ACK_OF_FIN;
}

/** Reached only by sending a FIN, and still holding the connection (TIME_WAIT is isDone). */
export function sentFin(s: EndpointState): boolean {
  return s === 'FIN_WAIT_1' || s === 'FIN_WAIT_2' || s === 'CLOSING' || s === 'LAST_ACK';
}

/** RFC 9293 §3.1 combinations no stack sends: reported as INVALID_FLAGS, ignored for state (but see isOpeningSynFin). */
export function isInvalidFlags(flags: number): boolean {
  const syn = (flags & TCP_SYN) !== 0;
  if (syn && (flags & (TCP_FIN | TCP_RST)) !== 0) return true;
  if ((flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG)) === 0) return true;
  const xmas = TCP_FIN | TCP_PSH | TCP_URG;
  return (flags & xmas) === xmas && (flags & TCP_ACK) === 0;
}

/**
 * A SYN+FIN without ACK or RST as its sender's first segment, or the same again: taken as its SYN
 * (Connection.segment). Anywhere else a SYN+FIN moves no state.
 */
export function isOpeningSynFin(flags: number, s: Endpoint, seq: number): boolean {
  if ((flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) !== (TCP_SYN | TCP_FIN)) return false;
  return s.hasSeq ? s.state === 'SYN_SENT' && s.hasIss && seq === s.iss && s.synSeen : s.state === 'CLOSED';
}

/**
 * What analysis/ reads of a connection whose record has ended: a live Connection, or one rebuilt
 * from the wire form the analysis worker sends (threads/connection-codec.ts), whose Zeek model
 * stayed behind and left only its verdict.
 */
export interface ConnectionFacts {
  readonly id: number;
  readonly key: TupleKey;
  readonly clientIsA: boolean;
  readonly input: string;
  /** The input of the last packet (inputs are one capture, read in turn): lastFrame counts in it. */
  lastInput: string;
  readonly rolesGuessed: boolean;
  readonly midstream: boolean;
  readonly client: Endpoint;
  readonly server: Endpoint;
  firstNanos: number;
  lastNanos: number;
  firstFrame: number;
  lastFrame: number;
  firstSynNanos: number;
  firstSynFrame: number;
  /** The input firstSynFrame counts in; likewise for the other frames below. */
  firstSynInput: string;
  prevSynNanos: number;
  lastSynNanos: number;
  synBackoffNanos: number[] | null;
  firstSynAckNanos: number;
  firstSynAckFrame: number;
  firstSynAckInput: string;
  lastSynAckNanos: number;
  earlyAckNanos: number;
  earlyAckFrame: number;
  earlyAckInput: string;
  badHandshakeAck: boolean;
  /**
   * A client segment acknowledged the server's SYN, not past what the server had sent, before any
   * RST was accepted: a server closed in SYN_RECEIVED then had a complete handshake
   * (analysis/phases.ts closedBeforeAckOfSyn).
   */
  serverSynAcked: boolean;
  serverReplyNanos: number;
  /** Which timing points a record stamped earlier than one before it set (STAMP_* bits). */
  stampedBack: number;
  /** The earliest own stamp of this close's FIN in such a record (-1: none), and the input and frame of each endpoint's arrival in TIME_WAIT or CLOSED taken from one (frame 0: none). */
  backFinStamp: number;
  backCloseFrameClient: number;
  backCloseInputClient: string;
  backCloseFrameServer: number;
  backCloseInputServer: string;
  rstAccepted: boolean;
  captureLoss: boolean;
  portReusePrevId: number;
  portReuseGapNanos: number;
  /** Wireshark's conversation completeness bits so far (analysis/completeness.ts). */
  completeness: number;
  anomalies: Anomaly[] | null;
  ladder: LadderStep[] | null;
  /** Ladder rows not kept past LADDER_MAX_ROWS or the run's LadderBudget (packets that moved no state). */
  ladderOmitted: number;
  /** How many rows were kept before the first one left out (-1: none left out). */
  ladderOmittedAt: number;
  /**
   * Records the first instance of (code, endpoint) (the end-of-record detectors add theirs), at
   * `frameNo` of `input`.
   */
  add(code: AnomalyCode, endpoint: number, frameNo: number, input: string, tNanos: number, details: Anomaly['details']): void;
  /** What Zeek's conn.log would say (the last row). */
  zeekVerdict(): ZeekVerdict;
  /**
   * Every row Zeek would write. Absent on connections decoded from a worker thread: runs that ask
   * for the rows (`analyze({ zeekRows })`) stay in-process.
   */
  zeekRows?(): ZeekRow[];
  /** Rows Zeek would write that zeekRows() left out (ZeekConnModel.rowsOmitted). */
  zeekRowsOmitted?(): number;
}

/** Shared by Connection and the worker's rebuilt connections: the one way an anomaly is first recorded. */
export function addAnomaly(c: ConnectionFacts, code: AnomalyCode, endpoint: number, frameNo: number, input: string, tNanos: number,
  details: Anomaly['details']): void {
  details.count = 1;
  (c.anomalies ??= []).push({ code, endpoint, frameNo, input, tNanos, details });
}

export class Connection implements ConnectionFacts {
  // Set by reset(): the tracker reuses the objects of retired connections (flow/tracker.ts,
  // "Recycling"), so every field is (re)initialised there and nowhere else. Field order is memory
  // order (V8 lays an object out as its fields are defined): what every segment reads comes first.
  /** The key's side A (first sender on the tuple) is the client. */
  clientIsA!: boolean;
  readonly client = new Endpoint('UNKNOWN');
  readonly server = new Endpoint('UNKNOWN');
  readonly zeek = new ZeekConnModel();
  lastNanos!: number;
  lastFrame!: number;
  /** The rows as the record carries them: null until the record is settled (rows, below, until then). */
  ladder!: LadderStep[] | null;
  /** The ladder's rows while the connection is tracked (only when a ladder was asked for). */
  private rows!: LadderRows | null;
  ladderOmitted!: number;
  ladderOmittedAt!: number;
  /** Where the rows held count against the run's budget; set by the tracker with the ladder. */
  ladderBudget!: LadderBudget | null;
  /** Both endpoints' transitions when the last ladder row was written: a row past the bound is kept if they moved. */
  private ladderArcs!: number;
  /** Codes noted on the current packet (only with a ladder). */
  private pktCodes!: string[] | null;
  anomalies!: Anomaly[] | null;
  /** An accepted RST moved an endpoint (later payload is DATA_AFTER_RESET). */
  rstAccepted!: boolean;
  badHandshakeAck!: boolean;
  serverSynAcked!: boolean;
  captureLoss!: boolean;
  /** Per endpoint, the second CAPTURE_LOSS instance (lossNoted); null until one is merged. */
  private lossSecond!: Array<LossInstance | null> | null;
  /**
   * Per endpoint, the first CAPTURE_LOSS instance that is no gap (acked_unseen, syn_ack_unseen): it
   * is never taken back, so the anomaly can name it once every gap it could name was filled
   * (helper-60 review: with two gaps, both filled, and an ACK of unseen bytes, it named a filled gap).
   */
  private lossOther!: Array<LossInstance | null> | null;
  /** First server payload after the first client payload (time to first byte). */
  serverReplyNanos!: number;
  /**
   * The timing points (STAMP_* bits) set by a record stamped earlier than one before it: such a
   * record is taken at the latest time seen (onSegment), so a span ending or starting there is not
   * a measurement (the report gives null, not the 0 s it would read).
   */
  stampedBack!: number;
  /**
   * The close's ends set by such records: the earliest own stamp of this close's FIN among them
   * (-1: none), and per endpoint the input and frame of the latest one that brought it to
   * TIME_WAIT or CLOSED, not counting a RST out of TIME_WAIT (frame 0: none). close.duration is
   * null when its completion is one of those, or when such a FIN claims to be no later than the
   * first FIN (analysis/digest.ts).
   */
  backFinStamp!: number;
  backCloseFrameClient!: number;
  backCloseInputClient!: string;
  backCloseFrameServer!: number;
  backCloseInputServer!: string;
  /** The blind ACK (blindAckBy) was such a record: an early handshake ACK taken from it is too. */
  private blindAckStampedBack!: boolean;
  /** 2×MSL in ns; set by the tracker from settings. */
  twoMslNanos!: number;

  id!: number;
  key!: TupleKey;
  input!: string;
  /**
   * The input of the segment being tracked, then of the last one: set by the tracker before each
   * segment (the connection does not know which input it is reading). Every frame noted while a
   * segment is tracked (transitions, anomalies, handshake frames) counts in it.
   */
  lastInput!: string;
  rolesGuessed!: boolean;
  midstream!: boolean;
  firstNanos!: number;
  firstFrame!: number;

  // -- handshake timing (capture ns, -1 = not seen)
  firstSynNanos!: number;
  firstSynFrame!: number;
  firstSynInput!: string;
  /** Previous client SYN, by its record's own stamp, for the backoff gaps (synGap). */
  prevSynNanos!: number;
  /** Last client SYN before the first SYN,ACK: the start of the server-side RTT. */
  lastSynNanos!: number;
  synBackoffNanos!: number[] | null;
  /** The client's SYNs' own stamps in time order, once one was recorded after a later-stamped one (synGap); else null. */
  private synStamps!: number[] | null;
  firstSynAckNanos!: number;
  firstSynAckFrame!: number;
  firstSynAckInput!: string;
  /** Last server SYN,ACK before the server became ESTABLISHED: the start of the client-side RTT. */
  lastSynAckNanos!: number;
  /**
   * The client's ACK that completed the handshake, when it was captured before its SYN,ACK (-1 =
   * not so): the server's `rcv ACK of SYN` arc is taken at the SYN,ACK, the ACK is this segment.
   */
  earlyAckNanos!: number;
  earlyAckFrame!: number;
  earlyAckInput!: string;
  /** CAPTURE_LOSS instances of kind syn_ack_unseen (only ever on one endpoint: the other sent the SYN). */
  private synAckUnseen!: number;
  /** With a ladder: the rows that noted them, whose mark synAckSeen() takes back with the anomaly. */
  private synAckUnseenRows!: number[] | null;
  /** The endpoint finAcked redrew in this segment (stampedEarlier leaves its arcs' stamps to finAcked). */
  private redrawn!: Endpoint | null;
  /**
   * The SYN,ACK inferred from the opener's ACK (oneSided), until a SYN,ACK of its peer's confirms or
   * contradicts it, or 1 s passes (peerAfterInferredSynAck): who acknowledged it, both histories'
   * lengths and the peer's state before, the ACK's frame, time and acknowledgment number, the end
   * of the opener's SYN (SND.NXT before that ACK: what a SYN,ACK may acknowledge), and (with a
   * ladder) the first row written since.
   */
  private inferredSynAck!: { opener: Endpoint; openerLength: number; peerLength: number; peerState: EndpointState; frameNo: number; input: string; tNanos: number; ackNo: number; synEnd: number; row: number } | null;
  /** The endpoint whose ISN oneSided() read off its peer's ACK, until a SYN,ACK of its own tells it. */
  private guessedIss!: Endpoint | null;
  /**
   * The segment that last raised an endpoint's ACK while its peer had sent nothing the capture
   * showed (`blindAckBy`, null = none): the ACK of a SYN,ACK that may yet be captured after it.
   */
  private blindAckBy!: Endpoint | null;
  private blindAckNo!: number;
  private blindAckFrame!: number;
  private blindAckInput!: string;
  private blindAckNanos!: number;

  portReusePrevId!: number;
  portReuseGapNanos!: number;
  /**
   * Opened by a bare SYN on a tuple an earlier connection used (PORT_REUSE), with nothing since but
   * the client's SYN, resends and RSTs: a bare ACK from the server acknowledging `challengeAck`,
   * what the client had sent on the earlier connection, or `challengeAckAlt`, what the server had
   * acknowledged there (NaN: unknown), is then that connection's answer (SYN_CHALLENGE_ACK), not
   * this one's. `challengerInTimeWait`: the server was left in TIME_WAIT there.
   */
  challengeable!: boolean;
  challengeAck!: number;
  challengeAckAlt!: number;
  /** The acknowledgment number of the last such ACK: the sequence number of the client's RST answering it. */
  private challengedAt!: number;
  challengerInTimeWait!: boolean;
  /**
   * A bare ACK from a server that had sent nothing else, to a client in SYN_SENT, acknowledging past
   * its SYN, with no earlier connection to match it against (NaN: none): the earlier connection's
   * challenge ACK, or this one's ACK of data the capture lost. Held until the client tells them
   * apart (resolveUnmatchedAck); its sequence number, frame, input, time, repeats and their ladder
   * rows (index and frame, in pairs).
   */
  private unmatchedAck!: number;
  private unmatchedAckSeq!: number;
  private unmatchedAckFrame!: number;
  private unmatchedAckInput!: string;
  private unmatchedAckNanos!: number;
  private unmatchedAckRows!: number[] | null;
  private unmatchedAckCount!: number;
  completeness!: number;

  constructor(id: number, key: TupleKey, clientIsA: boolean, input: string, rolesGuessed: boolean, midstream: boolean,
    initial: EndpointState, tNanos: number, frameNo: number, ladder: boolean) {
    this.reset(id, key, clientIsA, input, rolesGuessed, midstream, initial, tNanos, frameNo, ladder);
  }

  /**
   * As new. Nothing of the previous connection may survive: its report was built from it and
   * holds copies, never these arrays (test/flow/recycling.test.ts compares with a fresh object).
   */
  reset(id: number, key: TupleKey, clientIsA: boolean, input: string, rolesGuessed: boolean, midstream: boolean,
    initial: EndpointState, tNanos: number, frameNo: number, ladder: boolean): this {
    this.id = id;
    this.key = key;
    this.clientIsA = clientIsA;
    this.input = this.lastInput = input;
    this.rolesGuessed = rolesGuessed;
    this.midstream = midstream;
    this.client.reset(initial);
    this.server.reset(initial);
    this.firstNanos = this.lastNanos = tNanos;
    this.firstFrame = this.lastFrame = frameNo;
    this.firstSynNanos = -1;
    this.firstSynFrame = 0;
    this.firstSynInput = input;
    this.prevSynNanos = -1;
    this.lastSynNanos = -1;
    this.synBackoffNanos = null;
    this.synStamps = null;
    this.firstSynAckNanos = -1;
    this.firstSynAckFrame = 0;
    this.firstSynAckInput = input;
    this.lastSynAckNanos = -1;
    this.earlyAckNanos = -1;
    this.earlyAckFrame = 0;
    this.earlyAckInput = input;
    this.badHandshakeAck = false;
    this.serverSynAcked = false;
    this.serverReplyNanos = -1;
    this.stampedBack = 0;
    this.backFinStamp = -1;
    this.backCloseFrameClient = 0;
    this.backCloseInputClient = input;
    this.backCloseFrameServer = 0;
    this.backCloseInputServer = input;
    this.blindAckStampedBack = false;
    this.rstAccepted = false;
    this.captureLoss = false;
    this.lossSecond = null;
    this.lossOther = null;
    this.synAckUnseen = 0;
    this.synAckUnseenRows = null;
    this.redrawn = null;
    this.inferredSynAck = null;
    this.guessedIss = null;
    this.blindAckBy = null;
    this.blindAckNo = 0;
    this.blindAckFrame = 0;
    this.blindAckInput = input;
    this.blindAckNanos = 0;
    this.portReusePrevId = 0;
    this.challengeable = false;
    this.challengeAck = NaN;
    this.challengeAckAlt = NaN;
    this.challengedAt = NaN;
    this.challengerInTimeWait = false;
    this.unmatchedAck = NaN;
    this.unmatchedAckSeq = 0;
    this.unmatchedAckFrame = 0;
    this.unmatchedAckInput = '';
    this.unmatchedAckNanos = 0;
    this.unmatchedAckRows = null;
    this.unmatchedAckCount = 0;
    this.portReuseGapNanos = 0;
    this.completeness = 0;
    this.anomalies = null;
    this.ladder = null;
    if (!ladder) this.rows = null;
    else if (this.rows) this.rows.clear();
    else this.rows = new LadderRows();
    this.ladderOmitted = 0;
    this.ladderOmittedAt = -1;
    this.ladderBudget = null;
    this.ladderArcs = 0;
    this.pktCodes = null;
    this.zeek.reset();
    this.twoMslNanos = 240e9;
    return this;
  }

  /** Both endpoints hold no connection any more (CLOSED, TIME_WAIT, or a listener after Note 1). */
  isClosed(): boolean {
    return isDone(this.client.state) && isDone(this.server.state);
  }

  /**
   * Closed by an ACK of a FIN that an earlier ACK of it, lost past the capture point, shows may be
   * lost too (ackLost took `rcv ACK of FIN` back, and this is it taken again): the FIN's sender may
   * send it again, on a doubling timer that outgrows CLOSED_QUIET_SECONDS by its sixth copy
   * (helper-109 review: that copy opened a record of its own). The tracker waits for it (LIST_WAIT).
   */
  awaitsFinResend(): boolean {
    return this.isClosed() && (closedByRetakenFinAck(this.client) || closedByRetakenFinAck(this.server));
  }

  /** This segment is the FIN the record waits for (awaitsFinResend), sent again. */
  resendsAwaitedFin(fromA: boolean, flags: number, seq: number, len: number): boolean {
    const s = fromA === this.clientIsA ? this.client : this.server;
    return (flags & (TCP_FIN | TCP_SYN | TCP_RST)) === TCP_FIN && closedByRetakenFinAck(s) && ((seq + len) | 0) === s.finSeq;
  }

  /** Only unanswered SYNs so far: must outlive the SYN retransmission backoff. */
  isSynOnly(): boolean {
    return this.client.state === 'SYN_SENT' && this.server.packets === 0;
  }

  // ---------------------------------------------------------------- anomalies

  /** Counts a repeat of (code, endpoint) and returns true, or returns false when it is new. */
  bump(code: AnomalyCode, endpoint: number): boolean {
    if (this.pktCodes) this.pktCodes.push(code);
    const a = this.anomalyOf(code, endpoint);
    if (a === null) return false;
    a.details.count = (a.details.count as number) + 1;
    return true;
  }

  /** The anomaly recorded for (code, endpoint), or null. */
  private anomalyOf(code: AnomalyCode, endpoint: number): Anomaly | null {
    const list = this.anomalies;
    if (list === null) return null;
    for (let i = 0; i < list.length; i++) {
      const a = list[i];
      if (a.code === code && a.endpoint === endpoint) return a;
    }
    return null;
  }

  /** Records the first instance of (code, endpoint); call after bump() returned false. */
  add(code: AnomalyCode, endpoint: number, frameNo: number, input: string, tNanos: number, details: Anomaly['details']): void {
    addAnomaly(this, code, endpoint, frameNo, input, tNanos, details);
  }

  zeekVerdict(): ZeekVerdict {
    return this.zeek.result();
  }

  zeekRows(): ZeekRow[] {
    return this.zeek.rows();
  }

  zeekRowsOmitted(): number {
    return this.zeek.rowsOmitted;
  }

  /** A per-packet anomaly without details (only `count`), at the segment being tracked: no allocation after the first. */
  note(code: AnomalyCode, endpoint: number, frameNo: number, tNanos: number): void {
    if (!this.bump(code, endpoint)) this.add(code, endpoint, frameNo, this.lastInput, tNanos, {});
  }

  /**
   * An ICMP error about a segment of this connection (decode/icmp.ts), sent by side A or B: noted
   * on the endpoint whose segment it quotes, as ICMP_ERROR, or ICMP_PACKET_TOO_BIG for path MTU
   * discovery's errors; one anomaly per kind of error (version, type, code, and whether the segment
   * was that endpoint's SYN), counted. Only when the quoted sequence number lies where that
   * endpoint's unacknowledged segments do, from the peer's highest ACK (its ISN before one) to its
   * next (RFC 5927 §4.1; Linux's tcp_v4_err): an error about an earlier connection on the tuple, or
   * a blind one, is not this connection's (helper-82 review). No state changes: Figure 5 has no ICMP
   * arcs, and a stack's reaction is its own (Linux gives up a connect() on a "hard" error, RFC 1122
   * §4.2.3.9 and RFC 5461, but may have sent the SYN again before that error came).
   */
  onIcmpError(e: IcmpError, fromA: boolean, tNanos: number, frameNo: number, input: string, count: number): void {
    const fromClient = fromA === this.clientIsA;
    const role = fromClient ? CLIENT : SERVER;
    const ep = fromClient ? this.client : this.server;
    const peer = fromClient ? this.server : this.client;
    const f = e.segment;
    const seq = f.seq | 0;
    if (!ep.hasSeq) return;
    const una = peer.hasAck ? peer.ackMax : ep.hasIss ? ep.iss : ep.firstSeq;
    if (seqLt(seq, una) || seqGt(seq, ep.sndNxt)) return;
    const syn = ep.hasIss && seq === (ep.iss | 0) && (f.flags < 0 || (f.flags & TCP_SYN) !== 0);
    const code: AnomalyCode = isPacketTooBig(e) ? 'ICMP_PACKET_TOO_BIG' : 'ICMP_ERROR';
    let kinds = 0;
    for (const a of this.anomalies ?? []) {
      if (a.code !== 'ICMP_ERROR' && a.code !== 'ICMP_PACKET_TOO_BIG') continue;
      kinds++;
      const d = a.details;
      if (a.code === code && a.endpoint === role && d.icmpVersion === e.version && d.type === e.type && d.code === e.code && d.syn === syn) {
        (d.count as number) += count;
        return;
      }
    }
    // A storm of other kinds does not hide the one that answered a SYN (the handshake's outcome).
    if (kinds >= (syn ? 2 * MAX_ICMP_ERROR_KINDS : MAX_ICMP_ERROR_KINDS)) return;
    const details = {
      icmpVersion: e.version, type: e.type, code: e.code, error: icmpErrorName(e.version, e.type, e.code),
      from: formatWords(e.version === 6, e.from0, e.from1, e.from2, e.from3), syn, mtu: e.mtu >= 0 ? e.mtu : null,
    };
    this.add(code, role, frameNo, input, tNanos, details);
    (details as Anomaly['details']).count = count;
  }

  // ---------------------------------------------------------------- the hot path

  onSegment(f: PacketFields, tCapture: number, frameNo: number, fromA: boolean): void {
    // A connection's clock never runs backwards: a record stamped earlier than one already seen
    // (merged or reordered captures; counted in stats.timestampsBackwards) is taken as arriving
    // at the latest time seen, so every duration is non-negative and phases stay ordered.
    if (tCapture >= this.lastNanos) this.segment(f, tCapture, tCapture, frameNo, fromA);
    else this.stampedEarlier(f, tCapture, frameNo, fromA);
  }

  /**
   * A record stamped earlier than one already seen, taken at the latest time seen: the timing
   * points it sets are marked (stampedBack), as the spans to them would read 0 s or too short.
   */
  private stampedEarlier(f: PacketFields, stamp: number, frameNo: number, fromA: boolean): void {
    const synNanos = this.lastSynNanos;
    const firstSyn = this.firstSynNanos;
    const synAckNanos = this.lastSynAckNanos;
    const firstSynAck = this.firstSynAckNanos;
    const reply = this.serverReplyNanos;
    const clientData = this.client.firstDataNanos;
    const serverArcs = this.server.transitions.length;
    const clientArcs = this.client.transitions.length;
    const blind = this.blindAckNanos;
    const blindFrame = this.blindAckFrame;
    this.redrawn = null;
    this.segment(f, this.lastNanos, stamp, frameNo, fromA);
    if (this.lastSynNanos !== synNanos || this.firstSynNanos !== firstSyn) this.stampedBack |= STAMP_SYN;
    if (this.lastSynAckNanos !== synAckNanos || this.firstSynAckNanos !== firstSynAck) this.stampedBack |= STAMP_SYN_ACK;
    if (this.serverReplyNanos !== reply || this.client.firstDataNanos !== clientData) this.stampedBack |= STAMP_REPLY;
    const tr = this.server.transitions;
    // Any `rcv ACK of SYN`, inferred too: a late SYN,ACK can confirm it as the captured ACK's arc.
    for (let i = serverArcs; i < tr.length; i++) if (tr[i].arc === ARC.RCV_ACK_OF_SYN) this.stampedBack |= STAMP_ACK_ARC;
    // A FIN of this close (its first copy or a resend of it), not a stale one the machine refused.
    const finBy = fromA === this.clientIsA ? this.client : this.server;
    if ((f.flags & TCP_FIN) !== 0 && finBy.finSent && ((f.seq + f.payloadLen) | 0) === (finBy.finSeq | 0)
      && (this.backFinStamp < 0 || stamp < this.backFinStamp)) this.backFinStamp = stamp;
    // Arcs finAcked redrew are at the resend's and the ACK's records, not this one: it marks them.
    const redrawn = this.redrawn as Endpoint | null; // set by segment() (TS narrowed it to the null set above)
    const sFrom = redrawn === this.server ? tr.length : serverArcs;
    const cFrom = redrawn === this.client ? this.client.transitions.length : clientArcs;
    const sv = closeArc(tr, sFrom);
    if (sv !== null) { this.backCloseFrameServer = sv.frameNo; this.backCloseInputServer = sv.input; }
    const cl = closeArc(this.client.transitions, cFrom);
    if (cl !== null) { this.backCloseFrameClient = cl.frameNo; this.backCloseInputClient = cl.input; }
    this.stampedBack |= stateSpanBits(this.client.transitions, cFrom, STAMP_FIN_WAIT_2_CLIENT, STAMP_CLOSE_WAIT_CLIENT)
      | stateSpanBits(tr, sFrom, STAMP_FIN_WAIT_2_SERVER, STAMP_CLOSE_WAIT_SERVER);
    if (this.blindAckNanos !== blind || this.blindAckFrame !== blindFrame) this.blindAckStampedBack = true;
  }

  /** `t`: the segment's time on the connection's monotone clock; `stamp`: its record's own (earlier when stamped backwards). */
  private segment(f: PacketFields, t: number, stamp: number, frameNo: number, fromA: boolean): void {
    const fromClient = fromA === this.clientIsA;
    const s = fromClient ? this.client : this.server;
    const r = fromClient ? this.server : this.client;
    const sRole = fromClient ? CLIENT : SERVER;
    const rRole = fromClient ? SERVER : CLIENT;
    this.lastNanos = t;
    this.lastFrame = frameNo;
    if (this.rows !== null) this.pktCodes = [];
    this.zeek.onSegment(f, fromClient, t);
    // Every packet counts, a copy or one with invalid flags too, as in Wireshark.
    this.completeness = completenessAfter(this.completeness, f.flags, f.payloadLen, s.packets === 0 && r.packets === 0);
    s.packets++;

    // Lazily: has 2MSL of capture time passed for an endpoint in TIME_WAIT? (no table scans) Not
    // for the sender of a segment other than a RST or SYN: TIME_WAIT sends only ACKs, and a stack
    // that had left it would answer with a RST; its timer runs from there. A FIN reaching an endpoint
    // still in TIME_WAIT restarts its timer (RFC 9293 §3.10.7.4).
    if (s.state === 'TIME_WAIT') {
      if ((f.flags & (TCP_RST | TCP_SYN)) === 0) s.timeWaitFrom = t;
      else this.checkTimeWait(s, t, frameNo, this.lastInput);
    }
    if (r.state === 'TIME_WAIT') {
      this.checkTimeWait(r, t, frameNo, this.lastInput);
      if (r.state === 'TIME_WAIT' && (f.flags & TCP_FIN) !== 0) r.timeWaitFrom = t;
    }

    let flags = f.flags;
    const seq = f.seq | 0;
    const ackNo = f.ack | 0;
    const len = f.payloadLen;
    if (isInvalidFlags(flags)) {
      if (!this.bump('INVALID_FLAGS', sRole)) this.add('INVALID_FLAGS', sRole, frameNo, this.lastInput, t, { flags: flagsText(flags) });
      if (!isOpeningSynFin(flags, s, seq)) {
        this.row(f, t, frameNo, fromClient, s, r);
        return;
      }
      // A SYN+FIN that opens is still a SYN: RFC 9293 §3.10.7.2 has LISTEN take the SYN and leave the
      // other control bits to SYN_RECEIVED, which drops a segment without ACK, so a stack that
      // accepts it (FreeBSD has a drop_synfin switch for it) answers with a SYN,ACK of ISN + 1.
      // Ignored, it left the SYN,ACK answering nothing: the record was split there, the scan probe
      // counted twice. Its FIN is still ignored.
      flags &= ~TCP_FIN;
      s.synFin = true;
      this.anomalyOf('INVALID_FLAGS', sRole)!.details.synTaken = true;
    }
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    const rst = (flags & TCP_RST) !== 0;

    // Exact copies within 1 ms: the same packet captured twice. Not a RST: a stack answers every
    // segment that arrives for a connection it has dropped with the same RST, so a burst of equal
    // RSTs is what the wire carried (1,002 of the 1 GB bench capture's connections), and a RST
    // repeated adds no arc either way. By the records' own stamps, either way round: a copy
    // stamped 200 ms before its original is no nearer to it than one stamped 200 ms after.
    if (!rst && s.prevNanos >= 0 && Math.abs(stamp - s.prevNanos) < DUPLICATE_WINDOW_NANOS && seq === s.prevSeq && ackNo === s.prevAck
      && flags === s.prevFlags && len === s.prevLen && f.window === s.prevWindow && f.optSackSig === s.prevSackSig
      && (!f.optHasTimestamps || (f.optTsVal | 0) === s.prevTsVal) && (f.ipId === s.prevIpId || f.ipId < 0 || s.prevIpId < 0)) {
      // The same packet captured twice (two interfaces, a span port): counted, then ignored, so
      // it is neither a retransmission nor a second SYN/FIN. Not with another IPv4 Identification:
      // two packets the sender numbered apart, such as duplicate ACKs without SACK, or a SYN,ACK
      // sent again at once (helper-107 audit, real Linux loss recovery; IPv6 has no such number).
      this.note('DUPLICATE_PACKETS', sRole, frameNo, t);
      this.row(f, t, frameNo, fromClient, s, r);
      return;
    }
    const prevNanos = s.prevNanos; // this endpoint's previous segment's stamp (-1 = none), for the keep-alive below
    const prevWindow = s.prevWindow; // and its window, for duplicate ACKs (a window update is none)
    s.prevSeq = seq; s.prevAck = ackNo; s.prevFlags = flags; s.prevLen = len; s.prevWindow = f.window;
    s.prevTsVal = f.optHasTimestamps ? f.optTsVal | 0 : 0; s.prevSackSig = f.optSackSig; s.prevIpId = f.ipId; s.prevNanos = stamp;

    if (this.challengeable) {
      // A SYN reusing the tuple answered by the previous connection: a bare ACK of the old sequence
      // space, from its TIME_WAIT (RFC 6191 accepts a SYN only above the old RCV.NXT or timestamp) or
      // from a side that still holds it open (RFC 5961 §4); RFC 9293 §3.10.7.4 calls both a challenge
      // ACK. The client answers it with a RST and resends its SYN. Not this connection's segment: it
      // moves no state and acknowledges none of this client's data.
      if (!fromClient && ack && !syn && !fin && !rst && len === 0 && r.state === 'SYN_SENT' && (ackNo === this.challengeAck || ackNo === this.challengeAckAlt) && ackNo !== ((r.iss + 1) | 0)) {
        if (!this.bump('SYN_CHALLENGE_ACK', sRole)) {
          this.add('SYN_CHALLENGE_ACK', sRole, frameNo, this.lastInput, t, { previousId: this.portReusePrevId, timeWait: this.challengerInTimeWait, reset: false });
        }
        this.challengedAt = ackNo;
        this.row(f, t, frameNo, fromClient, s, r);
        return;
      }
      // Until the server sends anything else, or the client gets past its SYN (CLOSED: before its first).
      if (!fromClient || (this.client.state !== 'SYN_SENT' && this.client.state !== 'CLOSED')) this.challengeable = false;
    }
    // (Held only while the server has no sequence number: one hot field read per segment, not this one's.)
    if (!this.server.hasSeq && !Number.isNaN(this.unmatchedAck)) this.resolveUnmatchedAck(fromClient, syn, ack, rst, len, seq, ackNo, s);
    // Such an ACK without the earlier connection in the capture (or not matching what it showed).
    // One at or before the client's ISN acknowledges nothing this connection sent: a challenge ACK.
    // One past its SYN may also be this connection's, its SYN,ACK and the client's data lost before
    // the capture point: held until the client answers (resolveUnmatchedAck). Either way SYN_SENT
    // drops it (§3.10.7.3), so it moves no state.
    if (!fromClient && !s.hasSeq && ack && !syn && !fin && !rst && len === 0 && r.state === 'SYN_SENT' && r.synSeen
      && ackNo !== ((r.iss + 1) | 0)) {
      if (seqLe(ackNo, r.iss)) {
        if (!this.bump('SYN_CHALLENGE_ACK', sRole)) this.add('SYN_CHALLENGE_ACK', sRole, frameNo, this.lastInput, t, { previousId: null, timeWait: null, reset: false });
        this.challengedAt = ackNo;
        this.row(f, t, frameNo, fromClient, s, r);
        return;
      }
      if (Number.isNaN(this.unmatchedAck) || ackNo === this.unmatchedAck) {
        if (this.unmatchedAckCount++ === 0) {
          this.unmatchedAck = ackNo;
          this.unmatchedAckSeq = seq;
          this.unmatchedAckFrame = frameNo;
          this.unmatchedAckInput = this.lastInput;
          this.unmatchedAckNanos = t;
        }
        if (this.rows !== null) (this.unmatchedAckRows ??= []).push(this.rows.length, frameNo); // this packet's row, pushed next
        this.row(f, t, frameNo, fromClient, s, r);
        return;
      }
    }
    // The client's answer to a challenge ACK (RFC 9293 §3.10.7.3: SYN_SENT resets an unacceptable
    // ACK with <SEQ=SEG.ACK>), which ends the earlier connection on the server: said in the anomaly.
    if (rst && fromClient && !ack && seq === this.challengedAt && s.state === 'SYN_SENT') {
      const a = this.anomalyOf('SYN_CHALLENGE_ACK', SERVER);
      if (a !== null) a.details.reset = true;
    }

    // A SYN,ACK whose arcs were inferred before it came (peerAfterInferredSynAck): tracked, not stepped again.
    const accounted = this.inferredSynAck !== null && r === this.inferredSynAck.opener && this.peerAfterInferredSynAck(s, r, sRole, syn && ack && !rst, seq, ackNo, frameNo, t);
    if (syn && s === this.guessedIss) {
      // Its ISN was guessed from the peer's ACK (wrong when that ACK was not the first); its SYN,ACK
      // tells it, unless its own segments already placed its sequence (then the SYN,ACK is judged).
      if (ack && !s.hasSeq) s.iss = seq;
      this.guessedIss = null;
    }
    if (!syn && !rst && s.state === 'CLOSED') this.rstLost(s, seq, stamp, prevNanos);
    if ((syn || fin) && !rst) this.ackLost(s, r, syn, ack, seq, len, stamp);
    if (syn) {
      // A SYN with a new ISN inside a synchronized connection: not a new connection (the tracker
      // decided that), so RFC 5961 §4 applies: the stack answers a challenge ACK, state is unchanged.
      if (s.hasIss && seq !== s.iss && (isSynchronized(s.state) || isSynchronized(r.state))) {
        if (!this.bump('UNEXPECTED_SYN', sRole)) this.add('UNEXPECTED_SYN', sRole, frameNo, this.lastInput, t, { isn: seq >>> 0, previousIsn: s.iss >>> 0 });
        this.row(f, t, frameNo, fromClient, s, r);
        return;
      }
      this.onSyn(f, t, stamp, frameNo, fromClient, s, sRole, seq, ack);
    }

    // Both probes below sit at SND.NXT - 1 with at most one byte and no SYN, FIN or RST.
    const lastByte = len <= 1 && !syn && !fin && !rst && s.hasSeq && seq === ((s.sndNxt - 1) | 0);
    // A keep-alive (RFC 9293 §3.8.4): SND.NXT - 1, with no data (Linux) or one garbage byte (BSD,
    // Windows), after the peer acknowledged everything: sent only to elicit an ACK, so neither a
    // retransmission nor data (Wireshark's tcp.analysis.keep_alive). The one-byte form also needs a
    // second of quiet first (no stack's keep-alive time is shorter): a one-byte last segment resent
    // because its ACK was lost after the capture point looks the same, but comes an RTO later
    // (gen-capture's data_retransmit flows, 3 of the 1 GB benchmark's 90,000). An unacknowledged
    // last byte sent again (a keystroke) is a retransmission either way.
    // Not to a peer advertising a zero window: the same segment is then the persist timer's probe.
    // After its FIN (FIN_WAIT_2, its peer in CLOSE_WAIT) only the zero-byte form: SND.NXT - 1 is then
    // the FIN's own number, where Linux keeps probing (helper-80 audit); a byte there is data after
    // the FIN. And only a second or more into FIN_WAIT_2, acknowledging nothing new: a stack that
    // leaves its ACKs at its FIN's number (not SND.NXT) sends plain ACKs there (helper-83 review).
    const zeroWindow = r.window === 0 && !r.windowInSyn;
    const keepAlive = lastByte && ack && !zeroWindow && r.hasAck && r.ackMax === s.sndNxt && isSynchronized(s.state)
      && (!s.finSent || (len === 0 && s.state === 'FIN_WAIT_2' && s.hasAck && ackNo === s.ackMax && stamp - enteredLast(s, 'FIN_WAIT_2') >= KEEP_ALIVE_QUIET_NANOS))
      && (len === 0 || prevNanos < 0 || stamp - prevNanos >= KEEP_ALIVE_QUIET_NANOS);
    // A zero-window probe sent again (RFC 9293 §3.8.6.1): the one byte past a zero window that the
    // receiver has not taken, offered once per persist timeout. Counted as data once, when first
    // sent; its repeats are the persist timer, not loss (Wireshark: tcp.analysis.zero_window_probe).
    const probeAgain = lastByte && len === 1 && zeroWindow && r.hasAck && r.ackMax === seq;
    // Linux probes a zero window at SND.UNA - 1 with no data (tcp_xmit_probe_skb), each persist timeout,
    // as it does a keep-alive (helper-72 audit: a stalled receiver read as keep-alives).
    const windowProbe = probeAgain || (lastByte && len === 0 && ack && zeroWindow && !s.finSent && r.hasAck && r.ackMax === s.sndNxt
      && isSynchronized(s.state));
    // From its first ACK of the peer's FIN on, what it sends it sends half-closed (bytesAfterPeerFin).
    if (ack && !rst && !s.halfCloseMarked && r.finSent && coversFin(r, ackNo)) {
      s.halfCloseMarked = true;
      // The captured SND.NXT, even where this segment's seq is past it: bytes below that seq first
      // captured later are either reordered before the capture point (their own ACK then covers the
      // FIN too) or resends of copies lost before it, whose ACK nobody saw; counted either way
      // (helper-104 review: taking the seq as the mark lost the reordered ones).
      s.halfCloseFrom = s.hasSeq ? s.sndNxt : syn ? (seq + 1) | 0 : seq;
    }
    if (keepAlive) this.note('KEEP_ALIVE', sRole, frameNo, t);
    else if (windowProbe) this.note('ZERO_WINDOW_PROBE', sRole, frameNo, t);
    else if (len > 0) this.onPayload(t, frameNo, fromClient, s, sRole, syn ? (seq + 1) | 0 : seq, len, syn, rst);
    else if (len === 0 && !syn && !rst && s.hasSeq) this.checkGap(t, frameNo, s, sRole, seq);

    if (fin) {
      const finSeq = (seq + len + (syn ? 1 : 0)) | 0;
      s.finCount++;
      if (!s.finSent) {
        s.finSent = true;
        s.finSeq = finSeq;
        firstFinCopy(s, f);
      } else if (finSeq === s.finSeq) {
        this.note('FIN_RETRANSMIT', sRole, frameNo, t);
        // With data, onPayload counted it, unless the peer had all of the data but the FIN.
        if (len === 0 || (r.hasAck && r.ackMax === finSeq)) this.resent(s, r, finSeq, (finSeq + 1) | 0, t, frameNo);
        if (s.finHasTs && f.optHasTimestamps) finResend(s, f.optTsVal | 0, frameNo, this.lastInput, t, stamp !== t);
      } else if (seqGt(finSeq, s.finSeq)) {
        s.finSeq = finSeq; // the FIN moved on: data was sent after the first one (DATA_AFTER_FIN)
        firstFinCopy(s, f);
      }
    }
    // The first segment to acknowledge the peer's FIN: which copy of it arrived (finAcked); and the second.
    if (ack && !rst && r.finSent && r.finAckedAgainNanos < 0 && coversFin(r, ackNo)) {
      if (r.finAckedNanos < 0) this.finAcked(s, r, f, frameNo, t, stamp !== t, ackNo);
      else { r.finAckedAgainFrame = frameNo; r.finAckedAgainInput = this.lastInput; r.finAckedAgainNanos = t; r.finAckedAgainBack = stamp !== t; }
    }

    // A segment with an ACK from an endpoint still in SYN_SENT or SYN_RECEIVED whose peer the capture
    // never showed (one direction captured: oneSided), judged before SND.NXT moves:
    // in its own sequence space, so not a stray segment of another connection on the tuple.
    const oneSidedAck = ack && !syn && !rst && (s.state === 'SYN_SENT' || s.state === 'SYN_RECEIVED') && r.packets === 0
      && s.hasIss && seqGt(seq, s.iss) && seqLe(seq, s.sndNxt);
    const synEnd = s.sndNxt; // in SYN_SENT, the end of its SYN (with any data on it)

    // SND.NXT as the observer sees it: SYN and FIN occupy sequence space, a RST does not (§3.4).
    if (!rst) {
      const segEnd = (seq + len + (syn ? 1 : 0) + (fin ? 1 : 0)) | 0;
      if (!s.hasSeq) {
        s.hasSeq = true;
        s.sndNxt = segEnd;
        s.firstSeq = seq;
      } else if (seqGt(segEnd, s.sndNxt)) {
        if (seqWrapped(s.sndNxt, segEnd)) this.note('SEQ_WRAP', sRole, frameNo, t);
        s.sndNxt = segEnd;
      }
    }

    // Noted here because the arcs of a server closed in SYN_RECEIVED cannot tell whether this ACK came
    // before a RST (helper-62 review: a client FIN without it, the RST, then the ACK read complete);
    // once set, one field read per segment. Against an ISN the capture showed (synSeen), not one
    // guessed from the client's ACKs and taken back when the SYN,ACK came (helper-63 review).
    if (!this.serverSynAcked && ack && fromClient && !rst && !this.rstAccepted && r.synSeen && seqGt(ackNo, r.iss)
      && seqLe(ackNo, r.sndNxt)) this.serverSynAcked = true;
    // A duplicate ACK (bare, repeating its sender's last ACK and window, not a zero window: Wireshark's
    // rule) at the start of a hole of the peer's, after the gap: the receiver saw the gap and asks for
    // the bytes again. Any open hole, not only the lowest: one the capture alone lost stays open, its
    // bytes never captured, while the receiver acknowledges past it (helper-114 review).
    if (r.hasHole && ack && len === 0 && (flags & (TCP_SYN | TCP_FIN | TCP_RST)) === 0 && s.hasAck && s.ackMax === ackNo
      && f.window === prevWindow && f.window !== 0 && r.holes !== null) this.dupAckOf(r.holes, ackNo, t);
    if (ack && !rst) {
      // An ACK for bytes the capture never showed: the capture lost them (before the capture point).
      // Not the segments that acknowledge a SYN (a SYN,ACK to SYN_SENT, the ACK to SYN_RECEIVED):
      // acknowledging more than ISN+1 there is BAD_HANDSHAKE_ACK, below, not loss as well.
      const acksHandshake = r.hasIss && ((syn && r.state === 'SYN_SENT') || (!syn && r.state === 'SYN_RECEIVED'));
      // Past the peer's FIN nothing was sent: the segment is dropped (onControl), nothing was lost.
      if (r.hasSeq && seqGt(ackNo, r.sndNxt) && !acksHandshake && !r.finSent) {
        this.lossNoted(rRole, frameNo, t, 'acked_unseen', seqDiff(ackNo, r.sndNxt));
      } else if (!r.hasSeq && !syn && s.synCount > 0) {
        // The opener acknowledges a peer that never appeared: it got a SYN,ACK the capture did not
        // show (a capture of one direction only, asymmetric routing). Without this the connection
        // read as HALF_OPEN, "SYN never answered", while its client sent data and closed.
        this.lossNoted(rRole, frameNo, t, 'syn_ack_unseen', 0);
        this.synAckUnseen++;
        if (this.rows !== null) (this.synAckUnseenRows ??= []).push(this.rows.length); // this packet's row, pushed last
      }
      if (!s.hasAck || seqGt(ackNo, s.ackMax)) {
        // The first ACK to cover the peer's newest data in full: a round trip at the capture point
        // (Endpoint.rttSampleNanos). Only the data's own segment: not a FIN's, a SYN's or one before.
        if (r.prevLen > 0 && ackNo === ((r.prevSeq + r.prevLen) | 0) && ackNo === r.sndNxt && stamp >= r.prevNanos) {
          const rtt = stamp - r.prevNanos;
          // Sent at once, it says what the path takes now: a bare ACK of more than that segment goes
          // out at once (RFC 5681 §4.2: an ACK at least every second full-sized segment). A bare ACK
          // of one captured segment may have waited for the delayed-ACK timer, so it only lowers the
          // sample (helper-80 audit: a slow reader's every ACK waited ~42 ms, and close.closeWait
          // read that short); also when that segment was several on the wire (TSO at the capture
          // point): Linux delays even those while its receive buffer is full (the same reader's ACKs
          // of 2,896 bytes). An ACK on data of its own waited for that data, the application's
          // think time, which a receiver in request/response holds its ACKs for (Linux's pingpong
          // mode, up to its delayed-ACK time): it only lowers the sample, and is never the first
          // (helper-83 review: 0.0803 s for a server that closed 0.1003 s after the FIN). So a path
          // that slowed during an exchange whose every ACK rides on data is not seen (helper-82
          // review's echo: 0.62 s for 0.50), 200 ms at most, as 78 says.
          if (rtt < s.rttSampleNanos || (len === 0 && (s.rttSampleNanos < 0 || (s.hasAck && seqDiff(ackNo, s.ackMax) > r.prevLen)))) s.rttSampleNanos = rtt;
        }
        s.hasAck = true;
        s.ackMax = ackNo;
        if (!r.hasSeq) {
          this.blindAckBy = s; this.blindAckNo = ackNo; this.blindAckFrame = frameNo; this.blindAckInput = this.lastInput; this.blindAckNanos = t;
          this.blindAckStampedBack = false; // (stampedEarlier sets it after, for such a record)
        }
      }
    }
    if (!rst) {
      if (s.window === 0 && !s.windowInSyn && (syn || f.window !== 0)) zeroWindowEnded(s, t);
      s.window = f.window;
      s.windowInSyn = syn;
      if (!syn && f.window === 0) {
        this.note('ZERO_WINDOW', sRole, frameNo, t);
        if (s.zeroWindowSince < 0) s.zeroWindowSince = t;
      }
      if (f.optHasTimestamps) {
        const v = f.optTsVal | 0;
        if (s.hasTsVal && seqLt(v, s.tsVal)) this.note('TIMESTAMP_BACKWARDS', sRole, frameNo, t);
        else { s.hasTsVal = true; s.tsVal = v; }
      }
    }

    if (oneSidedAck) this.oneSided(s, r, ackNo, synEnd, frameNo, t);
    if (rst) this.onRst(t, frameNo, s, r, sRole, seq, ackNo, ack);
    else if (!accounted) this.onControl(t, stamp, frameNo, s, r, sRole, rRole, syn, ack, fin, len, ackNo);
    this.row(f, t, frameNo, fromClient, s, r);
  }

  /**
   * Before the record is emitted: a FIN still held is assumed delivered (inferred, at its own
   * frame), and TIME_WAIT → CLOSED is inferred when the capture shows 2×MSL passing by `endNanos`.
   */
  settle(endNanos: number): void {
    if (!Number.isNaN(this.unmatchedAck)) this.unmatchedAckWas(false, false);
    for (const ep of [this.client, this.server]) {
      // Not a FIN still behind a hole in its sender's bytes, unless the receiver was never captured
      // (one direction only: a gap never filled there is more likely the capture's own loss).
      const finBy = ep === this.client ? this.server : this.client;
      // Nor one its sender kept resending while nothing acknowledged it: the FIN, or the data before
      // it, never arrived (a vanished peer read CLOSE_WAIT, and LINGERING_CLOSE_WAIT, while its
      // kernel held the connection ESTABLISHED; fixtures/real/vanished-peer.pcap).
      const neverArrived = finBy.finSent && unansweredResend(finBy, ep) !== null;
      if (neverArrived) this.finNeverArrived(ep);
      if (ep.pendingFin && !ep.pendingFinNeedsAck && (!holeOpen(finBy, ep) || ep.packets === 0) && !neverArrived) {
        // At the FIN's frame, or at the endpoint's last arc if it moved since (a FIN_WAIT_1 holding a
        // FIN behind a hole may take the ACK of its own FIN meanwhile): arcs stay in frame order.
        const tr = ep.transitions;
        const last = tr.length > ep.pendingFinArcs ? tr[tr.length - 1] : null;
        if (last !== null) deliverPendingFin(ep, last.frameNo, last.input, last.tNanos, true);
        else deliverPendingFin(ep, ep.pendingFinFrame, ep.pendingFinInput, ep.pendingFinNanos, true);
      }
      if (ep.state === 'TIME_WAIT') this.checkTimeWait(ep, endNanos, this.lastFrame, this.lastInput);
    }
    if (this.rows !== null) this.ladder = this.rows.toSteps(this.input);
  }

  /** Reported and about to be recycled: the ladder is let go (the rows' store keeps only a new store's room, LadderRows.clear). */
  releaseLadder(): void {
    this.ladder = null;
    if (this.rows !== null) this.rows.clear();
  }

  /**
   * The peer's FIN never reached `ep` (its resends went unanswered), but `ep` took it on arrival, as
   * FIN_WAIT_2 and FIN_WAIT_1 do (only ESTABLISHED holds a FIN): that `rcv FIN` arc, if still its
   * last, is taken back, and the ladder's rows from it show the state before (helper-73 review: a
   * client that closed first and then vanished read TIME_WAIT, its server's FIN resent unanswered).
   */
  private finNeverArrived(ep: Endpoint): void {
    const tr = ep.transitions;
    if (tr.length > 0 && takesFin(tr[tr.length - 1])) this.takeBackLastArc(ep);
  }

  /**
   * `ep`'s `rcv FIN` arc, taken when the peer's FIN passed the capture point, is taken back if still
   * its last and the FIN would surely have arrived by `t`; the FIN is held until an ACK covers it
   * (as one held at ESTABLISHED is once found lost), and the ladder's rows from the arc show the
   * state before it.
   */
  private finLost(ep: Endpoint, t: number): void {
    const tr = ep.transitions;
    const last = tr[tr.length - 1];
    if (!takesFin(last) || !this.finSurelyArrivedBy(ep, last.tNanos, t)) return;
    const { arc, frameNo, input, tNanos } = last;
    this.takeBackLastArc(ep);
    holdPendingFin(ep, true, frameNo, input, tNanos);
    // A FIN,ACK that acknowledged its own FIN too (Note 2): delivered later with it, FIN_WAIT_1 -> TIME_WAIT.
    ep.pendingFinAcksOwn = arc === ARC.NOTE2;
  }

  /**
   * `s` sends again what an ACK of its peer's, captured before, acknowledged: its SYN,ACK after that
   * ACK took it from SYN_RECEIVED to ESTABLISHED, or its FIN after one took `rcv ACK of FIN`
   * (FIN_WAIT_1 → FIN_WAIT_2, CLOSING → TIME_WAIT, LAST_ACK → CLOSED). A stack resends only what is
   * still unacknowledged, so sent later than that ACK could have reached it and an answer come back,
   * it shows the ACK was lost past the capture point: the arc is taken back, and the next ACK that
   * covers the segment takes it again (helper-107 audit, real Linux loss: a handshake ACK dropped at
   * the server drew it ESTABLISHED 1 s early, the last ACK of a close dropped there drew it CLOSED
   * before its FIN resends, "SEGMENT_IN_WRONG_STATE, server in CLOSED"). The round trip is the larger
   * of the handshake's and the one `s`'s ACKs of data showed (Endpoint.rttSampleNanos); without
   * either, nothing is inferred. Sooner than that, the resend may have crossed the ACK, which then
   * arrived: the arc stands. Only the arc that is still the endpoint's last, drawn from a captured ACK.
   */
  private ackLost(s: Endpoint, r: Endpoint, syn: boolean, ack: boolean, seq: number, len: number, stamp: number): void {
    const tr = s.transitions;
    if (tr.length === 0) return;
    const last = tr[tr.length - 1];
    if (last.evidence !== 'observed') return;
    // Not with a FIN held (delivered later, its arc would land before the retaken one: helper-109
    // review). A SYN,ACK only while neither side has sent anything but its handshake since (data or
    // a FIN from the server would be a stale copy's: SYN_RECEIVED sends nothing else; from the
    // client, they would have carried the ACK too), and not after a reordered handshake, whose ACK
    // the report times from the earlier record (earlyAckNanos).
    if (s.pendingFin) return;
    const resent = syn
      ? ack && s.synSeen && seq === s.iss && last.arc === ARC.RCV_ACK_OF_SYN && s.sndNxt === ((s.iss + 1) | 0)
        && r.hasIss && r.sndNxt === ((r.iss + 1) | 0) && this.earlyAckNanos < 0
      : s.finSent && ((seq + len) | 0) === s.finSeq && last.arc === ARC.RCV_ACK_OF_FIN;
    if (!resent) return;
    if (this.pastResendWait(s, last.tNanos, stamp)) {
      this.takeBackLastArc(s);
      if (!syn) s.finAckLost = true;
    }
  }

  /**
   * `s`, closed by its peer's RST, sends on in the same sequence space (data, an ACK, a FIN) later
   * than a segment it sent before the RST reached it could have been captured: the RST was lost past
   * the capture point (or the receiver judged it out of its window), since a closed TCB sends nothing
   * but RSTs. Its `rcv RST` arc is taken back; the peer's next acceptable RST (a closed host answers
   * such a segment with one, RFC 9293 §3.10.7.1) takes it again (helper-107 audit, real Linux loss:
   * an abort's RST,ACK dropped at the server drew it CLOSED a second before it wrote again and took
   * the client's answering RST). The round trip is ackLost's; without one nothing is inferred. Not
   * from TIME_WAIT (RFC 1337's question, TIME_WAIT_ASSASSINATION) nor SYN_RECEIVED's return to LISTEN.
   */
  private rstLost(s: Endpoint, seq: number, stamp: number, prevNanos: number): void {
    const tr = s.transitions;
    if (tr.length === 0) return;
    const last = tr[tr.length - 1];
    if (last.arc !== ARC.NOTE3_RCV_RST || last.evidence !== 'observed' || last.from === 'TIME_WAIT' || !isSynchronized(last.from)) return;
    // Its own sequence space: not a segment of another connection on the tuple the tracker kept here.
    if (!s.hasSeq || Math.abs((seq - s.sndNxt) | 0) > MAX_WINDOW_BYTES) return;
    // And after as long a pause in its own sending: segments queued before the RST arrived drain
    // back to back, however late a loaded bottleneck lets them through (helper-113 review: a
    // cancelled download's queue walked the close forward 0.15 s, or left the server ESTABLISHED).
    if (this.pastResendWait(s, last.tNanos, stamp) && this.pastResendWait(s, prevNanos, stamp)) this.takeBackLastArc(s);
  }

  /**
   * `stamp` is later than `s`'s round trip + RESEND_SLACK_NANOS after `since`: what `s` sent then
   * could not have been sent before what the capture showed at `since` reached it. The round trip is
   * the larger of the handshake's and `s`'s ACK samples'; without either, never (ackLost, rstLost).
   */
  private pastResendWait(s: Endpoint, since: number, stamp: number): boolean {
    const roundTrip = Math.max(this.sideRoundTrip(s), s.rttSampleNanos);
    return roundTrip >= 0 && stamp - since > roundTrip + RESEND_SLACK_NANOS;
  }

  /**
   * `ep`'s first segment to acknowledge `finBy`'s FIN. Its timestamp echo says which copy of the FIN
   * it had: the TSval of the last segment it took in order (RFC 7323 §4.3), so the latest resend's,
   * not the first copy's, when the first was lost past the capture point (a queued one arrives
   * first, and is acknowledged at once with its own TSval). `ep` took the FIN on arrival, as
   * FIN_WAIT_1 and FIN_WAIT_2 do, at the first copy (or at its own crossing FIN, which delivered a
   * held one): that arc, and the ACK of its own FIN after it, are drawn again with the FIN at the
   * resend (helper-94 audit: fixtures/real/sim-close.pcap drew its client through CLOSING at a FIN
   * an nft rule dropped, where the kernel went FIN_WAIT_2 and took the resend). Without
   * timestamps, or with a queued FIN, nothing changes (docs/state-model.md, "FIN delivery").
   */
  private finAcked(ep: Endpoint, finBy: Endpoint, f: PacketFields, frameNo: number, t: number, back: boolean, ackNo: number): void {
    finBy.finAckedFrame = frameNo;
    finBy.finAckedInput = this.lastInput;
    finBy.finAckedNanos = t;
    finBy.finAckedBack = back;
    const copies = finBy.finResends;
    if (copies === null || !f.optHasTimestamps || ep.pendingFin) return;
    const echo = f.optTsEcr | 0;
    if (echo === finBy.finTsVal) return;
    // The resend echoed: the latest with that TSval (an earlier one's when the ACK of that one was
    // lost and a later resend reached TIME_WAIT, which echoes the TSval it entered with).
    let k = copies.length - 1;
    while (k >= 0 && copies[k].tsVal !== echo) k--;
    if (k < 0) return;
    const { frameNo: rFrame, input: rInput, nanos: rT, back: rBack } = copies[k];
    const tr = ep.transitions;
    // The arc that took the FIN, followed by nothing but the ACK of its own FIN (CLOSING → TIME_WAIT).
    let i = tr.length - 1;
    for (; i >= 0 && !takesFin(tr[i]); i--) if (tr[i].arc !== ARC.RCV_ACK_OF_FIN || tr[i].from !== 'CLOSING') return;
    // In capture order, which is frame order within one input (the times may run backwards): a
    // close whose arcs, resend or echo span two inputs is left as drawn (rows are found by frame).
    if (i < 0 || tr[i].input !== rInput || this.lastInput !== rInput || tr[i].frameNo >= rFrame) return;
    const took = tr[i];
    const from = took.from;
    // A D-SACK of the FIN (RFC 2883) says it arrived twice, whatever the state drawn (helper-98
    // review: a receiver drawn in FIN_WAIT_2 after an ACK of its FIN lost past the capture point).
    if (dsacks(f, finBy.finSeq, ackNo)) return;
    // Had the first copy arrived, a receiver still in CLOSING when the resend came would echo the
    // resend too: Linux takes a duplicate FIN's TSval there (tcp_replace_ts_recent), where TIME_WAIT
    // keeps the one it entered with (helper-97 review). Only the missing D-SACK of a receiver that
    // negotiated SACK then says the resend was the first copy to arrive.
    const ackArc = i + 1 < tr.length ? tr[i + 1] : null;
    if (took.to === 'CLOSING' && (ackArc === null || ackArc.frameNo >= rFrame) && (!ep.sackPermitted || !finBy.sackPermitted)) return;
    // The ACK of its own FIN, for FIN_WAIT_1 (FIN_WAIT_2 had it before `took`): the peer's first
    // segment covering it after `took`. When that was the lost copy itself (a FIN,ACK: Note 2), the
    // next one: a duplicate ACK before the resend (FIN_WAIT_2 there), or the resend, which carries
    // it again (Note 2 at the resend).
    let aFrame = ep.finAckedFrame;
    let aInput = ep.finAckedInput;
    let aT = ep.finAckedNanos;
    let aBack = ep.finAckedBack;
    if (from === 'FIN_WAIT_1' && aT >= 0 && aInput === rInput && aFrame <= took.frameNo) {
      aFrame = ep.finAckedAgainFrame; aInput = ep.finAckedAgainInput; aT = ep.finAckedAgainNanos; aBack = ep.finAckedAgainBack;
      if (aT < 0) { aFrame = rFrame; aInput = rInput; aT = rT; aBack = rBack; } // none captured: the resend's
    }
    const acked = aT >= 0;
    if (from === 'FIN_WAIT_1' && acked && (aInput !== rInput || aFrame <= took.frameNo)) return;
    const row = this.rowIn(took.frameNo, took.input);
    takeBack(ep, i);
    if (from === 'FIN_WAIT_2') go(ep, 'TIME_WAIT', ARC.RCV_FIN, rFrame, rInput, rT);
    else if (!acked) go(ep, 'CLOSING', ARC.RCV_FIN, rFrame, rInput, rT);
    else if (aFrame === rFrame) go(ep, 'TIME_WAIT', ARC.NOTE2, rFrame, rInput, rT);
    else if (aFrame < rFrame) {
      go(ep, 'FIN_WAIT_2', ARC.RCV_ACK_OF_FIN, aFrame, aInput, aT);
      go(ep, 'TIME_WAIT', ARC.RCV_FIN, rFrame, rInput, rT);
    } else {
      go(ep, 'CLOSING', ARC.RCV_FIN, rFrame, rInput, rT);
      go(ep, 'TIME_WAIT', ARC.RCV_ACK_OF_FIN, aFrame, aInput, aT);
    }
    if (row >= 0) this.redrawFrom(row, ep, i, from);
    this.redrawnStamps(ep, i, rFrame, rBack, aBack);
  }

  /**
   * The timing marks stampedEarlier would have set had the redrawn arcs (from index `from`) been
   * made by their own records: a resend or an ACK stamped backwards (taken at the latest time seen)
   * is no end of a FIN_WAIT_2 span, nor a close's completion, to measure (helper-98 review).
   */
  private redrawnStamps(ep: Endpoint, from: number, rFrame: number, rBack: boolean, aBack: boolean): void {
    this.redrawn = ep;
    const tr = ep.transitions;
    const client = ep === this.client;
    const fw2 = firstArrival(tr, 'FIN_WAIT_2');
    for (let j = from; j < tr.length; j++) {
      if (!(tr[j].frameNo === rFrame ? rBack : aBack)) continue;
      if (fw2 >= 0 && (j === fw2 || j === fw2 + 1)) this.stampedBack |= client ? STAMP_FIN_WAIT_2_CLIENT : STAMP_FIN_WAIT_2_SERVER;
      if (completesClose(tr[j])) {
        if (client) { this.backCloseFrameClient = tr[j].frameNo; this.backCloseInputClient = tr[j].input; }
        else { this.backCloseFrameServer = tr[j].frameNo; this.backCloseInputServer = tr[j].input; }
      }
    }
  }

  /**
   * The ladder row of `frameNo` in `input` (-1: none, left out past the row cap, or no ladder).
   * Frames only grow within an input, so the search back stops at an earlier one.
   */
  private rowIn(frameNo: number, input: string): number {
    const rows = this.rows;
    if (rows === null) return -1;
    for (let k = rows.length - 1; k >= 0; k--) {
      const f = rows.frame(k);
      if (f > frameNo) continue;
      if (rows.inputOf(k) !== input) continue;
      return f === frameNo ? k : -1;
    }
    return -1;
  }

  /** `ep`'s state on the ladder's rows from `row` on, drawn again from its arcs from `arc` on (`from`: its state before them). */
  private redrawFrom(row: number, ep: Endpoint, arc: number, from: EndpointState): void {
    const rows = this.rows!;
    const client = ep === this.client;
    const tr = ep.transitions;
    let state = from;
    for (let k = row, j = arc; k < rows.length; k++) {
      while (j < tr.length && tr[j].frameNo === rows.frame(k)) state = tr[j++].to;
      rows.setState(k, client, state);
    }
  }

  private dupAckOf(holes: Hole[], ackNo: number, t: number): void {
    for (let i = 0; i < holes.length; i++) {
      const h = holes[i];
      if (h.lo !== ackNo) continue;
      if (++h.dupAcks === 1) h.firstDupAckNanos = t;
      return;
    }
  }

  /**
   * Bytes filling `hole`'s start are a fast retransmission: two duplicate ACKs asked for them (as
   * Wireshark reads it), and they came no sooner than a resend could, half the sender's round trip
   * after the first (at a capture beside the receiver, real reordering by two segments draws two
   * duplicate ACKs too, and its late segment comes at once; helper-114 review). The first, not the
   * second: with few segments in flight Linux resends at the first (RFC 5827's early retransmit,
   * RACK; br-corkhole-sack-capB's resend came 48 µs after the first on a 17 µs path, 7 after the
   * second). Without a round trip known, the two duplicate ACKs decide, as in Wireshark.
   */
  private fastRetransmit(s: Endpoint, hole: Hole, t: number): boolean {
    if (hole.dupAcks < 2) return false;
    // The handshake's round trip when the capture timed it: ACK samples only go down, and one ACK of
    // a resend's original makes a tiny one (helper-115 review: a tail-loss probe let reordering pass).
    const side = this.sideRoundTrip(s);
    const roundTrip = side >= 0 ? side : s.rttSampleNanos;
    return roundTrip < 0 || t - hole.firstDupAckNanos >= roundTrip / 2;
  }

  /** Takes `ep`'s last arc back; the ladder's rows since it (all showing its state) show the state before. */
  private takeBackLastArc(ep: Endpoint): void {
    const tr = ep.transitions;
    const to = tr[tr.length - 1].to;
    takeBack(ep, tr.length - 1);
    const rows = this.rows;
    if (rows === null) return;
    const client = ep === this.client;
    for (let i = rows.length - 1; i >= 0 && rows.state(i, client) === to; i--) rows.setState(i, client, ep.state);
  }

  /**
   * The next segment after an unmatched ACK (above) says what it was. From the client a RST at its
   * ack (§3.10.7.3's answer) or the same SYN again, from the server a SYN,ACK of that SYN: the client
   * was still in SYN_SENT, so it had sent nothing that ACK could acknowledge, and it was an earlier
   * connection's challenge ACK. Anything else but the same ACK again: this connection's ACK of data
   * the capture lost (CAPTURE_LOSS, as for any such ACK), also when the record ends first.
   */
  private resolveUnmatchedAck(fromClient: boolean, syn: boolean, ack: boolean, rst: boolean, len: number, seq: number, ackNo: number, s: Endpoint): void {
    if (fromClient ? s.state === 'SYN_SENT' && !ack && ((rst && seq === this.unmatchedAck) || (syn && !rst && seq === s.iss))
      : syn && ack && !rst && ackNo === ((this.client.iss + 1) | 0)) {
      this.unmatchedAckWas(true, rst);
    } else if (fromClient || !ack || syn || rst || len !== 0 || ackNo !== this.unmatchedAck) {
      this.unmatchedAckWas(false, false);
    }
  }

  private unmatchedAckWas(challenge: boolean, reset: boolean): void {
    const frameNo = this.unmatchedAckFrame;
    const t = this.unmatchedAckNanos;
    const count = this.unmatchedAckCount;
    const code: AnomalyCode = challenge ? 'SYN_CHALLENGE_ACK' : 'CAPTURE_LOSS';
    const pkt = this.pktCodes;
    this.pktCodes = null; // not the current packet's
    if (challenge) {
      const a = this.anomalyOf(code, SERVER);
      if (a !== null) a.details.count = (a.details.count as number) + count;
      else {
        this.add(code, SERVER, frameNo, this.unmatchedAckInput, t, { previousId: null, timeWait: null, reset });
        if (count > 1) this.anomalyOf(code, SERVER)!.details.count = count;
      }
      this.challengedAt = this.unmatchedAck;
    } else {
      // The connection's own ACK after all: what its processing skipped is done now. Its server had
      // the client's SYN and more, so it had answered it: the SYN,ACK the capture lost too, not a
      // SYN never answered (as syn_ack_unseen elsewhere; helper-71 review).
      const input = this.lastInput;
      this.lastInput = this.unmatchedAckInput;
      const sv = this.server;
      const unseen = seqDiff(this.unmatchedAck, this.client.sndNxt);
      for (let i = 0; i < count; i++) this.lossNoted(CLIENT, frameNo, t, 'acked_unseen', unseen);
      if (!sv.hasSeq) { sv.hasSeq = true; sv.sndNxt = sv.firstSeq = this.unmatchedAckSeq; }
      if (!sv.hasAck || seqGt(this.unmatchedAck, sv.ackMax)) { sv.hasAck = true; sv.ackMax = this.unmatchedAck; }
      this.lossNoted(SERVER, frameNo, t, 'syn_ack_unseen', 0);
      this.synAckUnseen++;
      this.lastInput = input;
    }
    this.pktCodes = pkt;
    const marked = this.unmatchedAckRows;
    const rows = this.rows;
    if (marked !== null && rows !== null) {
      for (let i = 0; i < marked.length; i += 2) {
        const row = marked[i];
        if (row >= rows.length || rows.frame(row) !== marked[i + 1]) continue; // not kept (past LADDER_MAX_ROWS)
        rows.addCode(row, code); // once for loss: its acked_unseen stays if a late SYN,ACK takes syn_ack_unseen back
      }
    }
    this.unmatchedAck = NaN;
    this.unmatchedAckRows = null;
    this.unmatchedAckCount = 0;
  }

  private checkTimeWait(ep: Endpoint, t: number, frameNo: number, input: string): void {
    const from = ep.timeWaitTimerStart();
    if (t - from >= this.twoMslNanos) expireTimeWait(ep, frameNo, input, from + this.twoMslNanos);
  }

  private onSyn(f: PacketFields, t: number, stamp: number, frameNo: number, fromClient: boolean, s: Endpoint, sRole: number, seq: number, ack: boolean): void {
    // Options that only mean something on a SYN (RFC 9293 §3.2, RFC 7323, RFC 2018).
    if (f.optMss >= 0) s.mss = f.optMss;
    s.wscale = f.optWscale;
    s.sackPermitted = f.optSackPermitted;
    s.timestamps = f.optHasTimestamps;
    const again = s.synSeen && seq === s.iss;
    if (!s.hasIss) { s.hasIss = true; s.iss = seq; }
    s.synSeen = true;
    if (!ack) {
      if (again && s.synCount > 0) this.note('SYN_RETRANSMIT', sRole, frameNo, t);
      s.synCount++;
      if (fromClient) {
        if (this.firstSynNanos < 0) { this.firstSynNanos = t; this.firstSynFrame = frameNo; this.firstSynInput = this.lastInput; }
        else if (this.prevSynNanos >= 0) this.synGap(stamp);
        this.prevSynNanos = stamp;
        if (this.firstSynAckNanos < 0) this.lastSynNanos = t;
      }
    } else {
      if (again && s.synAckCount > 0) this.note('SYNACK_RETRANSMIT', sRole, frameNo, t);
      s.synAckCount++;
      if (!fromClient) {
        if (this.firstSynAckNanos < 0) { this.firstSynAckNanos = t; this.firstSynAckFrame = frameNo; this.firstSynAckInput = this.lastInput; }
        if (!isSynchronized(s.state)) this.lastSynAckNanos = t;
      }
    }
  }

  /**
   * Another client SYN, at its record's own stamp: the backoff is the gaps between the SYNs in time
   * order, so a SYN recorded after a later-stamped one (merged captures) is placed by its stamp; on
   * the connection's clock it would read a 0 s gap and lengthen the next.
   */
  private synGap(stamp: number): void {
    const b = (this.synBackoffNanos ??= []);
    if (b.length >= MAX_BACKOFF_ENTRIES) return;
    let st = this.synStamps;
    if (st === null && stamp >= this.prevSynNanos) { b.push(stamp - this.prevSynNanos); return; }
    if (st === null) {
      // Out of order for the first time: the stamps so far, back from the last by the gaps.
      st = this.synStamps = [this.prevSynNanos];
      for (let i = b.length - 1; i >= 0; i--) st.unshift(st[0] - b[i]);
    }
    let i = st.length;
    while (i > 0 && st[i - 1] > stamp) i--;
    st.splice(i, 0, stamp);
    b.length = 0;
    for (let k = 1; k < st.length; k++) b.push(st[k] - st[k - 1]);
  }

  private onPayload(t: number, frameNo: number, fromClient: boolean, s: Endpoint, sRole: number, dataSeq: number, len: number, syn: boolean, rst: boolean): void {
    let fresh = len;
    // Of them, those at or past halfCloseFrom (bytesAfterPeerFin): sent once the peer's FIN had arrived.
    const mark = s.halfCloseMarked ? s.halfCloseFrom : null;
    let halfClosed = 0; // of the holes it fills, below
    // The bytes new past SND.NXT: all of them, unless it resends (below).
    let newFrom = dataSeq;
    let newLen = len;
    // Of the fresh bytes, those that may have been sent after the client's first payload: not the
    // ones filling a hole noted by then, which were sent before the segment past them was captured.
    let replyBytes = len;
    if (s.hasSeq) {
      const d = this.checkGap(t, frameNo, s, sRole, dataSeq);
      if (d < 0) {
        const beyond = d + len > 0 ? d + len : 0; // past SND.NXT: new
        let filled = 0; // in the gap, from its start: bytes the capture had not seen
        let resent = 0;
        if (s.hasHole) {
          // Every hole whose start the segment covers (ascending: it reaches none past its end).
          const h = s.holes!;
          const end = (dataSeq + len) | 0;
          let reordered = false;
          for (let i = 0; i < h.length && seqLt(h[i].lo, end);) {
            const hole = h[i];
            const lo = hole.lo;
            if (seqLe(dataSeq, lo)) {
              const toHi = seqDiff(hole.hi, lo);
              const past = seqDiff(end, lo);
              const k = past < toHi ? past : toHi;
              filled += k;
              if (mark !== null) halfClosed += bytesFrom(mark, lo, k);
              // Strictly before: a hole noted at the request's own time may have come after it
              // (coarse clocks stamp both alike; helper-66 review), and then it counts, as before.
              if (hole.nanos < this.client.firstDataNanos) replyBytes -= k;
              // Soon after the gap: the two crossed before the capture point (Wireshark's Out-Of-Order,
              // whose threshold without an RTT is also 3 ms). Later, or after two duplicate ACKs of
              // the gap's start (Wireshark's fast retransmission, which it tells first: on a µs path
              // the resend comes well within 3 ms; helper-107 audit): the segment was lost before the
              // capture point and this is its retransmission. Either way the capture has the bytes now.
              if (t - hole.nanos >= OUT_OF_ORDER_NANOS || this.fastRetransmit(s, hole, t)) resent += k;
              else if (!reordered) { reordered = true; this.note('OUT_OF_ORDER', sRole, frameNo, t); }
              if (k === toHi) {
                h.splice(i, 1);
                this.gapFilled(s, sRole, hole);
                continue;
              }
              hole.lo = (lo + k) | 0;
            }
            i++;
          }
          // Untracked gaps lie between the first of them and holeTop: a segment over all of that fills them.
          if (s.untrackedOpen && seqLe(dataSeq, s.untrackedGap!.lo) && seqGe(end, s.holeTop)) s.untrackedOpen = false;
          s.hasHole = h.length > 0 || s.untrackedOpen;
        }
        fresh = beyond + filled;
        newFrom = (dataSeq + len - beyond) | 0;
        newLen = beyond;
        replyBytes -= len - fresh;
        resent += len - fresh;
        if (resent > 0) {
          s.retransBytes += resent;
          s.retransPackets++;
          this.resent(s, fromClient ? this.server : this.client, dataSeq, (dataSeq + len) | 0, t, frameNo);
        }
      }
    }
    s.bytes += fresh;
    if (s.firstDataNanos < 0) s.firstDataNanos = t;
    // A half-closed connection's quiet, ended here (LINGERING_*: a CLOSE_WAIT whose application wrote
    // once more after a minute, to a peer gone, was read as never quiet; helper-72 audit).
    if (s.state === 'CLOSE_WAIT') quietEnded(s, s.lastDataNanos, t);
    const r = fromClient ? this.server : this.client;
    if (r.state === 'FIN_WAIT_2') quietEnded(r, s.lastDataNanos, t);
    // A RST's payload is no stream data (below).
    if (mark !== null && !rst) s.bytesAfterPeerFin += halfClosed + bytesFrom(mark, newFrom, newLen);
    s.lastDataNanos = t;
    // New bytes only: the server resending what it sent before the request is no reply to it, and
    // a RST's payload is diagnostic text (RFC 9293 §3.5.3), never delivered as stream data.
    if (!fromClient && replyBytes > 0 && !rst && this.serverReplyNanos < 0 && this.client.firstDataNanos >= 0) this.serverReplyNanos = t;
    if (syn) this.note('SYN_WITH_DATA', sRole, frameNo, t);
    if (rst) this.note('RST_WITH_DATA', sRole, frameNo, t);
    else if (this.rstAccepted) this.note('DATA_AFTER_RESET', sRole, frameNo, t);
    if (s.finSent && fresh > 0 && seqGt((dataSeq + len) | 0, s.finSeq)) {
      if (!this.bump('DATA_AFTER_FIN', sRole)) this.add('DATA_AFTER_FIN', sRole, frameNo, this.lastInput, t, { finSeq: s.finSeq >>> 0, seq: dataSeq >>> 0 });
    }
  }

  /**
   * A resend from `s` of [seq, end): one covering the first byte its peer `r` has not acknowledged
   * (SND.UNA as the peer's ACKs show it; without one, the resend's start) is a retransmission of
   * the head, as each retransmission timeout sends (RFC 6298 §5.4); more of them while that byte
   * stays unacknowledged lengthen the run (Endpoint.resend), a new first byte starts another.
   * Resends past the head (a tail loss probe, the rest of a go-back-N burst, SACK recovery) neither
   * count nor end the run (helper-73 review: go-back-N, or data and a bare FIN resent in turn, never
   * made a run of two); one the peer had wholly acknowledged (spurious) is nothing.
   */
  private resent(s: Endpoint, r: Endpoint, seq: number, end: number, t: number, frameNo: number): void {
    const una = r.hasAck ? r.ackMax : seq;
    if (!seqGt(end, una) || seqGt(seq, una)) return;
    const run = s.resend;
    if (run !== null && run.seq === una) {
      run.count++;
      if (run.gaps.length < MAX_BACKOFF_ENTRIES) run.gaps.push(t - run.lastNanos);
      run.lastNanos = t;
      return;
    }
    s.resend = { seq: una, count: 1, firstNanos: t, frameNo, input: this.lastInput, lastNanos: t, gaps: [] };
  }

  /**
   * Where a segment starting at `seq` lies against the sender's SND.NXT (seqDiff). Past it (and not
   * past the sender's FIN), the bytes between were sent and the capture never showed them
   * (Wireshark's "previous segment not captured"): a gap, with or without data in the segment (an
   * ACK or a FIN tells it as well), and a hole a late segment may fill (onPayload).
   */
  private checkGap(t: number, frameNo: number, s: Endpoint, sRole: number, seq: number): number {
    const d = seqDiff(seq, s.sndNxt);
    if (d > 0 && !(s.finSent && seqGe(seq, s.finSeq))) {
      this.lossNoted(sRole, frameNo, t, 'gap', d);
      // Above every hole open (SND.NXT is past them), so the list stays ascending.
      const h = (s.holes ??= []);
      const hole: Hole = { lo: s.sndNxt, hi: seq, nanos: t, frameNo, input: this.lastInput, missing: d, dupAcks: 0, firstDupAckNanos: -1 };
      if (h.length < MAX_HOLES) h.push(hole);
      else { s.untrackedGap ??= hole; s.untrackedOpen = true; }
      s.holeTop = seq;
      s.hasHole = true;
    }
    return d;
  }

  /**
   * The gap is filled: the capture has every byte after all, so the gap's CAPTURE_LOSS is taken back
   * (one of its count; the whole anomaly, and the flag, when it was the only one). When the anomaly
   * described this gap, an instance that still stands takes its place: the second one noted, else
   * the lowest hole still open, else the first gap past those tracked (helper-59 review: with any
   * hole fillable, the anomaly could name a gap already filled).
   */
  private gapFilled(s: Endpoint, role: number, hole: Hole): void {
    const second = this.lossSecond === null ? null : this.lossSecond[role];
    if (second != null && second.frameNo === hole.frameNo && second.tNanos === hole.nanos && second.input === hole.input) {
      this.lossSecond![role] = null;
    }
    const list = this.anomalies;
    if (list !== null) {
      for (let i = 0; i < list.length; i++) {
        const a = list[i];
        if (a.code !== 'CAPTURE_LOSS' || a.endpoint !== role) continue;
        const count = a.details.count as number;
        if (count === 1) list.splice(i, 1);
        else {
          a.details.count = count - 1;
          if (a.details.kind === 'gap' && a.frameNo === hole.frameNo && a.tNanos === hole.nanos && a.input === hole.input) {
            const next = this.lossSecond === null ? null : this.lossSecond[role];
            const open = s.holes !== null && s.holes.length > 0 ? s.holes[0] : s.untrackedGap;
            const other = this.lossOther === null ? null : this.lossOther[role];
            const standIn: LossInstance | null = next ?? (other !== null && (open === null || notedBefore(other, open)) ? other
              : open === null ? null : { frameNo: open.frameNo, input: open.input, tNanos: open.nanos, details: lossDetails('gap', open.missing) });
            if (standIn !== null) {
              a.frameNo = standIn.frameNo;
              a.input = standIn.input;
              a.tNanos = standIn.tNanos;
              a.details = { ...standIn.details, count: count - 1 };
              if (standIn === next) this.lossSecond![role] = null;
            }
          }
        }
        break;
      }
      this.captureLoss = list.some((a) => a.code === 'CAPTURE_LOSS');
    }
    // The gap's row no longer marks a loss (helper-101 review: the ladder kept CAPTURE_LOSS on it
    // after every other form had taken it back). One mark for each instance noted there.
    const row = this.rowIn(hole.frameNo, hole.input);
    if (row >= 0) this.rows!.removeCode(row, 'CAPTURE_LOSS');
  }

  /**
   * An instance of CAPTURE_LOSS (`kind` and its byte count). They merge into one anomaly per
   * endpoint; the second is remembered, since a gap that was the first may be filled later and
   * taken back (gapFilled), and the anomaly must then describe one that stands.
   */
  private lossNoted(role: number, frameNo: number, t: number, kind: 'gap' | 'acked_unseen' | 'syn_ack_unseen', bytes: number): void {
    this.captureLoss = true;
    if (this.pktCodes) this.pktCodes.push('CAPTURE_LOSS');
    const a = this.anomalyOf('CAPTURE_LOSS', role);
    if (a === null) {
      this.add('CAPTURE_LOSS', role, frameNo, this.lastInput, t, lossDetails(kind, bytes));
      return;
    }
    const count = (a.details.count as number) + 1;
    a.details.count = count;
    // Details only for the instances kept: a lossy connection notes one on many segments.
    if (count === 2) {
      if (this.lossSecond === null) this.lossSecond = [null, null];
      this.lossSecond[role] = { frameNo, input: this.lastInput, tNanos: t, details: lossDetails(kind, bytes) };
    }
    if (kind !== 'gap' && (this.lossOther === null || this.lossOther[role] === null)) {
      if (this.lossOther === null) this.lossOther = [null, null];
      this.lossOther[role] = { frameNo, input: this.lastInput, tNanos: t, details: lossDetails(kind, bytes) };
    }
  }

  /**
   * The SYN,ACK the peer had acknowledged was captured after all (a reordered handshake): the
   * CAPTURE_LOSS that said it was unseen is taken back, when that was all the endpoint's loss.
   */
  private synAckSeen(role: number): void {
    const a = this.anomalyOf('CAPTURE_LOSS', role);
    if (a === null || a.details.kind !== 'syn_ack_unseen' || a.details.count !== this.synAckUnseen) return;
    const list = this.anomalies!;
    list.splice(list.indexOf(a), 1);
    if (this.lossSecond !== null) this.lossSecond[role] = null;
    if (this.lossOther !== null) this.lossOther[role] = null;
    const rows = this.rows;
    if (rows !== null && this.synAckUnseenRows !== null) {
      for (const i of this.synAckUnseenRows) rows.removeCode(i, 'CAPTURE_LOSS');
    }
    this.synAckUnseen = 0;
    this.synAckUnseenRows = null;
    this.captureLoss = list.some((x) => x.code === 'CAPTURE_LOSS');
  }

  /** Note 3 and §3.10.7: is the RST acceptable to its receiver? Then both endpoints step. */
  private onRst(t: number, frameNo: number, s: Endpoint, r: Endpoint, sRole: number, seq: number, ackNo: number, ack: boolean): void {
    let acceptable: boolean;
    const rs = r.state;
    if (rs === 'CLOSED' || rs === 'LISTEN' || rs === 'UNKNOWN') {
      acceptable = true; // nothing to judge against: CLOSED/LISTEN discard it, UNKNOWN cannot be checked
    } else if (rs === 'SYN_SENT') {
      // A closed port answers a SYN+FIN with <ACK=SEG.SEQ+SEG.LEN> (RFC 9293 §3.10.7.1), its FIN counted.
      acceptable = isRstAcceptable(rs, seq, ackNo, ack, r.iss, r.synFin ? (r.sndNxt + 1) | 0 : r.sndNxt, 0, 0);
    } else {
      // RCV.NXT: what the receiver has acknowledged, else what the sender has sent.
      const rcvNxt = r.hasAck ? r.ackMax : s.hasSeq ? s.sndNxt : seq;
      // A SYN's window is the receiver's own, unscaled (RFC 7323 §2.2): a RST far past it is not acceptable.
      let wnd = r.window >= 0 ? r.window : UNKNOWN_WINDOW;
      if (r.window >= 0 && !r.windowInSyn && r.wscale >= 0 && s.wscale >= 0) wnd = Math.min(r.window * 2 ** Math.min(r.wscale, TCP_WSCALE_MAX), 2 ** 30);
      acceptable = isRstAcceptable(rs, seq, ackNo, ack, r.iss, r.sndNxt, rcvNxt, wnd)
        || (s.hasSeq && seq === s.sndNxt); // RFC 5961 §3.2's exact match, when the receiver's ACK was not captured
      if (!acceptable && !this.bump('OUT_OF_WINDOW_RST', sRole)) {
        this.add('OUT_OF_WINDOW_RST', sRole, frameNo, this.lastInput, t, { seq: seq >>> 0, rcvNxt: rcvNxt >>> 0, window: wnd, receiverState: rs });
      }
    }
    if (rs === 'SYN_SENT' && !acceptable && !this.bump('OUT_OF_WINDOW_RST', sRole)) {
      this.add('OUT_OF_WINDOW_RST', sRole, frameNo, this.lastInput, t, { ack: ack ? ackNo >>> 0 : null, expectedAck: (r.iss + 1) >>> 0, receiverState: rs });
    }
    if (!acceptable) return;
    // Only from a side that had not closed: after its FIN, Linux answers data with this same RST from
    // the socket it still has (the application closed; RFC 2525 §2.17), and TIME_WAIT answers for a
    // connection closed properly.
    if (!ack && r.hasAck && seq === r.ackMax && (s.state === 'ESTABLISHED' || s.state === 'CLOSE_WAIT')) s.rstNoConnFrame = frameNo;
    // A RST whose ACK covers the held FIN: its sender had taken the FIN (CLOSE_WAIT) before it reset,
    // as an application closing with unread data does.
    if (s.pendingFin && ack && r.finSent && coversFin(r, ackNo)) this.finShownArrived(s, frameNo, t, t);
    dropPendingFin(s); // a reset endpoint receives nothing more
    dropPendingFin(r);
    const nS = s.transitions.length;
    const nR = r.transitions.length;
    fill(SND_EV, t, frameNo, this.lastInput, false, ack, false, true, 0, false, false, true);
    // §3.10.7.3's answer to an unacceptable ACK carries that ACK's number as its SEQ; a RST is never
    // answered (§3.10.7.3 drops it), whatever its ACK field. The ladder's legend reads the outcome.
    SND_EV.answersNothing = !(r.prevNanos >= 0 && (r.prevFlags & (TCP_ACK | TCP_RST)) === TCP_ACK && r.prevAck === seq);
    step(s, SND_EV);
    SND_EV.answersNothing = false;
    fill(RCV_EV, t, frameNo, this.lastInput, false, ack, false, true, 0, false, false, true);
    step(r, RCV_EV);
    if (s.transitions.length !== nS || r.transitions.length !== nR || s.state === 'CLOSED') this.rstAccepted = true;
    // RFC 9293 closes TIME_WAIT on a RST (as Linux does by default); RFC 1337 calls it TIME-WAIT
    // assassination and would ignore it: 2×MSL did not pass, whatever the close looked like.
    if (rs === 'TIME_WAIT' && r.state === 'CLOSED') {
      const rRole = sRole === CLIENT ? SERVER : CLIENT;
      if (!this.bump('TIME_WAIT_ASSASSINATION', rRole)) {
        // Its last transition before the RST is its arrival in TIME_WAIT.
        this.add('TIME_WAIT_ASSASSINATION', rRole, frameNo, this.lastInput, t, {
          timeWaitNanos: t - r.transitions[nR - 1].tNanos, senderState: s.transitions.length !== nS ? s.transitions[nS].from : s.state,
        });
      }
    }
  }

  /** `stamp`: the record's own time (earlier than `t` in a record stamped backwards), for what it says of the sender's timing. */
  private onControl(t: number, stamp: number, frameNo: number, s: Endpoint, r: Endpoint, sRole: number, rRole: number,
    syn: boolean, ack: boolean, fin: boolean, len: number, ackNo: number): void {
    if (syn && this.rstAccepted) this.reopening(s, r, ack);
    if (s.pendingFin && ack && r.finSent) {
      // The sender acknowledges the peer's pending FIN: it arrived before this segment was sent.
      if (coversFin(r, ackNo)) this.finShownArrived(s, frameNo, t, stamp);
      // It does not, though sent after the FIN could have reached it and its answer come back: the
      // FIN was lost past the capture point, or sits behind a hole in the peer's bytes (held for
      // later processing, §3.10.7.4). Only an ACK covering it delivers it now (after a resend, or
      // the hole filled): a FIN of this endpoint's is no crossing, and the end of the record no sign.
      else if (this.finSurelyArrivedBy(s, s.pendingFinNanos, stamp)) s.pendingFinNeedsAck = true;
    }
    // The same for a FIN taken on arrival, as FIN_WAIT_1 and FIN_WAIT_2 take one (only ESTABLISHED
    // holds it): this endpoint's segment, sent later than it could have arrived, does not
    // acknowledge it, so it was lost past the capture point (helper-74 audit: crossing FINs both
    // dropped at their receivers read CLOSING / CLOSING through eight resends with the old ACK).
    // Judged on the record's own stamp: one stamped back was sent earlier than it is read (helper-75 review).
    if (ack && r.finSent && !s.pendingFin && (s.state === 'CLOSING' || s.state === 'TIME_WAIT') && !coversFin(r, ackNo)) this.finLost(s, stamp);
    fill(SND_EV, t, frameNo, this.lastInput, syn, ack, fin, false, len, false, false, false);
    if (!step(s, SND_EV)) this.wrongState(s, sRole, 'snd', frameNo, t);
    // It sent its own FIN without acknowledging the peer's: the FINs crossed (simultaneous close,
    // RFC 9293 Figure 13), and the peer's FIN arrives now, in FIN_WAIT_1.
    if (s.pendingFin && !s.pendingFinNeedsAck && !holeOpen(r, s) && fin) deliverPendingFin(s, frameNo, this.lastInput, t, false);
    // Simultaneous open (Figure 7): the peer's bare SYN passed first, yet this endpoint sent a bare
    // SYN rather than a SYN,ACK, so the two SYNs crossed: the peer's arrives after ours. Only while
    // the peer is still in SYN_SENT: a SYN of an attempt already reset crosses nothing (helper-53).
    if (syn && !ack && s.state === 'SYN_SENT' && s.synCount === 1 && r.state === 'SYN_SENT') {
      go(s, 'SYN_RECEIVED', ARC.RCV_SYN, frameNo, this.lastInput, t, 'inferred');
    }
    // The SYN,ACK of a handshake whose SYN the capture missed: its ACK tells the client's ISN.
    if (syn && ack && !r.hasIss && r.state === 'UNKNOWN') {
      r.hasIss = true;
      r.iss = (ackNo - 1) | 0;
      if (!r.hasSeq) { r.hasSeq = true; r.sndNxt = ackNo; r.firstSeq = ackNo; }
    }

    // "ACK of SYN": SND.UNA < SEG.ACK =< SND.NXT (§3.10.7.3/4); "ACK of FIN": SEG.ACK covers FIN seq + 1.
    const acksSyn = ack && r.hasIss && seqGt(ackNo, r.iss) && (!r.hasSeq || seqLe(ackNo, r.sndNxt));
    const acksFin = ack && r.finSent && coversFin(r, ackNo);
    // A SYN,ACK must acknowledge ISN+1; so must the ACK that completes the handshake.
    if (ack && r.hasIss && !acksSyn && ((syn && r.state === 'SYN_SENT') || (!syn && r.state === 'SYN_RECEIVED'))) {
      this.badHandshakeAck = true;
      if (!this.bump('BAD_HANDSHAKE_ACK', sRole)) {
        this.add('BAD_HANDSHAKE_ACK', sRole, frameNo, this.lastInput, t, { expectedAck: (r.iss + 1) >>> 0, gotAck: ackNo >>> 0, segment: syn ? 'SYN,ACK' : 'ACK' });
      }
      step(r, fill(RCV_EV, t, frameNo, this.lastInput, syn, ack, fin, false, len, false, acksFin, false));
      return;
    }
    // A FIN reaching an ESTABLISHED endpoint is held until that endpoint shows it arrived (see
    // Endpoint.pendingFin): with the capture point near one side, the far side's next segments may
    // have been sent before the FIN reached it, and their ACK fields tell which.
    // A FIN behind a hole in its sender's bytes (lost before the capture point) is held by a receiver
    // closing too: RFC 9293 §3.10.7.4 holds a segment beyond RCV.NXT for later processing, so it
    // leaves FIN_WAIT_1/2 only once its ACK covers the FIN (after the hole is filled).
    const behindHole = fin && holeOpen(s, r);
    const holdFin = fin && !syn && (r.state === 'ESTABLISHED' || r.state === 'UNKNOWN'
      || (behindHole && (r.state === 'FIN_WAIT_1' || r.state === 'FIN_WAIT_2')));
    // It acknowledges more than the receiver sent, which ended with its FIN: the receiver drops the
    // segment (§3.10.7.4, "SEG.ACK > SND.NXT": send an ACK, drop the segment, and return). Only
    // after that FIN is it sure: before, the ACK may cover bytes the capture lost (CAPTURE_LOSS).
    if (ack && !syn && r.finSent && seqGt(ackNo, r.sndNxt)) {
      // Dropped, and its FIN with it: a resend of it, captured or not, is shown by an ACK covering it.
      if (fin && (r.state === 'FIN_WAIT_1' || r.state === 'FIN_WAIT_2') && !r.pendingFin) {
        holdPendingFin(r, true, frameNo, this.lastInput, t);
        r.pendingFinAcksOwn = true;
      }
      return;
    }
    const arcs = r.transitions.length;
    if (!step(r, fill(RCV_EV, t, frameNo, this.lastInput, syn, ack, holdFin ? false : fin, false, len, acksSyn, acksFin, false))) {
      this.wrongState(r, rRole, 'rcv', frameNo, t);
    }
    // A resend of a FIN held until an ACK covers it (finLost), taken on arrival this time: no longer held.
    if (fin && !holdFin && r.pendingFin && r.transitions.length > arcs && takesFin(r.transitions[r.transitions.length - 1])) dropPendingFin(r);
    // Held anew unless already held (a resend of a FIN still held counts from the first), or held
    // until an ACK covers it: a resend then opens the crossing again, as a first FIN does.
    if (holdFin && (r.state === 'ESTABLISHED' || r.state === 'FIN_WAIT_1' || r.state === 'FIN_WAIT_2')
      && (!r.pendingFin || r.pendingFinNeedsAck)) {
      holdPendingFin(r, false, frameNo, this.lastInput, t);
    }

    // Reordered handshake: the ACK of this SYN,ACK was captured before it. The ACK was observed,
    // just earlier than its SYN,ACK, so the arc is taken now. Only at the first SYN,ACK: an ACK
    // before a resend acknowledged an earlier copy and was lost (ackLost took its arc back).
    if (syn && ack && s.state === 'SYN_RECEIVED' && s.synAckCount === 1 && r.hasAck && seqGt(r.ackMax, s.iss) && seqLe(r.ackMax, s.sndNxt)) {
      // The handshake's ACK is still that earlier segment (the first to acknowledge this far),
      // when it is the server's first such arc, the one the report times.
      if (s === this.server && this.blindAckBy === r && this.blindAckNo === r.ackMax && !hasHandshakeAck(s)) {
        this.earlyAckNanos = this.blindAckNanos;
        if (this.blindAckStampedBack) this.stampedBack |= STAMP_EARLY_ACK;
        this.earlyAckFrame = this.blindAckFrame;
        this.earlyAckInput = this.blindAckInput;
      }
      go(s, 'ESTABLISHED', ARC.RCV_ACK_OF_SYN, frameNo, this.lastInput, t);
      this.synAckSeen(sRole);
    }
  }

  /**
   * An endpoint in its handshake sends a segment with an ACK, and the capture has nothing of its
   * peer (one direction captured, asymmetric routing). Inferred arcs, at this segment:
   * - The opener, in SYN_SENT: SYN_SENT sends nothing but SYNs, and RSTs that carry no ACK of the
   *   peer's sequence (§3.10.7.3), so it received a SYN,ACK and is ESTABLISHED; its peer sent that
   *   SYN,ACK (LISTEN → SYN_RECEIVED) and, the ACK assumed delivered, is ESTABLISHED too. The
   *   CAPTURE_LOSS (`syn_ack_unseen`) noted on this segment says why.
   * - A server in SYN_RECEIVED that acknowledges more of the client than its SYN,ACK did: it took
   *   client segments after the SYN, each with an ACK, and SYN_RECEIVED accepts none but the ACK
   *   of its SYN (§3.10.7.4, else it answers RST): ESTABLISHED. Not its data alone: a TFO server
   *   may send data before the handshake's ACK (RFC 7413 §4.2).
   * The peer's `rcv ACK of SYN` is inferred, not observed: the handshake's ACK is only ever a
   * captured one (analysis/digest.ts), and this may be a later segment.
   */
  private oneSided(s: Endpoint, r: Endpoint, ackNo: number, synEnd: number, frameNo: number, t: number): void {
    const input = this.lastInput;
    if (s.state === 'SYN_RECEIVED') {
      if (r.hasIss && seqGt(ackNo, (r.iss + 1) | 0)) go(s, 'ESTABLISHED', ARC.RCV_ACK_OF_SYN, frameNo, input, t, 'inferred');
      return;
    }
    const rs = r.state;
    if (r.hasIss || (rs !== 'CLOSED' && rs !== 'LISTEN' && rs !== 'UNKNOWN')) return;
    this.inferredSynAck = {
      opener: s, openerLength: s.transitions.length, peerLength: r.transitions.length, peerState: rs, frameNo, input, tNanos: t, ackNo, synEnd,
      row: this.rows === null ? -1 : this.rows.length,
    };
    go(s, 'ESTABLISHED', ARC.RCV_SYN_ACK, frameNo, input, t, 'inferred');
    if (rs !== 'LISTEN') go(r, 'LISTEN', ARC.PASSIVE_OPEN, frameNo, input, t, 'inferred');
    go(r, 'SYN_RECEIVED', ARC.RCV_SYN, frameNo, input, t, 'inferred');
    go(r, 'ESTABLISHED', ARC.RCV_ACK_OF_SYN, frameNo, input, t, 'inferred');
    // The first ACK of the SYN,ACK acknowledges ISN + 1: the peer's ISN, for the ladder's relative
    // numbers (not reported as `isn`, which is only a captured SYN's).
    r.hasIss = true;
    r.iss = (ackNo - 1) | 0;
    this.guessedIss = r;
  }

  /**
   * A segment of a peer whose SYN,ACK was inferred (oneSided), until SYN_ACK_REORDER_NANOS after the
   * ACK that implied it: only a SYN,ACK this soon can be that SYN,ACK, reordered at the capture
   * point. Returns true when that SYN,ACK's arcs were already taken (then it is not stepped).
   * - Its first segment, and nothing moved since the ACK: the inference is taken back (the arcs,
   *   the ISN, the ladder's states and numbers), and this SYN,ACK is tracked as in order
   *   (test/scenarios: handshake-ack-reorder).
   * - After other segments or arcs (its data, the client's FIN), and it is the SYN,ACK that ACK
   *   acknowledged, answering the opener's SYN: the inferred arcs stand; the two handshake arcs are
   *   observed after all (the ACK is the handshake's, as in the reorder above), and it was not lost.
   *   If it acknowledges other than the SYN (outside ISN+1 to the SYN's end), it is the segment the
   *   ACK answered but not one the opener could accept: BAD_HANDSHAKE_ACK, as when recorded in
   *   order; the arcs stay inferred and the SYN,ACK the opener did accept stays unseen.
   * Any other SYN,ACK is tracked as any, with its checks (UNEXPECTED_SYN, the ISN).
   */
  private peerAfterInferredSynAck(peer: Endpoint, opener: Endpoint, peerRole: number, synAck: boolean, seq: number, ackNo: number, frameNo: number, t: number): boolean {
    const g = this.inferredSynAck!;
    if (t - g.tNanos >= SYN_ACK_REORDER_NANOS) {
      this.inferredSynAck = null;
      return false;
    }
    if (!synAck) return false;
    this.inferredSynAck = null;
    // Taken back only as it was made: the opener's one arc, and the peer's up to ESTABLISHED (a FIN
    // on that ACK, or any segment since that moved either endpoint, and the inference stands).
    const untouched = peer.packets === 1 && opener.transitions.length === g.openerLength + 1 && peer.state === 'ESTABLISHED'
      && onlyAt(peer, g.peerLength, g.frameNo, g.input);
    if (!untouched) {
      if (((seq + 1) | 0) !== g.ackNo) return false;
      if (!seqGt(ackNo, opener.iss) || seqGt(ackNo, g.synEnd)) {
        this.badHandshakeAck = true;
        if (!this.bump('BAD_HANDSHAKE_ACK', peerRole)) {
          this.add('BAD_HANDSHAKE_ACK', peerRole, frameNo, this.lastInput, t, { expectedAck: (opener.iss + 1) >>> 0, gotAck: ackNo >>> 0, segment: 'SYN,ACK' });
        }
        return true;
      }
      confirm(opener.transitions[g.openerLength]);
      for (let i = g.peerLength; i < peer.transitions.length; i++) {
        const tr = peer.transitions[i];
        if (tr.arc === ARC.RCV_ACK_OF_SYN && tr.frameNo === g.frameNo && tr.input === g.input) confirm(tr);
      }
      this.synAckSeen(peerRole);
      return true;
    }
    const guess = peer.iss;
    takeBack(opener, g.openerLength);
    takeBack(peer, g.peerLength);
    peer.hasIss = false;
    peer.iss = 0;
    this.guessedIss = null;
    const rows = this.rows;
    if (rows === null) return false;
    const openerIsClient = opener === this.client;
    for (let i = g.row; i < rows.length; i++) {
      rows.setState(i, openerIsClient, opener.state);
      rows.setState(i, !openerIsClient, peer.state);
      // Numbered from the guessed ISN; this SYN,ACK's is the one its segments will be numbered from.
      const ack = rows.ack(i);
      if (rows.fromClient(i) === openerIsClient && ack !== null) rows.setAck(i, ((ack + guess - seq) | 0) >>> 0);
    }
    return false;
  }

  /**
   * Would a FIN that passed the capture point at `since` on its way to `ep` have reached it, and an
   * answer from it come back past the capture point, by `t`? Its side's round trip from the
   * handshake, plus 200 ms of queueing and delayed ACK timers; without a handshake to time, no:
   * nothing is inferred.
   */
  private finSurelyArrivedBy(ep: Endpoint, since: number, t: number): boolean {
    const roundTrip = this.sideRoundTrip(ep);
    return roundTrip >= 0 && t - since > roundTrip + FIN_ARRIVAL_SLACK_NANOS;
  }

  /**
   * The round trip between the capture point and `ep`, as the handshake timed it: SYN to SYN,ACK for
   * the server, SYN,ACK to the ACK that took the server's `rcv ACK of SYN` for the client; -1 when
   * the capture did not time it.
   */
  private sideRoundTrip(ep: Endpoint): number {
    if (ep === this.server) {
      return this.lastSynNanos >= 0 && this.firstSynAckNanos >= this.lastSynNanos ? this.firstSynAckNanos - this.lastSynNanos : -1;
    }
    if (this.lastSynAckNanos < 0) return -1;
    for (const tr of this.server.transitions) {
      if (isCapturedHandshakeAck(tr) && tr.tNanos >= this.lastSynAckNanos) return tr.tNanos - this.lastSynAckNanos;
    }
    return -1;
  }

  /** `ep`'s segment at `frameNo`, sent at `stamp`, acknowledges the FIN it held: taken there, and timed from its arrival. */
  private finShownArrived(ep: Endpoint, frameNo: number, t: number, stamp: number): void {
    deliverPendingFin(ep, frameNo, this.lastInput, t, false);
    this.closeWaitFrom(ep, stamp);
  }

  /**
   * `ep` has just taken the FIN it held at ESTABLISHED, captured at its pendingFinNanos, at a
   * segment of its own sent at `stamp` that showed it arrived (usually its ACK). The arc is drawn at that segment,
   * but the endpoint was in CLOSE_WAIT from the FIN's arrival, and a receiver delays the ACK of a
   * FIN (Linux schedules it: 40-200 ms), so `close.closeWait` timed from the ACK read short by that
   * timer (helper-74 audit: 0.159 s for an application that closed 0.2005 s after the FIN).
   * On the capture point's clock the arrival is the FIN's capture plus this side's round trip: the
   * FIN takes half of it to arrive, and the endpoint's own FIN half to come back, so the two halves
   * cancel and the span is the application's (helper-76 review: from the FIN's capture alone it
   * added that round trip, 0 -> 69 ms on get.pcap). The round trip is the larger of the handshake's
   * and the endpoint's ACKs of new data (rttSampleNanos: its last bare ACK of two segments or more,
   * or any quicker ACK since): a path slower at the close than at
   * the handshake (queues filled by the transfer, a SYN proxy answering for the server) would make
   * the span long (helper-77 review: 0.159 s for 0.100 s behind a proxy 1 ms from the client).
   * Only when:
   * - that segment is the endpoint's first since the FIN: one before it that did not cover the FIN
   *   (a SACK of it behind missing data, a segment sent before it arrived) shows the FIN was not
   *   taken at its arrival (helper-77 review: a FIN behind data lost past the capture point read
   *   70 ms long);
   * - it came within a delayed ACK's slack of the arrival: an ACK later than that may answer a
   *   resend of a FIN lost past the capture point (an RTO is at least 200 ms more than the round
   *   trip), and then only the ACK is known;
   * - the FIN was sent once before it (fixtures/generated/fin-retransmission.pcap: the first lost,
   *   the resend acknowledged at once, 200 ms after the first);
   * - no record of the handshake's timing or of a FIN was stamped backwards (their times are not
   *   their own), nor, for the client, its handshake ACK captured before the SYN,ACK: the report's
   *   handshake RTTs are null then (helper-77 review: 0 s round trips made 0.13-0.14 s of 0.1);
   * - the arrival is earlier than the segment (never later: a path quicker than the handshake's).
   */
  private closeWaitFrom(ep: Endpoint, stamp: number): void {
    const tr = ep.transitions;
    const n = tr.length;
    const finBy = ep === this.client ? this.server : this.client;
    if (n === 0 || tr[n - 1].to !== 'CLOSE_WAIT' || ep.closeWaitFromNanos >= 0 || ep.packets !== ep.pendingFinPackets + 1
      || finBy.finCount !== 1 || this.backFinStamp >= 0 || (this.stampedBack & HANDSHAKE_STAMPS) !== 0
      || (ep === this.client && this.earlyAckNanos >= 0)) return;
    for (let i = 0; i < n - 1; i++) if (tr[i].to === 'CLOSE_WAIT') return; // close.closeWait times the first entry
    const handshake = this.sideRoundTrip(ep);
    if (handshake < 0) return;
    const arrival = ep.pendingFinNanos + Math.max(handshake, ep.rttSampleNanos);
    if (arrival < tr[n - 1].tNanos && stamp - arrival <= FIN_ARRIVAL_SLACK_NANOS) ep.closeWaitFromNanos = arrival;
  }

  /**
   * A SYN after an accepted RST, on the same ISN (else the tracker had started a new connection):
   * when no endpoint was ever synchronized, the reset ended an attempt, not the connection, which
   * opens again here (analysis/phases.ts lastOpening reads the close from this opening on), so its
   * data is not DATA_AFTER_RESET. A connection that was established stays reset.
   */
  private reopening(s: Endpoint, r: Endpoint, ack: boolean): void {
    const from = ack ? r : s; // a bare SYN opens its sender; a SYN,ACK answers one to its receiver
    // The receiver of a SYN,ACK may still be in SYN_SENT: its own RST answered a bad SYN,ACK and
    // left it waiting there (§3.10.7.3, RFC 9293 Figure 9).
    if (from.state !== 'CLOSED' && from.state !== 'LISTEN' && !(ack && from.state === 'SYN_SENT')) return;
    for (const ep of [this.client, this.server]) {
      for (const t of ep.transitions) if (isSynchronized(t.to)) return;
    }
    this.rstAccepted = false;
  }

  private wrongState(ep: Endpoint, role: number, dir: 'snd' | 'rcv', frameNo: number, t: number): void {
    if (this.rstAccepted) return; // after a reset, stray segments are DATA_AFTER_RESET / expected RST answers
    if (this.badHandshakeAck) return;
    if (!this.bump('SEGMENT_IN_WRONG_STATE', role)) this.add('SEGMENT_IN_WRONG_STATE', role, frameNo, this.lastInput, t, { state: ep.state, event: dir });
  }

  /**
   * A row finAcked may draw arcs at later, kept past the row cap like a row that moved a state
   * (helper-98 review: a redraw to a resend left out drew its arc "at the end of the record"): a copy
   * of the sender's FIN that finAcked keeps (its first, and MAX_FIN_RESENDS resends), or one of
   * the first two segments acknowledging the receiver's FIN. At most ~20 rows a connection.
   */
  private redrawTarget(f: PacketFields, frameNo: number, s: Endpoint, r: Endpoint): boolean {
    const input = this.lastInput;
    if ((f.flags & TCP_FIN) !== 0 && s.finHasTs) {
      const list = s.finResends;
      if (list === null) return true;
      const last = list[list.length - 1];
      if (last.frameNo === frameNo && last.input === input) return true;
    }
    return (r.finAckedNanos >= 0 && r.finAckedFrame === frameNo && r.finAckedInput === input)
      || (r.finAckedAgainNanos >= 0 && r.finAckedAgainFrame === frameNo && r.finAckedAgainInput === input);
  }

  private row(f: PacketFields, t: number, frameNo: number, fromClient: boolean, s: Endpoint, r: Endpoint): void {
    const rows = this.rows;
    if (rows === null) return;
    const arcs = this.client.transitions.length + this.server.transitions.length;
    const moved = arcs !== this.ladderArcs;
    this.ladderArcs = arcs;
    const budget = this.ladderBudget;
    // Once rows are left out they stay left out, so that the ladder says truly where that began.
    if (!moved && (this.ladderOmitted > 0 || rows.length >= LADDER_MAX_ROWS || (budget !== null && budget.held >= budget.rows))
      && !this.redrawTarget(f, frameNo, s, r)) {
      if (this.ladderOmitted++ === 0) this.ladderOmittedAt = rows.length;
      this.pktCodes = null;
      // This packet has no row: synAckSeen() must not take a mark back from the next row kept.
      const marked = this.synAckUnseenRows;
      if (marked !== null && marked.length > 0 && marked[marked.length - 1] === rows.length) marked.pop();
      return;
    }
    const ack = (f.flags & TCP_ACK) !== 0;
    if (budget !== null) budget.held++;
    rows.push(frameNo, this.lastInput, t - this.firstNanos, fromClient, f.flags,
      s.hasIss ? ((f.seq | 0) - s.iss) >>> 0 : f.seq >>> 0,
      ack ? (r.hasIss ? ((f.ack | 0) - r.iss) >>> 0 : f.ack >>> 0) : -1,
      f.payloadLen, this.client.state, this.server.state, this.pktCodes);
    this.pktCodes = null;
  }
}

/** The endpoint already took `rcv ACK of SYN` into ESTABLISHED (the handshake the report times). */
/** An inferred arc the capture then showed (peerAfterInferredSynAck). */
function confirm(tr: Transition): void {
  tr.evidence = 'observed';
}

/** Every transition of `ep` after its first `length` was taken at that one segment. */
function onlyAt(ep: Endpoint, length: number, frameNo: number, input: string): boolean {
  const list = ep.transitions;
  for (let i = length; i < list.length; i++) if (list[i].frameNo !== frameNo || list[i].input !== input) return false;
  return true;
}

function hasHandshakeAck(ep: Endpoint): boolean {
  for (const tr of ep.transitions) if (tr.to === 'ESTABLISHED' && tr.arc === ARC.RCV_ACK_OF_SYN) return true;
  return false;
}

/**
 * A hole in `sender`'s bytes that `receiver` may still lack: one open in the capture (tracked, or
 * past those, untrackedOpen) that the receiver has not acknowledged past. Its ACK at the end of the
 * highest gap says it has every byte before, whether or not the capture showed them resent
 * (helper-61 review: gaps past MAX_HOLES resent one segment each, then acknowledged, held the FIN
 * after them to the end).
 */
function holeOpen(sender: Endpoint, receiver: Endpoint): boolean {
  return sender.hasHole && !(receiver.hasAck && seqGe(receiver.ackMax, sender.holeTop));
}

/** One CAPTURE_LOSS instance kept to stand in for the anomaly's own (Connection.gapFilled). */
interface LossInstance { frameNo: number; input: string; tNanos: number; details: Anomaly['details'] }

/** A CAPTURE_LOSS instance noted before a gap: by capture time, then frame (frames start again at 1 in each input; helper-61 review). */
function notedBefore(x: LossInstance, gap: Hole): boolean {
  return x.tNanos < gap.nanos || (x.tNanos === gap.nanos && x.frameNo < gap.frameNo);
}

/** A CAPTURE_LOSS instance's details (docs/anomalies.md). */
function lossDetails(kind: 'gap' | 'acked_unseen' | 'syn_ack_unseen', bytes: number): Anomaly['details'] {
  return kind === 'gap' ? { kind, missingBytes: bytes } : kind === 'acked_unseen' ? { kind, unseenBytes: bytes } : { kind };
}

/** `ep`, in CLOSE_WAIT or FIN_WAIT_2 since its last arc, saw the open side's payload at `t` after one at `lastData`. */
function quietEnded(ep: Endpoint, lastData: number, t: number): void {
  const tr = ep.transitions;
  if (tr.length === 0) return;
  // As LINGERING_CLOSE_WAIT reads the entry (phases.ts timeInState), or it is decided on one clock
  // and reported on the other (helper-77 review).
  const entered = ep.state === 'CLOSE_WAIT' && ep.closeWaitFromNanos >= 0 ? ep.closeWaitFromNanos : tr[tr.length - 1].tNanos;
  const quiet = t - (lastData > entered ? lastData : entered);
  if (quiet > ep.lingerQuietNanos) ep.lingerQuietNanos = quiet;
}

/** `ep` advertised a window above zero at `t` after a zero one: the stall it caused ended. */
function zeroWindowEnded(ep: Endpoint, t: number): void {
  const since = ep.zeroWindowSince;
  if (since < 0) return;
  if (t - since > ep.zeroWindowLongest) ep.zeroWindowLongest = t - since;
  ep.zeroWindowSince = -1;
}

/** Its FIN's first copy (or the first since data moved it on): its TSval, if it had one; no resend yet. */
function firstFinCopy(ep: Endpoint, f: PacketFields): void {
  ep.finHasTs = f.optHasTimestamps;
  ep.finTsVal = f.optTsVal | 0;
  ep.finResends = null;
}

/** A resend of its FIN, kept with its TSval (the first MAX_FIN_RESENDS). */
function finResend(ep: Endpoint, tsVal: number, frameNo: number, input: string, nanos: number, back: boolean): void {
  const list = (ep.finResends ??= []);
  if (list.length < MAX_FIN_RESENDS) list.push({ tsVal, frameNo, input, nanos, back });
}

/** The ACK's first SACK block is a D-SACK (RFC 2883 §4) of the FIN at `finSeq`: it got the FIN twice. */
function dsacks(f: PacketFields, finSeq: number, ackNo: number): boolean {
  return f.optSackBlocks > 0 && seqLe(f.optSackLeft | 0, finSeq) && seqGt(f.optSackRight | 0, finSeq) && seqLe(f.optSackRight | 0, ackNo);
}

/**
 * The arc by which a closing endpoint takes its peer's FIN on arrival (FIN_WAIT_1 -> CLOSING,
 * FIN_WAIT_2 -> TIME_WAIT, or Note 2's FIN_WAIT_1 -> TIME_WAIT with the ACK of its own FIN), which
 * finLost, finNeverArrived and finAcked take back (helper-75 review: Note 2's was missed).
 */
function takesFin(t: Transition): boolean {
  return (t.arc === ARC.RCV_FIN && (t.to === 'CLOSING' || t.to === 'TIME_WAIT')) || t.arc === ARC.NOTE2;
}

/** Holds the peer's FIN at `ep` (Endpoint.pendingFin), taken at this frame. */
function holdPendingFin(ep: Endpoint, needsAck: boolean, frameNo: number, input: string, t: number): void {
  ep.pendingFinPackets = ep.packets;
  ep.pendingFin = true;
  ep.pendingFinNeedsAck = needsAck;
  ep.pendingFinFrame = frameNo;
  ep.pendingFinInput = input;
  ep.pendingFinNanos = t;
  ep.pendingFinArcs = ep.transitions.length;
}

function dropPendingFin(ep: Endpoint): void {
  ep.pendingFin = false;
  ep.pendingFinNeedsAck = false;
  ep.pendingFinAcksOwn = false;
}

/** Of the `n` bytes from `start`, those at or past `mark` (sequence numbers, int32). */
function bytesFrom(mark: number, start: number, n: number): number {
  const before = seqDiff(mark, start);
  return before <= 0 ? n : before >= n ? 0 : n - before;
}

/**
 * Does an ACK field cover `finBy`'s FIN (FIN + 1 or beyond)? Beyond its SND.NXT the segment's
 * receiver drops it (onControl), but its sender had taken the FIN.
 */
function coversFin(finBy: Endpoint, ackNo: number): boolean {
  return seqGe(ackNo, (finBy.finSeq + 1) | 0);
}

/**
 * The held `rcv FIN` arc (ESTABLISHED → CLOSE_WAIT; FIN_WAIT_1 → CLOSING, FIN_WAIT_2 → TIME_WAIT),
 * taken with the ACK of this endpoint's own FIN when the held FIN's segment had acknowledged it
 * (pendingFinAcksOwn: FIN_WAIT_1 → TIME_WAIT, as a FIN,ACK of its FIN takes it, not → CLOSING: its
 * sender had the FIN, so the FINs did not cross).
 */
function deliverPendingFin(ep: Endpoint, frameNo: number, input: string, t: number, inferred: boolean): void {
  const acksOwn = ep.pendingFinAcksOwn && ep.finSent;
  dropPendingFin(ep);
  const n = ep.transitions.length;
  step(ep, fill(RCV_EV, t, frameNo, input, false, acksOwn, true, false, 0, false, acksOwn, false));
  // Assumed delivered at the end of the record, not shown by the endpoint: mark the arc inferred.
  if (inferred && ep.transitions.length > n) ep.transitions[n].evidence = 'inferred';
}

function fill(ev: typeof SND_EV, t: number, frameNo: number, input: string, syn: boolean, ack: boolean, fin: boolean, rst: boolean, len: number,
  acksOurSyn: boolean, acksOurFin: boolean, rstAcceptable: boolean): typeof SND_EV {
  ev.tNanos = t; ev.frameNo = frameNo; ev.input = input;
  ev.syn = syn; ev.ack = ack; ev.fin = fin; ev.rst = rst; ev.len = len;
  ev.acksOurSyn = acksOurSyn; ev.acksOurFin = acksOurFin; ev.rstAcceptable = rstAcceptable;
  return ev;
}

/** When the endpoint last entered `state` (its transition's time); +Infinity if it never did. */
function enteredLast(ep: Endpoint, state: EndpointState): number {
  const tr = ep.transitions;
  for (let i = tr.length - 1; i >= 0; i--) if (tr[i].to === state) return tr[i].tNanos;
  return Infinity;
}
