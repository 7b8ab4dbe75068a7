/**
 * pcapng reader (draft-ietf-opsawg-pcapng). Reads SHB, IDB, EPB, SPB and the obsolete PB; every
 * other block is skipped by its length. A section (SHB) sets the byte order and restarts the
 * interface numbering. Blocks are framed by framer.ts, so a packet inside one chunk is a view.
 *
 * Block lengths are checked against the trailer copy (§3.1); a bad length means we no longer know
 * where the next block starts, so reading stops there. A block whose length is fine but whose
 * contents are wrong (caplen past the block, unknown interface) is skipped: its trailer told us
 * where the next block is.
 */
import { Framer } from './framer.js';
import { IssueLog } from './issues.js';
import { CaptureError, countLinkType, WindowedRecord, type CaptureInfo, type RecordSink } from './record.js';

/** Block types (§4.1 SHB, §4.2 IDB, §4.3 EPB, §4.4 SPB, Appendix A obsolete PB). */
export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_EPB = 0x00000006;
/** §4.1 Byte-Order Magic, read little-endian. */
const BOM_LE = 0x1a2b3c4d;
const BOM_BE = 0x4d3c2b1a;

/** Option codes (§3.5 opt_endofopt; §4.2 if_tsresol, if_tsoffset). */
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest legal block: type + length + trailing length (§3.1). */
const BLOCK_MIN = 12;
/** SHB with an empty options list: 12 + BOM 4 + versions 4 + section length 8. */
const SHB_MIN = 28;
/** EPB and PB: 12 + interface/drops 4 + timestamp 8 + caplen 4 + origlen 4. */
const EPB_MIN = 32;
const SPB_MIN = 16;
const IDB_MIN = 20;
/**
 * Largest block of any type. Blocks we do not read (name resolution, statistics, decryption
 * secrets, custom) are passed over as their bytes come, never buffered (framer.ts), so this only
 * tells a corrupt length from a real one.
 */
export const PCAPNG_MAX_BLOCK = 64 * 1024 * 1024;
/**
 * Largest section header, interface or packet block: those are assembled when they straddle
 * chunks. Wireshark's old MAX_BLOCK_SIZE (wiretap/pcapng.c) was 16 MiB; libpcap's largest snaplen
 * is 256 KiB. At 64 MiB, a reader held ~96 MiB while one grew (helper-56 audit).
 */
export const PCAPNG_MAX_READ_BLOCK = 16 * 1024 * 1024;

/** The blocks whose contents we read; every other type is skipped by its length (§3.1). */
function isReadBlock(type: number): boolean {
  return type === BT_SHB || type === BT_IDB || type === BT_EPB || type === BT_PB || type === BT_SPB;
}

interface Iface {
  linkType: number;
  snapLen: number;
  /** if_tsresol: true = 2^-exp s per unit, false = 10^-exp s per unit. */
  binary: boolean;
  exp: number;
  /** Decimal resolution at most 10^-9 with a number fast path (10^exp). */
  unitsPerSec: number;
  /** 10^(9-exp) for the decimal fast path. */
  nanosPerUnit: number;
  /** BigInt path: multiply or divide (decimal) / shift (binary). */
  bigMul: bigint;
  bigDiv: bigint;
  /** if_tsoffset, seconds. */
  offsetSec: number;
  records: number;
}

/** Seconds either side of 1970 that an ISO-8601 time from Date can hold (±8.64e15 ms, years ±275760). */
const MAX_TIME_SEC = 8.64e12;

/** Interfaces kept per section (a capture has a few; the ids past it read as undefined). */
export const MAX_INTERFACES = 4096;

export const pcapngDetail = {
  timeOutOfRange: (sec: number, keptSec: number, first: boolean) =>
    `timestamp ${sec.toExponential(3)} s from 1970 is outside the years an ISO-8601 time can hold (-271821 to 275760); `
    + (first ? 'record kept at 1970-01-01 (it is the first)' : `record kept at the previous record's time (${keptSec} s)`),
  badLength: (len: number, why: string) => `block length ${len} ${why}; reading stopped`,
  tooLarge: (len: number, bound: number) => `block length ${len} is above the ${bound}-byte bound${bound < PCAPNG_MAX_BLOCK ? ' for its type' : ''}; reading stopped`,
  // "defines 1" of interface 1 read as a contradiction (helper-56): the ids run from 0.
  unknownInterface: (id: number, known: number) => `packet block names interface ${id}, but the section ${known > MAX_INTERFACES
    ? `keeps only interfaces 0-${MAX_INTERFACES - 1} of the ${known} it defines`
    : known === 0 ? 'defines none' : known === 1 ? 'defines only interface 0' : `defines only interfaces 0-${known - 1}`}; block skipped`,
  tooManyInterfaces: () => `more than ${MAX_INTERFACES} interface blocks in one section; the others are not kept, and their packets are skipped`,
  caplenExceedsBlock: (capLen: number, room: number) => `captured length ${capLen} runs past the block (room for ${room}); block skipped`,
};

export class PcapngReader extends Framer {
  private started = false;
  private le = true;
  /** Interfaces of the current section by id; null for an IDB too short to read. */
  private ifaces: (Iface | null)[] = [];
  /** IDBs of this section, those past MAX_INTERFACES too (only the first are kept). */
  private sectionIdbs = 0;
  /** An interface was described in some section: the first sets the precision and snaplen. */
  private anyIface = false;
  private recordCount = 0;
  /** SPBs carry no timestamp (§4.4); they get the last one seen, so time never jumps back to 1970. */
  private lastSec = 0;
  private lastNanos = 0;
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
    return BLOCK_MIN;
  }

  protected unitLength(v: DataView, off: number, byteOffset: number): number {
    const type = v.getUint32(off, this.le);
    let le = this.le;
    // The SHB type reads the same in both orders; its BOM says how to read everything else (§4.1).
    if (type === BT_SHB) {
      const bom = v.getUint32(off + 8, true);
      if (bom === BOM_LE) le = true;
      else if (bom === BOM_BE) le = false;
      else return this.stop(byteOffset, 'PCAPNG_BAD_SECTION', `section header byte-order magic 0x${bom.toString(16)} is neither 1a2b3c4d nor 4d3c2b1a; reading stopped`);
    }
    const len = v.getUint32(off + 4, le);
    if (len < BLOCK_MIN || len % 4 !== 0) {
      return this.stop(byteOffset, 'PCAPNG_BAD_BLOCK_LENGTH', pcapngDetail.badLength(len, len < BLOCK_MIN ? `is below ${BLOCK_MIN}` : 'is not a multiple of 4'));
    }
    if (type === BT_SHB && len < SHB_MIN) {
      return this.stop(byteOffset, 'PCAPNG_BAD_SECTION', `section header block length ${len} is below ${SHB_MIN}; reading stopped`);
    }
    const bound = isReadBlock(type) ? PCAPNG_MAX_READ_BLOCK : PCAPNG_MAX_BLOCK;
    if (len > bound) {
      return this.stop(byteOffset, 'PCAPNG_BLOCK_TOO_LARGE', pcapngDetail.tooLarge(len, bound));
    }
    return len;
  }

  protected override skippable(v: DataView, off: number): boolean {
    return !isReadBlock(v.getUint32(off, this.le));
  }

  /** A block passed over unread (skippable): only its trailing length is checked, as unit() does. */
  protected override skipped(byteOffset: number, len: number, tail: DataView): void {
    const trailer = tail.getUint32(0, this.le);
    if (trailer !== len) {
      this.stop(byteOffset, 'PCAPNG_BAD_BLOCK_LENGTH', pcapngDetail.badLength(len, `does not match the trailing copy ${trailer}`));
      this.stopped = true;
    }
  }

  /** Records the issue and returns -1 (stop); before the first section is read, the input is not usable at all. */
  private stop(byteOffset: number, code: 'PCAPNG_BAD_SECTION' | 'PCAPNG_BAD_BLOCK_LENGTH' | 'PCAPNG_BLOCK_TOO_LARGE', detail: string): number {
    if (!this.started) throw new CaptureError('NOT_A_CAPTURE', byteOffset, `unreadable pcapng section header: ${detail.replace(/; reading stopped$/, '')}`);
    if (!this.stopIssue) this.stopIssue = { detail, after: byteOffset, issue: this.issues.add(code, byteOffset, detail) };
    return -1;
  }

  protected unit(v: DataView, bytes: Uint8Array, off: number, len: number, byteOffset: number): void {
    const type = v.getUint32(off, this.le);
    if (type === BT_SHB) {
      this.section(v, off, len, byteOffset);
      return;
    }
    const le = this.le;
    const trailer = v.getUint32(off + len - 4, le);
    if (trailer !== len) {
      this.stop(byteOffset, 'PCAPNG_BAD_BLOCK_LENGTH', pcapngDetail.badLength(len, `does not match the trailing copy ${trailer}`));
      this.stopped = true;
      return;
    }
    switch (type) {
      case BT_EPB:
      case BT_PB: {
        if (len < EPB_MIN) return this.skipShort(type, len, EPB_MIN, byteOffset);
        // §4.3 EPB: 32-bit interface id; Appendix A PB: 16-bit interface id + 16-bit drops count.
        const id = type === BT_EPB ? v.getUint32(off + 8, le) : v.getUint16(off + 8, le);
        const iface = this.iface(id, byteOffset);
        if (!iface) return;
        const capLen = v.getUint32(off + 20, le);
        const room = len - EPB_MIN;
        if (capLen > room) {
          this.issues.note('PCAPNG_CAPLEN_EXCEEDS_BLOCK', byteOffset, pcapngDetail.caplenExceedsBlock(capLen, room));
          return;
        }
        this.time(iface, v.getUint32(off + 12, le), v.getUint32(off + 16, le), byteOffset);
        this.emit(iface, bytes, off + 28, capLen, v.getUint32(off + 24, le), byteOffset);
        return;
      }
      case BT_SPB: {
        if (len < SPB_MIN) return this.skipShort(type, len, SPB_MIN, byteOffset);
        // §4.4: always interface 0; captured length is min(original length, snaplen, room in the block).
        const iface = this.iface(0, byteOffset);
        if (!iface) return;
        const origLen = v.getUint32(off + 8, le);
        let capLen = Math.min(origLen, len - SPB_MIN);
        if (iface.snapLen > 0 && capLen > iface.snapLen) capLen = iface.snapLen;
        this.rec.tsSec = this.lastSec;
        this.rec.tsNanos = this.lastNanos;
        this.emit(iface, bytes, off + 12, capLen, origLen, byteOffset);
        return;
      }
      case BT_IDB:
        if (++this.sectionIdbs > MAX_INTERFACES) {
          // Each interface is an object held to the end of its section: a file of nothing but IDBs
          // (helper-52 audit: 5M of them, 100 MB, took 1.06 GB) is bounded here.
          this.issues.note('PCAPNG_TOO_MANY_INTERFACES', byteOffset, pcapngDetail.tooManyInterfaces());
          return;
        }
        if (len < IDB_MIN) {
          // Still counts as an interface, so the ids of later interfaces line up; its packets are skipped.
          this.ifaces.push(null);
          return this.skipShort(type, len, IDB_MIN, byteOffset);
        }
        this.interfaceBlock(v, off, len);
        return;
      default:
        // NRB, ISB, DSB, custom and unknown blocks carry nothing we analyse (§3.1: skip by length).
        return;
    }
  }

  private skipShort(type: number, len: number, min: number, byteOffset: number): void {
    this.issues.note('PCAPNG_BAD_BLOCK_LENGTH', byteOffset, `block type 0x${type.toString(16)} of length ${len} is shorter than its minimum ${min}; block skipped`);
  }

  private iface(id: number, byteOffset: number): Iface | null {
    const iface = this.ifaces[id] ?? null;
    if (!iface) this.issues.note('PCAPNG_UNKNOWN_INTERFACE', byteOffset, pcapngDetail.unknownInterface(id, this.sectionIdbs));
    return iface;
  }

  private emit(iface: Iface, bytes: Uint8Array, dataOff: number, capLen: number, origLen: number, byteOffset: number): void {
    if (iface.snapLen > 0 && capLen > iface.snapLen) {
      this.issues.note('CAPLEN_EXCEEDS_SNAPLEN', byteOffset, `captured length ${capLen} exceeds the interface snaplen ${iface.snapLen}; record kept`);
    }
    if (capLen > origLen) this.issues.note('CAPLEN_EXCEEDS_ORIGLEN', byteOffset, `captured length ${capLen} exceeds the original length ${origLen}; record kept`);
    const rec = this.rec;
    rec.frameNo = ++this.recordCount;
    rec.byteOffset = byteOffset;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.linkType = iface.linkType;
    rec.chunk = bytes;
    rec.offset = dataOff;
    iface.records++;
    this.info.records = this.recordCount;
    this.onRecord(rec);
  }

  /** 64-bit timestamp in interface units (§4.3) → seconds + nanoseconds, exactly (BigInt when a number could round). */
  private time(iface: Iface, hi: number, lo: number, byteOffset: number): void {
    const rec = this.rec;
    // Below 2^52 units every step is exact in a double (the common 10^-6 case: epoch µs ≈ 2^51).
    if (!iface.binary && iface.exp <= 9 && hi < 0x100000) {
      const units = hi * 4294967296 + lo;
      const ups = iface.unitsPerSec;
      let sec = Math.floor(units / ups);
      let frac = units - sec * ups;
      if (frac < 0) {
        sec--;
        frac += ups;
      } else if (frac >= ups) {
        sec++;
        frac -= ups;
      }
      rec.tsSec = sec + iface.offsetSec;
      rec.tsNanos = frac * iface.nanosPerUnit;
    } else {
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      let ns: bigint;
      if (iface.binary) ns = (units * 1_000_000_000n) >> iface.bigDiv;
      else ns = (units * iface.bigMul) / iface.bigDiv;
      rec.tsSec = Number(ns / 1_000_000_000n) + iface.offsetSec;
      rec.tsNanos = Number(ns % 1_000_000_000n);
    }
    if (!(rec.tsSec <= MAX_TIME_SEC && rec.tsSec >= -MAX_TIME_SEC)) {
      // A flipped top bit of a µs timestamp lands ~292,000 years out: no ISO-8601 time (nor Date)
      // reaches it, and it printed as 1970-01-01 with nothing said. Kept at the previous record's
      // time, as an SPB is; the first record has none, and keeps 0 (1970), now with the issue noted.
      this.issues.note('BAD_TIMESTAMP', byteOffset, pcapngDetail.timeOutOfRange(rec.tsSec, this.lastSec, this.recordCount === 0));
      rec.tsSec = this.lastSec;
      rec.tsNanos = this.lastNanos;
    }
    this.lastSec = rec.tsSec;
    this.lastNanos = rec.tsNanos;
  }

  private section(v: DataView, off: number, len: number, byteOffset: number): void {
    const le = v.getUint32(off + 8, true) === BOM_LE;
    const trailer = v.getUint32(off + len - 4, le);
    if (trailer !== len) {
      this.stop(byteOffset, 'PCAPNG_BAD_BLOCK_LENGTH', pcapngDetail.badLength(len, `does not match the trailing copy ${trailer}`));
      this.stopped = true;
      return;
    }
    const major = v.getUint16(off + 12, le);
    const minor = v.getUint16(off + 14, le);
    // §4.1: a reader must not read a section with a major version it does not know.
    if (major !== 1) {
      if (!this.started) throw new CaptureError('UNSUPPORTED_VERSION', byteOffset + 12, `unsupported pcapng version ${major}.${minor}`);
      this.stop(byteOffset, 'PCAPNG_BAD_SECTION', `section version ${major}.${minor} is not 1.x; reading stopped`);
      this.stopped = true;
      return;
    }
    this.le = le;
    this.countLinkTypes();
    this.ifaces = [];
    this.sectionIdbs = 0;
    if (!this.started) {
      this.started = true;
      this.info.format = 'pcapng';
      this.info.byteOrder = le ? 'little' : 'big';
    }
  }

  private interfaceBlock(v: DataView, off: number, len: number): void {
    const le = this.le;
    const iface: Iface = {
      linkType: v.getUint16(off + 8, le),
      snapLen: v.getUint32(off + 12, le),
      binary: false,
      exp: 6,
      unitsPerSec: 1e6,
      nanosPerUnit: 1000,
      bigMul: 1000n,
      bigDiv: 1n,
      offsetSec: 0,
      records: 0,
    };
    // Options (§3.5): code, length, value padded to 4. A malformed list ends the scan but keeps
    // the interface, so the ids of later interfaces still line up.
    const end = off + len - 4;
    let p = off + 16;
    while (p + 4 <= end) {
      const code = v.getUint16(p, le);
      const olen = v.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT || p + 4 + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = v.getUint8(p + 4);
        iface.binary = (r & 0x80) !== 0;
        iface.exp = r & 0x7f;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        iface.offsetSec = Number(v.getBigInt64(p + 4, le));
      }
      p += 4 + ((olen + 3) & ~3);
    }
    const exp = iface.exp;
    if (iface.binary) {
      iface.bigDiv = BigInt(exp);
    } else {
      iface.unitsPerSec = 10 ** exp;
      iface.nanosPerUnit = exp <= 9 ? 10 ** (9 - exp) : 0;
      iface.bigMul = exp <= 9 ? 10n ** BigInt(9 - exp) : 1n;
      iface.bigDiv = exp <= 9 ? 1n : 10n ** BigInt(exp - 9);
    }
    // Digits that show every stamp exactly: 10^-n → n, and 2^-n → n as well (2^-n = 5^n / 10^n: a
    // tick of 2^-10 s is 0.0009765625 s), as tshark prints them. Nanoseconds is our floor. (Until
    // 2026-12-05 a binary unit declared ceil(n·log10 2) digits, which showed one tick but rounded
    // 13/1024 s to .012695 and spans to the µs: helper audit of timings.)
    const digits = Math.min(9, exp);
    if (!this.anyIface || digits > this.info.precisionDigits) this.info.precisionDigits = digits;
    if (!this.anyIface || iface.snapLen > (this.info.snapLen ?? 0)) this.info.snapLen = iface.snapLen;
    this.anyIface = true;
    this.ifaces.push(iface);
  }

  /** Counts the section's records by link type in info.linkTypes, as its interfaces are let go. */
  private countLinkTypes(): void {
    for (const i of this.ifaces) {
      if (i !== null) countLinkType(this.info, i.linkType, i.records);
    }
  }

  protected cut(byteOffset: number, have: number, need: number): void {
    if (!this.started) {
      throw new CaptureError('TRUNCATED_FILE_HEADER', 0, `pcapng section header is cut off after ${have} bytes${need ? ` of ${need}` : ''}`);
    }
    if (need === 0) this.issues.add('TRUNCATED_RECORD_HEADER', byteOffset, `input ends ${have} bytes into a block header`);
    else this.issues.add('TRUNCATED_RECORD', byteOffset, `input ends ${have} bytes into a ${need}-byte block`);
  }

  protected finish(): void {
    if (this.stopIssue) {
      this.stopIssue.issue.detail = `${this.stopIssue.detail}; ${this.abandoned ? 'the rest of the gzip stream was not decompressed' : `${this.consumed - this.stopIssue.after} bytes from this block on were not read`}`;
    }
    this.countLinkTypes();
    this.ifaces = [];
    this.issues.finish();
  }
}
