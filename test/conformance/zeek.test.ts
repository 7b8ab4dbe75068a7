/**
 * Conformance with Zeek's conn.log on the shared reference corpus (../shared/corpus/zeek beside the repository, or
 * $ZEEK_CORPUS): every capture goes through the whole pipeline (`analyze()`), every conn.log row
 * Zeek wrote is matched with a row of ours, and agreement on conn_state, history, packet and byte
 * counts is measured. docs/zeek-conformance.md explains the method and every remaining difference.
 *
 * Our rows are what `ZeekConnModel.rows()` reports for each of our connections (Zeek may write
 * several rows for one of our connections: it drops state on its own timers). The models are
 * collected by wrapping `result()`, which the report builder calls once per connection; the test
 * also checks that every connection's `zeek` field is its model's last row.
 *
 * Matching: by the unordered 4-tuple, then by order of appearance within a tuple (our rows by
 * start time, Zeek's in baseline order). Baselines without a 4-tuple hold a single connection.
 * Nothing is written to disk; a per-capture table goes to the console.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { ZeekConnModel, type ZeekRow } from '../../src/analysis/zeek.js';
import { renderZeekTsv } from '../../src/report/zeek-tsv.js';
import type { ConnectionReport } from '../../src/report/model.js';
import { sharedPath } from '../helpers/shared.js';

const CORPUS = process.env.ZEEK_CORPUS ?? sharedPath('corpus', 'zeek');

interface ManifestRow {
  name: string;
  trace: string;
  expected: string;
  zeekFlags: string;
  columns: Set<string>;
}

interface ExpectedRow {
  origH: string;
  origP: string;
  respH: string;
  respP: string;
  duration: string;
  origBytes: string;
  respBytes: string;
  connState: string;
  history: string;
  origPkts: string;
  respPkts: string;
}

interface OurRow extends ZeekRow {
  clientH: string;
  clientP: number;
  serverH: string;
  serverP: number;
}

interface CaptureScore {
  name: string;
  rows: number;
  matched: number;
  extra: number;
  stateRows: number;
  stateAgree: number;
  historyRows: number;
  historyAgree: number;
  pktsRows: number;
  pktsAgree: number;
  bytesRows: number;
  bytesAgree: number;
  durationRows: number;
  durationAgree: number;
  diffs: string[];
}

function readTsv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

function readManifest(): ManifestRow[] {
  const [head, ...rows] = readTsv(join(CORPUS, 'MANIFEST.tsv'));
  const col = (n: string) => head.indexOf(n);
  return rows.map((r) => ({
    name: r[col('name')],
    trace: r[col('trace')],
    expected: r[col('expected')],
    zeekFlags: r[col('zeek_flags')],
    columns: new Set(r[col('columns_present')].split(',')),
  }));
}

function readExpected(path: string): ExpectedRow[] {
  const [head, ...rows] = readTsv(path);
  const col = (n: string) => head.indexOf(n);
  return rows.map((r) => ({
    origH: r[col('id.orig_h')],
    origP: r[col('id.orig_p')],
    respH: r[col('id.resp_h')],
    respP: r[col('id.resp_p')],
    duration: r[col('duration')],
    origBytes: r[col('orig_bytes')],
    respBytes: r[col('resp_bytes')],
    connState: r[col('conn_state')],
    history: r[col('history')],
    origPkts: r[col('orig_pkts')],
    respPkts: r[col('resp_pkts')],
  }));
}

function formatAddr(version: number, w: readonly number[]): string {
  if (version === 4) return [w[0] >>> 24, (w[0] >>> 16) & 255, (w[0] >>> 8) & 255, w[0] & 255].join('.');
  const groups: string[] = [];
  for (const x of w) groups.push(((x >>> 16) & 0xffff).toString(16), (x & 0xffff).toString(16));
  // The WHATWG URL parser prints IPv6 in RFC 5952 form, as Zeek does.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

function tupleKey(h1: string, p1: string | number, h2: string, p2: string | number): string {
  const a = `${h1}|${p1}`;
  const b = `${h2}|${p2}`;
  return a < b ? `${a}#${b}` : `${b}#${a}`;
}

async function* bytesOf(path: string): AsyncIterable<Uint8Array> {
  yield readFileSync(path);
}

/** What the test needs of a ZeekConnModel, taken when its connection's report is built. */
interface ModelSnapshot {
  ipVersion: number;
  clientAddr: readonly number[] | null;
  serverAddr: readonly number[] | null;
  clientPort: number;
  serverPort: number;
  rows: ZeekRow[];
}

/**
 * Runs one capture; returns our rows (sorted by start) and the rows `--format zeek` prints for the
 * same run, and checks the reports carry the models' verdicts.
 */
async function runCapture(m: ManifestRow, models: ModelSnapshot[]): Promise<{ rows: OurRow[]; printed: OurRow[] }> {
  models.length = 0;
  const report = await analyze([{ name: m.name, bytes: bytesOf(join(CORPUS, m.trace)) }], {
    verifyChecksums: !m.zeekFlags.split(/\s+/).includes('-C'),
    zeekRows: true,
  });
  const printed = rowsOfConnLog(renderZeekTsv(report));
  const rows: OurRow[] = [];
  const lastByTuple = new Map<string, ZeekRow[]>();
  for (const model of models) {
    if (model.clientAddr === null || model.serverAddr === null) continue;
    const clientH = formatAddr(model.ipVersion, model.clientAddr);
    const serverH = formatAddr(model.ipVersion, model.serverAddr);
    const modelRows = model.rows;
    for (const r of modelRows) rows.push({ ...r, clientH, clientP: model.clientPort, serverH, serverP: model.serverPort });
    const key = tupleKey(clientH, model.clientPort, serverH, model.serverPort);
    const list = lastByTuple.get(key) ?? [];
    list.push(modelRows[modelRows.length - 1]);
    lastByTuple.set(key, list);
  }
  checkReportsCarryVerdicts(report.connections, lastByTuple);
  rows.sort((a, b) => a.startNanos - b.startNanos);
  return { rows, printed };
}

/**
 * The rows of our conn.log text as OurRows: orig as client, times in integer nanoseconds relative
 * to the first row (exact, so `duration` prints back as it was written).
 */
function rowsOfConnLog(text: string): OurRow[] {
  const lines = text.split('\n');
  const fields = lines.find((l) => l.startsWith('#fields\t'))!.split('\t').slice(1);
  const col = (name: string): number => fields.indexOf(name);
  const micros = (ts: string): number => {
    const [s, f] = ts.split('.');
    return Number(s) * 1e6 + Number(f.padEnd(6, '0').slice(0, 6));
  };
  const rows = lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('\t'));
  const t0 = rows.length > 0 ? micros(rows[0][col('ts')]) : 0;
  const out = rows.map((r): OurRow => {
    const start = (micros(r[col('ts')]) - t0) * 1000;
    const d = r[col('duration')];
    const num = (s: string): number => (s === '-' ? 0 : Number(s));
    return {
      clientH: r[col('id.orig_h')], clientP: Number(r[col('id.orig_p')]), serverH: r[col('id.resp_h')], serverP: Number(r[col('id.resp_p')]),
      origIsClient: true,
      connState: r[col('conn_state')] === '-' ? '' : r[col('conn_state')],
      history: r[col('history')] === '-' ? '' : r[col('history')],
      origPkts: num(r[col('orig_pkts')]), respPkts: num(r[col('resp_pkts')]),
      origBytes: num(r[col('orig_bytes')]), respBytes: num(r[col('resp_bytes')]),
      startNanos: start, lastNanos: start + (d === '-' ? 0 : Math.round(Number(d) * 1e9)),
    };
  });
  return out.sort((a, b) => a.startNanos - b.startNanos);
}

function checkReportsCarryVerdicts(conns: ConnectionReport[], byTuple: Map<string, ZeekRow[]>): void {
  const used = new Map<string, number>();
  for (const c of conns) {
    const key = tupleKey(c.client.ip, c.client.port, c.server.ip, c.server.port);
    const i = used.get(key) ?? 0;
    used.set(key, i + 1);
    const v = byTuple.get(key)?.[i];
    expect(v, `a Zeek verdict for connection ${c.id}`).toBeDefined();
    expect(c.zeek.connState).toBe(v!.connState);
    expect(c.zeek.history).toBe(v!.history);
  }
}

function score(m: ManifestRow, expected: ExpectedRow[], ours: OurRow[]): CaptureScore {
  const s: CaptureScore = {
    name: m.name.replace(/\.pcap(ng)?$/, ''),
    rows: expected.length,
    matched: 0,
    extra: 0,
    stateRows: 0,
    stateAgree: 0,
    historyRows: 0,
    historyAgree: 0,
    pktsRows: 0,
    pktsAgree: 0,
    bytesRows: 0,
    bytesAgree: 0,
    durationRows: 0,
    durationAgree: 0,
    diffs: [],
  };
  const hasTuple = m.columns.has('id.orig_h');
  const pairs: Array<[ExpectedRow, OurRow | undefined]> = [];
  if (!hasTuple) {
    // syn-bad, single-rst, syn-then-rst: one connection each.
    pairs.push([expected[0], ours[0]]);
    s.extra = Math.max(0, ours.length - 1);
  } else {
    const byTuple = new Map<string, OurRow[]>();
    for (const r of ours) {
      const k = tupleKey(r.clientH, r.clientP, r.serverH, r.serverP);
      const list = byTuple.get(k) ?? [];
      list.push(r);
      byTuple.set(k, list);
    }
    const used = new Map<string, number>();
    for (const e of expected) {
      const k = tupleKey(e.origH, e.origP, e.respH, e.respP);
      const i = used.get(k) ?? 0;
      used.set(k, i + 1);
      pairs.push([e, byTuple.get(k)?.[i]]);
    }
    for (const [k, list] of byTuple) s.extra += Math.max(0, list.length - (used.get(k) ?? 0));
  }
  const present = (c: string) => m.columns.has(c);
  for (const [e, o] of pairs) {
    const label = hasTuple ? `${e.origH}:${e.origP}>${e.respH}:${e.respP}` : 'the connection';
    if (present('conn_state')) s.stateRows++;
    if (present('history')) s.historyRows++;
    if (o === undefined) {
      s.diffs.push(`${label}: no row of ours (Zeek: ${e.connState} ${e.history})`);
      continue;
    }
    s.matched++;
    // Zeek's orig as our row sees it: our client unless the model says otherwise.
    const origH = o.origIsClient ? o.clientH : o.serverH;
    const origP = o.origIsClient ? o.clientP : o.serverP;
    const orientationOk = !hasTuple || (origH === e.origH && String(origP) === e.origP);
    if (present('conn_state')) {
      if (o.connState === e.connState) s.stateAgree++;
      else s.diffs.push(`${label}: conn_state ${o.connState}, Zeek ${e.connState}`);
    }
    if (present('history')) {
      if (o.history === e.history && orientationOk) s.historyAgree++;
      else s.diffs.push(`${label}: history ${o.history}${orientationOk ? '' : ' (orig reversed)'}, Zeek ${e.history}`);
    }
    if (present('orig_pkts') && e.origPkts !== '-') {
      s.pktsRows++;
      if (String(o.origPkts) === e.origPkts && String(o.respPkts) === e.respPkts) s.pktsAgree++;
      else s.diffs.push(`${label}: pkts ${o.origPkts}/${o.respPkts}, Zeek ${e.origPkts}/${e.respPkts}`);
    }
    const durationNanos = o.lastNanos - o.startNanos;
    if (present('orig_bytes') && e.origBytes !== '-') {
      s.bytesRows++;
      if (durationNanos > 0 && String(o.origBytes) === e.origBytes && String(o.respBytes) === e.respBytes) s.bytesAgree++;
      else s.diffs.push(`${label}: bytes ${o.origBytes}/${o.respBytes}, Zeek ${e.origBytes}/${e.respBytes}`);
    }
    if (present('duration')) {
      s.durationRows++;
      const ours = durationNanos > 0 ? (durationNanos / 1e9).toFixed(6) : '-';
      if (ours === e.duration) s.durationAgree++;
      else s.diffs.push(`${label}: duration ${ours}, Zeek ${e.duration}`);
    }
  }
  return s;
}

function pct(n: number, d: number): string {
  return d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`;
}

function printTable(scores: CaptureScore[], t: CaptureScore): void {
  const lines = [
    'capture                          rows match extra  conn_state  history    pkts       bytes      duration',
  ];
  for (const s of [...scores, t]) {
    lines.push(
      [
        s.name.padEnd(32),
        String(s.rows).padStart(4),
        String(s.matched).padStart(5),
        String(s.extra).padStart(5),
        ` ${String(s.stateAgree).padStart(3)}/${String(s.stateRows).padEnd(3)}`,
        ` ${String(s.historyAgree).padStart(3)}/${String(s.historyRows).padEnd(3)}`,
        ` ${String(s.pktsAgree).padStart(3)}/${String(s.pktsRows).padEnd(3)}`,
        ` ${String(s.bytesAgree).padStart(3)}/${String(s.bytesRows).padEnd(3)}`,
        ` ${String(s.durationAgree).padStart(3)}/${String(s.durationRows).padEnd(3)}`,
      ].join(' '),
    );
  }
  lines.push(
    `agreement: conn_state ${pct(t.stateAgree, t.stateRows)}  history ${pct(t.historyAgree, t.historyRows)}  ` +
      `pkts ${pct(t.pktsAgree, t.pktsRows)}  bytes ${pct(t.bytesAgree, t.bytesRows)}  duration ${pct(t.durationAgree, t.durationRows)}`,
  );
  for (const s of scores) for (const d of s.diffs) lines.push(`  ${s.name}: ${d}`);
  console.log(lines.join('\n'));
}

describe('Zeek conn.log conformance (shared corpus)', () => {
  const models: ModelSnapshot[] = [];
  const scores: CaptureScore[] = [];
  const total: CaptureScore = {
    name: 'TOTAL', rows: 0, matched: 0, extra: 0, stateRows: 0, stateAgree: 0, historyRows: 0, historyAgree: 0,
    pktsRows: 0, pktsAgree: 0, bytesRows: 0, bytesAgree: 0, durationRows: 0, durationAgree: 0, diffs: [],
  };

  beforeAll(() => {
    const result = ZeekConnModel.prototype.result;
    // A snapshot when the report asks for the verdict: the tracker reuses the model afterwards.
    vi.spyOn(ZeekConnModel.prototype, 'result').mockImplementation(function (this: ZeekConnModel) {
      models.push({
        ipVersion: this.ipVersion,
        clientAddr: this.tupleSeen ? [...this.clientAddr] : null,
        serverAddr: this.tupleSeen ? [...this.serverAddr] : null,
        clientPort: this.clientPort, serverPort: this.serverPort, rows: this.rows(),
      });
      return result.call(this);
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('matches Zeek on every capture of the corpus', async () => {
    for (const m of readManifest()) {
      const { rows: ours, printed } = await runCapture(m, models);
      const s = score(m, readExpected(join(CORPUS, m.expected)), ours);
      // What --format zeek prints agrees with Zeek exactly as the model does (its durations, byte
      // counts and row splits), capture by capture.
      const p = score(m, readExpected(join(CORPUS, m.expected)), printed);
      expect({ ...p, diffs: p.diffs.length }, `${m.name}: --format zeek against the model`).toEqual({ ...s, diffs: s.diffs.length });
      scores.push(s);
      for (const k of Object.keys(total) as Array<keyof CaptureScore>) {
        if (typeof total[k] === 'number') (total[k] as number) += s[k] as number;
      }
    }
    printTable(scores, total);

    // Pinned at the measured agreement (docs/zeek-conformance.md): raise them when it improves.
    // The one disagreement: gtp2_different_udp_port's history has Zeek's `X` (its HTTP analyzer
    // gave up), which no analysis of ours produces; its connection, inside a GTP-U tunnel whose
    // large datagrams are fragmented, agrees in everything else (decode/tunnel.ts).
    expect(total.rows).toBe(122);
    expect(total.stateRows).toBe(120);
    expect(total.historyRows).toBe(122);
    expect(total.matched).toBeGreaterThanOrEqual(122);
    expect(total.extra).toBe(0);
    expect(total.stateAgree).toBeGreaterThanOrEqual(120); // 100 %
    expect(total.historyAgree).toBeGreaterThanOrEqual(121); // 99.2 %
    expect(total.pktsAgree).toBeGreaterThanOrEqual(120); // of 120 rows with counts
    expect(total.bytesAgree).toBeGreaterThanOrEqual(116); // of 116 rows with byte counts
    expect(total.durationAgree).toBeGreaterThanOrEqual(117); // of 117 rows with a duration column
    expect(total.stateAgree / total.stateRows).toBeGreaterThanOrEqual(0.95);
  });
});
