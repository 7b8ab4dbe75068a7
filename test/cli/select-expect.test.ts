import { formatPair } from '../../src/report/format.js';
import { describe, expect, test } from 'vitest';
import { ExpectChecker, ExpectFileError, parseExpectations } from '../../src/cli/expect.js';
import { gateHits, matches, sortKey } from '../../src/cli/select.js';
import { ConnectionSpool } from '../../src/report/spool.js';
import type { Selection } from '../../src/cli/options.js';
import { parseHostPattern } from '../../src/cli/hosts.js';
import { sampleReport } from '../report/fixtures.js';

const none: Selection = { hosts: [], ports: [], ids: [], anomalies: [], onlyAnomalies: false, states: [], sort: null, limit: null };
const ids = (sel: Partial<Selection>, ladder: { id: number | null; all: boolean } | null = null): number[] =>
  sampleReport().connections.filter((c) => matches(c, { ...none, ...sel }, ladder)).map((c) => c.id);

describe('selection', () => {
  test('each filter, and --ladder without an id keeping the anomalous connections', () => {
    expect(ids({})).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids({ hosts: [parseHostPattern('203.0.113.7')!] })).toEqual([3]);
    expect(ids({ hosts: [parseHostPattern('203.0.113.0/24')!] })).toEqual([3]);
    expect(ids({ hosts: [parseHostPattern('203.0.112.0/24')!] })).toEqual([]);
    expect(ids({ ports: [22] })).toEqual([4]);
    expect(ids({ states: ['FIN_WAIT_2'] })).toEqual([6]);
    expect(ids({ states: ['FIN_WAIT_2', 'SYN_SENT'] })).toEqual([3, 6]);
    expect(ids({ anomalies: ['REFUSED', 'RESET'] })).toEqual([2, 5]);
    expect(ids({ onlyAnomalies: true })).toEqual([2, 3, 4, 5, 6]);
    expect(ids({}, { id: null, all: false })).toEqual([2, 3, 4, 5, 6]);
    expect(ids({}, { id: null, all: true })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids({}, { id: 3, all: false })).toEqual([3]);
  });

  test('sorting is total: ties go by id (sortKey, ordered as the spool orders the buffered formats)', () => {
    const list = sampleReport().connections;
    const sorted = (cs: typeof list, field: Parameters<typeof sortKey>[1]): number[] => {
      const spool = new ConnectionSpool();
      for (const c of cs) spool.add(c.id, sortKey(c, field), '');
      const ids = Array.from(spool.order(null), (i) => spool.id(i));
      spool.close();
      return ids;
    };
    expect(sorted(list, 'duration')).toEqual([4, 6, 3, 1, 5, 2]);
    expect(sorted(list, 'bytes')).toEqual([4, 1, 5, 6, 2, 3]);
    expect(sorted(list, 'start')).toEqual([1, 4, 2, 3, 5, 6]);
    expect(sorted([...list].reverse(), 'id')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('--sort rtt without a total RTT takes the SYN/ACK time from the last SYN, not the SYN backoff', () => {
    const [base] = sampleReport().connections; // complete, total 1 ms
    const retried = { ...base, id: 2, handshake: { ...base.handshake, outcome: 'synack_unacked' as const,
      rtt: { synToSynAck: 3.0103, lastSynToSynAck: 0.0001, synAckToAck: null, total: null } } };
    const slow = { ...base, id: 3, handshake: { ...base.handshake, rtt: { ...base.handshake.rtt, total: 0.1 } } };
    const order = [base, retried, slow].sort((a, b) => sortKey(a, 'rtt') - sortKey(b, 'rtt')).map((c) => c.id);
    expect(order).toEqual([3, 1, 2]);
  });

  test('gate: codes, severity at or above, any', () => {
    const c3 = sampleReport().connections[2]; // SYN_RETRANSMIT ×2 (info), HALF_OPEN (error)
    expect(gateHits(c3.anomalies, { codes: new Set(['HALF_OPEN']), minSeverity: null, any: false })).toEqual(['HALF_OPEN']);
    expect(gateHits(c3.anomalies, { codes: new Set(), minSeverity: 'warn', any: false })).toEqual(['HALF_OPEN']);
    expect(gateHits(c3.anomalies, { codes: new Set(), minSeverity: 'info', any: false })).toHaveLength(3);
    expect(gateHits(sampleReport().connections[0].anomalies, { codes: new Set(), minSeverity: null, any: true })).toEqual([]);
  });
});

describe('--expect', () => {
  test('file errors name the entry', () => {
    expect(() => parseExpectations('{')).toThrow(ExpectFileError);
    expect(() => parseExpectations('[{"handshake":"complete"}]')).toThrow(/entry 1: name the connection by "id" or by "tuple"/);
    expect(() => parseExpectations('[{"id":1},{"id":2,"clinetState":"CLOSED"}]')).toThrow(/entry 2: unknown key "clinetState"/);
    expect(() => parseExpectations('[{"tuple":"10.0.0.1 -> 10.0.0.2"}]')).toThrow(/"tuple" must look like/);
    expect(parseExpectations('{"connections":[{"id":1}]}')).toEqual([{ id: 1 }]);
    // Values are checked when the file is read, in any case, states in any spelling.
    expect(parseExpectations('[{"id":1,"handshake":"Complete","close":"FOUR_WAY","initiator":"Client","clientState":"time-wait","serverState":"FIN_WAIT2","anomalies":["half-open"]}]'))
      .toEqual([{ id: 1, handshake: 'complete', close: 'four_way', initiator: 'client', clientState: 'TIME_WAIT', serverState: 'FIN_WAIT_2', anomalies: ['HALF_OPEN'] }]);
    expect(parseExpectations('[{"id":1,"initiator":null}]')).toEqual([{ id: 1, initiator: null }]);
    expect(() => parseExpectations('[{"id":1,"handshake":"completed"}]')).toThrow(/entry 1: "handshake" is "completed", not one of complete, simultaneous_open/);
    expect(() => parseExpectations('[{"id":1},{"id":2,"serverState":"SYN_RCVDX"}]')).toThrow(/entry 2: "serverState" is "SYN_RCVDX", not a state/);
    expect(() => parseExpectations('[{"id":1,"anomalies":["HALF_CLOSED"]}]')).toThrow(/entry 1: unknown anomaly code "HALF_CLOSED"/);
    expect(() => parseExpectations('[{"id":1,"initiator":"nobody"}]')).toThrow(/"initiator" is "nobody"/);
    expect(() => parseExpectations('[]')).toThrow(/names no connection/);
    expect(() => parseExpectations('{"connections":[]}')).toThrow(/names no connection/);
  });

  test('met, mismatched, missing, swapped and ambiguous expectations', () => {
    const report = sampleReport();
    const checker = new ExpectChecker(parseExpectations(JSON.stringify([
      { id: 1, handshake: 'complete', close: 'four_way', clientState: 'TIME_WAIT', serverState: 'CLOSED', anomalies: [] },
      { id: 3, anomalies: ['HALF_OPEN'] },
      { tuple: '203.0.113.7:443 -> 192.168.1.10:50003' },
      { tuple: '192.168.1.10:50001 -> 192.168.1.1:110' },
      { tuple: '[2001:DB8:1234:5678::10]:40123 -> [2001:db8:1234:5678::80]:8080', close: 'reset', initiator: 'server' },
    ])));
    for (const c of report.connections) checker.observe(c);
    expect(checker.finish()).toEqual([
      [
        'connection 3 (192.168.1.10:50003 → 203.0.113.7:443):',
        '  - anomalies: ["HALF_OPEN"]',
        '  + anomalies: ["HALF_OPEN","SYN_RETRANSMIT"]',
      ],
      ['"203.0.113.7:443 -> 192.168.1.10:50003": no such connection (a connection exists the other way round: client and server swapped?)'],
      ['"192.168.1.10:50001 -> 192.168.1.1:110": matches 2 connections (ids 1, 6); name one by "id"'],
    ]);
  });

  test('any spelling of an IPv6 address names the connection; two expectations may name the same one', () => {
    const report = sampleReport();
    const v6 = report.connections.find((c) => c.client.ip.includes(':'))!;
    expect(v6.client.ip).toBe('2001:db8:1234:5678::10');
    const checker = new ExpectChecker(parseExpectations(JSON.stringify([
      // Spelt out, zero-padded, upper case: the same address (text comparison found "no such connection").
      { tuple: '[2001:0db8:1234:5678:0:0:0:0010]:40123 -> [2001:DB8:1234:5678:0::80]:8080', close: 'reset' },
      { tuple: '[2001:db8:1234:5678::10]:40123 -> [2001:db8:1234:5678::80]:8080', initiator: 'server' },
      { id: v6.id, close: 'reset' },
      { id: v6.id, initiator: 'client' },
      { id: 1, handshake: 'complete' },
    ])));
    for (const c of report.connections) checker.observe(c);
    expect(checker.finish()).toEqual([
      [`connection ${v6.id} (${formatPair(v6)}):`, '  - initiator: "client"', '  + initiator: "server"'],
    ]);
    for (const bad of ['[10.0.0.1]:80 -> 10.0.0.2:80', '10.0.0.1:80 -> 2001:db8::1:80', '10.0.0.1:80 -> 10.0.0.2:65536', '10.0.0/8:1 -> 10.0.0.2:80', '[2001:db8::/32]:1 -> 10.0.0.2:80']) {
      expect(() => parseExpectations(JSON.stringify([{ tuple: bad }]))).toThrow(/"tuple" must look like/);
    }
  });
});
