/**
 * Serializes test packets as classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html,
 * draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng), plus byte-source helpers for
 * feeding readCapture() in chosen chunk sizes.
 *
 *   const bytes = writePcap([{ tsSec: 1_700_000_000, tsNanos: 5_000, data: frame }], { nano: true });
 *   await readCapture(chunksOf(bytes, 7), info, onRecord);
 */
import { gzipSync } from 'node:zlib';

/** LINKTYPE_* values (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface PacketIn {
  /** Unix seconds. */
  tsSec: number;
  /** 0..999_999_999; a µs pcap writes floor(tsNanos / 1000). */
  tsNanos: number;
  data: Uint8Array;
  /** Length on the wire (default data.length). */
  origLen?: number;
  /** pcapng: interface index within its section (default 0). */
  iface?: number;
}

export interface PcapOptions {
  linkType?: number;
  /** Nanosecond magic 0xa1b23c4d instead of 0xa1b2c3d4. */
  nano?: boolean;
  bigEndian?: boolean;
  snapLen?: number;
  versionMajor?: number;
  versionMinor?: number;
  /** Kuznetsov's modified pcap: magic 0xa1b2cd34, 24-byte record headers (ifindex, protocol, pkt_type, pad). */
  kuznetsov?: boolean;
}

/** Magic numbers as written by the capturing host (pcap-savefile(5)). */
export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/** A classic pcap file. The captured length is data.length (a test wanting caplen > snaplen just passes a small snapLen). */
export function writePcap(packets: PacketIn[], o: PcapOptions = {}): Uint8Array {
  const le = !o.bigEndian;
  const recHdr = o.kuznetsov ? 24 : PCAP_RECORD_HEADER_LEN;
  let size = PCAP_FILE_HEADER_LEN;
  for (const p of packets) size += recHdr + p.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, o.kuznetsov ? 0xa1b2cd34 : o.nano ? PCAP_MAGIC_NANOS : PCAP_MAGIC_MICROS, le);
  v.setUint16(4, o.versionMajor ?? 2, le);
  v.setUint16(6, o.versionMinor ?? 4, le);
  v.setUint32(16, o.snapLen ?? 262144, le);
  v.setUint32(20, o.linkType ?? LINKTYPE_ETHERNET, le);
  let off = PCAP_FILE_HEADER_LEN;
  for (const p of packets) {
    v.setUint32(off, p.tsSec >>> 0, le);
    v.setUint32(off + 4, o.nano ? p.tsNanos : Math.floor(p.tsNanos / 1000), le);
    v.setUint32(off + 8, p.data.length, le);
    v.setUint32(off + 12, p.origLen ?? p.data.length, le);
    if (o.kuznetsov) { v.setUint32(off + 16, 2, le); v.setUint16(off + 20, 0x0800, le); out[off + 22] = 0; }
    out.set(p.data, off + recHdr);
    off += recHdr + p.data.length;
  }
  return out;
}

/** pcapng block types (draft-ietf-opsawg-pcapng §4 and §10.1). */
export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB_OBSOLETE = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
/** §4.1: written in the section's byte order, so a reader can tell the order. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export interface PcapngInterface {
  linkType: number;
  snapLen?: number;
  /** Raw if_tsresol option byte (§4.2): bit 7 clear = 10^-n s, set = 2^-n s. Omitted = 10^-6. */
  tsresol?: number;
  /** if_tsoffset (§4.2), seconds added to every timestamp. */
  tsoffset?: number;
}

/** A pcapng item: a packet (EPB by default) or a raw block to splice in (e.g. an unknown type). */
export type PcapngItem =
  | (PacketIn & { kind?: 'epb' | 'spb' | 'pb' })
  | { block: { type: number; body: Uint8Array } };

export interface PcapngSection {
  interfaces?: PcapngInterface[];
  items: PcapngItem[];
  bigEndian?: boolean;
}

export interface PcapngOptions {
  interfaces?: PcapngInterface[];
  bigEndian?: boolean;
  /** When given, `packets` is ignored and each section is written in turn (byte order per section). */
  sections?: PcapngSection[];
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One block: type, total length, body padded to 4, total length again (§3.1). */
export function pcapngBlock(type: number, body: Uint8Array, bigEndian = false): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, !bigEndian);
  v.setUint32(4, total, !bigEndian);
  out.set(body, 8);
  v.setUint32(total - 4, total, !bigEndian);
  return out;
}

/** Options list (§3.5): code, length, value padded to 4, terminated by opt_endofopt. */
function options(opts: { code: number; value: Uint8Array }[], le: boolean): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  let size = 4;
  for (const o of opts) size += 4 + pad4(o.value.length);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let off = 0;
  for (const o of opts) {
    v.setUint16(off, o.code, le);
    v.setUint16(off + 2, o.value.length, le);
    out.set(o.value, off + 4);
    off += 4 + pad4(o.value.length);
  }
  return out;
}

/** Section Header Block (§4.1), version 1.0, section length -1 (unknown). */
export function pcapngShb(bigEndian = false, opts: { code: number; value: Uint8Array }[] = []): Uint8Array {
  const le = !bigEndian;
  const o = options(opts, le);
  const body = new Uint8Array(16 + o.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, le);
  v.setUint16(4, 1, le);
  v.setUint16(6, 0, le);
  v.setInt32(8, -1, le);
  v.setInt32(12, -1, le);
  body.set(o, 16);
  return pcapngBlock(BT_SHB, body, bigEndian);
}

/** Interface Description Block (§4.2) with if_tsresol (code 9) and if_tsoffset (code 14). */
export function pcapngIdb(i: PcapngInterface, bigEndian = false): Uint8Array {
  const le = !bigEndian;
  const opts: { code: number; value: Uint8Array }[] = [];
  if (i.tsresol !== undefined) opts.push({ code: 9, value: Uint8Array.of(i.tsresol) });
  if (i.tsoffset !== undefined) {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigInt64(0, BigInt(i.tsoffset), le);
    opts.push({ code: 14, value });
  }
  const o = options(opts, le);
  const body = new Uint8Array(8 + o.length);
  const v = new DataView(body.buffer);
  v.setUint16(0, i.linkType, le);
  v.setUint32(4, i.snapLen ?? 0, le);
  body.set(o, 8);
  return pcapngBlock(BT_IDB, body, bigEndian);
}

/**
 * The 64-bit timestamp of `p` in the units of `i` (§4.3): (seconds − tsoffset) / resolution, rounded
 * down. Times that are not a whole number of units come back earlier by less than one unit.
 */
export function pcapngTimestampUnits(tsSec: number, tsNanos: number, i: PcapngInterface): bigint {
  const ns = (BigInt(tsSec) - BigInt(i.tsoffset ?? 0)) * 1_000_000_000n + BigInt(tsNanos);
  const r = i.tsresol ?? 6;
  if (r & 0x80) return (ns << BigInt(r & 0x7f)) / 1_000_000_000n;
  return r <= 9 ? ns / 10n ** BigInt(9 - r) : ns * 10n ** BigInt(r - 9);
}

function packetBlock(p: PacketIn & { kind?: 'epb' | 'spb' | 'pb' }, ifaces: PcapngInterface[], bigEndian: boolean): Uint8Array {
  const le = !bigEndian;
  const iface = p.iface ?? 0;
  const origLen = p.origLen ?? p.data.length;
  const kind = p.kind ?? 'epb';
  if (kind === 'spb') {
    // §4.4: no interface id (always interface 0) and no timestamp.
    const body = new Uint8Array(4 + pad4(p.data.length));
    new DataView(body.buffer).setUint32(0, origLen, le);
    body.set(p.data, 4);
    return pcapngBlock(BT_SPB, body, bigEndian);
  }
  const units = pcapngTimestampUnits(p.tsSec, p.tsNanos, ifaces[iface] ?? { linkType: 1 });
  const body = new Uint8Array(20 + pad4(p.data.length));
  const v = new DataView(body.buffer);
  if (kind === 'pb') {
    // Appendix A (obsolete Packet Block): 16-bit interface id, 16-bit drops count.
    v.setUint16(0, iface, le);
    v.setUint16(2, 0, le);
  } else {
    v.setUint32(0, iface, le);
  }
  v.setUint32(4, Number(units >> 32n) >>> 0, le);
  v.setUint32(8, Number(units & 0xffffffffn) >>> 0, le);
  v.setUint32(12, p.data.length, le);
  v.setUint32(16, origLen, le);
  body.set(p.data, 20);
  return pcapngBlock(kind === 'pb' ? BT_PB_OBSOLETE : BT_EPB, body, bigEndian);
}

/** One section: SHB, one IDB per interface, then the items in order. */
export function pcapngSection(s: PcapngSection): Uint8Array {
  const be = s.bigEndian ?? false;
  const ifaces = s.interfaces ?? [{ linkType: LINKTYPE_ETHERNET }];
  const parts = [pcapngShb(be), ...ifaces.map((i) => pcapngIdb(i, be))];
  for (const item of s.items) {
    parts.push('block' in item ? pcapngBlock(item.block.type, item.block.body, be) : packetBlock(item, ifaces, be));
  }
  return concatBytes(parts);
}

/** A pcapng file: one section of EPBs by default; `sections` for several (interface ids restart in each). */
export function writePcapng(packets: (PacketIn & { kind?: 'epb' | 'spb' | 'pb' })[], o: PcapngOptions = {}): Uint8Array {
  const sections = o.sections ?? [{ interfaces: o.interfaces, items: packets, bigEndian: o.bigEndian }];
  return concatBytes(sections.map(pcapngSection));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** The bytes as an async byte source, in chunks of `size` (the last one shorter). Each chunk is a copy, as a file stream's would be. */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  if (size < 1) throw new Error('chunk size must be >= 1');
  for (let off = 0; off < bytes.length; off += size) yield bytes.slice(off, off + size);
}

/** The bytes as a one-chunk async byte source. */
export async function* fromBytes(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  if (bytes.length > 0) yield bytes;
}
