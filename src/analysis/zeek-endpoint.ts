/**
 * One side of a connection as Zeek's TCP analyzer keeps it (`analyzer::tcp::TCP_Endpoint`), plus the
 * little of its reassembler (`TCP_Reassembler`) that decides content gaps (`g`/`G`).
 *
 * Numbers only: sequence numbers are Zeek's uint32 values held as int32 (`x | 0`), which V8 keeps
 * as small integers where a uint32 past 2^31 is a heap number, boxed anew at every call it crosses
 * (half of all sequence numbers; 53 MB per run on the 1 GB benchmark capture). They are compared
 * with `seqDelta` (int32 difference, Zeek's `seq_delta`), or as unsigned (`x >>> 0`) where Zeek
 * compares uint32 values; relative sequence numbers are plain numbers (Zeek's uint64).
 */

/** Zeek's `EndpointState`, same order and meaning (src/analyzer/protocol/tcp/TCP_Endpoint.h). */
export const INACTIVE = 0; // nothing seen from this side
export const SYN_SENT = 1; // SYN seen, no ack
export const SYN_ACK_SENT = 2; // SYN-ACK seen, no initial SYN
export const PARTIAL = 3; // data seen, but no SYN
export const ESTABLISHED = 4; // SYN-ACK seen (implicit for a SYN sent by the responder)
export const CLOSED = 5; // FIN seen
export const RESET = 6; // RST seen
export type ZeekEndpointState = 0 | 1 | 2 | 3 | 4 | 5 | 6;


/** INACTIVE, SYN_SENT and SYN_ACK_SENT: `is_handshake()` in TCP_Endpoint.cc. */
export function isHandshake(s: ZeekEndpointState): boolean {
  return s <= SYN_ACK_SENT;
}

/** Zeek's history bits (TCP_Endpoint.h); the responder's are shifted left by 16. */
export const HIST_SYN_PKT = 0x1;
export const HIST_FIN_PKT = 0x2;
export const HIST_RST_PKT = 0x4;
export const HIST_FIN_RST_PKT = 0x8;
export const HIST_DATA_PKT = 0x10;
export const HIST_ACK_PKT = 0x20;
export const HIST_MULTI_FLAG_PKT = 0x40;

const TWO32 = 4294967296;

/** `seq_delta(a, b)`: a - b as a signed 32-bit difference. */
export function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/** What an endpoint needs from its connection: its current role and the history string. */
export interface ZeekHistorySink {
  isOrigSide(side: number): boolean;
  addHistory(code: string): void;
  /** `Connection::CheckHistory` for a letter given in upper case; lower-cased for the responder. */
  checkHistory(mask: number, code: string, orig: boolean): boolean;
  /** The connection's `is_partial` flag (the first packets were not a plain handshake). */
  readonly isPartial: boolean;
}

// The responder's letters are lower case. A table rather than toLowerCase(), which makes a new
// string for every letter of every connection.
const RESPONDER_LETTER: Record<string, string> = {};
for (const c of 'SHADFRCTWGIQ^') RESPONDER_LETTER[c] = c.toLowerCase();

/** The history letter for Zeek's responder: `code` in lower case. */
export function responderLetter(code: string): string {
  return RESPONDER_LETTER[code] ?? code.toLowerCase();
}

/** tcp_max_above_hole_without_any_acks (init-bare.zeek). */
const MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS = 16384;
/**
 * Most disjoint blocks held above holes (ours; Zeek's list has no bound but holds the data too). A
 * segment that would start one more is not buffered, so its bytes read as a gap once acknowledged
 * (`g`): only a stream of more than 16,384 holes at once differs from Zeek.
 */
const MAX_BLOCKS = 16384;

export class ZeekEndpoint {
  // Field order is memory order (V8 lays an object out as its fields are defined): what every
  // segment reads or writes comes first; the letters' last sequence numbers and log-scale counters after.
  state: ZeekEndpointState = INACTIVE;
  prevState: ZeekEndpointState = INACTIVE;
  /** Initial sequence number (Zeek's uint32, as int32). */
  startSeq = 0;
  /** One past the highest sequence number sent, and how often it wrapped. */
  lastSeq = 0;
  seqWraps = 0;
  /** Highest acknowledgement the peer sent for this side's data, and how often it wrapped. */
  ackSeq = 0;
  ackWraps = 0;
  didClose = false;
  /** Packets counted for this side (Zeek's ConnSize analyzer): physical side, not role. */
  pkts = 0;
  // Reassembler (relative sequence numbers; 1 is the first data octet).
  lastReassem = 1;
  trimSeq = 1;
  skipDeliveries = false;
  /** Undelivered data above a hole: sorted, merged [lo, hi) pairs. Usually null. */
  blocks: number[] | null = null;
  finCnt = 0;
  /** Relative sequence number one past the FIN. */
  finSeq = 0;
  peer!: ZeekEndpoint;
  histLastSyn = 0;
  histLastFin = 0;
  histLastRst = 0;
  // Log-scaled history counters (Connection::ScaledHistoryEntry): count and next threshold.
  chkCnt = 0;
  chkThresh = 1;
  rxmtCnt = 0;
  rxmtThresh = 1;
  win0Cnt = 0;
  win0Thresh = 1;
  gapCnt = 0;
  gapThresh = 1;

  constructor(
    readonly side: number,
    private readonly conn: ZeekHistorySink,
  ) {}

  reset(): void {
    this.state = INACTIVE;
    this.prevState = INACTIVE;
    this.startSeq = this.lastSeq = this.seqWraps = this.ackSeq = this.ackWraps = 0;
    this.histLastSyn = this.histLastFin = this.histLastRst = 0;
    this.finCnt = this.finSeq = 0;
    this.didClose = false;
    this.pkts = 0;
    this.chkCnt = this.rxmtCnt = this.win0Cnt = this.gapCnt = 0;
    this.chkThresh = this.rxmtThresh = this.win0Thresh = this.gapThresh = 1;
    this.lastReassem = this.trimSeq = 1;
    this.skipDeliveries = false;
    this.blocks = null;
  }

  isOrig(): boolean {
    return this.conn.isOrigSide(this.side);
  }

  /** `TCP_Endpoint::CheckHistory`: true if the letter was already recorded for this side's role. */
  checkHistory(mask: number, code: string): boolean {
    return this.conn.checkHistory(mask, code, this.isOrig());
  }

  addHistory(code: string): void {
    this.conn.addHistory(this.isOrig() ? code : responderLetter(code));
  }

  // `Connection::ScaledHistoryEntry` with base 10: letter at the 1st, 10th, 100th... occurrence.
  checksumError(): void {
    if (++this.chkCnt === this.chkThresh) {
      this.addHistory('C');
      this.chkThresh *= 10;
    }
  }

  didRxmit(): void {
    if (++this.rxmtCnt === this.rxmtThresh) {
      this.addHistory('T');
      this.rxmtThresh *= 10;
    }
  }

  zeroWindow(): void {
    if (++this.win0Cnt === this.win0Thresh) {
      this.addHistory('W');
      this.win0Thresh *= 10;
    }
  }

  private gapEntry(): void {
    if (++this.gapCnt === this.gapThresh) {
      this.addHistory('G');
      this.gapThresh *= 10;
    }
  }

  setStartSeqs(seq: number): void {
    this.startSeq = seq;
    this.ackSeq = seq;
  }

  /** `UpdateLastSeq`: a smaller value (as uint32) means the 32-bit space wrapped. */
  updateLastSeq(seq: number): void {
    if (seq >>> 0 < this.lastSeq >>> 0) this.seqWraps++;
    this.lastSeq = seq;
  }

  updateAckSeq(seq: number): void {
    if (seq >>> 0 < this.ackSeq >>> 0) this.ackWraps++;
    this.ackSeq = seq;
  }

  /**
   * The highest acknowledgement as Zeek's uint64 (wraps × 2^32 + the uint32 value): the one place
   * the int32-held `ackSeq` is read as unsigned.
   */
  private ackAbs(): number {
    return this.ackWraps * TWO32 + (this.ackSeq >>> 0);
  }

  /** None of this side's data acknowledged (one octet allowed for the SYN). */
  noDataAcked(): boolean {
    const ack = this.ackAbs();
    const start = this.startSeq >>> 0;
    return ack === start || ack === start + 1;
  }

  /** `TCP_Endpoint::Size()`: payload bytes from sequence ranges (gaps included, SYN/FIN octets not). */
  size(): number {
    if (this.prevState === SYN_SENT && this.state === RESET && this.peer.state === INACTIVE && !this.noDataAcked()) {
      // A half-open connection discovered and aborted: its sequence numbers say nothing about data.
      return 0;
    }
    const last = this.seqWraps * TWO32 + (this.lastSeq >>> 0);
    const ack = this.ackAbs();
    let size = (last > ack ? last : ack) - (this.startSeq >>> 0);
    if (size < 0) size = 0; // Zeek's uint64 would wrap; an untrustworthy RST-initialised side
    if (size !== 0) size--; // the SYN octet
    if (this.finCnt > 0 && size !== 0) size--; // the FIN octet
    return size;
  }

  /** `TCP_Reassembler::DataSent` (only what matters for gaps): `seq` is relative, 1 = first octet. */
  dataSent(seq: number, len: number): void {
    if (this.skipDeliveries) return;
    const ack = this.ackAbs() - (this.startSeq >>> 0);
    const upper = seq + len;
    if (seq < ack) {
      if (upper <= ack) return; // already delivered and acked
      seq = ack; // trim to the unacked part (retransmission that grew)
    }
    // Reassembler::NewBlock
    if (upper <= this.trimSeq) return;
    if (seq < this.trimSeq) seq = this.trimSeq;
    if (seq <= this.lastReassem) {
      if (upper > this.lastReassem) {
        this.lastReassem = upper;
        this.absorbBlocks();
      }
      return;
    }
    this.insertBlock(seq, upper);
    // tcp_max_above_hole_without_any_acks: give up on a stream whose peer's acks we never see.
    const b = this.blocks!;
    if (this.noDataAcked() && b[b.length - 1] - this.lastReassem > MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS) {
      this.blocks = null;
      this.skipDeliveries = true;
    }
  }

  /** `TCP_Reassembler::AckReceived`: the peer acknowledged up to `seq` (relative). */
  ackReceived(seq: number): void {
    if (this.finCnt > 0 && seq >= this.finSeq) seq = this.finSeq - 1; // not the FIN octet
    if (seq <= this.trimSeq) return;
    if (seq > this.lastReassem) this.undelivered(seq);
    this.trimSeq = seq;
    const b = this.blocks;
    if (b !== null) {
      // Trimmed blocks are gone; anything below lastReassem was delivered by undelivered().
      let i = 0;
      while (i < b.length && b[i + 1] <= seq) i += 2;
      if (i > 0) b.splice(0, i);
      if (b.length === 0) this.blocks = null;
      else if (b[0] < seq) b[0] = seq;
    }
  }

  /** `TCP_Reassembler::Undelivered`: acked data we never saw is a content gap. */
  private undelivered(upTo: number): void {
    // A partial connection's faked ISN: the first ack (or a keep-alive's) is not a gap.
    if (upTo <= 2 && this.conn.isPartial) return;
    if (!this.skipDeliveries) {
      const b = this.blocks;
      while (b !== null && b.length > 0 && b[0] < upTo) {
        this.gap();
        this.lastReassem = b[0];
        this.absorbBlocks();
      }
      if (upTo > this.lastReassem) this.gap();
    }
    if (upTo > this.lastReassem) this.lastReassem = upTo;
  }

  /** `TCP_Reassembler::Gap`: recorded only while both sides are established or cleanly closing. */
  private gap(): void {
    if (isClean(this) && isClean(this.peer)) this.gapEntry();
  }

  private absorbBlocks(): void {
    const b = this.blocks;
    if (b === null) return;
    let i = 0;
    while (i < b.length && b[i] <= this.lastReassem) {
      if (b[i + 1] > this.lastReassem) this.lastReassem = b[i + 1];
      i += 2;
    }
    if (i > 0) b.splice(0, i);
    if (b.length === 0) this.blocks = null;
  }

  private insertBlock(lo: number, hi: number): void {
    if (this.blocks === null) this.blocks = [lo, hi];
    else insertBlock(this.blocks, lo, hi, MAX_BLOCKS);
  }
}

/**
 * Adds [lo, hi) to `b`, sorted disjoint pairs [lo0, hi0, lo1, hi1, ...], merging every block it
 * touches; a new block when `b` already holds `maxBlocks` is dropped (see MAX_BLOCKS).
 */
export function insertBlock(b: number[], lo: number, hi: number, maxBlocks: number): void {
  // Find the first block ending at or after lo (a binary search over the pairs: one-byte segments
  // above a hole made a linear scan quadratic, helper-52 audit: 300,000 of them took 24 s).
  let low = 0;
  let high = b.length >> 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (b[2 * mid + 1] < lo) low = mid + 1;
    else high = mid;
  }
  const i = 2 * low;
  if (b.length >= 2 * maxBlocks && (i === b.length || b[i] > hi)) return;
  let j = i;
  while (j < b.length && b[j] <= hi) {
    if (b[j] < lo) lo = b[j];
    if (b[j + 1] > hi) hi = b[j + 1];
    j += 2;
  }
  b.splice(i, j - i, lo, hi);
}

/** `is_clean()` in TCP_Reassembler.cc. */
function isClean(e: ZeekEndpoint): boolean {
  return e.state === ESTABLISHED || (e.state === CLOSED && e.prevState === ESTABLISHED);
}
