/**
 * Packet time. The hot path holds time as a `number` of nanoseconds since the run's first packet
 * (exact for about 104 days of capture); the epoch of that first packet is kept here once, as a
 * BigInt, and absolute times are rebuilt only when a report is rendered (STYLE §4).
 */
export class CaptureClock {
  private baseSec = 0;
  private baseNanos = 0;
  private based = false;
  /** Fractional digits for rendering: the finest precision among the inputs. */
  precisionDigits = 6;

  /** Nanoseconds since the first packet of the run (negative when a timestamp goes back before it). */
  tNanos(tsSec: number, tsNanos: number): number {
    if (!this.based) {
      this.baseSec = tsSec;
      this.baseNanos = tsNanos;
      this.based = true;
    }
    return (tsSec - this.baseSec) * 1e9 + (tsNanos - this.baseNanos);
  }

  get hasBase(): boolean {
    return this.based;
  }

  /** The first packet's time (seconds, nanoseconds), or null before it: for a replica on another thread. */
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
