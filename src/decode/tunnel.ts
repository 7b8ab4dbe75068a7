/**
 * Tunnels: the TCP segment inside IP in IP, GRE (with ERSPAN mirror sessions), VXLAN, VXLAN-GPE,
 * Geneve, GTP-U or Teredo is the one tracked, as Zeek and Wireshark do; the outer headers only
 * carried it. Cloud traffic mirrors (VXLAN, Geneve), SPAN over the WAN (ERSPAN), mobile cores
 * (GTP-U) and IPv6 over IPv4 NATs (Teredo) hand us nothing but such packets.
 *
 * Only the non-TCP path of the IP decoders comes here, so a plain TCP segment pays nothing. What
 * does not parse as the tunnel its protocol or port names is what it was before: a NON_TCP skip at
 * the outer IP layer (a UDP datagram that happens to use port 4789 is not an error). Once the
 * tunnel's header has parsed, the inner packet is decoded like any other and its problems are
 * reported at its own layers and offsets.
 *
 * An outer datagram that is the first fragment of several still holds the inner IP and TCP
 * headers, whose lengths are the inner packet's own (Zeek reassembles the outer fragments first;
 * its GTP trace sends every large segment so): such a segment is tracked with the lengths its
 * header gives, as when a snaplen cuts a packet. Later fragments hold no header and stay skipped.
 */
import { hasBadIpv4Header } from './checksum.js';
import { fail, NO_LEN } from './errors.js';
import type { DecodeLayer, DecodeStatus, PacketFields } from './fields.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6, IPV6_HDR_LEN, IPV6_OFF_PAYLOAD_LENGTH } from './ipv6.js';
import { decodeEthernet, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './link.js';

export const TUNNEL_NONE = 0;
export const TUNNEL_IPIP = 1;
export const TUNNEL_GRE = 2;
export const TUNNEL_ERSPAN = 3;
export const TUNNEL_VXLAN = 4;
export const TUNNEL_GENEVE = 5;
export const TUNNEL_GTP_U = 6;
export const TUNNEL_VXLAN_GPE = 7;
export const TUNNEL_TEREDO = 8;

/** The names `stats.tunnelled` counts by, indexed by TUNNEL_*. */
export const TUNNEL_NAMES: readonly string[] = ['', 'IP_IN_IP', 'GRE', 'ERSPAN', 'VXLAN', 'GENEVE', 'GTP_U', 'VXLAN_GPE', 'TEREDO'];

/** IANA protocol numbers that may carry a tunnel: IPv4 (RFC 2003), IPv6 (RFC 4213), GRE, UDP. */
const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
const IPPROTO_GRE = 47;
const IPPROTO_UDP = 17;

/**
 * Tunnels inside tunnels are peeled up to this depth: real stacks nest two (GRE in VXLAN, GTP-U
 * over IPsec-less IP in IP); anything deeper is crafted, and each level costs a header only.
 */
export const MAX_TUNNEL_DEPTH = 4;

/** IANA UDP ports: VXLAN (RFC 7348 §5), Geneve (RFC 8926 §3.3), GTP-U (3GPP TS 29.281 §4.4.2), VXLAN-GPE, Teredo (RFC 4380 §4). */
const PORT_VXLAN = 4789;
const PORT_GENEVE = 6081;
const PORT_GTP_U = 2152;
const PORT_VXLAN_GPE = 4790;
const PORT_TEREDO = 3544;
const UDP_HDR_LEN = 8;

/** GRE (RFC 2784 §2, RFC 2890 §2): flags and version, then the protocol type. */
const GRE_HDR_LEN = 4;
const GRE_C = 0x8000; // checksum present (with 2 reserved bytes)
const GRE_R = 0x4000; // RFC 1701 routing present: no tunnel we know sends it
const GRE_K = 0x2000; // key present
const GRE_S = 0x1000; // sequence number present
const GRE_VERSION_MASK = 0x0007; // 1 is PPTP's enhanced GRE, carrying PPP: not decoded
const GRE_OPTIONAL_FIELD_LEN = 4;
/** EtherTypes a GRE or Geneve header names besides IP. */
const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (NVGRE, Geneve's Ethernet payload)
const ETHERTYPE_ERSPAN_II = 0x88be; // ERSPAN type II, or type I when GRE has no sequence number
const ETHERTYPE_ERSPAN_III = 0x22eb;
/** ERSPAN type II header (8 bytes); type III (12, plus an 8-byte platform sub-header when its O bit is set). */
const ERSPAN_II_HDR_LEN = 8;
const ERSPAN_III_HDR_LEN = 12;
const ERSPAN_III_OFF_O = 11;
const ERSPAN_III_O = 0x01;
const ERSPAN_PLATFORM_HDR_LEN = 8;

/** VXLAN (RFC 7348 §5): flags (I = a valid VNI), 3 reserved, VNI (3), 1 reserved; then Ethernet. */
const VXLAN_HDR_LEN = 8;
const VXLAN_I = 0x08;

// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): flags with a 2-bit version (0) and P, whose Next Protocol
// byte names the payload; without P it is Ethernet, as in VXLAN.
const VXLAN_GPE_VERSION = 0x30;
const VXLAN_GPE_P = 0x04;
const VXLAN_GPE_OFF_NEXT = 3;
const VXLAN_GPE_IPV4 = 1;
const VXLAN_GPE_IPV6 = 2;
const VXLAN_GPE_ETHERNET = 3;

// Teredo (RFC 4380 §5.1.1): an IPv6 packet in UDP, after an optional authentication indicator
// (type 0x0001: ID and AU lengths, the ID, the AU value, an 8-byte nonce, a confirmation byte)
// and an optional origin indication (type 0x0000: port and IPv4 address), in that order.
const TEREDO_AUTH = 0x0001;
const TEREDO_AUTH_FIXED_LEN = 13;
const TEREDO_ORIGIN = 0x0000;
const TEREDO_ORIGIN_LEN = 8;

/** Geneve (RFC 8926 §3.4): version (2 bits, 0) and option length in 4-byte words, flags, protocol type, VNI. */
const GENEVE_HDR_LEN = 8;
const GENEVE_OFF_PROTOCOL = 2;

/**
 * GTP-U (3GPP TS 29.281 §5.1): version 1, protocol type 1 (GTP, not GTP'), message type 255 (G-PDU:
 * user data; echo and error indications carry none). Any of E, S or PN adds 4 bytes (sequence,
 * N-PDU number, next extension type), and E chains extension headers, each a length in 4-byte words
 * that ends with the next one's type.
 */
const GTP_HDR_LEN = 8;
const GTP_OFF_LENGTH = 2;
const GTP_OPTIONAL_LEN = 4;
const GTP_VERSION_1 = 1;
const GTP_PT = 0x10;
const GTP_E = 0x04;
const GTP_E_S_PN = 0x07;
const GTP_G_PDU = 0xff;
const GTP_MAX_EXTENSIONS = 16;

const IP_VERSION_4 = 4;
const IP_VERSION_6 = 6;

/** A non-TCP IP protocol that may carry a tunnel (the callers' test before calling decodeTunnel). */
export function mayCarryTunnel(protocol: number): boolean {
  return protocol === IPPROTO_UDP || protocol === IPPROTO_GRE || protocol === IPPROTO_IPIP || protocol === IPPROTO_IPV6;
}

/**
 * Decodes the tunnel that IP protocol `protocol` starts at `p` and the packet inside it. `end`: the
 * end of the captured bytes of the outer IP packet; `wireEnd`: where that packet ended on the wire,
 * or -1 when it is the first fragment of several (the inner lengths cannot be checked against it).
 * `layer` and `ipOff` are the outer IP header's, for the skip when this is no tunnel.
 */
export function decodeTunnel(v: DataView, p: number, end: number, wireEnd: number, protocol: number, out: PacketFields,
  layer: DecodeLayer, ipOff: number): DecodeStatus {
  if (out.tunnelDepth >= MAX_TUNNEL_DEPTH) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  // The outer header is checked here, where it is known (checksum.ts sees the inner one only); a
  // length taken from the capture (TSO) has no checksum filled in yet.
  if (layer === 'ipv4' && !out.ipLengthFromCapture && hasBadIpv4Header(v, ipOff, p - ipOff)) out.tunnelChecksumBad = true;
  switch (protocol) {
    case IPPROTO_IPIP: return inner(v, p, end, wireEnd, out, TUNNEL_IPIP, IP_VERSION_4);
    case IPPROTO_IPV6: return inner(v, p, end, wireEnd, out, TUNNEL_IPIP, IP_VERSION_6);
    case IPPROTO_GRE: return gre(v, p, end, wireEnd, out, layer, ipOff);
    case IPPROTO_UDP: return udp(v, p, end, wireEnd, out, layer, ipOff);
  }
  return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
}

/** What a tunnel carries: an IP packet of `ipVersion` (0: by its version nibble), or Ethernet (-1). */
function inner(v: DataView, p: number, end: number, wireEnd: number, out: PacketFields, kind: number, ipVersion: number): DecodeStatus {
  out.tunnel = kind;
  out.tunnelDepth++;
  // The inner packet is bounded by the outer one, not by the link: a length past it is a lying one.
  if (wireEnd < 0) {
    out.wireEnd = Number.MAX_SAFE_INTEGER;
    out.tunnelFragmented = true;
  } else out.wireEnd = wireEnd;
  out.linkBoundsIp = false;
  out.payloadBeyondLink = 0;
  out.ipLengthFromCapture = false; // the outer's (an IPv4 total length 0); decodeIpv4 sets it only when its own is
  // An IPv4 packet sets only word 0 of each address: none of an outer IPv6 header's may remain.
  out.src1 = 0; out.src2 = 0; out.src3 = 0;
  out.dst1 = 0; out.dst2 = 0; out.dst3 = 0;
  if (ipVersion === 0 && p < end) ipVersion = v.getUint8(p) >> 4;
  if (ipVersion === IP_VERSION_4) return decodeIpv4(v, p, end, out);
  if (ipVersion === IP_VERSION_6) return decodeIpv6(v, p, end, out);
  if (ipVersion === -1) return decodeEthernet(v, p, end, out);
  return fail(out, 'NON_IP', 'link', p, NO_LEN, NO_LEN);
}

/** What an EtherType in a GRE or Geneve header says follows, as inner() takes it; 0 = nothing we decode. */
function payloadOf(type: number): number {
  return type === ETHERTYPE_IPV4 ? IP_VERSION_4 : type === ETHERTYPE_IPV6 ? IP_VERSION_6 : type === ETHERTYPE_TEB ? -1 : 0;
}

function gre(v: DataView, p: number, end: number, wireEnd: number, out: PacketFields, layer: DecodeLayer, ipOff: number): DecodeStatus {
  if (end - p < GRE_HDR_LEN) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  const fv = v.getUint16(p);
  if ((fv & GRE_VERSION_MASK) !== 0 || (fv & GRE_R) !== 0) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  let q = p + GRE_HDR_LEN;
  if ((fv & GRE_C) !== 0) q += GRE_OPTIONAL_FIELD_LEN;
  if ((fv & GRE_K) !== 0) q += GRE_OPTIONAL_FIELD_LEN;
  if ((fv & GRE_S) !== 0) q += GRE_OPTIONAL_FIELD_LEN;
  if (q > end) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  const type = v.getUint16(p + 2);
  if (type === ETHERTYPE_ERSPAN_II) {
    // Type I has no header of its own and no sequence number in GRE (draft-foschiano-erspan §4.1).
    if ((fv & GRE_S) !== 0) q += ERSPAN_II_HDR_LEN;
    if (q > end) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
    return inner(v, q, end, wireEnd, out, TUNNEL_ERSPAN, -1);
  }
  if (type === ETHERTYPE_ERSPAN_III) {
    if (end - q < ERSPAN_III_HDR_LEN) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
    const platform = (v.getUint8(q + ERSPAN_III_OFF_O) & ERSPAN_III_O) !== 0;
    q += ERSPAN_III_HDR_LEN + (platform ? ERSPAN_PLATFORM_HDR_LEN : 0);
    if (q > end) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
    return inner(v, q, end, wireEnd, out, TUNNEL_ERSPAN, -1);
  }
  const payload = payloadOf(type);
  if (payload === 0) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  return inner(v, q, end, wireEnd, out, TUNNEL_GRE, payload);
}

/**
 * A tunnel found by UDP port only: a datagram whose payload turns out not to hold an IP packet (a
 * DNS query from source port 4789 whose first byte has VXLAN's I bit) was no tunnel, and stays the
 * NON_TCP skip it always was, not NON_IP or a link error blamed on bytes that were never a frame.
 */
function byPort(v: DataView, p: number, end: number, wireEnd: number, out: PacketFields, kind: number, ipVersion: number,
  layer: DecodeLayer, ipOff: number): DecodeStatus {
  const { tunnel, tunnelDepth, tunnelFragmented, src1, src2, src3, dst1, dst2, dst3 } = out;
  const status = inner(v, p, end, wireEnd, out, kind, ipVersion);
  if (status === 'OK' || out.ipOffset !== ipOff) return status; // an inner IP header parsed: a tunnel
  out.tunnel = tunnel; out.tunnelDepth = tunnelDepth; out.tunnelFragmented = tunnelFragmented;
  out.src1 = src1; out.src2 = src2; out.src3 = src3; out.dst1 = dst1; out.dst2 = dst2; out.dst3 = dst3;
  return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
}

function udp(v: DataView, p: number, end: number, wireEnd: number, out: PacketFields, layer: DecodeLayer, ipOff: number): DecodeStatus {
  if (end - p < UDP_HDR_LEN) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  const src = v.getUint16(p);
  const dst = v.getUint16(p + 2);
  // The UDP length bounds the datagram when the outer packet is whole (padding may follow it).
  const udpLen = v.getUint16(p + 4);
  // A length shorter than the UDP header is a broken datagram (tshark: BAD UDP LENGTH), no tunnel;
  // 0 is an IPv6 jumbogram's (RFC 2675).
  if (udpLen !== 0 && udpLen < UDP_HDR_LEN) return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
  if (wireEnd >= 0 && udpLen >= UDP_HDR_LEN && p + udpLen <= wireEnd) {
    wireEnd = p + udpLen;
    if (wireEnd < end) end = wireEnd;
  }
  // By the destination port first (a sender's source port is often any port at all), then by the
  // source port when the destination's tunnel header is not there (GTP-U from 2152 to 3544).
  const status = byUdpPort(v, dst, p + UDP_HDR_LEN, end, wireEnd, out, layer, ipOff);
  if (status !== null) return status;
  if (src !== dst) {
    const back = byUdpPort(v, src, p + UDP_HDR_LEN, end, wireEnd, out, layer, ipOff);
    if (back !== null) return back;
  }
  return fail(out, 'NON_TCP', layer, ipOff, NO_LEN, NO_LEN);
}

/** The tunnel UDP port `port` names, when its header is at `q`; null when it names none or its header is not there. */
function byUdpPort(v: DataView, port: number, q: number, end: number, wireEnd: number, out: PacketFields,
  layer: DecodeLayer, ipOff: number): DecodeStatus | null {
  switch (port) {
    case PORT_VXLAN:
      if (end - q < VXLAN_HDR_LEN || (v.getUint8(q) & VXLAN_I) === 0) break;
      return byPort(v, q + VXLAN_HDR_LEN, end, wireEnd, out, TUNNEL_VXLAN, -1, layer, ipOff);
    case PORT_VXLAN_GPE: {
      if (end - q < VXLAN_HDR_LEN) break;
      const flags = v.getUint8(q);
      if ((flags & VXLAN_GPE_VERSION) !== 0 || (flags & VXLAN_I) === 0) break;
      const next = (flags & VXLAN_GPE_P) === 0 ? VXLAN_GPE_ETHERNET : v.getUint8(q + VXLAN_GPE_OFF_NEXT);
      const payload = next === VXLAN_GPE_IPV4 ? IP_VERSION_4 : next === VXLAN_GPE_IPV6 ? IP_VERSION_6 : next === VXLAN_GPE_ETHERNET ? -1 : 0;
      if (payload === 0) break; // NSH, MPLS, ...
      return byPort(v, q + VXLAN_HDR_LEN, end, wireEnd, out, TUNNEL_VXLAN_GPE, payload, layer, ipOff);
    }
    case PORT_TEREDO: {
      const r = teredoPayload(v, q, end, wireEnd);
      if (r < 0) break;
      return byPort(v, r, end, wireEnd, out, TUNNEL_TEREDO, IP_VERSION_6, layer, ipOff);
    }
    case PORT_GENEVE: {
      if (end - q < GENEVE_HDR_LEN || v.getUint8(q) >> 6 !== 0) break;
      const r = q + GENEVE_HDR_LEN + (v.getUint8(q) & 0x3f) * 4;
      if (r > end) break;
      const payload = payloadOf(v.getUint16(q + GENEVE_OFF_PROTOCOL));
      if (payload === 0) break;
      return byPort(v, r, end, wireEnd, out, TUNNEL_GENEVE, payload, layer, ipOff);
    }
    case PORT_GTP_U: {
      const r = gtpPayload(v, q, end);
      if (r < 0) break;
      // The G-PDU's length counts what follows its first 8 bytes: the user packet's end.
      const gtpEnd = q + GTP_HDR_LEN + v.getUint16(q + GTP_OFF_LENGTH);
      if (wireEnd >= 0 && gtpEnd >= r && gtpEnd <= wireEnd) {
        wireEnd = gtpEnd;
        if (wireEnd < end) end = wireEnd;
      }
      return byPort(v, r, end, wireEnd, out, TUNNEL_GTP_U, 0, layer, ipOff);
    }
  }
  return null;
}

/** Where a G-PDU's user packet starts, or -1 when `q` holds no G-PDU (another message, a bad header). */
function gtpPayload(v: DataView, q: number, end: number): number {
  if (end - q < GTP_HDR_LEN) return -1;
  const b0 = v.getUint8(q);
  if (b0 >> 5 !== GTP_VERSION_1 || (b0 & GTP_PT) === 0 || v.getUint8(q + 1) !== GTP_G_PDU) return -1;
  if ((b0 & GTP_E_S_PN) === 0) return q + GTP_HDR_LEN;
  let r = q + GTP_HDR_LEN + GTP_OPTIONAL_LEN;
  if (r > end) return -1;
  let next = (b0 & GTP_E) !== 0 ? v.getUint8(r - 1) : 0;
  for (let i = 0; next !== 0; i++) {
    if (i === GTP_MAX_EXTENSIONS || r >= end) return -1;
    const len = v.getUint8(r) * 4;
    if (len === 0 || r + len > end) return -1;
    next = v.getUint8(r + len - 1);
    r += len;
  }
  return r;
}

/**
 * Where a Teredo datagram's IPv6 packet starts, or -1 when `q` holds none. As Zeek, the IPv6 header
 * must be whole and its payload length must end where the datagram does (when it is whole,
 * `wireEnd` >= 0): a datagram on port 3544 that is not Teredo (another version, a bad indicator)
 * is no tunnel.
 */
function teredoPayload(v: DataView, q: number, end: number, wireEnd: number): number {
  if (end - q >= TEREDO_AUTH_FIXED_LEN && v.getUint16(q) === TEREDO_AUTH) {
    q += TEREDO_AUTH_FIXED_LEN + v.getUint8(q + 2) + v.getUint8(q + 3);
  }
  if (end - q >= TEREDO_ORIGIN_LEN && v.getUint16(q) === TEREDO_ORIGIN) q += TEREDO_ORIGIN_LEN;
  if (end - q < IPV6_HDR_LEN || v.getUint8(q) >> 4 !== IP_VERSION_6) return -1;
  if (wireEnd >= 0 && q + IPV6_HDR_LEN + v.getUint16(q + IPV6_OFF_PAYLOAD_LENGTH) !== wireEnd) return -1;
  return q;
}
