/**
 * Connection-level anomaly detectors, run once when a connection's record ends. They read the
 * transition histories and phase results; per-packet anomalies (retransmissions, windows, loss)
 * were already noted by the flow layer as the segments went by.
 */
import { seconds } from '../capture/clock.js';
import type { Anomaly } from './catalog.js';
import type { EndReason, HandshakeOutcome, Settings } from '../report/model.js';
import type { ConnectionFacts } from '../flow/connection.js';
import { isSynchronized } from '../flow/connection.js';
import { seqDiff } from '../tcp/seq.js';
import { unansweredResend, type Endpoint } from '../flow/endpoint.js';
import { closeKind, findTransition, handshakeOutcome, isAbortArc, isIcmpAboutClientSyn, reached, resetInfo, timeInState, type ResetInfo } from './phases.js';

const CLIENT = 0;
const SERVER = 1;
const WHOLE = -1;
/**
 * A SYN unanswered this long went unanswered as one resent would have: RFC 6298's initial RTO, after
 * which a stack sends its SYN again (Linux, Windows, the BSDs: 1 s).
 */
const SYN_UNANSWERED_NANOS = 1e9;

/**
 * `unitNanos`: the capture's unit (CaptureClock.unitNanos), which spans in details are rounded to.
 * `outcome` and `rst`: handshakeOutcome(c) and resetInfo(c), when the caller already has them.
 */
export function detectConnectionAnomalies(c: ConnectionFacts, ended: EndReason, endNanos: number, settings: Settings, unitNanos: number,
  outcome: HandshakeOutcome = handshakeOutcome(c), rst: ResetInfo = resetInfo(c)): void {
  // Also when the client gave up with a RST (aborted) after sending its SYN again with nothing
  // from the server: the SYNs went unanswered all the same, and a stack that resets on connect()
  // timeout must still trip --fail-on (helper-106 review). So does one SYN left unanswered for an
  // initial RTO before the RST (a connect() timeout shorter than the first resend: helper-108
  // audit); one reset sooner is an abort only, the server given no time to answer.
  // Timed from its last SYN to its abort, not over the record (helper-110 review: a RST 0.1 s after
  // the SYN and another 1.5 s later read 1.6 s). Not when an ICMP error answered the SYN: that is
  // ICMP_ERROR's, not "never answered" (README, CI gate).
  const abort = outcome === 'aborted' && c.server.packets === 0 ? findTransition(c.client, isAbortArc) : null;
  const abandoned = abort !== null && c.anomalies?.some(isIcmpAboutClientSyn) !== true
    && (c.client.synCount >= 2 || (c.lastSynNanos >= 0 && abort.tNanos - c.lastSynNanos >= SYN_UNANSWERED_NANOS));
  if ((outcome === 'no_answer' && c.client.state === 'SYN_SENT') || abandoned) {
    const atSyn = c.firstSynFrame > 0;
    const synCount = c.client.synCount;
    const secs = seconds(c.lastNanos - c.firstNanos, unitNanos);
    // Evicted while its SYN waited: the answer may have come after the record ended (and then
    // started a new connection, whose handshake has no SYN), so the message says the record was
    // cut, not that no answer came (helper-64 audit: 7 HALF_OPEN for answered SYNs at
    // --max-connections 2). Two literal shapes, not a spread: a flood writes 1.95M of these.
    // The server's RSTs the client would not take (no ACK of its SYN): the SYN was answered, but by
    // nothing that moved it, so the message says so rather than "never answered" above the RST
    // (helper-94 audit). Looked up only when the record has anomalies: a flood's SYN has none.
    // Only when they were all it sent (helper-98 review: a challenge ACK or data besides read "only").
    const found = c.anomalies === null ? undefined
      : c.anomalies.find((a) => a.code === 'OUT_OF_WINDOW_RST' && a.endpoint === SERVER && a.details.receiverState === 'SYN_SENT');
    const unaccepted = found !== undefined && found.details.count === c.server.packets ? found : undefined;
    c.add('HALF_OPEN', CLIENT, atSyn ? c.firstSynFrame : c.firstFrame, atSyn ? c.firstSynInput : c.input,
      c.firstSynNanos >= 0 ? c.firstSynNanos : c.firstNanos,
      abandoned ? { synCount, seconds: secs, aborted: true }
        : ended === 'evicted' ? { synCount, seconds: secs, evicted: true }
        : unaccepted !== undefined ? { synCount, seconds: secs, unacceptedRsts: unaccepted.details.count as number } : { synCount, seconds: secs });
  }
  if (c.server.state === 'SYN_RECEIVED') {
    const t = reached(c.server, 'SYN_RECEIVED')!;
    c.add('HANDSHAKE_INCOMPLETE', SERVER, t.frameNo, t.input, t.tNanos, { synAckCount: c.server.synAckCount });
  }
  if (outcome === 'refused') {
    const t = findTransition(c.client, (x) => x.from === 'SYN_SENT' && x.to === 'CLOSED')!;
    c.add('REFUSED', SERVER, t.frameNo, t.input, t.tNanos, {});
  }
  const { kind } = closeKind(c, rst);
  if (kind === 'reset' && rst.at) {
    // Sent as a host answers for a connection it does not have (Endpoint.rstNoConnFrame): the sender
    // had lost it (killed, rebooted, a NAT or conntrack entry gone), which is the diagnosis (helper-72).
    const sender = rst.by === 'client' ? c.client : rst.by === 'server' ? c.server : null;
    const role = rst.by === 'client' ? CLIENT : rst.by === 'server' ? SERVER : WHOLE;
    const details: Anomaly['details'] = { resetBy: rst.by, state: rst.state };
    if (sender !== null && sender.rstNoConnFrame === rst.at.frameNo) details.noConnection = true;
    // Its keep-alive probes went unanswered first: the keep-alive timer gave up on a dead peer or path
    // (Linux: TCP_KEEPCNT probes, then RST,ACK), which the plain reset did not say (helper-72 audit).
    const ka = sender !== null ? c.anomalies?.find((a) => a.code === 'KEEP_ALIVE' && a.endpoint === role) : undefined;
    if (ka !== undefined && rst.at.tNanos >= ka.tNanos && (sender === c.client ? c.server : c.client).prevNanos < ka.tNanos) {
      details.keepAlivesUnanswered = ka.details.count as number;
    }
    c.add('RESET', role, rst.at.frameNo, rst.at.input, rst.at.tNanos, details);
  }
  if (outcome === 'simultaneous_open') {
    const t = findTransition(c.client, (x) => x.to === 'SYN_RECEIVED') ?? findTransition(c.server, (x) => x.to === 'SYN_RECEIVED')!;
    c.add('SIMULTANEOUS_OPEN', WHOLE, t.frameNo, t.input, t.tNanos, {});
  }
  if (kind === 'simultaneous') {
    const a = reached(c.client, 'CLOSING');
    const b = reached(c.server, 'CLOSING');
    const t = a && b ? (a.tNanos <= b.tNanos ? a : b) : (a ?? b)!;
    c.add('SIMULTANEOUS_CLOSE', WHOLE, t.frameNo, t.input, t.tNanos, {});
  }
  // Lingering: held longer than lingerSeconds, or still held when the record ended. Four calls
  // rather than loops over literal pairs, which allocated ~40 MB of arrays per 90k connections.
  lingering(c, c.client, CLIENT, 'FIN_WAIT_2', 'LINGERING_FIN_WAIT_2', endNanos, settings);
  lingering(c, c.client, CLIENT, 'CLOSE_WAIT', 'LINGERING_CLOSE_WAIT', endNanos, settings);
  lingering(c, c.server, SERVER, 'FIN_WAIT_2', 'LINGERING_FIN_WAIT_2', endNanos, settings);
  lingering(c, c.server, SERVER, 'CLOSE_WAIT', 'LINGERING_CLOSE_WAIT', endNanos, settings);
  stalled(c, c.client, CLIENT, endNanos, unitNanos);
  stalled(c, c.server, SERVER, endNanos, unitNanos);
  // Not for a record cut by eviction: the answer may have come after it, and started a new record
  // midstream (helper-73 review: --fail-on warn tripped on a connection recovering from loss).
  if (ended !== 'evicted') {
    unanswered(c, c.client, c.server, CLIENT, unitNanos);
    unanswered(c, c.server, c.client, SERVER, unitNanos);
  }
  if (ended !== 'closed' && (isSynchronized(c.client.state) || isSynchronized(c.server.state))
    && c.client.state !== 'TIME_WAIT' && c.server.state !== 'TIME_WAIT') {
    c.add('NOT_CLOSED', WHOLE, c.lastFrame, c.lastInput, c.lastNanos, { clientState: c.client.state, serverState: c.server.state });
  }
}

function lingering(c: ConnectionFacts, ep: Endpoint, role: number, state: 'FIN_WAIT_2' | 'CLOSE_WAIT',
  code: 'LINGERING_FIN_WAIT_2' | 'LINGERING_CLOSE_WAIT', endNanos: number, settings: Settings): void {
  // An endpoint the capture never showed a packet of, with loss noted (a capture of one direction):
  // its states are read off the other side's segments, and "its application never closed" would
  // be a guess about packets the capture did not have.
  if (ep.packets === 0 && c.captureLoss) return;
  const held = timeInState(ep, state, endNanos);
  if (held === null) return;
  const t = reached(ep, state)!;
  if (!held.atEnd) {
    // Left in the end: it lingered if it was quiet that long. A half-closed connection may carry data
    // the open way for as long as it likes (RFC 9293 §3.6: "a host is permitted to continue sending
    // data in the open direction"), so the wait counts from the CLOSE_WAIT side's last payload.
    const open = state === 'CLOSE_WAIT' ? ep : ep === c.client ? c.server : c.client;
    const left = held.from + held.nanos;
    // Payload only after it left (a resend past the FIN, say) tells nothing of the wait: from the entry.
    const quietFrom = open.lastDataNanos > held.from && open.lastDataNanos <= left ? open.lastDataNanos : held.from;
    // Or quiet that long before a later payload (Endpoint.lingerQuietNanos): a CLOSE_WAIT leak whose
    // application wrote once more, after a minute, to a peer long gone, then took its RST.
    const quiet = Math.max(left - quietFrom, ep.lingerQuietNanos);
    if (quiet / 1e9 <= settings.lingerSeconds) return;
  }
  // To the µs whatever the capture's unit, as these have always been given.
  c.add(code, role, t.frameNo, t.input, t.tNanos, { seconds: seconds(held.nanos, 1000), atEnd: held.atEnd, thresholdSeconds: settings.lingerSeconds });
}

/**
 * The sender's last run of resends (Endpoint.resend) that its peer never acknowledged: a peer that
 * vanished mid-transfer (powered off, partitioned, a firewall dropping it) read as NOT_CLOSED only,
 * info, so `--fail-on warn` passed (helper-72 audit). The sender gives up after its retries without
 * a word (Linux: net.ipv4.tcp_retries2, ETIMEDOUT), so the states shown open may be gone.
 */
function unanswered(c: ConnectionFacts, ep: Endpoint, peer: Endpoint, role: number, unitNanos: number): void {
  const run = unansweredResend(ep, peer);
  if (run === null) return;
  c.add('UNANSWERED_RETRANSMISSIONS', role, run.frameNo, run.input, run.firstNanos, {
    resends: run.count,
    seq: run.seq >>> 0,
    relativeSeq: ep.hasIss ? seqDiff(run.seq, ep.iss) >>> 0 : null,
    fin: ep.finSent,
    seconds: seconds(run.lastNanos - run.firstNanos, unitNanos),
    backoffSeconds: run.gaps.map((g) => seconds(g, unitNanos)).join(','),
    // Nothing from the peer since the run began (a peer or path gone both ways), or segments that
    // never acknowledged it (the sender's direction alone lost).
    peerSilent: peer.prevNanos < run.firstNanos,
  });
}

/**
 * ZERO_WINDOW says how long: the longest stretch the endpoint's advertised window stayed zero, and
 * whether it still was when the record ended (helper-72 audit: a stalled receiver's anomaly gave a
 * count of zero-window segments only, which says nothing of a 20 s stall).
 */
function stalled(c: ConnectionFacts, ep: Endpoint, role: number, endNanos: number, unitNanos: number): void {
  if (ep.zeroWindowSince < 0 && ep.zeroWindowLongest === 0) return;
  const a = c.anomalies?.find((x) => x.code === 'ZERO_WINDOW' && x.endpoint === role);
  if (a === undefined) return;
  const open = ep.zeroWindowSince >= 0 ? endNanos - ep.zeroWindowSince : 0;
  // A new object: the flow layer's may be shared (a worker batch not yet posted holds it).
  a.details = { ...a.details, stalledSeconds: seconds(open > ep.zeroWindowLongest ? open : ep.zeroWindowLongest, unitNanos), stillZero: ep.zeroWindowSince >= 0 };
}
