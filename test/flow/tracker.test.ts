/**
 * Tracker unit tests with PacketFields filled by hand (no capture or decoder involved):
 * retirement timers, the cap, ids, prompt emission, tuple keys.
 */
import { describe, expect, test } from 'vitest';
import { test as propTest, fc } from '@fast-check/vitest';
import { CaptureClock } from '../../src/capture/clock.js';
import { newPacketFields, TCP_ACK, TCP_FIN, TCP_SYN, type PacketFields } from '../../src/decode/fields.js';
import { DEFAULT_SETTINGS } from '../../src/analysis/settings.js';
import { tupleHash } from '../../src/flow/key.js';
import { CLOSED_QUIET_SECONDS, SYN_MIN_IDLE_SECONDS, Tracker } from '../../src/flow/tracker.js';
import { buildConnectionReport } from '../../src/analysis/connection-report.js';
import type { ConnectionReport, Settings } from '../../src/report/model.js';

const S = 1e9;

function seg(src: number, sport: number, dst: number, dport: number, flags: number, seq = 0, ack = 0, len = 0): PacketFields {
  const f = newPacketFields();
  Object.assign(f, { ipVersion: 4, src0: src, dst0: dst, srcPort: sport, dstPort: dport, flags, seq, ack, payloadLen: len, window: 1000 });
  return f;
}

function tracker(settings: Partial<Settings> = {}) {
  const out: ConnectionReport[] = [];
  const all = { ...DEFAULT_SETTINGS, ...settings };
  const clock = new CaptureClock();
  const t = new Tracker(all, { ladder: false, emit: (c, ended, endNanos) => out.push(buildConnectionReport(c, ended, endNanos, clock, all)) });
  t.setInput('unit');
  let frame = 0;
  const feed = (f: PacketFields, tNanos: number) => t.onSegment(f, tNanos, ++frame);
  return { t, out, feed };
}

const C = 0x0a000001;
const SV = 0x0a000002;

describe('retirement', () => {
  test('a closed connection is emitted after 5 s of quiet, while the capture goes on', async () => {
    const { t, out, feed } = tracker();
    feed(seg(C, 1000, SV, 80, TCP_SYN, 100), 0);
    feed(seg(SV, 80, C, 1000, TCP_SYN | TCP_ACK, 500, 101), 1e6);
    feed(seg(C, 1000, SV, 80, TCP_ACK, 101, 501), 2e6);
    feed(seg(C, 1000, SV, 80, TCP_FIN | TCP_ACK, 101, 501), 3e6);
    feed(seg(SV, 80, C, 1000, TCP_FIN | TCP_ACK, 501, 102), 4e6);
    feed(seg(C, 1000, SV, 80, TCP_ACK, 102, 502), 5e6);
    feed(seg(C, 2000, SV, 80, TCP_SYN, 7), (CLOSED_QUIET_SECONDS - 1) * S);
    expect(out).toHaveLength(0);
    feed(seg(C, 2000, SV, 80, TCP_SYN, 7), CLOSED_QUIET_SECONDS * S + 5e6);
    expect(out.map((c) => [c.id, c.ended, c.client.finalState, c.server.finalState])).toEqual([[1, 'closed', 'TIME_WAIT', 'CLOSED']]);
    await t.finish(CLOSED_QUIET_SECONDS * S + 5e6);
    expect(out.map((c) => [c.id, c.ended])).toEqual([[1, 'closed'], [2, 'capture_end']]);
  });

  test('idle timeout; an unanswered SYN outlives a short idle timeout (SYN backoff)', async () => {
    const { t, out, feed } = tracker({ idleTimeoutSeconds: 10 });
    feed(seg(C, 1000, SV, 80, TCP_ACK, 1, 1, 10), 0); // mid-stream, open
    feed(seg(C, 3000, SV, 80, TCP_SYN, 9), 0); // SYN only
    feed(seg(C, 3000, SV, 80, TCP_SYN, 9), 64 * S); // retransmitted after 64 s: same connection
    expect(out.map((c) => [c.id, c.ended])).toEqual([[1, 'idle_timeout']]);
    expect(out[0].lastSeen).toBe(out[0].firstSeen);
    feed(seg(C, 4000, SV, 80, TCP_SYN, 9), (64 + SYN_MIN_IDLE_SECONDS) * S);
    expect(out.map((c) => [c.id, c.ended, c.handshake.synCount])).toEqual([[1, 'idle_timeout', 0], [2, 'idle_timeout', 2]]);
    expect(t.timedOut).toBe(2);
    await t.finish((64 + SYN_MIN_IDLE_SECONDS) * S);
    expect(out).toHaveLength(3);
  });

  test('an endpoint still in FIN_WAIT_2 / CLOSE_WAIT is timed to the end of its record, which depends on why it ended', async () => {
    // Handshake, the client's FIN, the server's ACK of it at 4 ms: FIN_WAIT_2 and CLOSE_WAIT from then on.
    const halfClose = (feed: (f: PacketFields, t: number) => void, port: number, t0: number, isn = 100): void => {
      feed(seg(C, port, SV, 80, TCP_SYN, isn), t0);
      feed(seg(SV, 80, C, port, TCP_SYN | TCP_ACK, 500, isn + 1), t0 + 1e6);
      feed(seg(C, port, SV, 80, TCP_ACK, isn + 1, 501), t0 + 2e6);
      feed(seg(C, port, SV, 80, TCP_FIN | TCP_ACK, isn + 1, 501), t0 + 3e6);
      feed(seg(SV, 80, C, port, TCP_ACK, 501, isn + 2), t0 + 4e6);
    };
    const held = (c: ConnectionReport): [string, number | null, number | null] => [c.ended, c.close.finWait2.client, c.close.closeWait.server];
    // Timed out: its last packet plus the idle timeout, however long the capture runs on.
    const idle = tracker({ idleTimeoutSeconds: 10 });
    halfClose(idle.feed, 1000, 0);
    idle.feed(seg(C, 2000, SV, 80, TCP_SYN, 7), 1000 * S);
    expect(idle.out.map(held)).toEqual([['idle_timeout', 10, 10]]);
    // Evicted: the packet that needed its place (the run's latest time then).
    const cap = tracker({ maxConnections: 1 });
    halfClose(cap.feed, 1000, 0);
    cap.feed(seg(C, 2000, SV, 80, TCP_SYN, 7), 50 * S);
    expect(cap.out.map(held)).toEqual([['evicted', 49.996, 49.996]]);
    // Reused: the SYN that opened the next connection on the tuple.
    const reuse = tracker();
    halfClose(reuse.feed, 1000, 0);
    reuse.feed(seg(C, 1000, SV, 80, TCP_SYN, 9_000), 40 * S);
    expect(reuse.out.map(held)).toEqual([['reused', 39.996, 39.996]]);
    // At the end of the capture: the run's last packet, any connection's.
    const end = tracker();
    halfClose(end.feed, 1000, 0);
    end.feed(seg(C, 2000, SV, 80, TCP_SYN, 7), 70 * S);
    await end.t.finish(70 * S);
    expect(end.out.map(held)).toEqual([['capture_end', 69.996, 69.996], ['capture_end', null, null]]);
  });

  test('the cap evicts the least recently active; evicted connections are still reported', async () => {
    const { t, out, feed } = tracker({ maxConnections: 3 });
    for (let i = 0; i < 5; i++) feed(seg(C + i, 1000 + i, SV, 80, TCP_SYN, i), i * 1e6);
    feed(seg(C + 2, 1002, SV, 80, TCP_SYN, 2), 6e6); // touch 3: it becomes most recent
    feed(seg(C + 5, 1005, SV, 80, TCP_SYN, 5), 7e6); // evicts 4 (3 was touched)
    expect(out.map((c) => [c.id, c.ended])).toEqual([[1, 'evicted'], [2, 'evicted'], [4, 'evicted']]);
    expect(t.evicted).toBe(3);
    expect(t.peak).toBe(3);
    await t.finish(7e6);
    expect(out.slice(3).map((c) => c.id)).toEqual([3, 5, 6]); // the rest in id order
  });

  test('at the end of the capture, a pending waitForOutput holds the rest back until it settles', async () => {
    const { t, out, feed } = tracker();
    for (let i = 0; i < 600; i++) feed(seg(C + i, 1000, SV, 80, TCP_SYN, i), i);
    let release: (() => void) | null = null;
    let asked = 0;
    const blocked = new Promise<void>((r) => (release = r));
    let open = false;
    const done = t.finish(1e9, () => {
      asked++;
      return open ? null : blocked;
    });
    await new Promise((r) => setImmediate(r));
    expect(out).toHaveLength(255); // the first look comes before the 256th
    expect(asked).toBe(1);
    open = true;
    release!();
    await done;
    expect(out.map((c) => c.id)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(asked).toBe(2); // before the 256th and the 512th
  });
});

describe('tuple key', () => {
  propTest.prop([fc.integer(), fc.integer(), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })])(
    'the hash is the same in both directions',
    (a, b, pa, pb) => {
      expect(tupleHash(seg(a, pa, b, pb, TCP_ACK))).toBe(tupleHash(seg(b, pb, a, pa, TCP_ACK)));
    },
  );
  test('the low bits spread a SYN flood (many sources, one server) over the buckets as a random hash would', () => {
    // The tables index by hash & mask. n tuples in m buckets fill m(1 - e^(-n/m)) of them at random:
    // 11.5k of 16k for 20k tuples. Without the final mix the low bits of this traffic filled 1.6k.
    const m = 1 << 14;
    const used = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const src = (0xc6120000 + ((i * 40503) & 0xffff)) | 0; // 198.18.x.y, as gen-capture --flood
      used.add(tupleHash(seg(src, 1024 + (i % 60000), SV, 80, TCP_SYN)) & (m - 1));
    }
    expect(used.size).toBeGreaterThan(11_000);
  });
  test('colliding or not, different tuples stay different connections', async () => {
    const { t, out, feed } = tracker();
    feed(seg(C, 1000, SV, 80, TCP_SYN, 1), 0);
    feed(seg(C, 80, SV, 1000, TCP_SYN, 1), 0); // ports swapped: another tuple
    feed(seg(SV, 80, C, 1000, TCP_SYN | TCP_ACK, 5, 2), 1);
    await t.finish(1);
    expect(out.map((c) => [c.client.port, c.server.port, c.handshake.synAckCount])).toEqual([[1000, 80, 1], [80, 1000, 0]]);
  });
});
