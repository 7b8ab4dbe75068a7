/**
 * One side of a connection as the observer reconstructs it: its state and history (for the
 * machine) plus the sequence bookkeeping of RFC 9293 §3.3.1 and per-direction counters.
 * Sequence numbers are held as int32 (`x | 0`) so V8 keeps them as small integers; compare them
 * only through tcp/seq.ts. Times are capture nanoseconds (-1 = never).
 */
import type { EndpointState } from '../tcp/state.js';
import { releaseTransitions, type MachineEndpoint, type Transition } from '../tcp/machine.js';
import { seqGt } from '../tcp/seq.js';

/**
 * Resends of one sequence number, never acknowledged, that make a run unanswered: two, so three
 * RTOs without an answer (one resend alone is what a capture cut just before the ACK shows; the
 * retransmission timer doubles each time, RFC 6298 §5.5).
 */
export const UNANSWERED_MIN_RESENDS = 2;

export class Endpoint implements MachineEndpoint {
  // Field order is memory order (V8 lays an object out as its fields are defined): what every
  // segment reads or writes comes first, so a packet touches three or four cache lines of each
  // endpoint instead of six; the fields only a SYN, a FIN, a retransmission or the report reads follow.
  state: EndpointState;
  packets = 0;
  /** `sndNxt` is valid: the highest sequence number this endpoint has sent, plus its length (SYN and FIN count one). */
  hasSeq = false;
  sndNxt = 0;
  /** `iss` is known (from its SYN, or from the ACK of a SYN,ACK when the SYN was missed). */
  hasIss = false;
  iss = 0;
  /** Sequence number of the first segment this endpoint was seen to send (valid with `hasSeq`). */
  firstSeq = 0;
  /** Highest ACK this endpoint sent: the observer's view of its RCV.NXT. */
  hasAck = false;
  ackMax = 0;
  /** Sequence number of its FIN (the FIN occupies finSeq; the ACK of FIN is finSeq + 1). */
  finSent = false;
  finSeq = 0;
  /** An ACK of its FIN was lost past the capture point: it sent the FIN again (Connection.ackLost). */
  finAckLost = false;
  /**
   * The peer's FIN passed the capture point while this endpoint was ESTABLISHED (or, behind a hole
   * in the peer's bytes, FIN_WAIT_1 or FIN_WAIT_2), but this endpoint has not yet shown that it
   * arrived (docs/state-model.md, "FIN delivery"): the `rcv FIN` arc waits for an ACK covering it,
   * a crossing FIN of its own, or the end of the record.
   */
  pendingFin = false;
  /**
   * The held FIN waits for an ACK covering it and nothing else: this endpoint has since sent a
   * segment, later than the FIN could have arrived, that did not acknowledge it (lost past the
   * capture point, or queued behind a hole), or the FIN came on a segment this endpoint dropped (it
   * acknowledged past this endpoint's own FIN). A FIN of its own is then no crossing, and the end of
   * the record does not deliver it. (A FIN behind a hole in the peer's bytes waits the same way
   * while the hole lasts: that is read from the peer's `hasHole`, live, not stored here.)
   */
  pendingFinNeedsAck = false;
  /** Last advertised window (raw; -1 = none); `wscale` below is its shift, unless `windowInSyn`. */
  window = -1;
  /** `window` came in a SYN, where it is never scaled (RFC 7323 §2.2). */
  windowInSyn = false;
  hasTsVal = false;
  tsVal = 0;

  /** The previous segment from this endpoint, for exact-duplicate detection. */
  prevSeq = 0;
  prevAck = 0;
  prevFlags = -1;
  prevLen = -1;
  prevWindow = -1;
  prevTsVal = 0;
  prevSackSig = 0;
  prevIpId = -1;
  prevNanos = -1;

  /** Payload bytes counted once. */
  bytes = 0;
  /**
   * Of `bytes`, those at or past `halfCloseFrom`: what it sent once it had its peer's FIN, i.e.
   * wrote to a half-closed connection (RFC 9293 §3.6: the side that got the FIN may go on sending).
   * Its ACK of the FIN is the evidence: data that merely crossed the FIN, or was sent before a FIN
   * lost past the capture point arrived, is not counted (helper-102 review).
   */
  bytesAfterPeerFin = 0;
  /** Its SND.NXT when it first acknowledged its peer's FIN (valid with `halfCloseMarked`). */
  halfCloseFrom = 0;
  halfCloseMarked = false;
  firstDataNanos = -1;
  lastDataNanos = -1;
  /**
   * The longest quiet stretch of a half-closed connection that a payload ended, while this endpoint
   * was in CLOSE_WAIT (its own payload) or FIN_WAIT_2 (its peer's): from its entry to the state or
   * the open side's previous payload, whichever is later. LINGERING_* (analysis/detect.ts) reads it.
   */
  lingerQuietNanos = 0;
  transitions: Transition[] = [];

  /** A SYN from this endpoint was seen (so `iss` is its real ISN, not inferred from the peer's ACK). */
  synSeen = false;
  /**
   * The frame of its last accepted RST that had the form of a host's answer for a connection it does
   * not have (0: none): sent from ESTABLISHED or CLOSE_WAIT (it had not closed) without ACK, at the
   * peer's acknowledgment number (RFC 9293 §3.10.7.1's <SEQ=SEG.ACK><CTL=RST>). Linux and Windows
   * abort a connection they have with RST,ACK, so there the sender had lost it (or never had it).
   */
  rstNoConnFrame = 0;
  /** Its SYN came as a SYN+FIN (Connection.segment takes it as the SYN): a RST may acknowledge the FIN too. */
  synFin = false;
  /**
   * The held FIN came on a segment this endpoint dropped for acknowledging past its own FIN (so its
   * sender had that FIN): an ACK covering the held FIN shows it arrived, on that segment or on a resend
   * with an acceptable ACK, and either way with the ACK of this endpoint's FIN (deliverPendingFin).
   */
  pendingFinAcksOwn = false;
  pendingFinFrame = 0;
  /** The input pendingFinFrame counts in. */
  pendingFinInput = '';
  pendingFinNanos = 0;
  /** Its transitions when the FIN was held: more at the end of the record, and the FIN is taken after them. */
  pendingFinArcs = 0;
  /**
   * When it entered CLOSE_WAIT (its first time), on the capture point's clock, if earlier than the
   * segment that showed it: the held FIN's arrival, before a delayed ACK showed it
   * (Connection.closeWaitFrom); -1 = from that segment, as its arc is drawn.
   */
  closeWaitFromNanos = -1;
  /** Its segments (`packets`) when the peer's FIN was held: the segment that delivers it is the first since, or no closeWaitFrom. */
  pendingFinPackets = 0;
  /**
   * The round trip between the capture point and this endpoint that its new ACKs showed: from the
   * capture of the peer's segment whose data an ACK was the first to cover in full (the peer's
   * newest) to the ACK. The last such ACK that covered more than that segment (sent at once), or a
   * quicker one of a single segment since (which may have waited for a delayed-ACK timer, so it
   * only lowers it). Queueing makes it long, never short: closeWaitFrom takes the larger of it and
   * the handshake's. -1 = none.
   */
  rttSampleNanos = -1;
  /**
   * In TIME_WAIT: when its 2×MSL timer last (re)started, if later than the arrival: its own segment
   * (the ACK of the FIN, sent after the FIN passed the capture point) or a retransmitted FIN from its
   * peer (RFC 9293 §3.10.7.4 restarts the timer). -1 = not since.
   */
  timeWaitFrom = -1;
  /** The shift from its SYN's window scale option (-1 = none), and the SYN's other options. */
  wscale = -1;
  mss = -1;
  sackPermitted = false;
  timestamps = false;
  retransBytes = 0;
  retransPackets = 0;
  /**
   * Open holes in the stream, lowest first: [lo, hi) was skipped by a later segment (a gap). A
   * segment that then covers lo fills the hole from there: reordered before the capture point when
   * it comes soon after the gap, else the resend of a segment lost before it (flow/connection.ts
   * onPayload). At most MAX_HOLES are tracked; a gap past those is still CAPTURE_LOSS (the first
   * is kept in `untrackedGap`), and its bytes read as a retransmission when they come. Allocated at
   * the first gap; most connections have none.
   */
  holes: Hole[] | null = null;
  /** True while `holes` has one, or a gap past those may be open (untrackedOpen). */
  hasHole = false;
  /** The end of the highest gap noted, tracked or not: a FIN past it is behind a hole. */
  holeTop = 0;
  /** The first gap past MAX_HOLES, for the CAPTURE_LOSS anomaly to describe once the tracked ones are filled. */
  untrackedGap: Hole | null = null;
  /**
   * A gap past MAX_HOLES may still be open: no segment has covered from `untrackedGap.lo` to
   * `holeTop` since. Keeps `hasHole` set once the tracked holes are filled (helper-60 review: a FIN
   * behind a 17th gap was delivered as soon as the 16 before it were filled).
   */
  untrackedOpen = false;
  /**
   * The latest run of resends of the first byte its peer had not acknowledged (data, or a bare FIN),
   * while the peer's ACK stayed at or before it: a vanished peer or path shows as such a run that
   * never ends (UNANSWERED_RETRANSMISSIONS, analysis/detect.ts). Allocated at the first resend.
   */
  resend: Resend | null = null;
  /**
   * When its advertised window went to zero (-1: not zero now), and the longest such stretch that a
   * window above zero ended: how long its receiving application stalled the peer (ZERO_WINDOW's
   * details, analysis/detect.ts). Read only while the last window was zero.
   */
  zeroWindowSince = -1;
  zeroWindowLongest = 0;
  /** SYNs (without ACK) and SYN,ACKs sent with this endpoint's ISN, and FINs sent (first included). */
  synCount = 0;
  synAckCount = 0;
  finCount = 0;
  /**
   * Which copy of its FIN its peer got, told by the peer's timestamp echo (Connection.finAcked):
   * the first copy's TSval, and its resends (same sequence number, with timestamps), the first
   * MAX_FIN_RESENDS of them (null: none, or no timestamps on the first copy).
   */
  finHasTs = false;
  finTsVal = 0;
  finResends: FinCopy[] | null = null;
  /**
   * The first two segments of its peer's captured whose ACK covered its FIN (finAckedNanos,
   * finAckedAgainNanos -1: none yet): the second is the ACK that arrived when the first was a copy
   * lost past the capture point.
   */
  finAckedFrame = 0;
  finAckedInput = '';
  finAckedNanos = -1;
  /** Its record was stamped backwards (taken at the latest time seen): no end of a span to measure. */
  finAckedBack = false;
  finAckedAgainFrame = 0;
  finAckedAgainInput = '';
  finAckedAgainNanos = -1;
  finAckedAgainBack = false;

  constructor(state: EndpointState) {
    this.state = state;
  }

  /** In TIME_WAIT: when its 2×MSL timer last started (the arrival there, or timeWaitFrom if later). */
  timeWaitTimerStart(): number {
    const entered = this.transitions[this.transitions.length - 1].tNanos;
    return this.timeWaitFrom > entered ? this.timeWaitFrom : entered;
  }

  /** As new in `state` (a recycled connection's endpoint); the transition objects go back to the machine's spares. */
  reset(state: EndpointState): void {
    this.state = state;
    releaseTransitions(this.transitions);
    this.synSeen = false;
    this.rstNoConnFrame = 0;
    this.synFin = false;
    this.hasIss = false;
    this.iss = 0;
    this.hasSeq = false;
    this.sndNxt = 0;
    this.firstSeq = 0;
    this.hasAck = false;
    this.ackMax = 0;
    this.finSent = false;
    this.finSeq = 0;
    this.finAckLost = false;
    this.pendingFin = false;
    this.pendingFinNeedsAck = false;
    this.pendingFinAcksOwn = false;
    this.pendingFinFrame = 0;
    this.pendingFinInput = '';
    this.pendingFinNanos = 0;
    this.pendingFinArcs = 0;
    this.closeWaitFromNanos = -1;
    this.pendingFinPackets = 0;
    this.rttSampleNanos = -1;
    this.timeWaitFrom = -1;
    this.window = -1;
    this.windowInSyn = false;
    this.wscale = -1;
    this.mss = -1;
    this.sackPermitted = false;
    this.timestamps = false;
    this.hasTsVal = false;
    this.tsVal = 0;
    this.packets = 0;
    this.bytes = 0;
    this.bytesAfterPeerFin = 0;
    this.halfCloseFrom = 0;
    this.halfCloseMarked = false;
    this.retransBytes = 0;
    this.retransPackets = 0;
    this.hasHole = false;
    this.holes = null;
    this.holeTop = 0;
    this.untrackedGap = null;
    this.untrackedOpen = false;
    this.resend = null;
    this.zeroWindowSince = -1;
    this.zeroWindowLongest = 0;
    this.firstDataNanos = -1;
    this.lastDataNanos = -1;
    this.lingerQuietNanos = 0;
    this.synCount = 0;
    this.synAckCount = 0;
    this.finCount = 0;
    this.finHasTs = false;
    this.finTsVal = 0;
    this.finResends = null;
    this.finAckedFrame = 0;
    this.finAckedInput = '';
    this.finAckedNanos = -1;
    this.finAckedBack = false;
    this.finAckedAgainFrame = 0;
    this.finAckedAgainInput = '';
    this.finAckedAgainNanos = -1;
    this.finAckedAgainBack = false;
    this.prevSeq = 0;
    this.prevAck = 0;
    this.prevFlags = -1;
    this.prevLen = -1;
    this.prevWindow = -1;
    this.prevTsVal = 0;
    this.prevSackSig = 0;
    this.prevIpId = -1;
    this.prevNanos = -1;
  }
}

/** A hole in an endpoint's bytes: [lo, hi) not yet seen, and the gap that showed it (its CAPTURE_LOSS instance). */
export interface Hole {
  lo: number;
  hi: number;
  /** The gap's segment: when, which frame of which input, and how many bytes it skipped. */
  nanos: number;
  frameNo: number;
  input: string;
  missing: number;
  /**
   * Duplicate ACKs of its start the receiver sent after the gap (bare, its previous ACK's number and
   * window, not zero: Wireshark's), which ask for a fast retransmission; and when the first was
   * captured (-1: none yet). Kept when a segment fills the hole's start only in part: the rest was
   * lost as well (a partial ACK says so), and its resend follows at once (helper-115 review).
   */
  dupAcks: number;
  firstDupAckNanos: number;
}

/** A resend of an endpoint's FIN: its TSval, and where it was captured. */
export interface FinCopy {
  tsVal: number;
  frameNo: number;
  input: string;
  nanos: number;
  /** Its record was stamped backwards (Connection.redrawnStamps). */
  back: boolean;
}

/**
 * FIN resends kept per endpoint, the first ones (a vanished peer's FIN is resent ~15 times): each
 * keeps its ladder row past the row cap, so a redraw to it has a row (Connection.row).
 */
export const MAX_FIN_RESENDS = 16;

/** A run of resends of the first byte its peer had not acknowledged (Endpoint.resend). */
export interface Resend {
  /** That byte (the peer's ACK when the run began). */
  seq: number;
  /** Resends in the run (the segment's first sending not counted: the capture may not hold it). */
  count: number;
  /** The run's first resend: when, and which frame of which input. */
  firstNanos: number;
  frameNo: number;
  input: string;
  lastNanos: number;
  /** The gaps between the resends (at most MAX_BACKOFF_ENTRIES): the sender's retransmission backoff. */
  gaps: number[];
}

/**
 * `ep`'s last run of resends, when its peer never acknowledged it (UNANSWERED_RETRANSMISSIONS): at
 * least UNANSWERED_MIN_RESENDS of them, the peer's ACK never past the run's first byte, its last
 * window not zero, and the peer seen (with one direction captured, its ACKs may all be missing).
 */
export function unansweredResend(ep: Endpoint, peer: Endpoint): Resend | null {
  const run = ep.resend;
  if (run === null || run.count < UNANSWERED_MIN_RESENDS || peer.packets === 0) return null;
  // A peer whose last window is zero is there, not reading: its stall (ZERO_WINDOW), not silence
  // (helper-73 review: data or a bare FIN resent into a zero window, each answered by window 0).
  if (peer.window === 0 && !peer.windowInSyn) return null;
  return peer.hasAck && seqGt(peer.ackMax, run.seq) ? null : run;
}
