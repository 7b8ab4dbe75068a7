/**
 * The core: capture bytes in, RunReport out. No I/O happens here: inputs arrive as byte sources
 * (a file stream, stdin, a Buffer in a test), and connections leave through `onConnection` as soon
 * as they finish, so NDJSON output streams while the capture is still being read.
 *
 *   capture/ (bytes → CaptureRecord) → decode/ (→ PacketFields) → flow/ + tcp/ (→ endpoint states)
 *   → analysis/ (→ phases, anomalies, Zeek verdict) → ConnectionReport
 */
import { readCapture } from './capture/open.js';
import { CaptureClock } from './capture/clock.js';
import { CaptureError, newCaptureInfo, type ByteSource, type CaptureRecord } from './capture/record.js';
import { linkTypeName } from './decode/link-types.js';
import { decodePacket } from './decode/packet.js';
import { newPacketFields } from './decode/fields.js';
import { Tracker } from './flow/tracker.js';
import { DEFAULT_SETTINGS } from './analysis/settings.js';
import { SummaryAccumulator } from './analysis/summary.js';
import { newStats, countDecodeResult } from './analysis/stats.js';
import { SCHEMA_VERSION, type ConnectionReport, type InputReport, type RunReport, type Settings } from './report/model.js';
import { TOOL_VERSION } from './version.js';

export interface AnalyzeInput {
  /** Shown in reports and error messages ("-" for standard input). */
  name: string;
  bytes: ByteSource;
}

export interface AnalyzeOptions extends Partial<Settings> {
  /** Called once per connection as soon as it is finished (closed and quiet, timed out, evicted, or at end of capture). */
  onConnection?: (c: ConnectionReport) => void;
  /** Keep every connection in the returned report (default true). NDJSON streaming turns this off to bound memory. */
  keepConnections?: boolean;
  /** Record per-packet ladder rows: true for all connections, or a predicate on the connection id. */
  ladder?: boolean | ((id: number) => boolean);
  /** Called when an input cannot be read at all; the run goes on with the next input. */
  onInputError?: (file: string, err: CaptureError) => void;
}

export async function analyze(inputs: AnalyzeInput[], opts: AnalyzeOptions = {}): Promise<RunReport> {
  const settings: Settings = {
    mslSeconds: opts.mslSeconds ?? DEFAULT_SETTINGS.mslSeconds,
    lingerSeconds: opts.lingerSeconds ?? DEFAULT_SETTINGS.lingerSeconds,
    idleTimeoutSeconds: opts.idleTimeoutSeconds ?? DEFAULT_SETTINGS.idleTimeoutSeconds,
    maxConnections: opts.maxConnections ?? DEFAULT_SETTINGS.maxConnections,
    verifyChecksums: opts.verifyChecksums ?? DEFAULT_SETTINGS.verifyChecksums,
  };
  const keep = opts.keepConnections ?? true;
  const connections: ConnectionReport[] = [];
  const clock = new CaptureClock();
  const stats = newStats();
  const summary = new SummaryAccumulator();
  const tracker = new Tracker(settings, clock, {
    ladder: opts.ladder ?? false,
    emit: (c) => {
      summary.add(c);
      if (keep) connections.push(c);
      opts.onConnection?.(c);
    },
  });
  const fields = newPacketFields();
  const inputReports: InputReport[] = [];
  let firstNanos = Infinity;
  let lastNanos = -Infinity;

  for (const input of inputs) {
    const info = newCaptureInfo();
    let first = Infinity;
    let last = -Infinity;
    let prev = -Infinity;
    tracker.setInput(input.name);
    const onRecord = (rec: CaptureRecord): void => {
      // The reader knows the precision from the file header (pcapng: from each IDB) before the first
      // record; adopt it now, since connections retired mid-read are rendered right away.
      if (info.precisionDigits > clock.precisionDigits) clock.precisionDigits = info.precisionDigits;
      const t = clock.tNanos(rec.tsSec, rec.tsNanos);
      if (t < first) first = t;
      if (t > last) last = t;
      if (t < prev) stats.timestampsBackwards++;
      prev = t;
      stats.records++;
      if (rec.capLen < rec.origLen) stats.truncatedRecords++;
      const status = decodePacket(rec, fields, settings.verifyChecksums);
      if (status === 'OK') {
        stats.tcpSegments++;
        if (fields.checksumBad) stats.badChecksums++;
        tracker.onSegment(fields, t, rec.frameNo, rec.byteOffset);
      } else {
        countDecodeResult(stats, status, fields, rec, input.name);
      }
    };
    let error: InputReport['error'] = null;
    try {
      await readCapture(input.bytes, info, onRecord);
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      error = { code: err.code, byteOffset: err.byteOffset, message: err.message };
      opts.onInputError?.(input.name, err);
    }
    if (info.precisionDigits > clock.precisionDigits) clock.precisionDigits = info.precisionDigits;
    if (first < firstNanos) firstNanos = first;
    if (last > lastNanos) lastNanos = last;
    inputReports.push({
      file: input.name,
      format: info.format,
      gzip: info.gzip,
      byteOrder: info.byteOrder,
      precisionDigits: info.precisionDigits,
      linkTypes: [...info.linkTypes].map(([linkType, packets]) => ({ linkType, name: linkTypeName(linkType), packets })),
      packets: info.records,
      bytes: info.bytes,
      firstPacket: Number.isFinite(first) ? clock.toIso(first) : null,
      lastPacket: Number.isFinite(last) ? clock.toIso(last) : null,
      issues: info.issues.map((i) => ({ code: i.code, byteOffset: i.byteOffset, detail: i.detail })),
      error,
    });
  }
  tracker.finish(Number.isFinite(lastNanos) ? lastNanos : 0);
  stats.connectionsTimedOut = tracker.timedOut;
  stats.connectionsEvicted = tracker.evicted;
  stats.peakConnections = tracker.peak;
  connections.sort((a, b) => a.id - b.id);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'tcpflow-analyze', version: TOOL_VERSION },
    settings,
    inputs: inputReports,
    stats,
    summary: summary.build(
      Number.isFinite(firstNanos) ? clock.toIso(firstNanos) : null,
      Number.isFinite(lastNanos) ? clock.toIso(lastNanos) : null,
    ),
    connections,
  };
}
