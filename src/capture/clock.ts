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
 * places the zero before the earliest (the constructor's `start`). Later times are then floats a
 * few ns apart (2^(e-52) ns at 2^e ns from the zero: 8 ns after a year, 64 after 13), off by up
 * to half that. Reports round them to the capture's unit (toIso, seconds()), which gives a µs
 * capture's times exactly again, and its spans while both ends lie within 2^60 ns (36 years) of
 * the zero; a ns capture keeps the error (docs/robustness.md, fixed 48 and Known bugs).
 */
export const CLOCK_ROOM_BEFORE_SEC = 2 ** 22;

/** The precision every run has at least: µs, whatever an input declares (a binary pcapng resolution may declare fewer digits). */
const MIN_DIGITS = 6;

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
  /** The inputs read so far by name, with their reader's CaptureInfo (noteInput). */
  private readonly inputs = new Map<string, Array<{ readonly precisionDigits: number }>>();

  /**
   * `precisionDigits`: the finest precision the inputs declare, when known before reading (at least
   * 6, at most 9). `start`: the earliest first record of the inputs (seconds, nanoseconds), when
   * known before reading; the zero is then placed before it rather than before the first record
   * read, so inputs given newest first do not put an older input's times below zero.
   */
  constructor(precisionDigits = MIN_DIGITS, start: readonly [number, number] | null = null) {
    this.precisionDigits = MIN_DIGITS;
    this.raisePrecision(precisionDigits);
    if (start !== null) this.startBefore(start);
  }

  /** Places the zero CLOCK_ROOM_BEFORE_SEC before `start` (seconds, nanoseconds), if no record has set it yet. */
  startBefore(start: readonly [number, number]): void {
    this.adoptBase([start[0] - CLOCK_ROOM_BEFORE_SEC, start[1]]);
  }

  /**
   * The precision's unit in nanoseconds, 10^(9 − precisionDigits): 1000 for µs, 1 for ns. Every
   * time and span a report gives is rounded to it (toIso, seconds()).
   */
  get unitNanos(): number {
    return unitNanosOf(this.precisionDigits);
  }

  /**
   * Registers an input as the run starts reading it. `info` is its reader's, whose precision the
   * file header (pcapng: each interface) sets as it is read: it is looked at when a connection is
   * reported (unitFor), not now.
   */
  noteInput(name: string, info: { readonly precisionDigits: number }): void {
    const list = this.inputs.get(name);
    if (list === undefined) this.inputs.set(name, [info]);
    else list.push(info);
  }

  /**
   * The unit of a connection's times and spans, its first and last packets read from inputs
   * `firstInput` and `lastInput`: their own precision's unit, not the run's, so a µs input's
   * connections stay on whole µs in a run written at 9 digits (past 2^53 ns from the zero their
   * floats are not). The finer of the two; never finer than the run's unit nor coarser than a µs
   * (the floor of precisionDigits). An input never noted (a worker's replica: the worker says) or
   * named twice counts at its finest. A connection spanning three inputs or more, the middle one
   * finer than both ends, would be rounded too coarsely: rotated pieces of one capture share a
   * precision.
   */
  unitFor(firstInput: string, lastInput: string): number {
    return Math.min(this.inputUnit(firstInput), this.inputUnit(lastInput));
  }

  private inputUnit(name: string): number {
    const run = this.unitNanos;
    const list = this.inputs.get(name);
    if (list === undefined) return run;
    let digits = MIN_DIGITS;
    for (const info of list) digits = Math.max(digits, info.precisionDigits);
    return Math.max(run, unitNanosOf(digits));
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

  /**
   * ISO-8601 UTC with `precisionDigits` fractional digits: the instant rounded to that unit (half
   * up), not truncated, since past 2^53 ns from the zero `tNanos` may lie a few ns below the
   * packet's stamp, and a µs time read ...190968 ns must print .570191, not .570190. `unitNanos`:
   * a coarser unit to round to (unitFor: a µs input's instant in a run of 9 digits).
   */
  toIso(tNanos: number, digits = this.precisionDigits, unitNanos = 1): string {
    const unit = BigInt(Math.max(unitNanosOf(digits), unitNanos));
    let abs = BigInt(this.baseSec) * 1_000_000_000n + BigInt(this.baseNanos) + BigInt(Math.round(tNanos));
    let rem = abs % unit;
    if (rem < 0n) rem += unit;
    abs += (2n * rem >= unit ? unit : 0n) - rem;
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

/** 10^(9 − digits) for 0..9 fractional digits: the unit, in nanoseconds, of a time written with them. */
export function unitNanosOf(digits: number): number {
  return UNIT_NANOS[digits >= 9 ? 9 : digits <= 0 ? 0 : digits];
}

/** UNIT_NANOS[d] = 10^(9 − d). */
const UNIT_NANOS = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

/**
 * A span the report gives in seconds (a duration, an RTT, a gap): `nanos`, a difference of
 * tNanos values, rounded to the capture's unit (CaptureClock.unitNanos), then divided once. The
 * result is the double nearest a decimal with no more digits than the capture's times have, so a
 * µs capture never prints a 7th: past 2^53 ns from the clock's zero the difference is inexact in
 * its last few ns, and `/ 1e9` alone printed them (600.931043008 for 600.931043).
 */
export function seconds(nanos: number, unitNanos: number): number {
  const units = Math.round(nanos / unitNanos);
  // Not -0 (a span of -0.4 µs rounds to it): 0 is 0 in every format, and Object.is agrees.
  return units === 0 ? 0 : units / (1e9 / unitNanos);
}
