/**
 * Builds link-layer frames for tests: Ethernet (+802.1Q/802.1ad tags), Linux SLL/SLL2, BSD null
 * loopback, raw IPv4/IPv6, TCP with options. IPv4 header checksums and TCP/UDP checksums (RFC 9293
 * §3.1 pseudo-header, RFC 8200 §8.1 for IPv6) are computed unless a test asks for a bad one.
 *
 *   const frame = ethernetIPv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80,
 *     seq: 1000, flags: TCP_SYN, options: tcpOptions({ mss: 1460, wscale: 7, sackPermitted: true }) });
 */

/** EtherTypes (IEEE 802 numbers registry). */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_IPV6 = 0x86dd;

/** IP protocol numbers (IANA). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMP = 1;

/** BSD loopback address families as written by the capturing OS (AF_INET is 2 everywhere; AF_INET6 varies). */
export const AF_INET = 2;
export const AF_INET6_BSD = 24; // NetBSD/OpenBSD
export const AF_INET6_FREEBSD = 28;
export const AF_INET6_DARWIN = 30;

/** Options shared by the TCP segment builders. Lengths are bytes; numbers are raw header values. */
export interface TcpSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** Flag bits as in src/decode/fields.ts (TCP_SYN | TCP_ACK ...), low 9 bits of header word 12. */
  flags: number;
  window?: number;
  urgent?: number;
  /** Payload bytes, or a length (filled with a deterministic pattern). */
  payload?: Uint8Array | number;
  /** Raw TCP option bytes; padded with EOL (0) to a multiple of 4. */
  options?: Uint8Array;
  /** 802.1Q VIDs, outermost first (Ethernet builders only). The first tag uses 802.1ad when there are several. */
  vlan?: number[];
  /** IPv4 TTL / IPv6 hop limit (default 64). */
  ttl?: number;
  /** IPv4 identification (default 0). */
  ipId?: number;
  /** Write this value instead of the correct TCP checksum. */
  tcpChecksum?: number;
  /** Override the TCP data offset (in 32-bit words) to build broken headers. */
  dataOffsetWords?: number;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Deterministic payload: byte i is (i * 31 + 7) & 0xff, so truncations and shifts are visible. */
export function patternBytes(len: number, seed = 0): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (i * 31 + 7 + seed) & 0xff;
  return out;
}

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address ${s}`);
  return Uint8Array.from(parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`bad IPv4 address ${s}`);
    return n;
  }));
}

/** RFC 4291 §2.2 text forms with at most one '::'; an embedded dotted quad at the end is accepted. */
export function parseIPv6(s: string): Uint8Array {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // Embedded dotted quad (RFC 4291 §2.2 form 3): rewrite as two hex groups.
    const v4 = parseIPv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address ${s}`);
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  for (const g of [...head, ...tail]) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`bad IPv6 address ${s}`);
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) throw new Error(`bad IPv6 address ${s}`);
  const words = [...head, ...new Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** RFC 1071 Internet checksum over the concatenation of `parts` (each part's length may be odd only if last). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = false;
  let carry = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd) sum += carry | p[i];
      else carry = p[i] << 8;
      odd = !odd;
    }
  }
  if (odd) sum += carry;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function payloadOf(p: Uint8Array | number | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'number' ? patternBytes(p) : p;
}

function padOptions(opts: Uint8Array | undefined): Uint8Array {
  if (!opts || opts.length === 0) return new Uint8Array(0);
  const padded = new Uint8Array(Math.ceil(opts.length / 4) * 4);
  padded.set(opts);
  return padded;
}

export interface TcpOptionSpec {
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  /** [TSval, TSecr] (RFC 7323 §3). */
  timestamps?: [number, number];
  /** SACK blocks [left, right) (RFC 2018 §3). */
  sack?: [number, number][];
  /** TFO cookie bytes (RFC 7413 §4.1.1, kind 34). */
  tfoCookie?: Uint8Array;
}

/**
 * Raw option bytes in the order Linux sends them on a SYN (MSS, SACK_PERM, TS, NOP, WS), NOP-aligned.
 * Kinds: MSS 2, WS 3, SACK_PERM 4, SACK 5, TS 8 (RFC 9293 §3.2, RFC 7323, RFC 2018), TFO 34 (RFC 7413).
 */
export function tcpOptions(o: TcpOptionSpec): Uint8Array {
  const b: number[] = [];
  if (o.mss !== undefined) b.push(2, 4, (o.mss >> 8) & 0xff, o.mss & 0xff);
  if (o.sackPermitted && o.timestamps) b.push(4, 2);
  else if (o.sackPermitted) b.push(1, 1, 4, 2);
  else if (o.timestamps) b.push(1, 1);
  if (o.timestamps) b.push(8, 10, ...u32be(o.timestamps[0]), ...u32be(o.timestamps[1]));
  if (o.wscale !== undefined) b.push(1, 3, 3, o.wscale);
  if (o.sack && o.sack.length > 0) {
    b.push(1, 1, 5, 2 + 8 * o.sack.length);
    for (const [l, r] of o.sack) b.push(...u32be(l), ...u32be(r));
  }
  if (o.tfoCookie) b.push(34, 2 + o.tfoCookie.length, ...o.tfoCookie);
  return padOptions(Uint8Array.from(b));
}

function u32be(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** Pseudo-header for the TCP/UDP checksum: RFC 9293 §3.1 (IPv4), RFC 8200 §8.1 (IPv6). */
function pseudoHeader(src: Uint8Array, dst: Uint8Array, proto: number, len: number): Uint8Array {
  if (src.length === 4) {
    return Uint8Array.from([...src, ...dst, 0, proto, (len >> 8) & 0xff, len & 0xff]);
  }
  return Uint8Array.from([...src, ...dst, ...u32be(len), 0, 0, 0, proto]);
}

/** A TCP header + payload with the checksum computed over the pseudo-header of `src`/`dst` (4 or 16 bytes). */
export function tcpSegment(spec: TcpSpec, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const opts = padOptions(spec.options);
  const payload = payloadOf(spec.payload);
  const hdrLen = 20 + opts.length;
  const seg = new Uint8Array(hdrLen + payload.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, spec.sport);
  v.setUint16(2, spec.dport);
  v.setUint32(4, (spec.seq ?? 0) >>> 0);
  v.setUint32(8, (spec.ack ?? 0) >>> 0);
  const words = spec.dataOffsetWords ?? hdrLen / 4;
  v.setUint16(12, ((words & 0xf) << 12) | (spec.flags & 0x1ff));
  v.setUint16(14, spec.window ?? 65535);
  v.setUint16(18, spec.urgent ?? 0);
  seg.set(opts, 20);
  seg.set(payload, hdrLen);
  const sum = internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, seg.length), seg);
  v.setUint16(16, spec.tcpChecksum ?? sum);
  return seg;
}

/** A UDP datagram (RFC 768) with its checksum, for "not TCP" tests. */
export function udpDatagram(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, payload: Uint8Array | number = 0): Uint8Array {
  const body = payloadOf(payload);
  const d = new Uint8Array(8 + body.length);
  const v = new DataView(d.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, d.length);
  d.set(body, 8);
  const sum = internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, d.length), d);
  v.setUint16(6, sum === 0 ? 0xffff : sum);
  return d;
}

export interface Ipv4Spec {
  src: string;
  dst: string;
  protocol: number;
  payload: Uint8Array;
  ttl?: number;
  id?: number;
  /** DF bit (default true, as Linux sets it on TCP). */
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes (multiple of 8). */
  fragmentOffset?: number;
  /** IP options, padded to 4 bytes. */
  options?: Uint8Array;
  /** Override total length (e.g. 0 for TSO captures, or a lie). */
  totalLength?: number;
  /** Override IHL (32-bit words). */
  ihl?: number;
  /** Override version nibble. */
  version?: number;
  /** Write this value instead of the correct header checksum. */
  headerChecksum?: number;
}

/** An IPv4 packet (RFC 791 §3.1) with a correct header checksum unless overridden. */
export function ipv4Packet(s: Ipv4Spec): Uint8Array {
  const opts = padOptions(s.options);
  const hdrLen = 20 + opts.length;
  const pkt = new Uint8Array(hdrLen + s.payload.length);
  const v = new DataView(pkt.buffer);
  v.setUint8(0, ((s.version ?? 4) << 4) | ((s.ihl ?? hdrLen / 4) & 0xf));
  v.setUint16(2, s.totalLength ?? pkt.length);
  v.setUint16(4, s.id ?? 0);
  const frag = ((s.dontFragment ?? true) ? 0x4000 : 0) | (s.moreFragments ? 0x2000 : 0) | (((s.fragmentOffset ?? 0) / 8) & 0x1fff);
  v.setUint16(6, frag);
  v.setUint8(8, s.ttl ?? 64);
  v.setUint8(9, s.protocol);
  pkt.set(parseIPv4(s.src), 12);
  pkt.set(parseIPv4(s.dst), 16);
  pkt.set(opts, 20);
  v.setUint16(10, s.headerChecksum ?? internetChecksum(pkt.subarray(0, hdrLen)));
  pkt.set(s.payload, hdrLen);
  return pkt;
}

export interface Ipv6Extension {
  /** This header's type as named by the previous header's Next Header (0 hop-by-hop, 43 routing, 44 fragment, 60 dest opts). */
  type: number;
  /** Bytes after the 2-byte (next header, length) prefix; padded to make the header a multiple of 8. */
  body: Uint8Array;
}

export interface Ipv6Spec {
  src: string;
  dst: string;
  /** Upper-layer protocol after any extension headers. */
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
  extensions?: Ipv6Extension[];
  /** Override the payload length field (RFC 8200 §3). */
  payloadLength?: number;
  version?: number;
  flowLabel?: number;
}

/** An IPv6 packet (RFC 8200 §3) with optional extension headers (§4). */
export function ipv6Packet(s: Ipv6Spec): Uint8Array {
  const exts = s.extensions ?? [];
  const extBytes: Uint8Array[] = exts.map((e, i) => {
    const len = Math.ceil((e.body.length + 2) / 8) * 8;
    const h = new Uint8Array(len);
    h[0] = i + 1 < exts.length ? exts[i + 1].type : s.nextHeader;
    // Fragment header (type 44) has a reserved byte where others have a length; both are 0 for 8 bytes.
    h[1] = len / 8 - 1;
    h.set(e.body, 2);
    return h;
  });
  const ext = concat(...extBytes);
  const pkt = new Uint8Array(40 + ext.length + s.payload.length);
  const v = new DataView(pkt.buffer);
  v.setUint32(0, (((s.version ?? 6) & 0xf) << 28) | ((s.flowLabel ?? 0) & 0xfffff));
  v.setUint16(4, s.payloadLength ?? ext.length + s.payload.length);
  v.setUint8(6, exts.length > 0 ? exts[0].type : s.nextHeader);
  v.setUint8(7, s.hopLimit ?? 64);
  pkt.set(parseIPv6(s.src), 8);
  pkt.set(parseIPv6(s.dst), 24);
  pkt.set(ext, 40);
  pkt.set(s.payload, 40 + ext.length);
  return pkt;
}

export function rawIPv4Tcp(spec: TcpSpec): Uint8Array {
  const seg = tcpSegment(spec, parseIPv4(spec.src), parseIPv4(spec.dst));
  return ipv4Packet({ src: spec.src, dst: spec.dst, protocol: IPPROTO_TCP, payload: seg, ttl: spec.ttl, id: spec.ipId });
}

export function rawIPv6Tcp(spec: TcpSpec): Uint8Array {
  const seg = tcpSegment(spec, parseIPv6(spec.src), parseIPv6(spec.dst));
  return ipv6Packet({ src: spec.src, dst: spec.dst, nextHeader: IPPROTO_TCP, payload: seg, hopLimit: spec.ttl });
}

export interface EthernetOptions {
  src?: Uint8Array;
  dst?: Uint8Array;
  /** VIDs outermost first; with several tags the outer ones are 802.1ad S-tags (0x88a8). */
  vlan?: number[];
}

const DEFAULT_DST_MAC = Uint8Array.from([0x02, 0, 0, 0, 0, 0x02]);
const DEFAULT_SRC_MAC = Uint8Array.from([0x02, 0, 0, 0, 0, 0x01]);

/** Ethernet II (no FCS) with optional 802.1Q/802.1ad tags. */
export function ethernet(etherType: number, payload: Uint8Array, o: EthernetOptions = {}): Uint8Array {
  const tags = o.vlan ?? [];
  const f = new Uint8Array(14 + 4 * tags.length + payload.length);
  const v = new DataView(f.buffer);
  f.set(o.dst ?? DEFAULT_DST_MAC, 0);
  f.set(o.src ?? DEFAULT_SRC_MAC, 6);
  let off = 12;
  tags.forEach((vid, i) => {
    v.setUint16(off, i < tags.length - 1 ? ETHERTYPE_QINQ : ETHERTYPE_VLAN);
    v.setUint16(off + 2, vid & 0x0fff);
    off += 4;
  });
  v.setUint16(off, etherType);
  f.set(payload, off + 2);
  return f;
}

export function ethernetIPv4Tcp(spec: TcpSpec): Uint8Array {
  return ethernet(ETHERTYPE_IPV4, rawIPv4Tcp(spec), { vlan: spec.vlan });
}

export function ethernetIPv6Tcp(spec: TcpSpec): Uint8Array {
  return ethernet(ETHERTYPE_IPV6, rawIPv6Tcp(spec), { vlan: spec.vlan });
}

export interface SllOptions {
  /** Packet type: 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. */
  packetType?: number;
  /** ARPHRD_ type (1 = Ethernet). */
  arphrd?: number;
  address?: Uint8Array;
  /** SLL2 only. */
  ifIndex?: number;
}

/** LINKTYPE_LINUX_SLL (113) header, 16 bytes: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html */
export function sll(protocol: number, payload: Uint8Array, o: SllOptions = {}): Uint8Array {
  const addr = o.address ?? DEFAULT_SRC_MAC;
  const f = new Uint8Array(16 + payload.length);
  const v = new DataView(f.buffer);
  v.setUint16(0, o.packetType ?? 0);
  v.setUint16(2, o.arphrd ?? 1);
  v.setUint16(4, Math.min(addr.length, 8));
  f.set(addr.subarray(0, 8), 6);
  v.setUint16(14, protocol);
  f.set(payload, 16);
  return f;
}

/** LINKTYPE_LINUX_SLL2 (276) header, 20 bytes: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html */
export function sll2(protocol: number, payload: Uint8Array, o: SllOptions = {}): Uint8Array {
  const addr = o.address ?? DEFAULT_SRC_MAC;
  const f = new Uint8Array(20 + payload.length);
  const v = new DataView(f.buffer);
  v.setUint16(0, protocol);
  v.setUint32(4, o.ifIndex ?? 1);
  v.setUint16(8, o.arphrd ?? 1);
  v.setUint8(10, o.packetType ?? 0);
  v.setUint8(11, Math.min(addr.length, 8));
  f.set(addr.subarray(0, 8), 12);
  f.set(payload, 20);
  return f;
}

/**
 * LINKTYPE_NULL (0) / LINKTYPE_LOOP (108) header: a 4-byte address family. NULL is in the capturing
 * host's byte order (hence `littleEndian`); LOOP is always big-endian.
 */
export function nullLink(family: number, payload: Uint8Array, littleEndian = true): Uint8Array {
  const f = new Uint8Array(4 + payload.length);
  new DataView(f.buffer).setUint32(0, family, littleEndian);
  f.set(payload, 4);
  return f;
}
