import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { fromBytes, writePcap } from '../helpers/pcap-writer.js';
import { arrow, renderConnectionLadder, renderLadder, rowLabel } from '../../src/report/ladder.js';
import { defaultRenderContext } from '../../src/report/context.js';
import { connection, sampleReport, TEXTBOOK_LADDER } from './fixtures.js';
import { ROTATED_NAMES, rotatedCapture } from '../helpers/rotated.js';
import { Scenario } from '../helpers/scenario.js';
import { Chalk } from 'chalk';
import type { AnomalyReport, ConnectionReport, LadderRow } from '../../src/report/model.js';
import { strWidth } from '../../src/report/format.js';
import { LADDER_MAX_ROWS, type Connection } from '../../src/flow/connection.js';
import { CaptureClock } from '../../src/capture/clock.js';
import { resolveSettings, runCore } from '../../src/core.js';
import { sharedPath } from '../helpers/shared.js';

const ctx = defaultRenderContext({ width: 80 });
// Wide enough that no label or message wraps (wrapping: test/cli/ladder-width.test.ts).
const wide = defaultRenderContext({ width: 1000 });

test('textbook open and close, and a half-open SYN with anomalies (golden)', async () => {
  const r = sampleReport();
  r.connections = r.connections.filter((c) => c.ladder);
  await expect(renderLadder(r, ctx)).toMatchFileSnapshot('../../fixtures/golden/cli/ladder.txt');
  await expect(renderLadder(r, { ...ctx, ascii: true })).toMatchFileSnapshot('../../fixtures/golden/cli/ladder-ascii.txt');
});

test('every row shows both states after the packet, in the order of the rows', () => {
  const text = renderConnectionLadder(connection(1, { ladder: TEXTBOOK_LADDER }), wide);
  const rows = text.split('\n').filter((l) => /^ +\d+ +\d+\.\d{6} /.test(l));
  expect(rows).toHaveLength(TEXTBOOK_LADDER.length);
  rows.forEach((line, i) => {
    const r = TEXTBOOK_LADDER[i];
    expect(line).toMatch(new RegExp(`^ +${r.frame} +${r.t.toFixed(6)} +${r.clientState} .* ${r.serverState}$`));
    expect(line).toContain(rowLabel(r));
    expect(line).toContain(r.from === 'client' ? '▶' : '◀');
  });
});

test('arrows point from the sender, with the label at the sender end, at the width asked', () => {
  expect(arrow('SYN seq=0', 'client', 20, false)).toBe('─ SYN seq=0 ───────▶');
  expect(arrow('SYN,ACK seq=0 ack=1', 'server', 26, true)).toBe('<--- SYN,ACK seq=0 ack=1 -');
  expect([...arrow('ACK', 'server', 30, false)].length).toBe(30);
});

test('a row label carries flags, relative seq, ack only when ACK is set, and len only for payload', () => {
  expect(rowLabel({ ...TEXTBOOK_LADDER[0] })).toBe('SYN seq=0');
  expect(rowLabel(TEXTBOOK_LADDER[4])).toBe('PSH,ACK seq=1 ack=121 len=1448');
});

test('anomalies are marked on the row where they happen, with their message', () => {
  const r = sampleReport();
  const text = renderConnectionLadder(r.connections.find((c) => c.id === 3)!, ctx);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^ +19 /.test(l));
  expect(lines[at]).toMatch(/⚠$/);
  expect(lines[at + 1]).toMatch(/⚠ SYN_RETRANSMIT: SYN retransmitted after 2\.000 s$/);
  expect(lines[at + 2]).toMatch(/⚠ HALF_OPEN: SYN never answered$/);
  expect(lines.find((l) => /^ +12 /.test(l))).not.toContain('⚠');
});

test('a connection without recorded rows says so instead of drawing nothing', () => {
  expect(renderConnectionLadder(connection(9), ctx)).toContain('(no per-packet rows were recorded for this connection)');
});

test('nanosecond captures get nanosecond times', () => {
  const r = sampleReport();
  r.inputs[0].precisionDigits = 9;
  r.connections = [connection(1, { ladder: TEXTBOOK_LADDER })];
  expect(renderLadder(r, ctx)).toMatch(/^ +2 +0\.000800000 /m);
});

test('a connection of 200k packets draws (no Math.max spread over its rows)', () => {
  const rows = Array.from({ length: 200_000 }, (_, i) => ({ ...TEXTBOOK_LADDER[i % TEXTBOOK_LADDER.length], frame: i + 1 }));
  const text = renderConnectionLadder(connection(1, { ladder: rows }), ctx);
  const drawn = text.split('\n').filter((l) => /^ *\d+ +\d+\.\d{6} /.test(l));
  expect(drawn).toHaveLength(200_000);
  expect(drawn[199_999]).toMatch(/^200000 /);
});

test('every anomaly of a real analysis is marked in its ladder, connection-level ones (REFUSED, LINGERING_*, PORT_REUSE, ...) on their frame', async () => {
  // Before, only codes a row named itself got a mark: REFUSED, RESET, HALF_OPEN, LINGERING_*,
  // PORT_REUSE, MIDSTREAM and NOT_CLOSED carried a frame but no ⚠ anywhere in the diagram.
  const dir = fileURLToPath(new URL('../../fixtures/generated/', import.meta.url));
  let seen = 0;
  const connectionLevel = new Set<string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort()) {
    const report = await analyze([{ name, bytes: fromBytes(new Uint8Array(readFileSync(join(dir, name)))) }], { ladder: true });
    for (const c of report.connections) {
      const lines = renderConnectionLadder(c, wide).split('\n');
      for (const a of c.anomalies) {
        const row = lines.findIndex((l) => new RegExp(`^ +${a.frame} +\\d+\\.\\d+ `).test(l));
        expect(row, `${name} #${c.id} ${a.code}: frame ${a.frame} has a row`).toBeGreaterThan(0);
        expect(lines[row], `${name} #${c.id} ${a.code}`).toMatch(/⚠$/);
        const marks: string[] = [];
        for (let i = row + 1; i < lines.length && !/^ +\d+ +\d+\.\d+ /.test(lines[i]); i++) marks.push(lines[i].trim());
        expect(marks, `${name} #${c.id}`).toContain(`⚠ ${a.code}: ${a.message}`);
        if (!c.ladder!.some((r) => r.anomalies.includes(a.code))) connectionLevel.add(a.code);
        seen++;
      }
      // Each entry's message once (a repeated per-packet code marks its later rows by code only).
      const withMessage = lines.filter((l) => /^ *⚠ [A-Z_0-9]+: /.test(l));
      expect(withMessage.length, `${name} #${c.id}: one message per anomaly`).toBe(c.anomalies.length);
    }
  }
  expect(seen).toBeGreaterThan(30);
  for (const code of ['REFUSED', 'RESET', 'HALF_OPEN', 'LINGERING_FIN_WAIT_2', 'LINGERING_CLOSE_WAIT', 'PORT_REUSE', 'MIDSTREAM', 'NOT_CLOSED']) {
    expect(connectionLevel, code).toContain(code);
  }
});

test('an ICMP error about a segment is a row of its own, where it came, towards the endpoint whose segment it quotes (fixtures/real/icmp-reject.pcap)', async () => {
  // Before, an ICMP error had no row (it is not a segment of the connection) and was listed under the
  // diagram: a SYN's "port unreachable" read as a footnote, not as the answer it was.
  const file = fileURLToPath(new URL('../../fixtures/real/icmp-reject.pcap', import.meta.url));
  const report = await analyze([{ name: 'icmp-reject.pcap', bytes: fromBytes(new Uint8Array(readFileSync(file))) }], { ladder: true });
  const rowRe = /^ +(\d+) +(\d+\.\d+) /;
  let seen = 0;
  for (const c of report.connections) {
    const icmp = c.anomalies.filter((a) => a.code.startsWith('ICMP_'));
    const lines = renderConnectionLadder(c, wide).trimEnd().split('\n');
    const frames = lines.map((l) => rowRe.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
    expect(frames, `#${c.id}: rows in frame order`).toEqual([...frames].sort((a, b) => a - b));
    expect(frames.length, `#${c.id}`).toBe(c.ladder!.length + icmp.length);
    for (const a of icmp) {
      const row = lines.findIndex((l) => rowRe.exec(l)?.[1] === String(a.frame));
      expect(lines[row], `#${c.id}`).toMatch(a.details.icmpVersion === 6 ? /SYN_SENT +◀─+ ICMPv6 port unreachable ─ +CLOSED +⚠$/ : /SYN_SENT +◀─+ ICMP [a-z ]+ ─ +CLOSED +⚠$/);
      expect(lines[row + 1].trim()).toBe(`⚠ ${a.code}: ${a.message}`);
      seen++;
    }
    expect(lines.some((l) => /^⚠ ICMP/.test(l)), `#${c.id}: nothing left under the diagram`).toBe(false);
  }
  expect(seen).toBe(3);
});

describe('ICMP rows among the others (helper-87 review)', () => {
  const icmp = (frame: number, time: string, over: Partial<AnomalyReport> = {}, details: Record<string, unknown> = {}): AnomalyReport => ({
    code: 'ICMP_PACKET_TOO_BIG', severity: 'info', endpoint: 'server', frame, time, message: `the ICMP error of frame ${frame}`,
    details: { icmpVersion: 4, type: 3, code: 4, error: 'destination unreachable (fragmentation needed)', from: '10.0.0.254', syn: false, mtu: 576, count: 1, ...details },
    ...over,
  });
  const data = (frame: number, t: number, input?: string): LadderRow => ({
    frame, ...(input === undefined ? {} : { input }), t, from: 'server', flags: 'ACK', seq: 1 + (frame - 4) * 1000, ack: 1, len: 1000,
    clientState: 'ESTABLISHED', serverState: 'ESTABLISHED', anomalies: [],
  });
  const rowRe = /^ +(\d+) +(\d+\.\d+) +/;

  test('in a long quiet run: the run is shortened before it, its row is drawn, and its frame and time widen the columns', () => {
    const rows = [...TEXTBOOK_LADDER.slice(0, 3), ...Array.from({ length: 40 }, (_, k) => data(4 + k, 0.001 + k * 0.0001))];
    // Frame 100000 and 10.5 s: wider than every row's frame and time.
    const c = connection(1, { firstSeen: '2024-01-01T00:00:00.000000Z', ladder: rows });
    c.ladder = rows.map((r) => (r.frame === 24 ? { ...r } : r));
    c.anomalies = [icmp(24, '2024-01-01T00:00:00.002950Z')];
    const lines = renderConnectionLadder(c, wide).split('\n');
    const at = lines.findIndex((l) => /ICMP fragmentation needed \(MTU 576\)/.test(l));
    expect(rowRe.exec(lines[at])?.[1]).toBe('24');
    // Not inside a range said to hold no anomaly: every "left out" range ends before frame 24 or starts after it.
    for (const l of lines) {
      const m = /rows left out \(frames (\d+)-(\d+)\)/.exec(l);
      if (m) expect(Number(m[2]) < 24 || Number(m[1]) > 24, l).toBe(true);
    }
    const frames = lines.map((l) => rowRe.exec(l)?.[1]).filter((f) => f !== undefined).map(Number);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));

    const wideRow = { ...c, anomalies: [icmp(100_000, '2024-01-01T00:00:10.500000Z')] };
    const w = renderConnectionLadder(wideRow, ctx).split('\n').filter((l) => rowRe.test(l));
    const stateCol = (l: string): number => l.search(/ESTABLISHED|SYN_SENT|TIME_WAIT|FIN_WAIT/);
    expect(new Set(w.map(stateCol)).size, w.join('\n')).toBe(1);
    for (const l of renderConnectionLadder(wideRow, ctx).split('\n')) expect(strWidth(l), l).toBeLessThanOrEqual(80);
  });

  test('in a later input: under that input\'s line, also when the input holds no row of the connection', () => {
    const rows = [...TEXTBOOK_LADDER.slice(0, 4), { ...TEXTBOOK_LADDER[4], frame: 2, input: 'b.pcap' }];
    const c = connection(1, { firstSeen: '2024-01-01T00:00:00.000000Z', input: 'a.pcap', ladder: rows });
    c.input = 'a.pcap';
    c.anomalies = [
      icmp(1, '2024-01-01T00:00:00.002000Z', { input: 'b.pcap' }),
      icmp(7, '2024-01-01T00:00:00.009000Z', { input: 'c.pcap' }),
    ];
    const lines = renderConnectionLadder(c, wide).split('\n').filter((l) => rowRe.test(l) || /frames from/.test(l));
    expect(lines.map((l) => (rowRe.test(l) ? rowRe.exec(l)![1] : l.trim()))).toEqual([
      '── frames from a.pcap ──', '1', '2', '3', '4', '── frames from b.pcap ──', '1', '2', '── frames from c.pcap ──', '7',
    ]);
    expect(renderConnectionLadder(c, wide)).not.toMatch(/^⚠ ICMP/m);
  });

  test('from an input between two of the connection\'s inputs that holds none of its rows: between their rows, in the run\'s order of inputs', () => {
    const rows = [...TEXTBOOK_LADDER.slice(0, 4), { ...TEXTBOOK_LADDER[4], frame: 2, input: 'c.pcap' }];
    const c = connection(1, { firstSeen: '2024-01-01T00:00:00.000000Z', input: 'a.pcap', ladder: rows });
    c.input = 'a.pcap';
    c.anomalies = [icmp(5, '2024-01-01T00:00:00.002000Z', { input: 'b.pcap' })];
    const shown = (inputs?: string[]): string[] => renderConnectionLadder(c, wide, 6, inputs).split('\n')
      .filter((l) => rowRe.test(l) || /frames from/.test(l)).map((l) => (rowRe.test(l) ? rowRe.exec(l)![1] : l.trim()));
    expect(shown(['a.pcap', 'b.pcap', 'c.pcap'])).toEqual([
      '── frames from a.pcap ──', '1', '2', '3', '4', '── frames from b.pcap ──', '5', '── frames from c.pcap ──', '2',
    ]);
    // Before (and without the order): after the last row, under c.pcap's rows.
    expect(shown()).toEqual([
      '── frames from a.pcap ──', '1', '2', '3', '4', '── frames from c.pcap ──', '2', '── frames from b.pcap ──', '5',
    ]);
  });

  test('the label: the unreachable code\'s words, or the whole error when the code has none', () => {
    const c = connection(1, { firstSeen: '2024-01-01T00:00:00.000000Z', ladder: TEXTBOOK_LADDER.slice(0, 1) });
    c.anomalies = [
      icmp(2, '2024-01-01T00:00:00.000050Z', { code: 'ICMP_ERROR', endpoint: 'client' }, { code: 16, error: 'destination unreachable (code 16)', mtu: null }),
      icmp(3, '2024-01-01T00:00:00.000060Z', { code: 'ICMP_ERROR', endpoint: 'client' }, { code: 1, error: 'destination unreachable (host unreachable)', mtu: null }),
      icmp(4, '2024-01-01T00:00:00.000070Z', {}, { icmpVersion: 6, type: 2, code: 0, error: 'packet too big', mtu: 1280 }),
    ];
    const text = renderConnectionLadder(c, wide);
    expect(text).toMatch(/◀─+ ICMP destination unreachable \(code 16\) ─/);
    expect(text).toMatch(/◀─+ ICMP host unreachable ─/);
    expect(text).toMatch(/─ ICMPv6 packet too big \(MTU 1280\) ─+▶/);
  });
});

test('an anomaly whose frame has no row is listed under the diagram, not dropped', () => {
  const c = connection(1, { ladder: TEXTBOOK_LADDER });
  c.anomalies = [{ code: 'PORT_REUSE', severity: 'info', endpoint: null, frame: 99_999, time: '2024-01-01T00:00:00.000000Z', message: 'a message', details: {} }];
  const lines = renderConnectionLadder(c, ctx).trimEnd().split('\n');
  expect(lines.at(-1)).toBe('⚠ PORT_REUSE (frame 99999): a message');
});

test('a connection that goes on into later inputs: a line names the input over its rows, and a connection-level mark is on the row of its frame in its input', async () => {
  // Before, RESET (frame 3 of c.pcap) went on the first row numbered 3: b.pcap's ACK of the handshake.
  const { parts } = rotatedCapture();
  const r = await analyze(parts.map((p, i) => ({ name: ROTATED_NAMES[i], bytes: fromBytes(p) })), { ladder: true });
  for (const ascii of [false, true]) {
    const lines = renderConnectionLadder(r.connections[0], { ...wide, ascii }).split('\n');
    const bar = ascii ? '--' : '──';
    const mark = ascii ? '!' : '⚠';
    // The RESET mark is under the RST's row (c.pcap's frame 3), not under the ACK (b.pcap's frame 3).
    const reset = lines.findIndex((l) => l.trim().startsWith(`${mark} RESET:`));
    // Between the row and its marks: the arcs the RST took (`Note 3: snd RST`).
    let rstRow = reset - 1;
    while (!/^ +\d+ +\d+\.\d+ /.test(lines[rstRow])) rstRow--;
    expect(lines[rstRow]).toMatch(/^ +3 +1\.050800 .* RST seq=1 /);
    const headings = lines.flatMap((l, i) => (l.includes('frames from') ? [[i, l] as const] : []));
    expect(headings.map(([, l]) => l)).toEqual(ROTATED_NAMES.map((n) => `${bar} frames from ${n} ${bar}`));
    // Each heading is followed by its input's rows, frames counted from 1 again.
    const rowsUnder = headings.map(([at], k) => lines.slice(at + 1, headings[k + 1]?.[0] ?? lines.length)
      .filter((l) => /^ +\d+ +\d+\.\d+ /.test(l)).map((l) => Number(l.trim().split(' ')[0])));
    expect(rowsUnder).toEqual([[1], [1, 2, 3, 4, 5], [1, 2, 3]]);
    const markUnder = (code: string): [number, string] => {
      const at = lines.findIndex((l) => l.trim().startsWith(`${mark} ${code}:`));
      let row = at - 1;
      while (!/^ +\d+ +\d+\.\d+ /.test(lines[row])) row--;
      let h = headings.length - 1;
      while (headings[h][0] > row) h--;
      return [Number(lines[row].trim().split(' ')[0]), ROTATED_NAMES[h]];
    };
    expect(markUnder('RESET')).toEqual([3, 'c.pcap']);
    expect(markUnder('SYN_RETRANSMIT')).toEqual([1, 'b.pcap']);
    expect(markUnder('ZERO_WINDOW')).toEqual([5, 'b.pcap']);
    expect(lines.filter((l) => l.trim().startsWith(`${mark} `))).toHaveLength(3);
  }
  // One input: no such line.
  const one = await analyze([{ name: 'a.pcap', bytes: fromBytes(parts[0]) }], { ladder: true });
  expect(renderConnectionLadder(one.connections[0], wide)).not.toContain('frames from');
});

test('an anomaly whose frame has no row says which input its frame counts in, when not the connection\'s', () => {
  const c = connection(1, { ladder: TEXTBOOK_LADDER });
  c.anomalies = [{ code: 'PORT_REUSE', severity: 'info', endpoint: null, frame: 7, input: 'later.pcap', time: '2024-01-01T00:00:00.000000Z', message: 'a message', details: {} }];
  const lines = renderConnectionLadder(c, ctx).trimEnd().split('\n');
  expect(lines.at(-1)).toBe('⚠ PORT_REUSE (frame 7 of later.pcap): a message');
});

test('one packet is "1 packet"', () => {
  const c = connection(1, { ladder: TEXTBOOK_LADDER.slice(0, 1), packets: { client: 1, server: 0 } });
  expect(renderConnectionLadder(c, ctx)).toMatch(/ · 1 packet ·/);
});

test('without a total RTT the title line shows the SYN/ACK time from the last SYN, not the SYN backoff', () => {
  const c = connection(1, {
    ladder: TEXTBOOK_LADDER,
    handshake: { outcome: 'synack_unacked', synCount: 3, ack: null, ackFrame: null, rtt: { synToSynAck: 3.0103, lastSynToSynAck: 0.0101, synAckToAck: null, total: null } },
  });
  const text = renderConnectionLadder(c, wide).replace(/\u00a0/g, ' ');
  expect(text).toContain('handshake synack_unacked (rtt ≥ 10.1 ms: SYN → SYN,ACK only)');
  expect(text).not.toContain('3.01 s');
});

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const ROW = /^ +\d+ +\d+\.\d+ /;

async function firstConnection(path: string): Promise<ConnectionReport> {
  const r = await analyze([{ name: path, bytes: fromBytes(new Uint8Array(readFileSync(join(FIXTURES, path)))) }], { ladder: true });
  return r.connections[0];
}

/** The lines drawn under the row of `frame`, up to the next row. */
function under(text: string, frame: number): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^ +${frame} +\\d+\\.\\d+ `).test(l));
  expect(at, `frame ${frame} has a row`).toBeGreaterThan(0);
  const out: string[] = [];
  for (let i = at + 1; i < lines.length && !ROW.test(lines[i]) && lines[i] !== ''; i++) out.push(lines[i].trim());
  return out;
}

test('a packet that takes two arcs lists both under its row with their Figure 5 labels, the middle state included', async () => {
  // Before, the state column alone showed ESTABLISHED then LAST_ACK: CLOSE_WAIT and the arc labels were nowhere.
  const close = renderConnectionLadder(await firstConnection('real/client-close.pcap'), wide);
  expect(under(close, 9)).toEqual([
    'client: FIN_WAIT_1 → TIME_WAIT (Note 2: rcv FIN, ACK of FIN / snd ACK)',
    'server: ESTABLISHED → CLOSE_WAIT (rcv FIN / snd ACK), CLOSE_WAIT → LAST_ACK (CLOSE / snd FIN)',
  ]);
  const sim = renderConnectionLadder(await firstConnection('real/sim-close-queued.pcap'), wide);
  expect(under(sim, 79)).toContain('server: ESTABLISHED → FIN_WAIT_1 (CLOSE / snd FIN), FIN_WAIT_1 → CLOSING (rcv FIN / snd ACK)');
  // The inferred arc is marked as such.
  const open = renderConnectionLadder(await firstConnection('generated/simultaneous-open.pcap'), wide);
  expect(under(open, 2)).toContain('server: CLOSED → SYN_SENT (active OPEN / create TCB, snd SYN), SYN_SENT → SYN_RECEIVED (rcv SYN / snd SYN,ACK; inferred)');
});

test('rows that change no state get no arc line, and the rows themselves are drawn as before', async () => {
  const text = renderConnectionLadder(await firstConnection('real/client-close.pcap'), wide);
  for (const frame of [4, 5, 6, 7]) expect(under(text, frame), `frame ${frame}`).toEqual([]);
  expect(under(text, 3)).toEqual(['server: SYN_RECEIVED → ESTABLISHED (rcv ACK of SYN)']);
  expect(text).toMatch(/^ +9 +0\.002279 +TIME_WAIT +◀─+ FIN,ACK seq=5 ack=6 ─ +LAST_ACK$/m);
});

test('every transition of a real analysis is listed once, on the row whose state it led to or after the last row', async () => {
  const dir = join(FIXTURES, 'generated');
  let listed = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort()) {
    const report = await analyze([{ name, bytes: fromBytes(new Uint8Array(readFileSync(join(dir, name)))) }], { ladder: true });
    for (const c of report.connections) {
      const lines = renderConnectionLadder(c, wide).split('\n');
      for (const role of ['client', 'server'] as const) {
        const words = c[role].transitions.map((t) => `${t.from} → ${t.to} (${t.arc}${t.evidence === 'inferred' ? '; inferred' : ''}`);
        const arcLines = lines.filter((l) => l.trim().startsWith(`${role}: `) || l.includes(`end of the record, ${role}: `));
        const shown = arcLines.flatMap((l) => words.filter((w) => l.includes(w)));
        expect(shown.length, `${name} #${c.id} ${role}`).toBe(words.length);
        listed += words.length;
        // Under a row, the last arc ends in the state that row shows.
        let row = '';
        for (const l of lines) {
          if (ROW.test(l)) row = l;
          else if (l.trim().startsWith(`${role}: `)) {
            const last = l.split(' → ').at(-1)!.split(' ')[0];
            const cells = row.replace(/ +⚠$/, '').trim().split(/ +/);
            expect(role === 'client' ? cells[2] : cells.at(-1), `${name} #${c.id}: ${l}`).toBe(last);
          }
        }
      }
    }
  }
  expect(listed).toBeGreaterThan(100);
});

test('arcs inferred when the record ended, which no row shows, are listed after the last row', async () => {
  // The client's FIN is never answered: the server's CLOSE_WAIT is inferred when the record ends.
  const s = new Scenario();
  const { a, b } = s;
  a.syn(); b.synAck(); a.ack(); a.data(10); b.ack(); a.fin();
  const text = renderConnectionLadder((await s.run()).connections[0], wide);
  const lines = text.trimEnd().split('\n');
  expect(lines.at(-1)).toBe('                 at the end of the record, server: ESTABLISHED → CLOSE_WAIT (rcv FIN / snd ACK; inferred; frame 6)');
  expect(under(text, 6).filter((l) => l.startsWith('server:'))).toEqual([]);
});

test('arc lines: "->" with --ascii, dim when colour is on, no escape codes when it is off', async () => {
  const c = await firstConnection('real/client-close.pcap');
  expect(under(renderConnectionLadder(c, { ...wide, ascii: true }), 9))
    .toContain('server: ESTABLISHED -> CLOSE_WAIT (rcv FIN / snd ACK), CLOSE_WAIT -> LAST_ACK (CLOSE / snd FIN)');
  expect(renderConnectionLadder(c, wide)).not.toContain('\x1b');
  const coloured = renderConnectionLadder(c, { ...wide, chalk: new Chalk({ level: 1 }) });
  expect(coloured).toContain(new Chalk({ level: 1 }).dim('                 server: SYN_RECEIVED → ESTABLISHED (rcv ACK of SYN)'));
});

test('the header has a one-line legend: a close lags Figure 12 by a row (the observer model: FIN delivery), fitting the width', async () => {
  const c = await firstConnection('real/client-close.pcap');
  for (const width of [100, 80, 60, 40]) {
    const lines = renderConnectionLadder(c, defaultRenderContext({ width })).split('\n');
    const legend = lines.filter((l) => l.includes('docs/state-model.md'));
    expect(legend, `width ${width}`).toHaveLength(1);
    expect([...legend[0]].length).toBeLessThanOrEqual(width);
    expect(lines.indexOf(legend[0])).toBeLessThan(lines.findIndex((l) => /^frame +time/.test(l)));
  }
  expect(renderConnectionLadder(c, wide)).toContain('\nstates as captured: a FIN to ESTABLISHED counts when the receiver ACKs it or sends its own FIN (docs/state-model.md)\n');
});

test('the header says what "inferred" means when an arc is, and what Note 3 allows when an endpoint sent a RST, within --width (helper-74 audit)', async () => {
  const legendOf = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('states after') || l.startsWith('states are after') || l.startsWith('snd RST'));
  const reset = await firstConnection('real/reset.pcap'); // the server's LISTEN inferred; the client's abort
  expect(legendOf(renderConnectionLadder(reset, wide))).toEqual([
    'states are after each row\'s segment; "inferred": an arc no captured segment shows (docs/state-model.md)',
    'snd RST: RFC 9293 Note 3 allows a transition to TIME-WAIT; stacks (Linux, BSD, Windows) go to CLOSED, as drawn',
  ]);
  for (const width of [40, 65, 78, 100]) {
    const lines = legendOf(renderConnectionLadder(reset, { ...wide, width }));
    expect(lines, `width ${width}`).toHaveLength(2);
    for (const l of lines) expect([...l].length, `width ${width}`).toBeLessThanOrEqual(width);
    // Even the narrowest keeps both halves of each (helper-75 review).
    expect(lines[0], `width ${width}`).toMatch(/^states (are )?after.*inferred/);
    expect(lines[1], `width ${width}`).toMatch(/CLOSED.*TIME-WAIT|TIME-WAIT.*CLOSED/);
  }
  // Neither, where no arc is inferred and no RST was sent (the hand-made sample).
  expect(legendOf(renderConnectionLadder(sampleReport().connections[0], wide))).toEqual([]);
});

test('the header says a RST sent in SYN_SENT moves nothing, where one was, or that one answering nothing is an abort to CLOSED, within --width (helper-94 audit, H4)', async () => {
  const legendOf = (text: string): string[] => text.split('\n').filter((l) => /^RST (sent )?in SYN_SENT/.test(l));
  // The client answers a SYN,ACK of another ISN's SYN with <SEQ=SEG.ACK><CTL=RST> and stays in SYN_SENT.
  const answered = await firstConnection('generated/bad-handshake-ack-answered.pcap');
  expect(legendOf(renderConnectionLadder(answered, wide))).toEqual([
    'RST sent in SYN_SENT moves nothing: SYN_SENT sends one to answer an unacceptable ACK, and stays (RFC 9293 3.10.7.3)',
  ]);
  for (const width of [40, 65, 78, 100]) {
    const lines = legendOf(renderConnectionLadder(answered, { ...wide, width }));
    expect(lines, `width ${width}`).toHaveLength(1);
    expect([...lines[0]].length, `width ${width}`).toBeLessThanOrEqual(width);
  }
  // A RST answering no ACK (a SYN, then the client's own RST: Zeek's syn-then-rst.pcap) is an abort,
  // drawn to CLOSED by Note 3 (until 2026-12-07 the client stayed in SYN_SENT, read as HALF_OPEN).
  const abort = new Scenario();
  abort.a.syn(); abort.a.rst({ seq: abort.a.isn + 1 });
  const aborted = (await analyze([{ name: 'abort.pcap', bytes: fromBytes(abort.pcap()) }], { ladder: true })).connections[0];
  expect(legendOf(renderConnectionLadder(aborted, wide))).toEqual([
    'RST sent in SYN_SENT answering no ACK: an abort; RFC 9293 sends none (3.10.5), a stack that does has deleted the TCB: Note 3 to CLOSED',
  ]);
  for (const width of [40, 65, 78, 100]) {
    const lines = legendOf(renderConnectionLadder(aborted, { ...wide, width }));
    expect(lines, `width ${width}`).toHaveLength(1);
    expect([...lines[0]].length, `width ${width}`).toBeLessThanOrEqual(width);
  }
  expect(aborted.client.transitions.map((t) => `${t.from}>${t.to}:${t.arc}`)).toEqual(['CLOSED>SYN_SENT:active OPEN / create TCB, snd SYN', 'SYN_SENT>CLOSED:Note 3: snd RST']);
  expect(aborted.client.finalState).toBe('CLOSED');
  expect(aborted.handshake.outcome).toBe('aborted');
  expect(aborted.anomalies.map((a) => a.code)).not.toContain('HALF_OPEN');
  expect(renderConnectionLadder(aborted, wide)).toContain('SYN_SENT → CLOSED (Note 3: snd RST)');
  // Not where the RST's sender was anywhere else (a client's abort from ESTABLISHED, a refusal).
  expect(legendOf(renderConnectionLadder(await firstConnection('real/reset.pcap'), wide))).toEqual([]);
  expect(legendOf(renderConnectionLadder(await firstConnection('real/refused.pcap'), wide))).toEqual([]);
});

test('the header says which ISN each side\'s seq/ack count from, or that they are absolute', async () => {
  const header = (c: ConnectionReport): string => renderConnectionLadder(c, wide).split('\n').find((l) => l.startsWith('seq= '))!.replaceAll('\u00a0', ' ');
  const intro = "seq= counts from the sender's ISN, ack= from the receiver's: ";
  expect(header(await firstConnection('real/client-close.pcap'))).toBe(`${intro}client ISN 2945920587 · server ISN 4203303608`);
  // No SYN captured: the numbers are the wire's (seq=99000 ack=77000), and the header says so.
  expect(header(await firstConnection('generated/missing-syn.pcap'))).toBe(`${intro}client absolute (no SYN seen) · server absolute (no SYN seen)`);
  // ISNs read off the peer: the client's SYN missed (its ISN is the SYN,ACK's ack - 1), the server's SYN,ACK missed.
  const synAckFirst = new Scenario();
  synAckFirst.a.nxt = synAckFirst.a.isn + 1;
  synAckFirst.b.synAck({ ack: synAckFirst.a.isn + 1 }); synAckFirst.a.ack(); synAckFirst.a.data(10); synAckFirst.b.ack();
  expect(header((await synAckFirst.run()).connections[0])).toBe(`${intro}client ISN read off the server's SYN,ACK · server ISN 5000`);
  const oneSided = new Scenario();
  oneSided.a.syn(); oneSided.b.nxt = oneSided.b.isn + 1; oneSided.a.ack(); oneSided.a.data(10);
  expect(header((await oneSided.run()).connections[0])).toBe(`${intro}client ISN 1000 · server ISN read off the client's ACK`);
  // Data, then the SYNs (merged captures): absolute before each side's SYN, relative after.
  const late = new Scenario();
  late.a.nxt = late.a.isn + 1; late.b.nxt = late.b.isn + 1;
  late.a.data(10); late.b.ack(); late.a.syn({ keepSeq: true }); late.b.synAck({ keepSeq: true, ack: late.a.isn + 1 }); late.a.data(5);
  expect(header((await late.run()).connections[0])).toBe(`${intro}client ISN 1000 from frame 3, absolute before · server ISN 5000 from frame 4, absolute before`);
  // A side none of whose numbers is drawn (a SYN never answered: no ack=) is not named.
  expect(header(connection(3, { ladder: TEXTBOOK_LADDER.slice(0, 1) }))).toBe(`${intro}client ISN 1000`);
});

describe('a connection longer than the ladder keeps (helper-52 audit: every row was held, 1.44 GB for a million packets)', () => {
  test('its first LADDER_MAX_ROWS rows, then only rows that move a state; the rest counted, and said where they went', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack();
    const n = LADDER_MAX_ROWS + 50;
    for (let i = 0; i < n; i++) s.a.data(10);
    s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack();
    const r = await s.run();
    const [c] = r.connections;
    const total = s.frames.length;
    // Past the bound: the four rows of the close move states; the 50 data rows and nothing else left out.
    expect(c.ladder).toHaveLength(LADDER_MAX_ROWS + 4);
    expect(c.ladderRowsOmitted).toBe(total - LADDER_MAX_ROWS - 4);
    expect(c.ladder!.slice(-4).map((x) => `${x.clientState} ${x.serverState}`))
      .toEqual(['FIN_WAIT_1 ESTABLISHED', 'FIN_WAIT_2 CLOSE_WAIT', 'TIME_WAIT LAST_ACK', 'TIME_WAIT CLOSED']);
    const text = renderConnectionLadder(c, { ...ctx, ascii: true, width: 100 });
    expect(text).toContain(`... ${(total - LADDER_MAX_ROWS - 4).toLocaleString('en-US')} more rows not kept: a ladder keeps 10,000 rows`);
    // A shorter connection: no key at all.
    const short = new Scenario();
    short.a.syn(); short.b.synAck(); short.a.ack(); short.a.data(5);
    expect((await short.run()).connections[0].ladderRowsOmitted).toBeUndefined();
  });
});

describe('the rows all open connections hold (LADDER_BUDGET_ROWS: 50,000 busy connections could hold 500M rows)', () => {
  async function ladders(file: string, budget?: number): Promise<Map<number, Connection>> {
    const seen = new Map<number, Connection>();
    await runCore([{ name: 'x', bytes: fromBytes(readFileSync(file)) }], resolveSettings({}), new CaptureClock(), {
      ladder: true,
      ...(budget === undefined ? {} : { ladderBudgetRows: budget }),
      finished: (c: Connection) => {
        // The connection is recycled after this call: keep copies of what is compared.
        seen.set(c.id, { ladder: c.ladder!.map((r) => ({ ...r })), ladderOmitted: c.ladderOmitted, ladderOmittedAt: c.ladderOmittedAt } as Connection);
      },
    });
    return seen;
  }

  test.each([['wikipedia.pcap', 40], ['wikipedia.pcap', 5], ['pop3.pcap', 3], ['ipv6.pcap', 4]] as const)('%s, %i rows: past it, every connection keeps only rows that move a state from then on, and counts the others; the rows before are the same', async (name, budget) => {
    const file = sharedPath('corpus', 'zeek', 'traces', name);
    const all = await ladders(file);
    const few = await ladders(file, budget);
    expect(few.size).toBe(all.size);
    let cut = 0;
    for (const [id, c] of few) {
      const whole = all.get(id)!;
      expect(whole.ladderOmitted, `#${id}`).toBe(0);
      // Kept and left out add up to every row, and the kept ones are rows of the whole ladder, in order.
      expect(c.ladder!.length + c.ladderOmitted, `#${id}`).toBe(whole.ladder!.length);
      const frames = new Set(whole.ladder!.map((r) => r.frame));
      for (const r of c.ladder!) expect(frames.has(r.frame), `#${id} frame ${r.frame}`).toBe(true);
      if (c.ladderOmitted === 0) {
        expect(c.ladder).toEqual(whole.ladder);
        continue;
      }
      cut++;
      expect(c.ladderOmittedAt).toBeLessThan(whole.ladder!.length);
      expect(c.ladder!.slice(0, c.ladderOmittedAt)).toEqual(whole.ladder!.slice(0, c.ladderOmittedAt));
      // A row kept after that moved a state: its states differ from the row before it in the whole ladder.
      for (const r of c.ladder!.slice(c.ladderOmittedAt)) {
        const i = whole.ladder!.findIndex((w) => w.frame === r.frame);
        const before = whole.ladder![i - 1];
        expect(before === undefined || before.clientState !== r.clientState || before.serverState !== r.serverState, `#${id} frame ${r.frame}`).toBe(true);
      }
    }
    expect(cut).toBeGreaterThan(0);
    // Rows are given back when a connection is reported: with room for every row at once, nothing is left out.
    const roomy = await ladders(file, 100_000);
    for (const c of roomy.values()) expect(c.ladderOmitted).toBe(0);
  });

  test('a connection none of whose rows was kept: the diagram says how many were left out, not that none were recorded (helper-91 review)', () => {
    const c = connection(1, { ladder: [] });
    c.ladderRowsOmitted = 3;
    c.ladderRowsOmittedAfter = 0;
    const text = renderConnectionLadder(c, { ...ctx, ascii: true, width: 200 });
    expect(text).not.toContain('no per-packet rows were recorded');
    expect(text).toContain("... 3 more rows not kept: the open connections' ladders held 1,000,000 rows between them");
  });

  test('the diagram says where rows were left out, and why', () => {
    const c = connection(1, { ladder: TEXTBOOK_LADDER });
    c.ladderRowsOmitted = 7;
    c.ladderRowsOmittedAfter = 2;
    const lines = renderConnectionLadder(c, { ...ctx, ascii: true, width: 200 }).split('\n');
    const at = lines.findIndex((l) => l.includes('more rows not kept'));
    expect(lines[at]).toContain("... 7 more rows not kept: the open connections' ladders held 1,000,000 rows between them, and from then on only those of packets that move a state");
    // After the second row (frame 2), before the third.
    const frameOf = (l: string): number | null => (/^ +(\d+) +\d+\.\d+/.exec(l) ? Number(/^ +(\d+)/.exec(l)![1]) : null);
    expect(lines.slice(0, at).map(frameOf).filter((f) => f !== null)).toEqual([1, 2]);
  });
});

test('a connection whose rows were left out while the budget was spent keeps leaving them out after rows are given back (helper-91 review)', async () => {
  // A fills the budget and closes; B's data rows past it are left out; A is reported (its rows given
  // back) while B goes on: B's later data rows stay left out, so its ladder's "from then on" holds.
  const a = new Scenario({ clientPort: 40001 });
  a.a.syn(); a.b.synAck(); a.a.ack();
  for (let i = 0; i < 10; i++) a.a.data(10);
  const b = new Scenario({ clientPort: 40002 });
  b.wait(50);
  b.a.syn(); b.b.synAck(); b.a.ack();
  for (let i = 0; i < 5; i++) b.a.data(10);
  a.wait(100);
  a.a.fin(); a.b.ack(); a.b.fin(); a.a.ack();
  b.wait(10_000);
  for (let i = 0; i < 5; i++) b.a.data(10);
  b.a.fin(); b.b.ack(); b.b.fin(); b.a.ack();
  const frames = [...a.frames, ...b.frames].sort((x, y) => x.tsSec - y.tsSec || x.tsNanos - y.tsNanos);
  const seen = new Map<number, { rows: number; omitted: number; at: number; data: number }>();
  await runCore([{ name: 'x', bytes: fromBytes(writePcap(frames)) }], resolveSettings({ mslSeconds: 1 }), new CaptureClock(), {
    ladder: true,
    ladderBudgetRows: 15,
    finished: (c: Connection) => {
      seen.set(c.id, { rows: c.ladder!.length, omitted: c.ladderOmitted, at: c.ladderOmittedAt, data: c.ladder!.filter((r) => r.len > 0).length });
    },
  });
  const bc = seen.get(2)!;
  expect(seen.get(1)!.omitted).toBe(0);
  expect(bc.omitted).toBe(10); // all ten of its data rows: five while A held the budget, five after
  expect(bc.data).toBe(0);
  expect(bc.at).toBe(3);
});

test('the ACK BAD_HANDSHAKE_ACK names, below its ISN, is drawn signed as its message gives it, and so is the RST answering it (helper-102 review)', async () => {
  const s = new Scenario({ clientIsn: 3_000_000_000 });
  s.a.syn(); s.b.synAck({ ack: 3_000_000_000 - 5 }); s.a.rst({ seq: 3_000_000_000 - 5 });
  const r = await s.run();
  const text = renderConnectionLadder(r.connections[0], wide);
  expect(text).toContain('SYN,ACK seq=0 ack=-5 ─');
  expect(text).toContain('─ RST seq=-5 ─');
  expect(text).toContain("server's SYN,ACK acknowledges 2999999995 (ISN-5), expected 3000000001 (ISN+1)");
  // Resent with the same ACK: that row too (helper-103 review: ack=4294967291 under "(2 times)").
  const again = new Scenario({ clientIsn: 3_000_000_000 });
  again.a.syn(); again.b.synAck({ ack: 3_000_000_000 - 5 }); again.wait(1000); again.b.synAck({ ack: 3_000_000_000 - 5 });
  again.a.rst({ seq: 3_000_000_000 - 5 });
  const twice = renderConnectionLadder((await again.run()).connections[0], wide);
  expect(twice.match(/SYN,ACK seq=0 ack=-5 ─/g)).toHaveLength(2);
  expect(twice).not.toContain('4294967291');
  // Two different bad SYN,ACKs, then the RSTs answering each: both drawn signed (helper-104 review).
  const two = new Scenario({ clientIsn: 3_000_000_000 });
  two.a.syn(); two.b.synAck({ ack: 3_000_000_000 - 5 }); two.wait(1000); two.b.synAck({ ack: 3_000_000_000 + 3_000_000 });
  two.a.rst({ seq: 3_000_000_000 - 5 }); two.a.rst({ seq: 3_000_000_000 + 3_000_000 });
  const both = renderConnectionLadder((await two.run()).connections[0], wide);
  expect(both).toContain('─ RST seq=-5 ─');
  expect(both).not.toContain('4294967291');
  // Above the ISN, as before: ack=7 and ISN+7.
  const t = new Scenario();
  t.a.syn(); t.b.synAck({ ack: t.a.isn + 7 }); t.a.rst({ seq: t.a.isn + 7 });
  const u = renderConnectionLadder((await t.run()).connections[0], wide);
  expect(u).toContain('SYN,ACK seq=0 ack=7 ─');
  expect(u).toContain('(ISN+7)');
});
