/**
 * The typed-array tombstone store (src/flow/tombstones.ts) against a plain model: an insertion-
 * ordered Map of the same tuples, with the same cap and the same expiry rule, under random
 * retire / reuse / time-advance sequences that make it grow, wrap, compact and evict.
 */
import { describe, expect, test } from 'vitest';
import { newPacketFields, type PacketFields } from '../../src/decode/fields.js';
import { setKey, tupleHash, type TupleKey } from '../../src/flow/key.js';
import { Tombstones } from '../../src/flow/tombstones.js';
import { rng } from '../helpers/rng.js';

function packet(v6: boolean, src: number, dst: number, sport: number, dport: number): PacketFields {
  const f = newPacketFields();
  f.ipVersion = v6 ? 6 : 4;
  f.src0 = src >>> 0; f.dst0 = dst >>> 0;
  if (v6) { f.src1 = 0xdb8; f.src3 = 7; f.dst1 = 0xdb8; f.dst3 = 9; }
  f.srcPort = sport; f.dstPort = dport;
  return f;
}

function keyOf(f: PacketFields): TupleKey {
  const k = { v6: false, a0: 0, a1: 0, a2: 0, a3: 0, b0: 0, b1: 0, b2: 0, b3: 0, aPort: 0, bPort: 0 };
  setKey(k, f);
  return k;
}

/** Direction-free identity of a tuple, for the model. */
function tupleId(f: PacketFields): string {
  const a = `${f.ipVersion}/${f.src0},${f.src1},${f.src2},${f.src3}:${f.srcPort}`;
  const b = `${f.ipVersion}/${f.dst0},${f.dst1},${f.dst2},${f.dst3}:${f.dstPort}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

interface Stone { id: number; last: number; tw: number }

describe('Tombstones', () => {
  test('finds a retired tuple from either direction, once, with its values', () => {
    const t = new Tombstones(10);
    const f = packet(false, 0xc0a80001, 0x0a000001, 40000, 443);
    t.add(keyOf(f), tupleHash(f), 42, 5e9, 4e9);
    const back = packet(false, 0x0a000001, 0xc0a80001, 443, 40000);
    expect(t.take(back, tupleHash(back), 0, Infinity)).toBe(true);
    expect([t.foundId, t.foundLastNanos, t.foundTimeWaitNanos, t.foundTimeWaitTimerNanos]).toEqual([42, 5e9, 4e9, 4e9]);
    expect(t.take(f, tupleHash(f), 0, Infinity)).toBe(false);
    expect(t.size).toBe(0);
    // The 2×MSL timer's start when it restarted after the arrival in TIME_WAIT, kept through a compaction.
    t.add(keyOf(f), tupleHash(f), 43, 6e9, 4e9, -Infinity, Infinity, 4.5e9);
    for (let port = 1; port <= 8; port++) {
      const g = packet(false, 0x0a000009, 0x0a000001, port, 80);
      t.add(keyOf(g), tupleHash(g), 100 + port, 7e9, -1);
      t.take(g, tupleHash(g), 0, Infinity);
    }
    expect(t.take(back, tupleHash(back), 0, Infinity)).toBe(true);
    expect([t.foundId, t.foundTimeWaitNanos, t.foundTimeWaitTimerNanos]).toEqual([43, 4e9, 4.5e9]);
  });

  test('tells IPv4 from IPv6 and one port from another', () => {
    const t = new Tombstones(10);
    const f = packet(false, 1, 2, 1000, 80);
    t.add(keyOf(f), tupleHash(f), 1, 0, -1);
    const other = packet(false, 1, 2, 1001, 80);
    expect(t.take(other, tupleHash(other), 0, Infinity)).toBe(false);
    const v6 = packet(true, 1, 2, 1000, 80);
    expect(t.take(v6, tupleHash(v6), 0, Infinity)).toBe(false);
    // Same hash bucket, different tuple: a forced collision must still compare the key.
    expect(t.take(other, tupleHash(f), 0, Infinity)).toBe(false);
    expect(t.size).toBe(1);
  });

  test('a cap of 0 remembers nothing', () => {
    const t = new Tombstones(0);
    const f = packet(false, 1, 2, 1000, 80);
    t.add(keyOf(f), tupleHash(f), 1, 0, -1);
    expect(t.take(f, tupleHash(f), 0, Infinity)).toBe(false);
  });

  test('a tombstone past its lifetime is not found, even behind a fresh one the expiry stopped at', () => {
    // Retired in this order; the second connection's last packet is older (an idle timeout retires
    // long after the last packet, a close 5 s after it).
    const t = new Tombstones(10);
    const fresh = packet(false, 1, 2, 1000, 80);
    const stale = packet(false, 1, 2, 1001, 80);
    t.add(keyOf(fresh), tupleHash(fresh), 1, 900, -1);
    t.add(keyOf(stale), tupleHash(stale), 2, 100, -1);
    t.expire(1000, 500); // stops at the head, still fresh
    expect(t.size).toBe(2);
    expect(t.take(stale, tupleHash(stale), 1000, 500)).toBe(false);
    expect(t.size).toBe(1); // and forgotten
    expect(t.take(stale, tupleHash(stale), 1000, 500)).toBe(false);
    expect(t.take(fresh, tupleHash(fresh), 1000, 500)).toBe(true);
    expect(t.foundId).toBe(1);
    // Exactly at the lifetime is past it, as for expire().
    t.add(keyOf(stale), tupleHash(stale), 3, 500, -1);
    expect(t.take(stale, tupleHash(stale), 1000, 500)).toBe(false);
  });

  test('at the cap the expired go before the fresh, so two shards count what one store counts', () => {
    // An idle-retired connection leaves a tombstone already past 2×MSL; a closed one a fresh one.
    // expire() stops at the first fresh tombstone, so one store kept expired ones behind tuple 1's
    // that each shard had dropped: it reached its cap of 4 and forgot tuple 1 while the shards held
    // 1 and 2 of their 2, and a later PORT_REUSE depended on the thread count.
    const S = 1e9;
    const ttl = 120 * S;
    const now = 400 * S;
    const single = new Tombstones(4);
    const caps: number[] = [];
    const shards = [0, 1].map((i) => new Tombstones(2, () => { caps.push(i); }));
    const add = (port: number, last: number): void => {
      const f = packet(false, 1, 2, port, 80);
      single.add(keyOf(f), tupleHash(f), port, last, -1, now, ttl);
      shards[port % 2].add(keyOf(f), tupleHash(f), port, last, -1, now, ttl);
    };
    add(1, now - 5 * S);
    add(2, now - 300 * S);
    add(4, now - 300 * S);
    for (const t of [single, ...shards]) t.expire(now, ttl);
    add(3, now - 5 * S);
    add(6, now - 5 * S);
    expect(caps).toEqual([]);
    expect(single.size).toBe(3); // 1, 3 and 6: the two expired ones went first
    const one = packet(false, 1, 2, 1, 80);
    expect(single.take(one, tupleHash(one), now + S, ttl)).toBe(true);
    expect(shards[1].take(one, tupleHash(one), now + S, ttl)).toBe(true);
  });

  test.each([1, 7, 3000])('matches a Map model under random use (max %i)', (max) => {
    for (let seed = 1; seed <= 4; seed++) {
      const rand = rng(seed * 1000 + max);
      const t = new Tombstones(max);
      const model = new Map<string, Stone>(); // insertion order = retirement order
      const ttl = 100;
      let now = 0;
      let nextId = 1;
      let expired = 0;
      const pick = (): PacketFields => {
        const v6 = rand() < 0.2;
        // Few enough tuples that most lookups hit: taken tombstones leave dead slots in the ring,
        // which is what makes it compact.
        const host = 1 + Math.floor(rand() * 3);
        const port = 1000 + Math.floor(rand() * Math.max(4, max / 10));
        return rand() < 0.5 ? packet(v6, host, 0xffff0001, port, 80) : packet(v6, 0xffff0001, host, 80, port);
      };
      for (let step = 0; step < 20000; step++) {
        const r = rand();
        if (r < 0.45) {
          const f = pick();
          const id = tupleId(f);
          if (model.has(id)) continue; // the tracker never retires a tuple that still has a tombstone
          // Last packets out of retirement order, as idle timeouts and closes retire them.
          const stone = { id: nextId++, last: now - Math.floor(rand() * 60), tw: rand() < 0.5 ? -1 : now };
          t.add(keyOf(f), tupleHash(f), stone.id, stone.last, stone.tw, now, ttl);
          // At the cap, the expired go first, wherever they are; then the oldest.
          if (model.size >= max) for (const [k, v] of model) if (v.last + ttl <= now) model.delete(k);
          model.set(id, stone);
          while (model.size > max) model.delete(model.keys().next().value!);
        } else if (r < 0.9) {
          const f = pick();
          const want = model.get(tupleId(f));
          const got = t.take(f, tupleHash(f), now, ttl);
          // Found unless past its lifetime; forgotten either way.
          const live = want !== undefined && want.last + ttl > now;
          if (want !== undefined && !live) expired++;
          expect(got, `seed ${seed} step ${step}`).toBe(live);
          if (live) expect([t.foundId, t.foundLastNanos, t.foundTimeWaitNanos]).toEqual([want.id, want.last, want.tw]);
          model.delete(tupleId(f));
        } else {
          now += Math.floor(rand() * 30);
          t.expire(now, ttl);
          // The store stops at the oldest live tombstone that has not expired, as the model does.
          for (const [id, s] of model) {
            if (s.last + ttl > now) break;
            model.delete(id);
          }
        }
        expect(t.size).toBe(model.size);
      }
      // Expired tombstones behind fresh ones were looked up (with a cap of 1 none can wait).
      if (max > 1) expect(expired, `seed ${seed}`).toBeGreaterThan(0);
    }
  });
});
