import { describe, expect, it } from 'vitest';
import { TCP_SYN } from '../../src/decode/fields.js';
import { readCapture } from '../../src/capture/open.js';
import { CaptureError } from '../../src/capture/record.js';
import { PCAP_MAX_SNAPLEN, PCAP_SNAPLEN_CAP, pcapMaxCapLen } from '../../src/capture/pcap.js';
import { ethernetIPv4Tcp, patternBytes, rawIPv4Tcp } from '../helpers/packet-builder.js';
import { chunksOf, concatBytes, fromBytes, gzip, LINKTYPE_RAW, writePcap, type PacketIn } from '../helpers/pcap-writer.js';
import { collect, newInfo } from './collect.js';

const frame = ethernetIPv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, flags: TCP_SYN });
const pkt = (i: number, data = frame): PacketIn => ({ tsSec: 1000 + i, tsNanos: i * 1000, data });

/** Overwrites a 32-bit field of record `n` (0-based) in a little-endian pcap whose records all hold `frameLen` bytes. */
function patchRecord(bytes: Uint8Array, n: number, field: 0 | 4 | 8 | 12, value: number, frameLen = frame.length): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(24 + n * (16 + frameLen) + field, value, true);
  return out;
}

describe('fatal errors (tier 1)', () => {
  const cases: [string, Uint8Array, string, number][] = [
    ['empty input', new Uint8Array(0), 'EMPTY', 0],
    ['garbage', new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), 'NOT_A_CAPTURE', 0],
    ['a lone gzip magic byte', Uint8Array.of(0x1f), 'NOT_A_CAPTURE', 0],
    ['three bytes of pcap magic', Uint8Array.of(0xd4, 0xc3, 0xb2), 'TRUNCATED_FILE_HEADER', 0],
    ['short pcap header', writePcap([]).subarray(0, 23), 'TRUNCATED_FILE_HEADER', 0],
    ['short pcapng section header', Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a), 'TRUNCATED_FILE_HEADER', 0],
    ['pcap version 3.0', writePcap([pkt(0)], { versionMajor: 3, versionMinor: 0 }), 'UNSUPPORTED_VERSION', 4],
    ['gzip of nothing', gzip(new Uint8Array(0)), 'EMPTY', 0],
    ['gzip of garbage', gzip(patternBytes(100)), 'NOT_A_CAPTURE', 0],
    ['corrupt gzip before any record', Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff), 'GZIP_ERROR', 10],
  ];
  it('says "byte" of one byte', async () => {
    expect(await collect(fromBytes(Uint8Array.of(0xd4))).catch((e: unknown) => e)).toHaveProperty('error.message', 'the input is only 1 byte');
    expect(await collect(fromBytes(Uint8Array.of(0xd4, 0xc3))).catch((e: unknown) => e)).toHaveProperty('error.message', 'the input is only 2 bytes');
  });
  for (const [name, bytes, code, byteOffset] of cases) {
    it(`${name} → CaptureError ${code}`, async () => {
      for (const size of [1, 3, 1 << 16]) {
        const got = await collect(chunksOf(bytes, size)).catch((e: unknown) => e);
        if (bytes.length === 0) expect((await collect(fromBytes(bytes))).error?.code).toBe('EMPTY');
        else {
          expect(got).toHaveProperty('error.code', code);
          expect(got).toHaveProperty('error.byteOffset', byteOffset);
        }
      }
    });
  }

  it('reports the magic it found', async () => {
    const got = await collect(fromBytes(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2)));
    expect(got.error).toBeInstanceOf(CaptureError);
    expect(got.error?.message).toBe('not a pcap or pcapng file (magic 0xdeadbeef)');
  });

  it('turns a failing source into IO_ERROR', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield writePcap([pkt(0)]);
      throw new Error('EIO: disk on fire');
    }
    const got = await collect(failing());
    expect(got.error?.code).toBe('IO_ERROR');
    expect(got.records).toHaveLength(1);
  });

  it('does not swallow an exception thrown by the record sink', async () => {
    await expect(readCapture(fromBytes(writePcap([pkt(0)])), newInfo(), () => {
      throw new RangeError('consumer bug');
    })).rejects.toThrow(RangeError);
  });
});

describe('record-level issues (tier 2)', () => {
  it('BAD_TIMESTAMP: carries µs >= 1e6 into seconds, once per input with a count', async () => {
    let bytes = writePcap([pkt(0), pkt(1), pkt(2)]);
    bytes = patchRecord(bytes, 1, 4, 2_500_000);
    bytes = patchRecord(bytes, 2, 4, 1_000_000);
    const got = await collect(fromBytes(bytes));
    expect(got.records.map((r) => [r.tsSec, r.tsNanos])).toEqual([[1000, 0], [1003, 500_000_000], [1003, 0]]);
    expect(got.info.issues).toEqual([{ code: 'BAD_TIMESTAMP', byteOffset: 24 + 16 + frame.length, detail: expect.stringContaining('2 records') }]);
  });

  it('BAD_TIMESTAMP: carries ns >= 1e9 into seconds', async () => {
    const bytes = writePcap([pkt(0)], { nano: true });
    new DataView(bytes.buffer).setUint32(28, 3_000_000_007, true);
    const got = await collect(fromBytes(bytes));
    expect(got.records.map((r) => [r.tsSec, r.tsNanos])).toEqual([[1003, 7]]);
    expect(got.info.issues.map((i) => i.code)).toEqual(['BAD_TIMESTAMP']);
  });

  it('keeps a record with caplen > snaplen and caplen > origlen, noting each once', async () => {
    const pkts = [pkt(0), pkt(1), { ...pkt(2), origLen: 10 }];
    const got = await collect(fromBytes(writePcap(pkts, { snapLen: 40 })));
    expect(got.records).toHaveLength(3);
    expect(got.records[2]).toMatchObject({ capLen: frame.length, origLen: 10 });
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([
      ['CAPLEN_EXCEEDS_SNAPLEN', 24],
      ['CAPLEN_EXCEEDS_ORIGLEN', 24 + 2 * (16 + frame.length)],
    ]);
    expect(got.info.issues[0].detail).toContain('3 records');
  });

  it('CAPLEN_TOO_LARGE stops reading and says how many bytes were left', async () => {
    const bytes = patchRecord(writePcap([pkt(0), pkt(1), pkt(2)]), 1, 8, 0x7fffffff);
    for (const size of [1, 5, 1 << 16]) {
      const got = await collect(chunksOf(bytes, size));
      expect(got.error).toBeNull();
      expect(got.records).toHaveLength(1);
      const at = 24 + 16 + frame.length;
      expect(got.info.issues).toEqual([{
        code: 'CAPLEN_TOO_LARGE', byteOffset: at,
        detail: `record claims 2147483647 captured bytes, above the bound of ${PCAP_MAX_SNAPLEN}; reading stopped; ${bytes.length - at - 16} bytes after the record header were not read`,
      }]);
      expect(got.info.bytes).toBe(bytes.length);
    }
  });

  it('captures concatenated (cat a.pcap b.pcap c.pcap): records read on under each file header, one issue, link types counted per header', async () => {
    const a = writePcap([pkt(0), pkt(1)]);
    const raw = rawIPv4Tcp({ src: '10.0.0.9', dst: '10.0.0.8', sport: 1, dport: 2, seq: 7, ack: 0, flags: TCP_SYN });
    const b = writePcap([{ tsSec: 1100, tsNanos: 5000, data: raw }], { linkType: LINKTYPE_RAW });
    const c = writePcap([pkt(2)]);
    const bytes = new Uint8Array([...a, ...b, ...c]);
    for (const size of [1, 7, 1 << 16]) {
      const got = await collect(chunksOf(bytes, size));
      expect(got.error).toBeNull();
      // Before: the second header read as a zero-length record (counted, a LINK_TRUNCATED decode
      // error), then CAPLEN_TOO_LARGE and nothing more.
      expect(got.records.map((r) => [r.frameNo, r.linkType, r.byteOffset, r.tsSec])).toEqual([
        [1, 1, 24, 1000], [2, 1, 24 + 16 + frame.length, 1001],
        [3, LINKTYPE_RAW, a.length + 24, 1100],
        [4, 1, a.length + b.length + 24, 1002],
      ]);
      expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['CONCATENATED_CAPTURE', a.length]]);
      expect(got.info.issues[0].detail).toContain('(2 such headers; the offset is the first)');
      expect([...got.info.linkTypes].sort((x, y) => x[0] - y[0])).toEqual([[1, 3], [LINKTYPE_RAW, 1]]);
      expect(got.info.bytes).toBe(bytes.length);
    }
    // Cut anywhere in the second file header: the records before it stand, with a warning, never
    // the fatal error of a first header cut short (helper-50 review: exit 2, "at byte 0").
    for (let cutAt = 1; cutAt < 24; cutAt++) {
      const got = await collect(chunksOf(bytes.subarray(0, a.length + cutAt), 5));
      expect(got.error).toBeNull();
      expect(got.records).toHaveLength(2);
      // From 16 bytes on, the header was recognised before the input ended.
      expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([
        ...(cutAt >= 16 ? [['CONCATENATED_CAPTURE', a.length]] : []), ['TRUNCATED_RECORD_HEADER', a.length]]);
    }
    // A record stamped with the magic as its seconds and 2.4 as its fraction is still a record when
    // its lengths are not 0 (helper-50 review: it was taken for a header, and reading stopped).
    const odd = writePcap([pkt(0), { tsSec: 0xa1b2c3d4, tsNanos: ((4 << 16) | 2) * 1000, data: frame }, pkt(2)]);
    const got = await collect(chunksOf(odd, 1 << 16));
    expect(got.records.map((r) => r.tsSec)).toEqual([1000, 0xa1b2c3d4, 1002]);
    expect(got.info.issues).toEqual([]);
    // A header with a thiszone and sigfigs (old tools wrote them): concatenated copies still read on.
    const zoned = writePcap([pkt(0)]);
    new DataView(zoned.buffer).setInt32(8, -3600, true);
    new DataView(zoned.buffer).setUint32(12, 6, true);
    const twice = await collect(chunksOf(new Uint8Array([...zoned, ...zoned]), 1 << 16));
    expect(twice.records).toHaveLength(2);
    expect(twice.info.issues.map((i) => i.code)).toEqual(['CONCATENATED_CAPTURE']);
    // Cut inside the second header: the issue does not promise records that never came.
    const cutShort = await collect(chunksOf(bytes.subarray(0, a.length + 20), 1 << 16));
    expect(cutShort.info.issues[0].detail).not.toMatch(/read on/);
    // The pcap-parser reader cannot read on: it stops there, with the same issue and no bogus record.
    const pp = await collect(chunksOf(bytes, 1 << 16), { pcapReader: 'pcap-parser' });
    expect(pp.records).toHaveLength(2);
    expect(pp.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['CONCATENATED_CAPTURE', a.length]]);
  });

  it('captures of other byte orders and precisions concatenated: each read under its own header (helper-51: a µs file then a ns one stopped at CAPLEN_TOO_LARGE)', async () => {
    const usLe = writePcap([pkt(0), pkt(1)]);
    const nsBe = writePcap([{ tsSec: 1100, tsNanos: 123456789, data: frame }], { nano: true, bigEndian: true });
    const usBe = writePcap([pkt(2)], { bigEndian: true });
    const nsLe = writePcap([{ tsSec: 1200, tsNanos: 987654321, data: frame }], { nano: true });
    const bytes = concatBytes([usLe, nsBe, usBe, nsLe]);
    for (const size of [1, 9, 1 << 16]) {
      const got = await collect(chunksOf(bytes, size));
      expect(got.error).toBeNull();
      expect(got.records.map((r) => [r.frameNo, r.tsSec, r.tsNanos, r.capLen])).toEqual([
        [1, 1000, 0, frame.length], [2, 1001, 1000, frame.length],
        [3, 1100, 123456789, frame.length], [4, 1002, 2000, frame.length], [5, 1200, 987654321, frame.length],
      ]);
      expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['CONCATENATED_CAPTURE', usLe.length]]);
      expect(got.info.issues[0].detail).toContain('(3 such headers; the offset is the first)');
      // The input keeps its first header's byte order, and is shown to the finest precision declared.
      expect(got.info.byteOrder).toBe('little');
      expect(got.info.precisionDigits).toBe(9);
    }
    // A ns file first, a µs one after: the precision stays 9.
    const back = await collect(chunksOf(concatBytes([nsLe, usLe]), 1 << 16));
    expect(back.records.map((r) => r.tsNanos)).toEqual([987654321, 0, 1000]);
    expect(back.info.precisionDigits).toBe(9);
    // Another magic with a thiszone or sigfigs set is not taken for a header: those lengths are a
    // record's, and this one (stamped 2011 with the NS_BE magic as its seconds) is read as one.
    const odd = writePcap([pkt(0), { tsSec: 0x4d3cb2a1, tsNanos: 0x0200 * 1000, data: frame }, pkt(2)]);
    const got = await collect(chunksOf(odd, 1 << 16));
    expect(got.records.map((r) => r.tsSec)).toEqual([1000, 0x4d3cb2a1, 1002]);
    expect(got.info.issues).toEqual([]);
    // The pcap-parser reader stops at a header of another byte order too, with the same issue.
    const pp = await collect(chunksOf(concatBytes([usLe, usBe]), 1 << 16), { pcapReader: 'pcap-parser' });
    expect(pp.records).toHaveLength(2);
    expect(pp.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['CONCATENATED_CAPTURE', usLe.length]]);
  });

  it('bounds caplen by max(262144, snaplen) with the snaplen capped at 16 MiB', () => {
    expect(pcapMaxCapLen(0)).toBe(262144);
    expect(pcapMaxCapLen(65535)).toBe(262144);
    expect(pcapMaxCapLen(1_000_000)).toBe(1_000_000);
    expect(pcapMaxCapLen(0xffffffff)).toBe(PCAP_SNAPLEN_CAP);
  });

  it('reads a record just under the bound, split across chunks', async () => {
    const big = patternBytes(262144);
    const got = await collect(chunksOf(writePcap([pkt(0, big), pkt(1)], { snapLen: 262144 }), 65536));
    expect(got.records.map((r) => r.capLen)).toEqual([262144, frame.length]);
    expect(got.records[0].data).toBe(Buffer.from(big).toString('hex'));
    expect(got.info.issues).toEqual([]);
  });

  it('masks the FCS bits out of the link type field (LT_LINKTYPE)', async () => {
    const got = await collect(fromBytes(writePcap([pkt(0, rawIPv4Tcp({ src: '1.2.3.4', dst: '5.6.7.8', sport: 1, dport: 2, flags: 0 }))], {
      linkType: LINKTYPE_RAW | 0x14000000,
    })));
    expect(got.records[0].linkType).toBe(LINKTYPE_RAW);
    expect([...got.info.linkTypes]).toEqual([[LINKTYPE_RAW, 1]]);
  });

  it('unswaps caplen/len in pre-2.3 files (libpcap sf-pcap.c)', async () => {
    const bytes = writePcap([{ ...pkt(0), origLen: 1500 }], { versionMinor: 2 });
    const v = new DataView(bytes.buffer);
    v.setUint32(32, 1500, true);
    v.setUint32(36, frame.length, true);
    const got = await collect(fromBytes(bytes));
    expect(got.records[0]).toMatchObject({ capLen: frame.length, origLen: 1500 });
  });

  it.each([false, true])('reads a modified (Kuznetsov) pcap, big-endian %s: 24-byte record headers (helper-56: "not a pcap file")', async (bigEndian) => {
    const packets = [pkt(0), pkt(1, rawIPv4Tcp({ src: '1.2.3.4', dst: '5.6.7.8', sport: 1, dport: 2, flags: 0 })), pkt(2)];
    const plain = await collect(chunksOf(writePcap(packets, { bigEndian }), 7));
    const kuz = writePcap(packets, { bigEndian, kuznetsov: true });
    const got = await collect(chunksOf(kuz, 7));
    expect(got.error).toBeNull();
    expect(got.records).toEqual(plain.records.map((r, i) => ({ ...r, byteOffset: 24 + i * 8 + (r.byteOffset - 24) })));
    expect(got.info).toMatchObject({ format: 'pcap', records: 3, precisionDigits: 6, issues: [] });
    // A record header cut short says how long it should have been.
    const cut = await collect(fromBytes(kuz.subarray(0, kuz.length - frame.length - 4)));
    expect(cut.info.issues.map((i) => i.detail)).toEqual(['input ends 20 bytes into a 24-byte record header']);
  });

  it('handles a pcap with a header and no records', async () => {
    const got = await collect(fromBytes(writePcap([])));
    expect(got.error).toBeNull();
    expect(got.records).toEqual([]);
    expect(got.info).toMatchObject({ format: 'pcap', records: 0, bytes: 24, issues: [] });
  });
});

describe('gzip', () => {
  it('a cut gzip stream after some records is a GZIP_ERROR issue, and the records before it stay', async () => {
    const pkts = Array.from({ length: 200 }, (_, i) => pkt(i, patternBytes(200, i)));
    const raw = writePcap(pkts);
    const gz = gzip(raw);
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const got = await collect(chunksOf(cut, 997));
    expect(got.error).toBeNull();
    expect(got.records.length).toBeGreaterThan(10);
    expect(got.records.length).toBeLessThan(200);
    const whole = await collect(fromBytes(raw));
    expect(got.records).toEqual(whole.records.slice(0, got.records.length));
    expect(got.info.issues.map((i) => i.code)).toContain('GZIP_ERROR');
    const gzIssue = got.info.issues.find((i) => i.code === 'GZIP_ERROR');
    expect(gzIssue?.byteOffset).toBe(got.info.bytes);
  });

  it('a gzip stream cut in its trailer, holding only part of a file header, is a fatal GZIP_ERROR', async () => {
    const gz = gzip(writePcap([]).subarray(0, 20));
    const got = await collect(fromBytes(gz.subarray(0, gz.length - 4)));
    expect(got.error?.code).toBe('GZIP_ERROR');
  });

  it('corrupt bytes in the middle of a gzip stream: records before the damage stay', async () => {
    // Incompressible payloads, so the damage sits many 8 KiB input slices into the stream.
    const pkts = Array.from({ length: 400 }, (_, i) => pkt(i, randomBytes(300, i + 1)));
    const raw = writePcap(pkts);
    const gz = gzip(raw);
    gz.fill(0xaa, gz.length >> 1, (gz.length >> 1) + 40);
    const got = await collect(fromBytes(gz));
    expect(got.error).toBeNull();
    expect(got.info.gzip).toBe(true);
    expect(got.info.issues.map((i) => i.code)).toContain('GZIP_ERROR');
    expect(got.records.length).toBeGreaterThan(50);
    const whole = await collect(fromBytes(raw));
    expect(got.records.slice(0, 50)).toEqual(whole.records.slice(0, 50));
  });
});

/** xorshift32 bytes: incompressible and repeatable. */
function randomBytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
