/**
 * A reference model for the tests (src/threads/shard-merger.ts is what runs; this was
 * src/threads/shard-merge.ts until 2026-12-06): putting sharded trackers back together
 * (flow/tracker.ts, Shard): the order in which a single tracker would have emitted the shards'
 * connections, its connection ids, and its peak count.
 *
 * Why this is exact (docs/benchmarks.md, "Sharding"): every shard sees every segment and runs its
 * timers on each, so a connection retires at the same segment in its shard as in a single tracker.
 * Within one segment a tracker retires in a fixed sequence of phases (the timers' lists: closed,
 * SYN-only, open; then a connection replaced by a new one on its tuple; then an eviction), and
 * within a timer's list in the order of the flows' last segments, which is how a single tracker's
 * list is ordered too. What a single tracker retires at the end of the capture goes out in id
 * order, that is in creation order. Ids are given in creation order, one creation per segment at
 * most: a shard's placeholder id (creating segment's ordinal + 1) ranks among all shards'
 * placeholders exactly as the single tracker's id does.
 *
 * Timestamps that go backwards change nothing of this: the lists are ordered and expire by the
 * tracker's clock at each placement (Flow.listNanos), which every shard keeps alike.
 *
 * Two things only a single tracker knows are not reproduced: the --max-connections cap and the
 * tombstone cap count all connections. A shard stops at half of either (flow/tracker.ts,
 * ShardCapReached), before the merge could go wrong, and one thread finishes the run.
 */
import { AT_END, type RetireKey } from '../../src/flow/tracker.js';

/** Total order of retirement keys (negative: a was emitted first). */
export function compareRetireKeys(a: RetireKey, b: RetireKey): number {
  return a.ordinal - b.ordinal || a.phase - b.phase || a.sub - b.sub;
}

/**
 * Placeholder id → the id a single tracker gives: its rank among all placeholders of the run
 * (every connection created is emitted exactly once, so these are all of them).
 */
export function rankIds(placeholders: Iterable<number>): Map<number, number> {
  const sorted = Float64Array.from(placeholders).sort();
  const ids = new Map<number, number>();
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) throw new Error(`placeholder id ${sorted[i]} given twice`);
    ids.set(sorted[i], i + 1);
  }
  return ids;
}

/**
 * The most connections tracked at once, as a single tracker counts it: a connection is tracked from
 * the segment that creates it (ordinal = placeholder id − 1) to the one that retires it; a segment
 * retires before it creates. Both lists ascending; retirements at AT_END do not count.
 */
export function peakTracked(createdOrdinals: ArrayLike<number>, retiredOrdinals: ArrayLike<number>): number {
  let peak = 0;
  let r = 0;
  for (let i = 0; i < createdOrdinals.length; i++) {
    const c = createdOrdinals[i];
    while (r < retiredOrdinals.length && retiredOrdinals[r] <= c && retiredOrdinals[r] !== AT_END) r++;
    const live = i + 1 - r;
    if (live > peak) peak = live;
  }
  return peak;
}
