/**
 * TCP header (RFC 9293 §3.1) and options. The fixed 20 bytes are what state tracking needs, so
 * only they are mandatory: options that are malformed or cut off by the snaplen are decoded as
 * far as they go and flagged (optMalformed / optTruncated), never turned into an error status.
 * That is why the statuses TCP_TRUNCATED_OPTIONS and TCP_BAD_OPTION_LENGTH are not returned:
 * real stacks ignore a bad option and still process the segment (RFC 9293 §3.1, "Options":
 * "must be prepared to handle an illegal option length ... without crashing"), and so do we.
 */
import { fail } from './errors.js';
import type { DecodeStatus, PacketFields } from './fields.js';

// Field offsets, RFC 9293 §3.1 Figure 1.
const TCP_OFF_SRC_PORT = 0;
const TCP_OFF_DST_PORT = 2;
const TCP_OFF_SEQ = 4;
const TCP_OFF_ACK = 8;
/** Data offset in the high nibble, then 3 reserved bits and the AE/NS bit, then CWR..FIN. */
const TCP_OFF_DATA_OFFSET = 12;
const TCP_OFF_WINDOW = 14;
const TCP_OFF_URGENT = 18;
export const TCP_MIN_HDR = 20;
/** Low 9 bits of the 16-bit word at offset 12: FIN..CWR plus AE (RFC 3540 NS, AccECN). */
const TCP_FLAGS_MASK = 0x1ff;

// Option kinds: IANA "TCP Option Kind Numbers".
/** End of option list, RFC 9293 §3.2. */
export const TCPOPT_EOL = 0;
/** No-operation, RFC 9293 §3.2. */
export const TCPOPT_NOP = 1;
/** Maximum segment size, length 4, RFC 9293 §3.7.1. */
export const TCPOPT_MSS = 2;
/** Window scale, length 3, RFC 7323 §2.2. */
export const TCPOPT_WSCALE = 3;
/** SACK permitted, length 2, RFC 2018 §2. */
export const TCPOPT_SACK_PERM = 4;
/** SACK, length 2 + 8n, RFC 2018 §3. */
export const TCPOPT_SACK = 5;
/** Timestamps, length 10, RFC 7323 §3.2. */
export const TCPOPT_TIMESTAMPS = 8;
/** TCP Fast Open cookie, length 2 (request) or 6..18, RFC 7413 §4.1.1. */
export const TCPOPT_TFO = 34;
/** Shared experimental option with a 16-bit ExID, RFC 6994. */
export const TCPOPT_EXPERIMENT = 254;
/** RFC 6994 ExID under which TFO was deployed before kind 34 (RFC 7413 §4.1.1, Linux). */
export const TCPOPT_TFO_EXID = 0xf989;

const TCPOPT_MSS_LEN = 4;
const TCPOPT_WSCALE_LEN = 3;
const TCPOPT_SACK_PERM_LEN = 2;
const TCPOPT_SACK_BLOCK_LEN = 8;
const TCPOPT_TIMESTAMPS_LEN = 10;
/** Kind 254 carries kind, length and a 2-byte ExID at least. */
const TCPOPT_EXPERIMENT_MIN_LEN = 4;

/**
 * Largest shift a receiver honours (RFC 7323 §2.3: a larger value is used as 14 and may be
 * logged). optWscale keeps the raw byte so the report can show what was sent.
 */
export const TCP_WSCALE_MAX = 14;

/**
 * Decodes the TCP header at `off`. `end` is the end of the bytes present for this segment
 * (min of captured bytes and the IP length); `out.ipPayloadLen` must already hold the segment
 * length according to the IP header, from which payloadLen is derived.
 */
export function decodeTcp(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  const have = end - off;
  if (have < TCP_MIN_HDR) return fail(out, 'TCP_TRUNCATED_HEADER', 'tcp', off, TCP_MIN_HDR, have);
  const hdrLen = (v.getUint8(off + TCP_OFF_DATA_OFFSET) >> 4) * 4;
  if (hdrLen < TCP_MIN_HDR) return fail(out, 'TCP_BAD_DATA_OFFSET', 'tcp', off, TCP_MIN_HDR, hdrLen);
  // The header may not claim more than the IP packet carries (tcpdump: "bad hdr length").
  const segLen = out.ipPayloadLen;
  if (hdrLen > segLen) return fail(out, 'TCP_BAD_DATA_OFFSET', 'tcp', off, hdrLen, segLen);

  out.srcPort = v.getUint16(off + TCP_OFF_SRC_PORT);
  out.dstPort = v.getUint16(off + TCP_OFF_DST_PORT);
  out.seq = v.getUint32(off + TCP_OFF_SEQ);
  out.ack = v.getUint32(off + TCP_OFF_ACK);
  out.flags = v.getUint16(off + TCP_OFF_DATA_OFFSET) & TCP_FLAGS_MASK;
  out.window = v.getUint16(off + TCP_OFF_WINDOW);
  out.urgent = v.getUint16(off + TCP_OFF_URGENT);
  out.tcpHeaderLen = hdrLen;
  out.tcpOffset = off;
  out.payloadLen = segLen - hdrLen;
  const hdrEnd = off + hdrLen;
  out.capturedPayloadLen = end > hdrEnd ? end - hdrEnd : 0;

  if (hdrLen > TCP_MIN_HDR) {
    if (hdrEnd > end) {
      // Snaplen cut inside the options: decode what is present, and say so.
      out.optTruncated = true;
      out.optMalformed = true;
      decodeTcpOptions(v, off + TCP_MIN_HDR, end, out);
    } else {
      decodeTcpOptions(v, off + TCP_MIN_HDR, hdrEnd, out);
    }
  }
  return 'OK';
}

/**
 * Walks the options in [p, optEnd) (RFC 9293 §3.2: kind, length, data; EOL and NOP are one byte).
 * A length < 2 or one running past optEnd sets optMalformed and stops, as the remaining bytes
 * cannot be framed. A known kind with the wrong fixed length (e.g. MSS with length 3) sets
 * optMalformed, is not recorded, and parsing continues after it: the length still frames it.
 * A repeated option overwrites the earlier one (last one wins).
 */
export function decodeTcpOptions(v: DataView, p: number, optEnd: number, out: PacketFields): void {
  while (p < optEnd) {
    const kind = v.getUint8(p);
    if (kind === TCPOPT_EOL) return;
    if (kind === TCPOPT_NOP) { p++; continue; }
    if (p + 1 >= optEnd) { out.optMalformed = true; return; } // no room for the length byte
    const len = v.getUint8(p + 1);
    if (len < 2 || p + len > optEnd) { out.optMalformed = true; return; }
    switch (kind) {
      case TCPOPT_MSS:
        if (len === TCPOPT_MSS_LEN) out.optMss = v.getUint16(p + 2);
        else out.optMalformed = true;
        break;
      case TCPOPT_WSCALE:
        if (len === TCPOPT_WSCALE_LEN) out.optWscale = v.getUint8(p + 2);
        else out.optMalformed = true;
        break;
      case TCPOPT_SACK_PERM:
        if (len === TCPOPT_SACK_PERM_LEN) out.optSackPermitted = true;
        else out.optMalformed = true;
        break;
      case TCPOPT_SACK:
        // 1..4 blocks fit in 40 option bytes; anything not 2 + 8n is malformed (RFC 2018 §3).
        if (len > 2 && (len - 2) % TCPOPT_SACK_BLOCK_LEN === 0) {
          out.optSackBlocks = (len - 2) / TCPOPT_SACK_BLOCK_LEN;
          let sig = 1;
          for (let q = p + 2; q < p + len; q += 4) sig = (Math.imul(sig, 31) + v.getInt32(q)) | 0;
          out.optSackSig = sig;
          out.optSackLeft = v.getInt32(p + 2);
          out.optSackRight = v.getInt32(p + 6);
        } else out.optMalformed = true;
        break;
      case TCPOPT_TIMESTAMPS:
        if (len === TCPOPT_TIMESTAMPS_LEN) {
          out.optHasTimestamps = true;
          out.optTsVal = v.getUint32(p + 2);
          out.optTsEcr = v.getUint32(p + 6);
        } else {
          out.optMalformed = true;
        }
        break;
      case TCPOPT_TFO:
        // Length 2 is a cookie request; a cookie is 4..16 bytes (RFC 7413 §4.1.1). Any length is
        // still a TFO attempt, so it is flagged; odd lengths are not policed here.
        out.optTfo = true;
        break;
      case TCPOPT_EXPERIMENT:
        if (len >= TCPOPT_EXPERIMENT_MIN_LEN && v.getUint16(p + 2) === TCPOPT_TFO_EXID) out.optTfo = true;
        break;
      default:
        // Unknown or uninteresting kinds (MPTCP 30, TCP-AO 29, MD5 19, ...) are skipped by length.
        break;
    }
    p += len;
  }
}
