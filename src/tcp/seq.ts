/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4: "all arithmetic dealing with sequence
 * numbers must be performed modulo 2**32"). Every comparison of sequence or acknowledgment numbers
 * in the project goes through here, so wraparound is handled in one place (smoltcp's SeqNumber,
 * gopacket's Sequence.Difference).
 *
 * Values may be held either as uint32 (0..2^32-1, as decoded) or as int32 (x | 0, which V8 keeps as
 * a small integer): both denote the same residue, and every function accepts either.
 */

/** a - b as a signed 32-bit distance: positive when a is "after" b (within 2^31). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** Did going from `prev` to `next` (next after prev) pass 2^32 in the uint32 spelling? */
export function seqWrapped(prev: number, next: number): boolean {
  return seqGt(next, prev) && next >>> 0 < prev >>> 0;
}
