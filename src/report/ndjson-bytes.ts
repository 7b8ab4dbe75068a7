/**
 * An NDJSON connection line encoded straight into a batch Buffer as UTF-8: the same bytes as
 * `ndjsonConnectionLine(c)` (`{"type":"connection",` + JSON.stringify(c) after its `{` + "\n"),
 * without building the JSON string first. JSON.stringify and the Buffer write were ~0.8 s of a
 * ~3.7 s `--format ndjson` run on the 1 GB benchmark capture; this writes the same lines ~1.6x
 * as fast (~1.5x when the writer's time also pays for collecting JSON.stringify's garbage;
 * bench/ndjson-writer.mjs, Node 20). Writing bytes is what gains: a hand serializer that
 * concatenated strings was no faster than JSON.stringify.
 *
 * Why the bytes are JSON.stringify's, whatever the report holds:
 * - Every object is checked before it is written: a plain object (prototype Object.prototype, no
 *   `toJSON`), whose enumerable keys are exactly the keys connection-report.ts, phases.ts and
 *   zeek.ts create, in their insertion order (the order JSON.stringify prints). Anything else (a
 *   key added, missing or moved, a class instance, a `toJSON`) makes the caller fall back to
 *   JSON.stringify for that line: an unexpected report is slower, never different.
 * - Leaves are written from their runtime type, not the schema's: a string, number, boolean or
 *   null anywhere prints as JSON.stringify prints it. undefined, functions, symbols and bigints
 *   (dropped or thrown on by JSON.stringify), and objects where a leaf belongs, fall back.
 * - A string is copied while it is printable ASCII without `"` or `\`; any other code unit sends
 *   it to JSON.stringify (escapes, lone surrogates) and a UTF-8 write.
 * - A number prints as String(n), JSON.stringify's text for a finite number, made by hand for
 *   integers up to 2^32-1 (and -0, printed "0") and for durations (nanoDecimal); NaN and
 *   ±Infinity print null.
 * - Anomaly `details` (shapes vary by code) are written key by key in enumeration order, with the
 *   same checks, values being leaves.
 * - Cached bytes (WordCache, transitionHead) are a function of the string values they are looked
 *   up by, written the uncached way the first time.
 */
import type { ConnectionReport } from './model.js';
import {
  CLOSE_BRACE, CLOSE_BRACKET, COMMA, F_ACK, F_ACK_FRAME, F_ANOMALIES, F_BYTES, F_BYTES_IN, F_CAPTURE_LOSS, F_CLIENT, F_COMPLETENESS_FLAGS, F_COMPLETENESS_TEXT, F_WIRESHARK,
  F_CLIENT_STATE, F_CLOSE_WAIT, F_COMPLETED, F_DATA, F_DATA_SERVER, F_DURATION, F_END_CLOSE, F_END_ENDPOINT, F_END_ROW,
  F_FIN_WAIT_2, F_FIRST_DATA, F_FIRST_FIN, F_FIRST_FIN_FRAME, F_FIRST_FRAME, F_FIRST_SEEN, F_FLAGS, F_GAP, F_HEAD, F_HISTORY,
  F_ISN, F_LADDER, F_LAST_DATA, F_BYTES_AFTER_PEER_FIN, F_LAST_FRAME, F_LAST_SEEN, F_LAST_SYN_TO_SYN_ACK, F_LEN, F_LINE_END, F_MIDSTREAM, F_OPTIONS,
  F_ORIG_IS_CLIENT, F_PACKETS, F_PORT, F_PORT_REUSE, F_PREVIOUS_ID, F_RETRANSMITTED_BYTES, F_RETRANSMITTED_PACKETS,
  F_ROLES_GUESSED, F_ROW_ANOMALIES, F_ROW_FRAME, F_ROW_FROM, F_RTT, F_RTT_END_DURATION, F_SACK_PERMITTED, F_SEQ, F_SERVER,
  F_SERVER_IN, F_SERVER_STATE, F_SYN, F_SYN_ACK, F_SYN_ACK_COUNT, F_SYN_ACK_FRAME, F_SYN_ACK_TO_ACK, F_SYN_BACKOFF,
  F_SYN_COUNT, F_SYN_FRAME, F_T, F_TIME, F_TIMESTAMPS, F_TIME_TO_FIRST_BYTE, F_TIME_WAIT, F_TOTAL, F_TRANSITIONS, F_TW_HELD,
  F_TW_SERVER, F_WINDOW_SCALE, UNEXPECTED, W_CLOSE, W_ENDED, W_EVIDENCE, W_FINAL_STATE, W_HANDSHAKE, W_INITIATOR, W_INPUT, W_LAST_INPUT,
  W_RESET_BY, W_ZEEK, AFTER_FRAME, W_ACK_INPUT, W_FIRST_FIN_INPUT, W_SYN_ACK_INPUT, W_SYN_INPUT, anomaly, array, boolAt, byte,
  frag, leaf, num, numAt, shaped, shapedWith, str, strAt, transitionHead, writeLine, type Obj, type OptionalKey,
} from './ndjson-out.js';

export { LINE_NO_ROOM, LINE_UNEXPECTED_SHAPE } from './ndjson-out.js';

// Keys in insertion order, as built by analysis/connection-report.ts (the report, its endpoints,
// transitions and phases), analysis/digest.ts (anomalies), analysis/zeek.ts (result()), analysis/completeness.ts (wiresharkReport()) and
// flow/connection.ts (ladder rows).
const K_REPORT = ['id', 'client', 'server', 'rolesGuessed', 'midstream', 'portReuse', 'firstSeen', 'lastSeen', 'duration', 'input',
  'firstFrame', 'lastFrame', 'ended', 'handshake', 'data', 'close', 'packets', 'bytes', 'anomalies', 'zeek', 'wireshark', 'captureLoss', 'ladder'];
const K_ENDPOINT = ['ip', 'port', 'finalState', 'isn', 'options', 'transitions'];
const K_OPTIONS = ['mss', 'windowScale', 'sackPermitted', 'timestamps'];
const K_TRANSITION = ['from', 'to', 'arc', 'frame', 'time', 'evidence'];
const K_PORT_REUSE = ['previousId', 'gap'];
const K_HANDSHAKE = ['outcome', 'syn', 'synAck', 'ack', 'synFrame', 'synAckFrame', 'ackFrame', 'synCount', 'synAckCount', 'synBackoff', 'rtt', 'duration'];
// Each frame's input, right after it, when not the connection's `input` (as lastInput after lastFrame).
const O_HANDSHAKE: readonly OptionalKey[] = [['synInput', 'synFrame'], ['synAckInput', 'synAckFrame'], ['ackInput', 'ackFrame']];
const K_RTT = ['synToSynAck', 'lastSynToSynAck', 'synAckToAck', 'total'];
const K_DATA = ['client', 'server', 'timeToFirstByte'];
const K_DIRECTION = ['packets', 'bytes', 'retransmittedBytes', 'retransmittedPackets', 'firstData', 'lastData', 'bytesAfterPeerFin'];
const K_CLOSE = ['kind', 'initiator', 'resetBy', 'firstFin', 'firstFinFrame', 'completed', 'duration', 'finWait2', 'closeWait', 'timeWait'];
const O_CLOSE: readonly OptionalKey[] = [['firstFinInput', 'firstFinFrame']];
const K_CLIENT_SERVER = ['client', 'server'];
const K_TIME_WAIT = ['enteredAt', 'heldAtEnd'];
const K_ZEEK = ['connState', 'history', 'origIsClient'];
const K_WIRESHARK = ['completeness', 'completenessText', 'completenessFlags'];
const K_LADDER_ROW = ['frame', 't', 'from', 'flags', 'seq', 'ack', 'len', 'clientState', 'serverState', 'anomalies'];

/**
 * Writes the NDJSON line of `c` (its newline included) into `buf` at `pos`. Returns the position
 * after it; LINE_NO_ROOM when it does not fit before the end of `buf`; LINE_UNEXPECTED_SHAPE when
 * `c` is not shaped like the reports analyze() builds (the caller then uses JSON.stringify). On
 * either failure, bytes of `buf` from `pos` on may have been overwritten.
 */
export function writeConnectionLine(c: ConnectionReport, buf: Buffer, pos: number): number {
  return writeLine(connection, c as unknown as Obj, buf, pos);
}

function connection(c: Obj, p: number): number {
  // `ladder` is the last key and optional: present only with ladder rows.
  if (typeof c !== 'object' || c === null || Object.getPrototypeOf(c) !== Object.prototype || c.toJSON !== undefined) throw UNEXPECTED;
  let i = 0;
  // `lastInput` is optional, between lastFrame and ended.
  let lastInput = false;
  for (const k in c) {
    if (k === 'lastInput' && K_REPORT[i] === 'ended' && !lastInput) { lastInput = true; continue; }
    if (k !== K_REPORT[i]) throw UNEXPECTED;
    i++;
  }
  if (i < K_REPORT.length - 1) throw UNEXPECTED;
  p = numAt(F_HEAD, c.id, p);
  p = frag(F_CLIENT, p);
  p = endpoint(c.client, p);
  p = frag(F_SERVER, p);
  p = endpoint(c.server, p);
  p = boolAt(F_ROLES_GUESSED, c.rolesGuessed, p);
  p = boolAt(F_MIDSTREAM, c.midstream, p);
  p = frag(F_PORT_REUSE, p);
  const reuse = c.portReuse;
  if (typeof reuse !== 'object' || reuse === null) p = leaf(reuse, p); // null, as a rule
  else {
    const r = shaped(reuse, K_PORT_REUSE);
    p = numAt(F_PREVIOUS_ID, r.previousId, p);
    p = numAt(F_GAP, r.gap, p);
    p = byte(CLOSE_BRACE, p);
  }
  p = strAt(F_FIRST_SEEN, c.firstSeen, p);
  p = strAt(F_LAST_SEEN, c.lastSeen, p);
  p = numAt(F_DURATION, c.duration, p);
  p = W_INPUT.write(c.input, p);
  p = numAt(F_FIRST_FRAME, c.firstFrame, p);
  p = numAt(F_LAST_FRAME, c.lastFrame, p);
  if (lastInput) p = W_LAST_INPUT.write(c.lastInput, p);
  p = W_ENDED.write(c.ended, p);
  p = handshake(c.handshake, p);
  p = data(c.data, p);
  p = close(c.close, p);
  const packets = shaped(c.packets, K_CLIENT_SERVER);
  p = numAt(F_PACKETS, packets.client, p);
  p = numAt(F_SERVER_IN, packets.server, p);
  p = byte(CLOSE_BRACE, p);
  const bytes = shaped(c.bytes, K_CLIENT_SERVER);
  p = numAt(F_BYTES, bytes.client, p);
  p = numAt(F_SERVER_IN, bytes.server, p);
  p = byte(CLOSE_BRACE, p);
  p = frag(F_ANOMALIES, p);
  const anomalies = array(c.anomalies);
  for (let j = 0; j < anomalies.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    p = anomaly(anomalies[j], p);
  }
  p = byte(CLOSE_BRACKET, p);
  const zeek = shaped(c.zeek, K_ZEEK);
  p = W_ZEEK.write(zeek.connState, p);
  p = strAt(F_HISTORY, zeek.history, p);
  p = boolAt(F_ORIG_IS_CLIENT, zeek.origIsClient, p);
  p = byte(CLOSE_BRACE, p);
  const ws = shaped(c.wireshark, K_WIRESHARK);
  p = numAt(F_WIRESHARK, ws.completeness, p);
  p = strAt(F_COMPLETENESS_TEXT, ws.completenessText, p);
  p = strAt(F_COMPLETENESS_FLAGS, ws.completenessFlags, p);
  p = byte(CLOSE_BRACE, p);
  p = boolAt(F_CAPTURE_LOSS, c.captureLoss, p);
  // JSON.stringify leaves out a key whose value is undefined.
  if (i === K_REPORT.length && c.ladder !== undefined) p = ladder(c.ladder, p);
  return frag(F_LINE_END, p);
}

function endpoint(v: unknown, p: number): number {
  // `{"ip":` was written with the key before it.
  const e = shaped(v, K_ENDPOINT);
  p = str(e.ip, p);
  p = numAt(F_PORT, e.port, p);
  p = W_FINAL_STATE.write(e.finalState, p);
  p = numAt(F_ISN, e.isn, p);
  const o = shaped(e.options, K_OPTIONS);
  p = numAt(F_OPTIONS, o.mss, p);
  p = numAt(F_WINDOW_SCALE, o.windowScale, p);
  p = boolAt(F_SACK_PERMITTED, o.sackPermitted, p);
  p = boolAt(F_TIMESTAMPS, o.timestamps, p);
  p = frag(F_TRANSITIONS, p);
  const ts = array(e.transitions);
  for (let j = 0; j < ts.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    const withInput = shapedWith(ts[j], K_TRANSITION, AFTER_FRAME) !== 0;
    const t = ts[j] as Obj;
    p = transitionHead(t, p);
    p = num(t.frame, p);
    // JSON.stringify leaves out a key whose value is undefined.
    if (withInput && t.input !== undefined) p = W_INPUT.write(t.input, p);
    p = strAt(F_TIME, t.time, p);
    p = W_EVIDENCE.write(t.evidence, p);
    p = byte(CLOSE_BRACE, p);
  }
  return frag(F_END_ENDPOINT, p);
}

function handshake(v: unknown, p: number): number {
  const inputs = shapedWith(v, K_HANDSHAKE, O_HANDSHAKE);
  const h = v as Obj;
  p = W_HANDSHAKE.write(h.outcome, p);
  p = strAt(F_SYN, h.syn, p);
  p = strAt(F_SYN_ACK, h.synAck, p);
  p = strAt(F_ACK, h.ack, p);
  p = numAt(F_SYN_FRAME, h.synFrame, p);
  if ((inputs & 1) !== 0 && h.synInput !== undefined) p = W_SYN_INPUT.write(h.synInput, p);
  p = numAt(F_SYN_ACK_FRAME, h.synAckFrame, p);
  if ((inputs & 2) !== 0 && h.synAckInput !== undefined) p = W_SYN_ACK_INPUT.write(h.synAckInput, p);
  p = numAt(F_ACK_FRAME, h.ackFrame, p);
  if ((inputs & 4) !== 0 && h.ackInput !== undefined) p = W_ACK_INPUT.write(h.ackInput, p);
  p = numAt(F_SYN_COUNT, h.synCount, p);
  p = numAt(F_SYN_ACK_COUNT, h.synAckCount, p);
  p = frag(F_SYN_BACKOFF, p);
  const backoff = array(h.synBackoff);
  for (let j = 0; j < backoff.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    p = num(backoff[j], p);
  }
  const rtt = shaped(h.rtt, K_RTT);
  p = numAt(F_RTT, rtt.synToSynAck, p);
  p = numAt(F_LAST_SYN_TO_SYN_ACK, rtt.lastSynToSynAck, p);
  p = numAt(F_SYN_ACK_TO_ACK, rtt.synAckToAck, p);
  p = numAt(F_TOTAL, rtt.total, p);
  p = numAt(F_RTT_END_DURATION, h.duration, p);
  return byte(CLOSE_BRACE, p);
}

function direction(v: unknown, p: number): number {
  // `{"packets":` was written with the key before it.
  const d = shaped(v, K_DIRECTION);
  p = num(d.packets, p);
  p = numAt(F_BYTES_IN, d.bytes, p);
  p = numAt(F_RETRANSMITTED_BYTES, d.retransmittedBytes, p);
  p = numAt(F_RETRANSMITTED_PACKETS, d.retransmittedPackets, p);
  p = strAt(F_FIRST_DATA, d.firstData, p);
  p = strAt(F_LAST_DATA, d.lastData, p);
  p = numAt(F_BYTES_AFTER_PEER_FIN, d.bytesAfterPeerFin, p);
  return byte(CLOSE_BRACE, p);
}

function data(v: unknown, p: number): number {
  const d = shaped(v, K_DATA);
  p = frag(F_DATA, p);
  p = direction(d.client, p);
  p = frag(F_DATA_SERVER, p);
  p = direction(d.server, p);
  p = numAt(F_TIME_TO_FIRST_BYTE, d.timeToFirstByte, p);
  return byte(CLOSE_BRACE, p);
}

function close(v: unknown, p: number): number {
  const withInput = shapedWith(v, K_CLOSE, O_CLOSE) !== 0;
  const c = v as Obj;
  const finWait2 = shaped(c.finWait2, K_CLIENT_SERVER);
  const closeWait = shaped(c.closeWait, K_CLIENT_SERVER);
  const timeWait = shaped(c.timeWait, K_CLIENT_SERVER);
  const twClient = shaped(timeWait.client, K_TIME_WAIT);
  const twServer = shaped(timeWait.server, K_TIME_WAIT);
  p = W_CLOSE.write(c.kind, p);
  p = W_INITIATOR.write(c.initiator, p);
  p = W_RESET_BY.write(c.resetBy, p);
  p = strAt(F_FIRST_FIN, c.firstFin, p);
  p = numAt(F_FIRST_FIN_FRAME, c.firstFinFrame, p);
  if (withInput && c.firstFinInput !== undefined) p = W_FIRST_FIN_INPUT.write(c.firstFinInput, p);
  p = strAt(F_COMPLETED, c.completed, p);
  p = numAt(F_DURATION, c.duration, p);
  p = numAt(F_FIN_WAIT_2, finWait2.client, p);
  p = numAt(F_SERVER_IN, finWait2.server, p);
  p = numAt(F_CLOSE_WAIT, closeWait.client, p);
  p = numAt(F_SERVER_IN, closeWait.server, p);
  p = strAt(F_TIME_WAIT, twClient.enteredAt, p);
  p = boolAt(F_TW_HELD, twClient.heldAtEnd, p);
  p = strAt(F_TW_SERVER, twServer.enteredAt, p);
  p = boolAt(F_TW_HELD, twServer.heldAtEnd, p);
  return frag(F_END_CLOSE, p);
}

function ladder(v: unknown, p: number): number {
  const rows = array(v);
  p = frag(F_LADDER, p);
  for (let j = 0; j < rows.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    const withInput = shapedWith(rows[j], K_LADDER_ROW, AFTER_FRAME) !== 0;
    const r = rows[j] as Obj;
    p = numAt(F_ROW_FRAME, r.frame, p);
    if (withInput && r.input !== undefined) p = W_INPUT.write(r.input, p);
    p = numAt(F_T, r.t, p);
    p = strAt(F_ROW_FROM, r.from, p);
    p = strAt(F_FLAGS, r.flags, p);
    p = numAt(F_SEQ, r.seq, p);
    p = numAt(F_ACK, r.ack, p);
    p = numAt(F_LEN, r.len, p);
    p = strAt(F_CLIENT_STATE, r.clientState, p);
    p = strAt(F_SERVER_STATE, r.serverState, p);
    p = frag(F_ROW_ANOMALIES, p);
    const codes = array(r.anomalies);
    for (let k = 0; k < codes.length; k++) {
      if (k > 0) p = byte(COMMA, p);
      p = str(codes[k], p);
    }
    p = frag(F_END_ROW, p);
  }
  return byte(CLOSE_BRACKET, p);
}
