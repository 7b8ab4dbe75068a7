/**
 * The gzip layer against gzip(1)'s rules (RFC 1952 framing done by src/capture/gzip.ts): members
 * one after another, zero padding at the end ignored, other bytes after the last member ignored
 * with a warning and their compressed offset, header fields and the header CRC, trailer checks,
 * and a cut anywhere, each read whole and in awkward chunk sizes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { analyze } from '../../src/analyze.js';
import { describe, expect, it } from 'vitest';
import { GzipError, gunzip, newGunzipReport } from '../../src/capture/gzip.js';
import { patternBytes } from '../helpers/packet-builder.js';
import { chunksOf, fromBytes, gzip, writePcap, type PacketIn } from '../helpers/pcap-writer.js';
import { collect } from './collect.js';

const pkts: PacketIn[] = Array.from({ length: 40 }, (_, i) => ({ tsSec: 1000 + i, tsNanos: 0, data: patternBytes(60 + i, i) }));
const raw = writePcap(pkts);
const gz = gzip(raw);

function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Everything `bytes` inflates to, read in `chunk`-byte pieces. `turn`: each output chunk is held for
 * 5 ms with the event loop turning, as when the CLI waits for stdout, so zlib's work on a block
 * written ahead (its output, its failure) lands while the block before is still being handed out.
 */
async function inflateAll(bytes: Uint8Array, chunk: number, turn = false): Promise<{ out: Uint8Array; report: ReturnType<typeof newGunzipReport>; error: GzipError | null }> {
  const report = newGunzipReport();
  const parts: Uint8Array[] = [];
  let error: GzipError | null = null;
  try {
    for await (const c of gunzip(chunksOf(bytes, chunk), report)) {
      parts.push(c.slice());
      if (turn) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } catch (err) {
    if (!(err instanceof GzipError)) throw err;
    error = err;
  }
  return { out: cat(...parts), report, error };
}

/** A member with every optional header field (RFC 1952 §2.3.1), built by hand around raw DEFLATE data. */
function fancyMember(data: Uint8Array, opts: { breakHeaderCrc?: boolean } = {}): Uint8Array {
  const plain = gzipSync(data);
  const deflateAndTrailer = plain.subarray(10);
  const extra = Buffer.from([0x41, 0x42, 3, 0, 1, 2, 3]); // SI1 SI2 LEN=3 data
  const header = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
    Buffer.from([extra.length, 0]), extra,
    Buffer.from('capture.pcap\0', 'latin1'),
    Buffer.from('a comment\0', 'latin1'),
  ]);
  let hcrc = crc32(header) & 0xffff;
  if (opts.breakHeaderCrc) hcrc ^= 1;
  return cat(header, Uint8Array.of(hcrc & 0xff, hcrc >> 8), deflateAndTrailer);
}

describe('gzip framing', () => {
  it('agrees with zlib on one member, whatever the chunk size', async () => {
    for (const size of [1, 3, 10, 11, 64, 4096, gz.length]) {
      const got = await inflateAll(gz, size);
      expect(got.error).toBeNull();
      expect(got.out).toEqual(raw);
      expect(got.report).toMatchObject({ members: 1, trailing: null, compressedBytes: gz.length });
    }
  });

  it('reads members one after another (cat a.gz b.gz), as gzip -d does', async () => {
    const two = cat(gzip(raw.subarray(0, 500)), gzip(raw.subarray(500)));
    expect(new Uint8Array(gunzipSync(two))).toEqual(raw);
    for (const size of [1, 7, 512, two.length]) {
      const got = await inflateAll(two, size);
      expect(got.error).toBeNull();
      expect(got.out).toEqual(raw);
      expect(got.report.members).toBe(2);
    }
  });

  it('a member with FEXTRA, FNAME, FCOMMENT and FHCRC: fields skipped and the header CRC checked, across chunks', async () => {
    const m = fancyMember(raw);
    for (const size of [1, 2, 5, 13, m.length]) {
      const got = await inflateAll(m, size);
      expect(got.error).toBeNull();
      expect(got.out).toEqual(raw);
    }
    const bad = await inflateAll(fancyMember(raw, { breakHeaderCrc: true }), 3);
    expect(bad.error?.message).toBe('header crc mismatch');
    expect(bad.out.length).toBe(0);
  });

  it('zero padding after the last member is ignored silently (tape blocks), as gzip -d does', async () => {
    for (const pad of [1, 2, 512, 10_000]) {
      const got = await inflateAll(cat(gz, new Uint8Array(pad)), 100);
      expect(got.error).toBeNull();
      expect(got.out).toEqual(raw);
      expect(got.report.trailing).toBeNull();
    }
  });

  it('other bytes after the last member: output complete, reading stops, their offset reported', async () => {
    const cases: [string, Uint8Array, number][] = [
      ['text', new TextEncoder().encode('hello\n'), gz.length],
      ['one byte', Uint8Array.of(0x41), gz.length],
      ['a lone 0x1f at the end', Uint8Array.of(0x1f), gz.length],
      ['0x1f then not 0x8b', Uint8Array.of(0x1f, 0x00, 9, 9), gz.length],
      ['zeros, then text', cat(new Uint8Array(5), new TextEncoder().encode('x')), gz.length],
      ['a second member after zeros', cat(new Uint8Array(3), gz), gz.length],
    ];
    for (const [name, tail, at] of cases) {
      for (const size of [1, 9, 4096]) {
        const got = await inflateAll(cat(gz, tail), size);
        expect(got.error, name).toBeNull();
        expect(got.out, name).toEqual(raw);
        expect(got.report.trailing?.compressedOffset, `${name} in chunks of ${size}`).toBe(at);
        expect(got.report.members).toBe(1);
      }
    }
  });

  it('damaged DEFLATE data: the same output and the same error at any chunk size (file = pipe)', async () => {
    // zlib drops the output of the write that fails; writes used to be cut where chunks ended, so a
    // file (1 MiB reads) and a pipe (64 KiB, or less) lost different records (fuzz seed 20261204b).
    // Random decimal numbers: compressible, so Huffman-coded blocks where damage breaks the decoding.
    let x = 7;
    const text = Array.from({ length: 30_000 }, () => String(((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 12) % 100_000)).join(' ');
    const noise = new TextEncoder().encode(text);
    const z = gzip(noise);
    expect(z.length).toBeGreaterThan(2 * 32 * 1024);
    let decodingErrors = 0;
    for (let at = 4_000; at < z.length - 1000 && decodingErrors < 3; at += 2_011) {
      const bad = z.slice();
      for (let i = 0; i < 64; i++) bad[at + i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
      const first = await inflateAll(bad, 1 << 20);
      // Damage that still decodes is caught by the trailer's CRC-32 after all output: not the case wanted.
      if (first.error === null || first.error.message.startsWith('incorrect data check')) continue;
      decodingErrors++;
      for (const r of await Promise.all([65536, 4096, 1000].map((size) => inflateAll(bad, size)))) {
        expect(r.out.length, `damage at ${at}: ${first.error.message}`).toBe(first.out.length);
        expect(r.out).toEqual(first.out);
        expect(r.error?.message).toBe(first.error.message);
        expect(r.error?.compressedOffset).toBe(first.error.compressedOffset);
      }
    }
    expect(decodingErrors).toBe(3);
  });

  it('damage in a block written ahead (while the block before is handed out): the block before is whole, the error is the later block\'s', async () => {
    // A whole chunk's next block goes to zlib before the last one's output is handed out (gzip.ts
    // write()); its failure must not be put on the block before, nor cost that block its output.
    let x = 11;
    const text = Array.from({ length: 30_000 }, () => String(((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 12) % 100_000)).join(' ');
    const z = gzip(new TextEncoder().encode(text));
    const SLICE = 32 * 1024;
    expect(z.length).toBeGreaterThan(2 * SLICE);
    let seen = 0;
    for (let at = SLICE + 500; at < 2 * SLICE - 500 && seen < 3; at += 997) {
      const bad = z.slice();
      for (let i = 0; i < 64; i++) bad[at + i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
      const whole = await inflateAll(bad, 1 << 20, true);
      // Damage zlib notices only in a later block, or only by the trailer's CRC-32: not the case wanted.
      if (whole.error === null || whole.error.compressedOffset !== SLICE) continue;
      seen++;
      const oneByOne = await inflateAll(bad, 1000); // never a whole next block in a chunk: nothing written ahead
      expect(whole.error.message).toBe(oneByOne.error?.message);
      expect(whole.out).toEqual(oneByOne.out);
      // The first block's output is all there: what zlib makes of its 32 KiB alone.
      const first = await inflateAll(z.subarray(0, SLICE), 1 << 20);
      expect(whole.out.length).toBeGreaterThanOrEqual(first.out.length);
      expect(whole.out.subarray(0, first.out.length)).toEqual(first.out);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('a member whose DEFLATE data ends inside a block written ahead, read with the event loop turning: both members whole (helper-86 review)', async () => {
    // The block handed out took the end of the DEFLATE data seen meanwhile in the block after it as
    // its own: the inflater was closed a block early, the second member's start read as the first's
    // trailer ("incorrect data check"), and the rest of the output lost.
    let x = 5;
    const rand = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24);
    const a = rand(48 * 1024);
    const b = rand(96 * 1024);
    const two = cat(gzip(a), gzip(b));
    for (const size of [1 << 20, 65536]) {
      const got = await inflateAll(two, size, true);
      expect(got.error, `chunks of ${size}`).toBeNull();
      expect(got.out).toEqual(cat(a, b));
      expect(got.report.members).toBe(2);
    }
  });

  it('damage in a member\'s first block: what comes before it is kept, the same at any chunk size (helper-88 audit)', async () => {
    // zlib drops the output of the write that fails. A member's first block is inflated again from
    // its start in 64-byte pieces, so only the failing piece's output is lost: a small, well
    // compressed capture damaged early reported no record at all (exit 2), where gzip -dc gave four.
    let x = 3;
    const lines = Array.from({ length: 4000 }, (_, i) => `GET /item/${i % 97} HTTP/1.1 host=example.test n=${(x = (Math.imul(x, 1103515245) + 12345) >>> 0) % 10}\n`);
    const plain = new TextEncoder().encode(lines.join(''));
    const z = gzip(plain);
    let seen = 0;
    for (let at = 300; at < Math.min(z.length - 100, 32 * 1024) && seen < 3; at += 401) {
      const bad = z.slice();
      bad[at] ^= 0x55;
      const whole = await inflateAll(bad, 1 << 20);
      if (whole.error === null || whole.error.message.startsWith('incorrect')) continue;
      seen++;
      // What comes before the damage is the capture's; between it and where zlib notices, the bytes
      // may be wrong (gzip -dc hands those out as well).
      expect(whole.out.length, `damage at ${at}: ${whole.error.message}`).toBeGreaterThan(256);
      expect(whole.out.subarray(0, 256)).toEqual(plain.subarray(0, 256));
      const m = /in compressed bytes (\d+)-(\d+)/.exec(whole.error.message);
      expect(m, whole.error.message).not.toBeNull();
      expect(Number(m![2]) - Number(m![1]) + 1).toBeLessThanOrEqual(64);
      expect(whole.error.compressedOffset).toBe(Number(m![1]));
      for (const r of await Promise.all([4096, 1000, 97].map((size) => inflateAll(bad, size)))) {
        expect(r.out).toEqual(whole.out);
        expect(r.error?.message).toBe(whole.error.message);
        expect(r.error?.compressedOffset).toBe(whole.error.compressedOffset);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('a damaged trailer: the output is handed out first, then the error names the trailer offset', async () => {
    const crcBad = gz.slice();
    crcBad[gz.length - 8] ^= 0xff;
    const a = await inflateAll(crcBad, 4096);
    expect(a.out).toEqual(raw);
    expect(a.error?.message).toMatch(/^incorrect data check/);
    expect(a.error?.compressedOffset).toBe(gz.length - 8);
    const sizeBad = gz.slice();
    sizeBad[gz.length - 1] ^= 0x01;
    const b = await inflateAll(sizeBad, 7);
    expect(b.error?.message).toMatch(/^incorrect length check/);
    expect(b.error?.compressedOffset).toBe(gz.length - 4);
  });

  it('cut at every length of two members, in 97-byte chunks (1- and 7-byte ones near the edges): output a prefix, and a GzipError unless the cut leaves whole members', async () => {
    const first = gzip(raw.subarray(0, 300));
    const two = cat(first, gzip(raw.subarray(300)));
    const nearEdges = (len: number): boolean => len < 24 || Math.abs(len - first.length) < 12 || two.length - len < 12;
    for (let len = 1; len <= two.length; len++) {
      // Byte-sized chunks (one thread-pool round trip each) only where headers and trailers are cut.
      for (const size of nearEdges(len) ? [1, 7] : [97]) {
        const got = await inflateAll(two.subarray(0, len), size);
        expect(raw.subarray(0, got.out.length)).toEqual(got.out);
        // One byte into the second member is a lone 0x1f: too little to call a member, so trailing bytes.
        const whole = len === first.length || len === first.length + 1 || len === two.length;
        expect(got.error === null, `cut at ${len} in chunks of ${size}`).toBe(whole);
        expect(got.report.trailing !== null).toBe(len === first.length + 1);
        if (got.error) expect(got.error.compressedOffset).toBeLessThanOrEqual(len);
      }
    }
  });
});

describe('gzip captures through readCapture', () => {
  it('a capture followed by text keeps every record, with one GZIP_TRAILING_DATA warning and no GZIP_ERROR', async () => {
    const whole = await collect(fromBytes(raw));
    const got = await collect(fromBytes(cat(gz, new TextEncoder().encode('trailing log line\n'))));
    expect(got.error).toBeNull();
    expect(got.records).toEqual(whole.records);
    expect(got.info.issues).toHaveLength(1);
    expect(got.info.issues[0]).toMatchObject({ code: 'GZIP_TRAILING_DATA', byteOffset: raw.length });
    expect(got.info.issues[0].detail).toContain(`compressed byte ${gz.length} `);
  });

  it('a capture followed by one zero byte is read as if the byte were not there', async () => {
    const whole = await collect(fromBytes(raw));
    const got = await collect(fromBytes(cat(gz, Uint8Array.of(0))));
    expect(got.records).toEqual(whole.records);
    expect(got.info.issues).toEqual([]);
  });

  it('damage after some records is one GZIP_ERROR issue that says where once', async () => {
    // A second member whose deflate data opens with a reserved block type: zlib's message says
    // "(in compressed bytes a-b)" itself, and " at compressed byte a" was added after it.
    const first = gzip(raw.subarray(0, raw.length >> 1));
    const got = await collect(fromBytes(cat(first, Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55))));
    expect(got.records.length).toBeGreaterThan(0);
    const issue = got.info.issues.find((i) => i.code === 'GZIP_ERROR')!;
    expect(issue.detail).toMatch(/^invalid block type \(in compressed bytes \d+-\d+\); reading stopped after \d+ decompressed bytes(;|$)/);
    // The first member ends inside a record: that record's cut follows from the damage, and is
    // said in the same warning, not in a TRUNCATED_RECORD of its own (helper-88 audit).
    expect(got.info.issues.map((i) => i.code)).toEqual(['GZIP_ERROR']);
    expect(issue.detail).toMatch(/; the last record is cut: input ends \d+ bytes into a \d+-byte record/);
  });

  it('a gzip stream cut inside a record header: one GZIP_ERROR warning, which says so', async () => {
    // 24 bytes of file header, then records of 16 + 60.. bytes: cut 5 bytes into the third header.
    const cutAt = 24 + (16 + 60) + (16 + 61) + 5;
    const z = gzip(raw.subarray(0, cutAt));
    const got = await collect(fromBytes(z.subarray(0, z.length - 3))); // and the gzip trailer cut
    expect(got.records.length).toBe(2);
    expect(got.info.issues.map((i) => i.code)).toEqual(['GZIP_ERROR']);
    expect(got.info.issues[0].detail).toMatch(/^unexpected end of file .*; the last record is cut: .*5 bytes into a/);
  });

  /** `bytes` in 4 KiB chunks, telling how much was read and whether the source was read to its end. */
  function watched(bytes: Uint8Array): { source: AsyncIterable<Uint8Array>; seen: { read: number; ended: boolean } } {
    const seen = { read: 0, ended: false };
    const source = (async function* () {
      for (let i = 0; i < bytes.length; i += 4096) { seen.read += Math.min(4096, bytes.length - i); yield bytes.slice(i, i + 4096); }
      seen.ended = true;
    })();
    return { source, seen };
  }

  it('from a pipe, the bytes after the last member and the rest after a corrupt one are read through: its writer gets no SIGPIPE (helper-60 review); a file is left there (helper-61)', async () => {
    const noise = patternBytes(1 << 20, 7); // 1 MiB of bytes that are no gzip member
    const damaged = cat(gzip(raw.subarray(0, raw.length >> 1)), Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0x55, 0x55), noise);
    for (const [name, bytes, code] of [['trailing bytes', cat(gz, noise), 'GZIP_TRAILING_DATA'], ['a corrupt member', damaged, 'GZIP_ERROR']] as const) {
      const pipe = watched(bytes);
      const file = watched(bytes);
      const [fromPipe, fromFile] = [await collect(pipe.source, { readToEnd: true }), await collect(file.source)];
      for (const got of [fromPipe, fromFile]) {
        expect(got.error, name).toBeNull();
        expect(got.info.issues.map((i) => i.code), name).toContain(code);
      }
      expect(fromPipe.info).toEqual(fromFile.info);
      expect(pipe.seen, name).toEqual({ read: bytes.length, ended: true });
      expect(file.seen.read, name).toBeLessThan(bytes.length / 2);
    }
  });

  it('a fatal gzip error leaves the rest unread: nothing is reported, so nothing is waited for', async () => {
    const bytes = cat(gz.subarray(0, 10), Uint8Array.of(0xff, 0xff, 0xff, 0xff), patternBytes(1 << 20, 3));
    const { source, seen } = watched(bytes);
    const got = await collect(source, { readToEnd: true });
    expect(got.error?.code).toBe('GZIP_ERROR');
    expect(seen.ended).toBe(false);
  });

  it('a fatal gzip error names the compressed offset of the damage', async () => {
    const got = await collect(fromBytes(cat(gz.subarray(0, 10), Uint8Array.of(0xff, 0xff, 0xff, 0xff))));
    expect(got.error?.code).toBe('GZIP_ERROR');
    expect(got.error?.byteOffset).toBe(10);
  });
});

describe('gzip captures through analyze()', () => {
  it('every connection of a small gzipped capture, whose records all come out after the compressed bytes ended', async () => {
    // The output of the last block is handed out once the source has no more chunks; the core
    // drained its batch after each source chunk only, so a capture smaller than a block (32 KiB)
    // reported its packets but not one connection (found by fuzz seed 20261204c).
    const plain = readFileSync(fileURLToPath(new URL('../../fixtures/sample/pop3.pcap', import.meta.url)));
    const strip = (r: Awaited<ReturnType<typeof analyze>>) => JSON.stringify({ ...r, inputs: r.inputs.map((i) => ({ ...i, gzip: false })) });
    const want = strip(await analyze([{ name: 'p', bytes: fromBytes(new Uint8Array(plain)) }]));
    for (const size of [1 << 20, 4096, 97]) {
      const got = await analyze([{ name: 'p', bytes: chunksOf(gzip(new Uint8Array(plain)), size) }]);
      expect(got.connections).toHaveLength(7);
      expect(strip(got)).toBe(want);
    }
  });
});

describe('a gzip stream cut before its first whole record', () => {
  it('is one fatal GZIP_ERROR, not that and a TRUNCATED_RECORD issue', async () => {
    const z = gzip(raw);
    for (let len = 40; len < Math.min(z.length, 140); len += 3) {
      const got = await collect(fromBytes(z.subarray(0, len)));
      if (got.records.length > 0) break;
      if (got.error?.code !== 'GZIP_ERROR') continue;
      expect(got.info.issues, `cut at ${len}`).toEqual([]);
    }
  });
});

describe('two gzipped captures concatenated (cat a.pcap.gz b.pcap.gz)', () => {
  it('read as cat a.pcap b.pcap: every record of both, one CONCATENATED_CAPTURE (helper-49 audit: a bogus record, then reading stopped)', async () => {
    const later = writePcap(pkts.map((p) => ({ ...p, tsSec: p.tsSec + 100 })));
    const both = new Uint8Array([...gz, ...gzip(later)]);
    const got = await collect(chunksOf(both, 1000));
    expect(got.error).toBeNull();
    expect(got.records).toHaveLength(80);
    expect(got.records.at(-1)!.frameNo).toBe(80);
    expect(got.info.issues.map((i) => [i.code, i.byteOffset])).toEqual([['CONCATENATED_CAPTURE', raw.length]]);
    const r = await analyze([{ name: 'both.pcap.gz', bytes: fromBytes(both) }]);
    expect([r.stats.records, r.stats.decodeErrors]).toEqual([80, {}]);
  });
});
