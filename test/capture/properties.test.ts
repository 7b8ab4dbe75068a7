/**
 * Properties (STYLE §10): arbitrary and damaged inputs never throw anything but CaptureError and
 * always terminate; the writer → reader round trip is lossless, with the reused record object
 * never leaking a previous record's values.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { readCapture } from '../../src/capture/open.js';
import { CaptureError, type CaptureRecord } from '../../src/capture/record.js';
import { chunksOf, gzip, pcapngBlock, writePcap, writePcapng, type PacketIn } from '../helpers/pcap-writer.js';
import { collect, hex, newInfo, type Collected } from './collect.js';
import { traffic } from './traffic.js';

const pkts = traffic();
const BASES: Uint8Array[] = [
  writePcap(pkts),
  writePcap(pkts, { nano: true, bigEndian: true, snapLen: 200 }),
  writePcapng(pkts.map((p, i) => ({ ...p, iface: i % 2, kind: i === 3 ? ('spb' as const) : i === 5 ? ('pb' as const) : undefined })), {
    interfaces: [{ linkType: 1, tsresol: 9 }, { linkType: 1, tsresol: 0x80 | 20, tsoffset: 5 }],
  }),
  writePcapng([], {
    sections: [
      { bigEndian: true, items: [pkts[0], { block: { type: 0xabc, body: new Uint8Array(30) } }, pkts[1]] },
      { bigEndian: false, interfaces: [{ linkType: 101 }], items: [pkts[2]] },
    ],
  }),
];
const GZ_BASES = BASES.slice(0, 2).map(gzip);

/** Invariants that hold for any input the reader accepted, however damaged. */
function checkInvariants(got: Collected, inputLen: number): void {
  expect(got.info.records).toBe(got.records.length);
  let prevOffset = -1;
  got.records.forEach((r, i) => {
    expect(r.frameNo).toBe(i + 1);
    expect(r.byteOffset).toBeGreaterThan(prevOffset);
    prevOffset = r.byteOffset;
    expect(Number.isInteger(r.tsSec)).toBe(true);
    expect(r.tsNanos >= 0 && r.tsNanos < 1e9 && Number.isInteger(r.tsNanos)).toBe(true);
    expect(r.data.length).toBe(r.capLen * 2);
  });
  if (!got.error && !got.info.gzip) expect(got.info.bytes).toBe(inputLen);
  for (const issue of got.info.issues) expect(issue.byteOffset).toBeLessThanOrEqual(got.info.bytes);
}

type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'run'; pos: number; len: number; byte: number }
  | { kind: 'u32'; pos: number; value: number; le: boolean }
  | { kind: 'cut'; pos: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('run' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 40 }), byte: fc.constantFrom(0, 0xff, 0x0a, 0x41) }),
  // Length fields sit at 4-byte-aligned offsets in both formats; aim at them with boundary values.
  fc.record({
    kind: fc.constant('u32' as const),
    pos: fc.nat().map((n) => n * 4),
    value: fc.oneof(fc.constantFrom(0, 1, 4, 8, 11, 12, 13, 16, 28, 32, 0x7fffffff, 0xffffffff, 262144, 262145, 64 * 1024 * 1024 + 4), fc.nat()),
    le: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cut' as const), pos: fc.nat() }),
);

function mutate(base: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = base.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const pos = m.pos % b.length;
    if (m.kind === 'flip') b[pos] ^= 1 << m.bit;
    else if (m.kind === 'run') b.fill(m.byte, pos, pos + m.len);
    else if (m.kind === 'cut') b = b.slice(0, pos);
    else if (pos + 4 <= b.length) new DataView(b.buffer).setUint32(pos & ~3, m.value >>> 0, m.le);
  }
  return b;
}

/** Runs collect(); a thrown non-CaptureError fails the property (collect rethrows it). */
async function readAny(bytes: Uint8Array, chunk: number, pcapParser: boolean): Promise<Collected> {
  const got = await collect(chunksOf(bytes, chunk), pcapParser ? { pcapReader: 'pcap-parser' } : undefined);
  if (got.error) expect(got.error).toBeInstanceOf(CaptureError);
  return got;
}

describe('capture readers under fire', () => {
  test.prop([fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...['', 'pcap', 'pcapns', 'ng', 'ngbe', 'gz']), fc.integer({ min: 1, max: 97 })], { numRuns: 300 })(
    'random bytes behind each magic: only CaptureError, always terminates',
    async (tail, prefix, chunk) => {
      const heads: Record<string, number[]> = {
        '': [],
        pcap: [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0],
        pcapns: [0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4],
        ng: [0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0],
        ngbe: [0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0],
        gz: [0x1f, 0x8b, 8, 0],
      };
      const bytes = Uint8Array.from([...heads[prefix], ...tail]);
      const got = await readAny(bytes, chunk, prefix === 'pcap');
      checkInvariants(got, bytes.length);
    },
  );

  test.prop([fc.integer({ min: 0, max: BASES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 200 }), fc.boolean()], { numRuns: 400 })(
    'mutated valid captures: only CaptureError, invariants hold, same result at any chunk size',
    async (which, ms, chunk, pcapParser) => {
      const bytes = mutate(BASES[which], ms);
      const got = await readAny(bytes, chunk, pcapParser && which === 0);
      checkInvariants(got, bytes.length);
      const whole = await readAny(bytes, 1 << 16, false);
      expect(got.records).toEqual(whole.records);
      expect(got.info.issues).toEqual(whole.info.issues);
    },
  );

  test.prop([fc.integer({ min: 0, max: GZ_BASES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 300 })], { numRuns: 100 })(
    'mutated gzip captures: only CaptureError or GZIP_ERROR',
    async (which, ms, chunk) => {
      const got = await readAny(mutate(GZ_BASES[which], ms), chunk, false);
      checkInvariants(got, 0);
    },
  );

  test.prop([fc.integer({ min: 0, max: GZ_BASES.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 })], { numRuns: 100 })(
    'a gzip capture followed by any bytes keeps every record; the bytes are at most one warning, never a fatal error',
    async (which, tail, chunk) => {
      const clean = await readAny(GZ_BASES[which], 1 << 16, false);
      const got = await readAny(Uint8Array.from([...GZ_BASES[which], ...tail]), chunk, false);
      expect(got.error).toBeNull();
      expect(got.records).toEqual(clean.records);
      const extra = got.info.issues.slice(clean.info.issues.length);
      expect(got.info.issues.slice(0, clean.info.issues.length)).toEqual(clean.info.issues);
      // Zeros are padding; 1f 8b starts a member whose header or data may then be cut or bad.
      if (tail.every((b) => b === 0)) expect(extra).toEqual([]);
      else if (tail[0] === 0x1f && tail[1] === 0x8b) expect(extra.length).toBeLessThanOrEqual(1);
      else expect(extra.map((i) => i.code)).toEqual(['GZIP_TRAILING_DATA']);
    },
  );

  test.prop([fc.integer({ min: 8, max: 64 * 1024 * 1024 }).map((n) => n & ~3)], { numRuns: 50 })(
    'a pcapng block claiming any length is bounded by what arrives (no over-allocation, no hang)',
    async (len) => {
      const block = pcapngBlock(0xabc, new Uint8Array(8));
      new DataView(block.buffer).setUint32(4, len, true);
      const bytes = Uint8Array.from([...writePcapng([pkts[0]]), ...block]);
      const got = await readAny(bytes, 64, false);
      expect(got.records).toHaveLength(1);
      expect(got.info.issues).toHaveLength(len === 20 ? 0 : 1);
    },
  );
});

const packetArb: fc.Arbitrary<PacketIn> = fc.record({
  tsSec: fc.integer({ min: 0, max: 0xffffffff }),
  tsNanos: fc.integer({ min: 0, max: 999_999 }).map((us) => us * 1000),
  data: fc.uint8Array({ maxLength: 300 }),
  extra: fc.nat({ max: 2000 }),
}).map(({ extra, ...p }) => ({ ...p, origLen: p.data.length + extra }));

describe('round trip', () => {
  test.prop([fc.array(packetArb, { maxLength: 30 }), fc.constantFrom('pcap', 'pcapns', 'pcapbe', 'ng', 'ngbe9'), fc.integer({ min: 1, max: 500 })], { numRuns: 200 })(
    'writer → reader is lossless, and the reused record never shows stale values',
    async (packets, format, chunk) => {
      const bytes = format === 'pcap' ? writePcap(packets)
        : format === 'pcapns' ? writePcap(packets, { nano: true })
          : format === 'pcapbe' ? writePcap(packets, { bigEndian: true })
            : format === 'ng' ? writePcapng(packets)
              : writePcapng(packets, { bigEndian: true, interfaces: [{ linkType: 1, tsresol: 9 }] });
      const seen = new Set<CaptureRecord>();
      const copies: unknown[] = [];
      const info = newInfo();
      await readCapture(chunksOf(bytes, chunk), info, (r) => {
        seen.add(r);
        copies.push([r.frameNo, r.tsSec, r.tsNanos, r.capLen, r.origLen, r.linkType, hex(r.data)]);
      });
      expect(copies).toEqual(packets.map((p, i) => [i + 1, p.tsSec, p.tsNanos, p.data.length, p.origLen, 1, hex(p.data)]));
      expect(seen.size).toBeLessThanOrEqual(1);
      expect(info.issues.filter((i) => i.code !== 'CAPLEN_EXCEEDS_SNAPLEN')).toEqual([]);
    },
  );
});
