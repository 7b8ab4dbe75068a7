/**
 * Classic pcap through the npm package `pcap-parser` (0.2.x), selected with
 * `readCapture(..., { pcapReader: 'pcap-parser' })`. It produces the same records and issues as
 * our reader in pcap.ts, which is the default because:
 * - speed: the shared bench (../shared/bench/README.md beside the repository) measured pcap-parser alone at 2.70 s
 *   per 1.68M packets against a 0.21 s Node floor. It copies the unconsumed tail plus each new
 *   chunk into a fresh Buffer (`new Buffer(a + b)`) and allocates two objects per packet.
 * - coverage: it rejects the nanosecond magic (a1b23c4d) and does not know that files before 2.4 may
 *   hold caplen and len swapped (libpcap sf-pcap.c), so open.ts sends those files to our reader.
 * - safety: it has no bound on a record's captured length and buffers until that many bytes arrive;
 *   here we watch each record header and stop feeding it at the same bound pcap.ts uses.
 * - it reports nothing about a file cut mid-record; we work that out from the byte counts.
 * - it takes a second file header (two captures concatenated by cat) for a record: we stop there
 *   with CONCATENATED_CAPTURE, where pcap.ts reads on under the new header.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { IssueLog } from './issues.js';
import {
  applyPcapHeader, parsePcapHeader, pcapDetail, pcapMaxCapLen, PCAP_FILE_HEADER_LEN, opensPcapFileHeader, PCAP_LINKTYPE_MASK, PCAP_RECORD_HEADER_LEN,
} from './pcap.js';
import { CaptureError, countLinkType, type ByteSource, type CaptureInfo, type CaptureRecord, type RecordSink } from './record.js';

interface PcapParserPacketHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}

interface PcapParserModule {
  parse(input: Readable): EventEmitter;
}

const require = createRequire(import.meta.url);

export async function readPcapWithPcapParser(source: ByteSource, info: CaptureInfo, onRecord: RecordSink): Promise<void> {
  const pcapParser = require('pcap-parser') as PcapParserModule;
  const issues = new IssueLog(info);
  let total = 0;
  let stopped = false;
  let headerBytes: Buffer | null = null;

  async function* feed(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      total += chunk.length;
      info.bytes = total;
      if (headerBytes === null) headerBytes = Buffer.from(chunk.subarray(0, PCAP_FILE_HEADER_LEN));
      else if (headerBytes.length < PCAP_FILE_HEADER_LEN) headerBytes = Buffer.concat([headerBytes, chunk.subarray(0, PCAP_FILE_HEADER_LEN - headerBytes.length)]);
      // After a stop the rest is only counted (for the issue detail), never buffered by the parser.
      if (!stopped && chunk.length > 0) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    }
  }

  // Readable.from reads ahead of the parser: a source that reuses its buffer (the CLI's file
  // reader) must not be fed here. The CLI and analyze() never do; this reader is for comparison.
  const stream = Readable.from(feed());
  const parser = pcapParser.parse(stream);
  const rec: CaptureRecord = {
    frameNo: 0, byteOffset: 0, tsSec: 0, tsNanos: 0, capLen: 0, origLen: 0, linkType: 0, data: new Uint8Array(0),
  };
  let snapLen = 0;
  let maxCapLen = 0;
  let haveHeader = false;
  // The header's magic, byte order, thiszone and sigfigs: a second file header reads as a record (pcap.ts opensPcapFileHeader).
  let magic = 0;
  let littleEndian = true;
  const scratch = new DataView(new ArrayBuffer(PCAP_RECORD_HEADER_LEN));
  let zone = 0;
  let sigfigs = 0;
  let offset = PCAP_FILE_HEADER_LEN;
  let pending: PcapParserPacketHeader | null = null;
  let stopIssue: { detail: string; after: number; issue: { detail: string } } | null = null;
  let count = 0;

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      stopped = true;
      stream.destroy();
      reject(err);
    };
    parser.on('globalHeader', () => {
      try {
        // Re-read the header ourselves: pcap-parser does not mask the FCS bits of the link type
        // and accepts any version with minor 4.
        const raw = headerBytes as Buffer | null;
        if (!raw || raw.length < PCAP_FILE_HEADER_LEN) throw new Error('pcap-parser reported a header before 24 bytes arrived');
        const h = parsePcapHeader(new DataView(raw.buffer, raw.byteOffset, raw.length), 0);
        applyPcapHeader(info, h);
        magic = h.magic;
        littleEndian = h.littleEndian;
        zone = h.thisZone;
        sigfigs = h.sigfigs;
        snapLen = h.snapLen;
        maxCapLen = pcapMaxCapLen(h.snapLen);
        rec.linkType = h.linkType & PCAP_LINKTYPE_MASK;
        haveHeader = true;
      } catch (err) {
        fail(err);
      }
    });
    parser.on('packetHeader', (h: PcapParserPacketHeader) => {
      if (stopped) return;
      pending = h;
      // A file header read as a record header: its magic as the seconds, the version as the
      // fraction, thiszone and sigfigs as the lengths. Written back as the file's bytes, it is
      // judged as pcap.ts judges it.
      scratch.setUint32(0, h.timestampSeconds, littleEndian);
      scratch.setUint32(4, h.timestampMicroseconds, littleEndian);
      scratch.setUint32(8, h.capturedLength, littleEndian);
      scratch.setUint32(12, h.originalLength, littleEndian);
      if (opensPcapFileHeader(scratch, 0, magic, zone, sigfigs)) {
        issues.add('CONCATENATED_CAPTURE', offset, `${pcapDetail.concatenated()}: reading stopped (the pcap-parser reader cannot read on; the builtin reader does)`);
        stopped = true;
        return;
      }
      if (h.capturedLength > maxCapLen) {
        const detail = pcapDetail.capLenTooLarge(h.capturedLength, maxCapLen);
        stopIssue = { detail, after: offset + PCAP_RECORD_HEADER_LEN, issue: issues.add('CAPLEN_TOO_LARGE', offset, detail) };
        stopped = true;
      }
    });
    parser.on('packet', (p: { header: PcapParserPacketHeader; data: Buffer }) => {
      if (stopped) return;
      try {
        const h = p.header;
        let sec = h.timestampSeconds;
        let frac = h.timestampMicroseconds;
        if (frac >= 1e6) {
          issues.note('BAD_TIMESTAMP', offset, pcapDetail.badTimestamp(frac, false));
          sec += Math.floor(frac / 1e6);
          frac %= 1e6;
        }
        const capLen = h.capturedLength;
        const origLen = h.originalLength;
        if (capLen > snapLen) issues.note('CAPLEN_EXCEEDS_SNAPLEN', offset, pcapDetail.capLenExceedsSnapLen(capLen, snapLen));
        if (capLen > origLen) issues.note('CAPLEN_EXCEEDS_ORIGLEN', offset, pcapDetail.capLenExceedsOrigLen(capLen, origLen));
        rec.frameNo = ++count;
        rec.byteOffset = offset;
        rec.tsSec = sec;
        rec.tsNanos = frac * 1000;
        rec.capLen = capLen;
        rec.origLen = origLen;
        rec.data = p.data;
        info.records = count;
        pending = null;
        offset += PCAP_RECORD_HEADER_LEN + capLen;
        onRecord(rec);
      } catch (err) {
        fail(err);
      }
    });
    parser.on('error', (err: Error) => {
      fail(/unsupported version/.test(err.message)
        ? new CaptureError('UNSUPPORTED_VERSION', 4, err.message)
        : new CaptureError('NOT_A_CAPTURE', 0, err.message));
    });
    stream.on('error', fail);
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
  });

  if (!haveHeader) {
    throw new CaptureError('TRUNCATED_FILE_HEADER', 0, `pcap file header is ${total} bytes; it needs ${PCAP_FILE_HEADER_LEN}`);
  }
  const left = total - offset;
  const cutHeader = pending as PcapParserPacketHeader | null;
  if (!stopped && left > 0) {
    if (left < PCAP_RECORD_HEADER_LEN || !cutHeader) issues.add('TRUNCATED_RECORD_HEADER', offset, pcapDetail.truncatedHeader(left));
    else issues.add('TRUNCATED_RECORD', offset, pcapDetail.truncatedRecord(left, PCAP_RECORD_HEADER_LEN + cutHeader.capturedLength));
  }
  const si = stopIssue as { detail: string; after: number; issue: { detail: string } } | null;
  if (si) si.issue.detail = si.detail + pcapDetail.bytesLeft(total - si.after);
  countLinkType(info, rec.linkType, count);
  issues.finish();
}
