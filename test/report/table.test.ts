import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { renderTable, renderTableRows, TableRowMaker } from '../../src/report/table.js';
import { defaultRenderContext } from '../../src/report/context.js';
import { connection, sampleReport } from './fixtures.js';

const plain80 = defaultRenderContext({ width: 80 });

describe('table renderer', () => {
  test('80 columns, no colour (golden)', async () => {
    await expect(renderTable(sampleReport(), plain80)).toMatchFileSnapshot('../../fixtures/golden/cli/table-80.txt');
  });

  test('120 columns keeps anomalies in their own column (golden)', async () => {
    await expect(renderTable(sampleReport(), defaultRenderContext({ width: 120 }))).toMatchFileSnapshot('../../fixtures/golden/cli/table-120.txt');
  });

  test.each([80, 100, 120, 160])('no line is wider than %i columns', (width) => {
    for (const line of renderTable(sampleReport(), defaultRenderContext({ width })).split('\n')) {
      expect([...line].length, line).toBeLessThanOrEqual(width);
    }
  });

  test('150k rows: every one printed, the same lines as a small table of the same rows, no stack overflow', () => {
    const report = sampleReport();
    const maker = new TableRowMaker(false);
    const base = report.connections.map((c) => maker.row(c));
    // Math.max(...rows) or push(...lines) would throw RangeError from about 120k elements on.
    const rows = Array.from({ length: 150_000 }, (_, i) => ({ ...base[i % base.length], id: i + 1 }));
    const big = renderTableRows(report, rows, maker.severities, plain80).split('\n');
    const small = renderTableRows(report, base, maker.severities, plain80).split('\n');
    const start = small.findIndex((l) => l.startsWith('─'));
    const body = small.slice(start + 1, small.indexOf('', start));
    expect(big.slice(start + 1, start + 1 + body.length)).toEqual(body);
    expect(big.length - small.length).toBe((150_000 / base.length - 1) * body.length);
  });

  test('header names inputs, packets, time span, connections and decode problems', () => {
    const text = renderTable(sampleReport(), plain80);
    expect(text).toMatch(/^input +sample\.pcap: pcap, EN10MB, 1,650 packets$/m);
    expect(text).toMatch(/^packets +1,650 \(1,640 TCP, 8 skipped\)$/m);
    expect(text).toMatch(/^time span +2024-03-01T10:00:00\.000000Z → 2024-03-01T10:02:31\.250000Z \(2m31s\)$/m);
    expect(text).toMatch(/^connections +6$/m);
    expect(text).toMatch(/^decode +2 \(TCP_TRUNCATED_HEADER 2\)$/m);
  });

  test('summary counts handshakes, closes and anomaly codes', () => {
    const text = renderTable(sampleReport(), plain80);
    expect(text).toMatch(/^handshakes +complete 3, no_answer 1, not_seen 1, refused 1$/m);
    expect(text).toMatch(/^closes +four_way 1, half_closed 1, none 2, reset 2$/m);
    expect(text).toContain('SYN_RETRANSMIT 2');
  });

  test('says how many more matched when --limit cut the list', () => {
    const r = sampleReport();
    r.connections = r.connections.slice(0, 2);
    r.selection = { criteria: ['limit=2'], matched: 6, shown: 2 };
    const text = renderTable(r, plain80);
    expect(text).toContain('… 4 more connections matched (raise --limit to see them)');
    expect(text).toContain('summary of all 6 connections');
  });

  test('an empty selection and an empty capture say so', () => {
    const r = sampleReport();
    r.connections = [];
    r.selection = { criteria: ['host=10.9.9.9'], matched: 0, shown: 0 };
    expect(renderTable(r, plain80)).toContain('No connection matches the selection.');
    delete r.selection;
    expect(renderTable(r, plain80)).toContain('No TCP connections.');
  });

  test('anomalies are coloured by severity, and only when asked', () => {
    const r = sampleReport();
    const colour = renderTable(r, { ...plain80, width: 160, chalk: new Chalk({ level: 1 }) });
    expect(colour).toContain('\x1b[31m\x1b[1mHALF_OPEN'); // error: bold red (chalk nests the codes)
    expect(colour).toContain('\x1b[33mREFUSED'); // warn: yellow
    expect(colour).toContain('\x1b[36mMIDSTREAM'); // info: cyan
    expect(renderTable(r, plain80)).not.toContain('\x1b[');
  });

  test('ASCII mode has no arrows', () => {
    const text = renderTable(sampleReport(), { ...plain80, ascii: true });
    expect(text).not.toMatch(/[→⚠…─]/);
    expect(text).toContain('client -> server');
  });

  test('without a total RTT the handshake shows the SYN/ACK time from the last SYN, not the SYN backoff', () => {
    // Three SYNs 1 s and 2 s apart, a SYN/ACK 10.1 ms after the last, never acknowledged.
    const r = sampleReport();
    r.connections = [connection(1, {
      handshake: { outcome: 'synack_unacked', synCount: 3, rtt: { synToSynAck: 3.0103, lastSynToSynAck: 0.0101, synAckToAck: null, total: null } },
    })];
    const text = renderTable(r, defaultRenderContext({ width: 160 }));
    expect(text).toMatch(/ synack_unacked 10\.1 ms /);
    expect(text).not.toContain('3.01 s');
  });

  test('one long IPv6 row does not push other rows past the width', () => {
    const r = sampleReport();
    r.connections = [connection(1, { client: { ip: 'fe80:1234:5678:9abc:def0:1234:5678:9abc' }, server: { ip: 'fe80::1' } })];
    for (const line of renderTable(r, plain80).split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });
});
