/**
 * The core: capture bytes in, RunReport out. No I/O happens here: inputs arrive as byte sources
 * (a file stream, stdin, a Buffer in a test), and connections leave through `onConnection` as soon
 * as they finish, so NDJSON output streams while the capture is still being read.
 *
 *   core.ts: capture/ → decode/ → flow/ + tcp/ (→ finished connections)
 *   here:    analysis/ (→ phases, anomalies, Zeek verdict) → ConnectionReport → onConnection
 *
 * With `worker: true` the first half runs on a worker thread and the second half here, so the two
 * halves use both cores (threads/pipeline.ts; docs/benchmarks.md has the measurements).
 */
import { CaptureClock } from './capture/clock.js';
import type { CaptureError } from './capture/record.js';
import { resolveSettings, runCore, type AnalyzeInput, type CoreResult } from './core.js';
import { buildConnectionReport, reportFromDigest, zeekRowReports } from './analysis/connection-report.js';
import { ConnectionDigest, digestConnection } from './analysis/digest.js';
import { SummaryAccumulator } from './analysis/summary.js';
import type { ConnectionFacts } from './flow/connection.js';
import { SCHEMA_VERSION, type ConnectionReport, type EndReason, type RunReport, type Settings } from './report/model.js';
import { analyzeOnWorker, workerAvailable } from './threads/pipeline.js';
import { TOOL_VERSION } from './version.js';

export type { AnalyzeInput };

export interface AnalyzeOptions extends Partial<Settings> {
  /** Called once per connection as soon as it is finished (closed and quiet, timed out, evicted, or at end of capture). */
  onConnection?: (c: ConnectionReport) => void;
  /**
   * Instead of onConnection (giving both is a TypeError): each finished connection as its digest
   * (analysis/digest.ts; `ConnectionDigest` and `reportFromDigest` are exported), which is
   * valid only during the call (the next connection reuses it). For output that needs no
   * ConnectionReport: the CLI's streaming NDJSON writes the line straight from the digest
   * (report/ndjson-facts.ts); `reportFromDigest(d)` builds the report when one is needed.
   * With `keepConnections` the kept reports are still built. `d.c` is the flow layer's own record
   * (times in nanoseconds, anomaly details as recorded, e.g. PORT_REUSE's `gapNanos`), not part
   * of the JSON contract: read `d.anomalies` and the digest's report-ready fields instead.
   */
  onDigest?: (d: ConnectionDigest) => void;
  /** Keep every connection in the returned report (default true). NDJSON streaming turns this off to bound memory. */
  keepConnections?: boolean;
  /** Record per-packet ladder rows: true for all connections, or a predicate on the connection id. */
  ladder?: boolean | ((id: number) => boolean);
  /**
   * Put every conn.log row Zeek would write into `zeek.rows` (what `--format zeek` prints: Zeek's
   * durations, byte counts and row splits). Runs in-process (the worker is not used).
   */
  zeekRows?: boolean;
  /** Called when an input cannot be read at all; the run goes on with the next input. */
  onInputError?: (file: string, err: CaptureError) => void;
  /**
   * Read, decode and track on a worker thread while this thread analyses and reports (default
   * false). Same report, same order of `onConnection` calls; ignored when ladder rows are asked
   * for or the worker script is not built (running from TypeScript sources).
   */
  worker?: boolean;
  /**
   * Output backpressure for the end of the capture, when every connection still open is reported
   * at once (tens of thousands after a big capture or a flood): looked at between every 256 of
   * them, and while it returns a promise the rest wait for it. The CLI passes stdout's 'drain'.
   * (During reading, the byte source paces the run: it is only read as fast as it yields.)
   * In-process runs only; the worker pipeline ignores it.
   */
  waitForOutput?: () => Promise<void> | null;
  /**
   * Fractional digits of every time in the report, at least (6 when absent): the finest precision
   * the inputs declare, if the caller knows it before they are read (the CLI reads their headers).
   * A run's times all have one precision, the finest of its inputs; without this, connections
   * finished before a finer input is reached would keep the coarser one.
   */
  precisionDigits?: number;
  /**
   * The earliest first record of the inputs (seconds, nanoseconds), if the caller knows it before
   * they are read (the CLI reads the files' first records): the clock's zero is then placed before
   * it. Without it the zero is placed before the first record read, and inputs given newest first
   * put the older one's times below zero, where "no time" lives (capture/clock.ts).
   */
  clockStart?: readonly [number, number] | null;
}

export async function analyze(inputs: AnalyzeInput[], opts: AnalyzeOptions = {}): Promise<RunReport> {
  // One or the other: a caller given both would silently get no onConnection calls.
  if (opts.onDigest !== undefined && opts.onConnection !== undefined) throw new TypeError('analyze(): give onConnection or onDigest, not both');
  const settings = resolveSettings(opts);
  const out = new ReportCollector(settings, opts);
  const ladder = opts.ladder ?? false;
  if (opts.worker === true && ladder === false && opts.zeekRows !== true && workerAvailable()) {
    return out.finish(await analyzeOnWorker(inputs, settings, out, opts.onInputError, opts.precisionDigits, opts.clockStart ?? null));
  }
  const clock = new CaptureClock(opts.precisionDigits, opts.clockStart ?? null);
  const core = await runCore(inputs, settings, clock, {
    ladder,
    finished: (c, ended, endNanos) => out.finished(c, ended, endNanos, clock),
    onInputError: opts.onInputError,
    waitForOutput: opts.waitForOutput,
  });
  return out.finish(core);
}

/** Where finished connections go: the summary counts, the kept reports, and the caller's callback. */
export class ReportCollector {
  private readonly summary = new SummaryAccumulator();
  private readonly kept: ConnectionReport[] = [];
  private readonly keep: boolean;
  private readonly digest = new ConnectionDigest();

  constructor(
    private readonly settings: Settings,
    private readonly opts: Pick<AnalyzeOptions, 'onConnection' | 'onDigest' | 'keepConnections' | 'zeekRows'>,
  ) {
    this.keep = opts.keepConnections ?? true;
  }

  /** `unitNanos`: the unit of the connection's times, when `clock` does not know its inputs (digestConnection). */
  finished(c: ConnectionFacts, ended: EndReason, endNanos: number, clock: CaptureClock, unitNanos?: number): void {
    const onDigest = this.opts.onDigest;
    if (onDigest === undefined) {
      this.add(this.withZeekRows(buildConnectionReport(c, ended, endNanos, clock, this.settings, unitNanos), c, clock));
      return;
    }
    const d = digestConnection(c, ended, endNanos, clock, this.settings, this.digest, unitNanos);
    this.summary.addDigest(d);
    if (this.keep) this.kept.push(this.withZeekRows(reportFromDigest(d), c, clock));
    onDigest(d);
  }

  private withZeekRows(r: ConnectionReport, c: ConnectionFacts, clock: CaptureClock): ConnectionReport {
    if (this.opts.zeekRows !== true) return r;
    const rows = zeekRowReports(c, clock);
    const omitted = c.zeekRowsOmitted?.() ?? 0;
    if (rows !== null) r.zeek = omitted > 0 ? { ...r.zeek, rows, rowsOmitted: omitted } : { ...r.zeek, rows };
    return r;
  }

  private add(c: ConnectionReport): void {
    this.summary.add(c);
    if (this.keep) this.kept.push(c);
    this.opts.onConnection?.(c);
  }

  finish(core: CoreResult): RunReport {
    this.kept.sort((a, b) => a.id - b.id);
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'tcpflow-analyze', version: TOOL_VERSION },
      settings: this.settings,
      inputs: core.inputs,
      stats: core.stats,
      summary: this.summary.build(core.firstPacket, core.lastPacket),
      connections: this.kept,
    };
  }
}
