/**
 * CaptureClock.toIso without BigInt or a Date per call: reports render ~25 times per connection,
 * and on a 90k-connection capture the BigInt path cost about a second plus its garbage. Same
 * output as clock.toIso (a test compares them); the epoch of the first packet is read once, at
 * nanosecond precision, and the "YYYY-MM-DDTHH:MM:SS" prefix is cached per second.
 */
import type { CaptureClock } from '../capture/clock.js';

const formatters = new WeakMap<CaptureClock, IsoFormatter>();

export class IsoFormatter {
  private readonly baseSec: number;
  private readonly baseNanos: number;
  private cachedSec = NaN;
  private cachedPrefix = '';

  constructor(private readonly clock: CaptureClock) {
    const iso = clock.toIso(0, 9); // "...SS.nnnnnnnnnZ"
    this.baseSec = Math.floor(Date.parse(`${iso.slice(0, 19)}Z`) / 1000);
    this.baseNanos = Number(iso.slice(20, 29));
  }

  static of(clock: CaptureClock): IsoFormatter {
    let f = formatters.get(clock);
    if (f === undefined) { f = new IsoFormatter(clock); formatters.set(clock, f); }
    return f;
  }

  /** ISO-8601 UTC at the clock's current precision. */
  iso(tNanos: number): string {
    const digits = this.clock.precisionDigits;
    const total = this.baseNanos + Math.round(tNanos);
    if (!Number.isSafeInteger(total) || !Number.isFinite(this.baseSec)) return this.clock.toIso(tNanos, digits);
    const carry = Math.floor(total / 1e9);
    const frac = total - carry * 1e9;
    const sec = this.baseSec + carry;
    if (sec !== this.cachedSec) {
      const d = new Date(sec * 1000);
      if (Number.isNaN(d.getTime())) return this.clock.toIso(tNanos, digits);
      this.cachedSec = sec;
      this.cachedPrefix = d.toISOString().slice(0, 19);
    }
    if (digits <= 0) return `${this.cachedPrefix}Z`;
    return `${this.cachedPrefix}.${String(frac).padStart(9, '0').slice(0, Math.min(digits, 9))}Z`;
  }
}
