/**
 * Handshake, data and close phases of one connection, read from the endpoints' transition
 * histories and counters. Nothing here recomputes a state: if an arc is not in the history, the
 * phase did not happen as far as the capture shows.
 */
import type { Anomaly } from './catalog.js';
import type { CloseKind, HandshakeOutcome, Role } from '../report/model.js';
import { isSynchronized, type ConnectionFacts } from '../flow/connection.js';
import type { Endpoint } from '../flow/endpoint.js';
import { ARC, type Transition } from '../tcp/machine.js';
import type { TcpState } from '../tcp/state.js';

/** The first transition, at or after index `from`, that satisfies `pred`. */
export function findTransition(ep: Endpoint, pred: (t: Transition) => boolean, from = 0): Transition | null {
  const tr = ep.transitions;
  for (let i = from; i < tr.length; i++) if (pred(tr[i])) return tr[i];
  return null;
}

export function reached(ep: Endpoint, state: TcpState): Transition | null {
  for (const t of ep.transitions) if (t.to === state) return t;
  return null;
}

/** The first transition, at or after index `from`, taking this arc. */
export function firstArc(ep: Endpoint, arc: string, from = 0): Transition | null {
  const tr = ep.transitions;
  for (let i = from; i < tr.length; i++) if (tr[i].arc === arc) return tr[i];
  return null;
}

// Predicates as module constants: an arrow written inline is a new closure per call, and these run
// several times for each of the 90k connections of the benchmark capture.
const isSimOpenArc = (t: Transition): boolean => t.from === 'SYN_SENT' && t.to === 'SYN_RECEIVED';
const isRefusedArc = (t: Transition): boolean => t.from === 'SYN_SENT' && t.arc === ARC.NOTE3_RCV_RST;
export const isAbortArc = (t: Transition): boolean => (t.from === 'SYN_SENT' || t.from === 'SYN_RECEIVED') && t.arc === ARC.NOTE3_SND_RST;

const isRstArc = (t: Transition): boolean => t.arc === ARC.NOTE3_SND_RST || t.arc === ARC.NOTE3_RCV_RST || t.arc === ARC.RCV_RST_NOTE1;

/**
 * Where the endpoint's last opening starts: the index of its last transition out of CLOSED or
 * LISTEN into a connection state, when every attempt before it was reset before it was
 * synchronized; else 0. An endpoint reset during the handshake can open again on the same ISN
 * (one connection, see the tracker's startsNewConnection), and the earlier attempt's RST then says
 * nothing about how the connection went. A connection that was established and then reset stays
 * reset, whatever SYNs follow.
 */
export function lastOpening(ep: Endpoint): number {
  const tr = ep.transitions;
  for (let i = tr.length - 1; i > 0; i--) {
    const t = tr[i];
    if ((t.from === 'CLOSED' || t.from === 'LISTEN') && t.to !== 'CLOSED' && t.to !== 'LISTEN') {
      for (let j = 0; j < i; j++) if (isSynchronized(tr[j].to)) return 0;
      return i;
    }
  }
  return 0;
}

/** The accepted RST that ended the connection, if any: its transitions and who sent it. */
export interface ResetInfo {
  by: Role | 'both' | null;
  at: Transition | null;
  state: string | null;
  /**
   * When the reset ended both endpoints: `at`, unless its receiver's arc there was taken back (the
   * RST lost past the capture point, Connection.rstLost): then its next RST arc, received or sent,
   * or null when none came (the receiver still holds the connection: the close did not complete).
   */
  closedAt: Transition | null;
}

export function resetInfo(c: ConnectionFacts): ResetInfo {
  let byClient = false;
  let byServer = false;
  let at: Transition | null = null;
  let atOnClient = false;
  let state: string | null = null;
  for (let side = 0; side < 2; side++) {
    const isClient = side === 0;
    const ep = isClient ? c.client : c.server;
    const tr = ep.transitions;
    for (let i = lastOpening(ep); i < tr.length; i++) {
      const t = tr[i];
      // A RST received in TIME_WAIT ends nothing (RFC 1337). One sent from it counts when it reset a
      // peer not in TIME_WAIT (an abortive answer to the peer's FIN): the state it left is then
      // TIME_WAIT, not the peer's (helper-53 audit: "reset by the client in LAST_ACK").
      if (!isRstArc(t)) continue;
      if (t.from === 'TIME_WAIT' && (t.arc !== ARC.NOTE3_SND_RST || !resetPeer(isClient ? c.server : c.client, t))) continue;
      // Who sent it: this endpoint for `snd RST`, else its peer.
      const senderIsClient = t.arc === ARC.NOTE3_SND_RST ? isClient : !isClient;
      if (senderIsClient) byClient = true;
      else byServer = true;
      // The first RST; of its two arcs, the sender's: `state` is the state the sender left.
      const sent = t.arc === ARC.NOTE3_SND_RST;
      if (at === null || t.tNanos < at.tNanos || (sent && t.tNanos === at.tNanos && t.frameNo === at.frameNo)) { at = t; atOnClient = isClient; state = t.from; }
    }
  }
  let closedAt = at;
  if (at !== null && at.arc === ARC.NOTE3_SND_RST) {
    const first = at;
    const receiver = atOnClient ? c.server : c.client;
    const rcvTr = receiver.transitions;
    if (!rcvTr.some((t) => t.frameNo === first.frameNo && t.input === first.input && isRstArc(t))) {
      // Its own RST too: a receiver that never got the RST may abort in its turn (helper-114 review).
      const later = rcvTr.find((t) => (t.arc === ARC.NOTE3_RCV_RST || t.arc === ARC.NOTE3_SND_RST) && t.tNanos >= first.tNanos);
      if (later !== undefined) closedAt = later;
      else if (isSynchronized(receiver.state) && receiver.state !== 'TIME_WAIT') closedAt = null;
    }
  }
  return { by: byClient && byServer ? 'both' : byClient ? 'client' : byServer ? 'server' : null, at, state, closedAt };
}

/** Did the RST `sent` leave its receiver `peer` reset: its arc at that frame, from a state other than TIME_WAIT? */
function resetPeer(peer: Endpoint, sent: Transition): boolean {
  for (const t of peer.transitions) {
    if (t.frameNo === sent.frameNo && t.input === sent.input && isRstArc(t)) return t.from !== 'TIME_WAIT';
  }
  return false;
}

export function handshakeOutcome(c: ConnectionFacts): HandshakeOutcome {
  const cl = c.client;
  const sv = c.server;
  if (!cl.synSeen && !sv.synSeen) return 'not_seen';
  // One direction captured (an endpoint without a single packet, and loss noted): the handshake's
  // other half is not in the capture, so no verdict on it (not synack_unacked, not no_answer).
  if (c.captureLoss && (cl.packets === 0 || sv.packets === 0)) return 'not_seen';
  const simOpen = findTransition(cl, isSimOpenArc) || findTransition(sv, isSimOpenArc);
  const clientEst = reached(cl, 'ESTABLISHED');
  const serverEst = reached(sv, 'ESTABLISHED') ?? closedBeforeAckOfSyn(c, sv);
  if (simOpen) return 'simultaneous_open';
  if (clientEst && serverEst) {
    // A capture of one direction (flow/connection.ts oneSided): a SYN,ACK or an ACK never captured.
    // The only SYN,ACK captured acknowledged other than the SYN (BAD_HANDSHAKE_ACK): as in order.
    if (isOneSidedArc(clientEst) || isOneSidedArc(serverEst)) return c.badHandshakeAck ? 'bad_ack' : 'not_seen';
    // Joined mid-stream, the SYN recorded after the data: complete only if its SYN,ACK was captured.
    if ((clientEst.evidence === 'inferred' || serverEst.evidence === 'inferred') && c.firstSynAckNanos < 0) return 'not_seen';
    return 'complete';
  }
  // Refused or aborted in the last opening: an attempt reset before it was answered again.
  const clFrom = lastOpening(cl);
  const svFrom = lastOpening(sv);
  const refused = findTransition(cl, isRefusedArc, clFrom);
  if (refused && !reached(sv, 'SYN_RECEIVED')) return 'refused';
  // A server sent back to LISTEN (Note 1) by a RST its client sent from SYN_SENT, after a SYN,ACK
  // that acknowledged the wrong number, was not given up on: SYN_SENT sends a RST only as the
  // answer RFC 9293 §3.10.7.3 requires to an unacceptable ACK (<SEQ=SEG.ACK><CTL=RST>; closing a
  // connecting socket sends nothing), so the handshake failed on the bad ACK. A client that had
  // taken a good SYN,ACK (ESTABLISHED, in this attempt) and then reset gave up: aborted.
  const note1 = firstArc(sv, ARC.RCV_RST_NOTE1, svFrom);
  const answeredBadAck = note1 !== null && c.badHandshakeAck && stateBefore(cl, note1) === 'SYN_SENT';
  const aborted = findTransition(cl, isAbortArc, clFrom) || (!answeredBadAck && note1);
  if (aborted) return 'aborted';
  if (refused) return 'refused';
  if (c.badHandshakeAck) return 'bad_ack';
  if (reached(sv, 'SYN_RECEIVED') || clientEst) return 'synack_unacked';
  // The client went on to acknowledge a SYN,ACK the capture never showed (one direction only): it
  // was answered, so not 'no_answer' (and no HALF_OPEN); the capture did not show the handshake.
  if (synAckUnseen(c)) return 'not_seen';
  // Answered, but by ICMP errors (a REJECT, no route): not HALF_OPEN's "never answered".
  if (c.anomalies?.some(isIcmpAboutClientSyn) === true) return 'unreachable';
  return 'no_answer';
}

export const isIcmpAboutClientSyn = (a: Anomaly): boolean => a.code === 'ICMP_ERROR' && a.endpoint === 0 && a.details.syn === true;

/**
 * A server that closed in SYN_RECEIVED (CLOSE → FIN_WAIT_1; Fast Open lets an application do that)
 * never reaches ESTABLISHED, yet its handshake completed once its client acknowledged its SYN (Zeek:
 * SF): that close, when a client segment acknowledged the SYN, not past what the server had sent
 * (an ACK of something never sent is dropped), before any RST was accepted (an ACK after a RST
 * completes nothing). It read synack_unacked; reviews 59-63 refined when the ACK counts, and the
 * arcs could not tell (a bare ACK of the SYN moves none), so the tracker notes it (serverSynAcked).
 */
function closedBeforeAckOfSyn(c: ConnectionFacts, sv: Endpoint): Transition | null {
  const close = firstArc(sv, ARC.CLOSE_SND_FIN);
  return close !== null && close.from === 'SYN_RECEIVED' && c.serverSynAcked ? close : null;
}

/** The endpoint's state just before its peer's transition `at` (by capture time, then frame); null before its first. */
function stateBefore(ep: Endpoint, at: Transition): TcpState | null {
  let state: TcpState | null = null;
  for (const t of ep.transitions) {
    if (t.tNanos > at.tNanos || (t.tNanos === at.tNanos && t.frameNo >= at.frameNo)) break;
    state = t.to;
  }
  return state;
}

/** A handshake arc inferred from a capture of one direction (flow/connection.ts oneSided). */
const isOneSidedArc = (t: Transition): boolean => t.evidence === 'inferred' && (t.arc === ARC.RCV_SYN_ACK || t.arc === ARC.RCV_ACK_OF_SYN);

/** CAPTURE_LOSS `syn_ack_unseen` was noted (flow/connection.ts). */
function synAckUnseen(c: ConnectionFacts): boolean {
  return c.anomalies?.some((a) => a.code === 'CAPTURE_LOSS' && a.details.kind === 'syn_ack_unseen') ?? false;
}

/**
 * Nanoseconds spent in `state` (first entry to leaving it, or to `endNanos` when never left) and the
 * entry (`from`); null if never entered. The entry is its arc's, except for CLOSE_WAIT entered
 * before the delayed ACK that showed it (Endpoint.closeWaitFromNanos). In nanoseconds: the report
 * rounds spans to the capture's unit (clock.ts seconds()).
 */
export function timeInState(ep: Endpoint, state: TcpState, endNanos: number): { nanos: number; atEnd: boolean; from: number } | null {
  const tr = ep.transitions;
  for (let i = 0; i < tr.length; i++) {
    if (tr[i].to !== state) continue;
    const from = state === 'CLOSE_WAIT' && ep.closeWaitFromNanos >= 0 ? ep.closeWaitFromNanos : tr[i].tNanos;
    const left = i + 1 < tr.length ? tr[i + 1].tNanos : -1;
    return left >= 0 ? { nanos: left - from, atEnd: false, from } : { nanos: endNanos - from, atEnd: true, from };
  }
  return null;
}

/** The endpoint holds no connection any more (CLOSED, TIME_WAIT, or back to LISTEN). */
export const isDone = (s: string): boolean => s === 'CLOSED' || s === 'TIME_WAIT' || s === 'LISTEN';

/** `rst`: resetInfo(c), when the caller already has it. */
export function closeKind(c: ConnectionFacts, rst: ResetInfo = resetInfo(c)): { kind: CloseKind; initiator: Role | 'both' | null } {
  const synced = reached(c.client, 'ESTABLISHED') || reached(c.server, 'ESTABLISHED');
  if (rst.by !== null && synced) return { kind: 'reset', initiator: rst.by };
  const finC = firstArc(c.client, ARC.CLOSE_SND_FIN);
  const finS = firstArc(c.server, ARC.CLOSE_SND_FIN);
  const initiator: Role | 'both' | null = finC && finS
    ? (finC.tNanos < finS.tNanos || (finC.tNanos === finS.tNanos && finC.frameNo < finS.frameNo) ? 'client' : 'server')
    : finC ? 'client' : finS ? 'server' : null;
  if (reached(c.client, 'CLOSING') || reached(c.server, 'CLOSING')) return { kind: 'simultaneous', initiator: 'both' };
  if (finC && finS) {
    if (!isDone(c.client.state) || !isDone(c.server.state)) return { kind: 'incomplete', initiator };
    const piggy = firstArc(c.client, ARC.NOTE2) || firstArc(c.server, ARC.NOTE2);
    return { kind: piggy ? 'three_way' : 'four_way', initiator };
  }
  if (finC || finS) return { kind: 'half_closed', initiator };
  return { kind: 'none', initiator: null };
}
