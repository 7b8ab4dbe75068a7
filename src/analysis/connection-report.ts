/**
 * Connection → ConnectionReport (report/model.ts, contract v1). Called once per connection when
 * its record ends; runs the end-of-record detectors, then renders times at the capture's precision.
 */
import type { CaptureClock } from '../capture/clock.js';
import type { AnomalyReport, ConnectionReport, EndReason, EndpointReport, LadderRow, Settings, TransitionReport } from '../report/model.js';
import type { ConnectionFacts } from '../flow/connection.js';
import type { Endpoint } from '../flow/endpoint.js';
import { formatAddress } from '../flow/key.js';
import { ANOMALIES, ANOMALY_CODES } from './catalog.js';
import { detectConnectionAnomalies } from './detect.js';
import { anomalyMessage } from './messages.js';
import { IsoFormatter } from './iso.js';
import { closeReport, dataReport, handshakeOutcome, handshakeReport, resetInfo, type IsoOf } from './phases.js';

const CODE_ORDER = new Map(ANOMALY_CODES.map((c, i) => [c, i]));

function endpointReport(c: ConnectionFacts, ep: Endpoint, isClient: boolean, iso: IsoOf): EndpointReport {
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
    transitions: ep.transitions.map((t): TransitionReport => ({
      from: t.from, to: t.to, arc: t.arc, frame: t.frameNo, time: iso(t.tNanos), evidence: t.evidence,
    })),
  };
}

export function buildConnectionReport(c: ConnectionFacts, ended: EndReason, endNanos: number, clock: CaptureClock, settings: Settings): ConnectionReport {
  // Both are read by the detectors and by the report; the transitions no longer change.
  const outcome = handshakeOutcome(c);
  const rst = resetInfo(c);
  detectConnectionAnomalies(c, ended, endNanos, settings, outcome, rst);
  const fmt = IsoFormatter.of(clock);
  const iso: IsoOf = (n) => fmt.iso(n);
  const anomalies: AnomalyReport[] = (c.anomalies ?? [])
    .slice()
    .sort((a, b) => a.frameNo - b.frameNo || CODE_ORDER.get(a.code)! - CODE_ORDER.get(b.code)! || a.endpoint - b.endpoint)
    .map((a) => {
      const who = a.endpoint === 0 ? 'client' : a.endpoint === 1 ? 'server' : null;
      return {
        code: a.code,
        severity: ANOMALIES[a.code].severity,
        endpoint: who,
        frame: a.frameNo,
        time: iso(a.tNanos),
        message: anomalyMessage(a.code, who, a.details),
        details: a.details,
      };
    });
  const report: ConnectionReport = {
    id: c.id,
    client: endpointReport(c, c.client, true, iso),
    server: endpointReport(c, c.server, false, iso),
    rolesGuessed: c.rolesGuessed,
    midstream: c.midstream,
    portReuse: c.portReusePrevId > 0 ? { previousId: c.portReusePrevId, gap: c.portReuseGapNanos / 1e9 } : null,
    firstSeen: iso(c.firstNanos),
    lastSeen: iso(c.lastNanos),
    duration: (c.lastNanos - c.firstNanos) / 1e9,
    input: c.input,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    ended,
    handshake: handshakeReport(c, iso, outcome),
    data: dataReport(c, iso),
    close: closeReport(c, endNanos, iso, rst),
    packets: { client: c.client.packets, server: c.server.packets },
    bytes: { client: c.client.bytes, server: c.server.bytes },
    anomalies,
    zeek: c.zeekVerdict(),
    captureLoss: c.captureLoss,
  };
  if (c.ladder) {
    backdateListen(c.ladder, c.server, 'serverState');
    backdateListen(c.ladder, c.client, 'clientState');
    report.ladder = c.ladder;
  }
  return report;
}

/**
 * LISTEN is invisible on the wire: it is inferred when the endpoint answers a SYN with SYN,ACK
 * (docs/state-model.md). Ladder rows are written packet by packet, before that answer is known, so
 * the rows up to it say CLOSED. Once the report is built we know better, and the ladder shows what
 * the textbook diagram shows: the server was in LISTEN when the SYN arrived.
 */
function backdateListen(rows: LadderRow[], ep: Endpoint, column: 'clientState' | 'serverState'): void {
  const first = ep.transitions[0];
  if (first === undefined || first.to !== 'LISTEN' || first.evidence !== 'inferred') return;
  for (const row of rows) {
    if (row.frame === first.frameNo) break;
    if (row[column] === 'CLOSED') row[column] = 'LISTEN';
  }
}
