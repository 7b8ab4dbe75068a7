/**
 * A one-line progress bar on stderr: bytes read against the total size of the inputs (stdin has
 * no size, so it shows bytes only). Only for people: run.ts enables it when stderr is a terminal,
 * $CI is unset and the output is not streamed NDJSON (whose lines reach the terminal while it
 * reads), never when piped, so logs and `2>file` stay clean.
 */
import { formatBytes, formatCount } from '../report/format.js';

/** Redraw at most this often: a terminal write per 1 MiB chunk would cost more than it tells. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export interface ProgressSink {
  write(s: string): unknown;
  /** The terminal's width (a tty.WriteStream's): the bar is cut to it. */
  columns?: number;
}

export class Progress {
  private read = 0;
  private lastDraw = 0;
  private drawn = false;
  private label = '';
  private written: { done: number; total: number } | null = null;

  /**
   * `dumb`: the terminal has no erase-line control ($TERM=dumb, e.g. an editor's shell buffer):
   * the old bar is overwritten with spaces instead.
   */
  constructor(
    private readonly out: ProgressSink,
    private readonly total: number | null,
    private readonly now: () => number = Date.now,
    private readonly dumb = false,
  ) {}

  setLabel(name: string): void {
    this.label = name;
  }

  /** Reading begins again from the start (a sharded run finishing on one thread). */
  restart(): void {
    this.read = 0;
  }

  add(n: number): void {
    this.read += n;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.draw();
  }

  /**
   * The second phase of a buffered format (json, table, zeek): connections written of those
   * selected, after the inputs were read. The flood's table takes ~45 s here.
   */
  writing(done: number, total: number): void {
    this.written = { done, total };
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS && done < total) return;
    this.lastDraw = t;
    this.draw();
  }

  /** Erases the bar, so a message or the end of the run starts on a clean line. */
  clear(): void {
    if (!this.drawn) return;
    this.out.write(this.dumb ? `\r${' '.repeat(this.width())}\r` : '\r\x1b[K');
    this.drawn = false;
  }

  line(): string {
    const w = this.written;
    if (w !== null) {
      return `${bar(w.total > 0 ? w.done / w.total : 1)}writing ${formatCount(w.done)} / ${formatCount(w.total)} connections`;
    }
    if (this.total && this.total > 0) {
      return `${bar(this.read / this.total)}${formatBytes(this.read)} / ${formatBytes(this.total)}  ${this.label}`;
    }
    return `${formatBytes(this.read)} read  ${this.label}`;
  }

  private draw(): void {
    // One row at most: a line longer than the terminal wraps, and the next redraw's carriage
    // return then goes back to its last row only, leaving a trail of bars above.
    const w = this.width();
    let text = this.line();
    if (text.length > w) {
      // The file's name is at the end of its path: a long path loses its start first.
      const label = this.label;
      const cut = text.length - w + 3; // with '...' (ASCII, as the bar)
      text = label.length > cut && text.endsWith(label)
        ? `${text.slice(0, text.length - label.length)}...${label.slice(cut)}`
        : `${text.slice(0, w - 3)}...`;
    }
    this.out.write(this.dumb ? `\r${text.padEnd(w)}` : `\r\x1b[K${text}`);
    this.drawn = true;
  }

  /**
   * Columns the bar may take: one less than the terminal's, so the cursor never wraps; 79 when the
   * terminal does not say. A 15-column terminal gets 14, not 79 (a wrapped bar leaves a trail).
   */
  private width(): number {
    const cols = this.out.columns;
    return Math.max(4, cols !== undefined && cols > 0 ? cols : 80) - 1;
  }
}

/** "[######..................]  25% " for a fraction (capped at 1). */
function bar(fraction: number): string {
  const frac = Math.min(1, fraction);
  const filled = Math.round(frac * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% `;
}
