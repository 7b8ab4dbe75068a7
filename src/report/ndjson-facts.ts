/**
 * A connection's NDJSON line written from its digest (analysis/digest.ts) and the connection's own
 * state, without the ConnectionReport: the same bytes as `ndjsonConnectionLine(reportFromDigest(d))`,
 * which test/report/ndjson-facts.test.ts checks on every capture of the corpus.
 *
 * Why: building the report's ~40 objects and ~23 ISO strings per connection, then checking their
 * shapes and copying the strings into the output, was most of the time the CLI spent after
 * tracking (docs/benchmarks.md, "Writing NDJSON from the digest"). Here instants go from capture
 * nanoseconds to bytes in the output (IsoFormatter.write), and the values come straight from the
 * digest and the endpoints.
 *
 * The order of keys is connection-report.ts's; each value is the one it puts there (the digest
 * decides every rule, both renderings only read it). A connection with ladder rows is not written
 * here (LINE_UNEXPECTED_SHAPE): the caller builds the report for it.
 */
import type { ConnectionDigest } from '../analysis/digest.js';
import { seconds } from '../capture/clock.js';
import type { IsoFormatter } from '../analysis/iso.js';
import type { ConnectionFacts } from '../flow/connection.js';
import type { Endpoint } from '../flow/endpoint.js';
import { formatAddress } from '../flow/key.js';
import {
  CLOSE_BRACE, CLOSE_BRACKET, COMMA, F_ANOMALIES, F_BYTES, F_BYTES_IN, F_CAPTURE_LOSS, F_WIRESHARK_OF, F_CLIENT, F_CLOSE_WAIT, F_COMPLETED,
  F_DATA, F_DATA_SERVER, F_DURATION, F_END_CLOSE, F_END_ENDPOINT, F_FIN_WAIT_2, F_FIRST_DATA, F_FIRST_FIN, F_FIRST_FIN_FRAME,
  F_FIRST_FRAME, F_FIRST_SEEN, F_GAP, F_HEAD, F_HISTORY, F_ISN, F_LAST_DATA, F_BYTES_AFTER_PEER_FIN, F_LAST_FRAME, F_LAST_SEEN, F_LAST_SYN_TO_SYN_ACK,
  F_LINE_END, F_MIDSTREAM, F_NULL, F_OPTIONS, F_ORIG_IS_CLIENT, F_PACKETS, F_PORT, F_PORT_REUSE, F_PREVIOUS_ID,
  F_RETRANSMITTED_BYTES, F_RETRANSMITTED_PACKETS, F_ROLES_GUESSED, F_RTT, F_RTT_END_DURATION, F_SACK_PERMITTED, F_SERVER,
  F_SERVER_IN, F_SYN, F_SYN_ACK, F_SYN_ACK_COUNT, F_SYN_ACK_FRAME, F_SYN_ACK_TO_ACK, F_SYN_BACKOFF, F_SYN_COUNT, F_SYN_FRAME,
  F_ACK, F_ACK_FRAME, F_TIME, F_TIMESTAMPS, F_TIME_TO_FIRST_BYTE, F_TIME_WAIT, F_TOTAL, F_TRANSITIONS, F_TW_HELD, F_TW_SERVER,
  F_WINDOW_SCALE, UNEXPECTED, W_CLOSE, W_ENDED, W_EVIDENCE, W_FINAL_STATE, W_HANDSHAKE, W_INITIATOR, W_INPUT, W_LAST_INPUT, W_RESET_BY,
  W_ZEEK, W_ACK_INPUT, W_FIRST_FIN_INPUT, W_SYN_ACK_INPUT, W_SYN_INPUT, QUOTE, anomaly, boolAt, byte, frag, isoAt, num, numAt, str, strAt, transitionHead, writeLine, type Obj,
} from './ndjson-out.js';

export { LINE_NO_ROOM, LINE_UNEXPECTED_SHAPE } from './ndjson-out.js';

/**
 * Writes the NDJSON line of the digested connection (its newline included) into `buf` at `pos`.
 * Returns the position after it, LINE_NO_ROOM when it does not fit before the end of `buf`, or
 * LINE_UNEXPECTED_SHAPE for what only the report can show (ladder rows, or an anomaly's details
 * that are not flat). On either failure, bytes of `buf` from `pos` on may have been overwritten.
 */
export function writeDigestLine(d: ConnectionDigest, buf: Buffer, pos: number): number {
  return writeLine(line, d, buf, pos);
}

function line(d: ConnectionDigest, p: number): number {
  const c = d.c;
  if (c.ladder !== null) throw UNEXPECTED;
  const fmt = d.iso;
  p = numAt(F_HEAD, c.id, p);
  p = frag(F_CLIENT, p);
  p = endpoint(c, c.client, true, fmt, p);
  p = frag(F_SERVER, p);
  p = endpoint(c, c.server, false, fmt, p);
  p = boolAt(F_ROLES_GUESSED, c.rolesGuessed, p);
  p = boolAt(F_MIDSTREAM, c.midstream, p);
  p = frag(F_PORT_REUSE, p);
  if (d.portReuseGap !== null) {
    p = numAt(F_PREVIOUS_ID, c.portReusePrevId, p);
    p = numAt(F_GAP, d.portReuseGap, p);
    p = byte(CLOSE_BRACE, p);
  } else p = frag(F_NULL, p);
  p = isoAt(F_FIRST_SEEN, fmt, c.firstNanos, p);
  p = isoAt(F_LAST_SEEN, fmt, c.lastNanos, p);
  p = numAt(F_DURATION, d.duration, p);
  p = W_INPUT.write(c.input, p);
  p = numAt(F_FIRST_FRAME, c.firstFrame, p);
  p = numAt(F_LAST_FRAME, c.lastFrame, p);
  if (c.lastInput !== c.input) p = W_LAST_INPUT.write(c.lastInput, p);
  p = W_ENDED.write(d.ended, p);
  p = handshake(d, p);
  p = data(d, p);
  p = close(d, p);
  p = numAt(F_PACKETS, c.client.packets, p);
  p = numAt(F_SERVER_IN, c.server.packets, p);
  p = byte(CLOSE_BRACE, p);
  p = numAt(F_BYTES, c.client.bytes, p);
  p = numAt(F_SERVER_IN, c.server.bytes, p);
  p = byte(CLOSE_BRACE, p);
  p = frag(F_ANOMALIES, p);
  const anomalies = d.anomalies;
  for (let j = 0; j < anomalies.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    p = anomaly(anomalies[j], p);
  }
  p = byte(CLOSE_BRACKET, p);
  const zeek = c.zeekVerdict();
  p = W_ZEEK.write(zeek.connState, p);
  p = strAt(F_HISTORY, zeek.history, p);
  p = boolAt(F_ORIG_IS_CLIENT, zeek.origIsClient, p);
  p = byte(CLOSE_BRACE, p);
  p = frag(F_WIRESHARK_OF[c.completeness], p);
  p = boolAt(F_CAPTURE_LOSS, c.captureLoss, p);
  return frag(F_LINE_END, p);
}

function endpoint(c: ConnectionFacts, ep: Endpoint, isClient: boolean, fmt: IsoFormatter, p: number): number {
  // `{"ip":` was written with the key before it.
  const sideA = isClient === c.clientIsA;
  const k = c.key;
  p = k.v6 ? str(formatAddress(k, sideA), p) : ipv4(sideA ? k.a0 : k.b0, p);
  p = numAt(F_PORT, sideA ? c.key.aPort : c.key.bPort, p);
  p = W_FINAL_STATE.write(ep.state, p);
  p = numAt(F_ISN, ep.synSeen ? ep.iss >>> 0 : null, p);
  p = numAt(F_OPTIONS, ep.mss >= 0 ? ep.mss : null, p);
  p = numAt(F_WINDOW_SCALE, ep.wscale >= 0 ? ep.wscale : null, p);
  p = boolAt(F_SACK_PERMITTED, ep.sackPermitted, p);
  p = boolAt(F_TIMESTAMPS, ep.timestamps, p);
  p = frag(F_TRANSITIONS, p);
  const ts = ep.transitions;
  for (let j = 0; j < ts.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    const t = ts[j];
    p = transitionHead(t as unknown as Obj, p);
    p = num(t.frameNo, p);
    if (t.input !== c.input) p = W_INPUT.write(t.input, p);
    p = isoAt(F_TIME, fmt, t.tNanos, p);
    p = W_EVIDENCE.write(t.evidence, p);
    p = byte(CLOSE_BRACE, p);
  }
  return frag(F_END_ENDPOINT, p);
}

/** A quoted dotted quad: formatAddress's text for IPv4, without the string. */
function ipv4(w: number, p: number): number {
  p = byte(QUOTE, p);
  p = num((w >>> 24) & 255, p);
  p = byte(DOT, p);
  p = num((w >>> 16) & 255, p);
  p = byte(DOT, p);
  p = num((w >>> 8) & 255, p);
  p = byte(DOT, p);
  p = num(w & 255, p);
  return byte(QUOTE, p);
}

const DOT = 0x2e;

function handshake(d: ConnectionDigest, p: number): number {
  const c = d.c;
  const fmt = d.iso;
  p = W_HANDSHAKE.write(d.outcome, p);
  p = isoAt(F_SYN, fmt, d.synNanos, p);
  p = isoAt(F_SYN_ACK, fmt, d.synAckNanos, p);
  p = isoAt(F_ACK, fmt, d.ackNanos, p);
  p = numAt(F_SYN_FRAME, d.synFrame, p);
  if (d.synInput !== null) p = W_SYN_INPUT.write(d.synInput, p);
  p = numAt(F_SYN_ACK_FRAME, d.synAckFrame, p);
  if (d.synAckInput !== null) p = W_SYN_ACK_INPUT.write(d.synAckInput, p);
  p = numAt(F_ACK_FRAME, d.ackFrame, p);
  if (d.ackInput !== null) p = W_ACK_INPUT.write(d.ackInput, p);
  p = numAt(F_SYN_COUNT, c.client.synCount, p);
  p = numAt(F_SYN_ACK_COUNT, c.server.synAckCount, p);
  p = frag(F_SYN_BACKOFF, p);
  const backoff = c.synBackoffNanos;
  if (backoff !== null) {
    for (let j = 0; j < backoff.length; j++) {
      if (j > 0) p = byte(COMMA, p);
      p = num(seconds(backoff[j], d.unitNanos), p);
    }
  }
  p = numAt(F_RTT, d.synToSynAck, p);
  p = numAt(F_LAST_SYN_TO_SYN_ACK, d.lastSynToSynAck, p);
  p = numAt(F_SYN_ACK_TO_ACK, d.synAckToAck, p);
  p = numAt(F_TOTAL, d.rttTotal, p);
  p = numAt(F_RTT_END_DURATION, d.handshakeDuration, p);
  return byte(CLOSE_BRACE, p);
}

function direction(ep: Endpoint, fmt: IsoFormatter, firstData: number, lastData: number, p: number): number {
  // `{"packets":` was written with the key before it.
  p = num(ep.packets, p);
  p = numAt(F_BYTES_IN, ep.bytes, p);
  p = numAt(F_RETRANSMITTED_BYTES, ep.retransBytes, p);
  p = numAt(F_RETRANSMITTED_PACKETS, ep.retransPackets, p);
  p = isoAt(F_FIRST_DATA, fmt, firstData, p);
  p = isoAt(F_LAST_DATA, fmt, lastData, p);
  p = numAt(F_BYTES_AFTER_PEER_FIN, ep.bytesAfterPeerFin, p);
  return byte(CLOSE_BRACE, p);
}

function data(d: ConnectionDigest, p: number): number {
  p = frag(F_DATA, p);
  p = direction(d.c.client, d.iso, d.clientFirstData, d.clientLastData, p);
  p = frag(F_DATA_SERVER, p);
  p = direction(d.c.server, d.iso, d.serverFirstData, d.serverLastData, p);
  p = numAt(F_TIME_TO_FIRST_BYTE, d.timeToFirstByte, p);
  return byte(CLOSE_BRACE, p);
}

function close(d: ConnectionDigest, p: number): number {
  const c = d.c;
  const fmt = d.iso;
  p = W_CLOSE.write(d.closeKind, p);
  p = W_INITIATOR.write(d.initiator, p);
  p = W_RESET_BY.write(d.resetBy, p);
  p = isoAt(F_FIRST_FIN, fmt, d.firstFinNanos, p);
  p = numAt(F_FIRST_FIN_FRAME, d.firstFinFrame, p);
  if (d.firstFinInput !== null) p = W_FIRST_FIN_INPUT.write(d.firstFinInput, p);
  p = isoAt(F_COMPLETED, fmt, d.completedNanos, p);
  p = numAt(F_DURATION, d.closeDuration, p);
  p = numAt(F_FIN_WAIT_2, d.finWait2Client, p);
  p = numAt(F_SERVER_IN, d.finWait2Server, p);
  p = numAt(F_CLOSE_WAIT, d.closeWaitClient, p);
  p = numAt(F_SERVER_IN, d.closeWaitServer, p);
  p = isoAt(F_TIME_WAIT, fmt, d.timeWaitClientNanos, p);
  p = boolAt(F_TW_HELD, c.client.state === 'TIME_WAIT', p);
  p = isoAt(F_TW_SERVER, fmt, d.timeWaitServerNanos, p);
  p = boolAt(F_TW_HELD, c.server.state === 'TIME_WAIT', p);
  return frag(F_END_CLOSE, p);
}
