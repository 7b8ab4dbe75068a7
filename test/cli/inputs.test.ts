/**
 * Capture files as byte sources: a file still being written is read, with `limit`, to the size it
 * had when the run began. Shards each read the whole file; without the limit a capture growing
 * under `tcpdump -w` gave each shard a different capture, and the merge mixed them.
 */
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { appendFileSync, mkdtempSync, promises as fsPromises, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { declaredTimes, openInput, READ_CHUNK_BYTES, timeOrder } from '../../src/cli/inputs.js';
import { pcapngBlock, writePcap, writePcapng } from '../helpers/pcap-writer.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfa-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every byte the source yields, with `grow` called after the first chunk. */
async function readAll(file: string, limit: number | undefined, grow: () => void = () => {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  let first = true;
  for await (const chunk of openInput(file, { limit }).bytes) {
    parts.push(Buffer.from(chunk)); // the reader reuses its buffer
    if (first) grow();
    first = false;
  }
  return Buffer.concat(parts);
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

test('a file growing while it is read: with a limit, the bytes it had; without, the bytes it grew to', async () => {
  const file = join(tmp, 'growing.bin');
  const start = pattern(2 * READ_CHUNK_BYTES + 12345, 1);
  const more = pattern(READ_CHUNK_BYTES + 77, 2);
  writeFileSync(file, start);
  expect((await readAll(file, start.length, () => appendFileSync(file, more))).equals(start)).toBe(true);
  writeFileSync(file, start);
  expect((await readAll(file, undefined, () => appendFileSync(file, more))).equals(Buffer.concat([start, more]))).toBe(true);
});

test('limits at, inside and past chunk boundaries; a file shorter than its limit is read whole', async () => {
  const file = join(tmp, 'fixed.bin');
  const all = pattern(3 * READ_CHUNK_BYTES + 5, 3);
  writeFileSync(file, all);
  for (const limit of [0, 1, READ_CHUNK_BYTES - 1, READ_CHUNK_BYTES, READ_CHUNK_BYTES + 1, 3 * READ_CHUNK_BYTES, all.length, all.length + 1000]) {
    const got = await readAll(file, limit);
    expect(got.length).toBe(Math.min(limit, all.length));
    expect(got.equals(all.subarray(0, got.length))).toBe(true);
  }
});

test('timeOrder: files by their first records, ties in the order given; what has no known first record keeps its place', () => {
  const t = (s: number, ns = 0): [number, number] => [s, ns];
  expect(timeOrder(['c', 'b', 'a'], [t(30), t(20), t(10)])).toEqual(['a', 'b', 'c']);
  expect(timeOrder(['x', 'y', 'z'], [t(5, 2), t(5, 1), t(5, 2)])).toEqual(['y', 'x', 'z']);
  // Standard input and an unreadable file stay where they were given; the files around them are sorted.
  expect(timeOrder(['late', '-', 'early', 'bad', 'mid'], [t(9), null, t(1), null, t(5)])).toEqual(['early', '-', 'mid', 'bad', 'late']);
  expect(timeOrder(['a', 'a'], [t(1), t(1)])).toEqual(['a', 'a']);
  expect(timeOrder([], [])).toEqual([]);
});

test('declaredTimes: a first record larger than the 64 KiB probe still orders its file (helper-50 review: loopback and BIG TCP captures kept their place)', async () => {
  const big = new Uint8Array(200_000);
  const older = join(tmp, 'older-big.pcap');
  const newer = join(tmp, 'newer.pcap');
  const olderNg = join(tmp, 'older-big.pcapng');
  writeFileSync(older, writePcap([{ tsSec: 1000, tsNanos: 0, data: big }, { tsSec: 1001, tsNanos: 0, data: big }], { snapLen: 262144 }));
  writeFileSync(newer, writePcap([{ tsSec: 2000, tsNanos: 0, data: new Uint8Array(60) }]));
  writeFileSync(olderNg, writePcapng([{ tsSec: 500, tsNanos: 0, data: big }]));
  const d = await declaredTimes([newer, older, olderNg]);
  expect(d.order).toEqual([olderNg, older, newer]);
  expect(d.start).toEqual([500, 0]);
});

test('declaredTimes: a pcapng section header longer than the probe is read on; a first record that stops the reader is not (helper-51 review)', async () => {
  // An SHB with a 100 kB comment (tshark reads it), then the blocks writePcapng writes after its own SHB.
  const comment = new Uint8Array(100_000).fill(0x61);
  const body = new Uint8Array(16 + 4 + comment.length + 4);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, true);
  v.setUint16(4, 1, true);
  v.setInt32(8, -1, true); v.setInt32(12, -1, true);
  v.setUint16(16, 1, true); v.setUint16(18, comment.length, true);
  body.set(comment, 20);
  const ng = writePcapng([{ tsSec: 700, tsNanos: 0, data: new Uint8Array(60) }]);
  const rest = ng.subarray(new DataView(ng.buffer, ng.byteOffset).getUint32(4, true));
  const longShb = join(tmp, 'long-shb.pcapng');
  writeFileSync(longShb, new Uint8Array([...pcapngBlock(0x0a0d0d0a, body), ...rest]));
  const newer = join(tmp, 'newer2.pcap');
  writeFileSync(newer, writePcap([{ tsSec: 2000, tsNanos: 0, data: new Uint8Array(60) }]));
  expect((await declaredTimes([newer, longShb])).order).toEqual([longShb, newer]);
  // A first record claiming 4 GB: reading on would not mend it, so the file keeps its place, read once.
  const corrupt = writePcap([{ tsSec: 100, tsNanos: 0, data: new Uint8Array(60) }]);
  new DataView(corrupt.buffer).setUint32(24 + 8, 0xfffff000, true);
  const big = new Uint8Array(8 << 20);
  big.set(corrupt);
  const bad = join(tmp, 'corrupt-first.pcap');
  writeFileSync(bad, big);
  // The same for every issue that stops a reader: a pcapng block whose length is not a multiple of 4.
  const ngBad = writePcapng([{ tsSec: 100, tsNanos: 0, data: new Uint8Array(60) }]);
  const dv = new DataView(ngBad.buffer, ngBad.byteOffset);
  dv.setUint32(dv.getUint32(4, true) + 4, 13, true); // the block after the section header
  const bigNg = new Uint8Array(8 << 20);
  bigNg.set(ngBad);
  const badNg = join(tmp, 'corrupt-first.pcapng');
  writeFileSync(badNg, bigNg);
  const opens = vi.spyOn(fsPromises, 'open');
  try {
    expect((await declaredTimes([bad])).order).toEqual([bad]);
    expect(opens).toHaveBeenCalledTimes(1); // was 8: 64 KiB, 128 KiB, ... 8 MiB
    expect((await declaredTimes([badNg])).order).toEqual([badNg]);
    expect(opens).toHaveBeenCalledTimes(2);
  } finally {
    opens.mockRestore();
  }
});

test('a pipe is read to its end, a regular file is not (readToEnd: helper-60 and helper-61 reviews)', () => {
  const file = join(tmp, 'regular.pcap');
  writeFileSync(file, writePcap([]));
  expect(openInput(file).readToEnd).toBe(false);
  const fifo = join(tmp, 'named.fifo');
  execFileSync('mkfifo', [fifo]);
  expect(openInput(fifo).readToEnd).toBe(true);
  expect(openInput('-', { stdin: () => (async function* () {})() }).readToEnd).toBe(true);
  expect(openInput(join(tmp, 'missing.pcap')).readToEnd).toBe(false); // the reader says why it cannot open it
});

/**
 * A source that hands out a fresh buffer per read (a FIFO or `<(tcpdump -w -)` through
 * createReadStream, a socket on stdin, the stdin thread's partial chunks of a live capture) must not
 * have its chunks kept once they are consumed. Each chunk was raced against one promise kept for the
 * whole input (the interruption), and every race's reaction stayed on it holding its chunk: 200 MB
 * through `<(...)` peaked at 359 MB (robustness.md 88).
 */
test('chunks already consumed are not kept alive while an interruptible input is still being read', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const N = 48;
  const refs: WeakRef<Uint8Array>[] = [];
  const fresh = async function* (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < N; i++) {
      const c = new Uint8Array(64 << 10);
      refs.push(new WeakRef(c));
      yield c;
    }
  };
  for (const label of ['stdin', 'stdin, with a backpressure wait per chunk']) {
    refs.length = 0;
    const interrupt = new AbortController();
    const waitForOutput = label.includes('backpressure') ? (): Promise<void> => Promise.resolve() : undefined;
    const it = openInput('-', { stdin: fresh, interrupt: interrupt.signal, waitForOutput }).bytes[Symbol.asyncIterator]();
    for (let i = 0; i < N; i++) expect((await it.next()).done).toBe(false);
    // Still reading (the input has not ended, nothing was interrupted): the WeakRefs are cleared
    // only after the job that made them, and only for what nothing holds.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const alive = refs.slice(0, N - 2).filter((r) => r.deref() !== undefined).length;
    expect(alive, label).toBe(0);
    expect((await it.next()).done).toBe(true);
  }
});
