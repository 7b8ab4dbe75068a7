/**
 * Wireshark's "Conversation completeness" (`tcp.completeness`, Wireshark ≥ 3.6): six bits a
 * connection collects packet by packet, which Wireshark users filter on (`tcp.completeness == 31`
 * is "a full conversation with data"). Transcribed from `dissect_tcp()` in Wireshark's
 * epan/dissectors/packet-tcp.c; docs/wireshark-conformance.md says how it was checked against
 * tshark and where (and why) we differ.
 *
 * The bits take no account of direction, order or retransmission: any SYN-ACK sets SYNACK, any
 * FIN+ACK sets FIN, and so on. Only the SYN bit needs the connection's history: a pure SYN counts
 * only as the connection's first packet ("pure SYN must be sought in new conversations only").
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/fields.js';
import type { WiresharkReport } from '../report/model.js';

export const COMPLETENESS_SYN = 0x01;
export const COMPLETENESS_SYNACK = 0x02;
export const COMPLETENESS_ACK = 0x04;
export const COMPLETENESS_DATA = 0x08;
export const COMPLETENESS_FIN = 0x10;
export const COMPLETENESS_RST = 0x20;

/**
 * The bits after one more segment. `first`: the connection's first packet (the only place a pure
 * SYN counts, with its payload as DATA: TCP Fast Open). Wireshark 4.0 also skipped the other rules
 * on a conversation's first packet, so a capture that starts mid-stream lost that packet's bits;
 * 4.4 applies them (#19771), as we do.
 */
export function completenessAfter(bits: number, flags: number, payloadLen: number, first: boolean): number {
  const synAck = flags & (TCP_SYN | TCP_ACK);
  if (synAck === TCP_SYN) {
    if (first) bits |= payloadLen > 0 ? COMPLETENESS_SYN | COMPLETENESS_DATA : COMPLETENESS_SYN;
  } else if (synAck === (TCP_SYN | TCP_ACK)) {
    bits |= COMPLETENESS_SYNACK;
  } else if (synAck === TCP_ACK) {
    // Any ACK without payload, FIN+ACK and RST+ACK too: not only the handshake's third packet.
    bits |= payloadLen > 0 ? COMPLETENESS_DATA : COMPLETENESS_ACK;
  }
  // A FIN counts only with ACK set (a bare FIN is a stealth scan, not a close).
  if ((flags & (TCP_FIN | TCP_ACK)) === (TCP_FIN | TCP_ACK)) bits |= COMPLETENESS_FIN;
  if ((flags & TCP_RST) !== 0) bits |= COMPLETENESS_RST;
  return bits;
}

/**
 * Wireshark's words for a value (`conversation_completeness_fill`), without the "(n)" it appends:
 * complete means SYN, SYN-ACK and ACK were all seen and the conversation ended (FIN or RST).
 */
export function completenessLabel(bits: number): string {
  switch (bits) {
    case 1: return 'Incomplete, SYN_SENT';
    case 3: return 'Incomplete, CLIENT_ESTABLISHED';
    case 7: return 'Incomplete, ESTABLISHED';
    case 15: return 'Incomplete, DATA';
    case 31: case 47: case 63: return 'Complete, WITH_DATA';
    case 23: case 39: case 55: return 'Complete, NO_DATA';
    default: return 'Incomplete';
  }
}

/** Wireshark's `tcp.completeness.str` (4.2 and later): R F D A S S, a middle dot for each bit not set. */
export function completenessFlags(bits: number): string {
  const letters = 'RFDASS';
  let s = '';
  for (let i = 0; i < 6; i++) s += (bits & (0x20 >> i)) !== 0 ? letters[i] : '\u00b7';
  return s;
}

/** The report's `wireshark` member: a fresh object (a report is the caller's to change). */
export function wiresharkReport(bits: number): WiresharkReport {
  return { completeness: bits, completenessText: `${completenessLabel(bits)} (${bits})`, completenessFlags: completenessFlags(bits) };
}
