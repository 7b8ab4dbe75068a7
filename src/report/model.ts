/**
 * The JSON contract, version 1: what `--format json` prints and what `analyze()` returns.
 * Scripts, CI gates and jq recipes build on these names; they are never renamed. New fields may be
 * added in a minor release; removing or changing the meaning of one bumps `schemaVersion`.
 * The same contract as JSON Schema: schema/tcpflow-analyze.schema.json (a test keeps them in step).
 *
 * Units: absolute times are ISO-8601 UTC strings with as many fractional digits as the capture's
 * precision (6 for µs pcap, 9 for ns pcap/pcapng; a run of several inputs: the finest of them);
 * durations are seconds as JSON numbers.
 * Frames are 1-based record numbers within their input (Wireshark's frame number). A connection's
 * `input` is its first packet's; a frame that counts in a later input (rotated captures read in
 * turn) comes with that input's name: `lastInput` after `lastFrame`, `synInput` after `synFrame`,
 * ..., and `input` in a transition, anomaly or ladder row. Absent, the frame counts in `input`.
 */
import type { EndpointState, TcpState } from '../tcp/state.js';

export const SCHEMA_VERSION = 1 as const;

/** ISO-8601 UTC, e.g. "2023-11-14T22:13:20.000123Z". */
export type IsoTime = string;
/** Seconds. */
export type Seconds = number;

export type Severity = 'info' | 'warn' | 'error';

export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'tcpflow-analyze'; version: string };
  /** The model settings the run used (so a report says how its verdicts were reached). */
  settings: Settings;
  inputs: InputReport[];
  stats: Stats;
  summary: Summary;
  connections: ConnectionReport[];
  /**
   * Present only when the CLI narrowed the connections (--host, --port, --connection, --anomaly,
   * --only-anomalies, --state, --limit). `summary` still counts every connection of the run.
   */
  selection?: SelectionReport;
}

export interface SelectionReport {
  /** The criteria as given, e.g. ["host=10.0.0.1", "limit=10"], in a fixed order. */
  criteria: string[];
  /** Connections that passed the filters (before --limit). */
  matched: number;
  /** Connections printed: matched minus those cut by --limit. */
  shown: number;
}

export interface Settings {
  /** Maximum segment lifetime; TIME_WAIT → CLOSED is inferred only after 2×MSL of capture time. */
  mslSeconds: Seconds;
  /** FIN_WAIT_2 / CLOSE_WAIT held longer than this is LINGERING_*. */
  lingerSeconds: Seconds;
  /** A connection with no packet for this long is retired (reported, ended 'idle_timeout'). */
  idleTimeoutSeconds: Seconds;
  /** Hard cap on connections tracked at once; the least recently active is evicted. */
  maxConnections: number;
  verifyChecksums: boolean;
}

export interface InputReport {
  file: string;
  format: 'pcap' | 'pcapng' | null;
  gzip: boolean;
  byteOrder: 'little' | 'big' | null;
  /** Fractional digits of the timestamps: 6 (µs) or 9 (ns), or what pcapng's if_tsresol gives. */
  precisionDigits: number;
  linkTypes: LinkTypeCount[];
  /** Records read from this input. */
  packets: number;
  /** Decompressed bytes consumed. */
  bytes: number;
  firstPacket: IsoTime | null;
  lastPacket: IsoTime | null;
  /** Record-level problems: where the reader stopped or resynchronised. */
  issues: Array<{ code: string; byteOffset: number; detail: string }>;
  /** Set when the input could not be read at all (the run goes on with the other inputs). */
  error: { code: string; byteOffset: number; message: string } | null;
}

export interface LinkTypeCount {
  linkType: number;
  name: string;
  packets: number;
}

export interface Stats {
  /** Records read, all inputs. */
  records: number;
  /** Records decoded as TCP segments and given to a connection. */
  tcpSegments: number;
  /** Records skipped by reason (not errors): UNSUPPORTED_LINK_TYPE, NON_IP, NON_TCP, IP_FRAGMENT. */
  skipped: Record<string, number>;
  /**
   * Of tcpSegments, those that came out of a tunnel, by the innermost one: IP_IN_IP, GRE, ERSPAN,
   * VXLAN, GENEVE, GTP_U, VXLAN_GPE, TEREDO (decode/tunnel.ts). Their connections are the inner packets' 4-tuples.
   */
  tunnelled: Record<string, number>;
  /** Malformed packets by decode error code. */
  decodeErrors: Record<string, number>;
  /** The first few malformed packets, with where they broke. */
  decodeErrorExamples: DecodeErrorExample[];
  /** Records whose captured length is below the original length (snaplen cut). */
  truncatedRecords: number;
  /** Segments with a bad IPv4 header or TCP checksum (only counted with verifyChecksums). */
  badChecksums: number;
  /**
   * Records stamped earlier than the record read just before them. Inputs are one stream in the
   * order read (`inputs`), so a step back from one input's last record to the next one's first counts too.
   */
  timestampsBackwards: number;
  /** Connections retired before the end of capture by an idle timeout (`ended: 'idle_timeout'`). */
  connectionsTimedOut: number;
  /** Connections evicted at the table's cap (`ended: 'evicted'`, --max-connections). */
  connectionsEvicted: number;
  /** Most connections tracked at once. */
  peakConnections: number;
}

export interface DecodeErrorExample {
  code: string;
  layer: 'link' | 'ipv4' | 'ipv6' | 'tcp';
  file: string;
  frame: number;
  /** Offset of the record in the file. */
  byteOffset: number;
  /** Offset of the failing layer inside the frame. */
  layerOffset: number;
  need: number | null;
  have: number | null;
}

export interface Summary {
  connections: number;
  handshakes: Partial<Record<HandshakeOutcome, number>>;
  closes: Partial<Record<CloseKind, number>>;
  anomalies: Record<string, number>;
  /** Connections by the finalState of each endpoint. */
  finalStates: { client: Record<string, number>; server: Record<string, number> };
  /** Connections by how their record ended. */
  ended: Partial<Record<EndReason, number>>;
  firstPacket: IsoTime | null;
  lastPacket: IsoTime | null;
}

export type HandshakeOutcome =
  | 'complete' // SYN, SYN/ACK acknowledging ISN+1, ACK acknowledging the server's ISN+1
  | 'simultaneous_open' // both sides sent a bare SYN, then SYN/ACKs (RFC 9293 Figure 7)
  | 'refused' // the SYN was answered by RST
  | 'no_answer' // SYN(s) and nothing back: half-open attempt
  | 'unreachable' // SYN(s) answered only by ICMP errors (ICMP_ERROR): rejected by a firewall, or no route
  | 'synack_unacked' // no ACK of the SYN/ACK reached the server (none captured, or one lost past the capture point)
  | 'aborted' // the client reset its own attempt before it completed
  | 'bad_ack' // a SYN/ACK or final ACK that acknowledges the wrong sequence number, never corrected
  | 'not_seen'; // the capture did not show the handshake: it started mid-stream, or it missed the SYN/ACK the client then acknowledged (CAPTURE_LOSS syn_ack_unseen)

export type CloseKind =
  | 'four_way' // FIN, ACK, FIN, ACK
  | 'three_way' // FIN, FIN+ACK (piggybacked), ACK
  | 'simultaneous' // FINs crossed: CLOSING reached
  | 'reset' // ended by an accepted RST (see resetBy)
  | 'half_closed' // one FIN only, the other side never closed within the capture
  | 'incomplete' // both FINs seen, but the last ACK was not
  | 'none'; // no FIN, and no RST once an endpoint was established (a refused or aborted handshake, a lone RST: resetBy still names its sender)

export type EndReason =
  | 'closed' // both endpoints reached CLOSED or TIME_WAIT (a server may be back in LISTEN: Note 1)
  | 'capture_end' // still tracked when the capture ended
  | 'idle_timeout' // retired after idleTimeoutSeconds without a packet
  | 'evicted' // the table was full and this was the least recently active
  | 'reused'; // a new connection on the same 4-tuple replaced it

export type Role = 'client' | 'server';

export interface ConnectionReport {
  /** 1-based, in order of first packet; stable across runs of the same capture. */
  id: number;
  client: EndpointReport;
  server: EndpointReport;
  /** True when no SYN without ACK was seen and the roles were guessed (docs/state-model.md). */
  rolesGuessed: boolean;
  /** The capture joined an already-open connection. */
  midstream: boolean;
  /** A previous connection on the same 4-tuple: its id and the gap since its last packet. */
  portReuse: { previousId: number; gap: Seconds } | null;
  firstSeen: IsoTime;
  lastSeen: IsoTime;
  duration: Seconds;
  /** Input file the connection's first packet came from. */
  input: string;
  firstFrame: number;
  lastFrame: number;
  /**
   * Present only when the connection's last packet came from a later input than its first:
   * the input `lastFrame` counts in (inputs are read one after another as one capture).
   */
  lastInput?: string;
  ended: EndReason;
  handshake: HandshakeReport;
  data: DataReport;
  close: CloseReport;
  packets: { client: number; server: number };
  /** Payload bytes sent, each byte counted once (retransmissions excluded). */
  bytes: { client: number; server: number };
  anomalies: AnomalyReport[];
  /**
   * What Zeek's conn.log would say. History letters are upper case for Zeek's originator, which is
   * our client unless `origIsClient` is false (Zeek's '^' flip on likely server ports).
   */
  zeek: ZeekReport;
  /** What Wireshark's TCP dissector would say of the whole connection (docs/wireshark-conformance.md). */
  wireshark: WiresharkReport;
  /** Bytes were acknowledged that the capture never showed, or the stream has gaps: verdicts may be unreliable. */
  captureLoss: boolean;
  /** Per-packet rows for the ladder diagram; only present when the run asked for them. */
  ladder?: LadderRow[];
  /**
   * Rows not kept: past the first LADDER_MAX_ROWS (10,000) of a connection, or while the run's
   * connections hold LADDER_BUDGET_ROWS (1,000,000) rows, only the rows of packets that moved a
   * state are kept. Present only when some were left out.
   */
  ladderRowsOmitted?: number;
  /** With ladderRowsOmitted: how many rows were kept before the first one left out (where the ladder says so). */
  ladderRowsOmittedAfter?: number;
}

export interface WiresharkReport {
  /** `tcp.completeness`: SYN 1, SYN-ACK 2, ACK 4, DATA 8, FIN 16, RST 32, as collected over the connection's packets. */
  completeness: number;
  /** Wireshark's words for it, e.g. "Complete, WITH_DATA (31)", "Incomplete, SYN_SENT (1)". */
  completenessText: string;
  /** `tcp.completeness.str`: R F D A S S, "·" for a bit not set, e.g. "·FDASS". */
  completenessFlags: string;
}

export interface ZeekReport {
  connState: string;
  history: string;
  origIsClient: boolean;
  /**
   * Every conn.log row Zeek would write for this connection, in order (the last is the one
   * connState and history describe; Zeek writes several when its timers drop the state between
   * packets of one of our connections). Only present when the run asked for them (`--format zeek`
   * or `analyze({ zeekRows: true })`).
   */
  rows?: ZeekRowReport[];
  /**
   * Only with `rows`, when Zeek would write more than were kept: a connection keeps its first 999
   * finished rows and its latest (`MAX_ZEEK_ROWS`, src/analysis/zeek.ts); this many came between
   * them, so `rows[999]` and any after it are that many rows later in Zeek's log.
   */
  rowsOmitted?: number;
}

/** One conn.log row, with Zeek's own counts and times (docs/zeek-conformance.md). */
export interface ZeekRowReport {
  /** Zeek's `ts`: the row's first packet. */
  ts: IsoTime;
  /** Zeek's `duration`: `last_time - start_time` (last_time stops once both sides closed). */
  duration: Seconds;
  /** False when Zeek's orig_h/orig_p are our server's. */
  origIsClient: boolean;
  connState: string;
  history: string;
  origPkts: number;
  respPkts: number;
  /** From sequence ranges, as Zeek: gaps included, retransmissions once. */
  origBytes: number;
  respBytes: number;
}

export interface EndpointReport {
  ip: string;
  port: number;
  finalState: EndpointState;
  /** ISN when a SYN from this endpoint was seen, else null. */
  isn: number | null;
  options: { mss: number | null; windowScale: number | null; sackPermitted: boolean; timestamps: boolean };
  transitions: TransitionReport[];
}

export interface TransitionReport {
  from: EndpointState;
  to: TcpState;
  /** The RFC 9293 Figure 5 arc label, e.g. "rcv SYN / snd SYN,ACK", or an observer note ("inferred: 2MSL"). */
  arc: string;
  frame: number;
  /** Present only when `frame` counts in another input than the connection's `input`: that input. */
  input?: string;
  time: IsoTime;
  evidence: 'observed' | 'inferred';
}

export interface HandshakeReport {
  outcome: HandshakeOutcome;
  /** First SYN, first SYN/ACK, the ACK that completed the handshake (null when not seen). */
  syn: IsoTime | null;
  synAck: IsoTime | null;
  ack: IsoTime | null;
  synFrame: number | null;
  /**
   * Present only when synFrame counts in another input than the connection's `input`: that input.
   * Likewise synAckInput and ackInput for the frames before them.
   */
  synInput?: string;
  synAckFrame: number | null;
  synAckInput?: string;
  ackFrame: number | null;
  ackInput?: string;
  /** SYNs seen with the client's ISN (1 = no retransmission). */
  synCount: number;
  synAckCount: number;
  /** Gaps between successive SYN transmissions (RFC 6298 backoff, e.g. [1, 2, 4]). */
  synBackoff: Seconds[];
  rtt: {
    /** First SYN → first SYN/ACK: the server side of the RTT plus any SYN loss. */
    synToSynAck: Seconds | null;
    /** Last SYN before the SYN/ACK → SYN/ACK: the server-side RTT at the capture point. */
    lastSynToSynAck: Seconds | null;
    /**
     * Last SYN/ACK before the server synchronized → ACK: the client side of the RTT at the capture
     * point (from the last copy of a retransmitted SYN/ACK). Null when the ACK came before it.
     */
    synAckToAck: Seconds | null;
    /** lastSynToSynAck + synAckToAck: the full RTT as seen at the capture point. */
    total: Seconds | null;
  };
  /** First SYN → completing ACK. */
  duration: Seconds | null;
}

export interface DirectionData {
  packets: number;
  /** Payload bytes, each counted once. */
  bytes: number;
  /** Payload bytes of segments that resent sequence space already seen. */
  retransmittedBytes: number;
  retransmittedPackets: number;
  firstData: IsoTime | null;
  lastData: IsoTime | null;
  /**
   * Of `bytes`, those at or past the side's SND.NXT when it first acknowledged its peer's FIN:
   * written to a half-closed connection (flow/endpoint.ts). 0 when none, or it never acknowledged a
   * FIN of its peer. Since 2026-12-07 (optional in the schema: older lines lack it).
   */
  bytesAfterPeerFin: number;
}

export interface DataReport {
  client: DirectionData;
  server: DirectionData;
  /** First client payload → first server payload after it. */
  timeToFirstByte: Seconds | null;
}

export interface CloseReport {
  kind: CloseKind;
  /** Who sent the first FIN (or RST for kind 'reset'). 'both' for simultaneous close. */
  initiator: Role | 'both' | null;
  /** Who sent the accepted RST that ended the connection. */
  resetBy: Role | 'both' | null;
  firstFin: IsoTime | null;
  firstFinFrame: number | null;
  /** Present only when firstFinFrame counts in another input than the connection's `input`: that input. */
  firstFinInput?: string;
  /** The last ACK of the close (or the RST), when the close completed. */
  completed: IsoTime | null;
  /** First FIN → completion. */
  duration: Seconds | null;
  /** Time each endpoint spent in FIN_WAIT_2 and CLOSE_WAIT (up to the capture's end when never left). */
  finWait2: { client: Seconds | null; server: Seconds | null };
  closeWait: { client: Seconds | null; server: Seconds | null };
  timeWait: {
    client: { enteredAt: IsoTime | null; heldAtEnd: boolean };
    server: { enteredAt: IsoTime | null; heldAtEnd: boolean };
  };
}

export interface AnomalyReport {
  code: string;
  severity: Severity;
  endpoint: Role | null;
  frame: number;
  /** Present only when `frame` counts in another input than the connection's `input`: that input. */
  input?: string;
  time: IsoTime;
  /** One line of English, rendered from code + details (JSON users should match on `code`). */
  message: string;
  /** Typed facts behind the message (e.g. { expectedAck, gotAck }). */
  details: Record<string, number | string | boolean | null>;
}

export interface LadderRow {
  frame: number;
  /** Present only when the row's frame counts in another input than the connection's `input`: that input. */
  input?: string;
  /** Seconds since the connection's first packet. */
  t: Seconds;
  from: Role;
  /** e.g. "SYN", "SYN,ACK", "FIN,ACK", "RST". */
  flags: string;
  /** Relative to the sender's ISN (0 = ISN), or raw when the ISN is unknown. */
  seq: number;
  /** Relative to the receiver's ISN; null when ACK is not set. */
  ack: number | null;
  len: number;
  clientState: EndpointState;
  serverState: EndpointState;
  anomalies: string[];
}
