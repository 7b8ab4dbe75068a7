/**
 * How far before the run's first packet the clock's zero lies: 2^22 s, about 48.5 days.
 *
 * Why not the first packet itself: everything downstream takes a negative time for "none" (-1 is
 * the sentinel of a SYN never seen, a transition that never happened), so a packet stamped before
 * the first one (a capture whose halves were concatenated in the wrong order, `mergecap -a`, or
 * two inputs given newest first) lost its handshake times and held FIN_WAIT_2 "to the end of the
 * capture". With the zero this far back, every time of a real capture is positive. Integer
 * nanoseconds stay exact up to 2^53, so about 55.7 days after the first packet (104 before).
 * Inputs further apart than that: the CLI reads each file's first record before the run and
 * places the zero before the earliest (the constructor's `start`); their times are then inexact
 * by up to a few tens of ns (docs/robustness.md, Known bugs).
 */
export const CLOCK_ROOM_BEFORE_SEC = 2 ** 22;

/**
 * Packet time. The hot path holds time as a `number` of nanoseconds since the clock's zero,
 * CLOCK_ROOM_BEFORE_SEC before the run's first packet; that epoch is kept here once and absolute
 * times are rebuilt only when a report is rendered (STYLE §4).
 */
export class CaptureClock {
  private baseSec = 0;
  private baseNanos = 0;
  private based = false;
  /** Fractional digits for rendering: the finest precision among the inputs. */
  precisionDigits: number;

  /**
   * `precisionDigits`: the finest precision the inputs declare, when known before reading (at least
   * 6, at most 9). `start`: the earliest first record of the inputs (seconds, nanoseconds), when
   * known before reading; the zero is then placed before it rather than before the first record
   * read, so inputs given newest first do not put an older input's times below zero.
   */
  constructor(precisionDigits = 6, start: readonly [number, number] | null = null) {
    this.precisionDigits = 6;
    this.raisePrecision(precisionDigits);
    if (start !== null) this.startBefore(start);
  }

  /** Places the zero CLOCK_ROOM_BEFORE_SEC before `start` (seconds, nanoseconds), if no record has set it yet. */
  startBefore(start: readonly [number, number]): void {
    this.adoptBase([start[0] - CLOCK_ROOM_BEFORE_SEC, start[1]]);
  }

  /** Adopts `digits` if finer than the current precision; never beyond nanoseconds. */
  raisePrecision(digits: number): void {
    this.precisionDigits = Math.min(9, Math.max(this.precisionDigits, digits));
  }

  /** Nanoseconds since the clock's zero (negative only for a timestamp 48 days before the first packet). */
  tNanos(tsSec: number, tsNanos: number): number {
    if (!this.based) {
      this.baseSec = tsSec - CLOCK_ROOM_BEFORE_SEC;
      this.baseNanos = tsNanos;
      this.based = true;
    }
    return (tsSec - this.baseSec) * 1e9 + (tsNanos - this.baseNanos);
  }

  get hasBase(): boolean {
    return this.based;
  }

  /** The clock's zero (seconds, nanoseconds), or null before the first packet: for a replica on another thread. */
  get base(): [number, number] | null {
    return this.based ? [this.baseSec, this.baseNanos] : null;
  }

  /** Makes this clock a replica of one whose base is known (threads/pipeline.ts). */
  adoptBase(base: [number, number]): void {
    if (this.based) return;
    [this.baseSec, this.baseNanos] = base;
    this.based = true;
  }

  /** ISO-8601 UTC with `precisionDigits` fractional digits. */
  toIso(tNanos: number, digits = this.precisionDigits): string {
    const abs = BigInt(this.baseSec) * 1_000_000_000n + BigInt(this.baseNanos) + BigInt(Math.round(tNanos));
    let sec = abs / 1_000_000_000n;
    let frac = abs % 1_000_000_000n;
    if (frac < 0n) {
      frac += 1_000_000_000n;
      sec -= 1n;
    }
    const d = new Date(Number(sec) * 1000);
    // toISOString ends in ".sssZ"; before it, "YYYY-MM-DDTHH:MM:SS", or "±YYYYYY-..." past year 9999.
    const iso = Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00.000Z' : d.toISOString();
    const base = iso.slice(0, iso.length - 5);
    if (digits <= 0) return `${base}Z`;
    const fracStr = frac.toString().padStart(9, '0').slice(0, Math.min(digits, 9));
    return `${base}.${fracStr}Z`;
  }
}

/** Seconds between two tNanos values, as a JSON number. */
export function secondsBetween(fromNanos: number, toNanos: number): number {
  return (toNanos - fromNanos) / 1e9;
}
