/**
 * Issue 5, "Truncation at every byte offset": a capture cut anywhere (a crashed tcpdump, a full
 * disk, a partial download) must (1) never throw, (2) say where it was cut, and (3) lose nothing
 * that was fully captured: every connection whose packets all lie before the cut is reported
 * exactly as in the whole file, except for the fields that by definition depend on where the
 * capture ends (END_DEPENDENT below; docs/robustness.md lists the same).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import type { ConnectionReport, EndReason, RunReport } from '../../src/report/model.js';
import { chunksOf, writePcap, writePcapng } from '../helpers/pcap-writer.js';
import type { Scenario } from '../helpers/scenario.js';
import {
  analyzeBytes, checkInvariants, normalClose, recordSpans, REPO_ROOT, resetMid, sequential, threeWayClose, type Span,
} from './support.js';

/** Client closes, the server acknowledges and never closes: FIN_WAIT_2 / CLOSE_WAIT held to the end of the record. */
function halfClosed(s: Scenario): void {
  s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(30); s.b.data(60); s.a.ack();
  s.a.fin(); s.b.ack();
}

/**
 * What may legitimately differ between a connection in the whole capture and the same connection
 * in a capture cut after its last packet. Each item depends only on the capture's end time or on
 * packets after the connection's last one:
 *
 * 1. `ended`: the whole file may retire the connection as 'idle_timeout' (later packets show the
 *    silence), 'evicted' (later connections fill the table) or 'reused' (a later SYN on the tuple);
 *    cut after its last packet it is still open at the end: 'capture_end'. 'closed' never changes.
 * 2. The inferred TIME_WAIT → CLOSED (arc "Timeout=2MSL") and hence finalState CLOSED vs TIME_WAIT
 *    and close.timeWait.*.heldAtEnd: only inferred once the capture shows 2×MSL passing.
 * 3. close.finWait2.* / close.closeWait.* for an endpoint still in that state at the end: the time
 *    is measured "up to the capture's end when never left".
 * 4. LINGERING_FIN_WAIT_2 / LINGERING_CLOSE_WAIT with details.atEnd = true: details.seconds is the
 *    same held-to-the-end time as 3.
 * Nothing else may move (NOT_CLOSED included: 'idle_timeout', 'evicted', 'reused' and 'capture_end'
 * all leave an unclosed connection unclosed): ids, states, every observed transition, handshake, data, bytes, anomalies.
 */
const END_DEPENDENT_ENDED: ReadonlySet<EndReason> = new Set(['idle_timeout', 'evicted', 'reused']);
const TIMEOUT_2MSL_ARC = /2MSL/;

function normalize(c: ConnectionReport): ConnectionReport {
  const n = structuredClone(c);
  for (const role of ['client', 'server'] as const) {
    const ep = n[role];
    const last = ep.transitions[ep.transitions.length - 1];
    if (last && last.evidence === 'inferred' && TIMEOUT_2MSL_ARC.test(last.arc)) {
      ep.transitions.pop();
      ep.finalState = last.from;
    }
    n.close.timeWait[role].heldAtEnd = false;
    if (ep.finalState === 'FIN_WAIT_2') n.close.finWait2[role] = null;
    if (ep.finalState === 'CLOSE_WAIT') n.close.closeWait[role] = null;
  }
  n.anomalies = n.anomalies.map((a) => (a.details.atEnd === true ? { ...a, message: '', details: { ...a.details, seconds: null } } : a));
  n.ended = 'capture_end';
  return n;
}

/** Which END_DEPENDENT items actually differed (so the test shows each exemption is needed). */
function endDependentDiffs(cut: ConnectionReport, whole: ConnectionReport): string[] {
  const out: string[] = [];
  if (cut.ended !== whole.ended) out.push('ended');
  for (const role of ['client', 'server'] as const) {
    if (cut[role].finalState !== whole[role].finalState) out.push('2MSL');
    if (cut.close.finWait2[role] !== whole.close.finWait2[role]) out.push('finWait2');
    if (cut.close.closeWait[role] !== whole.close.closeWait[role]) out.push('closeWait');
  }
  const secs = (c: ConnectionReport) => JSON.stringify(c.anomalies.filter((a) => a.details.atEnd === true).map((a) => a.details.seconds));
  if (secs(cut) !== secs(whole)) out.push('lingering');
  return out;
}

function expectSameConnection(cut: ConnectionReport, whole: ConnectionReport, at: number): void {
  // Item 1: an end-dependent retirement may also be seen by the cut file (when the packet that
  // triggered it is before the cut), else the connection is still open at the cut's end.
  const allowed: EndReason[] = END_DEPENDENT_ENDED.has(whole.ended) ? [whole.ended, 'capture_end'] : [whole.ended];
  expect(allowed, `connection ${whole.id} ended ${cut.ended}, cut at ${at}`).toContain(cut.ended);
  expect(normalize(cut), `connection ${whole.id}, cut at byte ${at}`).toEqual(normalize(whole));
}

interface Layout {
  /** Bytes of the file header (pcap) / SHB (pcapng): a cut inside it is fatal. */
  headerLen: number;
  /** Every unit after the header: records and (pcapng) IDBs, with the frame number of packet records. */
  units: (Span & { frame: number | null })[];
}

function layout(bytes: Uint8Array): Layout {
  const packets = recordSpans(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, false) !== 0x0a0d0d0a) return { headerLen: 24, units: packets.map((s, i) => ({ ...s, frame: i + 1 })) };
  const units: Layout['units'] = [];
  const headerLen = v.getUint32(4, true);
  let frame = 0;
  for (let off = headerLen; off < bytes.length; off += v.getUint32(off + 4, true)) {
    const type = v.getUint32(off, true);
    const isPacket = type === 2 || type === 3 || type === 6;
    units.push({ start: off, end: off + v.getUint32(off + 4, true), frame: isPacket ? ++frame : null });
  }
  return { headerLen, units };
}

async function everyCut(bytes: Uint8Array, name: string, opts: AnalyzeOptions = {}): Promise<{ compared: number; endDependent: Set<string> }> {
  const whole = await analyzeBytes(bytes, opts, name);
  checkInvariants(whole);
  expect(whole.inputs[0].issues).toEqual([]);
  const { headerLen, units } = layout(bytes);
  expect(units[units.length - 1].end).toBe(bytes.length);
  const frameEnd = new Map(units.filter((u) => u.frame !== null).map((u) => [u.frame!, u.end]));
  let compared = 0;
  const endDependent = new Set<string>();
  for (let cut = 0; cut < bytes.length; cut++) {
    let r: RunReport;
    try {
      r = await analyzeBytes(bytes.subarray(0, cut), opts, name);
    } catch (err) {
      throw new Error(`${name} cut at byte ${cut}: analyze() threw ${String(err)}`);
    }
    const input = r.inputs[0];
    if (cut < headerLen) {
      // Tier 1: nothing readable. The error says so, with an offset inside the header.
      expect(input.error, `${name} cut at ${cut}`).not.toBeNull();
      expect(input.error!.code).toMatch(cut === 0 ? /^EMPTY$/ : /^TRUNCATED_FILE_HEADER$/);
      expect(input.error!.byteOffset).toBeGreaterThanOrEqual(0);
      expect(input.error!.byteOffset).toBeLessThanOrEqual(cut);
      expect(r.connections).toEqual([]);
      continue;
    }
    checkInvariants(r);
    expect(input.error, `${name} cut at ${cut}`).toBeNull();
    const broken = units.find((u) => u.start < cut && cut < u.end);
    if (broken) {
      // Tier 2: the cut record is named by where it starts.
      expect(input.issues.map((i) => i.byteOffset), `${name} cut at ${cut}`).toEqual([broken.start]);
      expect(input.issues[0].code).toMatch(/^TRUNCATED_RECORD(_HEADER)?$/);
    } else {
      expect(input.issues, `${name} cut at ${cut} (a record boundary)`).toEqual([]);
    }
    const complete = units.filter((u) => u.frame !== null && u.end <= cut).length;
    expect(r.stats.records).toBe(complete);
    for (const w of whole.connections) {
      if (frameEnd.get(w.lastFrame)! > cut) continue;
      const c = r.connections.find((x) => x.id === w.id);
      expect(c, `connection ${w.id} of ${name} is missing when cut at ${cut}`).toBeDefined();
      expectSameConnection(c!, w, cut);
      for (const k of endDependentDiffs(c!, w)) endDependent.add(k);
      compared++;
    }
    // Nothing is invented: a connection of the cut file is a prefix of one of the whole file.
    for (const c of r.connections) {
      const w = whole.connections.find((x) => x.id === c.id);
      expect(w, `cut at ${cut}: connection ${c.id} does not exist in the whole file`).toBeDefined();
      expect(c.firstFrame).toBe(w!.firstFrame);
      expect(c.packets.client + c.packets.server).toBeLessThanOrEqual(w!.packets.client + w!.packets.server);
    }
  }
  return { compared, endDependent };
}

/** Four connections 7 s apart: the closed ones are retired mid-capture (5 s quiet) in the whole file. */
const PACKETS = sequential([normalClose, threeWayClose, halfClosed, resetMid], 7000);

describe('truncation at every byte offset', () => {
  test('pcap (µs) of four sequential connections', async () => {
    // Short MSL and idle timeout, so the whole file retires connections mid-capture (2×MSL passes,
    // the half-closed one times out) while a cut just after them cannot know that yet.
    const bytes = writePcap(PACKETS);
    const { compared, endDependent } = await everyCut(bytes, 'four.pcap', { mslSeconds: 2, idleTimeoutSeconds: 6 });
    expect(compared).toBeGreaterThan(1000);
    expect([...endDependent].sort()).toEqual(['2MSL', 'closeWait', 'ended', 'finWait2', 'lingering']);
  }, 60_000);

  test('pcapng (ns, EPBs) of the same connections', async () => {
    const bytes = writePcapng(PACKETS, { interfaces: [{ linkType: 1, tsresol: 9 }] });
    const { compared, endDependent } = await everyCut(bytes, 'four.pcapng');
    expect(compared).toBeGreaterThan(1000);
    expect([...endDependent].sort()).toEqual(['closeWait', 'finWait2', 'lingering']);
  }, 60_000);

  test('real capture fixtures/real/port-reuse.pcap (two connections on one tuple)', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(REPO_ROOT, 'fixtures/real/port-reuse.pcap')));
    const { compared } = await everyCut(bytes, 'port-reuse.pcap');
    expect(compared).toBeGreaterThan(100);
  }, 60_000);
});

describe('a connection retired while the capture is still being read', () => {
  // Found by the pcapng case above: connection 1 of the whole file is retired (closed and quiet
  // 5 s) while records are still being read, and its times came out with 6 digits, the others 9.
  test('renders its times at the capture\'s precision (ns pcap: 9 digits), like the rest', async () => {
    const bytes = writePcap(PACKETS, { nano: true });
    const r = await analyzeBytes(bytes, {}, 'four-ns.pcap');
    expect(r.inputs[0].precisionDigits).toBe(9);
    expect(r.connections[0].ended).toBe('closed');
    for (const c of r.connections) {
      const times = JSON.stringify(c).match(/"\d{4}-\d\d-\d\dT[^"]*Z"/g) ?? [];
      expect(times.length).toBeGreaterThan(5);
      for (const t of times) expect(t, `connection ${c.id} (${c.ended})`).toMatch(/\.\d{9}Z"$/);
    }
  });
});

describe('finer timestamps later in the file (a pcapng section with a nanosecond interface)', () => {
  // Decoded segments wait in a batch before they are tracked (decode/segment-batch.ts). A connection
  // retired by a record read before the finer interface was announced is rendered at the precision
  // of that moment, as when every record was tracked at once: never at one that depends on where
  // the reader's chunks happened to end (a file, a pipe, gzip).
  test('connections retired before it keep the coarser precision, whatever the chunking', async () => {
    const micro = sequential([normalClose, threeWayClose, normalClose], 7000);
    const nano = sequential([normalClose], 7000, 1_700_000_030);
    const bytes = writePcapng([], {
      sections: [
        { interfaces: [{ linkType: 1, tsresol: 6 }], items: micro },
        { interfaces: [{ linkType: 1, tsresol: 9 }], items: nano },
      ],
    });
    const render = async (size: number): Promise<string[]> => {
      const r = await analyze([{ name: 'two-sections.pcapng', bytes: chunksOf(bytes, size) }]);
      return r.connections.map((c) => `${c.id} ${c.ended} ${c.firstSeen} ${c.lastSeen}`);
    };
    const whole = await render(bytes.length);
    expect(whole.length).toBe(4);
    // Connections 1 and 2 were retired (closed and quiet 5 s) by records of the first section.
    expect(whole[0]).toMatch(/^1 closed \S+\.\d{6}Z \S+\.\d{6}Z$/);
    expect(whole[1]).toMatch(/^2 closed \S+\.\d{6}Z \S+\.\d{6}Z$/);
    expect(whole[3]).toMatch(/\.\d{9}Z$/);
    for (const size of [1, 7, 64, 1000]) expect(await render(size), `chunks of ${size} bytes`).toEqual(whole);
  });
});

describe('reading stopped mid-file', () => {
  // Every packet before the stop must still be analysed, exactly as if the file ended there.
  // Decoded segments wait in a batch before they are tracked (decode/segment-batch.ts): a batch
  // left behind when reading stops would lose the last packets before it.
  const bytes = writePcap(PACKETS);
  const spans = recordSpans(bytes);
  const stops = [1, 7, Math.floor(spans.length / 2), spans.length - 1];

  test('by a record length no capture has (CAPLEN_TOO_LARGE): as a capture cut at that record', async () => {
    for (const k of stops) {
      const bad = bytes.slice();
      new DataView(bad.buffer).setUint32(spans[k].start + 8, 0xfffffff0, true); // caplen
      const r = await analyzeBytes(bad, {}, 'bad.pcap');
      const cut = await analyzeBytes(bytes.subarray(0, spans[k].start), {}, 'bad.pcap');
      expect(r.inputs[0].issues.map((i) => [i.code, i.byteOffset]), `record ${k}`).toEqual([['CAPLEN_TOO_LARGE', spans[k].start]]);
      expect(r.stats.tcpSegments).toBe(k);
      expect(r.connections.length).toBeGreaterThan(0);
      expect(r.connections).toEqual(cut.connections);
    }
  });

  test('by a read error (IO_ERROR) in the middle of a record: as a capture cut before that record', async () => {
    for (const k of stops) {
      const failAt = spans[k].start + 5;
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield bytes.subarray(0, failAt);
        throw new Error('EIO: the disk went away');
      }
      const r = await analyze([{ name: 'io.pcap', bytes: failing() }]);
      const cut = await analyzeBytes(bytes.subarray(0, spans[k].start), {}, 'io.pcap');
      expect(r.inputs[0].error, `record ${k}`).toMatchObject({ code: 'IO_ERROR', byteOffset: failAt });
      expect(r.stats.tcpSegments).toBe(k);
      expect(r.connections.length).toBeGreaterThan(0);
      expect(r.connections).toEqual(cut.connections);
    }
  });
});
