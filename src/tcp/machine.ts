/**
 * RFC 9293 §3.3.2 Figure 5 (with Notes 1–3), transcribed for a PASSIVE OBSERVER.
 *
 * Observer model (stated once here; docs/state-model.md says the same at length):
 * - We see segments at one capture point, never the endpoints' memory. Every segment from A to B
 *   is two events: A gets `snd` (it sent the segment) and B gets `rcv` (its peer's segment,
 *   ASSUMED DELIVERED at the moment we saw it). Figure 5 labels arcs "event / action"; the wire
 *   shows either the event (`rcv FIN`) or the action (`snd FIN`), so each arc below is keyed by
 *   whichever of the two is visible. The sender is stepped before the receiver.
 * - Loss behind the capture point (a segment we saw that never arrived) makes the receiver's
 *   state optimistic; loss before it (a segment that arrived but we never saw) is detected by the
 *   flow layer as CAPTURE_LOSS, and verdicts on that connection are flagged as unreliable.
 * - Invisible arcs are inferred and marked so: LISTEN (a socket listens silently; inferred when it
 *   answers a SYN), TIME_WAIT → CLOSED (a timer: inferred only when the capture shows 2×MSL
 *   passing), and the whole history of an endpoint the capture joined mid-stream (UNKNOWN →
 *   ESTABLISHED, inferred from data/ACK flowing).
 * - Two arcs have no segment at all and can never be observed: LISTEN → CLOSED and
 *   SYN_SENT → CLOSED ("CLOSE / delete TCB"). They are listed in FIGURE5_ARCS as unobservable.
 *   LISTEN → SYN_SENT ("SEND / snd SYN") is seen by its action only when the endpoint is known to
 *   listen: a server sent back to LISTEN by Note 1 that then sends a SYN.
 *
 * The flow layer classifies each segment into a TcpEvent first (syn, ack, fin, rst, len,
 * acksOurSyn, acksOurFin, rstAcceptable); this file only decides. `go()` is the only writer of
 * `state`, and `takeBack()` the only way back. Anomalies other than "event not allowed in this
 * state" are found by analysis/ from the transition histories.
 */
import type { EndpointState, TcpState } from './state.js';

export type Evidence = 'observed' | 'inferred';

/** One state change of one endpoint. `tNanos` is capture time (ns on the run's CaptureClock). */
export interface Transition {
  from: EndpointState;
  to: TcpState;
  arc: string;
  frameNo: number;
  /**
   * The input `frameNo` counts in (frames restart at 1 in each input of a run): the tracker's
   * string for it, the same object for every segment of that input, never built per transition.
   */
  input: string;
  tNanos: number;
  evidence: Evidence;
}

/** What the machine needs of an endpoint (flow/endpoint.ts holds the rest of its bookkeeping). */
export interface MachineEndpoint {
  state: EndpointState;
  transitions: Transition[];
}

export const SND = 0;
export const RCV = 1;

/** One segment as seen by one endpoint. A single object per direction is reused for every packet. */
export interface TcpEvent {
  /** SND: this endpoint sent the segment; RCV: its peer did. */
  dir: typeof SND | typeof RCV;
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  /** Payload bytes (from the IP length, not the captured length). */
  len: number;
  /** RCV only: SEG.ACK acknowledges this endpoint's SYN (SND.UNA < SEG.ACK =< SND.NXT, §3.10.7.3/4). */
  acksOurSyn: boolean;
  /** RCV only: SEG.ACK covers this endpoint's FIN (FIN seq + 1), "ACK of FIN" in Figure 5. */
  acksOurFin: boolean;
  /** RST only: the receiver would accept it (see isRstAcceptable). */
  rstAcceptable: boolean;
  /**
   * SND RST only: it answers no unacceptable ACK of the peer's (its SEQ is not the ACK field of the
   * peer's segment before it), so in SYN_SENT it is the sender's abort, not §3.10.7.3's answer.
   */
  answersNothing: boolean;
  frameNo: number;
  /** The input `frameNo` counts in (see Transition.input). */
  input: string;
  tNanos: number;
}

export function newTcpEvent(dir: typeof SND | typeof RCV): TcpEvent {
  return {
    dir, syn: false, ack: false, fin: false, rst: false, len: 0,
    acksOurSyn: false, acksOurFin: false, rstAcceptable: false, answersNothing: false, frameNo: 0, input: '', tNanos: 0,
  };
}

/** Arc labels, copied from Figure 5 so that `grep 'rcv ACK of FIN'` finds every implementation. */
export const ARC = {
  PASSIVE_OPEN: 'passive OPEN / create TCB',
  ACTIVE_OPEN: 'active OPEN / create TCB, snd SYN',
  CLOSE_DELETE: 'CLOSE / delete TCB',
  RCV_SYN: 'rcv SYN / snd SYN,ACK',
  SEND_SYN: 'SEND / snd SYN',
  RCV_RST_NOTE1: 'rcv RST (note 1)',
  RCV_ACK_OF_SYN: 'rcv ACK of SYN',
  RCV_SYN_ACK: 'rcv SYN,ACK / snd ACK',
  CLOSE_SND_FIN: 'CLOSE / snd FIN',
  RCV_FIN: 'rcv FIN / snd ACK',
  RCV_ACK_OF_FIN: 'rcv ACK of FIN',
  TIMEOUT_2MSL: 'Timeout=2MSL / delete TCB',
  NOTE2: 'Note 2: rcv FIN, ACK of FIN / snd ACK',
  NOTE3_SND_RST: 'Note 3: snd RST',
  NOTE3_RCV_RST: 'Note 3: rcv RST',
  MIDSTREAM: 'observer: joined mid-stream',
} as const;
export type ArcLabel = (typeof ARC)[keyof typeof ARC];

/**
 * The server took the handshake's ACK, and the capture showed that ACK: not the arc a capture of one
 * direction infers (flow/connection.ts oneSided). The handshake's `ack` time and its round trip
 * are this arc's.
 */
export function isCapturedHandshakeAck(t: Transition): boolean {
  return t.to === 'ESTABLISHED' && t.arc === ARC.RCV_ACK_OF_SYN && t.evidence === 'observed';
}

/**
 * An endpoint's arrival in TIME_WAIT or CLOSED that a captured segment caused (not the 2×MSL
 * timeout's, nor an inferred one): what completes a close (analysis/digest.ts).
 */
export function isObservedCloseArc(t: Transition): boolean {
  return (t.to === 'TIME_WAIT' || t.to === 'CLOSED') && t.evidence === 'observed' && t.arc !== ARC.TIMEOUT_2MSL;
}

/** Every arc of Figure 5 (+ Notes 2 and 3), with whether a passive observer can ever produce it. */
export const FIGURE5_ARCS: ReadonlyArray<{ from: EndpointState; to: TcpState; arc: ArcLabel; observable: boolean }> = [
  { from: 'CLOSED', to: 'LISTEN', arc: ARC.PASSIVE_OPEN, observable: true },
  { from: 'CLOSED', to: 'SYN_SENT', arc: ARC.ACTIVE_OPEN, observable: true },
  { from: 'LISTEN', to: 'CLOSED', arc: ARC.CLOSE_DELETE, observable: false },
  { from: 'LISTEN', to: 'SYN_RECEIVED', arc: ARC.RCV_SYN, observable: true },
  { from: 'LISTEN', to: 'SYN_SENT', arc: ARC.SEND_SYN, observable: true },
  { from: 'SYN_SENT', to: 'CLOSED', arc: ARC.CLOSE_DELETE, observable: false },
  { from: 'SYN_SENT', to: 'SYN_RECEIVED', arc: ARC.RCV_SYN, observable: true },
  { from: 'SYN_SENT', to: 'ESTABLISHED', arc: ARC.RCV_SYN_ACK, observable: true },
  { from: 'SYN_RECEIVED', to: 'LISTEN', arc: ARC.RCV_RST_NOTE1, observable: true },
  { from: 'SYN_RECEIVED', to: 'ESTABLISHED', arc: ARC.RCV_ACK_OF_SYN, observable: true },
  { from: 'SYN_RECEIVED', to: 'FIN_WAIT_1', arc: ARC.CLOSE_SND_FIN, observable: true },
  { from: 'ESTABLISHED', to: 'FIN_WAIT_1', arc: ARC.CLOSE_SND_FIN, observable: true },
  { from: 'ESTABLISHED', to: 'CLOSE_WAIT', arc: ARC.RCV_FIN, observable: true },
  { from: 'FIN_WAIT_1', to: 'FIN_WAIT_2', arc: ARC.RCV_ACK_OF_FIN, observable: true },
  { from: 'FIN_WAIT_1', to: 'CLOSING', arc: ARC.RCV_FIN, observable: true },
  { from: 'FIN_WAIT_1', to: 'TIME_WAIT', arc: ARC.NOTE2, observable: true },
  { from: 'FIN_WAIT_2', to: 'TIME_WAIT', arc: ARC.RCV_FIN, observable: true },
  { from: 'CLOSE_WAIT', to: 'LAST_ACK', arc: ARC.CLOSE_SND_FIN, observable: true },
  { from: 'CLOSING', to: 'TIME_WAIT', arc: ARC.RCV_ACK_OF_FIN, observable: true },
  { from: 'LAST_ACK', to: 'CLOSED', arc: ARC.RCV_ACK_OF_FIN, observable: true },
  { from: 'TIME_WAIT', to: 'CLOSED', arc: ARC.TIMEOUT_2MSL, observable: true },
];

/**
 * Transition objects of retired connections, reused: a 90k-connection capture makes ~900k of
 * them, and each used to live long enough to be promoted and collected by a full GC.
 */
const spareTransitions: Transition[] = [];
const MAX_SPARE_TRANSITIONS = 1 << 16;

/**
 * Empties a history whose transitions nothing else holds (a retired connection's, after its report).
 * Popped one by one, not `list.length = 0`: V8 frees an array's backing store when its length is
 * set to 0, so the next connection's first transition allocated a new one, young, soon referenced
 * by an old endpoint, hence promoted: tracking the 1 GB benchmark capture promoted 43 MB instead of
 * 63 MB with pop() (`node --trace-gc-nvp`), which keeps the capacity the next connection needs.
 */
export function releaseTransitions(list: Transition[]): void {
  while (list.length > 0) {
    const t = list.pop()!;
    if (spareTransitions.length < MAX_SPARE_TRANSITIONS) spareTransitions.push(t);
  }
}

/**
 * The only writer of `ep.state`: appends the transition to the endpoint's history.
 * Always returns true (an allowed event), so arms can `return go(...)`.
 */
export function go(ep: MachineEndpoint, to: TcpState, arc: ArcLabel, frameNo: number, input: string, tNanos: number, evidence: Evidence = 'observed'): true {
  const t = spareTransitions.pop();
  if (t === undefined) ep.transitions.push({ from: ep.state, to, arc, frameNo, input, tNanos, evidence });
  else {
    t.from = ep.state; t.to = to; t.arc = arc; t.frameNo = frameNo; t.input = input; t.tNanos = tNanos; t.evidence = evidence;
    ep.transitions.push(t);
  }
  ep.state = to;
  return true;
}

/**
 * Undoes the transitions after the first `length`, newest first: arcs the flow layer inferred and
 * the capture then contradicted (flow/connection.ts, a SYN,ACK recorded after the ACK that
 * acknowledged it). The endpoint is back in the state the first of them left.
 */
export function takeBack(ep: MachineEndpoint, length: number): void {
  while (ep.transitions.length > length) {
    const t = ep.transitions.pop()!;
    ep.state = t.from;
    if (spareTransitions.length < MAX_SPARE_TRANSITIONS) spareTransitions.push(t);
  }
}

/**
 * go() at the event's frame and time. The time is read here, at each transition, rather than once
 * at the top of step(): a capture time past 2^31 ns is a double, and V8 boxed it as a new heap
 * number on every call of step() (twice a packet, 52 MB on the 1 GB benchmark capture) to have it
 * ready for whichever go() the switch would reach.
 */
function goOn(ep: MachineEndpoint, to: TcpState, arc: ArcLabel, ev: TcpEvent, evidence: Evidence = 'observed'): true {
  return go(ep, to, arc, ev.frameNo, ev.input, ev.tNanos, evidence);
}

/**
 * RST acceptability as the receiver would judge it, RFC 9293 §3.10.7.3 (SYN-SENT: acceptable iff
 * the ACK bit is set and SEG.ACK acknowledges our SYN, i.e. SND.UNA < SEG.ACK =< SND.NXT) and
 * §3.10.7.4 (other states: "a reset is valid if its sequence number is in the window",
 * RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, or SEG.SEQ = RCV.NXT when the window is zero). The
 * stricter RFC 5961 §3.2 exact match is a subset of this. CLOSED, LISTEN and UNKNOWN are not
 * judged here (the caller decides: a RST to CLOSED is discarded, §3.10.7.1).
 */
export function isRstAcceptable(
  receiverState: EndpointState,
  segSeq: number, segAck: number, hasAck: boolean,
  /** The receiver's ISS and SND.NXT (for SYN_SENT). */
  iss: number, sndNxt: number,
  /** The receiver's RCV.NXT and RCV.WND (scaled) as the observer reconstructs them. */
  rcvNxt: number, rcvWnd: number,
): boolean {
  if (receiverState === 'SYN_SENT') {
    if (!hasAck) return false;
    const d = (segAck - iss) | 0;
    return d > 0 && ((segAck - sndNxt) | 0) <= 0;
  }
  const d = (segSeq - rcvNxt) | 0;
  if (rcvWnd <= 0) return d === 0;
  return d >= 0 && d < rcvWnd;
}

/**
 * Feed one event to one endpoint. Returns false when Figure 5 does not allow the event in the
 * endpoint's current state ("event not allowed in state X"); the caller records that as data.
 * Duplicates and reordered segments find no arc and leave the state alone: states only move
 * forward along the figure's arcs.
 */
export function step(ep: MachineEndpoint, ev: TcpEvent): boolean {
  const snd = ev.dir === SND;
  // Note 3: "A RST can be sent from any state ... receipt of a RST from any state results in a
  // transition to LISTEN or CLOSED". Handled once, before the switch. The caller has already
  // judged acceptability (§3.10.7: an out-of-window RST is dropped by the receiver, so nobody moves).
  // Note 3 also allows the RST's sender to enter TIME-WAIT (RFC 1337 rationale); real stacks that
  // abort (Linux tcp_send_active_reset + tcp_done, SO_LINGER 0) go straight to CLOSED, as modelled.
  if (ev.rst) {
    if (!ev.rstAcceptable) return false;
    switch (ep.state) {
      case 'CLOSED': // a CLOSED endpoint answers with RST (§3.10.7.1) and discards RSTs: no arc
      case 'LISTEN': // a listener discards RSTs (§3.10.7.2) and sends none of its own here
        return true;
      case 'SYN_RECEIVED':
        // Note 1: back to LISTEN only if SYN-RECEIVED was reached by a passive OPEN
        if (!snd && cameFromListen(ep)) return goOn(ep, 'LISTEN', ARC.RCV_RST_NOTE1, ev);
        return goOn(ep, 'CLOSED', snd ? ARC.NOTE3_SND_RST : ARC.NOTE3_RCV_RST, ev);
      case 'SYN_SENT':
        // Its own RST answering an unacceptable ACK moves nothing (§3.10.7.3): SYN-SENT sends
        // <SEQ=SEG.ACK><CTL=RST> and waits on (Figure 9, an old duplicate SYN). One answering nothing
        // is an abort: RFC 9293's ABORT in SYN-SENT deletes the TCB and sends no RST (§3.10.5), as
        // Figure 5's CLOSE / delete TCB does; a stack that sent one had deleted it too (Zeek's
        // syn-then-rst.pcap), and the RST makes it Note 3's snd RST to CLOSED. A received one was
        // judged acceptable: CLOSED.
        if (snd) return ev.answersNothing ? goOn(ep, 'CLOSED', ARC.NOTE3_SND_RST, ev) : true;
        return goOn(ep, 'CLOSED', ARC.NOTE3_RCV_RST, ev);
      case 'UNKNOWN': // joined mid-stream: the RST is the first thing we know; a receiver's acceptance is assumed
        return goOn(ep, 'CLOSED', snd ? ARC.NOTE3_SND_RST : ARC.NOTE3_RCV_RST, ev, snd ? 'observed' : 'inferred');
      default:
        return goOn(ep, 'CLOSED', snd ? ARC.NOTE3_SND_RST : ARC.NOTE3_RCV_RST, ev);
    }
  }
  switch (ep.state) {
    case 'UNKNOWN':
      // observer-only: nothing of this endpoint seen yet, or the capture joined mid-stream
      if (ev.syn && ev.ack && snd) {
        goOn(ep, 'LISTEN', ARC.PASSIVE_OPEN, ev, 'inferred'); // answering a SYN the capture missed
        return goOn(ep, 'SYN_RECEIVED', ARC.RCV_SYN, ev);
      }
      if (ev.syn && ev.ack && !snd) {
        goOn(ep, 'SYN_SENT', ARC.ACTIVE_OPEN, ev, 'inferred'); // its SYN preceded the capture
        if (ev.acksOurSyn) return goOn(ep, 'ESTABLISHED', ARC.RCV_SYN_ACK, ev);
        return false;
      }
      if (ev.syn && snd) return goOn(ep, 'SYN_SENT', ARC.ACTIVE_OPEN, ev);
      if (ev.syn) return true; // a SYN to an endpoint we know nothing about: wait for its answer
      goOn(ep, 'ESTABLISHED', ARC.MIDSTREAM, ev, 'inferred'); // data/ACK flowing: synchronized
      return step(ep, ev); // then the segment itself, as ESTABLISHED sees it (e.g. a FIN)
    case 'CLOSED':
      if (snd && ev.syn && !ev.ack) return goOn(ep, 'SYN_SENT', ARC.ACTIVE_OPEN, ev); // active OPEN / create TCB, snd SYN
      if (snd && ev.syn && ev.ack) {
        goOn(ep, 'LISTEN', ARC.PASSIVE_OPEN, ev, 'inferred'); // passive OPEN: a listener is silent until it answers
        return goOn(ep, 'SYN_RECEIVED', ARC.RCV_SYN, ev); // rcv SYN / snd SYN,ACK (keyed by the visible SYN,ACK)
      }
      if (!snd) return true; // §3.10.7.1: CLOSED discards what it receives (and answers RST)
      return false; // a CLOSED endpoint sends nothing but RST
    case 'LISTEN':
      if (snd && ev.syn && ev.ack) return goOn(ep, 'SYN_RECEIVED', ARC.RCV_SYN, ev); // rcv SYN / snd SYN,ACK
      if (snd && ev.syn) return goOn(ep, 'SYN_SENT', ARC.SEND_SYN, ev); // SEND / snd SYN
      if (!snd && ev.syn && !ev.ack) return true; // another SYN, answered by the SYN,ACK we key on
      return !snd; // §3.10.7.2: anything else received is dropped; a listener sends nothing else
    case 'SYN_SENT':
      if (!snd && ev.syn && ev.ack && ev.acksOurSyn) return goOn(ep, 'ESTABLISHED', ARC.RCV_SYN_ACK, ev); // rcv SYN,ACK / snd ACK
      if (!snd && ev.syn && !ev.ack) return goOn(ep, 'SYN_RECEIVED', ARC.RCV_SYN, ev); // simultaneous open (Figure 7)
      if (snd && ev.syn && ev.ack) return goOn(ep, 'SYN_RECEIVED', ARC.RCV_SYN, ev); // answering a crossing SYN the capture missed
      if (snd && ev.syn) return true; // retransmitted SYN (same ISN: the flow layer checked)
      return false; // a SYN,ACK not acking our SYN (§3.10.7.3: answer RST), or data/FIN before synchronizing
    case 'SYN_RECEIVED':
      if (!snd && ev.acksOurSyn) {
        goOn(ep, 'ESTABLISHED', ARC.RCV_ACK_OF_SYN, ev); // rcv ACK of SYN
        if (ev.fin) return goOn(ep, 'CLOSE_WAIT', ARC.RCV_FIN, ev); // §3.10.7.4: ACK first, then the FIN bit
        return true;
      }
      if (snd && ev.fin) return goOn(ep, 'FIN_WAIT_1', ARC.CLOSE_SND_FIN, ev); // CLOSE / snd FIN
      if (ev.syn) return true; // retransmitted SYN (rcv) or SYN,ACK (snd)
      return snd; // our own ACKs/data are allowed; a received ACK not covering our SYN is not
    case 'ESTABLISHED':
      if (snd && ev.fin) return goOn(ep, 'FIN_WAIT_1', ARC.CLOSE_SND_FIN, ev); // CLOSE / snd FIN
      if (!snd && ev.fin) return goOn(ep, 'CLOSE_WAIT', ARC.RCV_FIN, ev); // rcv FIN / snd ACK
      return true; // data and ACKs; a late retransmitted SYN or SYN,ACK is answered by an ACK
    case 'FIN_WAIT_1':
      if (!snd && ev.fin && ev.acksOurFin) return goOn(ep, 'TIME_WAIT', ARC.NOTE2, ev); // Note 2
      if (!snd && ev.fin) return goOn(ep, 'CLOSING', ARC.RCV_FIN, ev); // rcv FIN / snd ACK
      if (!snd && ev.acksOurFin) return goOn(ep, 'FIN_WAIT_2', ARC.RCV_ACK_OF_FIN, ev); // rcv ACK of FIN
      return true; // our FIN retransmitted, data still arriving (half-close)
    case 'FIN_WAIT_2':
      if (!snd && ev.fin) return goOn(ep, 'TIME_WAIT', ARC.RCV_FIN, ev); // rcv FIN / snd ACK
      return true; // the peer may keep sending data: half-close (§3.6)
    case 'CLOSE_WAIT':
      if (snd && ev.fin) return goOn(ep, 'LAST_ACK', ARC.CLOSE_SND_FIN, ev); // CLOSE / snd FIN
      return true; // we may keep sending (half-close); a retransmitted FIN from the peer
    case 'CLOSING':
      if (!snd && ev.acksOurFin) return goOn(ep, 'TIME_WAIT', ARC.RCV_ACK_OF_FIN, ev); // rcv ACK of FIN
      return true;
    case 'LAST_ACK':
      if (!snd && ev.acksOurFin) return goOn(ep, 'CLOSED', ARC.RCV_ACK_OF_FIN, ev); // rcv ACK of FIN
      return true; // our FIN retransmitted
    case 'TIME_WAIT':
      return true; // §3.10.7.4: a retransmitted FIN is ACKed again and restarts the 2MSL timer
    default:
      return assertNever(ep.state);
  }
}

/** Timeout=2MSL / delete TCB: inferred, since a timer leaves no trace on the wire. */
export function expireTimeWait(ep: MachineEndpoint, frameNo: number, input: string, tNanos: number): void {
  if (ep.state === 'TIME_WAIT') go(ep, 'CLOSED', ARC.TIMEOUT_2MSL, frameNo, input, tNanos, 'inferred');
}

function cameFromListen(ep: MachineEndpoint): boolean {
  for (let i = ep.transitions.length - 1; i >= 0; i--) {
    const tr = ep.transitions[i];
    if (tr.to === 'SYN_RECEIVED') return tr.from === 'LISTEN';
  }
  return false;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected state ${String(x)}`);
}
