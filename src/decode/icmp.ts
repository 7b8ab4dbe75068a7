/**
 * ICMP and ICMPv6 errors about a TCP segment: a host or router telling the segment's sender that
 * it could not be delivered (destination unreachable: a firewall's REJECT, iptables' default
 * being port unreachable; no route), was too big for the path, or outlived its hop limit. Every
 * error quotes the start of the packet that caused it (RFC 792, RFC 4443 §3: the IP header and
 * at least 8 bytes, which for TCP are the ports and the sequence number), so the error can be
 * matched to its connection and to the segment (a SYN, by its ISN).
 *
 * Such a record is still a NON_TCP skip in the stats; the tracker notes it on the connection it is
 * about (ICMP_ERROR), and a SYN answered only so is the handshake outcome `unreachable`, not a
 * HALF_OPEN "never answered" (helper-80 audit). Allocation-free: `out` is reused.
 */
import { newPacketFields, type PacketFields } from './fields.js';
import { IPPROTO_TCP } from './ipv4.js';
import { IPPROTO_DSTOPTS, IPPROTO_HOPOPTS, IPPROTO_ROUTING } from './ipv6.js';

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const ICMP_HDR = 8;
const IPV4_MIN_HDR = 20;
const IPV6_HDR = 40;
/** TCP's ports and sequence number: what every error quotes at least. */
const TCP_QUOTED_MIN = 8;
const TCP_OFF_FLAGS = 13;
/** IPv6 extension headers walked in the quoted packet (hop-by-hop, routing, destination options). */
const IPV6_QUOTED_EXTENSIONS = 4;

export interface IcmpError {
  /** 4 (ICMP) or 6 (ICMPv6). */
  version: 4 | 6;
  type: number;
  code: number;
  /** The MTU of a "fragmentation needed" (ICMP 3/4) or "packet too big" (ICMPv6 2); -1 otherwise. */
  mtu: number;
  /** Who sent the error: the record's source address (IPv4 in word 0). */
  from0: number; from1: number; from2: number; from3: number;
  /**
   * The quoted segment, as its sender sent it: addresses, ports and sequence number in the fields
   * decodePacket fills (so the tracker's tuple functions read it); `flags` -1 when not quoted.
   */
  readonly segment: PacketFields;
}

export function newIcmpError(): IcmpError {
  return { version: 4, type: 0, code: 0, mtu: -1, from0: 0, from1: 0, from2: 0, from3: 0, segment: newPacketFields() };
}

/** Path MTU discovery's error: ICMP fragmentation needed (3/4) or ICMPv6 packet too big (2); the ones with an MTU. */
export function isPacketTooBig(e: Pick<IcmpError, 'version' | 'type' | 'code'>): boolean {
  return e.version === 4 ? e.type === 3 && e.code === 4 : e.type === 2;
}

/** Is this ICMP type an error about a packet (one that quotes it)? */
function isError(version: 4 | 6, type: number): boolean {
  // ICMP: destination unreachable 3, time exceeded 11, parameter problem 12 (source quench 4 and
  // redirect 5 say nothing about delivery). ICMPv6: 1-4 (destination unreachable, packet too
  // big, time exceeded, parameter problem); 128 and up are informational.
  return version === 4 ? type === 3 || type === 11 || type === 12 : type >= 1 && type <= 4;
}

/**
 * Reads the error in `f`'s NON_TCP upper layer (f.l4Offset..f.l4End, relative to `base` in `v`)
 * into `out`; false when it is not an ICMP error quoting a TCP segment of the same IP version
 * (echo, UDP quoted, a quote cut before the sequence number).
 */
export function decodeIcmpError(v: DataView, base: number, f: PacketFields, out: IcmpError): boolean {
  const version = f.ipVersion;
  if (version === 0 || f.ipProtocol !== (version === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) return false;
  let p = base + f.l4Offset;
  const end = base + f.l4End;
  if (end - p < ICMP_HDR) return false;
  const type = v.getUint8(p);
  if (!isError(version, type)) return false;
  out.version = version;
  out.type = type;
  out.code = v.getUint8(p + 1);
  out.mtu = !isPacketTooBig(out) ? -1 : version === 4 ? v.getUint16(p + 6) : v.getUint32(p + 4);
  out.from0 = f.src0; out.from1 = f.src1; out.from2 = f.src2; out.from3 = f.src3;
  p += ICMP_HDR;
  const s = out.segment;
  s.ipVersion = version;
  if (version === 4) {
    if (end - p < IPV4_MIN_HDR || v.getUint8(p) >> 4 !== 4) return false;
    const ihl = (v.getUint8(p) & 0x0f) * 4;
    if (ihl < IPV4_MIN_HDR || v.getUint8(p + 9) !== IPPROTO_TCP) return false;
    // A quote of a later fragment holds no TCP header.
    if ((v.getUint16(p + 6) & 0x1fff) !== 0) return false;
    s.src0 = v.getUint32(p + 12); s.src1 = 0; s.src2 = 0; s.src3 = 0;
    s.dst0 = v.getUint32(p + 16); s.dst1 = 0; s.dst2 = 0; s.dst3 = 0;
    p += ihl;
  } else {
    if (end - p < IPV6_HDR || v.getUint8(p) >> 4 !== 6) return false;
    let nh = v.getUint8(p + 6);
    s.src0 = v.getUint32(p + 8); s.src1 = v.getUint32(p + 12); s.src2 = v.getUint32(p + 16); s.src3 = v.getUint32(p + 20);
    s.dst0 = v.getUint32(p + 24); s.dst1 = v.getUint32(p + 28); s.dst2 = v.getUint32(p + 32); s.dst3 = v.getUint32(p + 36);
    p += IPV6_HDR;
    for (let i = 0; nh !== IPPROTO_TCP; i++) {
      // Hop-by-hop 0, routing 43, destination options 60; a fragment header or anything else: not read.
      if (i === IPV6_QUOTED_EXTENSIONS || (nh !== IPPROTO_HOPOPTS && nh !== IPPROTO_ROUTING && nh !== IPPROTO_DSTOPTS) || end - p < 8) return false;
      nh = v.getUint8(p);
      p += (v.getUint8(p + 1) + 1) * 8;
    }
  }
  if (end - p < TCP_QUOTED_MIN) return false;
  s.srcPort = v.getUint16(p);
  s.dstPort = v.getUint16(p + 2);
  s.seq = v.getUint32(p + 4);
  s.flags = end - p > TCP_OFF_FLAGS ? v.getUint8(p + TCP_OFF_FLAGS) : -1;
  return true;
}

/** Words for the ICMP type and code, as Wireshark names them (RFC 792, RFC 4443, RFC 1812 §5.2.7.1). */
export function icmpErrorName(version: 4 | 6, type: number, code: number): string {
  if (version === 4) {
    if (type === 3) return `destination unreachable (${V4_UNREACHABLE[code] ?? `code ${code}`})`;
    if (type === 11) return code === 0 ? 'time exceeded (TTL exceeded in transit)' : code === 1 ? 'time exceeded (fragment reassembly time exceeded)' : `time exceeded (code ${code})`;
    return `parameter problem (code ${code})`;
  }
  if (type === 1) return `destination unreachable (${V6_UNREACHABLE[code] ?? `code ${code}`})`;
  if (type === 2) return 'packet too big';
  if (type === 3) return code === 0 ? 'time exceeded (hop limit exceeded in transit)' : code === 1 ? 'time exceeded (fragment reassembly time exceeded)' : `time exceeded (code ${code})`;
  return `parameter problem (code ${code})`;
}

const V4_UNREACHABLE: Record<number, string> = {
  0: 'network unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable',
  4: 'fragmentation needed', 5: 'source route failed', 6: 'destination network unknown', 7: 'destination host unknown',
  8: 'source host isolated', 9: 'network administratively prohibited', 10: 'host administratively prohibited',
  11: 'network unreachable for TOS', 12: 'host unreachable for TOS', 13: 'communication administratively filtered',
  14: 'host precedence violation', 15: 'precedence cutoff in effect',
};

const V6_UNREACHABLE: Record<number, string> = {
  0: 'no route to destination', 1: 'administratively prohibited', 2: 'beyond scope of source address', 3: 'address unreachable',
  4: 'port unreachable', 5: 'source address failed ingress/egress policy', 6: 'reject route to destination',
  7: 'error in source routing header',
};
