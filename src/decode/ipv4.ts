/**
 * IPv4 header (RFC 791 §3.1). Options are skipped, not validated (IPV4_BAD_OPTIONS is therefore
 * never returned): TCP state tracking needs the addresses, the protocol and the lengths only.
 */
import { fail, NO_LEN } from './errors.js';
import type { DecodeStatus, PacketFields } from './fields.js';
import { decodeTcp } from './tcp.js';
import { decodeTunnel, mayCarryTunnel } from './tunnel.js';

// Field offsets, RFC 791 §3.1 "Internet Header Format".
/** Version (high nibble) and IHL in 32-bit words (low nibble). */
const IPV4_OFF_VERSION_IHL = 0;
const IPV4_OFF_TOTAL_LENGTH = 2;
const IPV4_OFF_ID = 4;
/** Flags (3 bits: reserved, DF, MF) and fragment offset (13 bits, 8-byte units). */
const IPV4_OFF_FLAGS_FRAG = 6;
const IPV4_OFF_TTL = 8;
const IPV4_OFF_PROTOCOL = 9;
const IPV4_OFF_SRC = 12;
const IPV4_OFF_DST = 16;
export const IPV4_MIN_HDR = 20;
const IPV4_VERSION = 4;
/** MF bit plus the 13-bit fragment offset: any of them set means "part of a fragmented datagram". */
const IPV4_MF_AND_OFFSET_MASK = 0x3fff;
const IPV4_MF = 0x2000;
const IPV4_OFFSET_MASK = 0x1fff;
/** IANA protocol number for TCP. */
export const IPPROTO_TCP = 6;

/**
 * Decodes an IPv4 header at `off` and, for TCP, the TCP header behind it. `end` is the end of the
 * captured bytes. The segment length comes from the total length field, never from the capture:
 * - total length 0: TSO / GSO super-segments captured before segmentation (and Linux BIG TCP for
 *   IPv4) carry 0 here; like gopacket's ip4.go we fall back to the captured length and say so.
 * - total length > captured: the snaplen cut the packet; lengths still come from the header.
 * - total length < captured: Ethernet padding (frames are at least 60 bytes) or a trailer; it is
 *   trimmed and counted in trailerBytes (Zeek: "padding makes caplen > len").
 */
export function decodeIpv4(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  const have = end - off;
  // A wrong version says more than "truncated", so it is checked as soon as one byte is there.
  if (have >= 1 && v.getUint8(off + IPV4_OFF_VERSION_IHL) >> 4 !== IPV4_VERSION) {
    return fail(out, 'IPV4_BAD_VERSION', 'ipv4', off, NO_LEN, NO_LEN);
  }
  if (have < IPV4_MIN_HDR) return fail(out, 'IPV4_TRUNCATED_HEADER', 'ipv4', off, IPV4_MIN_HDR, have);
  const ihl = (v.getUint8(off + IPV4_OFF_VERSION_IHL) & 0x0f) * 4;
  if (ihl < IPV4_MIN_HDR) return fail(out, 'IPV4_BAD_IHL', 'ipv4', off, IPV4_MIN_HDR, ihl);
  if (ihl > have) return fail(out, 'IPV4_TRUNCATED_HEADER', 'ipv4', off, ihl, have);

  out.ipVersion = 4;
  out.ipOffset = off;
  out.ttl = v.getUint8(off + IPV4_OFF_TTL);
  out.ipId = v.getUint16(off + IPV4_OFF_ID);
  out.src0 = v.getUint32(off + IPV4_OFF_SRC);
  out.dst0 = v.getUint32(off + IPV4_OFF_DST);
  const protocol = v.getUint8(off + IPV4_OFF_PROTOCOL);
  out.ipProtocol = protocol;

  const totalLen = v.getUint16(off + IPV4_OFF_TOTAL_LENGTH);
  let ipEnd: number;
  if (totalLen === 0) {
    out.ipLengthFromCapture = true;
    out.payloadBeyondLink = 0;
    ipEnd = end;
  } else {
    if (totalLen < ihl) return fail(out, 'IPV4_BAD_TOTAL_LENGTH', 'ipv4', off, ihl, totalLen);
    ipEnd = off + totalLen;
    // Longer than the packet was on the wire: the header lies (fuzzer finds in tcpdump's corpus),
    // and trusting it would credit the connection with bytes that never existed.
    if (ipEnd > out.wireEnd) {
      if (!out.linkBoundsIp) return fail(out, 'IPV4_BAD_TOTAL_LENGTH', 'ipv4', off, totalLen, out.wireEnd - off);
      // What the IP length claims past the link's length is Zeek's payload when it is all in the
      // frame; otherwise no checksum can be verified (the sender summed bytes we do not have).
      const claimed = ipEnd - out.wireEnd;
      if (out.payloadBeyondLink >= claimed) out.payloadBeyondLink = claimed;
      else { out.payloadBeyondLink = 0; out.ipLengthFromCapture = true; }
      ipEnd = out.wireEnd; // the link layer's length is the packet's (PacketFields.linkBoundsIp)
    } else out.payloadBeyondLink = 0;
    if (ipEnd < end) {
      out.trailerBytes = end - ipEnd;
      end = ipEnd;
    }
  }

  if (protocol !== IPPROTO_TCP) {
    // A tunnel's first fragment still holds the inner headers (tunnel.ts); a later one holds none.
    const frag = v.getUint16(off + IPV4_OFF_FLAGS_FRAG);
    if (mayCarryTunnel(protocol) && (frag & IPV4_OFFSET_MASK) === 0) {
      return decodeTunnel(v, off + ihl, end, (frag & IPV4_MF) !== 0 ? -1 : totalLen === 0 ? out.wireEnd : ipEnd, protocol, out, 'ipv4', off);
    }
    if ((frag & IPV4_OFFSET_MASK) === 0) { out.l4Offset = off + ihl; out.l4End = end; }
    return fail(out, 'NON_TCP', 'ipv4', off, NO_LEN, NO_LEN);
  }
  // Only the first fragment holds the TCP header, and its lengths describe a part of the
  // segment only; we do not reassemble, so every fragment is skipped (RFC 791 §3.2).
  if ((v.getUint16(off + IPV4_OFF_FLAGS_FRAG) & IPV4_MF_AND_OFFSET_MASK) !== 0) {
    return fail(out, 'IP_FRAGMENT', 'ipv4', off, NO_LEN, NO_LEN);
  }
  out.ipPayloadLen = ipEnd - off - ihl;
  return decodeTcp(v, off + ihl, end, out);
}
