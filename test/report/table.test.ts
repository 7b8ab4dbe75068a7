import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { renderTable, renderTableRows, TableRowMaker } from '../../src/report/table.js';
import { defaultRenderContext } from '../../src/report/context.js';
import { anomalyCounts, formatCount, formatEndpoint } from '../../src/report/format.js';
import type { CloseKind, ConnectionReport, HandshakeOutcome, RunReport } from '../../src/report/model.js';
import { ANOMALIES, type AnomalyCode } from '../../src/analysis/catalog.js';
import { TCP_STATES } from '../../src/tcp/state.js';
import { anomaly, connection, sampleReport } from './fixtures.js';

const plain80 = defaultRenderContext({ width: 80 });

describe('table renderer', () => {
  test('80 columns, no colour (golden)', async () => {
    await expect(renderTable(sampleReport(), plain80)).toMatchFileSnapshot('../../fixtures/golden/cli/table-80.txt');
  });

  test('120 columns keeps anomalies in their own column (golden)', async () => {
    await expect(renderTable(sampleReport(), defaultRenderContext({ width: 120 }))).toMatchFileSnapshot('../../fixtures/golden/cli/table-120.txt');
  });

  test('a handshake read from its SYN,ACK on says the SYN was not seen, under the outcome, dim (helper-64 audit)', () => {
    const noSyn = connection(1, { handshake: { syn: null, synFrame: null, synCount: 0, rtt: { synToSynAck: null, lastSynToSynAck: null, total: null } } });
    const whole = connection(2);
    const report: RunReport = { ...sampleReport(), connections: [noSyn, whole] };
    const text = renderTable(report, defaultRenderContext({ width: 100 }));
    expect(text).toMatch(/^1 .* complete +[^\n]*\n .*\(no SYN seen\)/m);
    expect(text.match(/no SYN seen/g)).toHaveLength(1);
    const coloured = renderTable(report, defaultRenderContext({ width: 100, chalk: new Chalk({ level: 1 }) }));
    expect(coloured).toContain('\u001b[2m(no SYN seen)\u001b[22m');
  });

  test.each([100, 120, 160])('no line is wider than %i columns', (width) => {
    for (const line of renderTable(sampleReport(), defaultRenderContext({ width })).split('\n')) {
      expect([...line].length, line).toBeLessThanOrEqual(width);
    }
  });

  test('at 80 columns every line fits: the sample\'s IPv6 row breaks after a colon of its address, "]:port" whole', () => {
    const text = renderTable(sampleReport(), plain80);
    for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    // It needed 86 columns before an address could break (ec57f3f to this change).
    expect(text).toMatch(/^5 \[2001:db8:1234:5678:: +complete /m);
    expect(text).toMatch(/^ {2}10\]:40123 → +1 ms /m);
    expect(text).toMatch(/^ {2}\[2001:db8:1234:5678::\n {2}80\]:8080$/m);
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

  test('the packets line says which TCP came out of tunnels, a kind and its count never split', () => {
    const report = sampleReport();
    report.stats.tunnelled = { VXLAN: 1_200, GTP_U: 440 };
    expect(renderTable(report, plain80)).toMatch(/^packets +1,650 \(1,640 TCP, 8 skipped\), tunnelled: VXLAN 1,200, GTP_U 440$/m);
    const narrow = renderTable(report, { ...plain80, width: 40 }).split('\n');
    const at = narrow.findIndex((l) => l.startsWith('packets'));
    expect(narrow.slice(at, at + 3)).toEqual(['packets     1,650 (1,640 TCP, 8', '            skipped), tunnelled:', '            VXLAN 1,200, GTP_U 440']);
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
      handshake: { outcome: 'synack_unacked', synCount: 3, ack: null, ackFrame: null, rtt: { synToSynAck: 3.0103, lastSynToSynAck: 0.0101, synAckToAck: null, total: null } },
    })];
    const text = renderTable(r, defaultRenderContext({ width: 160 }));
    expect(text).toMatch(/ synack_unacked ≥10\.1 ms /); // only the server's half: a lower bound (helper-101 review)
    expect(text).not.toContain('3.01 s');
    // An ACK captured, but before the SYN,ACK (no total): that half bounds nothing, so no RTT (helper-102 review).
    r.connections = [connection(1, {
      handshake: { outcome: 'complete', rtt: { synToSynAck: 0.1002, lastSynToSynAck: 0.1002, synAckToAck: null, total: null } },
    })];
    const reordered = renderTable(r, defaultRenderContext({ width: 160 }));
    expect(reordered).toMatch(/ complete +\d/);
    expect(reordered).not.toContain('100.2 ms');
  });
});

// eslint-disable-next-line no-control-regex
const stripColour = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Each row's lines by connection id: a row starts on the line whose '#' column holds a number. */
function rowBlocks(text: string): Map<number, string[]> {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => /^ *# /.test(l));
  const rule = lines.findIndex((l, i) => i > head && /^[─-]+$/.test(l));
  const idEnd = lines[head].indexOf('#');
  const rows = new Map<number, string[]>();
  let cur: string[] = [];
  for (const l of lines.slice(rule + 1, lines.indexOf('', rule))) {
    const id = /^ *(\d+)$/.exec(l.slice(0, idEnd + 1));
    if (id && l[idEnd + 1] === ' ') rows.set(Number(id[1]), (cur = []));
    cur.push(l);
  }
  return rows;
}

/**
 * The words of `r` that `text` (its plain table) does not show whole on one line: each row's
 * endpoints with their ports, outcome, close kind, states and anomaly codes with their counts
 * (within that row, so the same word intact in another row hides nothing), then the summary's
 * "CODE count" pairs. Empty when nothing was split. The one break allowed is an IPv6 endpoint's
 * after a colon of its address: then each of its pieces is whole on a line, the last one with
 * "]:port", and the endpoint column's lines of the row put back together read the endpoint.
 */
function splitWords(r: RunReport, text: string, ascii = false): string[] {
  const rows = rowBlocks(text);
  const split: string[] = [];
  const head = text.split('\n').find((l) => /^ *# /.test(l)) ?? '';
  const [from, to] = [head.indexOf('client'), head.indexOf('handshake')];
  for (const c of r.connections) {
    const lines = rows.get(c.id) ?? [];
    const column = lines.map((l) => l.slice(from, to).trim()).join('');
    for (const w of [formatEndpoint(c.client), formatEndpoint(c.server)]) {
      if (lines.some((l) => l.includes(w))) continue;
      const whole = ipv6Pieces(w).every((p) => lines.some((l) => l.includes(p))) && column.includes(w);
      if (!whole) split.push(`#${c.id} ${w}`);
    }
    const words = [
      c.handshake.outcome, c.close.kind, c.client.finalState, c.server.finalState,
      ...anomalyCounts(c).map((a) => (a.count > 1 ? `${a.code}${ascii ? 'x' : '×'}${a.count}` : a.code)),
    ];
    for (const w of words) if (!lines.some((l) => l.includes(w))) split.push(`#${c.id} ${w}`);
  }
  const lines = text.split('\n');
  const summary = lines.slice(lines.findIndex((l) => l.startsWith('summary')));
  for (const rec of [r.summary.handshakes, r.summary.closes, r.summary.anomalies, r.summary.ended]) {
    for (const [k, n] of Object.entries(rec)) {
      const pair = `${k} ${formatCount(n ?? 0)}`;
      if ((n ?? 0) > 0 && !summary.some((l) => l.includes(pair))) split.push(`summary ${pair}`);
    }
  }
  return split;
}

/** "[2001:db8::1]:80" as "[2001:", "db8::", "1]:80": an address's groups, each with its colon(s); the port stays with the last. */
function ipv6Pieces(endpoint: string): string[] {
  const m = /^\[(.*)\](:\d+)$/.exec(endpoint);
  if (!m) return [endpoint];
  const groups = m[1].match(/[^:]*:+|[^:]+$/g) ?? [];
  if (groups.length === 0) return [endpoint];
  groups[0] = `[${groups[0]}`;
  groups[groups.length - 1] += `]${m[2]}`;
  return groups;
}

/** `r` with `connections` in place of its own, and a summary that counts them. */
function withConnections(connections: ConnectionReport[], anomalyScale = 1): RunReport {
  const r = sampleReport();
  const count = (f: (c: ConnectionReport) => string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const c of connections) out[f(c)] = (out[f(c)] ?? 0) + 1;
    return out;
  };
  const anomalies: Record<string, number> = {};
  for (const c of connections) for (const a of c.anomalies) anomalies[a.code] = (anomalies[a.code] ?? 0) + anomalyScale;
  r.connections = connections;
  r.summary = {
    ...r.summary, connections: connections.length, handshakes: count((c) => c.handshake.outcome), closes: count((c) => c.close.kind),
    anomalies: Object.fromEntries(Object.entries(anomalies).sort(([a], [b]) => a.localeCompare(b))), ended: count((c) => c.ended),
  };
  return r;
}

const codes = (...list: AnomalyCode[]) => list.map((code, i) => anomaly(code, ANOMALIES[code].severity, 10 + i, null, code));

/** The rows the audit found split: ../shared/corpus/zeek/traces/ipv6.pcap and tcpdump's bigtcp-ipv6.pcap. */
const auditIpv6 = (): RunReport => withConnections([
  connection(1, { client: { ip: '2001:470:1f11:81f:c999:d94:aa7c:2e3e', port: 49185 }, server: { ip: '2001:470:4867:99::21', port: 21 } }),
  connection(2, { client: { ip: '2001:470:4867:99::21', port: 55785, finalState: 'TIME_WAIT' }, server: { ip: '2001:470:1f11:81f:c999:d94:aa7c:2e3e', port: 49189 } }),
  connection(3, {
    client: { ip: '2604:1380:4091:ce00::b', port: 43267, finalState: 'ESTABLISHED' }, server: { ip: '2604:1380:4091:ce00::d', port: 41219, finalState: 'ESTABLISHED' },
    rolesGuessed: true, handshake: { outcome: 'not_seen' }, close: { kind: 'none', initiator: null }, anomalies: codes('MIDSTREAM', 'NOT_CLOSED'),
  }),
]);

/** fixtures/real/sim-close.pcap's one connection. */
const simClose = (): RunReport => withConnections([
  connection(1, {
    client: { ip: '127.0.0.1', port: 59388 }, server: { ip: '127.0.0.1', port: 29108, finalState: 'TIME_WAIT' },
    close: { kind: 'simultaneous', initiator: 'both' }, anomalies: codes('SIMULTANEOUS_CLOSE', 'FIN_RETRANSMIT', 'FIN_RETRANSMIT'),
  }),
]);

const OUTCOMES = ['complete', 'simultaneous_open', 'refused', 'no_answer', 'unreachable', 'synack_unacked', 'aborted', 'bad_ack', 'not_seen'] as const satisfies readonly HandshakeOutcome[];
const CLOSES = ['four_way', 'three_way', 'simultaneous', 'reset', 'half_closed', 'incomplete', 'none'] as const satisfies readonly CloseKind[];

const endpointArb = fc.record({
  ip: fc.oneof(fc.ipV4(), fc.ipV6()),
  port: fc.integer({ min: 0, max: 65_535 }),
  finalState: fc.constantFrom(...TCP_STATES, 'UNKNOWN' as const),
});
const connectionArb = fc.record({
  client: endpointArb,
  server: endpointArb,
  outcome: fc.constantFrom(...OUTCOMES),
  kind: fc.constantFrom(...CLOSES),
  by: fc.constantFrom('client' as const, 'server' as const, 'both' as const, null),
  bytes: fc.record({ client: fc.nat({ max: 2 ** 40 }), server: fc.nat({ max: 2 ** 40 }) }),
  anomalies: fc.array(fc.constantFrom(...(Object.keys(ANOMALIES) as AnomalyCode[])), { maxLength: 7 }),
  rolesGuessed: fc.boolean(),
});

describe('the table never splits a word', () => {
  // Wider, the rows were whole before too; the property test below covers every width.
  test.each([60, 80, 100, 120])('IPv6 addresses keep their ports at %i columns (the audit\'s ipv6.pcap and bigtcp-ipv6.pcap rows)', (width) => {
    const r = auditIpv6();
    expect(splitWords(r, renderTable(r, defaultRenderContext({ width })))).toEqual([]);
  });

  test.each([60, 70, 80, 100])('"simultaneous" stays whole in the close column at %i columns (sim-close.pcap)', (width) => {
    const r = simClose();
    const text = renderTable(r, defaultRenderContext({ width }));
    expect(splitWords(r, text)).toEqual([]);
    expect(text).not.toContain('simultaneou\n');
  });

  test('the summary keeps every anomaly code with its count, at every width from 40 to 220 (the 1 GB benchmark\'s summary)', () => {
    const r = sampleReport();
    r.summary.anomalies = {
      DATA_AFTER_RESET: 479, HALF_OPEN: 3469, LINGERING_CLOSE_WAIT: 4505, LINGERING_FIN_WAIT_2: 4505, NOT_CLOSED: 4505,
      REFUSED: 5406, RESET: 5417, SIMULTANEOUS_CLOSE: 1887, SYN_RETRANSMIT: 3469,
    };
    r.stats.decodeErrors = { TCP_TRUNCATED_HEADER: 12_345, IPV4_BAD_IHL: 2, TCP_BAD_DATA_OFFSET: 1_234_567 };
    for (let width = 40; width <= 220; width++) {
      const text = renderTable(r, defaultRenderContext({ width }));
      expect(splitWords(r, text), `width ${width}`).toEqual([]);
      // The header's decode line pairs a code with its count the same way.
      for (const [code, n] of Object.entries(r.stats.decodeErrors)) expect(text, `width ${width}`).toContain(`${code} ${formatCount(n)}`);
    }
  });

  test('a full-length IPv6 address gives way only when nothing else can; past that the row overflows rather than split "]:port"', () => {
    const r = withConnections([connection(1, { client: { ip: 'fe80:1234:5678:9abc:def0:1234:5678:9abc' }, server: { ip: 'fe80::1' } })]);
    // 80 columns: the other columns are at their longest words first, then the address breaks.
    const at80 = renderTable(r, plain80);
    for (const line of at80.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(at80).toMatch(/^1 \[fe80:1234:5678:9abc:def0: +complete +1\.25 s 120 B \/ +four_way +TIME_WAIT$/m);
    expect(at80).toMatch(/^ {2}1234:5678:9abc\]:50001 → +1 ms +13\.9 KiB by client \/ CLOSED$/m);
    expect(splitWords(r, at80)).toEqual([]);
    // 50 columns: every column at its longest unbreakable piece ("9abc]:50001 →"), one space apart.
    const text = renderTable(r, defaultRenderContext({ width: 50 }));
    expect(splitWords(r, text)).toEqual([]);
    expect(text).toMatch(/^# client → +handshake duration bytes +close +final$/m);
    const lines = text.split('\n');
    const head = lines.findIndex((l) => l.startsWith('# '));
    const end = lines.indexOf('', head);
    for (const line of [...lines.slice(0, head), ...lines.slice(end)]) expect([...line].length, line).toBeLessThanOrEqual(50);
    const longest = ['1', '9abc]:50001 →', 'handshake', 'duration', '13.9 KiB', 'by client', 'TIME_WAIT'];
    expect(lines.find((l) => l.startsWith('─'))).toHaveLength(longest.join(' ').length);
    expect(lines.slice(head + 3, end)).toContain('  9abc]:50001 →');
  });

  test('the header\'s selection wraps to the width however long a criterion (late review: two IPv6 hosts made a 95-column line at 80)', () => {
    const r = sampleReport();
    r.selection = { criteria: ['connection=1,2', 'host=2001:db8:1234:5678:9abc:def0:1234:5678,fe80:abcd:ef01:2345:6789:abcd:ef01:2345'], matched: 0, shown: 0 };
    const lines = renderTable(r, plain80).split('\n');
    const head = lines.slice(0, lines.findIndex((l) => l === ''));
    for (const line of head) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(head.join('\n')).toMatch(/^connections 6, 0 match connection=1,2$/m);
  });

  test('a caveat wrapped in a narrow endpoint column is dim on every line (late review: "guessed)" was not)', () => {
    const r = withConnections([connection(1, { client: { ip: 'fe80:1234:5678:9abc:def0:1234:5678:9abc' }, server: { ip: 'fe80::1' }, rolesGuessed: true })]);
    const lines = renderTable(r, defaultRenderContext({ width: 50, chalk: new Chalk({ level: 1 }) })).split('\n');
    const dim = (word: string) => lines.find((l) => stripColour(l).includes(word));
    expect(dim('(roles')).toContain('\x1b[2m(roles\x1b[22m');
    expect(dim('guessed)')).toContain('\x1b[2mguessed)\x1b[22m');
    // The address above them is not dim.
    expect(dim('9abc]:50001')).not.toContain('\x1b[2m');
  });

  propTest.prop([
    fc.array(connectionArb, { minLength: 1, maxLength: 6 }),
    fc.integer({ min: 40, max: 220 }),
    fc.constantFrom(1, 9_995, 999_990),
    fc.constantFrom(1, 1_000, 1_234_567),
    fc.boolean(),
  ], { numRuns: 300 })('random connections at random widths: no word split, and colour changes no width', (conns, width, firstId, scale, ascii) => {
    const r = withConnections(conns.map((c, i) => connection(firstId + i, {
      client: c.client, server: c.server, rolesGuessed: c.rolesGuessed, bytes: c.bytes,
      handshake: { outcome: c.outcome }, close: { kind: c.kind, initiator: c.by, resetBy: c.kind === 'reset' ? c.by : null },
      anomalies: codes(...c.anomalies),
    })), scale);
    const plain = renderTable(r, defaultRenderContext({ width, ascii }));
    expect(splitWords(r, plain, ascii)).toEqual([]);
    // Colour codes are painted after wrapping: with them stripped, the very same text.
    const colour = renderTable(r, defaultRenderContext({ width, ascii, chalk: new Chalk({ level: 1 }) }));
    expect(colour).toContain('\x1b[');
    expect(stripColour(colour)).toBe(plain);
  });
});
