/**
 * The same traffic written as every container variant we read (µs/ns pcap in both byte orders,
 * pcapng with several timestamp resolutions and byte orders, each also gzipped) must come back as
 * the same records, whatever the chunking of the input.
 */
import { describe, expect, it } from 'vitest';
import { chunksOf, fromBytes, gzip, writePcap, writePcapng, type PacketIn, type PcapngInterface } from '../helpers/pcap-writer.js';
import { collect, content, hex } from './collect.js';
import { traffic } from './traffic.js';

function expected(packets: PacketIn[], linkType = 1) {
  return packets.map((p, i) => ({
    frameNo: i + 1, tsSec: p.tsSec, tsNanos: p.tsNanos, capLen: p.data.length,
    origLen: p.origLen ?? p.data.length, linkType, data: hex(p.data),
  }));
}

interface Variant {
  name: string;
  bytes: Uint8Array;
  format: 'pcap' | 'pcapng';
  byteOrder: 'little' | 'big';
  precisionDigits: number;
}

const pkts = traffic();
const ng = (interfaces: PcapngInterface[], bigEndian = false) => writePcapng(pkts, { interfaces, bigEndian });
const VARIANTS: Variant[] = [
  { name: 'pcap µs LE', bytes: writePcap(pkts), format: 'pcap', byteOrder: 'little', precisionDigits: 6 },
  { name: 'pcap µs BE', bytes: writePcap(pkts, { bigEndian: true }), format: 'pcap', byteOrder: 'big', precisionDigits: 6 },
  { name: 'pcap ns LE', bytes: writePcap(pkts, { nano: true }), format: 'pcap', byteOrder: 'little', precisionDigits: 9 },
  { name: 'pcap ns BE', bytes: writePcap(pkts, { nano: true, bigEndian: true }), format: 'pcap', byteOrder: 'big', precisionDigits: 9 },
  { name: 'pcapng LE default 10^-6', bytes: ng([{ linkType: 1 }]), format: 'pcapng', byteOrder: 'little', precisionDigits: 6 },
  { name: 'pcapng BE 10^-9', bytes: ng([{ linkType: 1, tsresol: 9 }], true), format: 'pcapng', byteOrder: 'big', precisionDigits: 9 },
  { name: 'pcapng LE 2^-20', bytes: ng([{ linkType: 1, tsresol: 0x80 | 20 }]), format: 'pcapng', byteOrder: 'little', precisionDigits: 9 },
  { name: 'pcapng BE 10^-9 + tsoffset', bytes: ng([{ linkType: 1, tsresol: 9, tsoffset: 1_600_000_000 }], true), format: 'pcapng', byteOrder: 'big', precisionDigits: 9 },
  { name: 'pcapng LE 10^-3 + tsoffset', bytes: ng([{ linkType: 1, tsresol: 3, tsoffset: 1_699_999_000, snapLen: 65535 }]), format: 'pcapng', byteOrder: 'little', precisionDigits: 3 },
];

describe('same traffic in every container', () => {
  for (const v of VARIANTS) {
    for (const gz of [false, true]) {
      const bytes = gz ? gzip(v.bytes) : v.bytes;
      it(`${v.name}${gz ? ' (gzip)' : ''}: identical records at chunk sizes 1, 7, 64, 64k and whole`, async () => {
        // 10^-3 cannot hold 15.625 ms steps: the reader truncates to the unit, as the writer did.
        const want = v.precisionDigits === 3
          ? expected(pkts).map((r) => ({ ...r, tsNanos: Math.floor(r.tsNanos / 1e6) * 1e6 }))
          : expected(pkts);
        for (const size of [1, 7, 64, 65536, 0]) {
          const got = await collect(size === 0 ? fromBytes(bytes) : chunksOf(bytes, size));
          expect(got.error).toBeNull();
          expect(content(got.records)).toEqual(want);
          expect(got.info).toMatchObject({
            format: v.format, gzip: gz, byteOrder: v.byteOrder, precisionDigits: v.precisionDigits,
            records: pkts.length, bytes: v.bytes.length, issues: [],
          });
          expect([...got.info.linkTypes]).toEqual([[1, pkts.length]]);
        }
      });
    }
  }

  it('pcap byteOffset points at each record header', async () => {
    const got = await collect(fromBytes(VARIANTS[0].bytes));
    let off = 24;
    for (const [i, r] of got.records.entries()) {
      expect(r.byteOffset).toBe(off);
      off += 16 + pkts[i].data.length;
    }
    expect(got.info.snapLen).toBe(262144);
  });

  it('pcapng byteOffset points at each packet block', async () => {
    const got = await collect(fromBytes(VARIANTS[4].bytes));
    // SHB (28, no options) + IDB (20, no options), then EPBs of 32 + padded data.
    let off = 28 + 20;
    for (const [i, r] of got.records.entries()) {
      expect(r.byteOffset).toBe(off);
      off += 32 + ((pkts[i].data.length + 3) & ~3);
    }
  });

  it('hands out views into the input chunk, not copies, when a record fits in one chunk', async () => {
    const bytes = VARIANTS[0].bytes;
    const buffers = new Set<ArrayBufferLike>();
    const { readCapture } = await import('../../src/capture/open.js');
    const { newInfo } = await import('./collect.js');
    await readCapture(fromBytes(bytes), newInfo(), (r) => buffers.add(r.data.buffer));
    expect([...buffers]).toEqual([bytes.buffer]);
  });
});
