/**
 * `--format ndjson`: one JSON object per line, each with a `type`.
 *
 *   {"type":"connection", ...ConnectionReport}   one per connection, written as soon as it finishes
 *   {"type":"summary", schemaVersion, tool, settings, inputs, stats, summary[, selection]}   last line
 *
 * The CLI calls `ndjsonConnectionLine` from `analyze()`'s onConnection callback, so a connection
 * that closed early in a 10 GB capture is printed long before the end (issue 6), and memory does
 * not grow with the number of connections. The line type is "connection" (the word the JSON
 * contract and the CLI use) rather than STYLE §8's draft "flow".
 */
import type { ConnectionReport, RunReport } from './model.js';
import type { RenderContext } from './context.js';
import type { ConnectionDigest } from '../analysis/digest.js';
import { reportFromDigest } from '../analysis/connection-report.js';
import { LINE_NO_ROOM, writeConnectionLine } from './ndjson-bytes.js';
import { writeDigestLine } from './ndjson-facts.js';

export const NDJSON_CONNECTION_TYPE = 'connection';
export const NDJSON_SUMMARY_TYPE = 'summary';

// `{"type":"connection",` spliced onto the report's own JSON: the same bytes as stringifying
// `{ type, ...c }` (a report always has an `id` first and no `type` key), without copying every
// report into a fresh object first.
const CONNECTION_LINE_HEAD = `{"type":${JSON.stringify(NDJSON_CONNECTION_TYPE)},`;

export function ndjsonConnectionLine(c: ConnectionReport): string {
  return CONNECTION_LINE_HEAD + JSON.stringify(c).slice(1) + '\n';
}

/**
 * Connection lines for a byte stream, batched: each line is encoded straight into a 1 MiB Buffer
 * and a full batch goes out in one write. Building each line as a string and writing it cost a
 * flatten of the concatenation, a UTF-8 encode and a syscall per line (90k lines, 310 MB on the
 * 1 GB benchmark capture); batching the strings instead (`batch += line`) still flattened every
 * batch: ~100 ms per 150 MB against ~15 ms this way (bench by hand, Node 20).
 * The line's bytes come from writeConnectionLine (ndjson-bytes.ts), 1.5-1.6x as fast as
 * JSON.stringify and a Buffer write (bench/ndjson-writer.mjs); a report it does not recognise,
 * and a line larger than a whole batch, go the JSON.stringify way, with the same bytes.
 * `write` says whether it is done with the chunk's memory (a file, or a pipe that took all of it
 * at once): then the batch buffer is written again; otherwise (a pipe still holding it) the next
 * batch gets a fresh one. A fresh MiB per batch was ~4 GB of allocation on the 2M-SYN flood.
 */
export class NdjsonLineBatcher {
  private buf: Buffer;
  private pos = 0;

  constructor(
    private readonly write: (chunk: Uint8Array | string) => boolean,
    private readonly batchBytes = 1 << 20,
    /** False when `write` copies every chunk at once (a shard's batches): no small-batch copy then. */
    private readonly writeMayKeep = true,
  ) {
    this.buf = Buffer.allocUnsafe(batchBytes);
  }

  get pendingBytes(): number {
    return this.pos;
  }

  connection(c: ConnectionReport): void {
    let end = writeConnectionLine(c, this.buf, this.pos);
    if (end === LINE_NO_ROOM && this.pos > 0) {
      this.flush();
      end = writeConnectionLine(c, this.buf, 0);
    }
    if (end >= 0) {
      this.pos = end;
      return;
    }
    // Larger than a whole batch, or not a report the byte writer knows: JSON.stringify.
    this.stringified(c);
  }

  /** The same line as connection(reportFromDigest(d)), written from the digest (ndjson-facts.ts). */
  digest(d: ConnectionDigest): void {
    let end = writeDigestLine(d, this.buf, this.pos);
    if (end === LINE_NO_ROOM && this.pos > 0) {
      this.flush();
      end = writeDigestLine(d, this.buf, 0);
    }
    if (end >= 0) {
      this.pos = end;
      return;
    }
    // Larger than a whole batch, or ladder rows: the report's way.
    this.connection(reportFromDigest(d));
  }

  private stringified(c: ConnectionReport): void {
    const json = JSON.stringify(c);
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; Buffer.write would silently truncate.
    const worst = 3 * (CONNECTION_LINE_HEAD.length + json.length);
    if (this.pos + worst > this.buf.length) {
      this.flush();
      if (worst > this.buf.length) {
        this.write(ndjsonConnectionLine(c));
        return;
      }
    }
    const b = this.buf;
    let p = this.pos;
    p += b.write(CONNECTION_LINE_HEAD, p, 'latin1');
    p += b.write(json.slice(1), p, 'utf8');
    b[p++] = 0x0a;
    this.pos = p;
  }

  flush(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    if (this.writeMayKeep && n < this.batchBytes >> 2) {
      // A small batch (the input is slow, e.g. a live capture on stdin): copy it out and keep the
      // buffer, so a slow stdout never holds a whole MiB per queued batch.
      this.write(Buffer.from(this.buf.subarray(0, n)));
      return;
    }
    if (!this.write(this.buf.subarray(0, n))) this.buf = Buffer.allocUnsafe(this.batchBytes);
  }
}

/** The last line: everything of the report except the connections, which came before it. */
export function ndjsonSummaryLine(report: Omit<RunReport, 'connections'>): string {
  const line: Record<string, unknown> = {
    type: NDJSON_SUMMARY_TYPE,
    schemaVersion: report.schemaVersion,
    tool: report.tool,
    settings: report.settings,
    inputs: report.inputs,
    stats: report.stats,
    summary: report.summary,
  };
  if (report.selection) line.selection = report.selection;
  return JSON.stringify(line) + '\n';
}

/** The whole report at once (library users, tests): the same lines the streaming CLI writes. */
export function renderNdjson(report: RunReport, _ctx?: RenderContext): string {
  return report.connections.map(ndjsonConnectionLine).join('') + ndjsonSummaryLine(report);
}
