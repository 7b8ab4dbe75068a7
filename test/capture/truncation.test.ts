/**
 * etherparse's truncation loop, for files: cut a valid capture at every length and check the
 * records before the cut, the issue code and the offset it points at.
 */
import { describe, expect, it } from 'vitest';
import { TCP_ACK } from '../../src/decode/fields.js';
import { ethernetIPv4Tcp } from '../helpers/packet-builder.js';
import { chunksOf, fromBytes, gzip, writePcap, writePcapng, type PacketIn } from '../helpers/pcap-writer.js';
import { collect, type Collected } from './collect.js';

const pkts: PacketIn[] = [0, 30, 5, 61].map((n, i) => ({
  tsSec: 1_600_000_000 + i, tsNanos: i * 250_000_000,
  data: ethernetIPv4Tcp({ src: '10.1.1.1', dst: '10.2.2.2', sport: 5000, dport: 22, seq: i, flags: TCP_ACK, payload: n }),
}));

/** [start, end) of every unit after the file header. */
function units(first: number, sizes: number[]): [number, number][] {
  const out: [number, number][] = [];
  let off = first;
  for (const s of sizes) {
    out.push([off, off + s]);
    off += s;
  }
  return out;
}

function check(got: Collected, cut: number, fileHeaderLen: number, spans: [number, number][], headerLen: number, full: Collected): void {
  if (cut === 0) {
    expect(got.error?.code).toBe('EMPTY');
    return;
  }
  if (cut < fileHeaderLen) {
    expect(got.error?.code).toBe('TRUNCATED_FILE_HEADER');
    expect(got.records).toEqual([]);
    return;
  }
  expect(got.error).toBeNull();
  const complete = spans.filter(([, end]) => end <= cut).length;
  expect(got.records).toEqual(full.records.slice(0, complete));
  const cutUnit = spans.find(([start, end]) => start < cut && cut < end);
  if (!cutUnit) {
    expect(got.info.issues).toEqual([]);
    return;
  }
  const code = cut - cutUnit[0] < headerLen ? 'TRUNCATED_RECORD_HEADER' : 'TRUNCATED_RECORD';
  expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([[code, cutUnit[0]]]);
  expect(got.info.bytes).toBe(cut);
}

describe('every truncation length', () => {
  const pcap = writePcap(pkts);
  const pcapSpans = units(24, pkts.map((p) => 16 + p.data.length));
  const ng = writePcapng([{ ...pkts[0], kind: 'spb' }, ...pkts.slice(1)], { interfaces: [{ linkType: 1, tsresol: 9 }] });
  // SHB 28 is the file header; the IDB (20 + if_tsresol option 8 + end 4 = 32) is a unit like the packet blocks.
  const ngSpans = units(28, [32, 16 + ((pkts[0].data.length + 3) & ~3), ...pkts.slice(1).map((p) => 32 + ((p.data.length + 3) & ~3))]);
  expect(ngSpans[ngSpans.length - 1][1]).toBe(ng.length);

  it('classic pcap', async () => {
    const full = await collect(fromBytes(pcap));
    for (let cut = 0; cut < pcap.length; cut++) {
      const bytes = pcap.subarray(0, cut);
      check(await collect(fromBytes(bytes)), cut, 24, pcapSpans, 16, full);
      check(await collect(chunksOf(bytes, 7)), cut, 24, pcapSpans, 16, full);
    }
  });

  it('classic pcap, ns, big-endian, one byte at a time', async () => {
    const be = writePcap(pkts, { nano: true, bigEndian: true });
    const full = await collect(fromBytes(be));
    for (let cut = 0; cut < be.length; cut += 3) check(await collect(chunksOf(be.subarray(0, cut), 1)), cut, 24, pcapSpans, 16, full);
  });

  it('pcapng', async () => {
    const full = await collect(fromBytes(ng));
    // The IDB is a unit but yields no record: shift the record list by one span.
    const recordSpans = ngSpans.slice(1);
    for (let cut = 0; cut < ng.length; cut++) {
      for (const got of [await collect(fromBytes(ng.subarray(0, cut))), await collect(chunksOf(ng.subarray(0, cut), 5))]) {
        if (cut > ngSpans[0][0] && cut < ngSpans[0][1]) {
          // Cut inside the IDB: no record, the issue points at the IDB.
          expect(got.records).toEqual([]);
          expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([[cut - 28 < 12 ? 'TRUNCATED_RECORD_HEADER' : 'TRUNCATED_RECORD', 28]]);
        } else {
          check(got, cut, 28, recordSpans, 12, full);
        }
      }
    }
  });

  it('gzip of a truncated pcap reads like the truncated pcap', async () => {
    for (let cut = 24; cut < pcap.length; cut += 11) {
      const plain = await collect(fromBytes(pcap.subarray(0, cut)));
      const gz = await collect(chunksOf(gzip(pcap.subarray(0, cut)), 9));
      expect(gz.records).toEqual(plain.records);
      expect(gz.info.issues).toEqual(plain.info.issues);
    }
  });

  it('a gzip stream cut at every length: records are a prefix, errors are CaptureErrors or GZIP_ERROR issues', async () => {
    const gz = gzip(pcap);
    const full = await collect(fromBytes(pcap));
    for (let cut = 1; cut < gz.length; cut++) {
      const got = await collect(fromBytes(gz.subarray(0, cut)));
      expect(got.records).toEqual(full.records.slice(0, got.records.length));
      if (got.error) expect(['GZIP_ERROR', 'NOT_A_CAPTURE', 'TRUNCATED_FILE_HEADER', 'EMPTY']).toContain(got.error.code);
      else expect(got.info.issues.map((i) => i.code)).toContain('GZIP_ERROR');
    }
  });
});
