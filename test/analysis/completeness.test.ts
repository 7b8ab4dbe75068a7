/**
 * Wireshark's conversation completeness (src/analysis/completeness.ts): the rule per segment, the
 * words and flags of every value, and whole connections built with the scenario helper. The
 * expected values are what tshark 4.0.17 printed for the same packets (two passes, last packet),
 * except where noted; test/conformance/wireshark.test.ts compares the shared corpus.
 */
import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import {
  COMPLETENESS_ACK, COMPLETENESS_DATA, COMPLETENESS_FIN, COMPLETENESS_RST, COMPLETENESS_SYN, COMPLETENESS_SYNACK,
  completenessAfter, completenessFlags, completenessLabel, wiresharkReport,
} from '../../src/analysis/completeness.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/decode/fields.js';
import { Scenario } from '../helpers/scenario.js';
import { analyzeBytes } from '../robustness/support.js';

describe('one segment', () => {
  test.each([
    ['pure SYN, first packet', TCP_SYN, 0, true, COMPLETENESS_SYN],
    ['pure SYN with data (TCP Fast Open), first packet', TCP_SYN, 100, true, COMPLETENESS_SYN | COMPLETENESS_DATA],
    ['pure SYN, not the first packet: nothing', TCP_SYN, 0, false, 0],
    ['SYN-ACK, first or not', TCP_SYN | TCP_ACK, 0, true, COMPLETENESS_SYNACK],
    ['SYN-ACK with data: no DATA', TCP_SYN | TCP_ACK, 10, false, COMPLETENESS_SYNACK],
    ['ACK', TCP_ACK, 0, false, COMPLETENESS_ACK],
    ['ACK with data', TCP_ACK | TCP_PSH, 1, false, COMPLETENESS_DATA],
    ['data without ACK: nothing', TCP_PSH, 10, false, 0],
    ['FIN+ACK', TCP_FIN | TCP_ACK, 0, false, COMPLETENESS_FIN | COMPLETENESS_ACK],
    ['bare FIN: nothing', TCP_FIN, 0, false, 0],
    ['RST', TCP_RST, 0, false, COMPLETENESS_RST],
    ['RST+ACK', TCP_RST | TCP_ACK, 0, false, COMPLETENESS_RST | COMPLETENESS_ACK],
    ['SYN+FIN+RST+ACK', TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK, 0, false, COMPLETENESS_SYNACK | COMPLETENESS_FIN | COMPLETENESS_RST],
  ])('%s', (_name, flags, len, first, bits) => {
    expect(completenessAfter(0, flags, len, first)).toBe(bits);
  });

  propTest.prop([fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 0xfff }), fc.nat(1500), fc.boolean()])(
    'only ever adds bits, and only the six', (bits, flags, len, first) => {
      const after = completenessAfter(bits, flags, len, first);
      expect(after & bits).toBe(bits);
      expect(after & ~63).toBe(0);
    });
});

describe('words and flags', () => {
  test('Wireshark\'s labels', () => {
    const labels = Array.from({ length: 64 }, (_, i) => completenessLabel(i));
    expect(labels.filter((l) => l === 'Complete, WITH_DATA').length).toBe(3);
    expect(labels.filter((l) => l === 'Complete, NO_DATA').length).toBe(3);
    expect([1, 3, 7, 15, 31, 47, 63, 23, 39, 55, 0, 37, 12].map(completenessLabel)).toEqual([
      'Incomplete, SYN_SENT', 'Incomplete, CLIENT_ESTABLISHED', 'Incomplete, ESTABLISHED', 'Incomplete, DATA',
      'Complete, WITH_DATA', 'Complete, WITH_DATA', 'Complete, WITH_DATA',
      'Complete, NO_DATA', 'Complete, NO_DATA', 'Complete, NO_DATA',
      'Incomplete', 'Incomplete', 'Incomplete',
    ]);
  });

  test('R F D A S S, a middle dot for each bit not set', () => {
    expect(completenessFlags(0)).toBe('······');
    expect(completenessFlags(1)).toBe('·····S');
    expect(completenessFlags(31)).toBe('·FDASS');
    expect(completenessFlags(63)).toBe('RFDASS');
    expect(completenessFlags(37)).toBe('R··A·S');
    expect(wiresharkReport(31)).toEqual({ completeness: 31, completenessText: 'Complete, WITH_DATA (31)', completenessFlags: '·FDASS' });
  });
});

describe('whole connections', () => {
  const run = async (s: Scenario) => (await analyzeBytes(s.pcap())).connections.map((c) => c.wireshark.completeness);

  test('handshake, data both ways, four-way close: 31', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(100); s.b.ack(); s.b.data(50); s.a.ack();
    s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack();
    expect(await run(s)).toEqual([31]);
  });

  test('handshake and close without data: 23 (Complete, NO_DATA)', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack(); s.a.fin(); s.b.fin(); s.a.ack();
    expect(await run(s)).toEqual([23]);
  });

  test('a SYN never answered, sent three times: 1', async () => {
    const s = new Scenario();
    s.a.syn(); s.wait(1000); s.a.again(); s.wait(2000); s.a.again();
    expect(await run(s)).toEqual([1]);
  });

  test('refused (SYN, RST+ACK): 37', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.rstAck();
    expect(await run(s)).toEqual([37]);
  });

  test('a handshake and data, then the capture ends: 15', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(10); s.b.ack();
    expect(await run(s)).toEqual([15]);
  });

  test('joined mid-stream: the first packet counts too (12, not tshark 4.0\'s 8)', async () => {
    const s = new Scenario();
    s.a.data(10); s.b.ack(); s.a.data(10);
    expect(await run(s)).toEqual([12]);
  });

  test('reset after data: 47', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(10); s.b.rstAck();
    expect(await run(s)).toEqual([47]);
  });

  test('the same when tracking runs on the worker thread (its codec carries the bits)', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(100); s.b.ack(); s.a.fin(); s.b.fin(); s.a.ack();
    const one = await analyzeBytes(s.pcap());
    const two = await analyzeBytes(s.pcap(), { worker: true });
    expect(two.connections.map((c) => c.wireshark)).toEqual(one.connections.map((c) => c.wireshark));
    expect(one.connections[0].wireshark.completeness).toBe(31);
  });
});
