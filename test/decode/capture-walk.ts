/**
 * A tiny synchronous pcap / pcapng walker for decoder tests, so test/decode does not depend on
 * src/capture. It trusts nothing: every length is bounded by the file, and anything odd stops
 * the walk (robustness of the real readers is tested in test/capture).
 */
import type { CaptureRecord } from '../../src/capture/record.js';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;
const PCAPNG_IDB = 1;
const PCAPNG_SPB = 3;
const PCAPNG_EPB = 6;

/** Calls `onRecord` for every record; the record object and its data are reused, as in src/capture. */
export function walkCapture(file: Uint8Array, onRecord: (rec: CaptureRecord) => void): number {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const rec: CaptureRecord = { frameNo: 0, byteOffset: 0, tsSec: 0, tsNanos: 0, capLen: 0, origLen: 0, linkType: 0, data: file.subarray(0, 0) };
  if (file.byteLength < 4) return 0;
  const magicBE = v.getUint32(0, false);
  if (magicBE === PCAPNG_SHB) return walkPcapng(file, v, rec, onRecord);
  let le: boolean;
  if (magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS) le = false;
  else if (v.getUint32(0, true) === PCAP_MAGIC_US || v.getUint32(0, true) === PCAP_MAGIC_NS) le = true;
  else throw new Error('not a capture');
  if (file.byteLength < 24) return 0;
  rec.linkType = v.getUint32(20, le) & 0x0fffffff;
  let p = 24;
  while (p + 16 <= file.byteLength) {
    const capLen = v.getUint32(p + 8, le);
    if (p + 16 + capLen > file.byteLength) break;
    rec.frameNo++;
    rec.byteOffset = p;
    rec.tsSec = v.getUint32(p, le);
    rec.capLen = capLen;
    rec.origLen = v.getUint32(p + 12, le);
    rec.data = file.subarray(p + 16, p + 16 + capLen);
    onRecord(rec);
    p += 16 + capLen;
  }
  return rec.frameNo;
}

function walkPcapng(file: Uint8Array, v: DataView, rec: CaptureRecord, onRecord: (rec: CaptureRecord) => void): number {
  let le = true;
  const linkTypes: number[] = [];
  let p = 0;
  while (p + 12 <= file.byteLength) {
    const type = v.getUint32(p, le);
    if (type === PCAPNG_SHB) {
      le = v.getUint32(p + 8, true) === PCAPNG_BOM;
      linkTypes.length = 0;
    }
    const blockLen = v.getUint32(p + 4, le);
    if (blockLen < 12 || blockLen % 4 !== 0 || p + blockLen > file.byteLength) break;
    if (type === PCAPNG_IDB && blockLen >= 20) linkTypes.push(v.getUint16(p + 8, le));
    let dataOff = -1;
    let capLen = 0;
    let origLen = 0;
    let iface = 0;
    if (type === PCAPNG_EPB && blockLen >= 32) {
      iface = v.getUint32(p + 8, le);
      capLen = v.getUint32(p + 20, le);
      origLen = v.getUint32(p + 24, le);
      dataOff = p + 28;
    } else if (type === PCAPNG_SPB && blockLen >= 16) {
      origLen = v.getUint32(p + 8, le);
      capLen = Math.min(origLen, blockLen - 16);
      dataOff = p + 12;
    }
    if (dataOff >= 0 && dataOff + capLen <= p + blockLen && iface < linkTypes.length) {
      rec.frameNo++;
      rec.byteOffset = p;
      rec.capLen = capLen;
      rec.origLen = origLen;
      rec.linkType = linkTypes[iface];
      rec.data = file.subarray(dataOff, dataOff + capLen);
      onRecord(rec);
    }
    p += blockLen;
  }
  return rec.frameNo;
}
