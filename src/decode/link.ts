/**
 * Link layers: Ethernet (with VLAN tags and PPPoE), BSD loopback (NULL / LOOP), Linux cooked
 * capture (SLL, SLL2) and raw IP. Each decoder has the shape of a LinkDecoder and hands the
 * network layer to decodeIpv4 / decodeIpv6. Link-layer errors are reported against the start of
 * the frame, with need/have counting from there (VLAN tags and PPPoE are part of the link layer).
 * Link types and their numbers: https://www.tcpdump.org/linktypes.html.
 */
import { fail, NO_LEN } from './errors.js';
import type { DecodeStatus, PacketFields } from './fields.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';

// Ethernet II, IEEE 802.3 §3.1.1: destination (6), source (6), EtherType (2).
const ETH_HDR_LEN = 14;
const ETH_OFF_TYPE = 12;

// EtherTypes (IEEE "EtherType" registry).
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q customer VLAN tag (C-TAG). */
export const ETHERTYPE_VLAN = 0x8100;
/** 802.1ad service VLAN tag (S-TAG, the outer tag of QinQ). */
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ outer tag used by Cisco / Juniper before 802.1ad. */
export const ETHERTYPE_QINQ_OLD = 0x9100;
/** PPPoE session stage, RFC 2516 §4 (0x8863, discovery, carries no IP). */
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

/** A VLAN tag is TCI (2) + the inner EtherType (2), 802.1Q §9.6. */
const VLAN_TAG_LEN = 4;
const VLAN_OFF_TYPE = 2;

/** PPPoE header, RFC 2516 §4: VER/TYPE (1), CODE (1), SESSION_ID (2), LENGTH (2); then PPP protocol (2). */
const PPPOE_HDR_LEN = 6;
const PPPOE_OFF_LENGTH = 4;
/** The least an IP packet with a TCP header takes (IPv4 20 + TCP 20). */
const PPP_MIN_IP_TCP = 40;
const PPP_PROTO_LEN = 2;
/** PPP protocol numbers, RFC 1332 §2 (IPv4) and RFC 5072 §2 (IPv6). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * BSD loopback address families (LINKTYPE_NULL / LINKTYPE_LOOP). AF_INET is 2 everywhere; AF_INET6
 * differs by OS: 10 Linux, 24 NetBSD/OpenBSD/BSD/OS, 28 FreeBSD/DragonFly, 30 macOS/iOS.
 */
const AF_INET = 2;
const AF_INET6_LINUX = 10;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;
const LOOPBACK_HDR_LEN = 4;
/** No address family fits in 16 bits the other way round, so a bigger value means "swap". */
const LOOPBACK_FAMILY_MAX = 0xffff;

/** Linux cooked capture v1: packet type, ARPHRD, address length, address (8), protocol at 14. */
const SLL_HDR_LEN = 16;
const SLL_OFF_PROTOCOL = 14;
/** Linux cooked capture v2: protocol at 0, reserved, interface index, ARPHRD, ..., address (8). */
const SLL2_HDR_LEN = 20;
const SLL2_OFF_PROTOCOL = 0;

const IP_VERSION_4 = 4;
const IP_VERSION_6 = 6;

/** LINKTYPE_ETHERNET (1). */
export function decodeEthernet(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  if (end - off < ETH_HDR_LEN) return fail(out, 'LINK_TRUNCATED', 'link', off, ETH_HDR_LEN, end - off);
  // EtherType <= 1500 is an 802.3 length (LLC follows): not IP we decode, the default branch.
  return decodeEtherType(v, off + ETH_HDR_LEN, end, out, v.getUint16(off + ETH_OFF_TYPE), off);
}

/**
 * Dispatches on an EtherType found at the end of a link header, peeling VLAN tags and a PPPoE
 * session header first. `linkStart` is where the frame's link header began, for error reports.
 * A switch instead of a Map: these few types are the whole table and it stays monomorphic.
 */
function decodeEtherType(v: DataView, p: number, end: number, out: PacketFields, type: number, linkStart: number): DecodeStatus {
  for (;;) {
    switch (type) {
      case ETHERTYPE_IPV4:
        return decodeIpv4(v, p, end, out);
      case ETHERTYPE_IPV6:
        return decodeIpv6(v, p, end, out);
      case ETHERTYPE_VLAN:
      case ETHERTYPE_QINQ:
      case ETHERTYPE_QINQ_OLD:
        // Stacked tags (QinQ) repeat; each one consumes 4 bytes, so the loop ends with the data.
        if (end - p < VLAN_TAG_LEN) return fail(out, 'LINK_TRUNCATED', 'link', linkStart, p + VLAN_TAG_LEN - linkStart, end - linkStart);
        out.vlanTags++;
        type = v.getUint16(p + VLAN_OFF_TYPE);
        p += VLAN_TAG_LEN;
        break;
      case ETHERTYPE_PPPOE_SESSION: {
        if (end - p < PPPOE_HDR_LEN + PPP_PROTO_LEN) {
          return fail(out, 'LINK_TRUNCATED', 'link', linkStart, p + PPPOE_HDR_LEN + PPP_PROTO_LEN - linkStart, end - linkStart);
        }
        // PPPoE's LENGTH (the PPP frame) bounds the IP packet. Zeek's pppoe-over-qinq has six pure
        // ACKs whose IPv4 total length claims 6 bytes more than PPPoE carries: the sender's next
        // segment starts at the same sequence number, so those bytes were never payload (Wireshark:
        // "IPv4 total length exceeds packet length", and it decodes TCP within PPPoE's length).
        // A LENGTH too short for any IP packet carrying TCP says nothing: ignored, not a drop.
        const pppLen = v.getUint16(p + PPPOE_OFF_LENGTH);
        const pppEnd = p + PPPOE_HDR_LEN + pppLen;
        if (pppLen >= PPP_PROTO_LEN + PPP_MIN_IP_TCP && pppEnd < out.wireEnd) {
          out.wireEnd = pppEnd;
          out.linkBoundsIp = true;
          if (pppEnd < end) {
            out.payloadBeyondLink = end - pppEnd; // the frame's bytes past it, until the IP layer says how many it claims
            end = pppEnd;
          }
        }
        const proto = v.getUint16(p + PPPOE_HDR_LEN);
        p += PPPOE_HDR_LEN + PPP_PROTO_LEN;
        if (proto === PPP_IPV4) return decodeIpv4(v, p, end, out);
        if (proto === PPP_IPV6) return decodeIpv6(v, p, end, out);
        return fail(out, 'NON_IP', 'link', linkStart, NO_LEN, NO_LEN); // LCP, IPCP, CHAP, ...
      }
      default:
        return fail(out, 'NON_IP', 'link', linkStart, NO_LEN, NO_LEN); // ARP, LLDP, MPLS, 802.3/LLC, ...
    }
  }
}

/**
 * LINKTYPE_NULL (0): a 4-byte address family in the byte order of the machine that captured,
 * which the file does not record. Families are small, so a value above 0xffff was written the
 * other way round (Wireshark and libpcap guess the same way).
 */
export function decodeNull(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  if (end - off < LOOPBACK_HDR_LEN) return fail(out, 'LINK_TRUNCATED', 'link', off, LOOPBACK_HDR_LEN, end - off);
  let family = v.getUint32(off, true);
  if (family > LOOPBACK_FAMILY_MAX) family = v.getUint32(off, false);
  return decodeFamily(v, off + LOOPBACK_HDR_LEN, end, out, family, off);
}

/** LINKTYPE_LOOP (108, OpenBSD loopback): like NULL, but the family is always big-endian. */
export function decodeLoop(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  if (end - off < LOOPBACK_HDR_LEN) return fail(out, 'LINK_TRUNCATED', 'link', off, LOOPBACK_HDR_LEN, end - off);
  return decodeFamily(v, off + LOOPBACK_HDR_LEN, end, out, v.getUint32(off, false), off);
}

function decodeFamily(v: DataView, p: number, end: number, out: PacketFields, family: number, linkStart: number): DecodeStatus {
  if (family === AF_INET) return decodeIpv4(v, p, end, out);
  if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN || family === AF_INET6_LINUX) {
    return decodeIpv6(v, p, end, out);
  }
  return fail(out, 'NON_IP', 'link', linkStart, NO_LEN, NO_LEN);
}

/**
 * LINKTYPE_RAW (101), and 12 / 14 (DLT_RAW on most systems / on OpenBSD, written into files as
 * is by old libpcaps): the IP header starts at once; its version nibble picks v4 or v6.
 */
export function decodeRaw(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  if (end - off < 1) return fail(out, 'LINK_TRUNCATED', 'link', off, 1, end - off);
  const version = v.getUint8(off) >> 4;
  if (version === IP_VERSION_4) return decodeIpv4(v, off, end, out);
  if (version === IP_VERSION_6) return decodeIpv6(v, off, end, out);
  return fail(out, 'NON_IP', 'link', off, NO_LEN, NO_LEN);
}

/**
 * LINKTYPE_LINUX_SLL (113), https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html. The
 * protocol is an EtherType for ARPHRD_ETHER and most others; the Linux-specific values below
 * 0x0600 (802.3, 802.2, CAN, ...) fall through to NON_IP. libpcap re-inserts stripped VLAN tags
 * with protocol 0x8100, so the EtherType path handles them too.
 */
export function decodeSll(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  if (end - off < SLL_HDR_LEN) return fail(out, 'LINK_TRUNCATED', 'link', off, SLL_HDR_LEN, end - off);
  return decodeEtherType(v, off + SLL_HDR_LEN, end, out, v.getUint16(off + SLL_OFF_PROTOCOL), off);
}

/** LINKTYPE_LINUX_SLL2 (276), https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html. */
export function decodeSll2(v: DataView, off: number, end: number, out: PacketFields): DecodeStatus {
  if (end - off < SLL2_HDR_LEN) return fail(out, 'LINK_TRUNCATED', 'link', off, SLL2_HDR_LEN, end - off);
  return decodeEtherType(v, off + SLL2_HDR_LEN, end, out, v.getUint16(off + SLL2_OFF_PROTOCOL), off);
}
