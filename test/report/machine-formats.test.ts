import { describe, expect, test } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { ndjsonConnectionLine, ndjsonSummaryLine, renderNdjson } from '../../src/report/ndjson.js';
import { renderZeekTsv, zeekConnRow, ZEEK_CONN_FIELDS } from '../../src/report/zeek-tsv.js';
import { renderers, FORMATS } from '../../src/report/index.js';
import { connection, sampleReport } from './fixtures.js';

describe('json', () => {
  test('one document that parses back to the report, byte-identical on every run', () => {
    const r = sampleReport();
    const text = renderJson(r);
    expect(JSON.parse(text)).toEqual(r);
    expect(renderJson(sampleReport())).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual(['schemaVersion', 'tool', 'settings', 'inputs', 'stats', 'summary', 'connections']);
  });
});

describe('ndjson', () => {
  test('one connection per line, then the summary; every line has a type', () => {
    const r = sampleReport();
    const lines = renderNdjson(r).split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => p.type)).toEqual([...r.connections.map(() => 'connection'), 'summary']);
    const { type: _t, ...first } = parsed[0];
    expect(first).toEqual(r.connections[0]);
    const summary = parsed.at(-1)!;
    expect(Object.keys(summary)).toEqual(['type', 'schemaVersion', 'tool', 'settings', 'inputs', 'stats', 'summary']);
    expect(summary.summary).toEqual(r.summary);
  });

  test('the streaming pieces are the same lines', () => {
    const r = sampleReport();
    expect(r.connections.map(ndjsonConnectionLine).join('') + ndjsonSummaryLine(r)).toBe(renderNdjson(r));
  });

  test('a selection travels on the summary line', () => {
    const r = sampleReport();
    r.selection = { criteria: ['port=110'], matched: 3, shown: 3 };
    expect(JSON.parse(ndjsonSummaryLine(r)).selection).toEqual(r.selection);
  });
});

describe('zeek conn.log', () => {
  const text = renderZeekTsv(sampleReport());
  const lines = text.trimEnd().split('\n');

  test('header lines in the order Zeek writes them (golden)', async () => {
    expect(lines.slice(0, 6)).toEqual([
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      '#path\tconn',
      '#open\t2024-03-01-10-00-00',
    ]);
    expect(lines[6].split('\t')).toEqual(['#fields', ...ZEEK_CONN_FIELDS.map(([f]) => f)]);
    expect(lines[7].split('\t')).toEqual(['#types', ...ZEEK_CONN_FIELDS.map(([, t]) => t)]);
    expect(lines.at(-1)).toBe('#close\t2024-03-01-10-02-31');
    await expect(text).toMatchFileSnapshot('../../fixtures/golden/cli/conn.log');
  });

  test("when Zeek's originator is our server, the tuple and per-side counts follow it", () => {
    const c = connection(9, {
      bytes: { client: 10, server: 2000 }, packets: { client: 3, server: 5 },
      zeek: { connState: 'OTH', history: '^hADd', origIsClient: false },
    });
    const row = zeekConnRow(c);
    const field = (f: string): string => row[ZEEK_CONN_FIELDS.findIndex(([n]) => n === f)];
    expect([field('id.orig_h'), field('id.orig_p')]).toEqual([c.server.ip, String(c.server.port)]);
    expect([field('id.resp_h'), field('id.resp_p')]).toEqual([c.client.ip, String(c.client.port)]);
    expect([field('orig_bytes'), field('resp_bytes'), field('orig_pkts'), field('resp_pkts')]).toEqual(['2000', '10', '5', '3']);
    expect(field('history')).toBe('^hADd');
  });

  test('one row per connection, every row as wide as #fields, zeek-cut style lookups work', () => {
    const fields = lines[6].split('\t').slice(1);
    const rows = lines.filter((l) => !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toHaveLength(fields.length);
    const get = (row: string[], f: string): string => row[fields.indexOf(f)];
    expect(get(rows[0], 'ts')).toBe('1709287200.000000');
    expect(get(rows[0], 'uid')).toBe('C1');
    expect(get(rows[0], 'id.orig_h')).toBe('192.168.1.10');
    expect(get(rows[0], 'id.resp_p')).toBe('110');
    expect(get(rows[0], 'proto')).toBe('tcp');
    expect(get(rows[0], 'duration')).toBe('1.250000');
    expect(get(rows[0], 'resp_bytes')).toBe('14210');
    expect(get(rows[0], 'conn_state')).toBe('SF');
    expect(get(rows[0], 'history')).toBe('ShADadFf');
    expect(get(rows[1], 'conn_state')).toBe('REJ');
    expect(get(rows[4], 'id.orig_h')).toBe('2001:db8:1234:5678::10');
    expect(get(rows[0], 'service')).toBe('-');
  });

  test('duration and byte counts are unset for a zero-length connection, as Zeek does', () => {
    const r = sampleReport();
    r.connections = [{ ...r.connections[1], duration: 0 }];
    const row = renderZeekTsv(r).split('\n').find((l) => !l.startsWith('#'))!.split('\t');
    expect(row.slice(8, 11)).toEqual(['-', '-', '-']);
  });

  test('an empty capture still has a well-formed header', () => {
    const r = sampleReport();
    r.connections = [];
    r.summary = { ...r.summary, firstPacket: null, lastPacket: null };
    const t = renderZeekTsv(r).trimEnd().split('\n');
    expect(t[5]).toBe('#open\t-');
    expect(t.at(-1)).toBe('#close\t-');
    expect(t).toHaveLength(9);
  });
});

test('the registry has a renderer for every --format', () => {
  expect(Object.keys(renderers).sort()).toEqual([...FORMATS].sort());
});
