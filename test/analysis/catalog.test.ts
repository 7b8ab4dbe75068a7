import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ANOMALIES, ANOMALY_CODES, type AnomalyCode } from '../../src/analysis/catalog.js';
import { anomalyMessage } from '../../src/analysis/messages.js';
import { IsoFormatter, MAX_ISO_BYTES } from '../../src/analysis/iso.js';
import { CaptureClock } from '../../src/capture/clock.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '../../docs/anomalies.md');
const README = join(dirname(fileURLToPath(import.meta.url)), '../../README.md');

describe('anomaly catalog', () => {
  test('docs/anomalies.md lists exactly the catalog codes, with the same severities', () => {
    const rows = [...readFileSync(DOC, 'utf8').matchAll(/^\| `([A-Z0-9_]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows.map(([c]) => c).sort()).toEqual([...ANOMALY_CODES].sort());
    for (const [code, sev] of rows) expect(ANOMALIES[code as AnomalyCode].severity).toBe(sev);
  });
  test("the README's anomaly table lists exactly the catalog codes, with their severity and summary", () => {
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('## Anomaly codes'), readme.indexOf('## How states are inferred'));
    const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| (\w+) \| (.+) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows.map(([c]) => c)).toEqual([...ANOMALY_CODES]);
    for (const [code, sev, summary] of rows) {
      expect(ANOMALIES[code as AnomalyCode].severity).toBe(sev);
      expect(ANOMALIES[code as AnomalyCode].summary).toBe(summary);
    }
  });
  test('issue 3 codes are all present', () => {
    for (const c of ['HALF_OPEN', 'HANDSHAKE_INCOMPLETE', 'REFUSED', 'RESET', 'SIMULTANEOUS_OPEN', 'SIMULTANEOUS_CLOSE',
      'LINGERING_FIN_WAIT_2', 'LINGERING_CLOSE_WAIT', 'SYN_RETRANSMIT', 'SYNACK_RETRANSMIT', 'FIN_RETRANSMIT', 'BAD_HANDSHAKE_ACK',
      'DATA_AFTER_FIN', 'DATA_AFTER_RESET', 'OUT_OF_WINDOW_RST', 'MIDSTREAM', 'PORT_REUSE', 'NOT_CLOSED']) {
      expect(ANOMALY_CODES).toContain(c);
    }
  });
  test('every code renders a one-line message without "undefined"', () => {
    for (const code of ANOMALY_CODES) {
      for (const who of ['client', 'server', null] as const) {
        const m = anomalyMessage(code, who, { count: 2, synCount: 3, seconds: 7, synAckCount: 2, resetBy: 'client', state: 'ESTABLISHED',
          atEnd: true, thresholdSeconds: 60, segment: 'SYN,ACK', gotAck: 5, expectedAck: 4, receiverState: 'ESTABLISHED', gapSeconds: 1,
          previousId: 1, clientState: 'ESTABLISHED', serverState: 'CLOSE_WAIT', kind: 'gap', missingBytes: 10, unseenBytes: 10,
          flags: 'SYN,FIN', timeWaitSeconds: 3, event: 'snd', resends: 3, seq: 1234, relativeSeq: 101, fin: false, backoffSeconds: '0.4,0.8', peerSilent: true,
          icmpVersion: 4, type: 3, code: 3, error: 'destination unreachable (port unreachable)', from: '192.0.2.1', syn: true, mtu: null });
        expect(m).not.toMatch(/undefined|\n/);
        expect(m.length).toBeGreaterThan(10);
      }
    }
  });
});

/** What IsoFormatter.write puts in a buffer (at an odd offset, between guard bytes that must survive). */
function writtenIso(f: IsoFormatter, t: number): string {
  const buf = Buffer.alloc(3 + MAX_ISO_BYTES + 3, 0x7e);
  const end = f.write(t, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 3);
  expect(buf.subarray(0, 3).toString('latin1')).toBe('~~~');
  expect(end).toBeLessThanOrEqual(3 + MAX_ISO_BYTES);
  return buf.toString('latin1', 3, end);
}

describe('LINGERING_* messages (helper audit of the terminal, 2026-12-05)', () => {
  test('still there when the record ended, under the threshold: says the record ended first, not "for 0 s (threshold 60 s)"', () => {
    const short = anomalyMessage('LINGERING_FIN_WAIT_2', 'client', { seconds: 0, atEnd: true, thresholdSeconds: 60 });
    expect(short).toBe('client still in FIN_WAIT_2 when the record ended, 0 s after entering it: its peer had not closed (the record ended before the 60 s threshold)');
    expect(anomalyMessage('LINGERING_CLOSE_WAIT', 'server', { seconds: 2.5, atEnd: true, thresholdSeconds: 60 }))
      .toBe('server still in CLOSE_WAIT when the record ended, 2.5 s after entering it: its application had not closed (the record ended before the 60 s threshold)');
    // Past the threshold, as before.
    expect(anomalyMessage('LINGERING_FIN_WAIT_2', 'client', { seconds: 75, atEnd: true, thresholdSeconds: 60 }))
      .toBe('client in FIN_WAIT_2 for 75 s, still there when the record ended (threshold 60 s)');
    // Both sides reset (helper-55 review: "reset by the both in ...").
    expect(anomalyMessage('RESET', 'client', { resetBy: 'both', state: 'ESTABLISHED' })).toBe('connection reset by both endpoints, first in ESTABLISHED');
    expect(anomalyMessage('RESET', 'server', { resetBy: 'server', state: 'CLOSE_WAIT' })).toBe('connection reset by the server in CLOSE_WAIT');
    // Left in the end: it did close, late (helper-53 audit: "never closed" about an endpoint that closed).
    expect(anomalyMessage('LINGERING_CLOSE_WAIT', 'server', { seconds: 75, atEnd: false, thresholdSeconds: 60 }))
      .toBe('server in CLOSE_WAIT for 75 s: its application was that slow to close (threshold 60 s)');
    expect(anomalyMessage('LINGERING_CLOSE_WAIT', 'server', { seconds: 75, atEnd: true, thresholdSeconds: 60 }))
      .toBe('server in CLOSE_WAIT for 75 s, still there when the record ended: its application never closed (threshold 60 s)');
  });
});

describe('IsoFormatter', () => {
  test.each([[1_700_000_000, 123_456_789, 9], [1_700_000_000, 999_999_000, 6], [0, 0, 6], [1_999_999_999, 500, 9],
    [1_700_000_000, 250_000_000, 0], [1_700_000_000, 123_000_000, 3], [4_102_444_799, 999_999_999, 9],
    [1_700_000_000, 987_654_321, 1], [1_700_000_000, 987_654_321, 2], [1_700_000_000, 987_654_321, 5],
    [1_700_000_000, 987_654_321, 7], [1_700_000_000, 987_654_321, 8],
    // A year past 9999: both ways leave it to CaptureClock.
    [300_000_000_000, 5, 9], [-1, 999_999_999, 9]])(
    'iso() and write() match CaptureClock.toIso (base %i.%i, %i digits)', (sec, nanos, digits) => {
      const clock = new CaptureClock();
      clock.tNanos(sec, nanos);
      clock.precisionDigits = digits;
      const f = IsoFormatter.of(clock);
      for (const t of [0, 1, 999, 876_543_211, 1e9, 59.5e9, 86_400e9 + 7, 3.1e15, -5, -2e9]) {
        expect(f.iso(t)).toBe(clock.toIso(t));
        expect(writtenIso(f, t)).toBe(clock.toIso(t));
      }
    });

  test('CaptureClock.toIso keeps the seconds of a year past 9999 (expanded form, "+YYYYYY")', () => {
    const clock = new CaptureClock();
    const t0 = clock.tNanos(300_000_000_000, 5);
    clock.precisionDigits = 9;
    const whole = new Date(300_000_000_000 * 1000).toISOString().slice(0, -5); // "+011476-...T..:..:.."
    expect(whole).toMatch(/^\+\d{6}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(clock.toIso(t0)).toBe(`${whole}.000000005Z`);
    expect(clock.toIso(t0 + 61e9, 6)).toBe(`${new Date(300_000_000_061 * 1000).toISOString().slice(0, -5)}.000000Z`);
    expect(IsoFormatter.of(clock).iso(t0)).toBe(`${whole}.000000005Z`);
  });

  test('matches CaptureClock.toIso for instants out of order across seconds that share cache slots', () => {
    const clock = new CaptureClock();
    clock.tNanos(1_700_000_000, 250_000_000);
    clock.precisionDigits = 6;
    const f = IsoFormatter.of(clock);
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      // Seconds 0..300 (many land on the same slot, 64 apart), any fraction, and repeats.
      const t = (x % 301) * 1e9 + (Math.imul(x, 2654435761) >>> 0) % 1e9;
      expect(f.iso(t)).toBe(clock.toIso(t));
      expect(writtenIso(f, t)).toBe(clock.toIso(t));
    }
  });
});

describe('BAD_HANDSHAKE_ACK message (helper-101 review)', () => {
  test('names the ACK from the ISN too, as the ladder row numbers it, across the wrap and below the ISN', () => {
    expect(anomalyMessage('BAD_HANDSHAKE_ACK', 'server', { expectedAck: 1001, gotAck: 1007, segment: 'SYN,ACK' }))
      .toBe("server's SYN,ACK acknowledges 1007 (ISN+7), expected 1001 (ISN+1)");
    expect(anomalyMessage('BAD_HANDSHAKE_ACK', 'server', { expectedAck: 4294967295, gotAck: 9, segment: 'SYN,ACK' }))
      .toBe("server's SYN,ACK acknowledges 9 (ISN+11), expected 4294967295 (ISN+1)");
    expect(anomalyMessage('BAD_HANDSHAKE_ACK', 'client', { expectedAck: 3000000001, gotAck: 2999999995, segment: 'ACK' }))
      .toBe("client's ACK acknowledges 2999999995 (ISN-5), expected 3000000001 (ISN+1)");
  });
});
