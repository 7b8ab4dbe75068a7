/**
 * The streaming merge of sharded NDJSON (threads/shard-merger.ts): the lines 2 and 3 shards write
 * with placeholder ids, fed in batches of random sizes and in random interleavings, come out as the
 * single run's bytes, with its peak count. Also: port reuse with the earlier connection in the
 * message, an input name that looks like a message, and the merge's refusals.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CaptureClock } from '../../src/capture/clock.js';
import { resolveSettings, runCore } from '../../src/core.js';
import { ConnectionDigest, digestConnection } from '../../src/analysis/digest.js';
import { AT_END, type Shard } from '../../src/flow/tracker.js';
import { NdjsonLineBatcher } from '../../src/report/ndjson.js';
import { ShardMerger, type ShardBatch } from '../../src/threads/shard-merger.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { allCaptureFiles, generatedMix, generatedSlow } from './capture-files.js';

interface Line { bytes: Buffer; ordinal: number; phase: number; sub: number; id: number; refs: boolean; prev: number }
interface ShardRun { lines: Line[]; created: number[]; lastOrdinal: number; peak: number }

/** Lines as the CLI writes them (NdjsonLineBatcher.digest), each on its own, with its key. */
async function render(file: string, name: string, shard?: Shard): Promise<ShardRun> {
  const settings = resolveSettings({});
  const clock = new CaptureClock();
  const digest = new ConnectionDigest();
  const lines: Line[] = [];
  const created: number[] = [];
  let pending: Buffer[] = [];
  const batcher = new NdjsonLineBatcher((chunk) => { pending.push(Buffer.from(chunk as Uint8Array)); return true; });
  let lastOrdinal = -1;
  const core = await runCore([{ name, bytes: fromBytes(readFileSync(file)) }], settings, clock, {
    ladder: false,
    shard,
    created: (ordinal) => created.push(ordinal),
    finished: (c, ended, endNanos, key) => {
      const refs = c.portReusePrevId > 0;
      batcher.digest(digestConnection(c, ended, endNanos, clock, settings, digest));
      batcher.flush();
      lines.push({ bytes: Buffer.concat(pending), ordinal: key.ordinal, phase: key.phase, sub: key.sub, id: c.id, refs, prev: c.portReusePrevId });
      pending = [];
      if (key.ordinal !== AT_END) lastOrdinal = Math.max(lastOrdinal, key.ordinal);
    },
  });
  return { lines, created, lastOrdinal: Math.max(lastOrdinal, created.at(-1) ?? -1), peak: core.stats.peakConnections };
}

/** A deterministic stream of numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** The shard's lines cut into batches at random watermarks, as a worker would send them. */
function batches(shard: number, run: ShardRun, end: number, rand: () => number): ShardBatch[] {
  const out: ShardBatch[] = [];
  let li = 0;
  let ci = 0;
  let w = -1;
  let sub: number | undefined;
  // The floor a batch may carry: the smallest placeholder the shard's later lines carry or name
  // (the tightest Tracker.referableFloor could give).
  const later = new Array<number>(run.lines.length + 1).fill(end + 2);
  for (let i = run.lines.length - 1; i >= 0; i--) {
    const l = run.lines[i];
    later[i] = Math.min(later[i + 1], l.id, l.prev > 0 ? l.prev : Infinity);
  }
  while (w !== AT_END || sub !== undefined) {
    const step = 1 + Math.floor(rand() * Math.max(1, end / (rand() < 0.5 ? 4 : 64)));
    const lines: Line[] = [];
    if (w !== AT_END) {
      w = w + step >= end ? AT_END : w + step;
      while (li < run.lines.length && run.lines[li].ordinal <= w && run.lines[li].ordinal !== AT_END) lines.push(run.lines[li++]);
      // What is left at the end of the capture goes out in id order, a few lines at a time
      // (watermarkSub), as a worker sends it; a shard with none left ends at once.
      if (w === AT_END) sub = -1;
    }
    if (sub !== undefined) {
      const take = Math.min(run.lines.length - li, Math.floor(rand() * 4));
      for (let k = 0; k < take; k++) lines.push(run.lines[li++]);
      sub = li < run.lines.length ? (take > 0 ? run.lines[li - 1].sub : sub) : undefined;
    }
    const created: number[] = [];
    while (ci < run.created.length && run.created[ci] <= w) created.push(run.created[ci++]);
    const ends: number[] = [];
    let n = 0;
    for (const l of lines) { n += l.bytes.length; ends.push(n); }
    out.push({
      shard,
      bytes: Buffer.concat(lines.map((l) => l.bytes)),
      ends,
      keys: lines.flatMap((l) => [l.ordinal, l.phase, l.sub]),
      ids: lines.map((l) => l.id),
      refs: lines.map((l) => l.refs),
      created,
      watermark: w,
      ...(sub !== undefined ? { watermarkSub: sub } : {}),
      ...(rand() < 0.7 ? { floor: later[li] } : {}),
    });
  }
  return out;
}

async function checkMerge(file: string, name = file): Promise<number> {
  const single = await render(file, name);
  const want = Buffer.concat(single.lines.map((l) => l.bytes));
  for (const count of [2, 3]) {
    const runs: ShardRun[] = [];
    for (let index = 0; index < count; index++) runs.push(await render(file, name, { index, count }));
    const end = Math.max(...runs.map((r) => r.lastOrdinal)) + 1;
    for (const seed of [1, 2]) {
      const rand = rng(seed * 31 + count);
      const queues = runs.map((r, s) => batches(s, r, end, rand));
      const got: Buffer[] = [];
      let pushed = 0;
      const done = new Set<ShardBatch>();
      const m = new ShardMerger(count, (chunk) => { got.push(Buffer.from(chunk)); return seed === 1; }, 4096, (b) => {
        // Once per batch, and only after all of its lines went out.
        expect(done.has(b)).toBe(false);
        done.add(b);
      });
      // Interleave the shards' batches at random, each shard's in order.
      while (queues.some((q) => q.length > 0)) {
        const live = queues.filter((q) => q.length > 0);
        m.push(live[Math.floor(rand() * live.length)].shift()!);
        pushed++;
      }
      m.finish();
      expect(done.size).toBe(pushed);
      const merged = Buffer.concat(got);
      expect(merged.length).toBe(want.length);
      expect(merged.equals(want)).toBe(true);
      expect(m.peak).toBe(single.peak);
    }
  }
  return single.lines.length;
}

describe('sharded NDJSON merge', () => {
  const files = [...allCaptureFiles(), generatedMix(), generatedSlow()];
  let lines = 0;

  test.each(files.map((f) => [path.basename(f), f]))('%s: merged bytes are the single run\'s', async (_name, file) => {
    lines += await checkMerge(file);
  });

  test('port reuse: the earlier connection renumbered in portReuse, details and messages', async () => {
    const file = path.join(REPO_ROOT, 'fixtures/generated/tuple-reuse.pcap');
    const single = await render(file, file);
    const text = Buffer.concat(single.lines.map((l) => l.bytes)).toString();
    expect(text).toMatch(/after connection \d+/);
    expect(text).toMatch(/"portReuse":\{"previousId":\d+/);
    expect(await checkMerge(file)).toBeGreaterThan(1);
  });

  test('an input named like a message is left alone', async () => {
    const file = path.join(REPO_ROOT, 'fixtures/generated/tuple-reuse.pcap');
    expect(await checkMerge(file, '/tmp/4-tuple reused 1 s after connection 123/x.pcap')).toBeGreaterThan(1);
  });

  test('the captures above had lines to merge', () => {
    expect(lines).toBeGreaterThan(800);
  });

  test('the floors let the merge forget creations: it holds what the shards track, not the capture', () => {
    // 20,000 connections, each created at ordinal i (shard i % 2) and retired two segments later.
    const N = 20_000;
    const per = 10;
    const queues: ShardBatch[][] = [[], []];
    for (let s = 0; s < 2; s++) {
      const mine = Array.from({ length: N / 2 }, (_, k) => 2 * k + s);
      for (let j = 0; j < mine.length; j += per) {
        const part = mine.slice(j, j + per);
        const text = part.map((i) => `{"type":"connection","id":${i + 1},"x":1}\n`).join('');
        let n = 0;
        const ends = part.map((i) => (n += `{"type":"connection","id":${i + 1},"x":1}\n`.length));
        const last = part[part.length - 1];
        queues[s].push({
          shard: s, bytes: new Uint8Array(Buffer.from(text)), ends, keys: part.flatMap((i) => [i + 2, 0, i + 1]),
          ids: part.map((i) => i + 1), refs: part.map(() => false), created: part,
          watermark: j + per >= mine.length ? AT_END : last + 1,
          // The next line of this shard names its own connection only, created at last + 2.
          floor: last + 3,
        });
      }
    }
    let out = '';
    let most = 0;
    const m = new ShardMerger(2, (chunk) => { out += Buffer.from(chunk).toString(); });
    while (queues[0].length > 0 || queues[1].length > 0) {
      for (const q of queues) if (q.length > 0) m.push(q.shift()!);
      most = Math.max(most, m.creationsHeld);
    }
    m.finish();
    const want = Array.from({ length: N }, (_, i) => `{"type":"connection","id":${i + 1},"x":1}\n`).join('');
    expect(out === want).toBe(true);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(100);
    // Without the floors, every creation stays.
    const kept = new ShardMerger(1, () => {});
    kept.push({ shard: 0, bytes: new Uint8Array(0), ends: [], keys: [], ids: [], refs: [], created: [0, 1, 2], watermark: AT_END });
    expect(kept.creationsHeld).toBe(3);
  });

  test('refusals: a watermark going back, unfinished shards, a line without its id', () => {
    const empty = (shard: number, watermark: number): ShardBatch =>
      ({ shard, bytes: new Uint8Array(0), ends: [], keys: [], ids: [], refs: [], created: [], watermark });
    const m = new ShardMerger(2, () => {});
    m.push(empty(0, 5));
    expect(() => m.push(empty(0, 4))).toThrow(/went back/);
    expect(() => m.finish()).toThrow(/not finished/);
    const bad = new ShardMerger(1, () => {});
    const bytes = Buffer.from('{"type":"connection","id":7}\n');
    expect(() => bad.push({ shard: 0, bytes, ends: [bytes.length], keys: [0, 0, 0], ids: [8], refs: [false], created: [6], watermark: 0 }))
      .toThrow(/placeholder 8/);
  });
});
