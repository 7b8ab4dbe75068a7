/**
 * gunzip on a thread of its own (src/capture/gunzip-thread.ts) against gunzip() on this one: the
 * same output, the same errors with the same offsets, the same report, and the same treatment of
 * the compressed input (closed, or left open for a pipe to be read through), for whole, damaged,
 * cut, padded and interrupted streams, whatever the chunking. The worker script exists only in
 * the build, so this runs against dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as Gzip from '../../src/capture/gzip.js';
import type * as Thread from '../../src/capture/gunzip-thread.js';
import type * as Protocol from '../../src/capture/gunzip-protocol.js';
import type * as Record from '../../src/capture/record.js';
import type * as Open from '../../src/capture/open.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { writePcap, type PacketIn } from '../helpers/pcap-writer.js';

let gz: typeof Gzip;
let thread: typeof Thread;
let protocol: typeof Protocol;
let record: typeof Record;
let open: typeof Open;

const dist = (p: string): string => pathToFileURL(path.join(REPO_ROOT, 'dist', p)).href;

beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'dist/capture/gunzip-worker.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  }
  gz = (await import(dist('capture/gzip.js'))) as typeof Gzip;
  thread = (await import(dist('capture/gunzip-thread.js'))) as typeof Thread;
  protocol = (await import(dist('capture/gunzip-protocol.js'))) as typeof Protocol;
  record = (await import(dist('capture/record.js'))) as typeof Record;
  open = (await import(dist('capture/open.js'))) as typeof Open;
  expect(thread.gunzipThreadBuilt()).toBe(true);
});

/** Pseudo-random bytes that compress about 2:1 (a capture's headers and payloads, roughly). */
function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = i % 4 < 2 ? (i >> 6) & 0xff : x & 0xff;
  }
  return out;
}

const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A source in chunks of `size`, which records what was asked of it; it may fail at chunk `failAt`. */
function source(bytes: Uint8Array, size: number, failAt = -1, failure: () => Error = () => new Error('read failed')) {
  const seen = { chunks: 0, returned: false, ended: false };
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      let off = 0;
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          await Promise.resolve();
          if (seen.chunks === failAt) throw failure();
          if (off >= bytes.length) {
            seen.ended = true;
            return { done: true, value: undefined };
          }
          // The same memory every time, and a Buffer, as the CLI's file reader gives: a chunk is dead
          // once the next is asked for (and a Buffer's slice() is a view, not a copy).
          const c = Buffer.from(shared.buffer, 0, Math.min(size, bytes.length - off));
          c.set(bytes.subarray(off, off + c.length));
          off += c.length;
          seen.chunks++;
          return { done: false, value: c };
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          seen.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  const shared = new Uint8Array(size);
  return { iterable, seen };
}

interface Outcome {
  out: Uint8Array;
  /** The length of each chunk handed out. */
  lengths: number[];
  error: { name: string; message: string; offset: number | null } | null;
  errorObject: unknown;
  report: { members: number; trailing: unknown; compressedBytes: number };
  returned: boolean;
  ended: boolean;
  largest: number;
}

interface Run {
  size?: number;
  readThrough?: boolean;
  failAt?: number;
  failure?: () => Error;
  /** Hold each output chunk this many ms with the event loop turning (a slow consumer). */
  holdMs?: number;
  /** Set the report's drainOnly after this many output chunks. */
  drainAfter?: number;
  /** Stop asking after this many output chunks (break). */
  breakAfter?: number;
}

async function run(bytes: Uint8Array, threaded: boolean, o: Run = {}): Promise<Outcome> {
  const report = gz.newGunzipReport();
  report.readThrough = o.readThrough === true;
  const src = source(bytes, o.size ?? 1 << 20, o.failAt, o.failure);
  const it = threaded ? thread.gunzipOnThread(src.iterable, report)! : gz.gunzip(src.iterable, report);
  const parts: Uint8Array[] = [];
  const lengths: number[] = [];
  let largest = 0;
  let error: Outcome['error'] = null;
  let errorObject: unknown = null;
  try {
    for await (const c of it) {
      if (report.drainOnly) continue;
      parts.push(c.slice());
      lengths.push(c.length);
      largest = Math.max(largest, c.length);
      if (o.holdMs !== undefined) await new Promise((resolve) => setTimeout(resolve, o.holdMs));
      if (parts.length === o.drainAfter) report.drainOnly = true;
      if (parts.length === o.breakAfter) break;
    }
  } catch (err) {
    errorObject = err;
    const e = err as Error & { compressedOffset?: number; byteOffset?: number };
    error = { name: e.name, message: e.message, offset: e.compressedOffset ?? e.byteOffset ?? null };
  }
  // Closing the input may wait for a read in flight; a turn of the event loop lets it settle.
  await new Promise((resolve) => setImmediate(resolve));
  const { members, trailing, compressedBytes } = report;
  return { out: cat(...parts), lengths, error, errorObject, report: { members, trailing, compressedBytes }, returned: src.seen.returned, ended: src.seen.ended, largest };
}

/**
 * Both ways, compared; returns the threaded outcome. The output is cut in other places (batches,
 * not zlib's pieces), so where the consumer stops after some chunks only a prefix is compared.
 */
async function same(bytes: Uint8Array, o: Run = {}): Promise<Outcome> {
  const here = await run(bytes, false, o);
  const there = await run(bytes, true, o);
  if (o.drainAfter !== undefined || o.breakAfter !== undefined) {
    const n = Math.min(here.out.length, there.out.length);
    expect(Buffer.from(there.out.subarray(0, n)).equals(Buffer.from(here.out.subarray(0, n)))).toBe(true);
  } else {
    expect(Buffer.from(there.out).equals(Buffer.from(here.out)), `output: ${there.out.length} against ${here.out.length} bytes`).toBe(true);
    // In the same chunks: what the reader counts after it stopped is counted by chunks (helper-90
    // review: inputs[].bytes varied from run to run with the thread's 1 MiB batches).
    expect(there.lengths).toEqual(here.lengths);
  }
  expect(there.error).toEqual(here.error);
  expect(there.report.members).toBe(here.report.members);
  expect(there.report.trailing).toEqual(here.report.trailing);
  expect(there.returned).toBe(here.returned);
  return there;
}

const big = sample(9 << 20, 7); // 9 MiB: more batches than the thread may hold ahead
const bigGz = gzipSync(big, { level: 1 });

describe('gunzip on a thread, against gunzip here', () => {
  it('a large stream: the same bytes in batches of at most BATCH_BYTES, at any chunk size and with a slow consumer', async () => {
    expect(bigGz.length).toBeGreaterThan(2 << 20);
    for (const size of [1 << 20, 65536, 4093]) {
      const r = await same(bigGz, { size });
      expect(r.out.length).toBe(big.length);
      expect(r.error).toBeNull();
      expect(r.largest).toBeLessThanOrEqual(protocol.BATCH_BYTES);
      expect(r.ended).toBe(true);
    }
    const slow = await same(bigGz.subarray(0, 3 << 20), { holdMs: 2 });
    expect(slow.error?.message).toMatch(/unexpected end of file/);
  });

  it('members one after another, zero padding, and other bytes after the last member (reported, and where)', async () => {
    const two = cat(gzipSync(big.subarray(0, 300_000)), gzipSync(big.subarray(300_000, 2_000_000)));
    const r = await same(cat(two, new Uint8Array(1000)));
    expect(r.report.members).toBe(2);
    const atEnd = await same(cat(two, new TextEncoder().encode('a log line\n')), { size: 4096 });
    expect(atEnd.report.trailing).not.toBeNull();
    const t = await same(cat(two, new TextEncoder().encode('a log line\n'), new Uint8Array(3 << 20)), { size: 4096 });
    expect(t.report.trailing).not.toBeNull();
    expect(t.returned).toBe(true); // a file is closed where reading stopped
    expect(t.ended).toBe(false);
    const pipe = await same(cat(two, new TextEncoder().encode('a log line\n'), new Uint8Array(3 << 20)), { readThrough: true });
    expect(pipe.returned).toBe(false); // a pipe is left open, to be read through
  });

  it('damage anywhere: the same output before it and the same error at the same compressed offset', async () => {
    const z = gzipSync(big.subarray(0, 3 << 20), { level: 6 });
    let errors = 0;
    for (const at of [40, 900, 20_000, 33_000, 500_000, 1_500_000, z.length - 8, z.length - 2]) {
      const bad = z.slice();
      bad[at] ^= 0x5a;
      for (const size of [1 << 20, 7001]) {
        const r = await same(bad, { size });
        if (r.error !== null) errors++;
        for (const readThrough of [true]) await same(bad, { size, readThrough });
      }
    }
    expect(errors).toBeGreaterThan(8);
  });

  it('cut anywhere: a prefix of the output and the same error', async () => {
    for (const len of [5, 10, 11, 5000, 40_000, bigGz.length >> 1, bigGz.length - 9, bigGz.length - 1]) {
      const r = await same(bigGz.subarray(0, len), { size: 8191 });
      expect(Buffer.from(big.subarray(0, r.out.length)).equals(Buffer.from(r.out))).toBe(true);
      expect(r.error?.name).toBe('GzipError');
    }
  });

  it('an input that fails: the output before it, then the input\'s own error object', async () => {
    const boom = new Error('EIO');
    const r = await same(bigGz, { size: 65536, failAt: 20, failure: () => boom });
    expect(r.errorObject).toBe(boom);
    expect(r.out.length).toBeGreaterThan(0);
  });

  it('an interrupted input: the block being gathered is inflated, then the interruption is thrown as it was', async () => {
    const stop = new record.CaptureError('INTERRUPTED', 0, 'interrupted by SIGINT');
    const r = await same(bigGz, { size: 5000, failAt: 30, failure: () => stop });
    expect(r.errorObject).toBe(stop);
    // 30 chunks of 5000 bytes: past the last whole 32 KiB block, the gathered one is inflated too.
    const whole = await run(bigGz.subarray(0, 147_456), false, { size: 5000 });
    expect(r.out.length).toBeGreaterThan(whole.out.length);
  });

  it('the reader stops taking (drainOnly): a pipe is read to its end, a file is closed', async () => {
    const pipe = await same(bigGz, { drainAfter: 1, readThrough: true });
    expect(pipe.ended).toBe(true);
    expect(pipe.returned).toBe(false);
    const file = await same(bigGz, { drainAfter: 1 });
    expect(file.returned).toBe(true);
    expect(file.ended).toBe(false);
  });

  it('a consumer that stops asking: the input is closed and nothing is left running', async () => {
    const r = await same(bigGz, { breakAfter: 2 });
    expect(r.returned).toBe(true);
    expect(r.out.length).toBeGreaterThan(0);
  });
});

describe('readCapture and the gunzip thread', () => {
  const pkts: PacketIn[] = Array.from({ length: 6000 }, (_, i) => ({ tsSec: 1000 + i, tsNanos: i, data: sample(900 + (i % 500), i + 1) }));
  const pcap = writePcap(pkts);
  const file = gzipSync(pcap, { level: 1 });

  async function read(bytes: Uint8Array, opts: Open.ReadCaptureOptions) {
    const info = record.newCaptureInfo();
    const lengths: number[] = [];
    let error: string | null = null;
    try {
      await open.readCapture(source(bytes, 1 << 20).iterable, info, (r) => void lengths.push(r.capLen, r.tsNanos), opts);
    } catch (err) {
      error = (err as Error).message;
    }
    return { lengths, issues: info.issues, records: info.records, bytes: info.bytes, error };
  }

  it('a file inflated on the thread: every record, the same issues as inflated here, damaged or not', async () => {
    const here = await read(file, { gunzipThread: false });
    expect(here.records).toBe(6000);
    expect(await read(file, { gunzipThread: true })).toEqual(here);
    expect(await read(file, { size: open.GZIP_THREAD_MIN + 1 })).toEqual(here);
    const bad = file.slice();
    bad[file.length >> 1] ^= 0x77;
    const badHere = await read(bad, { gunzipThread: false });
    expect(badHere.issues.map((i) => i.code)).toContain('GZIP_ERROR');
    expect(await read(bad, { gunzipThread: true })).toEqual(badHere);
    expect(await read(bad, { readToEnd: true })).toEqual(badHere);
  });

  it('a gzip input refused after it was inflated from: its thread is ended (helper-91 review: one left running for each)', async () => {
    const terminate = Worker.prototype.terminate;
    let ended = 0;
    Worker.prototype.terminate = function (this: Worker) {
      ended++;
      return terminate.call(this);
    };
    try {
      const notCapture = gzipSync(sample(300_000, 9));
      const info = record.newCaptureInfo();
      await expect(open.readCapture(source(notCapture, 1 << 20).iterable, info, () => {}, { gunzipThread: true })).rejects.toThrow(/not a pcap or pcapng file/);
      expect(ended).toBe(1);
    } finally {
      Worker.prototype.terminate = terminate;
    }
  });

  it('a gzip pipe that holds no capture is refused at once, though its writer has not closed it (helper-90 review)', async () => {
    // The thread's reader waits for the pipe's next bytes; refusing the input must not wait for them.
    // More than a 32 KiB block of compressed bytes, so that some output comes before the end.
    const text = gzipSync(sample(300_000, 5));
    expect(text.length).toBeGreaterThan(64 * 1024);
    let returned = false;
    const quiet: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        let sent = false;
        return {
          next: async (): Promise<IteratorResult<Uint8Array>> => {
            if (!sent) {
              sent = true;
              return { done: false, value: text };
            }
            return new Promise(() => {}); // the writer is still there, and quiet
          },
          return: async (): Promise<IteratorResult<Uint8Array>> => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const info = record.newCaptureInfo();
    await expect(open.readCapture(quiet, info, () => {}, { readToEnd: true })).rejects.toThrow(/not a pcap or pcapng file/);
    expect(returned).toBe(false); // (its read never settles: nothing closes it under that read)
  }, 10_000);
});
