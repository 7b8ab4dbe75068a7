/**
 * CaptureClock.toIso without BigInt or a Date per call: reports render ~25 times per connection,
 * and on a 90k-connection capture the BigInt path cost about a second plus its garbage. Same
 * output as clock.toIso (a test compares them); the epoch of the first packet is read once, at
 * nanosecond precision, and the "YYYY-MM-DDTHH:MM:SS" prefix is cached per second.
 */
import type { CaptureClock } from '../capture/clock.js';

const formatters = new WeakMap<CaptureClock, IsoFormatter>();
/** Entries of IsoFormatter's cache of rendered instants (a power of two). */
const ISO_CACHE_SIZE = 4096;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** Seconds whose ISO prefix IsoFormatter keeps (a power of two). */
const PREFIX_SLOTS = 64;
/** "YYYY-MM-DDTHH:MM:SS". */
const PREFIX_CHARS = 19;

export class IsoFormatter {
  private readonly baseSec: number;
  private readonly baseNanos: number;
  // "YYYY-MM-DDTHH:MM:SS" of the last PREFIX_SLOTS distinct seconds, direct-mapped. One entry was
  // not enough: reports come out when connections retire, seconds after their first packets, so
  // one report's instants span several seconds and neighbouring reports alternate between them
  // (Date#toISOString was 61 ms of a 3.4 s profile of the 1 GB benchmark capture).
  private readonly prefixSecs = new Float64Array(PREFIX_SLOTS).fill(NaN);
  /** The prefixes' characters, PREFIX_CHARS bytes per slot. */
  private readonly prefixBytes = new Uint8Array(PREFIX_SLOTS * PREFIX_CHARS);
  /**
   * One instant's characters, made into a string by one toString('latin1'). A template literal made
   * four or five strings per instant (the fraction's digits, their slice, then a cons string the
   * NDJSON writer had to flatten again): ~140 MB of the ~790 MB a 1 GB benchmark run allocated
   * while reporting (bench/alloc.mjs --stage render).
   */
  private readonly scratch = Buffer.alloc(PREFIX_CHARS + 11);

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

  // A report renders ~25 times but only a handful of distinct instants (firstSeen is the SYN's
  // time and its first transition's; lastSeen is the last transition's...), and neighbouring
  // connections share them too. A small direct-mapped cache of finished strings formats each
  // distinct instant once: on the 100 MB benchmark capture 190k calls render 83k distinct
  // instants (21 calls, 9 instants per connection); on the 1 GB one iso's self time went from
  // ~300 ms to ~190 ms (iso + format), the rest being the formatting of distinct instants.
  private readonly cacheKeys = new Float64Array(ISO_CACHE_SIZE).fill(NaN);
  private readonly cacheVals: string[] = new Array<string>(ISO_CACHE_SIZE).fill('');
  private cacheDigits = -1;

  /** ISO-8601 UTC at the clock's current precision. */
  iso(tNanos: number): string {
    const digits = this.clock.precisionDigits;
    if (digits !== this.cacheDigits) {
      this.cacheKeys.fill(NaN);
      this.cacheDigits = digits;
    }
    const slot = ((tNanos >>> 0) ^ (tNanos / 4096) >>> 0) & (ISO_CACHE_SIZE - 1);
    if (this.cacheKeys[slot] === tNanos) return this.cacheVals[slot];
    const s = this.format(tNanos, digits);
    this.cacheKeys[slot] = tNanos;
    this.cacheVals[slot] = s;
    return s;
  }

  private format(tNanos: number, digits: number): string {
    const total = this.baseNanos + Math.round(tNanos);
    if (!Number.isSafeInteger(total) || !Number.isFinite(this.baseSec)) return this.clock.toIso(tNanos, digits);
    const carry = Math.floor(total / 1e9);
    const frac = total - carry * 1e9;
    const sec = this.baseSec + carry;
    const slot = sec & (PREFIX_SLOTS - 1);
    const pb = this.prefixBytes;
    const at = slot * PREFIX_CHARS;
    if (this.prefixSecs[slot] !== sec) {
      const date = new Date(sec * 1000);
      if (Number.isNaN(date.getTime())) return this.clock.toIso(tNanos, digits);
      const prefix = date.toISOString(); // "YYYY-MM-DDTHH:MM:SS.sssZ" for the years that get here
      if (prefix.length !== 24) return this.clock.toIso(tNanos, digits);
      for (let i = 0; i < PREFIX_CHARS; i++) pb[at + i] = prefix.charCodeAt(i);
      this.prefixSecs[slot] = sec;
    }
    const b = this.scratch;
    for (let i = 0; i < PREFIX_CHARS; i++) b[i] = pb[at + i];
    if (digits <= 0) {
      b[PREFIX_CHARS] = 0x5a; // 'Z'
      return b.toString('latin1', 0, PREFIX_CHARS + 1);
    }
    // The first `d` of frac's 9 zero-padded digits, right to left.
    const d = digits < 9 ? digits : 9;
    let x = Math.floor(frac / POW10[9 - d]);
    b[PREFIX_CHARS] = 0x2e; // '.'
    for (let i = PREFIX_CHARS + d; i > PREFIX_CHARS; i--) {
      const q = Math.floor(x / 10);
      b[i] = 0x30 + x - q * 10;
      x = q;
    }
    b[PREFIX_CHARS + d + 1] = 0x5a; // 'Z'
    return b.toString('latin1', 0, PREFIX_CHARS + d + 2);
  }
}
