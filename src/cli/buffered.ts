/**
 * The formats printed after the last packet (json, zeek, the table, --ladder, a sorted NDJSON):
 * each selected connection is rendered when it finishes, into the smallest text its format needs
 * (a conn.log line, a table row, pretty JSON, its report as compact JSON for a ladder), and that
 * text waits in a spool file (report/spool.ts) with 32 bytes of index. At the end the texts are read
 * back in the selection's order and written in ~1 MiB pieces, waiting for stdout to drain.
 *
 * Holding the ConnectionReports instead took 2.0 GB for json on the 1 GB benchmark capture and
 * 3.9 GB for the table of a 2M-SYN flood (docs/benchmarks.md).
 */
import type { ConnectionReport, RunReport } from '../report/model.js';
import { ladderDigits, ndjsonConnectionLine, ndjsonSummaryLine, renderConnectionLadder, type RenderContext } from '../report/index.js';
import { ConnectionSpool } from '../report/spool.js';
import { decodeTableRow, encodeTableRow, moreMatchedLine, tableLines, TableRowMaker, type TableRowSource } from '../report/table.js';
import { zeekConnLine, zeekFooter, zeekHeader } from '../report/zeek-tsv.js';
import type { CliOptions } from './options.js';
import { sortKey } from './select.js';

/** Buffered reports go to stdout in writes of about this size. */
const WRITE_CHUNK = 1 << 20;

export interface Output {
  write(s: string | Uint8Array): void;
  /** Resolves when stdout has taken what it was given. */
  drained(): Promise<void>;
  /** Stdout went away (`| head`): nothing more need be read. */
  closed(): boolean;
  /** `done` of `total` connections written (for a progress bar). */
  progress(done: number, total: number): void;
}

export interface BufferedFormat {
  add(c: ConnectionReport): void;
  /** Orders what was added and keeps the first `limit`; returns how many will be printed. */
  select(limit: number | null): number;
  /** `out`: the run's report without its connections. */
  print(out: RunReport, to: Output): Promise<void>;
  /** The spool file could not be made or written (no $TMPDIR, a full disk): the report is whole, memory was used instead. */
  spoolFailure(): Error | null;
  close(): void;
}

export function bufferedFormat(o: CliOptions, ctx: RenderContext): BufferedFormat {
  if (o.format === 'json') {
    // Each connection as JSON.stringify(report, null, 2) prints an element of `connections`.
    return framed(o, (c) => `    ${JSON.stringify(c, null, 2).replaceAll('\n', '\n    ')}`, (out, count) => {
      const doc = JSON.stringify(out, null, 2);
      const empty = '\n  "connections": []';
      const at = doc.indexOf(empty);
      if (count === 0 || at < 0) return { head: `${doc}\n`, sep: '', tail: '' };
      return { head: `${doc.slice(0, at)}\n  "connections": [\n`, sep: ',\n', tail: `\n  ]${doc.slice(at + empty.length)}\n` };
    });
  }
  if (o.format === 'ndjson') return framed(o, ndjsonConnectionLine, (out) => ({ head: '', sep: '', tail: ndjsonSummaryLine(out) }));
  if (o.format === 'zeek') {
    return framed(o, zeekConnLine, (out) => ({ head: zeekHeader(out), sep: '', tail: zeekFooter(out) }));
  }
  if (o.ladder) return ladders(o, ctx);
  return table(o, ctx);
}

/** A spool of one text per connection, and how to print it. */
function spooled(o: CliOptions, render: (c: ConnectionReport) => string,
  print: (spool: ConnectionSpool, order: Uint32Array, out: RunReport, to: Output) => Promise<void>): BufferedFormat {
  const field = o.selection.sort ?? 'id';
  const spool = new ConnectionSpool();
  let order: Uint32Array = new Uint32Array(0);
  return {
    add: (c) => spool.add(c.id, sortKey(c, field), render(c)),
    select: (limit) => (order = spool.order(limit)).length,
    print: (out, to) => print(spool, order, out, to),
    spoolFailure: () => spool.diskFailure,
    close: () => spool.close(),
  };
}

/**
 * Gathers output into ~1 MiB writes (a write per connection was 180k syscalls for 90k of them),
 * then waits for stdout to drain. Spool bytes are copied in, since the spool reuses its buffer
 * and stdout may hold a chunk for a while.
 */
class Chunks {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly to: Output) {}

  /** Adds `x`; true when stdout went away and the caller may stop. */
  async add(x: string | Uint8Array): Promise<boolean> {
    const b = typeof x === 'string' ? Buffer.from(x, 'utf8') : Buffer.from(x);
    this.parts.push(b);
    this.size += b.length;
    if (this.size >= WRITE_CHUNK) await this.flush();
    return this.to.closed();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    this.to.write(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
    await this.to.drained();
  }
}

/** The texts as they are, between a head and a tail (json, zeek, sorted NDJSON). */
function framed(o: CliOptions, render: (c: ConnectionReport) => string,
  frame: (out: RunReport, count: number) => { head: string; sep: string; tail: string }): BufferedFormat {
  return spooled(o, render, async (spool, order, out, to) => {
    const { head, sep, tail } = frame(out, order.length);
    const chunks = new Chunks(to);
    await chunks.add(head);
    for (let i = 0; i < order.length; i++) {
      if (i > 0 && sep !== '') await chunks.add(sep);
      if (await chunks.add(spool.read(order[i]))) return;
      if (i % 256 === 255) to.progress(i + 1, order.length);
    }
    await chunks.add(tail);
    await chunks.flush();
  });
}

/**
 * --ladder: whole reports with their per-packet rows, as compact JSON, parsed back one at a time
 * (the time column depends on every input's precision, known only at the end).
 */
function ladders(o: CliOptions, ctx: RenderContext): BufferedFormat {
  return spooled(o, (c) => JSON.stringify(c), async (spool, order, out, to) => {
    // Nothing to draw: run.ts says why (select.ts noLadderLine, ladderNotFoundLine).
    if (order.length === 0) return;
    const digits = ladderDigits(out);
    const inputs = out.inputs.map((i) => i.file);
    const chunks = new Chunks(to);
    for (let i = 0; i < order.length; i++) {
      const c = JSON.parse(spool.text(order[i])) as ConnectionReport;
      // Each diagram ends with a newline; a blank line between diagrams (as renderLadder).
      if (await chunks.add(`${i > 0 ? '\n' : ''}${renderConnectionLadder(c, ctx, digits, inputs)}`)) return;
      to.progress(i + 1, order.length);
    }
    const more = moreMatchedLine(out, ctx);
    if (more !== null && (await chunks.add(`\n${more}\n`))) return;
    await chunks.flush();
  });
}

/** The table: its rows are read back twice, for the column widths and then for the lines. */
function table(o: CliOptions, ctx: RenderContext): BufferedFormat {
  const maker = new TableRowMaker(ctx.ascii);
  return spooled(o, (c) => encodeTableRow(maker.row(c)), async (spool, order, out, to) => {
    // The first walk measures the columns; the second, which writes, is the one to show.
    let walks = 0;
    const rows: TableRowSource = {
      count: order.length,
      *each() {
        const writing = ++walks === 2;
        for (let k = 0; k < order.length; k++) {
          if (writing && k % 256 === 0) to.progress(k, order.length);
          yield decodeTableRow(spool.id(order[k]), spool.text(order[k]));
        }
      },
    };
    const chunks = new Chunks(to);
    for (const line of tableLines(out, rows, maker.severities, ctx)) {
      if (await chunks.add(`${line}\n`)) return;
    }
    await chunks.flush();
  });
}
