/**
 * What a finished connection's report says, worked out once, before any report object or string
 * is made: the end-of-record detectors have run, the anomalies are sorted and worded, and the
 * handshake and close phases are numbers and words, with instants kept as capture nanoseconds
 * (NO_TIME = none, rendered as null).
 *
 * Two renderings read a digest and the connection beside it:
 * - connection-report.ts builds the ConnectionReport (library users, every format);
 * - report/ndjson-facts.ts writes the NDJSON line's bytes straight from them (the CLI's streaming
 *   NDJSON: no objects or time strings per connection).
 * Every value that needs a rule (what is null, which transition counts) is decided here, so the
 * two cannot disagree; a differential test holds them to the same bytes.
 */
import { seconds, type CaptureClock } from '../capture/clock.js';
import {
  STAMP_ACK_ARC, STAMP_CLOSE_WAIT_CLIENT, STAMP_CLOSE_WAIT_SERVER, STAMP_EARLY_ACK, STAMP_FIN_WAIT_2_CLIENT, STAMP_FIN_WAIT_2_SERVER, STAMP_REPLY, STAMP_SYN,
  STAMP_SYN_ACK, type ConnectionFacts,
} from '../flow/connection.js';
import type { Endpoint } from '../flow/endpoint.js';
import type { AnomalyReport, CloseKind, EndReason, HandshakeOutcome, Role, Settings } from '../report/model.js';
import type { Transition } from '../tcp/machine.js';
import { ARC, isCapturedHandshakeAck, isObservedCloseArc } from '../tcp/machine.js';
import type { TcpState } from '../tcp/state.js';
import { ANOMALIES, ANOMALY_CODES, type Anomaly, type AnomalyCode } from './catalog.js';
import { detectConnectionAnomalies } from './detect.js';
import { IsoFormatter } from './iso.js';
import { anomalyMessage } from './messages.js';
import { closeKind, findTransition, firstArc, handshakeOutcome, isDone, lastOpening, reached, resetInfo, timeInState } from './phases.js';

/**
 * An instant that did not happen (null in the report). Not -1: capture times are relative to the
 * first packet, so a packet stamped earlier than it has a negative time, which prints where the
 * report has always printed it (firstSeen, transitions, FIN, completion, TIME_WAIT); the handshake
 * and data instants keep the flow layer's older rule, negative = never (`seen`).
 */
export const NO_TIME = -Infinity;

/** The flow layer's "never" (-1, any negative) as NO_TIME. */
const seen = (tNanos: number): number => (tNanos >= 0 ? tNanos : NO_TIME);

const CODE_ORDER = new Map(ANOMALY_CODES.map((c, i) => [c, i]));

/** The arrival `t` was taken from a record stamped backwards (frames restart in each input: both compared). */
const isBackClient = (c: ConnectionFacts, t: Transition): boolean => t.frameNo === c.backCloseFrameClient && t.input === c.backCloseInputClient;
const isBackServer = (c: ConnectionFacts, t: Transition): boolean => t.frameNo === c.backCloseFrameServer && t.input === c.backCloseInputServer;

/** A span whose ends were captured out of order (the SYN/ACK before the SYN) is not measurable: null, not a negative time. */
function sec(a: number, b: number, unitNanos: number): number | null {
  return a >= 0 && b >= a ? seconds(b - a, unitNanos) : null;
}

function secondsIn(ep: Endpoint, state: TcpState, endNanos: number, unitNanos: number): number | null {
  const held = timeInState(ep, state, endNanos);
  return held === null ? null : seconds(held.nanos, unitNanos);
}

export class ConnectionDigest {
  c!: ConnectionFacts;
  ended!: EndReason;
  iso!: IsoFormatter;
  /**
   * The unit of the connection's times (CaptureClock.unitFor: its input's precision, e.g. 1000
   * for a µs capture): `iso` rounds every instant to it, every span below is rounded to it
   * (clock.ts seconds()), and the renderings round the few they compute themselves.
   */
  unitNanos = 1000;
  /** lastSeen − firstSeen, and the portReuse gap (null without one), in seconds. */
  duration = 0;
  portReuseGap: number | null = null;
  /** Sorted by frame, then catalog order, then endpoint; messages worded. */
  anomalies: AnomalyReport[] = [];

  // handshake
  outcome!: HandshakeOutcome;
  synNanos = NO_TIME;
  synAckNanos = NO_TIME;
  ackNanos = NO_TIME;
  synFrame: number | null = null;
  synAckFrame: number | null = null;
  ackFrame: number | null = null;
  /** The input each frame counts in when it is not the connection's `input` (else null: the key is left out). */
  synInput: string | null = null;
  synAckInput: string | null = null;
  ackInput: string | null = null;
  synToSynAck: number | null = null;
  lastSynToSynAck: number | null = null;
  synAckToAck: number | null = null;
  rttTotal: number | null = null;
  handshakeDuration: number | null = null;

  // data
  clientFirstData = NO_TIME;
  clientLastData = NO_TIME;
  serverFirstData = NO_TIME;
  serverLastData = NO_TIME;
  timeToFirstByte: number | null = null;

  // close
  closeKind!: CloseKind;
  initiator: Role | 'both' | null = null;
  resetBy: Role | 'both' | null = null;
  firstFinNanos = NO_TIME;
  firstFinFrame: number | null = null;
  firstFinInput: string | null = null;
  completedNanos = NO_TIME;
  closeDuration: number | null = null;
  finWait2Client: number | null = null;
  finWait2Server: number | null = null;
  closeWaitClient: number | null = null;
  closeWaitServer: number | null = null;
  timeWaitClientNanos = NO_TIME;
  timeWaitServerNanos = NO_TIME;
}

/**
 * Runs the end-of-record detectors on `c` (once per connection: they add its anomalies) and fills
 * `d` from it. `d` may be reused for the next connection once its renderings are done. `unit`:
 * the unit of the connection's times, when the clock does not know its inputs (a connection
 * shipped from the reading worker, which does).
 */
export function digestConnection(c: ConnectionFacts, ended: EndReason, endNanos: number, clock: CaptureClock, settings: Settings,
  d: ConnectionDigest = new ConnectionDigest(), unit = clock.unitFor(c.input, c.lastInput)): ConnectionDigest {
  const outcome = handshakeOutcome(c);
  const rst = resetInfo(c);
  detectConnectionAnomalies(c, ended, endNanos, settings, unit, outcome, rst);
  const fmt = IsoFormatter.of(clock, unit);
  d.c = c;
  d.ended = ended;
  d.iso = fmt;
  d.unitNanos = unit;
  d.anomalies = anomalyReports(c, fmt, unit);
  d.duration = seconds(c.lastNanos - c.firstNanos, unit);
  d.portReuseGap = c.portReusePrevId > 0 ? seconds(c.portReuseGapNanos, unit) : null;

  d.outcome = outcome;
  const ackT = findTransition(c.server, isCapturedHandshakeAck);
  // An ACK captured before its SYN,ACK: the arc was taken at the SYN,ACK, the ACK is the earlier segment.
  const early = ackT !== null && c.earlyAckNanos >= 0;
  const ackNanos = ackT === null ? -1 : early ? c.earlyAckNanos : ackT.tNanos;
  d.synNanos = seen(c.firstSynNanos);
  d.synAckNanos = seen(c.firstSynAckNanos);
  d.ackNanos = ackT ? seen(ackNanos) : NO_TIME;
  d.synFrame = c.firstSynNanos >= 0 ? c.firstSynFrame : null;
  d.synAckFrame = c.firstSynAckNanos >= 0 ? c.firstSynAckFrame : null;
  d.ackFrame = ackT === null ? null : early ? c.earlyAckFrame : ackT.frameNo;
  d.synInput = c.firstSynNanos >= 0 ? otherInput(c, c.firstSynInput) : null;
  d.synAckInput = c.firstSynAckNanos >= 0 ? otherInput(c, c.firstSynAckInput) : null;
  d.ackInput = ackT === null ? null : otherInput(c, early ? c.earlyAckInput : ackT.input);
  // Only when a SYN came before the SYN/ACK (lastSynNanos is set only then, so the two agree): a
  // SYN recorded after its SYN/ACK but stamped earlier is taken at the SYN/ACK's time (a connection's
  // clock never runs backwards), which read as a 0 s SYN → SYN/ACK.
  // No span to or from a point a record stamped earlier than one before it set (stampedBack): it
  // was taken at the latest time seen, and the span would read 0 s or too short.
  const back = c.stampedBack;
  const synBack = (back & STAMP_SYN) !== 0;
  const synAckBack = (back & STAMP_SYN_ACK) !== 0;
  const ackBack = (back & (early ? STAMP_EARLY_ACK : STAMP_ACK_ARC)) !== 0;
  d.synToSynAck = c.lastSynNanos >= 0 && !synBack && !synAckBack ? sec(c.firstSynNanos, c.firstSynAckNanos, unit) : null;
  d.lastSynToSynAck = synBack || synAckBack ? null : sec(c.lastSynNanos, c.firstSynAckNanos, unit);
  // Not for an ACK recorded before its SYN,ACK, whatever the stamps say (as for a SYN after its SYN/ACK).
  d.synAckToAck = early || synAckBack || ackBack ? null : sec(c.lastSynAckNanos, ackNanos, unit);
  // Summed in integer nanoseconds, then divided once: the sum of the two halves in seconds printed
  // float noise (0.048223999999999996 for 48.224 ms).
  d.rttTotal = d.lastSynToSynAck !== null && d.synAckToAck !== null
    ? seconds(c.firstSynAckNanos - c.lastSynNanos + (ackNanos - c.lastSynAckNanos), unit)
    : null;
  d.handshakeDuration = synBack || ackBack ? null : sec(c.firstSynNanos, ackNanos, unit);

  d.clientFirstData = seen(c.client.firstDataNanos);
  d.clientLastData = seen(c.client.lastDataNanos);
  d.serverFirstData = seen(c.server.firstDataNanos);
  d.serverLastData = seen(c.server.lastDataNanos);
  d.timeToFirstByte = c.serverReplyNanos >= 0 && (back & STAMP_REPLY) === 0 ? seconds(c.serverReplyNanos - c.client.firstDataNanos, unit) : null;

  const { kind, initiator } = closeKind(c, rst);
  d.closeKind = kind;
  d.initiator = initiator;
  d.resetBy = rst.by;
  // The earlier of the two FINs (ties: the lower frame).
  const finC = firstArc(c.client, ARC.CLOSE_SND_FIN);
  const finS = firstArc(c.server, ARC.CLOSE_SND_FIN);
  let firstFin = finC === null ? finS : finS === null ? finC
    : finS.tNanos - finC.tNanos < 0 || (finS.tNanos === finC.tNanos && finS.frameNo < finC.frameNo) ? finS : finC;
  // Completion: the later of the two endpoints' arrival in CLOSED/TIME_WAIT (observed arcs only,
  // since each one's last opening: an attempt reset before it is not this close), or the RST.
  let completed: Transition | null = null;
  if (kind === 'reset') completed = rst.closedAt;
  else if (kind === 'four_way' || kind === 'three_way' || (kind === 'simultaneous' && isDone(c.client.state) && isDone(c.server.state))) {
    const t = findTransition(c.client, isObservedCloseArc, lastOpening(c.client));
    if (t) completed = t;
    const u = findTransition(c.server, isObservedCloseArc, lastOpening(c.server));
    // A tie with an arrival taken from a record stamped backwards (its own stamp is earlier): the other.
    if (u && (completed === null || u.tNanos > completed.tNanos || (u.tNanos === completed.tNanos && isBackClient(c, completed)))) completed = u;
  }
  // A FIN after the RST that reset the connection did not begin its close (an endpoint reset in
  // ESTABLISHED whose peer then opened again on the same ISN and closed alone): no first FIN.
  if (kind === 'reset' && completed !== null && firstFin !== null
    && (firstFin.tNanos > completed.tNanos || (firstFin.tNanos === completed.tNanos && firstFin.frameNo > completed.frameNo))) firstFin = null;
  d.firstFinNanos = firstFin ? firstFin.tNanos : NO_TIME;
  d.firstFinFrame = firstFin ? firstFin.frameNo : null;
  d.firstFinInput = firstFin ? otherInput(c, firstFin.input) : null;
  d.completedNanos = completed ? completed.tNanos : NO_TIME;
  // Not when a record stamped backwards ended it (its time is the latest seen, not its own), nor
  // when one carried a FIN stamped no later than the first FIN: then which FIN came first is unknown.
  // An arrival from such a record that is not the later of the two cannot move the end: its own
  // stamp is earlier still.
  const closeBack = (completed !== null && (isBackClient(c, completed) || isBackServer(c, completed)))
    || (firstFin !== null && c.backFinStamp >= 0 && c.backFinStamp <= firstFin.tNanos);
  d.closeDuration = completed && firstFin && !closeBack ? seconds(completed.tNanos - firstFin.tNanos, unit) : null;
  // Null, not a time measured on the clamped clock, when a record stamped backwards moved the
  // endpoint into the state or out of it.
  d.finWait2Client = (back & STAMP_FIN_WAIT_2_CLIENT) !== 0 ? null : secondsIn(c.client, 'FIN_WAIT_2', endNanos, unit);
  d.finWait2Server = (back & STAMP_FIN_WAIT_2_SERVER) !== 0 ? null : secondsIn(c.server, 'FIN_WAIT_2', endNanos, unit);
  d.closeWaitClient = (back & STAMP_CLOSE_WAIT_CLIENT) !== 0 ? null : secondsIn(c.client, 'CLOSE_WAIT', endNanos, unit);
  d.closeWaitServer = (back & STAMP_CLOSE_WAIT_SERVER) !== 0 ? null : secondsIn(c.server, 'CLOSE_WAIT', endNanos, unit);
  d.timeWaitClientNanos = reached(c.client, 'TIME_WAIT')?.tNanos ?? NO_TIME;
  d.timeWaitServerNanos = reached(c.server, 'TIME_WAIT')?.tNanos ?? NO_TIME;
  return d;
}

/**
 * Anomaly details the flow layer measures as spans of nanoseconds (it has no unit at hand): the
 * report gives them in seconds under their schema key, rounded to the capture's unit as every span
 * is, in the same place among the keys.
 */
const SPAN_DETAIL: Partial<Record<AnomalyCode, readonly [nanosKey: string, secondsKey: string]>> = {
  PORT_REUSE: ['gapNanos', 'gapSeconds'],
  TIME_WAIT_REUSE: ['timeWaitNanos', 'timeWaitSeconds'],
  TIME_WAIT_ASSASSINATION: ['timeWaitNanos', 'timeWaitSeconds'],
};

function reportedDetails(a: Anomaly, unitNanos: number): Anomaly['details'] {
  const span = SPAN_DETAIL[a.code];
  if (span === undefined) return a.details;
  const out: Anomaly['details'] = {};
  for (const [k, v] of Object.entries(a.details)) {
    if (k === span[0] && typeof v === 'number') out[span[1]] = seconds(v, unitNanos);
    else out[k] = v;
  }
  return out;
}

/** `input` when a frame counts in it rather than in the connection's first input, else null (the report leaves the key out). */
function otherInput(c: ConnectionFacts, input: string): string | null {
  return input === c.input ? null : input;
}

function anomalyReports(c: ConnectionFacts, fmt: IsoFormatter, unitNanos: number): AnomalyReport[] {
  const list = c.anomalies;
  if (list === null || list.length === 0) return [];
  return list
    .slice()
    .sort((a, b) => a.tNanos - b.tNanos || a.frameNo - b.frameNo || CODE_ORDER.get(a.code)! - CODE_ORDER.get(b.code)! || a.endpoint - b.endpoint)
    .map((a) => {
      const who = a.endpoint === 0 ? 'client' : a.endpoint === 1 ? 'server' : null;
      const details = reportedDetails(a, unitNanos);
      const severity = ANOMALIES[a.code].severity;
      const time = fmt.iso(a.tNanos);
      const message = anomalyMessage(a.code, who, details);
      // Two literals rather than a spread of the optional key: a spread in an object literal is a
      // runtime call per anomaly (every connection's, on the NDJSON path too).
      return a.input === c.input
        ? { code: a.code, severity, endpoint: who, frame: a.frameNo, time, message, details }
        : { code: a.code, severity, endpoint: who, frame: a.frameNo, input: a.input, time, message, details };
    });
}
