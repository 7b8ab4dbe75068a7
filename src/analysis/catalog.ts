/**
 * Every anomaly code, its severity, a one-line meaning and the reference that defines the
 * expected behaviour (Zeek's weird table, knip's ISSUE_TYPES). Codes are never renamed; a retired
 * code stays here marked deprecated. docs/anomalies.md lists the same keys (a test checks).
 * Thresholds that decide some codes are settings (lingerSeconds) or the constants beside them.
 */
import type { Severity } from '../report/model.js';

export interface AnomalyInfo {
  severity: Severity;
  summary: string;
  ref: string;
  deprecated?: boolean;
}

export const ANOMALIES = {
  HALF_OPEN: { severity: 'warn', summary: 'SYN never answered: the client is left in SYN_SENT', ref: '9293 §3.5.1' },
  HANDSHAKE_INCOMPLETE: { severity: 'warn', summary: 'no ACK of the SYN/ACK reached the server: it is left in SYN_RECEIVED', ref: '9293 §3.5' },
  REFUSED: { severity: 'warn', summary: 'the SYN was answered by RST (nothing listening)', ref: '9293 §3.10.7.1' },
  RESET: { severity: 'warn', summary: 'an established connection was ended by an accepted RST', ref: '9293 §3.5.2' },
  SIMULTANEOUS_OPEN: { severity: 'info', summary: 'both sides sent a bare SYN: SYN_SENT -> SYN_RECEIVED', ref: '9293 §3.5 Fig. 7' },
  SIMULTANEOUS_CLOSE: { severity: 'info', summary: 'FINs crossed: CLOSING reached', ref: '9293 §3.6 Fig. 13' },
  LINGERING_FIN_WAIT_2: { severity: 'warn', summary: 'FIN_WAIT_2 held past lingerSeconds with the peer quiet, or at the end of the record', ref: '9293 Fig. 5' },
  LINGERING_CLOSE_WAIT: { severity: 'warn', summary: 'CLOSE_WAIT held past lingerSeconds after its last payload, or at the end of the record (the application never closed)', ref: '9293 Fig. 5' },
  SYN_RETRANSMIT: { severity: 'info', summary: 'a SYN with the same ISN was sent again', ref: '6298 §5, 9293 §3.8.1' },
  SYNACK_RETRANSMIT: { severity: 'info', summary: 'a SYN/ACK with the same ISN was sent again', ref: '6298 §5' },
  FIN_RETRANSMIT: { severity: 'info', summary: 'a FIN with the same sequence number was sent again', ref: '9293 §3.8.1' },
  BAD_HANDSHAKE_ACK: { severity: 'error', summary: 'a SYN/ACK or handshake ACK acknowledges the wrong sequence number', ref: '9293 §3.10.7.3' },
  DATA_AFTER_FIN: { severity: 'warn', summary: 'new payload sent beyond the sender\'s own FIN', ref: '9293 §3.10.4' },
  DATA_AFTER_RESET: { severity: 'info', summary: 'payload seen after the connection was reset (in flight, or a stale peer)', ref: '9293 §3.10.7.4' },
  OUT_OF_WINDOW_RST: { severity: 'warn', summary: 'a RST outside the receiver\'s window: ignored, not a close (spoofed or stale)', ref: '9293 §3.10.7.4, 5961 §3' },
  MIDSTREAM: { severity: 'info', summary: 'the capture joined an open connection: no handshake, roles guessed', ref: 'docs/state-model.md' },
  PORT_REUSE: { severity: 'info', summary: 'the 4-tuple was used by an earlier connection in this capture', ref: '9293 §3.4.1' },
  NOT_CLOSED: { severity: 'info', summary: 'the connection was still open when its record ended', ref: '9293 §3.6' },
  CAPTURE_LOSS: { severity: 'warn', summary: 'data acknowledged but never captured, or a gap in a stream: verdicts may be unreliable', ref: 'docs/state-model.md' },
  SYN_WITH_DATA: { severity: 'info', summary: 'payload on a SYN (TCP Fast Open)', ref: '7413' },
  RST_WITH_DATA: { severity: 'info', summary: 'payload on a RST (diagnostic text)', ref: '9293 §3.5.3' },
  INVALID_FLAGS: { severity: 'warn', summary: 'an impossible flag combination (SYN+FIN, SYN+RST, no flags, FIN+PSH+URG without ACK): ignored for state, but a SYN+FIN that opens is taken as the SYN', ref: '9293 §3.1' },
  ZERO_WINDOW: { severity: 'info', summary: 'a zero receive window was advertised', ref: '9293 §3.8.6.1' },
  TIMESTAMP_BACKWARDS: { severity: 'info', summary: 'TSval went backwards (PAWS would drop it)', ref: '7323 §5' },
  DUPLICATE_PACKETS: { severity: 'info', summary: 'exact copies of a segment within 1 ms (captured twice)', ref: 'docs/state-model.md' },
  SEQ_WRAP: { severity: 'info', summary: 'the sequence space wrapped past 2^32 inside the connection', ref: '9293 §3.4' },
  TIME_WAIT_REUSE: { severity: 'info', summary: 'a new connection reused the tuple while the previous one was still in TIME_WAIT', ref: '6191' },
  TIME_WAIT_ASSASSINATION: { severity: 'info', summary: 'a RST ended TIME_WAIT before 2×MSL (RFC 9293 and Linux close; RFC 1337 would ignore it)', ref: '1337, 9293 §3.10.7.4' },
  UNEXPECTED_SYN: { severity: 'warn', summary: 'a SYN with a new ISN inside a synchronized connection (not a new connection)', ref: '9293 §3.10.7.4, 5961 §4' },
  SEGMENT_IN_WRONG_STATE: { severity: 'info', summary: 'Figure 5 has no arc for this segment in the endpoint\'s state', ref: '9293 Fig. 5' },
  KEEP_ALIVE: { severity: 'info', summary: 'keep-alive probes: SND.NXT-1 with no data or one garbage byte, not counted as retransmission or data (not to a zero window: ZERO_WINDOW_PROBE)', ref: '9293 §3.8.4' },
  OUT_OF_ORDER: { severity: 'info', summary: 'a segment arrived within 3 ms after a later one, before two duplicate ACKs asked for it, and filled the gap: reordered before the capture point, not lost', ref: '9293 §3.10.7.4' },
  SYN_CHALLENGE_ACK: { severity: 'warn', summary: 'the SYN reusing a tuple was answered by a bare ACK of the previous connection (its TIME_WAIT, or a side that still held it open: a challenge ACK), not a SYN/ACK: the client resets it and resends the SYN; recognised without that connection in the capture too', ref: '9293 §3.10.7.4, 5961 §4, 6191' },
  ZERO_WINDOW_PROBE: { severity: 'info', summary: 'zero-window probes: segments sent to a peer advertising a zero window, to learn when it opens (the persist timer), not keep-alives, retransmissions or new data', ref: '9293 §3.8.6.1' },
  UNANSWERED_RETRANSMISSIONS: { severity: 'warn', summary: 'the first unacknowledged segment was resent at least twice and never acknowledged before the record ended: the peer or the path stopped answering (a sender then gives up silently, or with a RST)', ref: '6298 §5, 9293 §3.8.3' },
  ICMP_ERROR: { severity: 'warn', summary: 'an ICMP or ICMPv6 error came back about one of the endpoint\'s segments (destination unreachable, time exceeded, parameter problem): about its SYN, the attempt was rejected or unroutable (handshake `unreachable`), not unanswered', ref: '1122 §4.2.3.9, 5461, 5927' },
  ICMP_PACKET_TOO_BIG: { severity: 'info', summary: 'an ICMP fragmentation needed or ICMPv6 packet too big came back about one of the endpoint\'s segments: path MTU discovery at work (a black hole if the segments are never resent smaller)', ref: '1191, 8201' },
} as const satisfies Record<string, AnomalyInfo>;

export type AnomalyCode = keyof typeof ANOMALIES;

export const ANOMALY_CODES = Object.keys(ANOMALIES) as AnomalyCode[];

/** Anomaly instance as the tracker records it: no English (that is messages.ts). */
export interface Anomaly {
  code: AnomalyCode;
  /** 0 = client, 1 = server, -1 = the connection as a whole. */
  endpoint: number;
  frameNo: number;
  /** The input `frameNo` counts in (frames restart at 1 in each input; see Transition.input). */
  input: string;
  tNanos: number;
  details: Record<string, number | string | boolean | null>;
}
