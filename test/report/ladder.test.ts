import { expect, test } from 'vitest';
import { arrow, renderConnectionLadder, renderLadder, rowLabel } from '../../src/report/ladder.js';
import { defaultRenderContext } from '../../src/report/context.js';
import { connection, sampleReport, TEXTBOOK_LADDER } from './fixtures.js';

const ctx = defaultRenderContext({ width: 80 });

test('textbook open and close, and a half-open SYN with anomalies (golden)', async () => {
  const r = sampleReport();
  r.connections = r.connections.filter((c) => c.ladder);
  await expect(renderLadder(r, ctx)).toMatchFileSnapshot('../../fixtures/golden/cli/ladder.txt');
  await expect(renderLadder(r, { ...ctx, ascii: true })).toMatchFileSnapshot('../../fixtures/golden/cli/ladder-ascii.txt');
});

test('every row shows both states after the packet, in the order of the rows', () => {
  const text = renderConnectionLadder(connection(1, { ladder: TEXTBOOK_LADDER }), ctx);
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
