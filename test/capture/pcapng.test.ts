import { describe, expect, it } from 'vitest';
import { TCP_ACK } from '../../src/decode/fields.js';
import { MAX_INTERFACES, PCAPNG_MAX_BLOCK, PCAPNG_MAX_READ_BLOCK, PcapngReader } from '../../src/capture/pcapng.js';
import { ethernetIPv4Tcp, nullLink, rawIPv6Tcp, sll, AF_INET6_DARWIN, ETHERTYPE_IPV4, rawIPv4Tcp } from '../helpers/packet-builder.js';
import {
  BT_EPB, BT_ISB, BT_NRB, chunksOf, concatBytes, fromBytes, gzip, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_NULL, LINKTYPE_RAW,
  pcapngBlock, pcapngIdb, pcapngSection, pcapngShb, writePcapng, type PacketIn,
} from '../helpers/pcap-writer.js';
import { collect, content, hex, newInfo } from './collect.js';

const tcp4 = (n: number) => rawIPv4Tcp({ src: '192.0.2.1', dst: '192.0.2.2', sport: 1000 + n, dport: 443, seq: n, flags: TCP_ACK });
const eth = (n: number) => ethernetIPv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 2000 + n, dport: 80, flags: TCP_ACK, payload: n });
const at = (i: number, data: Uint8Array, iface = 0): PacketIn => ({ tsSec: 1_700_000_000 + i, tsNanos: 123_456_000 + i * 1000, data, iface });

/** Every chunking must give the same answer; returns the one-chunk result. */
async function readAll(bytes: Uint8Array) {
  const whole = await collect(fromBytes(bytes));
  for (const size of [1, 3, 13, 100]) {
    const got = await collect(chunksOf(bytes, size));
    expect(got.records).toEqual(whole.records);
    expect(got.info.issues).toEqual(whole.info.issues);
    expect(got.error?.code).toBe(whole.error?.code);
  }
  return whole;
}

describe('pcapng structure', () => {
  it('several interfaces with different link types and resolutions in one section', async () => {
    const bytes = writePcapng([at(0, eth(1), 0), at(1, tcp4(2), 1), at(2, nullLink(AF_INET6_DARWIN, rawIPv6Tcp({ src: '::1', dst: '::1', sport: 1, dport: 2, flags: 0 })), 2), at(3, eth(3), 0)], {
      interfaces: [
        { linkType: LINKTYPE_ETHERNET },
        { linkType: LINKTYPE_RAW, tsresol: 9 },
        { linkType: LINKTYPE_NULL, tsresol: 0x80 | 10, tsoffset: -100 },
      ],
    });
    const got = await readAll(bytes);
    expect(got.records.map((r) => r.linkType)).toEqual([LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_NULL, LINKTYPE_ETHERNET]);
    // 2^-10 s units: 123.458 ms is 126.420992 units, stored as 126 → 123.046875 ms.
    expect(got.records.map((r) => [r.tsSec, r.tsNanos])).toEqual([
      [1_700_000_000, 123_456_000], [1_700_000_001, 123_457_000], [1_700_000_002, 123_046_875], [1_700_000_003, 123_459_000],
    ]);
    expect([...got.info.linkTypes].sort((a, b) => a[0] - b[0])).toEqual([[LINKTYPE_NULL, 1], [LINKTYPE_ETHERNET, 2], [LINKTYPE_RAW, 1]]);
    expect(got.info.precisionDigits).toBe(9);
    expect(got.info.issues).toEqual([]);
  });

  it('BAD_TIMESTAMP: a time past year 275760 (a flipped high bit) keeps the previous record\'s time', async () => {
    const bytes = writePcapng([at(0, eth(0)), at(1, eth(1)), at(2, eth(2))]);
    // The second EPB's timestamp-high word (µs units) with its top bit set: ~2^63 µs, 292,000 years out.
    const shb = pcapngShb().length;
    const idb = pcapngIdb({ linkType: LINKTYPE_ETHERNET }).length;
    const epb0 = 12 + 20 + ((eth(0).length + 3) & ~3);
    const second = shb + idb + epb0;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    v.setUint32(second + 12, v.getUint32(second + 12, true) | 0x80000000, true);
    const got = await readAll(bytes);
    expect(got.records.map((r) => [r.tsSec, r.tsNanos])).toEqual([
      [1_700_000_000, 123_456_000], [1_700_000_000, 123_456_000], [1_700_000_002, 123_458_000],
    ]);
    expect(got.info.issues).toEqual([{ code: 'BAD_TIMESTAMP', byteOffset: second, detail: expect.stringContaining('(-271821 to 275760); record kept at the previous') }]);
    // The first record has no previous one: 1970, and said so.
    const firstBad = writePcapng([at(0, eth(0)), at(1, eth(1))]);
    const w = new DataView(firstBad.buffer, firstBad.byteOffset, firstBad.byteLength);
    w.setUint32(shb + idb + 12, w.getUint32(shb + idb + 12, true) | 0x80000000, true);
    const got2 = await readAll(firstBad);
    expect(got2.records.map((r) => [r.tsSec, r.tsNanos])).toEqual([[0, 0], [1_700_000_001, 123_457_000]]);
    expect(got2.info.issues).toEqual([{ code: 'BAD_TIMESTAMP', byteOffset: shb + idb, detail: expect.stringContaining('kept at 1970-01-01 (it is the first)') }]);
  });

  it('several sections: byte order changes per section, interface ids restart', async () => {
    const bytes = writePcapng([], {
      sections: [
        { bigEndian: false, interfaces: [{ linkType: LINKTYPE_ETHERNET }], items: [at(0, eth(0))] },
        { bigEndian: true, interfaces: [{ linkType: LINKTYPE_RAW, tsresol: 9 }, { linkType: LINKTYPE_ETHERNET }], items: [at(1, tcp4(1), 0), at(2, eth(2), 1)] },
        { bigEndian: false, interfaces: [{ linkType: LINKTYPE_LINUX_SLL }], items: [at(3, sll(ETHERTYPE_IPV4, tcp4(3)), 0)] },
      ],
    });
    const got = await readAll(bytes);
    expect(got.records.map((r) => [r.frameNo, r.linkType])).toEqual([[1, LINKTYPE_ETHERNET], [2, LINKTYPE_RAW], [3, LINKTYPE_ETHERNET], [4, LINKTYPE_LINUX_SLL]]);
    expect(got.records[1].data).toBe(hex(tcp4(1)));
    expect(got.info.byteOrder).toBe('little');
    expect(got.info.issues).toEqual([]);
  });

  it('interface ids do not carry over into the next section', async () => {
    const bytes = concatBytes([
      pcapngSection({ interfaces: [{ linkType: 1 }, { linkType: 101 }], items: [at(0, eth(0))] }),
      pcapngSection({ interfaces: [{ linkType: 1 }], items: [at(1, eth(1), 1), at(2, eth(2), 0)] }),
    ]);
    const got = await readAll(bytes);
    expect(got.records.map((r) => r.tsSec - 1_700_000_000)).toEqual([0, 2]);
    expect(got.info.issues).toEqual([{ code: 'PCAPNG_UNKNOWN_INTERFACE', byteOffset: expect.any(Number), detail: expect.stringContaining('interface 1') }]);
  });

  it('Simple Packet Blocks: interface 0, snaplen-capped, last timestamp seen', async () => {
    const bytes = writePcapng([at(5, eth(0)), { ...at(0, eth(100)), kind: 'spb' }, { ...at(0, eth(10)), kind: 'spb' }], {
      interfaces: [{ linkType: LINKTYPE_ETHERNET, snapLen: 80 }],
    });
    const got = await readAll(bytes);
    const full = eth(100);
    expect(got.records.slice(1).map((r) => [r.tsSec, r.tsNanos, r.capLen, r.origLen])).toEqual([
      [1_700_000_005, 123_461_000, 80, full.length],
      [1_700_000_005, 123_461_000, eth(10).length, eth(10).length],
    ]);
    expect(got.records[1].data).toBe(hex(full.subarray(0, 80)));
  });

  it('obsolete Packet Blocks (type 2) read like EPBs', async () => {
    const pkts = [at(0, eth(1)), at(1, tcp4(2), 1)];
    const ng = writePcapng(pkts.map((p) => ({ ...p, kind: 'pb' as const })), { interfaces: [{ linkType: 1 }, { linkType: 101 }] });
    const epb = writePcapng(pkts, { interfaces: [{ linkType: 1 }, { linkType: 101 }] });
    expect(content((await readAll(ng)).records)).toEqual(content((await readAll(epb)).records));
  });

  it('skips NRB, ISB, custom and unknown blocks by their length', async () => {
    const items = [
      at(0, eth(0)),
      { block: { type: BT_NRB, body: Uint8Array.of(1, 0, 8, 0, 10, 0, 0, 1, 0x61, 0x62, 0x63, 0, 0, 0, 0, 0) } },
      { block: { type: 0x0bad1dea, body: new Uint8Array(1000).fill(0xee) } },
      { block: { type: 0x00000bad, body: new Uint8Array(0) } },
      at(1, eth(1)),
      { block: { type: BT_ISB, body: new Uint8Array(12) } },
    ];
    const got = await readAll(writePcapng([], { sections: [{ items }] }));
    expect(got.records.map((r) => r.frameNo)).toEqual([1, 2]);
    expect(got.info.issues).toEqual([]);
  });

  it('an empty section (no interfaces, no packets) is a valid capture with no records', async () => {
    const got = await readAll(pcapngShb());
    expect(got.error).toBeNull();
    expect(got.records).toEqual([]);
    expect(got.info.format).toBe('pcapng');
  });

  it('big tsoffset and 64-bit timestamps are exact', async () => {
    // 10^-9 units: epoch ns exceed 2^53, so this checks the BigInt path.
    const bytes = writePcapng([{ tsSec: 4_102_444_800, tsNanos: 999_999_999, data: eth(0) }], { interfaces: [{ linkType: 1, tsresol: 9, tsoffset: 4_000_000_000 }] });
    const got = await readAll(bytes);
    expect(got.records.map((r) => [r.tsSec, r.tsNanos])).toEqual([[4_102_444_800, 999_999_999]]);
  });
});

describe('pcapng damage', () => {
  const good = writePcapng([at(0, eth(0)), at(1, eth(1)), at(2, eth(2))]);
  const shbIdb = 28 + 20;
  const block1 = shbIdb + 32 + ((eth(0).length + 3) & ~3);
  const setU32 = (b: Uint8Array, off: number, v: number) => {
    const c = b.slice();
    new DataView(c.buffer).setUint32(off, v, true);
    return c;
  };

  it('trailer length mismatch → PCAPNG_BAD_BLOCK_LENGTH, stop', async () => {
    const len = block1 - shbIdb;
    const got = await readAll(setU32(good, block1 - 4, len + 4));
    expect(got.records).toHaveLength(0);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BAD_BLOCK_LENGTH', shbIdb]]);
    expect(got.info.issues[0].detail).toContain(`${good.length - shbIdb} bytes from this block on were not read`);
  });

  for (const [what, len] of [['zero', 0], ['below 12', 8], ['not a multiple of 4', 42]] as const) {
    it(`block length ${what} → PCAPNG_BAD_BLOCK_LENGTH, stop (and terminates)`, async () => {
      const got = await readAll(setU32(good, block1 + 4, len));
      expect(got.records).toHaveLength(1);
      expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BAD_BLOCK_LENGTH', block1]]);
    });
  }

  it('block length above the bound → PCAPNG_BLOCK_TOO_LARGE without buffering it', async () => {
    const got = await readAll(setU32(good, block1 + 4, PCAPNG_MAX_BLOCK + 4));
    expect(got.records).toHaveLength(1);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BLOCK_TOO_LARGE', block1]]);
  });

  it('caplen past the end of its block → PCAPNG_CAPLEN_EXCEEDS_BLOCK, block skipped, reading goes on', async () => {
    const got = await readAll(setU32(good, block1 + 20, 5000));
    expect(got.records.map((r) => r.tsSec - 1_700_000_000)).toEqual([0, 2]);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_CAPLEN_EXCEEDS_BLOCK', block1]]);
  });

  it('EPB naming an undefined interface → PCAPNG_UNKNOWN_INTERFACE, once with a count', async () => {
    let bytes = setU32(good, block1 + 8, 7);
    bytes = setU32(bytes, shbIdb + 8, 9);
    const got = await readAll(bytes);
    expect(got.records.map((r) => r.tsSec - 1_700_000_000)).toEqual([2]);
    expect(got.info.issues).toEqual([{ code: 'PCAPNG_UNKNOWN_INTERFACE', byteOffset: shbIdb, detail: expect.stringContaining('2 records') }]);    // Ids count from 0: "the section defines 1" of interface 7 read as a contradiction (helper-56).
    expect(got.info.issues[0].detail).toMatch(/^packet block names interface 9, but the section defines only interface 0; block skipped/);
  });

  it('more than MAX_INTERFACES IDBs in a section: the rest noted once and their packets skipped; link types counted per section (helper-52 audit)', async () => {
    const many = Array.from({ length: MAX_INTERFACES + 2 }, (_, i) => ({ linkType: i === MAX_INTERFACES ? LINKTYPE_RAW : LINKTYPE_ETHERNET }));
    const bytes = writePcapng([], {
      sections: [
        { interfaces: many, items: [at(0, eth(1), 0), at(1, tcp4(2), MAX_INTERFACES), at(2, eth(3), MAX_INTERFACES - 1)] },
        // A new section lets the last one's interfaces go; its own count afresh.
        { interfaces: [{ linkType: LINKTYPE_RAW }], items: [at(3, tcp4(4), 0)] },
      ],
    });
    const got = await collect(fromBytes(bytes));
    expect(got.records.map((r) => r.tsSec - 1_700_000_000)).toEqual([0, 2, 3]);
    expect(got.info.issues.map((i) => i.code)).toEqual(['PCAPNG_TOO_MANY_INTERFACES', 'PCAPNG_UNKNOWN_INTERFACE']);
    expect(got.info.issues[0].detail).toContain('(2 records in this input');
    expect(got.info.issues[1].detail).toContain(`names interface ${MAX_INTERFACES}, but the section keeps only interfaces 0-${MAX_INTERFACES - 1} of the ${MAX_INTERFACES + 2} it defines`);
    expect([...got.info.linkTypes].sort((x, y) => x[0] - y[0])).toEqual([[LINKTYPE_ETHERNET, 2], [LINKTYPE_RAW, 1]]);
  });

  it('a later section with a bad byte-order magic → PCAPNG_BAD_SECTION, stop', async () => {
    const second = pcapngShb();
    new DataView(second.buffer).setUint32(8, 0x12345678, true);
    const got = await readAll(concatBytes([good, second, good]));
    expect(got.records).toHaveLength(3);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BAD_SECTION', good.length]]);
  });

  it('a first section with a bad byte-order magic or version is fatal', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(8, 0x12345678, true);
    expect((await readAll(bad)).error?.code).toBe('NOT_A_CAPTURE');
    const v2 = good.slice();
    new DataView(v2.buffer).setUint16(12, 2, true);
    expect((await readAll(v2)).error?.code).toBe('UNSUPPORTED_VERSION');
  });

  it('an IDB too short for its fields is skipped with an issue', async () => {
    const bytes = concatBytes([pcapngShb(), pcapngBlock(1, new Uint8Array(4)), pcapngIdb({ linkType: 101 }), writePcapng([at(0, tcp4(0))]).subarray(48)]);
    const got = await readAll(bytes);
    expect(got.info.issues.map((i) => i.code)).toEqual(['PCAPNG_BAD_BLOCK_LENGTH', 'PCAPNG_UNKNOWN_INTERFACE']);
    expect(got.records).toEqual([]);
  });

  it('EPB type constant matches the spec (§4.3)', () => {
    expect(BT_EPB).toBe(6);
  });
});

describe('blocks we do not read are passed over, not assembled (helper-56 audit: a 64 MiB custom block, 336 MiB with --threads 2)', () => {
  const CUSTOM = 0x00000bad;
  const custom = (bodyLen: number) => ({ block: { type: CUSTOM, body: new Uint8Array(bodyLen).fill(0x55) } });
  const bytes = pcapngSection({ interfaces: [{ linkType: LINKTYPE_ETHERNET }], items: [at(0, eth(0)), custom(200_000), at(1, eth(1)), custom(70_000), custom(10), at(2, eth(2))] });
  const plain = pcapngSection({ interfaces: [{ linkType: LINKTYPE_ETHERNET }], items: [at(0, eth(0)), at(1, eth(1)), at(2, eth(2))] });
  const bigStart = 28 + 20 + 32 + ((eth(0).length + 3) & ~3);

  it('the packets around them read the same in any chunking, and the reader\'s buffer stays small', async () => {
    const want = (await collect(fromBytes(plain))).records.map(({ byteOffset: _, ...r }) => r);
    for (const size of [1, 7, 4096, 65_536, 100_000]) {
      const got = await collect(chunksOf(bytes, size));
      expect(got.info.issues).toEqual([]);
      expect(got.records.map(({ byteOffset: _, ...r }) => r), `chunks of ${size}`).toEqual(want);
    }
    // White-box: what the framer assembled. Before, it grew to hold the whole 200 kB block.
    const reader = new PcapngReader(newInfo(), () => {});
    for (let i = 0; i < bytes.length; i += 4096) reader.push(bytes.subarray(i, i + 4096));
    reader.end();
    expect((reader as unknown as { carry: Uint8Array }).carry.length).toBeLessThanOrEqual(4096);
  });

  it('a passed-over block whose trailing length differs stops reading there, as a read one does', async () => {
    const bad = bytes.slice();
    const len = new DataView(bad.buffer).getUint32(bigStart + 4, true);
    new DataView(bad.buffer).setUint32(bigStart + len - 4, len + 4, true);
    for (const size of [4096, bad.length]) {
      const got = await collect(chunksOf(bad, size));
      expect(got.records).toHaveLength(1);
      expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BAD_BLOCK_LENGTH', bigStart]]);
      expect(got.info.issues[0].detail).toContain(`block length ${len} does not match the trailing copy ${len + 4}`);
    }
  });

  it('an input that ends inside a passed-over block says so, as for any cut block', async () => {
    const cut = bytes.subarray(0, bigStart + 150_000);
    const whole = await collect(fromBytes(cut));
    expect(whole.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([[expect.stringMatching(/TRUNCATED/), bigStart]]);
    for (const size of [4096, 65_536]) {
      const got = await collect(chunksOf(cut, size));
      expect(got.records).toEqual(whole.records);
      expect(got.info.issues).toEqual(whole.info.issues);
    }
  });

  it('a packet block above 16 MiB is PCAPNG_BLOCK_TOO_LARGE (other blocks may reach 64 MiB)', async () => {
    const v = new DataView(plain.slice().buffer);
    v.setUint32(bigStart + 4, PCAPNG_MAX_READ_BLOCK + 4, true);
    const got = await collect(fromBytes(new Uint8Array(v.buffer)));
    expect(got.records).toHaveLength(1);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BLOCK_TOO_LARGE', bigStart]]);
    expect(got.info.issues[0].detail).toContain(`above the ${PCAPNG_MAX_READ_BLOCK}-byte bound for its type`);
  });
});

describe('a gzip stream is not inflated far past where reading stopped (helper-56 audit: a 1 MB gzip of 1 GiB of zeros took 3.2 s)', () => {
  const head = writePcapng([at(0, eth(0))]);
  it('past 16 MiB after the stop, the rest is left alone and the issue says so', async () => {
    const got = await collect(fromBytes(gzip(concatBytes([head, new Uint8Array(64 * 1024 * 1024)]))));
    expect(got.records).toHaveLength(1);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['PCAPNG_BAD_BLOCK_LENGTH', head.length]]);
    expect(got.info.issues[0].detail).toMatch(/reading stopped; the rest of the gzip stream was not decompressed$/);
    expect(got.info.bytes).toBeLessThan(head.length + 17 * 1024 * 1024 + 65_536);
  });
  it('from a pipe the compressed rest is still read to its end, uninflated: its writer is not cut off (helper-59: SIGPIPE); a file is closed there (helper-61)', async () => {
    const gz = gzip(concatBytes([head, new Uint8Array(64 * 1024 * 1024)]));
    for (const readToEnd of [true, false]) {
      let read = 0;
      let ended = false;
      const source = (async function* () {
        for (let i = 0; i < gz.length; i += 4096) { read += Math.min(4096, gz.length - i); yield gz.subarray(i, i + 4096); }
        ended = true;
      })();
      const got = await collect(source, { readToEnd });
      expect(got.info.issues[0].detail).toMatch(/the rest of the gzip stream was not decompressed$/);
      if (readToEnd) expect([read, ended]).toEqual([gz.length, true]);
      else expect(ended).toBe(false);
    }
  });
  it('within 16 MiB the bytes left are still counted, as for a plain input', async () => {
    const plain = concatBytes([head, new Uint8Array(1024 * 1024)]);
    const [gz, raw] = await Promise.all([collect(fromBytes(gzip(plain))), collect(fromBytes(plain))]);
    expect(gz.info.issues).toEqual(raw.info.issues);
    expect(gz.info.issues[0].detail).toMatch(/; 1048576 bytes from this block on were not read$/);
  });
});
