/**
 * CaptureClock.toIso without BigInt or a Date per call: reports render ~25 times per connection,
 * and on a 90k-connection capture the BigInt path cost about a second plus its garbage. Same
 * output as clock.toIso (a test compares them); the epoch of the first packet is read once, at
 * nanosecond precision, and the "YYYY-MM-DDTHH:MM:SS" prefix is cached per second.
 */
import { unitNanosOf, type CaptureClock } from '../capture/clock.js';

/** Each clock's formatters, by the unit they round to (IsoFormatter.of). */
const formatters = new WeakMap<CaptureClock, Map<number, IsoFormatter>>();
/** Entries of IsoFormatter's cache of rendered instants (a power of two). */
const ISO_CACHE_SIZE = 4096;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** Seconds whose ISO prefix IsoFormatter keeps (a power of two). */
const PREFIX_SLOTS = 64;
/** "YYYY-MM-DDTHH:MM:SS". */
const PREFIX_CHARS = 19;
/** The prefix and the character after it, as 32-bit words. */
const PREFIX_WORDS = 5;

/** "00" .. "99" as little-endian 16-bit words. */
export const DIGIT_PAIRS = new Uint16Array(100);
for (let i = 0; i < 100; i++) DIGIT_PAIRS[i] = (0x30 + Math.floor(i / 10)) | ((0x30 + (i % 10)) << 8);
/**
 * Most bytes `write` puts out: "+YYYYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", a year past 9999 in ISO-8601's
 * expanded form (CaptureClock.toIso, its fallback, writes those; fill() writes 30 at most).
 */
export const MAX_ISO_BYTES = 33;

export class IsoFormatter {
  private readonly baseSec: number;
  private readonly baseNanos: number;
  // "YYYY-MM-DDTHH:MM:SS" of the last PREFIX_SLOTS distinct seconds, direct-mapped. One entry was
  // not enough: reports come out when connections retire, seconds after their first packets, so
  // one report's instants span several seconds and neighbouring reports alternate between them
  // (Date#toISOString was 61 ms of a 3.4 s profile of the 1 GB benchmark capture).
  private readonly prefixSecs = new Float64Array(PREFIX_SLOTS).fill(NaN);
  /** The prefixes' characters, PREFIX_WORDS little-endian words per slot. */
  private readonly prefixWords = new Int32Array(PREFIX_SLOTS * PREFIX_WORDS);
  /**
   * One instant's characters, made into a string by one toString('latin1'). A template literal made
   * four or five strings per instant (the fraction's digits, their slice, then a cons string the
   * NDJSON writer had to flatten again): ~140 MB of the ~790 MB a 1 GB benchmark run allocated
   * while reporting (bench/alloc.mjs --stage render).
   */
  private readonly scratch = Buffer.alloc(MAX_ISO_BYTES);
  private readonly scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.byteLength);

  /**
   * `unitNanos`: rounds every instant to this unit at least (CaptureClock.unitFor: a µs input's
   * connection in a run written at 9 digits), as well as to the unit of the digits it prints.
   */
  constructor(private readonly clock: CaptureClock, private readonly unitNanos = 1) {
    const iso = clock.toIso(0, 9); // "...SS.nnnnnnnnnZ", with a year of 4 digits or (past 9999) ±6
    const dot = iso.length - 11;
    this.baseSec = Math.floor(Date.parse(`${iso.slice(0, dot)}Z`) / 1000);
    this.baseNanos = Number(iso.slice(dot + 1, dot + 10));
  }

  static of(clock: CaptureClock, unitNanos = 1): IsoFormatter {
    let byUnit = formatters.get(clock);
    if (byUnit === undefined) { byUnit = new Map(); formatters.set(clock, byUnit); }
    let f = byUnit.get(unitNanos);
    if (f === undefined) { f = new IsoFormatter(clock, unitNanos); byUnit.set(unitNanos, f); }
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
    const n = this.fill(tNanos, digits, this.scratchView, 0);
    return n < 0 ? this.clock.toIso(tNanos, digits, this.unitNanos) : this.scratch.toString('latin1', 0, n);
  }

  /**
   * The instant's ISO-8601 characters written at `at` through `out` (room for MAX_ISO_BYTES needed),
   * the same as iso(tNanos) returns: the NDJSON writer's way (report/ndjson-facts.ts), with no
   * string made. Returns the position after them.
   */
  write(tNanos: number, out: DataView, at: number): number {
    const digits = this.clock.precisionDigits;
    const n = this.fill(tNanos, digits, out, at);
    if (n >= 0) return at + n;
    // The years and instants fill() leaves to CaptureClock (none in a real capture).
    const s = this.clock.toIso(tNanos, digits, this.unitNanos);
    for (let i = 0; i < s.length; i++) out.setUint8(at + i, s.charCodeAt(i));
    return at + s.length;
  }

  /**
   * Writes "YYYY-MM-DDTHH:MM:SS[.fff…]Z" at `at` and returns its length, or -1 for CaptureClock to
   * do it. Words and digit pairs rather than bytes: ~2 million instants per 1 GB benchmark run.
   */
  private fill(tNanos: number, digits: number, out: DataView, at: number): number {
    const total = this.baseNanos + Math.round(tNanos);
    if (!Number.isSafeInteger(total) || !Number.isFinite(this.baseSec)) return -1;
    let carry = Math.floor(total / 1e9);
    let frac = total - carry * 1e9;
    // Rounded to the unit of `digits` (or this formatter's, if coarser), half up, as CaptureClock.toIso does (why: there).
    const u = unitNanosOf(digits);
    const unit = u > this.unitNanos ? u : this.unitNanos;
    const rem = frac % unit;
    frac += (2 * rem >= unit ? unit : 0) - rem;
    if (frac >= 1e9) {
      frac -= 1e9;
      carry++;
    }
    const sec = this.baseSec + carry;
    const slot = sec & (PREFIX_SLOTS - 1);
    const words = this.prefixWords;
    const from = slot * PREFIX_WORDS;
    if (this.prefixSecs[slot] !== sec) {
      const date = new Date(sec * 1000);
      if (Number.isNaN(date.getTime())) return -1;
      const prefix = date.toISOString(); // "YYYY-MM-DDTHH:MM:SS.sssZ" for the years that get here
      if (prefix.length !== 24) return -1;
      // Its first 20 characters: the prefix and the '.', which a 'Z' overwrites when there is no fraction.
      for (let w = 0; w < PREFIX_WORDS; w++) {
        const i = 4 * w;
        words[from + w] = prefix.charCodeAt(i) | (prefix.charCodeAt(i + 1) << 8) | (prefix.charCodeAt(i + 2) << 16) | (prefix.charCodeAt(i + 3) << 24);
      }
      this.prefixSecs[slot] = sec;
    }
    for (let w = 0; w < PREFIX_WORDS; w++) out.setInt32(at + 4 * w, words[from + w], true);
    if (digits <= 0) {
      out.setUint8(at + PREFIX_CHARS, 0x5a); // 'Z'
      return PREFIX_CHARS + 1;
    }
    // The first `d` of frac's 9 zero-padded digits, two at a time from the right (frac < 2^31).
    const d = digits < 9 ? digits : 9;
    let x = (frac / POW10[9 - d]) | 0;
    const end = at + PREFIX_CHARS + 1 + d;
    let q = end;
    let n = d;
    while (n >= 2) {
      const y = (x / 100) | 0;
      q -= 2;
      out.setUint16(q, DIGIT_PAIRS[x - y * 100], true);
      x = y;
      n -= 2;
    }
    if (n === 1) out.setUint8(q - 1, 0x30 + x);
    out.setUint8(end, 0x5a); // 'Z'
    return PREFIX_CHARS + d + 2;
  }
}
