import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { seqDiff, seqGe, seqGt, seqLe, seqLt, seqWrapped } from '../../src/tcp/seq.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** A forward distance that stays inside half the sequence space (RFC 9293 §3.4 comparisons). */
const fwd = fc.integer({ min: 1, max: 2 ** 31 - 1 });

describe('seq.ts: modulo 2^32', () => {
  test.prop([u32, fwd])('a + n is after a, across the wrap, in uint32 or int32 spelling', (a, n) => {
    const b = (a + n) >>> 0;
    expect(seqLt(a, b)).toBe(true);
    expect(seqGt(b, a)).toBe(true);
    expect(seqLe(a, b) && seqGe(b, a)).toBe(true);
    expect(seqLt(a | 0, b | 0)).toBe(true);
    expect(seqDiff(b, a)).toBe(n);
  });
  test.prop([u32])('reflexive: equal is neither before nor after', (a) => {
    expect(seqLt(a, a) || seqGt(a, a)).toBe(false);
    expect(seqLe(a, a) && seqGe(a, a)).toBe(true);
    expect(seqLt(a, a | 0) || seqGt(a >>> 0, a | 0)).toBe(false);
  });
  test.prop([u32, fwd])('wrap is detected exactly when the uint32 value decreases', (a, n) => {
    const b = (a + n) >>> 0;
    expect(seqWrapped(a, b)).toBe(b < a);
  });
  test('named edges', () => {
    expect(seqLt(0xffffffff, 0)).toBe(true);
    expect(seqGt(0, 0xfffffff0)).toBe(true);
    expect(seqDiff(5, 0xfffffffb)).toBe(10);
    expect(seqWrapped(0xffffff00, 0x10)).toBe(true);
  });
});
