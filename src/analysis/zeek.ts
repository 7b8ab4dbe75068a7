/**
 * What Zeek's conn.log would say about one of our connections: `conn_state` and `history`.
 *
 * A transcription of Zeek's TCP analyzer (zeek/zeek: src/packet_analysis/protocol/tcp/TCP.cc and
 * TCPSessionAdapter.cc, src/analyzer/protocol/tcp/TCP_Endpoint.cc and TCP_Reassembler.cc,
 * src/packet_analysis/protocol/ip/IPBasedAnalyzer.cc, src/Conn.cc) cut down to what those two
 * columns, the packet counts and the byte counts depend on. Function names in comments are Zeek's.
 *
 * Roles: Zeek's originator is the sender of the first packet it sees, unless that packet is not a
 * plain SYN and comes from a likely server port (`^`), or the connection opened with a SYN-ACK and
 * an ACK or data followed (`^` on the second packet), or a SYN answered a SYN-ACK (reversal, `^`).
 * The history is written relative to Zeek's originator, which may be our server.
 *
 * Rows: Zeek drops a connection's state on its own timers (5 s after an unanswered SYN, 5 s after
 * a complete close or a reset, inactivity) and on a SYN that reuses a closed tuple; later packets
 * start a new conn.log row. Our tracker keeps such packets in one connection (a SYN retransmitted
 * after a long backoff is still one attempt), so the model keeps Zeek's rows itself: `rows()`
 * lists every row Zeek would write for this connection; `result()` is the last one.
 *
 * Cost per segment: a handful of number compares and assignments; a string append only when a
 * history letter is recorded; an array only when data arrives above a hole.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type PacketFields } from '../decode/fields.js';
import { zeekConnState } from './zeek-conn-state.js';
import {
  CLOSED,
  ESTABLISHED,
  HIST_ACK_PKT,
  HIST_DATA_PKT,
  HIST_FIN_PKT,
  HIST_FIN_RST_PKT,
  HIST_MULTI_FLAG_PKT,
  HIST_RST_PKT,
  HIST_SYN_PKT,
  INACTIVE,
  PARTIAL,
  RESET,
  SYN_ACK_SENT,
  SYN_SENT,
  ZeekEndpoint,
  isHandshake,
  responderLetter,
  seqDelta,
  type ZeekEndpointState,
  type ZeekHistorySink,
} from './zeek-endpoint.js';
import { isLikelyServerPort, isLongLivedPort } from './zeek-ports.js';

/** One conn.log row. */
export interface ZeekRow {
  connState: string;
  history: string;
  /** True when Zeek's originator is our client (false: Zeek's orig_h/orig_p are our server's). */
  origIsClient: boolean;
  /** Packets Zeek counted per role (packets it dropped for a bad checksum are not counted). */
  origPkts: number;
  respPkts: number;
  /** Payload bytes per role from sequence ranges (gaps included, retransmissions once). */
  origBytes: number;
  respBytes: number;
  /** Capture-relative nanoseconds of the row's first packet and of Zeek's `last_time`. */
  startNanos: number;
  lastNanos: number;
}

/** What the connection report carries (`ConnectionReport.zeek`): the last (usually only) row. */
export interface ZeekVerdict {
  connState: string;
  history: string;
  /** False when Zeek's originator is our server (its '^' flip or first-packet rule). */
  origIsClient: boolean;
}

const SEC = 1e9;
// Zeek's defaults (scripts/base/init-bare.zeek), in nanoseconds.
const TCP_ATTEMPT_DELAY = 5 * SEC; // tcp_attempt_delay: an unanswered SYN is given up
const TCP_CLOSE_DELAY = 5 * SEC; // tcp_close_delay: state kept after a complete close / reset
const TCP_SYN_TIMEOUT = 5 * SEC; // tcp_SYN_timeout: first ExpireTimer
const TCP_SESSION_TIMER = 6 * SEC; // tcp_session_timer: ExpireTimer period
const TCP_CONNECTION_LINGER = 5 * SEC; // tcp_connection_linger
const UDP_INACTIVITY_TIMEOUT = 60 * SEC; // what TCPAnalyzer::MakeSessionAdapter starts with
const TCP_INACTIVITY_TIMEOUT = 300 * SEC; // once out of the handshake
const LONG_INACTIVITY_TIMEOUT = 3600 * SEC; // Conn::port_inactivity_timeouts
const TOO_LARGE_SEQ_DELTA = 1048576;
/**
 * Ours, not Zeek's (helper-52 audit: every row and letter was held for the connection's life, ~190
 * bytes per SYN of a tuple Zeek splits every 5 s, and 1M FINs on new sequence numbers were a
 * 1M-letter history): a connection keeps its first MAX_ZEEK_ROWS - 1 rows and its latest, and a row
 * its first MAX_HISTORY letters. No real connection comes near either.
 */
export const MAX_ZEEK_ROWS = 1000;
export const MAX_HISTORY = 10_000;

const ORIG = 1;
const RESP = 2;

export class ZeekConnModel implements ZeekHistorySink {
  // Field order is memory order (V8 lays an object out as its fields are defined): what every
  // segment reads or writes comes first, the timers' bases and the first tuple after.
  // The two physical sides: 0 = our client, 1 = our server.
  private readonly client: ZeekEndpoint;
  private readonly server: ZeekEndpoint;
  /**
   * The current packet's time, for the state machine's timers. A field rather than a parameter: a
   * capture time past 2^31 ns is a double, and V8 boxed it anew for each call that was not inlined.
   */
  private now = 0;
  /** `Connection::last_time`: not advanced once both sides closed. */
  private lastNanos = 0;
  private wakeAt = Infinity;
  /** False until the first packet; the addresses below are reused arrays, filled in place. */
  tupleSeen = false;
  /** A Zeek connection (row) is open. */
  private open = false;
  /** The row opened with a SYN-ACK that no port heuristic flipped (PR #2191's second-packet flip). */
  private synAckFirst = false;
  /** Which physical side is Zeek's originator. */
  private origSide = 0;
  private firstPacketSeen = 0;
  isPartial = false;
  private underflow = false;
  private doClose = false;
  private genEvent = false;
  private histSeen = 0;
  private history = '';
  /** `is_active`: cleared by a finished/reset connection; gates the analyzer's timers. */
  private isActive = true;
  private inactivityNanos = UDP_INACTIVITY_TIMEOUT;
  private startNanos = 0;
  // Analyzer timers (Infinity = not armed); the ExpireTimer runs periodically from each base.
  private attemptAt = Infinity;
  private deleteAt = Infinity;
  private expireBase0 = Infinity;
  private expireBase1 = Infinity;
  private finished: ZeekRow[] | null = null;
  /** Rows closed over the connection's life, kept or not (MAX_ZEEK_ROWS). */
  private closedRows = 0;
  // The first packet's 4-tuple, client side first (diagnostics, conformance matching).
  ipVersion = 0;
  readonly clientAddr: [number, number, number, number] = [0, 0, 0, 0];
  readonly serverAddr: [number, number, number, number] = [0, 0, 0, 0];
  clientPort = 0;
  serverPort = 0;

  /** As new (the model of a recycled connection). */
  reset(): void {
    this.client.reset();
    this.server.reset();
    this.origSide = 0;
    this.open = false;
    this.history = '';
    this.histSeen = 0;
    this.isPartial = false;
    this.firstPacketSeen = 0;
    this.isActive = true;
    this.synAckFirst = false;
    this.startNanos = 0;
    this.lastNanos = 0;
    this.now = 0;
    this.inactivityNanos = UDP_INACTIVITY_TIMEOUT;
    this.attemptAt = this.deleteAt = this.expireBase0 = this.expireBase1 = this.wakeAt = Infinity;
    this.underflow = false;
    this.finished = null;
    this.closedRows = 0;
    this.ipVersion = 0;
    this.tupleSeen = false;
    this.clientAddr.fill(0);
    this.serverAddr.fill(0);
    this.clientPort = 0;
    this.serverPort = 0;
    this.doClose = false;
    this.genEvent = false;
  }

  constructor() {
    this.client = new ZeekEndpoint(0, this);
    this.server = new ZeekEndpoint(1, this);
    this.client.peer = this.server;
    this.server.peer = this.client;
  }

  /** `fromClient` is relative to our roles (the client sent the first bare SYN, or was guessed). */
  onSegment(f: PacketFields, fromClient: boolean, tNanos: number): void {
    this.now = tNanos;
    if (!this.tupleSeen) this.noteTuple(f, fromClient);
    if (this.open) {
      // Timers fire before the packet is dispatched (network time advances first).
      if (tNanos >= this.wakeAt || tNanos - this.lastNanos > TCP_CONNECTION_LINGER) this.runTimers(tNanos);
      if (this.open && (f.flags & TCP_SYN) !== 0 && this.isReuse(f)) this.closeRow();
    }
    if (!this.open) this.openRow(f, fromClient, tNanos);
    const ep = fromClient ? this.client : this.server;
    if (f.checksumBad) {
      // TCPAnalyzer::ValidateChecksum: the packet is dropped but leaves c/C in the history.
      ep.checksumError();
      return;
    }
    if (this.synAckFirst) this.maybeFlipOnSecondPacket(f);
    this.process(f, ep, ep.peer, ep.side === this.origSide);
    ep.pkts++;
  }

  /** conn_state and history of the last row Zeek would write (OTH and '' before any packet). */
  result(): ZeekVerdict {
    const last = this.lastRow();
    return last === null
      ? { connState: 'OTH', history: '', origIsClient: true }
      : { connState: last.connState, history: last.history, origIsClient: last.origIsClient };
  }

  /** Every row Zeek would write for this connection, in order; more than one when Zeek split it. */
  rows(): ZeekRow[] {
    const rows = this.finished === null ? [] : this.finished.slice();
    if (this.open) rows.push(this.snapshot());
    return rows;
  }

  /**
   * Finished rows not kept (MAX_ZEEK_ROWS): they came between the first MAX_ZEEK_ROWS - 1 rows and
   * the latest finished one, so the rows from index MAX_ZEEK_ROWS - 1 on are that many rows later.
   */
  get rowsOmitted(): number {
    return this.finished === null ? 0 : this.closedRows - this.finished.length;
  }

  private lastRow(): ZeekRow | null {
    if (this.open) return this.snapshot();
    return this.finished === null ? null : this.finished[this.finished.length - 1];
  }

  // -- ZeekHistorySink

  isOrigSide(side: number): boolean {
    return side === this.origSide;
  }

  addHistory(code: string): void {
    if (this.history.length < MAX_HISTORY) this.history += code;
  }

  checkHistory(mask: number, code: string, orig: boolean): boolean {
    const m = orig ? mask : mask << 16;
    if ((this.histSeen & m) !== 0) return true;
    this.histSeen |= m;
    if (this.history.length < MAX_HISTORY) this.history += orig ? code : responderLetter(code);
    return false;
  }

  // -- rows

  private noteTuple(f: PacketFields, fromClient: boolean): void {
    // Filled in place: two fresh arrays per connection were ~13 MB of promoted garbage on the 1 GB
    // benchmark capture (the model lives as long as its connection).
    const c = this.clientAddr;
    const s = this.serverAddr;
    if (fromClient) {
      c[0] = f.src0; c[1] = f.src1; c[2] = f.src2; c[3] = f.src3;
      s[0] = f.dst0; s[1] = f.dst1; s[2] = f.dst2; s[3] = f.dst3;
    } else {
      c[0] = f.dst0; c[1] = f.dst1; c[2] = f.dst2; c[3] = f.dst3;
      s[0] = f.src0; s[1] = f.src1; s[2] = f.src2; s[3] = f.src3;
    }
    this.tupleSeen = true;
    this.ipVersion = f.ipVersion;
    this.clientPort = fromClient ? f.srcPort : f.dstPort;
    this.serverPort = fromClient ? f.dstPort : f.srcPort;
  }

  /** `IPBasedAnalyzer::NewConn` + `TCPAnalyzer::WantConnection` + the adapter's constructor. */
  private openRow(f: PacketFields, fromClient: boolean, t: number): void {
    const flags = f.flags;
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    let flip = false;
    if (!syn || ack) {
      // A partial connection: guess the true responder from the ports.
      if (isLikelyServerPort(f.srcPort)) {
        // Both plausible: flip only if this isn't a SYN-ACK (stealth scans) and src < dst.
        flip = isLikelyServerPort(f.dstPort) ? !syn && f.srcPort < f.dstPort : true;
      }
    }
    const sender = fromClient ? 0 : 1;
    this.origSide = flip ? 1 - sender : sender;
    this.history = flip ? '^' : '';
    this.histSeen = 0;
    this.isPartial = false;
    this.firstPacketSeen = 0;
    this.isActive = true;
    this.synAckFirst = syn && ack && !flip;
    this.startNanos = this.lastNanos = t;
    this.inactivityNanos = UDP_INACTIVITY_TIMEOUT;
    this.attemptAt = this.deleteAt = this.expireBase1 = Infinity;
    this.expireBase0 = t + TCP_SYN_TIMEOUT;
    this.client.reset();
    this.server.reset();
    this.open = true;
    this.updateWake();
  }

  private closeRow(): void {
    const rows = (this.finished ??= []);
    this.closedRows++;
    // Past the bound the latest row takes the last place: the first rows and the last are kept.
    if (rows.length >= MAX_ZEEK_ROWS) rows[rows.length - 1] = this.snapshot();
    else rows.push(this.snapshot());
    this.open = false;
  }

  private snapshot(): ZeekRow {
    const orig = this.origSide === 0 ? this.client : this.server;
    const resp = orig.peer;
    const origBytes = orig.size();
    const respBytes = resp.size();
    return {
      connState: zeekConnState(orig.state, resp.state, origBytes, respBytes, this.history),
      history: this.history,
      origIsClient: this.origSide === 0,
      origPkts: orig.pkts,
      respPkts: resp.pkts,
      origBytes,
      respBytes,
      startNanos: this.startNanos,
      lastNanos: this.lastNanos,
    };
  }

  // -- timers (state is frozen between packets, so each timer's condition is checked as of now)

  private updateWake(): void {
    this.wakeAt = this.attemptAt < this.deleteAt ? this.attemptAt : this.deleteAt;
  }

  private runTimers(t: number): void {
    if (t >= this.deleteAt) return this.closeRow(); // ConnDeleteTimer: unconditional
    const orig = this.origSide === 0 ? this.client : this.server;
    const resp = orig.peer;
    if (this.isActive) {
      // AttemptTimer: an attempt nobody answered.
      if (t >= this.attemptAt && (orig.state === SYN_SENT || orig.state === SYN_ACK_SENT) && resp.state === INACTIVE) {
        return this.closeRow();
      }
      // ExpireTimer: quiet for tcp_connection_linger after a close, a reset, or a one-sided close.
      const quiet =
        ((orig.didClose || resp.didClose) &&
          ((orig.didClose && resp.didClose) ||
            orig.state === RESET ||
            resp.state === RESET ||
            orig.state === INACTIVE ||
            resp.state === INACTIVE)) ||
        (orig.state === INACTIVE && resp.state === INACTIVE);
      if (quiet && (this.expireFires(this.expireBase0, t) || this.expireFires(this.expireBase1, t))) return this.closeRow();
    }
    // Session::InactivityTimer.
    if (t - this.lastNanos >= this.inactivityNanos) return this.closeRow();
  }

  /** Does the periodic timer started at `base` fire in (lastNanos + linger, t]? */
  private expireFires(base: number, t: number): boolean {
    if (base === Infinity) return false;
    const after = this.lastNanos + TCP_CONNECTION_LINGER;
    const first = base > after ? base : base + TCP_SESSION_TIMER * (Math.floor((after - base) / TCP_SESSION_TIMER) + 1);
    return first <= t;
  }

  /** `TCPSessionAdapter::IsReuse`, for a SYN on an open row. */
  private isReuse(f: PacketFields): boolean {
    const orig = this.origSide === 0 ? this.client : this.server;
    const resp = orig.peer;
    let connOrig = orig;
    if ((f.flags & TCP_ACK) !== 0) {
      if (orig.state !== INACTIVE) return false; // not a half connection
      connOrig = resp;
    }
    if (!(orig.didClose || resp.didClose)) {
      if ((f.seq | 0) === connOrig.startSeq) return false;
      // A SYN and SYN-ACK seen in reverse order: not a reuse, the state machine flips the roles.
      if ((f.flags & TCP_ACK) === 0 && connOrig.state === SYN_ACK_SENT && resp.state === INACTIVE && (f.seq | 0) === resp.startSeq) {
        return false;
      }
    }
    return true;
  }

  // -- roles

  /**
   * zeek/zeek#2191: a connection that began with a SYN-ACK (not flipped by ports) is flipped when
   * an ACK or data follows, in either direction: a stealth scan's SYN-ACK draws a RST or nothing.
   * Zeek's log then reads as if the SYN-ACK had come from the responder (`^h...`), so the letters
   * recorded so far change case and the SYN-ACK's sender is treated as an established responder.
   */
  private maybeFlipOnSecondPacket(f: PacketFields): void {
    const flags = f.flags;
    if ((flags & (TCP_SYN | TCP_RST)) !== 0 || ((flags & TCP_ACK) === 0 && f.payloadLen === 0)) return;
    this.synAckFirst = false;
    const orig = this.origSide === 0 ? this.client : this.server;
    if (orig.state !== SYN_ACK_SENT || orig.peer.state !== INACTIVE) return;
    this.origSide = 1 - this.origSide;
    let h = '^';
    for (let i = 0; i < this.history.length; i++) {
      const c = this.history[i];
      h += c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
    }
    this.history = h;
    this.histSeen = ((this.histSeen & 0xffff) << 16) | (this.histSeen >>> 16);
    this.firstPacketSeen = ((this.firstPacketSeen & ORIG) !== 0 ? RESP : 0) | ((this.firstPacketSeen & RESP) !== 0 ? ORIG : 0);
    this.isPartial = false;
    orig.prevState = INACTIVE;
    orig.state = ESTABLISHED;
    this.inactivityNanos = TCP_INACTIVITY_TIMEOUT;
  }

  /** `Connection::FlipRoles` for the SYN/SYN-ACK reversal: letters so far keep their case. */
  private flipRoles(): void {
    this.origSide = 1 - this.origSide;
    this.firstPacketSeen = ((this.firstPacketSeen & ORIG) !== 0 ? RESP : 0) | ((this.firstPacketSeen & RESP) !== 0 ? ORIG : 0);
    this.isPartial = false;
    this.history += '^';
  }

  // -- TCPSessionAdapter::Process

  private process(f: PacketFields, ep: ZeekEndpoint, peer: ZeekEndpoint, isOrig: boolean): void {
    const flags = f.flags;
    const syn = (flags & TCP_SYN) !== 0;
    const fin = (flags & TCP_FIN) !== 0;
    const rst = (flags & TCP_RST) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    // Zeek reads the IP length even where PPPoE's is shorter (PacketFields.payloadBeyondLink).
    const len = f.payloadLen + f.payloadBeyondLink;
    // Sequence numbers as int32, which V8 keeps unboxed (see zeek-endpoint.ts).
    const baseSeq = f.seq | 0;
    const ackSeq = f.ack | 0;

    // SetPartialStatus
    if (isOrig) {
      if ((this.firstPacketSeen & ORIG) === 0) this.isPartial = !syn || ack;
    } else if ((this.firstPacketSeen & RESP) === 0 && !this.isPartial) {
      this.isPartial = !syn;
    }

    let segLen = len;
    if (syn) segLen++;
    if (fin) segLen++;
    if (rst) segLen -= len; // a RST's payload is not part of the stream
    const seqOnePast = (baseSeq + segLen) | 0;

    initEndpoint(ep, syn, baseSeq, seqOnePast);

    this.underflow = false;
    const relSeq = this.relativeSeq(ep, baseSeq, ep.lastSeq, ep.seqWraps);
    const seqUnderflow = this.underflow;

    updateHistory(ep, syn, fin, rst, ack, relSeq, len);

    // update_window: a zero window is interesting unless it comes with/after a RST or after the peer's FIN.
    if (f.window === 0 && !rst && peer.state !== CLOSED && ep.state !== RESET) ep.zeroWindow();

    if (!ep.didClose || !peer.didClose) this.lastNanos = this.now;

    if (fin) {
      ep.finCnt++;
      ep.finSeq = relSeq + segLen;
    }

    let relAck = 0;
    if (ack) {
      if (peer.state === INACTIVE) {
        relAck = 1;
        // init_peer: number the peer as though its SYN had been seen.
        const s = (ackSeq - 1) | 0;
        peer.startSeq = s;
        peer.ackSeq = s;
        peer.lastSeq = s;
      } else {
        this.underflow = false;
        relAck = this.relativeSeq(peer, ackSeq, peer.ackSeq, peer.ackWraps);
        if (this.underflow) relAck = 0;
        else if (!rst) {
          // update_ack_seq: don't trust acks in RSTs.
          const d = seqDelta(ackSeq, peer.ackSeq);
          if (!(ackSeq === 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0) peer.updateAckSeq(ackSeq);
        }
      }
    }

    updateLastSeq(ep, seqOnePast, syn, rst, fin, len);

    this.doClose = false;
    this.genEvent = false;
    this.updateStateMachine(ep, peer, baseSeq, len, isOrig, syn, fin, rst, ack);

    // After the state machine, so a gap revealed by the final FIN/RST's ack is judged by the new states.
    if (ack) peer.ackReceived(relAck);

    if (len > 0 && !rst && !seqUnderflow && (f.capturedPayloadLen + f.payloadBeyondLink >= len || f.tunnelFragmented)) ep.dataSent(syn ? relSeq + 1 : relSeq, len);

    if (this.doClose) this.connectionClosed(ep, peer, this.genEvent);

    // CheckPIA_FirstPacket: is_orig as the packet arrived (a reversal flip re-marks it).
    this.firstPacketSeen |= isOrig ? ORIG : RESP;
  }

  /** `get_relative_seq`; sets `this.underflow` when the number lies below the side's ISN. */
  private relativeSeq(ep: ZeekEndpoint, cur: number, last: number, wraps: number): number {
    const d = seqDelta(cur, last);
    if (d < 0) {
      if (wraps !== 0 && cur >>> 0 > last >>> 0) wraps--; // part of a previous 32-bit space
    } else if (d > 0) {
      if (cur >>> 0 < last >>> 0) wraps++; // the sequence space wrapped
    }
    if (wraps === 0) {
      const rel = seqDelta(cur, ep.startSeq);
      if (rel < 0) this.underflow = true;
      return rel;
    }
    return wraps * 4294967296 + (cur >>> 0) - (ep.startSeq >>> 0);
  }

  private setState(ep: ZeekEndpoint, s: ZeekEndpointState): void {
    if (s === ep.state) return;
    // Leaving the handshake: the inactivity timeout becomes tcp_inactivity_timeout.
    if (!isHandshake(s) && isHandshake(ep.state) && isHandshake(ep.peer.state)) {
      if (this.inactivityNanos !== LONG_INACTIVITY_TIMEOUT) this.inactivityNanos = TCP_INACTIVITY_TIMEOUT;
    }
    ep.prevState = ep.state;
    ep.state = s;
  }

  private updateStateMachine(
    ep: ZeekEndpoint,
    peer: ZeekEndpoint,
    baseSeq: number,
    len: number,
    isOrig: boolean,
    syn: boolean,
    fin: boolean,
    rst: boolean,
    ack: boolean,
  ): void {
    switch (ep.state) {
      case INACTIVE:
        return this.updateInactiveState(ep, peer, baseSeq, len, isOrig, syn, fin, rst, ack);
      case SYN_SENT:
      case SYN_ACK_SENT:
        // UpdateSYN_SentState: data before the handshake completes changes nothing.
        if (fin) {
          this.setState(ep, CLOSED);
          this.doClose = this.genEvent = true;
        }
        if (rst) {
          this.setState(ep, RESET);
          this.isActive = false; // ConnectionReset
          this.doClose = true;
        }
        return;
      case ESTABLISHED:
      case PARTIAL:
        // UpdateEstablishedState
        if (syn && ep.state === PARTIAL && peer.state === INACTIVE && !ack) this.setState(ep, SYN_SENT); // SYN_after_partial
        if (fin && !rst) {
          this.setState(ep, CLOSED);
          // The peer sent FIN then RST: that was a normal close after all.
          if (peer.state === RESET && peer.prevState === CLOSED) this.setState(peer, CLOSED);
          this.doClose = this.genEvent = true;
        }
        if (rst) {
          this.setState(ep, RESET);
          this.doClose = true;
          if (peer.state !== RESET || peer.prevState !== ESTABLISHED) this.isActive = false; // ConnectionReset
        }
        return;
      case CLOSED:
        // UpdateClosedState: a RST after both FINs changes nothing; after only ours, it resets.
        if (rst && peer.state !== CLOSED) {
          this.setState(ep, RESET);
          if (!ep.didClose) this.doClose = true;
        }
        return;
      case RESET:
        return; // UpdateResetState: weirds only
    }
  }

  private updateInactiveState(
    ep: ZeekEndpoint,
    peer: ZeekEndpoint,
    baseSeq: number,
    len: number,
    isOrig: boolean,
    syn: boolean,
    fin: boolean,
    rst: boolean,
    ack: boolean,
  ): void {
    if (syn) {
      if (isOrig) {
        this.setState(ep, ack ? SYN_ACK_SENT : SYN_SENT); // SYN-ACK from the originator: a weird
        this.attemptAt = this.now + TCP_ATTEMPT_DELAY;
        this.updateWake();
      } else {
        if (!ack && peer.state === SYN_ACK_SENT && baseSeq === ep.startSeq) {
          // A SYN/SYN-ACK reversal: flip the endpoints and establish the connection.
          this.flipRoles();
          this.setState(peer, ESTABLISHED);
          this.firstPacketSeen |= ORIG; // SetFirstPacketSeen(true)
        }
        if (peer.state === SYN_SENT) this.setState(peer, ESTABLISHED);
        this.setState(ep, ESTABLISHED);
        if (peer.state !== PARTIAL) this.connectionEstablished();
      }
    }
    if (fin) {
      this.setState(ep, CLOSED);
      this.doClose = this.genEvent = true;
    }
    if (rst) {
      this.setState(ep, RESET);
      // A reject: the responder resets an initial SYN, or the originator resets a SYN-ACK it never asked for.
      const isReject = isOrig ? peer.state === ESTABLISHED : peer.state === SYN_SENT || peer.state === SYN_ACK_SENT;
      this.doClose = true;
      this.genEvent = !isReject;
    }
    if (ep.state === INACTIVE) {
      // No control flags changed the state.
      const origEp = this.origSide === 0 ? this.client : this.server;
      if (!isOrig && len === 0 && origEp.state === SYN_SENT) {
        // Some eccentric TCP's will ack an initial SYN prior to sending a SYN reply: not partial.
      } else if (ack && peer.state === ESTABLISHED) {
        // We saw a SYN-ACK but missed the SYN: establish instead of going partial.
        this.setState(ep, ESTABLISHED);
        this.isPartial = false;
        this.firstPacketSeen |= isOrig ? ORIG : RESP;
      } else {
        this.setState(ep, PARTIAL);
      }
    }
  }

  /** The `connection_established` event: port-based inactivity timeouts apply from here. */
  private connectionEstablished(): void {
    if (isLongLivedPort(this.origSide === 0 ? this.serverPort : this.clientPort)) this.inactivityNanos = LONG_INACTIVITY_TIMEOUT;
  }

  /** `TCPSessionAdapter::ConnectionClosed` (data still pending in the reassembler is not modelled). */
  private connectionClosed(ep: ZeekEndpoint, peer: ZeekEndpoint, genEvent: boolean): void {
    if (ep.didClose) return; // nothing new to report
    ep.didClose = true;
    const closeComplete = ep.state === RESET || peer.didClose || peer.state === INACTIVE;
    if (closeComplete) {
      if ((ep.prevState !== INACTIVE || peer.state !== INACTIVE) && genEvent) this.isActive = false; // ConnectionFinished
      // CancelTimers, then ConnDeleteTimer at last_time + tcp_close_delay.
      this.attemptAt = Infinity;
      this.expireBase0 = this.expireBase1 = Infinity;
      this.deleteAt = this.lastNanos + TCP_CLOSE_DELAY;
      this.updateWake();
    } else if (ep.prevState !== INACTIVE) {
      // Look for the other side closing too (the PartialCloseTimer needs a script handler: not modelled).
      this.expireBase1 = this.lastNanos + TCP_SESSION_TIMER;
    }
  }
}

/** `init_endpoint`: set up sequence numbers on a side's first packet, or re-base them on a new SYN. */
function initEndpoint(ep: ZeekEndpoint, syn: boolean, firstSeq: number, lastSeq: number): void {
  switch (ep.state) {
    case INACTIVE:
      if (syn) ep.setStartSeqs(firstSeq);
      else {
        // Partial connection: number as though a SYN had been seen, without marking this packet a duplicate.
        ep.setStartSeqs((firstSeq - 1) | 0);
        lastSeq = firstSeq;
      }
      ep.lastSeq = lastSeq;
      return;
    case SYN_SENT:
    case SYN_ACK_SENT:
      if (syn && firstSeq !== ep.startSeq) {
        ep.setStartSeqs(firstSeq); // SYN_seq_jump
        ep.lastSeq = lastSeq;
      }
      return;
    case ESTABLISHED:
    case PARTIAL:
      if (syn) {
        // Guess that the connection never got established and this SYN sets it up.
        ep.setStartSeqs(firstSeq);
        ep.lastSeq = lastSeq;
      }
      return;
    case RESET:
      if (syn && ep.prevState === INACTIVE) {
        // Sequence numbers came from a RST (perhaps injected): re-base them on the SYN.
        ep.setStartSeqs(firstSeq);
        ep.lastSeq = lastSeq;
      }
      return;
    default:
      return;
  }
}

/** `update_history`: one letter per kind and direction; s/h/f/r again only on a new sequence number. */
function updateHistory(ep: ZeekEndpoint, syn: boolean, fin: boolean, rst: boolean, ack: boolean, relSeq: number, len: number): void {
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    if (fin && rst) ep.checkHistory(HIST_FIN_RST_PKT, 'I');
    else ep.checkHistory(HIST_MULTI_FLAG_PKT, 'Q');
  } else if (bits === 1) {
    if (syn) {
      const code = ack ? 'H' : 'S';
      if (ep.checkHistory(HIST_SYN_PKT, code) && relSeq !== ep.histLastSyn) ep.addHistory(code);
      ep.histLastSyn = relSeq;
    }
    if (fin) {
      // A FIN's sequence number is at the end of the packet's data.
      if (ep.checkHistory(HIST_FIN_PKT, 'F') && relSeq + len !== ep.histLastFin) ep.addHistory('F');
      ep.histLastFin = relSeq + len;
    }
    if (rst) {
      if (ep.checkHistory(HIST_RST_PKT, 'R') && relSeq !== ep.histLastRst) ep.addHistory('R');
      ep.histLastRst = relSeq;
    }
  } else if (len > 0) ep.checkHistory(HIST_DATA_PKT, 'D');
  else if (ack) ep.checkHistory(HIST_ACK_PKT, 'A');
}

/** `update_last_seq`: payload that does not advance the side's highest sequence number is a retransmission. */
function updateLastSeq(ep: ZeekEndpoint, lastSeq: number, syn: boolean, rst: boolean, fin: boolean, len: number): void {
  const d = seqDelta(lastSeq, ep.lastSeq);
  if ((syn || rst) && (d > TOO_LARGE_SEQ_DELTA || d < -TOO_LARGE_SEQ_DELTA)) {
    // Outlandish SYN/RST sequence numbers are not trusted.
  } else if (fin && ep.lastSeq === ((ep.startSeq + 1) | 0)) {
    ep.updateLastSeq(lastSeq); // only SYN and FIN seen: accept the FIN even if it looks old (> 2 GB connections)
  } else if (ep.state === RESET) {
    // Nothing after a RST is trusted.
  } else if (d > 0) {
    ep.updateLastSeq(lastSeq);
  } else if (len > 0) {
    ep.didRxmit();
  }
}
