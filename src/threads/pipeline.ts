/**
 * Two cores for one run: the analysis worker reads, decodes and tracks (core.ts); this thread
 * feeds it the input bytes and hands the finished connections it sends back to the sink (which
 * digests and reports them, analyze.ts), in the order the worker finished them, so `onConnection`
 * sees exactly the sequence the in-process run produces (test/threads/pipeline.test.ts).
 *
 * Why this split: on the 1 GB benchmark capture the in-process run spends about as long reading,
 * decoding and tracking as it does building and rendering reports (docs/benchmarks.md), and the
 * finished connection is the narrowest point between the halves: ~130 numbers.
 */
import { CaptureClock } from '../capture/clock.js';
import { CaptureError } from '../capture/record.js';
import type { AnalyzeInput, CoreResult } from '../core.js';
import type { ConnectionFacts } from '../flow/connection.js';
import type { EndReason, Settings } from '../report/model.js';
import { decodeBatch } from './connection-codec.js';
import type { FromWorker, ToWorker, WireError, WorkerSetup } from './protocol.js';
import { WORKER_URL, takeWorker } from './prewarm.js';
import { workerScriptBuilt } from './worker-script.js';

/** Chunks (1 MiB each from the CLI's readers) posted but not yet taken by the worker. */
const MAX_CHUNKS_IN_FLIGHT = 4;

/** The worker script exists only in the build (dist/); from TypeScript sources the run stays in-process. */
export function workerAvailable(): boolean {
  return workerScriptBuilt(WORKER_URL);
}

/** Where finished connections go (analyze.ts's ReportCollector). */
export interface ReportSink {
  /** `unitNanos`: the unit of the connection's times, from the worker (this clock does not know the inputs). */
  finished(c: ConnectionFacts, ended: EndReason, endNanos: number, clock: CaptureClock, unitNanos: number): void;
}

export function analyzeOnWorker(inputs: AnalyzeInput[], settings: Settings, sink: ReportSink,
  onInputError?: (file: string, err: CaptureError) => void, precisionDigits?: number,
  clockStart: readonly [number, number] | null = null): Promise<CoreResult> {
  const setup: WorkerSetup = { settings, names: inputs.map((i) => i.name), readToEnd: inputs.map((i) => i.readToEnd === true), precisionDigits, clockStart };
  const worker = takeWorker();
  worker.postMessage({ t: 'setup', setup } satisfies ToWorker);
  const clock = new CaptureClock(precisionDigits, clockStart);
  let posted = 0;
  let pulled = 0;
  let creditWaiter: (() => void) | null = null;
  const stopped = new Set<number>();
  let failed = false;

  const send = (m: ToWorker, transfer: ArrayBuffer[] = []): void => {
    if (!failed) worker.postMessage(m, transfer);
  };
  const releaseCredit = (): void => {
    const w = creditWaiter;
    creditWaiter = null;
    w?.();
  };

  async function pump(index: number): Promise<void> {
    const it = inputs[index].bytes[Symbol.asyncIterator]();
    const transferable = inputs[index].chunksTransferable === true;
    let ended = false;
    try {
      while (!stopped.has(index) && !failed) {
        while (posted - pulled >= MAX_CHUNKS_IN_FLIGHT && !stopped.has(index) && !failed) {
          await new Promise<void>((r) => (creditWaiter = r));
        }
        if (stopped.has(index) || failed) break;
        const r = await it.next();
        if (r.done) { ended = true; break; }
        if (stopped.has(index)) break;
        // The worker takes the chunk's memory when the source says it may and the chunk is the whole
        // of its buffer (not a slice of a pool); otherwise a copy, since the source may reuse it.
        const v = r.value;
        const bytes = transferable && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer
          ? v : new Uint8Array(v);
        posted++;
        send({ t: 'chunk', input: index, bytes }, [bytes.buffer as ArrayBuffer]);
      }
      if (ended) send({ t: 'end', input: index });
    } catch (err) {
      send({ t: 'fail', input: index, error: wireError(err) });
      return;
    }
    if (!ended) await it.return?.();
  }

  return new Promise<CoreResult>((resolve, reject) => {
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      releaseCredit();
      void worker.terminate();
      reject(err);
    };
    worker.on('message', (m: FromWorker) => {
      try {
        switch (m.t) {
          case 'want':
            pump(m.input).catch(fail);
            return;
          case 'stop':
            stopped.add(m.input);
            releaseCredit();
            return;
          case 'batch':
            if (m.clockBase !== null) clock.adoptBase(m.clockBase);
            if (m.batch !== null) {
              decodeBatch(m.batch, (s) => {
                clock.precisionDigits = s.precisionDigits;
                sink.finished(s.facts, s.ended, s.endNanos, clock, s.unitNanos);
              });
            }
            pulled = m.pulled;
            releaseCredit();
            return;
          case 'inputError':
            onInputError?.(m.file, new CaptureError(m.error.code as CaptureError['code'], m.error.byteOffset, m.error.message));
            return;
          case 'done':
            failed = true; // nothing more to send
            resolve(m.core);
            void worker.terminate();
            return;
        }
      } catch (err) {
        fail(err);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!failed) fail(new Error(`the analysis worker exited (code ${code}) before finishing`));
    });
  });
}

function wireError(err: unknown): WireError {
  if (err instanceof CaptureError) return { capture: true, code: err.code, byteOffset: err.byteOffset, message: err.message };
  return { capture: false, code: 'IO_ERROR', byteOffset: 0, message: err instanceof Error ? err.message : String(err) };
}
