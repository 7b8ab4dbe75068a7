/**
 * Connection → ConnectionReport (report/model.ts, contract v1), once per connection when its record
 * ends: digest.ts runs the end-of-record detectors and works out every value; this builds the
 * objects from the digest, with times rendered at the capture's precision.
 */
import { seconds, type CaptureClock } from '../capture/clock.js';
import type { CloseReport, ConnectionReport, DataReport, DirectionData, EndReason, EndpointReport, HandshakeReport, LadderRow, Settings, TransitionReport, ZeekRowReport } from '../report/model.js';
import { wiresharkReport } from './completeness.js';
import type { ConnectionFacts, LadderStep } from '../flow/connection.js';
import type { Endpoint } from '../flow/endpoint.js';
import { formatAddress } from '../flow/key.js';
import { ConnectionDigest, NO_TIME, digestConnection } from './digest.js';
import { IsoFormatter } from './iso.js';

/** Capture nanoseconds as ISO-8601, NO_TIME as null. */
function isoOrNull(fmt: IsoFormatter, tNanos: number): string | null {
  return tNanos === NO_TIME ? null : fmt.iso(tNanos);
}

function endpointReport(c: ConnectionFacts, ep: Endpoint, isClient: boolean, fmt: IsoFormatter): EndpointReport {
  const sideA = isClient === c.clientIsA;
  return {
    ip: formatAddress(c.key, sideA),
    port: sideA ? c.key.aPort : c.key.bPort,
    finalState: ep.state,
    isn: ep.synSeen ? ep.iss >>> 0 : null,
    options: {
      mss: ep.mss >= 0 ? ep.mss : null,
      windowScale: ep.wscale >= 0 ? ep.wscale : null,
      sackPermitted: ep.sackPermitted,
      timestamps: ep.timestamps,
    },
    transitions: ep.transitions.map((t): TransitionReport => (t.input === c.input
      ? { from: t.from, to: t.to, arc: t.arc, frame: t.frameNo, time: fmt.iso(t.tNanos), evidence: t.evidence }
      // A later input's frame: the input after it (see model.ts), a literal of its own rather than a spread per transition.
      : { from: t.from, to: t.to, arc: t.arc, frame: t.frameNo, input: t.input, time: fmt.iso(t.tNanos), evidence: t.evidence })),
  };
}

function handshakeReport(d: ConnectionDigest): HandshakeReport {
  const c = d.c;
  return {
    outcome: d.outcome,
    syn: isoOrNull(d.iso, d.synNanos),
    synAck: isoOrNull(d.iso, d.synAckNanos),
    ack: isoOrNull(d.iso, d.ackNanos),
    synFrame: d.synFrame,
    ...(d.synInput !== null ? { synInput: d.synInput } : {}),
    synAckFrame: d.synAckFrame,
    ...(d.synAckInput !== null ? { synAckInput: d.synAckInput } : {}),
    ackFrame: d.ackFrame,
    ...(d.ackInput !== null ? { ackInput: d.ackInput } : {}),
    synCount: c.client.synCount,
    synAckCount: c.server.synAckCount,
    synBackoff: (c.synBackoffNanos ?? []).map((n) => seconds(n, d.unitNanos)),
    rtt: {
      synToSynAck: d.synToSynAck,
      lastSynToSynAck: d.lastSynToSynAck,
      synAckToAck: d.synAckToAck,
      total: d.rttTotal,
    },
    duration: d.handshakeDuration,
  };
}

function direction(ep: Endpoint, fmt: IsoFormatter, firstData: number, lastData: number): DirectionData {
  return {
    packets: ep.packets,
    bytes: ep.bytes,
    retransmittedBytes: ep.retransBytes,
    retransmittedPackets: ep.retransPackets,
    firstData: isoOrNull(fmt, firstData),
    lastData: isoOrNull(fmt, lastData),
    bytesAfterPeerFin: ep.bytesAfterPeerFin,
  };
}

function dataReport(d: ConnectionDigest): DataReport {
  return {
    client: direction(d.c.client, d.iso, d.clientFirstData, d.clientLastData),
    server: direction(d.c.server, d.iso, d.serverFirstData, d.serverLastData),
    timeToFirstByte: d.timeToFirstByte,
  };
}

function closeReport(d: ConnectionDigest): CloseReport {
  const c = d.c;
  return {
    kind: d.closeKind,
    initiator: d.initiator,
    resetBy: d.resetBy,
    firstFin: isoOrNull(d.iso, d.firstFinNanos),
    firstFinFrame: d.firstFinFrame,
    ...(d.firstFinInput !== null ? { firstFinInput: d.firstFinInput } : {}),
    completed: isoOrNull(d.iso, d.completedNanos),
    duration: d.closeDuration,
    finWait2: { client: d.finWait2Client, server: d.finWait2Server },
    closeWait: { client: d.closeWaitClient, server: d.closeWaitServer },
    timeWait: {
      client: { enteredAt: isoOrNull(d.iso, d.timeWaitClientNanos), heldAtEnd: c.client.state === 'TIME_WAIT' },
      server: { enteredAt: isoOrNull(d.iso, d.timeWaitServerNanos), heldAtEnd: c.server.state === 'TIME_WAIT' },
    },
  };
}

/** The report of a digested connection (digest.ts). */
export function reportFromDigest(d: ConnectionDigest): ConnectionReport {
  const c = d.c;
  const fmt = d.iso;
  const report: ConnectionReport = {
    id: c.id,
    client: endpointReport(c, c.client, true, fmt),
    server: endpointReport(c, c.server, false, fmt),
    rolesGuessed: c.rolesGuessed,
    midstream: c.midstream,
    portReuse: d.portReuseGap !== null ? { previousId: c.portReusePrevId, gap: d.portReuseGap } : null,
    firstSeen: fmt.iso(c.firstNanos),
    lastSeen: fmt.iso(c.lastNanos),
    duration: d.duration,
    input: c.input,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    ...(c.lastInput !== c.input ? { lastInput: c.lastInput } : {}),
    ended: d.ended,
    handshake: handshakeReport(d),
    data: dataReport(d),
    close: closeReport(d),
    packets: { client: c.client.packets, server: c.server.packets },
    bytes: { client: c.client.bytes, server: c.server.bytes },
    anomalies: d.anomalies,
    zeek: c.zeekVerdict(),
    wireshark: wiresharkReport(c.completeness),
    captureLoss: c.captureLoss,
  };
  if (c.ladder) {
    const rows = c.ladder.map((s) => ladderRow(s, d.unitNanos));
    backdateListen(c, rows, c.server, 'serverState');
    backdateListen(c, rows, c.client, 'clientState');
    report.ladder = rows;
    if (c.ladderOmitted > 0) {
      report.ladderRowsOmitted = c.ladderOmitted;
      report.ladderRowsOmittedAfter = c.ladderOmittedAt;
    }
  }
  return report;
}

// The report holds copies of everything in the digest, so one digest serves every connection.
const scratch = new ConnectionDigest();

/**
 * The conn.log rows Zeek would write for `c` (`ConnectionReport.zeek.rows`), or null when the
 * connection does not carry its model (decoded from a worker thread).
 */
export function zeekRowReports(c: ConnectionFacts, clock: CaptureClock): ZeekRowReport[] | null {
  if (c.zeekRows === undefined) return null;
  const unit = clock.unitFor(c.input, c.lastInput);
  const fmt = IsoFormatter.of(clock, unit);
  return c.zeekRows().map((r) => ({
    ts: fmt.iso(r.startNanos),
    duration: seconds(r.lastNanos - r.startNanos, unit),
    origIsClient: r.origIsClient,
    connState: r.connState,
    history: r.history,
    origPkts: r.origPkts,
    respPkts: r.respPkts,
    origBytes: r.origBytes,
    respBytes: r.respBytes,
  }));
}

/** `unitNanos`: as digestConnection's `unit`. */
export function buildConnectionReport(c: ConnectionFacts, ended: EndReason, endNanos: number, clock: CaptureClock, settings: Settings,
  unitNanos?: number): ConnectionReport {
  return reportFromDigest(digestConnection(c, ended, endNanos, clock, settings, scratch, unitNanos));
}

/** A recorded step as the report's row: its time in seconds, rounded to the capture's unit as every span is; the keys in the order of the schema. */
function ladderRow(s: LadderStep, unitNanos: number): LadderRow {
  const t = seconds(s.tNanos, unitNanos);
  const { frame, from, flags, seq, ack, len, clientState, serverState, anomalies } = s;
  return s.input === undefined
    ? { frame, t, from, flags, seq, ack, len, clientState, serverState, anomalies }
    : { frame, input: s.input, t, from, flags, seq, ack, len, clientState, serverState, anomalies };
}

/**
 * LISTEN is invisible on the wire: it is inferred when the endpoint answers a SYN with SYN,ACK
 * (docs/state-model.md). Ladder rows are written packet by packet, before that answer is known, so
 * the rows up to it say CLOSED. Once the report is built we know better, and the ladder shows what
 * the textbook diagram shows: the server was in LISTEN when the SYN arrived.
 */
function backdateListen(c: ConnectionFacts, rows: LadderRow[], ep: Endpoint, column: 'clientState' | 'serverState'): void {
  const first = ep.transitions[0];
  if (first === undefined || first.to !== 'LISTEN' || first.evidence !== 'inferred') return;
  for (const row of rows) {
    if (row.frame === first.frameNo && (row.input ?? c.input) === first.input) break;
    if (row[column] === 'CLOSED') row[column] = 'LISTEN';
  }
}
