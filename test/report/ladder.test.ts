import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { arrow, renderConnectionLadder, renderLadder, rowLabel } from '../../src/report/ladder.js';
import { defaultRenderContext } from '../../src/report/context.js';
import { connection, sampleReport, TEXTBOOK_LADDER } from './fixtures.js';
import { ROTATED_NAMES, rotatedCapture } from '../helpers/rotated.js';

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
    expect(lines[reset - 1]).toMatch(/^ +3 +1\.050800 .* RST seq=1 /);
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
    handshake: { outcome: 'synack_unacked', synCount: 3, rtt: { synToSynAck: 3.0103, lastSynToSynAck: 0.0101, synAckToAck: null, total: null } },
  });
  const text = renderConnectionLadder(c, wide).replace(/\u00a0/g, ' ');
  expect(text).toContain('handshake synack_unacked (rtt 10.1 ms)');
  expect(text).not.toContain('3.01 s');
});
