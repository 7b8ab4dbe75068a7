/**
 * Sharded tracking (flow/tracker.ts, Shard; test/threads/shard-merge-reference.ts) reproduces the single tracker:
 * every fixture and corpus capture, and a generated mix of every connection shape, is tracked once
 * whole and once as 2 and as 3 shards; the shards' reports, merged by retirement key with their
 * placeholder ids ranked, must equal the single run's reports one for one, in order, and the
 * timed-out, evicted and peak counts must agree.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CaptureClock } from '../../src/capture/clock.js';
import { resolveSettings, runCore, type CoreResult } from '../../src/core.js';
import { buildConnectionReport } from '../../src/analysis/connection-report.js';
import { anomalyMessage } from '../../src/analysis/messages.js';
import type { AnomalyCode } from '../../src/analysis/catalog.js';
import { AT_END, PHASE_END, type RetireKey, type Shard } from '../../src/flow/tracker.js';
import type { ConnectionReport, Settings } from '../../src/report/model.js';
import { compareRetireKeys, peakTracked, rankIds } from './shard-merge-reference.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { ethernetIPv4Tcp } from '../helpers/packet-builder.js';
import { Scenario, Side } from '../helpers/scenario.js';
import { decodePacket } from '../../src/decode/packet.js';
import { newPacketFields, TCP_SYN } from '../../src/decode/fields.js';
import { tupleHash } from '../../src/flow/key.js';
import { allCaptureFiles, generatedMix, generatedReuseAcrossBatches, generatedSlow } from './capture-files.js';

interface Emitted { key: RetireKey; report: ConnectionReport }
interface Run { emitted: Emitted[]; core: CoreResult }

/** Ids checked against a referable set, over every capture (the sets must have been put to the test). */
let referableChecked = 0;

async function track(file: string, settings: Settings, shard?: Shard): Promise<Run> {
  const clock = new CaptureClock();
  const emitted: Emitted[] = [];
  const sets: Array<{ after: number; through: number; ids: Set<number> }> = [];
  const core = await runCore([{ name: file, bytes: fromBytes(readFileSync(file)) }], settings, clock, {
    ladder: false,
    shard,
    finished: (c, ended, endNanos, key) => {
      emitted.push({ key: { ...key }, report: buildConnectionReport(c, ended, endNanos, clock, settings) });
    },
    // Only a shard's later connections are created above its watermark + 1 (a single tracker numbers them 1, 2, ...).
    drained: shard === undefined ? undefined : (t) => {
      const ids: number[] = [];
      t.referable(ids);
      sets.push({ after: emitted.length, through: t.lastOrdinal, ids: new Set(ids) });
    },
  });
  // The merge ranks only the referable placeholders among the creations at or below a shard's
  // watermark: every later report's id and previous id is one of them, or created after it.
  let checked = 0;
  for (const f of sets) {
    for (let i = f.after; i < emitted.length; i++) {
      const r = emitted[i].report;
      for (const id of [r.id, r.portReuse?.previousId ?? Infinity]) {
        if (id > f.through + 1) continue;
        if (!f.ids.has(id)) expect.fail(`${file}: id ${id} named after ${f.after} reports, not in the referable set at segment ${f.through}`);
        checked++;
      }
    }
  }
  if (shard !== undefined) expect(sets.length).toBeGreaterThan(0);
  referableChecked += checked;
  return { emitted, core };
}

/** The reports as the single tracker would number them. */
function renumbered(reports: ConnectionReport[], ids: Map<number, number>): ConnectionReport[] {
  const id = (placeholder: number): number => {
    const v = ids.get(placeholder);
    if (v === undefined) throw new Error(`no connection with placeholder id ${placeholder}`);
    return v;
  };
  return reports.map((r0) => {
    const r = structuredClone(r0);
    r.id = id(r.id);
    if (r.portReuse !== null) r.portReuse.previousId = id(r.portReuse.previousId);
    for (const a of r.anomalies) {
      if (typeof a.details.previousId !== 'number') continue;
      a.details.previousId = id(a.details.previousId);
      a.message = anomalyMessage(a.code as AnomalyCode, a.endpoint, a.details);
    }
    return r;
  });
}

async function merged(file: string, settings: Settings, count: number): Promise<{ reports: ConnectionReport[]; timedOut: number; evicted: number; peak: number }> {
  const all: Emitted[] = [];
  let timedOut = 0;
  let evicted = 0;
  for (let index = 0; index < count; index++) {
    const run = await track(file, settings, { index, count });
    // Each shard emits in key order already.
    for (let i = 1; i < run.emitted.length; i++) expect(compareRetireKeys(run.emitted[i - 1].key, run.emitted[i].key)).toBeLessThan(0);
    all.push(...run.emitted);
    timedOut += run.core.stats.connectionsTimedOut;
    evicted += run.core.stats.connectionsEvicted;
  }
  all.sort((a, b) => compareRetireKeys(a.key, b.key));
  for (let i = 1; i < all.length; i++) expect(compareRetireKeys(all[i - 1].key, all[i].key), 'two shards claim one place').toBeLessThan(0);
  const ids = rankIds(all.map((e) => e.report.id));
  const created = [...ids.keys()].sort((a, b) => a - b).map((p) => p - 1);
  const retired = all.map((e) => e.key.ordinal).filter((o) => o !== AT_END);
  return { reports: renumbered(all.map((e) => e.report), ids), timedOut, evicted, peak: peakTracked(created, retired) };
}

describe('sharded tracking', () => {
  const files = [...allCaptureFiles(), generatedMix(), generatedSlow(), generatedReuseAcrossBatches()];
  let compared = 0;
  let connections = 0;
  let backwards = 0;

  test.each(files.map((f) => [path.basename(f), f]))('%s: 2 and 3 shards merge into the single run', async (_name, file) => {
    const settings = resolveSettings({});
    const single = await track(file, settings);
    // The single tracker's own emission order is its key order, ids 1..n in creation order.
    const keys = single.emitted.map((e) => e.key);
    for (let i = 1; i < keys.length; i++) expect(compareRetireKeys(keys[i - 1], keys[i])).toBeLessThan(0);
    const atEnd = single.emitted.filter((e) => e.key.phase === PHASE_END).map((e) => e.report.id);
    expect(atEnd).toEqual([...atEnd].sort((a, b) => a - b));
    // Timestamps that go backwards used to be skipped here: lists expired by the flows' own last
    // times were out of order, so a flow's expiry depended on its shard's list (fuzz seed 5002).
    if (single.core.stats.timestampsBackwards > 0) backwards++;
    const want = single.emitted.map((e) => e.report);
    for (const count of [2, 3]) {
      const m = await merged(file, settings, count);
      expect(m.reports).toEqual(want);
      expect(m.timedOut).toBe(single.core.stats.connectionsTimedOut);
      expect(m.evicted).toBe(single.core.stats.connectionsEvicted);
      expect(m.peak).toBe(single.core.stats.peakConnections);
    }
    compared++;
    connections += want.length;
  });

  test('the captures above compared enough connections', () => {
    expect(compared).toBeGreaterThan(100);
    expect(referableChecked).toBeGreaterThan(1000);
    expect(connections).toBeGreaterThan(800);
    expect(backwards).toBeGreaterThan(0);
  });
});

describe('shard merge helpers', () => {
  test('ids rank placeholders; a placeholder given twice is a bug', () => {
    expect([...rankIds([40, 3, 17])]).toEqual([[3, 1], [17, 2], [40, 3]]);
    expect(() => rankIds([5, 5])).toThrow(/given twice/);
  });

  test('peak counts a segment\'s retirements before its creation', () => {
    // created at 0, 1, 2; one retired at 2 (before the creation at 2), the rest at the end
    expect(peakTracked([0, 1, 2], [2, AT_END, AT_END])).toBe(2);
    expect(peakTracked([0, 1, 2], [3, AT_END, AT_END])).toBe(3);
    expect(peakTracked([], [])).toBe(0);
  });

  test('a shard must be one of its count', () => {
    const settings = resolveSettings({});
    const hooks = { ladder: false as const, emit: (): void => {} };
    return Promise.all([
      import('../../src/flow/tracker.js').then(({ Tracker }) => {
        expect(() => new Tracker(settings, hooks, { index: 2, count: 2 })).toThrow(RangeError);
        expect(() => new Tracker(settings, hooks, { index: 0, count: 0 })).toThrow(RangeError);
        expect(() => new Tracker(settings, { ladder: true, emit: (): void => {} }, { index: 0, count: 2 })).toThrow(RangeError);
      }),
    ]);
  });
});

describe('timestamps that go backwards (fuzz seed 5002, cases 972, 1292, 1444)', () => {
  /** Which of `count` shards a tuple belongs to (the hash is direction-free). */
  function shardOf(src: string, sport: number, dst: string, dport: number, count: number): number {
    const f = newPacketFields();
    const data = ethernetIPv4Tcp({ src, dst, sport, dport, seq: 1, ack: 0, flags: TCP_SYN });
    const rec = { frameNo: 1, byteOffset: 0, tsSec: 0, tsNanos: 0, capLen: data.length, origLen: data.length, linkType: 1, data };
    expect(decodePacket(rec as Parameters<typeof decodePacket>[0], f, false)).toBe('OK');
    return (tupleHash(f) >>> 0) % count;
  }

  test('a flow stamped behind the clock expires by the clock, not by what shares its list: shards = single', async () => {
    const s = new Scenario({ start: 1_700_000_000 });
    // B's client port: in another shard than A (10.0.0.1:40000 - 10.0.0.2:80) for 2 and for 3 shards.
    let port = 50000;
    const other = (p: number): boolean => [2, 3].every((n) => shardOf('10.0.0.5', p, '10.0.0.6', 80, n) !== shardOf('10.0.0.1', 40000, '10.0.0.2', 80, n));
    while (!other(port)) port++;
    const b1 = new Side(s, '10.0.0.5', port, 7000);
    const b2 = new Side(s, '10.0.0.6', 80, 9000);
    b1.peer = b2; b2.peer = b1;
    const c1 = new Side(s, '10.0.0.7', 60000, 11000);
    const c2 = new Side(s, '10.0.0.8', 80, 13000);
    c1.peer = c2; c2.peer = c1;
    s.wait(100_000);
    s.a.syn(); s.b.synAck(); s.a.ack(); // A, open from 100 s
    s.wait(-50_000);
    b1.syn(); b2.synAck(); // B, stamped 50 s: placed after A in the open list
    s.wait(50_500);
    c1.syn(); // the clock at 100.5 s: A has 0.5 s left; B's own last packet is 50 s old
    s.wait(1_000);
    c1.again(); // 101.5 s: A and B are both past the 1 s idle timeout
    const dir = mkdtempSync(path.join(tmpdir(), 'tcpflow-backwards-'));
    const file = path.join(dir, 'backwards.pcap');
    writeFileSync(file, s.pcap());

    const settings = resolveSettings({ idleTimeoutSeconds: 1 });
    const single = await track(file, settings);
    expect(single.core.stats.timestampsBackwards).toBe(1);
    const want = single.emitted.map((e) => e.report);
    expect(want.map((r) => [r.client.port, r.ended])).toEqual([[40000, 'idle_timeout'], [port, 'idle_timeout'], [60000, 'capture_end']]);
    for (const count of [2, 3]) {
      const m = await merged(file, settings, count);
      expect(m.reports).toEqual(want);
      expect(m.timedOut).toBe(2);
    }
  });
});
