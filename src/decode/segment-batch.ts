/**
 * Decoded segments waiting to be tracked, a batch at a time.
 *
 * The per-record loop decodes up to SEGMENT_BATCH records into these slots and only then hands
 * them to the tracker, in capture order. The work and the order are the same as one record at a
 * time; what changes is that the decoder's code and data, then the tracker's, stay in the caches
 * for a whole batch instead of evicting each other on every packet. On the 1 GB benchmark capture
 * that was 3-15 % of the wall time, depending on the run, and 5-13 % of the CPU time
 * (docs/benchmarks.md, "Batched decoding").
 *
 * Holding a batch never delays output for long: core.ts tracks what is pending whenever a batch
 * fills, when the reader has used up a chunk of input (a live pipe's packets are not held back
 * waiting for more), and at the end of every input, cleanly or at a read error.
 */
import { newPacketFields, type PacketFields } from './fields.js';

/** Segments per batch: 64 and 256 measured alike; the slots are ~30 numbers each. */
export const SEGMENT_BATCH = 128;

export class SegmentBatch {
  /** Decode the next record into `slots[size]`, then `commit()` it if it is a TCP segment. */
  readonly slots: PacketFields[] = Array.from({ length: SEGMENT_BATCH }, newPacketFields);
  readonly tNanos = new Float64Array(SEGMENT_BATCH);
  readonly frameNo = new Float64Array(SEGMENT_BATCH);
  size = 0;

  /** The slot the next record is decoded into (overwritten if it is not committed). */
  get next(): PacketFields {
    return this.slots[this.size];
  }

  /** Keeps the segment just decoded into `next`; true when the batch is full and must be drained. */
  commit(tNanos: number, frameNo: number): boolean {
    const i = this.size;
    this.tNanos[i] = tNanos;
    this.frameNo[i] = frameNo;
    this.size = i + 1;
    return this.size === SEGMENT_BATCH;
  }
}
