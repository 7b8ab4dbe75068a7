/**
 * Handshake, data and close phases of one connection, read from the endpoints' transition
 * histories and counters. Nothing here recomputes a state: if an arc is not in the history, the
 * phase did not happen as far as the capture shows.
 */
import type { CloseKind, CloseReport, DataReport, DirectionData, HandshakeOutcome, HandshakeReport, Role } from '../report/model.js';
import type { ConnectionFacts } from '../flow/connection.js';
import type { Endpoint } from '../flow/endpoint.js';
import { ARC, type Transition } from '../tcp/machine.js';
import type { TcpState } from '../tcp/state.js';

export function findTransition(ep: Endpoint, pred: (t: Transition) => boolean): Transition | null {
  for (const t of ep.transitions) if (pred(t)) return t;
  return null;
}

export function reached(ep: Endpoint, state: TcpState): Transition | null {
  for (const t of ep.transitions) if (t.to === state) return t;
  return null;
}

/** The first transition taking this arc. */
function firstArc(ep: Endpoint, arc: string): Transition | null {
  for (const t of ep.transitions) if (t.arc === arc) return t;
  return null;
}

// Predicates as module constants: an arrow written inline is a new closure per call, and these run
// several times for each of the 90k connections of the benchmark capture.
const isSimOpenArc = (t: Transition): boolean => t.from === 'SYN_SENT' && t.to === 'SYN_RECEIVED';
const isRefusedArc = (t: Transition): boolean => t.from === 'SYN_SENT' && t.arc === ARC.NOTE3_RCV_RST;
const isAbortArc = (t: Transition): boolean => (t.from === 'SYN_SENT' || t.from === 'SYN_RECEIVED') && t.arc === ARC.NOTE3_SND_RST;
const isHandshakeAckArc = (t: Transition): boolean => t.to === 'ESTABLISHED' && t.arc === ARC.RCV_ACK_OF_SYN;
const isObservedCloseArc = (x: Transition): boolean => (x.to === 'TIME_WAIT' || x.to === 'CLOSED') && x.evidence === 'observed' && x.arc !== ARC.TIMEOUT_2MSL;

const isRstArc = (t: Transition): boolean => t.arc === ARC.NOTE3_SND_RST || t.arc === ARC.NOTE3_RCV_RST || t.arc === ARC.RCV_RST_NOTE1;

/** The accepted RST that ended the connection, if any: its transitions and who sent it. */
export interface ResetInfo { by: Role | 'both' | null; at: Transition | null; state: string | null }

export function resetInfo(c: ConnectionFacts): ResetInfo {
  let byClient = false;
  let byServer = false;
  let at: Transition | null = null;
  let state: string | null = null;
  for (let side = 0; side < 2; side++) {
    const isClient = side === 0;
    for (const t of (isClient ? c.client : c.server).transitions) {
      if (!isRstArc(t) || t.from === 'TIME_WAIT') continue; // a RST in TIME_WAIT ends nothing (RFC 1337)
      // Who sent it: this endpoint for `snd RST`, else its peer.
      const senderIsClient = t.arc === ARC.NOTE3_SND_RST ? isClient : !isClient;
      if (senderIsClient) byClient = true;
      else byServer = true;
      if (at === null || t.tNanos < at.tNanos) { at = t; state = t.from; }
    }
  }
  return { by: byClient && byServer ? 'both' : byClient ? 'client' : byServer ? 'server' : null, at, state };
}

export function handshakeOutcome(c: ConnectionFacts): HandshakeOutcome {
  const cl = c.client;
  const sv = c.server;
  if (!cl.synSeen && !sv.synSeen) return 'not_seen';
  const simOpen = findTransition(cl, isSimOpenArc) || findTransition(sv, isSimOpenArc);
  const clientEst = reached(cl, 'ESTABLISHED');
  const serverEst = reached(sv, 'ESTABLISHED');
  if (simOpen) return 'simultaneous_open';
  if (clientEst && serverEst) return 'complete';
  const refused = findTransition(cl, isRefusedArc);
  if (refused && !reached(sv, 'SYN_RECEIVED')) return 'refused';
  const aborted = findTransition(cl, isAbortArc) || firstArc(sv, ARC.RCV_RST_NOTE1);
  if (aborted) return 'aborted';
  if (refused) return 'refused';
  if (c.badHandshakeAck) return 'bad_ack';
  if (reached(sv, 'SYN_RECEIVED') || clientEst) return 'synack_unacked';
  return 'no_answer';
}

/** Renders capture nanoseconds as ISO-8601 (analysis/iso.ts). */
export type IsoOf = (tNanos: number) => string;

/** `outcome`: handshakeOutcome(c), when the caller already has it. */
export function handshakeReport(c: ConnectionFacts, iso: IsoOf, outcome: HandshakeOutcome = handshakeOutcome(c)): HandshakeReport {
  const opt = (n: number): string | null => (n >= 0 ? iso(n) : null);
  // A span whose ends were captured out of order (e.g. the SYN/ACK before the SYN) is not
  // measurable from this capture: null rather than a negative time.
  const sec = (a: number, b: number): number | null => (a >= 0 && b >= a ? (b - a) / 1e9 : null);
  const ackT = findTransition(c.server, isHandshakeAckArc);
  const ackNanos = ackT ? ackT.tNanos : -1;
  const lastSynToSynAck = sec(c.lastSynNanos, c.firstSynAckNanos);
  const synAckToAck = sec(c.lastSynAckNanos, ackNanos);
  return {
    outcome,
    syn: opt(c.firstSynNanos),
    synAck: opt(c.firstSynAckNanos),
    ack: opt(ackNanos),
    synFrame: c.firstSynNanos >= 0 ? c.firstSynFrame : null,
    synAckFrame: c.firstSynAckNanos >= 0 ? c.firstSynAckFrame : null,
    ackFrame: ackT ? ackT.frameNo : null,
    synCount: c.client.synCount,
    synAckCount: c.server.synAckCount,
    synBackoff: (c.synBackoffNanos ?? []).map((n) => n / 1e9),
    rtt: {
      synToSynAck: sec(c.firstSynNanos, c.firstSynAckNanos),
      lastSynToSynAck,
      synAckToAck,
      total: lastSynToSynAck !== null && synAckToAck !== null ? lastSynToSynAck + synAckToAck : null,
    },
    duration: sec(c.firstSynNanos, ackNanos),
  };
}

function direction(ep: Endpoint, iso: IsoOf): DirectionData {
  return {
    packets: ep.packets,
    bytes: ep.bytes,
    retransmittedBytes: ep.retransBytes,
    retransmittedPackets: ep.retransPackets,
    firstData: ep.firstDataNanos >= 0 ? iso(ep.firstDataNanos) : null,
    lastData: ep.lastDataNanos >= 0 ? iso(ep.lastDataNanos) : null,
  };
}

export function dataReport(c: ConnectionFacts, iso: IsoOf): DataReport {
  return {
    client: direction(c.client, iso),
    server: direction(c.server, iso),
    timeToFirstByte: c.serverReplyNanos >= 0 ? (c.serverReplyNanos - c.client.firstDataNanos) / 1e9 : null,
  };
}

/** Seconds spent in `state` (first entry to leaving it, or to `endNanos` when never left); null if never entered. */
export function timeInState(ep: Endpoint, state: TcpState, endNanos: number): { seconds: number; atEnd: boolean } | null {
  const tr = ep.transitions;
  for (let i = 0; i < tr.length; i++) {
    if (tr[i].to !== state) continue;
    const left = i + 1 < tr.length ? tr[i + 1].tNanos : -1;
    return left >= 0 ? { seconds: (left - tr[i].tNanos) / 1e9, atEnd: false } : { seconds: (endNanos - tr[i].tNanos) / 1e9, atEnd: true };
  }
  return null;
}

const isDone = (s: string): boolean => s === 'CLOSED' || s === 'TIME_WAIT' || s === 'LISTEN';

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

/** `rst`: resetInfo(c), when the caller already has it. */
export function closeReport(c: ConnectionFacts, endNanos: number, iso: IsoOf, rst: ResetInfo = resetInfo(c)): CloseReport {
  const { kind, initiator } = closeKind(c, rst);
  // The earlier of the two FINs (ties: the lower frame).
  const finC = firstArc(c.client, ARC.CLOSE_SND_FIN);
  const finS = firstArc(c.server, ARC.CLOSE_SND_FIN);
  const firstFin = finC === null ? finS : finS === null ? finC
    : finS.tNanos - finC.tNanos < 0 || (finS.tNanos === finC.tNanos && finS.frameNo < finC.frameNo) ? finS : finC;
  // Completion: the later of the two endpoints' arrival in CLOSED/TIME_WAIT (observed arcs only),
  // or the RST for a reset.
  let completed: Transition | null = null;
  if (kind === 'reset') completed = rst.at;
  else if (kind === 'four_way' || kind === 'three_way' || (kind === 'simultaneous' && isDone(c.client.state) && isDone(c.server.state))) {
    for (const ep of [c.client, c.server]) {
      const t = findTransition(ep, isObservedCloseArc);
      if (t && (completed === null || t.tNanos > completed.tNanos)) completed = t;
    }
  }
  const secs = (ep: Endpoint, s: TcpState): number | null => timeInState(ep, s, endNanos)?.seconds ?? null;
  const tw = (ep: Endpoint): { enteredAt: string | null; heldAtEnd: boolean } => {
    const t = reached(ep, 'TIME_WAIT');
    return { enteredAt: t ? iso(t.tNanos) : null, heldAtEnd: ep.state === 'TIME_WAIT' };
  };
  return {
    kind,
    initiator,
    resetBy: rst.by,
    firstFin: firstFin ? iso(firstFin.tNanos) : null,
    firstFinFrame: firstFin ? firstFin.frameNo : null,
    completed: completed ? iso(completed.tNanos) : null,
    duration: completed && firstFin ? (completed.tNanos - firstFin.tNanos) / 1e9 : null,
    finWait2: { client: secs(c.client, 'FIN_WAIT_2'), server: secs(c.server, 'FIN_WAIT_2') },
    closeWait: { client: secs(c.client, 'CLOSE_WAIT'), server: secs(c.server, 'CLOSE_WAIT') },
    timeWait: { client: tw(c.client), server: tw(c.server) },
  };
}
