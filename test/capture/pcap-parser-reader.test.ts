/** The pcap-parser adapter and our reader must agree record for record and issue for issue. */
import { describe, expect, it } from 'vitest';
import { chunksOf, fromBytes, gzip, writePcap } from '../helpers/pcap-writer.js';
import { collect } from './collect.js';
import { traffic } from './traffic.js';

const pkts = traffic();

async function same(bytes: Uint8Array, sizes = [1, 7, 64, 65536]): Promise<void> {
  for (const size of sizes) {
    const ours = await collect(chunksOf(bytes, size));
    const theirs = await collect(chunksOf(bytes, size), { pcapReader: 'pcap-parser' });
    expect(theirs.error?.code).toBe(ours.error?.code);
    expect(theirs.records).toEqual(ours.records);
    expect(theirs.info).toEqual(ours.info);
  }
}

describe('pcap-parser adapter', () => {
  it('µs little-endian, big-endian and gzip', async () => {
    const le = writePcap(pkts);
    const be = writePcap(pkts, { bigEndian: true });
    await same(le);
    await same(be);
    await same(gzip(le), [1000]);
    expect((await collect(fromBytes(le), { pcapReader: 'pcap-parser' })).records).toHaveLength(pkts.length);
  });

  it('every truncation length', async () => {
    const le = writePcap(pkts.slice(0, 4));
    for (let cut = 1; cut < le.length; cut++) await same(le.subarray(0, cut), [65536]);
  });

  it('odd records: bad timestamps, caplen > snaplen / origlen, caplen too large', async () => {
    const bytes = writePcap(pkts.map((p, i) => ({ ...p, origLen: i === 3 ? 10 : p.origLen })), { snapLen: 100 });
    const v = new DataView(bytes.buffer);
    v.setUint32(24 + 4, 7_654_321, true);
    await same(bytes);
    const big = bytes.slice();
    new DataView(big.buffer).setUint32(24 + 16 + pkts[0].data.length + 8, 300_000, true);
    await same(big);
  });

  it('nanosecond files, which pcap-parser rejects, go to our reader', async () => {
    const ns = writePcap(pkts, { nano: true });
    const got = await collect(fromBytes(ns), { pcapReader: 'pcap-parser' });
    expect(got.error).toBeNull();
    expect(got.records).toHaveLength(pkts.length);
    expect(got.info.precisionDigits).toBe(9);
  });

  it('pre-2.4 files, whose lengths may be swapped, go to our reader and match it', async () => {
    for (const versionMinor of [0, 2, 3]) {
      const bytes = writePcap(pkts.map((p) => ({ ...p, origLen: p.data.length + 100 })), { versionMinor });
      const v = new DataView(bytes.buffer);
      // Swap the lengths as libpcap before 2.3 wrote them (2.3 readers accept either order).
      let off = 24;
      for (const p of pkts) {
        v.setUint32(off + 8, p.data.length + 100, true);
        v.setUint32(off + 12, p.data.length, true);
        off += 16 + p.data.length;
      }
      await same(bytes);
      const got = await collect(fromBytes(bytes), { pcapReader: 'pcap-parser' });
      expect(got.records).toHaveLength(pkts.length);
      expect(got.records[0]).toMatchObject({ capLen: pkts[0].data.length, origLen: pkts[0].data.length + 100 });
    }
  });

  it('header-level errors match', async () => {
    await same(writePcap(pkts, { versionMajor: 3 }), [65536]);
    await same(writePcap(pkts, { versionMajor: 3, versionMinor: 4 }), [65536]);
  });
});
