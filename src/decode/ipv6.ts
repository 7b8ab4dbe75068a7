/**
 * IPv6 header (RFC 8200 §3) and its extension header chain (RFC 8200 §4), up to TCP.
 */
import { fail, NO_LEN } from './errors.js';
import type { DecodeStatus, PacketFields } from './fields.js';
import { IPPROTO_TCP } from './ipv4.js';
import { decodeTcp } from './tcp.js';
import { decodeTunnel, mayCarryTunnel } from './tunnel.js';

// Field offsets, RFC 8200 §3.
export const IPV6_OFF_PAYLOAD_LENGTH = 4;
const IPV6_OFF_NEXT_HEADER = 6;
const IPV6_OFF_HOP_LIMIT = 7;
const IPV6_OFF_SRC = 8;
const IPV6_OFF_DST = 24;
export const IPV6_HDR_LEN = 40;
const IPV6_VERSION = 6;

// Next Header values (IANA "Assigned Internet Protocol Numbers"), RFC 8200 §4.
/** Hop-by-Hop Options, RFC 8200 §4.3; length in 8-octet units, not counting the first 8. */
export const IPPROTO_HOPOPTS = 0;
/** Routing, RFC 8200 §4.4; same length rule. */
export const IPPROTO_ROUTING = 43;
/** Fragment, RFC 8200 §4.5; always 8 bytes. */
const IPPROTO_FRAGMENT = 44;
/** Authentication Header, RFC 4302 §2.2: length in 4-octet units, minus 2. */
const IPPROTO_AH = 51;
/** Destination Options, RFC 8200 §4.6; same length rule as Hop-by-Hop. */
export const IPPROTO_DSTOPTS = 60;

/** Every extension header above is a multiple of 8 bytes long, so 8 is the least we need. */
const IPV6_EXT_MIN_LEN = 8;
const IPV6_FRAG_HDR_LEN = 8;
/** Fragment header: offset (13 bits, 8-byte units), 2 reserved bits, M flag. */
const IPV6_FRAG_OFF_OFFSET_M = 2;
const IPV6_FRAG_OFFSET_MASK = 0xfff8;
const IPV6_FRAG_M = 0x0001;
/** Hop-by-Hop option types, RFC 8200 §4.2 (Pad1) and RFC 2675 §2 (Jumbo Payload, length 4). */
const IPV6_OPT_PAD1 = 0;
const IPV6_OPT_JUMBO = 0xc2;
const IPV6_OPT_JUMBO_LEN = 4;
/** RFC 2675 §2: a jumbo payload length must exceed 65,535. */
const IPV6_JUMBO_MIN = 65536;

/**
 * Bound on the extension chain: RFC 8200 §4.1 expects at most one of each kind (two
 * Destination Options), so anything past this is an attack or garbage, not a packet.
 */
export const IPV6_MAX_EXTENSIONS = 16;

/**
 * Decodes an IPv6 header at `off`, walks the extension headers, and decodes TCP behind them.
 * Lengths come from the payload length field. Payload length 0 means a jumbogram when a Jumbo
 * Payload option follows in Hop-by-Hop (RFC 2675); without it (Linux BIG TCP strips the HBH
 * header before the packet reaches the capture point, and GSO super-segments look alike) we fall
 * back to the captured length, as for IPv4 total length 0.
 */
export function decodeIpv6(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  const have = end - off;
  if (have >= 1 && v.getUint8(off) >> 4 !== IPV6_VERSION) return fail(out, 'IPV6_BAD_VERSION', 'ipv6', off, NO_LEN, NO_LEN);
  if (have < IPV6_HDR_LEN) return fail(out, 'IPV6_TRUNCATED_HEADER', 'ipv6', off, IPV6_HDR_LEN, have);

  out.ipVersion = 6;
  out.ipId = -1; // a tunnelled packet's outer IPv4 set it
  out.ipOffset = off;
  out.ttl = v.getUint8(off + IPV6_OFF_HOP_LIMIT);
  out.src0 = v.getUint32(off + IPV6_OFF_SRC);
  out.src1 = v.getUint32(off + IPV6_OFF_SRC + 4);
  out.src2 = v.getUint32(off + IPV6_OFF_SRC + 8);
  out.src3 = v.getUint32(off + IPV6_OFF_SRC + 12);
  out.dst0 = v.getUint32(off + IPV6_OFF_DST);
  out.dst1 = v.getUint32(off + IPV6_OFF_DST + 4);
  out.dst2 = v.getUint32(off + IPV6_OFF_DST + 8);
  out.dst3 = v.getUint32(off + IPV6_OFF_DST + 12);

  const payloadLen = v.getUint16(off + IPV6_OFF_PAYLOAD_LENGTH);
  let ipEnd: number;
  let fromCapture = false;
  if (payloadLen === 0) {
    fromCapture = true;
    out.payloadBeyondLink = 0;
    ipEnd = end;
  } else {
    ipEnd = off + IPV6_HDR_LEN + payloadLen;
    // Longer than the packet was on the wire: a lying length, not a snaplen cut (see ipv4.ts).
    if (ipEnd > out.wireEnd) {
      if (!out.linkBoundsIp) return fail(out, 'IPV6_BAD_PAYLOAD_LENGTH', 'ipv6', off, IPV6_HDR_LEN + payloadLen, out.wireEnd - off);
      // What the IP length claims past the link's length is Zeek's payload when it is all in the
      // frame; otherwise no checksum can be verified (the sender summed bytes we do not have).
      const claimed = ipEnd - out.wireEnd;
      if (out.payloadBeyondLink >= claimed) out.payloadBeyondLink = claimed;
      else { out.payloadBeyondLink = 0; fromCapture = true; }
      ipEnd = out.wireEnd; // the link layer's length is the packet's (PacketFields.linkBoundsIp)
    } else out.payloadBeyondLink = 0;
  }
  /** End of the bytes that are both captured and inside the IP packet. */
  let limit = ipEnd < end ? ipEnd : end;

  let nh = v.getUint8(off + IPV6_OFF_NEXT_HEADER);
  let p = off + IPV6_HDR_LEN;
  let firstFragment = false;
  for (let exts = 0; nh !== IPPROTO_TCP; exts++) {
    if (nh !== IPPROTO_HOPOPTS && nh !== IPPROTO_ROUTING && nh !== IPPROTO_DSTOPTS && nh !== IPPROTO_FRAGMENT && nh !== IPPROTO_AH) {
      // ESP (50), ICMPv6 (58), UDP, No Next Header (59, RFC 8200 §4.7), ...: not TCP, unless a tunnel.
      out.ipProtocol = nh;
      if (mayCarryTunnel(nh)) return decodeTunnel(v, p, limit, firstFragment ? -1 : fromCapture ? out.wireEnd : ipEnd, nh, out, 'ipv6', off);
      out.l4Offset = p;
      out.l4End = limit;
      return fail(out, 'NON_TCP', 'ipv6', off, NO_LEN, NO_LEN);
    }
    if (exts === IPV6_MAX_EXTENSIONS) return fail(out, 'IPV6_TOO_MANY_EXTENSIONS', 'ipv6', p, NO_LEN, NO_LEN);
    if (limit - p < IPV6_EXT_MIN_LEN) return fail(out, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', p, IPV6_EXT_MIN_LEN, limit - p);
    let extLen: number;
    if (nh === IPPROTO_FRAGMENT) extLen = IPV6_FRAG_HDR_LEN;
    else if (nh === IPPROTO_AH) extLen = (v.getUint8(p + 1) + 2) * 4;
    else extLen = (v.getUint8(p + 1) + 1) * 8;
    if (limit - p < extLen) return fail(out, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', p, extLen, limit - p);

    if (nh === IPPROTO_FRAGMENT) {
      const fragOffM = v.getUint16(p + IPV6_FRAG_OFF_OFFSET_M);
      // An atomic fragment (offset 0, M 0; RFC 6946) is a whole packet: keep walking.
      // The first of several fragments of a tunnel still holds the inner headers (tunnel.ts).
      if ((fragOffM & IPV6_FRAG_OFFSET_MASK) === 0 && (fragOffM & IPV6_FRAG_M) !== 0 && mayCarryTunnel(v.getUint8(p))) firstFragment = true;
      else if ((fragOffM & (IPV6_FRAG_OFFSET_MASK | IPV6_FRAG_M)) !== 0) {
        const inner = v.getUint8(p);
        out.ipProtocol = inner;
        // The fragment header names the first header of the fragmentable part: if that is
        // neither TCP nor another extension header, this is some other protocol's fragment.
        const tcpish = inner === IPPROTO_TCP || inner === IPPROTO_ROUTING || inner === IPPROTO_DSTOPTS || inner === IPPROTO_AH;
        return fail(out, tcpish ? 'IP_FRAGMENT' : 'NON_TCP', 'ipv6', off, NO_LEN, NO_LEN);
      }
    } else if (nh === IPPROTO_HOPOPTS && exts === 0) {
      // RFC 8200 §4.1: Hop-by-Hop may only come first, so only there can it carry a jumbo length.
      const jumbo = findJumboPayload(v, p + 2, p + extLen);
      if (jumbo >= 0) {
        // RFC 2675 §3: the jumbo option requires payload length 0 and a value above 65,535.
        if (payloadLen !== 0 || jumbo < IPV6_JUMBO_MIN) return fail(out, 'IPV6_BAD_PAYLOAD_LENGTH', 'ipv6', off, NO_LEN, NO_LEN);
        fromCapture = false;
        ipEnd = off + IPV6_HDR_LEN + jumbo;
        limit = ipEnd < end ? ipEnd : end;
      }
    }
    nh = v.getUint8(p);
    p += extLen;
  }

  out.ipProtocol = IPPROTO_TCP;
  out.ipLengthFromCapture = fromCapture;
  if (ipEnd < end) out.trailerBytes = end - ipEnd;
  out.ipPayloadLen = ipEnd - p;
  return decodeTcp(v, p, limit, out);
}

/** Returns the Jumbo Payload length from the options in [q, qEnd), or -1 if there is none. */
function findJumboPayload(v: DataView, q: number, qEnd: number): number {
  while (q < qEnd) {
    const type = v.getUint8(q);
    if (type === IPV6_OPT_PAD1) { q++; continue; }
    if (q + 2 > qEnd) return -1;
    const len = v.getUint8(q + 1);
    if (type === IPV6_OPT_JUMBO && len === IPV6_OPT_JUMBO_LEN && q + 2 + len <= qEnd) return v.getUint32(q + 2);
    q += 2 + len;
  }
  return -1;
}
