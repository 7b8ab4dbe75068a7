/**
 * Classic pcap reader (pcap-savefile(5); draft-ietf-opsawg-pcap), microsecond and nanosecond
 * magic, either byte order. This is the hot path: one DataView per chunk, fixed offsets, one
 * reused record whose bytes are a window of the chunk (see framer.ts and WindowedRecord): nothing
 * is allocated per record.
 */
import { Framer } from './framer.js';
import { IssueLog } from './issues.js';
import { CaptureError, countLinkType, WindowedRecord, type CaptureInfo, type RecordSink } from './record.js';

/** File header magics as read big-endian from the first 4 bytes (draft-ietf-opsawg-pcap §4). */
export const PCAP_MAGIC_US_BE = 0xa1b2c3d4;
export const PCAP_MAGIC_US_LE = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_BE = 0xa1b23c4d;
export const PCAP_MAGIC_NS_LE = 0x4d3cb2a1;
/**
 * Alexey Kuznetsov's "modified pcap" (old Red Hat tcpdump; libpcap and Wireshark read it): µs times
 * and a 24-byte record header, the usual 16 then ifindex, protocol, pkt_type and a pad byte.
 */
export const PCAP_MAGIC_KUZ_BE = 0xa1b2cd34;
export const PCAP_MAGIC_KUZ_LE = 0x34cdb2a1;

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
const KUZ_RECORD_HEADER_LEN = 24;

/** libpcap's MAXIMUM_SNAPLEN (pcap-int.h): no capture tool writes longer records. */
export const PCAP_MAX_SNAPLEN = 262144;
/**
 * Caplen bound: max(262144, snaplen) with the snaplen capped at 16 MiB. A caplen past it is
 * treated as corruption (pcap has no resync point, so reading stops); one at or below it is
 * kept even if it exceeds the header's snaplen (some tcpdump test files do that). The cap on
 * the snaplen keeps a garbage header (snaplen 0xffffffff) from making us buffer gigabytes.
 */
export const PCAP_SNAPLEN_CAP = 16 * 1024 * 1024;

export function pcapMaxCapLen(snapLen: number): number {
  return Math.max(PCAP_MAX_SNAPLEN, Math.min(snapLen, PCAP_SNAPLEN_CAP));
}

/** LT_LINKTYPE() in libpcap's pcap-common.h: the upper bits of the field carry FCS information. */
export const PCAP_LINKTYPE_MASK = 0x03ffffff;

export interface PcapHeader {
  /** The first 4 bytes read big-endian (one of the PCAP_MAGIC_*), and thiszone and sigfigs: what a concatenated header is matched on. */
  magic: number;
  thisZone: number;
  sigfigs: number;
  littleEndian: boolean;
  nano: boolean;
  /** 16, or 24 in a modified (Kuznetsov) pcap. */
  recordHeaderLen: number;
  versionMajor: number;
  versionMinor: number;
  snapLen: number;
  linkType: number;
}

/** Parses the 24-byte file header; throws CaptureError when it is not one we can read. */
export function parsePcapHeader(v: DataView, off: number): PcapHeader {
  const magic = v.getUint32(off, false);
  let littleEndian: boolean;
  let nano: boolean;
  let recordHeaderLen = PCAP_RECORD_HEADER_LEN;
  switch (magic) {
    case PCAP_MAGIC_US_BE: littleEndian = false; nano = false; break;
    case PCAP_MAGIC_US_LE: littleEndian = true; nano = false; break;
    case PCAP_MAGIC_NS_BE: littleEndian = false; nano = true; break;
    case PCAP_MAGIC_NS_LE: littleEndian = true; nano = true; break;
    case PCAP_MAGIC_KUZ_BE: littleEndian = false; nano = false; recordHeaderLen = KUZ_RECORD_HEADER_LEN; break;
    case PCAP_MAGIC_KUZ_LE: littleEndian = true; nano = false; recordHeaderLen = KUZ_RECORD_HEADER_LEN; break;
    default:
      throw new CaptureError('NOT_A_CAPTURE', 0, `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`);
  }
  const versionMajor = v.getUint16(off + 4, littleEndian);
  const versionMinor = v.getUint16(off + 6, littleEndian);
  // libpcap (sf-pcap.c) reads every 2.x file and nothing else.
  if (versionMajor !== 2) {
    throw new CaptureError('UNSUPPORTED_VERSION', 4, `unsupported pcap version ${versionMajor}.${versionMinor} (only 2.x is defined)`);
  }
  return {
    magic,
    thisZone: v.getUint32(off + 8, littleEndian),
    sigfigs: v.getUint32(off + 12, littleEndian),
    littleEndian,
    nano,
    recordHeaderLen,
    versionMajor,
    versionMinor,
    snapLen: v.getUint32(off + 16, littleEndian),
    linkType: v.getUint32(off + 20, littleEndian) & PCAP_LINKTYPE_MASK,
  };
}

export function applyPcapHeader(info: CaptureInfo, h: PcapHeader): void {
  info.format = 'pcap';
  info.byteOrder = h.littleEndian ? 'little' : 'big';
  info.precisionDigits = h.nano ? 9 : 6;
  info.snapLen = h.snapLen;
}

/**
 * Whether the 16 bytes at `off`, where a record header should start, open another pcap file header
 * (captures concatenated): any of the six magics (µs, ns, Kuznetsov; either byte order) with version 2 and a thiszone and sigfigs of 0,
 * as libpcap writes them, or the first header's magic with that header's own thiszone and sigfigs.
 * Read as a record header, those are a record of no bytes (or of the first header's thiszone and
 * sigfigs) stamped 2011-2083 (in one of a few seconds), which capture tools do not write: the zero
 * lengths, not the date, keep a real record from being taken for a header.
 */
export function opensPcapFileHeader(v: DataView, off: number, firstMagic: number, firstZone: number, firstSigfigs: number): boolean {
  const magic = v.getUint32(off, false);
  const le = magic === PCAP_MAGIC_US_LE || magic === PCAP_MAGIC_NS_LE || magic === PCAP_MAGIC_KUZ_LE;
  if (!le && magic !== PCAP_MAGIC_US_BE && magic !== PCAP_MAGIC_NS_BE && magic !== PCAP_MAGIC_KUZ_BE) return false;
  if (v.getUint16(off + 4, le) !== 2) return false;
  const zone = v.getUint32(off + 8, le);
  const sigfigs = v.getUint32(off + 12, le);
  return (zone === 0 && sigfigs === 0) || (magic === firstMagic && zone === firstZone && sigfigs === firstSigfigs);
}

/** Details shared with the pcap-parser adapter, so both readers report identically. */
export const pcapDetail = {
  capLenTooLarge: (capLen: number, max: number) => `record claims ${capLen} captured bytes, above the bound of ${max}; reading stopped`,
  bytesLeft: (n: number) => `; ${n} bytes after the record header were not read`,
  restNotInflated: '; the rest of the gzip stream was not decompressed',
  capLenExceedsSnapLen: (capLen: number, snapLen: number) => `captured length ${capLen} exceeds the file's snaplen ${snapLen}; record kept`,
  capLenExceedsOrigLen: (capLen: number, origLen: number) => `captured length ${capLen} exceeds the original length ${origLen}; record kept`,
  badTimestamp: (frac: number, nano: boolean) =>
    `sub-second field ${frac} is not below ${nano ? '1e9 ns' : '1e6 µs'}; the excess was carried into the seconds`,
  truncatedHeader: (have: number, headerLen = PCAP_RECORD_HEADER_LEN) => `input ends ${have} bytes into a ${headerLen}-byte record header`,
  truncatedRecord: (have: number, need: number) => `input ends ${have} bytes into a ${need}-byte record (header + captured bytes)`,
  concatenated: () => 'another pcap file header where a record should start (captures concatenated, as by cat)',
  readOn: ': its records are read on, numbered after those before it',
  truncatedFileHeader: (have: number) => `input ends ${have} bytes into a ${PCAP_FILE_HEADER_LEN}-byte file header of a concatenated capture`,
};

/** Reader state that outlives one record; `rec` is the single object handed to every callback. */
export class PcapReader extends Framer {
  private headerDone = false;
  private le = true;
  private nano = false;
  /** The record header's length: 16, or 24 in a modified (Kuznetsov) pcap. */
  private recHdr = PCAP_RECORD_HEADER_LEN;
  /** libpcap's sf-pcap.c: before 2.3 caplen and len were written swapped (1); 2.3 files went either way (2). */
  private lensSwapped: 0 | 1 | 2 = 0;
  private snapLen = 0;
  private maxCapLen = PCAP_MAX_SNAPLEN;
  private linkType = 0;
  private recordCount = 0;
  /** This file's magic as read big-endian, and its header's thiszone and sigfigs: a second file header with them starts a concatenated capture. */
  private magic = 0;
  private zone = 0;
  private sigfigs = 0;
  /** File headers found after the first (captures concatenated), and the issue noting the first of them. */
  private concatenated = 0;
  private concatenatedIssue: { detail: string } | null = null;
  /** Records already counted in info.linkTypes (under an earlier file header of the input). */
  private linkTypeCounted = 0;
  private readonly issues: IssueLog;
  private stopIssue: { detail: string; after: number; issue: { detail: string } } | null = null;
  private readonly rec = new WindowedRecord();

  constructor(
    private readonly info: CaptureInfo,
    private readonly onRecord: RecordSink,
  ) {
    super();
    this.issues = new IssueLog(info);
  }

  protected minUnit(): number {
    return this.headerDone ? this.recHdr : PCAP_FILE_HEADER_LEN;
  }

  protected unitLength(v: DataView, off: number, byteOffset: number): number {
    if (!this.headerDone) return PCAP_FILE_HEADER_LEN;
    // Another capture's file header where a record should start: two captures concatenated
    // (`cat a.pcap b.pcap`, or their gzip files). Read as a record it is one stamped with a magic
    // (2011-2083) whose caplen and len are the header's thiszone and sigfigs: 0 as libpcap writes
    // them (a record of no bytes, which no capture tool writes), or, under the first header's magic,
    // that header's own. Read on under it, in its byte order and precision.
    if (opensPcapFileHeader(v, off, this.magic, this.zone, this.sigfigs)) {
      if (this.concatenated++ === 0) this.concatenatedIssue = this.issues.add('CONCATENATED_CAPTURE', byteOffset, pcapDetail.concatenated() + pcapDetail.readOn);
      this.flushLinkTypeCount();
      this.headerDone = false;
      return PCAP_FILE_HEADER_LEN;
    }
    let capLen = v.getUint32(off + 8, this.le);
    if (this.lensSwapped !== 0) capLen = this.unswap(capLen, v.getUint32(off + 12, this.le))[0];
    if (capLen > this.maxCapLen) {
      if (!this.stopIssue) {
        const detail = pcapDetail.capLenTooLarge(capLen, this.maxCapLen);
        const issue = this.issues.add('CAPLEN_TOO_LARGE', byteOffset, detail);
        this.stopIssue = { detail, after: byteOffset + this.recHdr, issue };
      }
      return -1;
    }
    return this.recHdr + capLen;
  }

  protected unit(v: DataView, bytes: Uint8Array, off: number, len: number, byteOffset: number): void {
    if (!this.headerDone) {
      this.header(v, off);
      return;
    }
    const le = this.le;
    let sec = v.getUint32(off, le);
    let frac = v.getUint32(off + 4, le);
    let capLen = len - this.recHdr;
    let origLen = v.getUint32(off + 12, le);
    if (this.lensSwapped !== 0) [capLen, origLen] = this.unswap(v.getUint32(off + 8, le), origLen);
    const rec = this.rec;
    if (this.nano) {
      if (frac >= 1e9) {
        this.issues.note('BAD_TIMESTAMP', byteOffset, pcapDetail.badTimestamp(frac, true));
        sec += Math.floor(frac / 1e9);
        frac %= 1e9;
      }
      rec.tsNanos = frac;
    } else {
      if (frac >= 1e6) {
        this.issues.note('BAD_TIMESTAMP', byteOffset, pcapDetail.badTimestamp(frac, false));
        sec += Math.floor(frac / 1e6);
        frac %= 1e6;
      }
      rec.tsNanos = frac * 1000;
    }
    if (capLen > this.snapLen) this.issues.note('CAPLEN_EXCEEDS_SNAPLEN', byteOffset, pcapDetail.capLenExceedsSnapLen(capLen, this.snapLen));
    if (capLen > origLen) this.issues.note('CAPLEN_EXCEEDS_ORIGLEN', byteOffset, pcapDetail.capLenExceedsOrigLen(capLen, origLen));
    rec.tsSec = sec;
    rec.frameNo = ++this.recordCount;
    rec.byteOffset = byteOffset;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.chunk = bytes;
    rec.offset = off + this.recHdr;
    this.info.records = this.recordCount;
    this.onRecord(rec);
  }

  private header(v: DataView, off: number): void {
    const h = parsePcapHeader(v, off);
    if (this.concatenated === 0) {
      applyPcapHeader(this.info, h);
      this.magic = h.magic;
      this.zone = h.thisZone;
      this.sigfigs = h.sigfigs;
    } else if (h.nano) {
      // The input's byte order and snaplen stay the first header's; its times are shown to the
      // finest precision any of its headers declares.
      this.info.precisionDigits = 9;
    }
    this.le = h.littleEndian;
    this.nano = h.nano;
    this.recHdr = h.recordHeaderLen;
    this.snapLen = h.snapLen;
    this.maxCapLen = pcapMaxCapLen(h.snapLen);
    this.linkType = h.linkType;
    this.rec.linkType = h.linkType;
    this.lensSwapped = h.versionMinor < 3 ? 1 : h.versionMinor === 3 ? 2 : 0;
    this.headerDone = true;
  }

  /** In a 2.3 file, caplen > len betrays a swapped pair (sf-pcap.c MAYBE_SWAPPED). */
  private unswap(capLen: number, origLen: number): [number, number] {
    if (this.lensSwapped === 1 || capLen > origLen) return [origLen, capLen];
    return [capLen, origLen];
  }

  protected cut(byteOffset: number, have: number, need: number): void {
    if (!this.headerDone && this.concatenated > 0) {
      // The input ends inside a concatenated capture's file header: what came before it stands.
      if (this.concatenated === 1) this.concatenatedIssue!.detail = pcapDetail.concatenated();
      this.issues.add('TRUNCATED_RECORD_HEADER', byteOffset, pcapDetail.truncatedFileHeader(have));
      return;
    }
    if (!this.headerDone) {
      throw new CaptureError('TRUNCATED_FILE_HEADER', 0, `pcap file header is ${have} bytes; it needs ${PCAP_FILE_HEADER_LEN}`);
    }
    if (need === 0) this.issues.add('TRUNCATED_RECORD_HEADER', byteOffset, pcapDetail.truncatedHeader(have, this.recHdr));
    else this.issues.add('TRUNCATED_RECORD', byteOffset, pcapDetail.truncatedRecord(have, need));
  }

  protected finish(): void {
    if (this.stopIssue) this.stopIssue.issue.detail = this.stopIssue.detail + (this.abandoned ? pcapDetail.restNotInflated : pcapDetail.bytesLeft(this.consumed - this.stopIssue.after));
    this.flushLinkTypeCount();
    if (this.concatenated > 1) this.concatenatedIssue!.detail += ` (${this.concatenated} such headers; the offset is the first)`;
    this.issues.finish();
  }

  /** Counts the records read under the current file header in info.linkTypes. */
  private flushLinkTypeCount(): void {
    countLinkType(this.info, this.linkType, this.recordCount - this.linkTypeCounted);
    this.linkTypeCounted = this.recordCount;
  }
}
