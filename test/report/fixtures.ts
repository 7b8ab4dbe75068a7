/**
 * Hand-built RunReports for renderer tests: they pin the renderers to the contract in
 * src/report/model.ts, independently of the pipeline. Values are realistic (a POP3 session, a
 * refused SYN, an unanswered SYN with RFC 6298 backoff, a mid-stream join, an IPv6 reset, a
 * FIN_WAIT_2 left lingering) so the golden text reads like real output.
 */
import { wiresharkReport } from '../../src/analysis/completeness.js';
import type {
  AnomalyReport, ConnectionReport, LadderRow, RunReport, Severity,
} from '../../src/report/model.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

function merge<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (!over) return base;
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    const b = (base as Record<string, unknown>)[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b, v as DeepPartial<typeof b>)
        : v;
  }
  return out as T;
}

export function anomaly(code: string, severity: Severity, frame: number, endpoint: 'client' | 'server' | null, message: string): AnomalyReport {
  return { code, severity, endpoint, frame, time: '2024-03-01T10:00:00.000000Z', message, details: {} };
}

export function connection(id: number, over: DeepPartial<ConnectionReport> = {}): ConnectionReport {
  const base: ConnectionReport = {
    id,
    client: {
      ip: '192.168.1.10', port: 50000 + id, finalState: 'TIME_WAIT', isn: 1000,
      options: { mss: 1460, windowScale: 7, sackPermitted: true, timestamps: true }, transitions: [],
    },
    server: {
      ip: '192.168.1.1', port: 110, finalState: 'CLOSED', isn: 5000,
      options: { mss: 1460, windowScale: 7, sackPermitted: true, timestamps: true }, transitions: [],
    },
    rolesGuessed: false,
    midstream: false,
    portReuse: null,
    firstSeen: '2024-03-01T10:00:00.000000Z',
    lastSeen: '2024-03-01T10:00:01.250000Z',
    duration: 1.25,
    input: 'sample.pcap',
    firstFrame: 1,
    lastFrame: 10,
    ended: 'closed',
    handshake: {
      outcome: 'complete',
      syn: '2024-03-01T10:00:00.000000Z', synAck: '2024-03-01T10:00:00.000800Z', ack: '2024-03-01T10:00:00.001000Z',
      synFrame: 1, synAckFrame: 2, ackFrame: 3, synCount: 1, synAckCount: 1, synBackoff: [],
      rtt: { synToSynAck: 0.0008, lastSynToSynAck: 0.0008, synAckToAck: 0.0002, total: 0.001 },
      duration: 0.001,
    },
    data: {
      client: { packets: 4, bytes: 120, retransmittedBytes: 0, retransmittedPackets: 0, firstData: null, lastData: null, bytesAfterPeerFin: 0 },
      server: { packets: 4, bytes: 14_210, retransmittedBytes: 0, retransmittedPackets: 0, firstData: null, lastData: null, bytesAfterPeerFin: 0 },
      timeToFirstByte: 0.002,
    },
    close: {
      kind: 'four_way', initiator: 'client', resetBy: null,
      firstFin: '2024-03-01T10:00:01.200000Z', firstFinFrame: 7, completed: '2024-03-01T10:00:01.250000Z', duration: 0.05,
      finWait2: { client: 0.01, server: null }, closeWait: { client: null, server: 0.01 },
      timeWait: { client: { enteredAt: '2024-03-01T10:00:01.240000Z', heldAtEnd: true }, server: { enteredAt: null, heldAtEnd: false } },
    },
    packets: { client: 5, server: 5 },
    bytes: { client: 120, server: 14_210 },
    anomalies: [],
    zeek: { connState: 'SF', history: 'ShADadFf', origIsClient: true }, wireshark: wiresharkReport(31),
    captureLoss: false,
  };
  return merge(base, over);
}

/** The ladder of a textbook connection: open, one request/response, four-way close by the client. */
export const TEXTBOOK_LADDER: LadderRow[] = [
  { frame: 1, t: 0, from: 'client', flags: 'SYN', seq: 0, ack: null, len: 0, clientState: 'SYN_SENT', serverState: 'SYN_RECEIVED', anomalies: [] },
  { frame: 2, t: 0.0008, from: 'server', flags: 'SYN,ACK', seq: 0, ack: 1, len: 0, clientState: 'ESTABLISHED', serverState: 'SYN_RECEIVED', anomalies: [] },
  { frame: 3, t: 0.001, from: 'client', flags: 'ACK', seq: 1, ack: 1, len: 0, clientState: 'ESTABLISHED', serverState: 'ESTABLISHED', anomalies: [] },
  { frame: 4, t: 0.0015, from: 'client', flags: 'PSH,ACK', seq: 1, ack: 1, len: 120, clientState: 'ESTABLISHED', serverState: 'ESTABLISHED', anomalies: [] },
  { frame: 5, t: 0.0035, from: 'server', flags: 'PSH,ACK', seq: 1, ack: 121, len: 1448, clientState: 'ESTABLISHED', serverState: 'ESTABLISHED', anomalies: [] },
  { frame: 7, t: 1.2, from: 'client', flags: 'FIN,ACK', seq: 121, ack: 14211, len: 0, clientState: 'FIN_WAIT_1', serverState: 'CLOSE_WAIT', anomalies: [] },
  { frame: 8, t: 1.21, from: 'server', flags: 'ACK', seq: 14211, ack: 122, len: 0, clientState: 'FIN_WAIT_2', serverState: 'CLOSE_WAIT', anomalies: [] },
  { frame: 9, t: 1.22, from: 'server', flags: 'FIN,ACK', seq: 14211, ack: 122, len: 0, clientState: 'TIME_WAIT', serverState: 'LAST_ACK', anomalies: [] },
  { frame: 10, t: 1.25, from: 'client', flags: 'ACK', seq: 122, ack: 14212, len: 0, clientState: 'TIME_WAIT', serverState: 'CLOSED', anomalies: [] },
];

/** A SYN retransmitted twice and never answered: the ladder marks the retransmissions. */
export const HALF_OPEN_LADDER: LadderRow[] = [
  { frame: 12, t: 0, from: 'client', flags: 'SYN', seq: 0, ack: null, len: 0, clientState: 'SYN_SENT', serverState: 'UNKNOWN', anomalies: [] },
  { frame: 15, t: 1.000123, from: 'client', flags: 'SYN', seq: 0, ack: null, len: 0, clientState: 'SYN_SENT', serverState: 'UNKNOWN', anomalies: ['SYN_RETRANSMIT'] },
  { frame: 19, t: 3.000456, from: 'client', flags: 'SYN', seq: 0, ack: null, len: 0, clientState: 'SYN_SENT', serverState: 'UNKNOWN', anomalies: ['SYN_RETRANSMIT', 'HALF_OPEN'] },
];

export function sampleReport(): RunReport {
  const connections: ConnectionReport[] = [
    connection(1, { ladder: TEXTBOOK_LADDER }),
    connection(2, {
      client: { finalState: 'CLOSED' }, server: { finalState: 'LISTEN' },
      lastSeen: '2024-03-01T10:00:02.000300Z', firstSeen: '2024-03-01T10:00:02.000000Z', duration: 0.0003,
      ended: 'closed',
      handshake: { outcome: 'refused', synAck: null, ack: null, rtt: { synToSynAck: null, lastSynToSynAck: null, synAckToAck: null, total: null }, duration: null },
      close: { kind: 'reset', initiator: 'server', resetBy: 'server' },
      packets: { client: 1, server: 1 }, bytes: { client: 0, server: 0 },
      anomalies: [anomaly('REFUSED', 'warn', 11, 'server', 'SYN answered by RST: nothing listens on port 110')],
      zeek: { connState: 'REJ', history: 'Sr', origIsClient: true }, wireshark: wiresharkReport(37),
    }),
    connection(3, {
      client: { ip: '192.168.1.10', port: 50003, finalState: 'SYN_SENT' }, server: { ip: '203.0.113.7', port: 443, finalState: 'UNKNOWN' },
      firstSeen: '2024-03-01T10:00:03.000000Z', lastSeen: '2024-03-01T10:00:06.000456Z', duration: 3.000456, ended: 'capture_end',
      handshake: { outcome: 'no_answer', synAck: null, ack: null, synCount: 3, synBackoff: [1.000123, 2.000333], rtt: { synToSynAck: null, lastSynToSynAck: null, synAckToAck: null, total: null }, duration: null },
      close: { kind: 'none', initiator: null },
      packets: { client: 3, server: 0 }, bytes: { client: 0, server: 0 },
      anomalies: [
        anomaly('SYN_RETRANSMIT', 'info', 15, 'client', 'SYN retransmitted after 1.000 s'),
        anomaly('SYN_RETRANSMIT', 'info', 19, 'client', 'SYN retransmitted after 2.000 s'),
        anomaly('HALF_OPEN', 'error', 19, 'client', 'SYN never answered'),
      ],
      zeek: { connState: 'S0', history: 'S', origIsClient: true }, wireshark: wiresharkReport(1),
      ladder: HALF_OPEN_LADDER,
    }),
    connection(4, {
      client: { ip: '10.20.30.40', port: 22, finalState: 'ESTABLISHED', isn: null }, server: { ip: '10.20.30.41', port: 61022, finalState: 'ESTABLISHED', isn: null },
      rolesGuessed: true, midstream: true, ended: 'capture_end',
      firstSeen: '2024-03-01T10:00:00.500000Z', lastSeen: '2024-03-01T10:02:05.500000Z', duration: 125,
      handshake: { outcome: 'not_seen', syn: null, synAck: null, ack: null, synFrame: null, synAckFrame: null, ackFrame: null, synCount: 0, synAckCount: 0, rtt: { synToSynAck: null, lastSynToSynAck: null, synAckToAck: null, total: null }, duration: null },
      close: { kind: 'none', initiator: null, firstFin: null, firstFinFrame: null, completed: null, duration: null },
      packets: { client: 812, server: 790 }, bytes: { client: 2_345_678, server: 45_321 },
      anomalies: [anomaly('MIDSTREAM', 'info', 2, null, 'capture joined an open connection'), anomaly('NOT_CLOSED', 'info', 1600, null, 'still open at capture end')],
      zeek: { connState: 'OTH', history: '^DdA', origIsClient: true }, wireshark: wiresharkReport(12),
    }),
    connection(5, {
      client: { ip: '2001:db8:1234:5678::10', port: 40123, finalState: 'CLOSED' }, server: { ip: '2001:db8:1234:5678::80', port: 8080, finalState: 'CLOSED' },
      firstSeen: '2024-03-01T10:00:10.000000Z', lastSeen: '2024-03-01T10:00:10.400000Z', duration: 0.4,
      close: { kind: 'reset', initiator: 'server', resetBy: 'server' },
      anomalies: [anomaly('RESET', 'warn', 40, 'server', 'server reset an established connection')],
      zeek: { connState: 'RSTR', history: 'ShADadR', origIsClient: true }, wireshark: wiresharkReport(47),
    }),
    connection(6, {
      client: { port: 50001, finalState: 'FIN_WAIT_2' }, server: { finalState: 'CLOSE_WAIT' },
      portReuse: { previousId: 1, gap: 30 },
      firstSeen: '2024-03-01T10:00:31.250000Z', lastSeen: '2024-03-01T10:02:31.250000Z', duration: 120, ended: 'capture_end',
      close: { kind: 'half_closed', initiator: 'client', completed: null, duration: null, finWait2: { client: 119.5, server: null }, closeWait: { client: null, server: 119.5 } },
      anomalies: [
        anomaly('PORT_REUSE', 'info', 50, 'client', '4-tuple of connection 1 reused after 30 s'),
        anomaly('LINGERING_FIN_WAIT_2', 'warn', 60, 'client', 'client held FIN_WAIT_2 for 119.5 s (threshold 60 s)'),
        anomaly('LINGERING_CLOSE_WAIT', 'warn', 60, 'server', 'server held CLOSE_WAIT for 119.5 s (threshold 60 s)'),
      ],
      zeek: { connState: 'S2', history: 'ShADadF', origIsClient: true }, wireshark: wiresharkReport(31),
    }),
  ];
  const count = (f: (c: ConnectionReport) => string): Record<string, number> => {
    const r: Record<string, number> = {};
    for (const c of connections) r[f(c)] = (r[f(c)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  };
  const anomalies: Record<string, number> = {};
  for (const c of connections) for (const a of c.anomalies) anomalies[a.code] = (anomalies[a.code] ?? 0) + 1;
  return {
    schemaVersion: 1,
    tool: { name: 'tcpflow-analyze', version: '0.0.0-test' },
    settings: { mslSeconds: 60, lingerSeconds: 60, idleTimeoutSeconds: 300, maxConnections: 1_000_000, verifyChecksums: false },
    inputs: [
      {
        file: 'sample.pcap', format: 'pcap', gzip: false, byteOrder: 'little', precisionDigits: 6,
        linkTypes: [{ linkType: 1, name: 'EN10MB', packets: 1650 }], packets: 1650, bytes: 1_234_567,
        firstPacket: '2024-03-01T10:00:00.000000Z', lastPacket: '2024-03-01T10:02:31.250000Z', issues: [], error: null,
      },
    ],
    stats: {
      records: 1650, tcpSegments: 1640, skipped: { NON_TCP: 8 }, tunnelled: {}, decodeErrors: { TCP_TRUNCATED_HEADER: 2 },
      decodeErrorExamples: [{ code: 'TCP_TRUNCATED_HEADER', layer: 'tcp', file: 'sample.pcap', frame: 99, byteOffset: 4096, layerOffset: 34, need: 20, have: 12 }],
      truncatedRecords: 0, badChecksums: 0, timestampsBackwards: 0, connectionsTimedOut: 0, connectionsEvicted: 0, peakConnections: 4,
    },
    summary: {
      connections: connections.length,
      handshakes: count((c) => c.handshake.outcome),
      closes: count((c) => c.close.kind),
      anomalies: Object.fromEntries(Object.entries(anomalies).sort(([a], [b]) => a.localeCompare(b))),
      finalStates: { client: count((c) => c.client.finalState), server: count((c) => c.server.finalState) },
      ended: count((c) => c.ended),
      firstPacket: '2024-03-01T10:00:00.000000Z',
      lastPacket: '2024-03-01T10:02:31.250000Z',
    },
    connections,
  };
}
