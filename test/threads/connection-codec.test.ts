/**
 * The wire form of a finished connection (threads/connection-codec.ts) loses nothing the reports
 * need: every connection of every fixture and corpus capture is encoded as the worker would,
 * rebuilt as the reporting thread would, and compared field by field with the live Connection,
 * then report by report.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CaptureClock } from '../../src/capture/clock.js';
import { resolveSettings, runCore } from '../../src/core.js';
import { buildConnectionReport } from '../../src/analysis/connection-report.js';
import type { Connection, ConnectionFacts } from '../../src/flow/connection.js';
import type { ConnectionReport, EndReason } from '../../src/report/model.js';
import type { TupleKey } from '../../src/flow/key.js';
import type { ZeekVerdict } from '../../src/analysis/zeek.js';
import { ARC } from '../../src/tcp/machine.js';
import { CODEC_TABLES, ConnectionEncoder, arcCode, decodeBatch, type ShippedConnection } from '../../src/threads/connection-codec.js';
import { stateCode } from '../../src/tcp/state.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { allCaptureFiles, generatedMix } from './capture-files.js';
import { ROTATED_NAMES, rotatedCapture } from '../helpers/rotated.js';
import { REPO_ROOT } from '../helpers/shared.js';

/** Connection fields that stay on the worker: tracking scratch and the live Zeek model (its verdict crosses). */
const STAYS_BEHIND = new Set(['zeek', 'pktCodes', 'ladderArcs', 'ladderBudget', 'twoMslNanos', 'lossSecond', 'lossOther', 'synAckUnseen', 'synAckUnseenRows', 'inferredSynAck', 'guessedIss', 'blindAckBy', 'blindAckNo', 'blindAckFrame', 'blindAckInput', 'blindAckNanos', 'blindAckStampedBack', 'synStamps', 'challengeable', 'challengeAck', 'challengeAckAlt', 'challengedAt', 'challengerInTimeWait',
  // Resolved by settle() before the record is emitted.
  'unmatchedAck', 'unmatchedAckSeq', 'unmatchedAckFrame', 'unmatchedAckInput', 'unmatchedAckNanos', 'unmatchedAckRows', 'unmatchedAckCount',
  // The ladder's store, which settle() turns into `ladder` (null here: no ladder on a worker).
  'rows',
  // Which endpoint finAcked redrew in the segment just tracked: read by stampedEarlier right after.
  'redrawn']);

function ownFields(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o));
}

describe('codec tables', () => {
  test('state and arc codes index the tables the decoder reads', () => {
    CODEC_TABLES.states.forEach((s, i) => expect(stateCode(s)).toBe(i));
    CODEC_TABLES.arcs.forEach((a, i) => expect(arcCode(a)).toBe(i));
    expect(CODEC_TABLES.arcs).toEqual(Object.values(ARC));
    expect(arcCode('observer: something new')).toBe(-1);
  });
});

describe('connection codec', () => {
  const files = [...allCaptureFiles(), generatedMix()];
  let total = 0;
  test('the capture list is not empty', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  test.each(files.map((f) => [path.basename(f), f]))('%s: every connection crosses intact', async (_name, file) => {
    total += await crossesIntact([{ name: file, bytes: readFileSync(file) }]);
  });

  test('connections that go on into later inputs: the input of every frame crosses (the names once per batch)', async () => {
    const { parts } = rotatedCapture();
    const pop3 = readFileSync(path.join(REPO_ROOT, 'fixtures', 'sample', 'pop3.pcap'));
    let half = 24;
    for (let i = 0; i < 62; i++) half += 16 + pop3.readUInt32LE(half + 8);
    const runs = [
      parts.map((p, i) => ({ name: ROTATED_NAMES[i], bytes: p })),
      [{ name: 'one.pcap', bytes: pop3.subarray(0, half) }, { name: 'two.pcap', bytes: Buffer.concat([pop3.subarray(0, 24), pop3.subarray(half)]) }],
    ];
    for (const inputs of runs) expect(await crossesIntact(inputs)).toBeGreaterThan(0);
  });

  test('the captures above had connections to check', () => {
    expect(total).toBeGreaterThan(800);
  });
});

/** Every connection of the run, encoded as the worker would and rebuilt: the same facts and report. Returns how many. */
async function crossesIntact(inputs: Array<{ name: string; bytes: Uint8Array }>): Promise<number> {
  const settings = resolveSettings({});
  const clock = new CaptureClock();
  const encoder = new ConnectionEncoder();
  // The tracker reuses a connection's objects once `finished` returns: keep what it was, not it.
  const pending: Array<{ id: number; fields: Snapshot; zeek: ZeekVerdict; report: ConnectionReport; ended: EndReason; endNanos: number; digits: number; unit: number }> = [];
  let finished = 0;
  let checked = 0;
  const check = (): void => {
    let i = 0;
    decodeBatch(encoder.take(), (s: ShippedConnection) => {
      const want = pending[i++];
      expect(s.facts.id).toBe(want.id);
      expect(s.ended).toBe(want.ended);
      expect(s.endNanos).toBe(want.endNanos);
      expect(s.precisionDigits).toBe(want.digits);
      expect(s.unitNanos).toBe(want.unit);
      compareFacts(s.facts, want.fields, want.zeek);
      clock.precisionDigits = s.precisionDigits;
      expect(buildConnectionReport(s.facts, s.ended, s.endNanos, clock, settings, s.unitNanos)).toEqual(want.report);
      checked++;
    });
    expect(i).toBe(pending.length);
    pending.length = 0;
  };
  await runCore(inputs.map((i) => ({ name: i.name, bytes: fromBytes(i.bytes) })), settings, clock, {
    ladder: false,
    finished: (c: Connection, ended, endNanos) => {
      finished++;
      const unit = clock.unitFor(c.input, c.lastInput);
      encoder.add(c, ended, endNanos, clock.precisionDigits, unit);
      // The snapshot first: building the report runs the detectors, which add anomalies to `c`.
      const fields = snapshot(c);
      const zeek = c.zeekVerdict();
      const report = buildConnectionReport(c, ended, endNanos, clock, settings);
      pending.push({ id: c.id, fields, zeek, report, ended, endNanos, digits: clock.precisionDigits, unit });
      // Batches of one to three: the decoder must not depend on where a batch ends.
      if (encoder.size >= (c.id % 3) + 1) check();
    },
  });
  check();
  expect(checked).toBe(finished);
  return checked;
}

type Snapshot = Record<string, unknown>;

/** A deep copy of the connection's own fields (the Zeek model and tracking scratch left out). */
function snapshot(c: Connection): Snapshot {
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(ownFields(c))) {
    if (STAYS_BEHIND.has(k)) continue;
    out[k] = k === 'key' ? keyOf(c.key) : k === 'client' || k === 'server' ? structuredClone(ownFields(v as object)) : structuredClone(v);
  }
  return out;
}

function keyOf(k: TupleKey): Snapshot {
  return { v6: k.v6, a0: k.a0, a1: k.a1, a2: k.a2, a3: k.a3, b0: k.b0, b1: k.b1, b2: k.b2, b3: k.b3, aPort: k.aPort, bPort: k.bPort };
}

function compareFacts(got: ConnectionFacts, want: Snapshot, zeek: ZeekVerdict): void {
  const g = ownFields(got);
  for (const [k, v] of Object.entries(want)) {
    if (k === 'key') {
      expect(keyOf(got.key), 'key').toEqual(v);
      continue;
    }
    if (k === 'client' || k === 'server') {
      expect(ownFields(got[k]), k).toEqual(v);
      continue;
    }
    expect(k in g, `field ${k} crosses`).toBe(true);
    expect(g[k], k).toEqual(v);
  }
  expect(got.zeekVerdict()).toEqual(zeek);
}
