/**
 * The streaming merge of sharded NDJSON (threads/shard-merger.ts): the lines 2 and 3 shards write
 * with placeholder ids, fed in batches of random sizes and in random interleavings, come out as the
 * single run's bytes, with its peak count. Also: port reuse with the earlier connection in the
 * message, an input name that looks like a message, and the merge's refusals.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CaptureClock } from '../../src/capture/clock.js';
import { resolveSettings, runCore } from '../../src/core.js';
import { ConnectionDigest, digestConnection } from '../../src/analysis/digest.js';
import { AT_END, PHASE_END, type Shard } from '../../src/flow/tracker.js';
import { NdjsonLineBatcher } from '../../src/report/ndjson.js';
import { CONNECTION_NAMING, ShardMerger, type ShardBatch } from '../../src/threads/shard-merger.js';
import { ANOMALY_CODES } from '../../src/analysis/catalog.js';
import { anomalyMessage } from '../../src/analysis/messages.js';
import { fromBytes, writePcap, type PacketIn } from '../helpers/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
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
  // The referable placeholders a batch may carry: those at or below its watermark + 1 that the
  // shard's later lines carry or name (the tightest set Tracker.referable could give), in a shuffled
  // order with repeats, as a tracker's walk gives them.
  const referable = (from: number, w: number): number[] => {
    const ids: number[] = [];
    for (let i = from; i < run.lines.length; i++) {
      const l = run.lines[i];
      if (l.id <= w + 1) ids.push(l.id);
      if (l.prev > 0 && l.prev <= w + 1) ids.push(l.prev, l.prev);
    }
    return ids.reverse();
  };
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
      ...(w !== AT_END && rand() < 0.7 ? { referable: referable(li, w) } : {}),
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
      // Seed 1 compacts at every chance (what forgetCreations does is checked most), seed 2 as the CLI does.
      const m = new ShardMerger(count, (chunk) => { got.push(Buffer.from(chunk)); return seed === 1; }, 4096, (b) => {
        // Once per batch, and only after all of its lines went out.
        expect(done.has(b)).toBe(false);
        done.add(b);
      }, seed === 1 ? 1 : undefined);
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

  test('SYN_CHALLENGE_ACK names the earlier connection: renumbered too (helper-68 review: --threads 2 printed its placeholder)', async () => {
    // Four connections before the tuple's first one, so its placeholder is not its id, then a
    // half-open connection and a reconnect on its tuple answered by a challenge ACK.
    const frames: PacketIn[] = [];
    for (let i = 0; i < 4; i++) {
      const o = new Scenario({ clientPort: 42000 + i });
      o.a.syn(); o.b.synAck(); o.a.ack();
      frames.push(...o.frames);
    }
    const s = new Scenario({ start: 1_700_000_001 });
    s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(10); s.b.ack(); s.wait(40_000);
    s.a.reset(500); s.a.syn(); s.b.ack({ ack: 1011 }); s.a.rst({ seq: 1011 }); s.wait(10);
    s.a.syn(); s.b.reset(9000); s.b.synAck(); s.a.ack();
    frames.push(...s.frames);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tfa-merge-')), 'challenge.pcap');
    writeFileSync(file, writePcap(frames));
    const text = Buffer.concat((await render(file, file)).lines.map((l) => l.bytes)).toString();
    expect(text).toContain('answered the SYN with an ACK of connection 5, not a SYN/ACK');
    expect(await checkMerge(file)).toBe(6);
  });

  test('every message that names another connection does it with a phrase the merge renumbers', () => {
    const details = { previousId: 987654, gapSeconds: 1, timeWaitSeconds: 1, timeWait: true, reset: true, count: 1 };
    let naming = 0;
    for (const code of ANOMALY_CODES) {
      const m = anomalyMessage(code, 'server', details);
      for (let i = m.indexOf('987654'); i >= 0; i = m.indexOf('987654', i + 1)) {
        naming++;
        expect(CONNECTION_NAMING.some((w) => m.slice(0, i).endsWith(w)), `${code}: ${m}`).toBe(true);
      }
    }
    expect(naming).toBe(3); // PORT_REUSE, TIME_WAIT_REUSE, SYN_CHALLENGE_ACK
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
          // The next line of this shard names its own connection only, created at last + 2:
          // placeholder last + 3, above the watermark + 1.
          ...(j + per >= mine.length ? {} : { referable: [] }),
        });
      }
    }
    let out = '';
    let most = 0;
    const m = new ShardMerger(2, (chunk) => { out += Buffer.from(chunk).toString(); }, 1 << 20, () => {}, 1);
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

  test('a connection open the whole capture does not make the merge keep the creations after it', () => {
    // Connection 1 (shard 0, ordinal 0) stays open to the end; 20,000 more are created at ordinals
    // 1..N, each retired two segments later. A floor (the lowest placeholder still named) would stay
    // at 1 and keep every creation; the referable sets name 1 and nothing else below the watermark.
    const N = 20_000;
    const per = 10;
    const line = (id: number): string => `{"type":"connection","id":${id},"x":1}\n`;
    const queues: ShardBatch[][] = [[], []];
    for (let s = 0; s < 2; s++) {
      const mine = Array.from({ length: N }, (_, k) => k + 1).filter((i) => i % 2 === s);
      for (let j = 0; j < mine.length; j += per) {
        const part = mine.slice(j, j + per);
        let n = 0;
        const ends = part.map((i) => (n += line(i + 1).length));
        const last = part[part.length - 1];
        queues[s].push({
          shard: s, bytes: new Uint8Array(Buffer.from(part.map((i) => line(i + 1)).join(''))), ends,
          keys: part.flatMap((i) => [i + 2, 0, i + 1]), ids: part.map((i) => i + 1), refs: part.map(() => false),
          created: j === 0 && s === 0 ? [0, ...part] : part,
          watermark: last + 1,
          referable: s === 0 ? [1] : [],
        });
      }
      // The end of the capture: shard 0 emits connection 1.
      const end = s === 0 ? line(1) : '';
      queues[s].push({
        shard: s, bytes: new Uint8Array(Buffer.from(end)), ends: s === 0 ? [end.length] : [], keys: s === 0 ? [AT_END, PHASE_END, 1] : [],
        ids: s === 0 ? [1] : [], refs: s === 0 ? [false] : [], created: [], watermark: AT_END,
      });
    }
    // Lines in retirement order, with the single run's ids (creation order: 1 is the long one).
    const want = Array.from({ length: N }, (_, i) => line(i + 2)).join('') + line(1);
    // Compacting at every chance, and as the CLI does (once 4096 creations can go).
    for (const [minDrop, bound] of [[1, 100], [undefined, 4096 + 100]] as const) {
      let out = '';
      let most = 0;
      const m = new ShardMerger(2, (chunk) => { out += Buffer.from(chunk).toString(); }, 1 << 20, () => {}, minDrop);
      const left = queues.map((q) => [...q]);
      while (left[0].length > 0 || left[1].length > 0) {
        for (const q of left) if (q.length > 0) m.push(q.shift()!);
        most = Math.max(most, m.creationsHeld);
      }
      m.finish();
      expect(out === want).toBe(true);
      expect(m.peak).toBe(3);
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThan(bound);
    }
  });

  test('a placeholder a shard did not say it may use is refused, not given a wrong id', () => {
    const m = new ShardMerger(1, () => {}, 1 << 20, () => {}, 1);
    const text = (id: number): string => `{"type":"connection","id":${id},"x":1}\n`;
    const one = (id: number, ordinal: number, created: number[], watermark: number, referable?: number[]): ShardBatch => ({
      shard: 0, bytes: new Uint8Array(Buffer.from(text(id))), ends: [text(id).length], keys: [ordinal, 0, 0], ids: [id], refs: [false],
      created, watermark, ...(referable ? { referable } : {}),
    });
    // Connections 1-4 created at ordinals 0-3; 1 retired at 4; of the rest only 2 may still appear.
    m.push(one(1, 4, [0, 1, 2, 3], 5, [2]));
    expect(m.creationsHeld).toBe(1);
    expect(() => m.push(one(3, 6, [], 6))).toThrow(/placeholder 3 is not among/);
    const ok = new ShardMerger(1, () => {}, 1 << 20, () => {}, 1);
    ok.push(one(1, 4, [0, 1, 2, 3], 5, [2]));
    expect(() => ok.push(one(2, 6, [], 6))).not.toThrow();
  });

  test('a limit (a shard stopped at a cap): the lines through it go out, none after, and settled says when, however the batches interleave', async () => {
    const file = generatedSlow(); // lines retire all through the capture, not only at its end
    const single = await render(file, file);
    const runs = [await render(file, file, { index: 0, count: 2 }), await render(file, file, { index: 1, count: 2 })];
    const end = Math.max(...runs.map((r) => r.lastOrdinal)) + 1;
    const midway = single.lines.filter((l) => l.ordinal !== AT_END);
    expect(midway.length).toBeGreaterThan(100);
    for (const seed of [3, 4, 5, 6]) {
      const rand = rng(seed);
      // At a line's segment (several lines can share one) or between two.
      const limit = midway[Math.floor(midway.length * (0.2 + 0.6 * rand()))].ordinal - (seed % 2);
      const want = Buffer.concat(single.lines.filter((l) => l.ordinal <= limit).map((l) => l.bytes));
      expect(want.length).toBeGreaterThan(0);
      const queues = runs.map((r, s) => batches(s, r, end, rand));
      const got: Buffer[] = [];
      const m = new ShardMerger(2, (chunk) => { got.push(Buffer.from(chunk)); return true; }, 4096);
      m.limit = limit;
      let settledAt = -1;
      for (let pushed = 0; queues.some((q) => q.length > 0); pushed++) {
        const live = queues.filter((q) => q.length > 0);
        m.push(live[Math.floor(rand() * live.length)].shift()!);
        m.flush();
        const out = Buffer.concat(got);
        // Never past the limit: always a prefix of the lines through it.
        expect(want.subarray(0, out.length).equals(out)).toBe(true);
        if (m.settledThroughLimit()) {
          if (settledAt < 0) settledAt = pushed;
          expect(out.equals(want)).toBe(true);
        } else expect(settledAt).toBe(-1);
      }
      expect(settledAt).toBeGreaterThanOrEqual(0);
      expect(m.linesOut).toBe(single.lines.filter((l) => l.ordinal <= limit).length);
    }
  });

  test('a limit: a shard that has not passed it may still send a line under it, even with nothing waiting', () => {
    const got: string[] = [];
    const m = new ShardMerger(2, (chunk) => { got.push(Buffer.from(chunk).toString()); return true; });
    m.limit = 10;
    const line = (shard: number, ordinal: number, watermark: number): ShardBatch => {
      const bytes = Buffer.from(`{"type":"connection","id":${ordinal + 1}}\n`);
      return { shard, bytes, ends: [bytes.length], keys: [ordinal, 0, 0], ids: [ordinal + 1], refs: [false], created: [ordinal], watermark };
    };
    const empty = (shard: number, watermark: number): ShardBatch =>
      ({ shard, bytes: new Uint8Array(0), ends: [], keys: [], ids: [], refs: [], created: [], watermark });
    m.push(line(0, 3, 12));
    m.push(line(0, 11, 12));
    expect(m.settledThroughLimit()).toBe(false); // shard 1 has said nothing
    m.push(empty(1, 5));
    m.flush();
    expect(got.join('')).toBe('{"type":"connection","id":1}\n');
    expect(m.settledThroughLimit()).toBe(false); // nothing under the limit waits, but shard 1 is at 5
    m.push(line(1, 7, 9));
    m.flush();
    expect(m.settledThroughLimit()).toBe(false);
    m.push(empty(1, 10));
    m.flush();
    expect(m.settledThroughLimit()).toBe(true);
    expect(got.join('')).toBe('{"type":"connection","id":1}\n{"type":"connection","id":2}\n'); // not the line at 11
    expect(m.linesOut).toBe(2);
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
