/**
 * The per-record loop: capture bytes in, finished connections out, plus what the run learned
 * about its inputs. `analyze()` runs it in-process; the analysis worker (threads/) runs the very
 * same loop on the second core and ships the finished connections back.
 *
 *   capture/ (bytes → CaptureRecord) → decode/ (→ PacketFields) → flow/ + tcp/ (→ endpoint states)
 */
import { readCapture } from './capture/open.js';
import type { CaptureClock } from './capture/clock.js';
import { CaptureError, newCaptureInfo, type ByteSource, type CaptureRecord } from './capture/record.js';
import { linkTypeName } from './decode/link-types.js';
import { decodePacket, icmpErrorOf } from './decode/packet.js';
import { newIcmpError } from './decode/icmp.js';
import { SegmentBatch } from './decode/segment-batch.js';
import type { Connection } from './flow/connection.js';
import { Tracker, type RetireKey, type Shard } from './flow/tracker.js';
import { DEFAULT_SETTINGS } from './analysis/settings.js';
import { newStats, countDecodeResult, countTunnelled } from './analysis/stats.js';
import type { EndReason, InputReport, IsoTime, Settings, Stats } from './report/model.js';

export interface AnalyzeInput {
  /** Shown in reports and error messages ("-" for standard input). */
  name: string;
  bytes: ByteSource;
  /**
   * The analysis worker may take a chunk's memory (transfer it, leaving the source's buffer
   * detached) instead of copying it, when the chunk spans its whole ArrayBuffer. True for a source
   * that yields a fresh buffer per read (file streams) or that notices the detach and makes a new
   * one (the CLI's file reader). Either way the core is done with a chunk when it asks for the
   * next one, so a source may overwrite a chunk it still owns then.
   */
  chunksTransferable?: boolean;
  /** A pipe: read to its end even when the capture in it ended early (ReadCaptureOptions.readToEnd). */
  readToEnd?: boolean;
  /** The input's size in bytes, when it is a regular file: a large gzip file is inflated on a thread of its own (ReadCaptureOptions.size). */
  size?: number;
  /**
   * Called once the input is refused (a CaptureError): nothing will read it again, so a read still
   * waiting on it (a quiet pipe, read ahead by the gunzip thread's reader) may be let go of.
   */
  abandon?: () => void;
}

export interface CoreHooks {
  /** Record per-packet ladder rows: true for all connections, or a predicate on the connection id. */
  ladder: boolean | ((id: number) => boolean);
  /** See TrackerHooks.ladderBudgetRows. */
  ladderBudgetRows?: number;
  /** A connection's record ended: analyse it now, synchronously (see TrackerHooks.emit; `key` is valid only during the call). */
  finished: (c: Connection, ended: EndReason, endNanos: number, key: RetireKey) => void;
  /** Track only this shard of the tuples (see flow/tracker.ts, Shard); default: all of them. */
  shard?: Shard;
  /** See TrackerHooks.created. */
  created?: (ordinal: number) => void;
  /** The segments decoded so far are tracked, up to `lastOrdinal` (a shard's watermark). */
  drained?: (tracker: Pick<Tracker, 'lastOrdinal' | 'referable' | 'referableCost'>) => void;
  /** An input could not be read at all; the run goes on with the next input. */
  onInputError?: (file: string, err: CaptureError) => void;
  /** Output backpressure for the connections still open at the end (see AnalyzeOptions.waitForOutput). */
  waitForOutput?: () => Promise<void> | null;
}

/** Everything of the run's report but the connections and their summary counts. */
export interface CoreResult {
  inputs: InputReport[];
  stats: Stats;
  firstPacket: IsoTime | null;
  lastPacket: IsoTime | null;
}

const FIRST = 0;
const LAST = 1;

export function resolveSettings(opts: Partial<Settings>): Settings {
  return {
    mslSeconds: opts.mslSeconds ?? DEFAULT_SETTINGS.mslSeconds,
    lingerSeconds: opts.lingerSeconds ?? DEFAULT_SETTINGS.lingerSeconds,
    idleTimeoutSeconds: opts.idleTimeoutSeconds ?? DEFAULT_SETTINGS.idleTimeoutSeconds,
    maxConnections: opts.maxConnections ?? DEFAULT_SETTINGS.maxConnections,
    verifyChecksums: opts.verifyChecksums ?? DEFAULT_SETTINGS.verifyChecksums,
  };
}

export async function runCore(inputs: AnalyzeInput[], settings: Settings, clock: CaptureClock, hooks: CoreHooks): Promise<CoreResult> {
  const stats = newStats();
  const tracker = new Tracker(settings, { ladder: hooks.ladder, ladderBudgetRows: hooks.ladderBudgetRows, emit: hooks.finished, created: hooks.created }, hooks.shard);
  const batch = new SegmentBatch();
  const icmp = newIcmpError();
  /** Tracks the segments decoded so far (see decode/segment-batch.ts for when). */
  const drain = (): void => {
    const n = batch.size;
    batch.size = 0;
    for (let i = 0; i < n; i++) tracker.onSegment(batch.slots[i], batch.tNanos[i], batch.frameNo[i]);
    hooks.drained?.(tracker);
  };
  const inputReports: InputReport[] = [];
  let firstNanos = Infinity;
  let lastNanos = -Infinity;
  // The units of the inputs those came from (clock.unitFor), to write them as their input does.
  let firstUnit = 1;
  let lastUnit = 1;
  // The previous record's time, across inputs: they are one stream read in the order given, so a
  // step back between one input's last record and the next one's first counts in
  // stats.timestampsBackwards, as it does when the inputs are concatenated into one file.
  const prevTime = new Float64Array([-Infinity]);

  for (const input of inputs) {
    const info = newCaptureInfo();
    // The input's first and last record times. In a typed array, not `let`s: a double stored into a
    // closure's variable is boxed anew each time (26 MB per 1 GB capture).
    const times = new Float64Array([Infinity, -Infinity]);
    tracker.setInput(input.name);
    clock.noteInput(input.name, info);
    const onRecord = (rec: CaptureRecord): void => {
      // The reader knows the precision from the file header (pcapng: from each IDB) before the first
      // record; adopt it now, since connections retired mid-read are rendered right away. The batch
      // is tracked first: what earlier records retire keeps the precision it had when they were read.
      if (info.precisionDigits > clock.precisionDigits) {
        drain();
        clock.precisionDigits = info.precisionDigits;
      }
      const t = clock.tNanos(rec.tsSec, rec.tsNanos);
      if (t < times[FIRST]) times[FIRST] = t;
      if (t > times[LAST]) times[LAST] = t;
      if (t < prevTime[0]) stats.timestampsBackwards++;
      prevTime[0] = t;
      stats.records++;
      if (rec.capLen < rec.origLen) stats.truncatedRecords++;
      const fields = batch.next;
      const status = decodePacket(rec, fields, settings.verifyChecksums);
      if (status === 'OK') {
        stats.tcpSegments++;
        if (fields.checksumBad) stats.badChecksums++;
        if (fields.tunnel !== 0) countTunnelled(stats, fields.tunnel);
        if (batch.commit(t, rec.frameNo)) drain();
      } else {
        countDecodeResult(stats, status, fields, rec, input.name);
        // An ICMP error about a TCP segment: noted on its connection, after the segments before it.
        if (status === 'NON_TCP' && icmpErrorOf(fields, icmp)) {
          drain();
          tracker.onIcmpError(icmp, t, rec.frameNo);
        }
      }
    };
    let error: InputReport['error'] = null;
    const drainFailure: DrainFailure = { failed: false, error: undefined };
    try {
      await readCapture(drainAfterEachChunk(input.bytes, drain, drainFailure), info, onRecord, { readToEnd: input.readToEnd === true, ...(input.size === undefined ? {} : { size: input.size }) });
    } catch (err) {
      if (drainFailure.failed) throw drainFailure.error;
      if (!(err instanceof CaptureError)) throw err;
      input.abandon?.();
      error = { code: err.code, byteOffset: err.byteOffset, message: err.message };
      hooks.onInputError?.(input.name, err);
    }
    if (drainFailure.failed) throw drainFailure.error;
    // Records decoded after the byte source's last chunk: a gzip input hands out the output of its
    // last block once the compressed bytes have ended (drainingChunks drains after each of those).
    drain();
    if (info.precisionDigits > clock.precisionDigits) clock.precisionDigits = info.precisionDigits;
    const first = times[FIRST];
    const last = times[LAST];
    const unit = clock.unitFor(input.name, input.name);
    if (first < firstNanos) { firstNanos = first; firstUnit = unit; }
    if (last > lastNanos) { lastNanos = last; lastUnit = unit; }
    inputReports.push({
      file: input.name,
      format: info.format,
      gzip: info.gzip,
      byteOrder: info.byteOrder,
      precisionDigits: info.precisionDigits,
      linkTypes: [...info.linkTypes].map(([linkType, packets]) => ({ linkType, name: linkTypeName(linkType), packets })),
      packets: info.records,
      bytes: info.bytes,
      firstPacket: Number.isFinite(first) ? clock.toIso(first, clock.precisionDigits, unit) : null,
      lastPacket: Number.isFinite(last) ? clock.toIso(last, clock.precisionDigits, unit) : null,
      issues: info.issues.map((i) => ({ code: i.code, byteOffset: i.byteOffset, detail: i.detail })),
      error,
    });
  }
  await tracker.finish(Number.isFinite(lastNanos) ? lastNanos : 0, hooks.waitForOutput);
  stats.connectionsTimedOut = tracker.timedOut;
  stats.connectionsEvicted = tracker.evicted;
  stats.peakConnections = tracker.peak;
  return {
    inputs: inputReports,
    stats,
    firstPacket: Number.isFinite(firstNanos) ? clock.toIso(firstNanos, clock.precisionDigits, firstUnit) : null,
    lastPacket: Number.isFinite(lastNanos) ? clock.toIso(lastNanos, clock.precisionDigits, lastUnit) : null,
  };
}

/** What went wrong while draining inside the source (the `finished` hook threw: a consumer's error, or a bug), as thrown. */
interface DrainFailure { failed: boolean; error: unknown }

/**
 * The source, tracking the segments decoded so far each time the reader asks for the next chunk
 * (by then it has decoded every whole record of the last one: a live capture's packets, piped from
 * tcpdump, must not wait for more to arrive before their connections are reported), and when the
 * read ends in any way: at the end of the input, at a read error, or when the reader stops early
 * (readCapture always closes its source), before the source is closed.
 *
 * A failure while draining is not the source's: thrown from here it would be reported as the
 * input's IO_ERROR (readCapture blames its source), or swallowed while the source is closed. So it
 * is kept in `failure`, exactly as thrown, and the input simply ends; runCore rethrows it.
 *
 * The source's iterator is taken here, not inside the generator, so that a source that is not
 * async-iterable fails as it did without the wrapper (a TypeError that rejects the run, not an
 * IO_ERROR of the input), and is iterated only through Symbol.asyncIterator, as readCapture does.
 */
function drainAfterEachChunk(source: ByteSource, drain: () => void, failure: DrainFailure): AsyncGenerator<Uint8Array, void, undefined> {
  return drainingChunks(source[Symbol.asyncIterator](), drain, failure);
}

async function* drainingChunks(it: AsyncIterator<Uint8Array>, drain: () => void, failure: DrainFailure): AsyncGenerator<Uint8Array, void, undefined> {
  const drained = (): boolean => {
    if (failure.failed) return false;
    try {
      drain();
      return true;
    } catch (err) {
      failure.failed = true;
      failure.error = err;
      return false;
    }
  };
  try {
    while (true) {
      const r = await it.next();
      if (r.done === true) return;
      yield r.value;
      if (!drained()) return;
    }
  } finally {
    drained();
    // Closed in every case, as guardSource (capture/open.ts) closed it when it held it directly.
    await it.return?.();
  }
}
