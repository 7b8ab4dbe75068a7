/**
 * Library entry: `import { analyze, analyzeConnections } from 'tcpflow-analyze'`.
 * The same report objects the CLI prints (the JSON contract in report/model.ts), the renderers,
 * and an async iterator of connections for programs that want them one at a time.
 */
import { analyze, type AnalyzeInput, type AnalyzeOptions } from './analyze.js';
import type { ConnectionReport, RunReport } from './report/model.js';

export { analyze, type AnalyzeInput, type AnalyzeOptions };
export * from './report/model.js';
export {
  renderers, renderTable, renderJson, renderNdjson, renderZeekTsv, renderLadder, renderConnectionLadder,
  ndjsonConnectionLine, ndjsonSummaryLine, defaultRenderContext, FORMATS,
  type Format, type RenderContext, type Renderer,
} from './report/index.js';
export { ConnectionDigest, NO_TIME } from './analysis/digest.js';
export { reportFromDigest } from './analysis/connection-report.js';
export { ANOMALIES, ANOMALY_CODES, type AnomalyCode, type AnomalyInfo } from './analysis/catalog.js';
export { DEFAULT_SETTINGS } from './analysis/settings.js';
export { CaptureError, type ByteSource } from './capture/record.js';
export { TCP_STATES, type TcpState, type EndpointState } from './tcp/state.js';

/** Connections waiting for the consumer before the capture reading pauses (backpressure). */
const HIGH_WATER = 256;

export interface ConnectionStream extends AsyncIterable<ConnectionReport> {
  /** The run's report without its connections (they went through the iterator), once the iteration has ended. */
  readonly report: Promise<RunReport>;
}

/**
 * Connections one at a time, as soon as each finishes (the NDJSON path, for programs):
 *
 *   for await (const c of analyzeConnections([{ name: 'x.pcap', bytes: createReadStream('x.pcap') }])) { ... }
 *
 * Reading pauses while more than HIGH_WATER connections wait for the consumer, so memory stays
 * bounded however slow the loop body is. Leaving the loop early stops reading the inputs. Errors
 * of the run (not unreadable inputs: those are in `report.inputs[].error`) are thrown from the loop.
 */
export function analyzeConnections(inputs: AnalyzeInput[], opts: Omit<AnalyzeOptions, 'onConnection' | 'onDigest' | 'keepConnections'> = {}): ConnectionStream {
  const queue: ConnectionReport[] = [];
  let done = false;
  let failure: { err: unknown } | null = null;
  let stopped = false;
  let wakeConsumer: (() => void) | null = null;
  let wakeProducer: (() => void) | null = null;
  const wake = (w: (() => void) | null): void => w?.();

  // Each input's bytes pass through a gate that waits while the queue is full.
  async function* gated(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      while (queue.length >= HIGH_WATER && !stopped) await new Promise<void>((r) => (wakeProducer = r));
      if (stopped) return;
      yield chunk;
    }
  }

  const report = analyze(
    inputs.map((i) => ({ name: i.name, bytes: gated(i.bytes) })),
    {
      ...opts,
      keepConnections: false,
      onConnection: (c) => {
        if (stopped) return;
        queue.push(c);
        const w = wakeConsumer;
        wakeConsumer = null;
        wake(w);
      },
    },
  ).then(
    (r) => {
      done = true;
      const w = wakeConsumer;
      wakeConsumer = null;
      wake(w);
      return r;
    },
    (err: unknown) => {
      done = true;
      failure = { err };
      const w = wakeConsumer;
      wakeConsumer = null;
      wake(w);
      throw err;
    },
  );
  // The iterator reports failures; this keeps an unobserved `report` from crashing the process.
  report.catch(() => {});

  return {
    report,
    [Symbol.asyncIterator](): AsyncIterator<ConnectionReport> {
      return {
        async next(): Promise<IteratorResult<ConnectionReport>> {
          while (true) {
            if (queue.length > 0) {
              const value = queue.shift()!;
              const w = wakeProducer;
              wakeProducer = null;
              wake(w);
              return { value, done: false };
            }
            if (failure) throw (failure as { err: unknown }).err;
            if (done) return { value: undefined, done: true };
            await new Promise<void>((r) => (wakeConsumer = r));
          }
        },
        async return(): Promise<IteratorResult<ConnectionReport>> {
          stopped = true;
          queue.length = 0;
          const w = wakeProducer;
          wakeProducer = null;
          wake(w);
          // Let the run wind down (its sources now end at once) so no work outlives the loop.
          await report.catch(() => {});
          return { value: undefined, done: true };
        },
      };
    },
  };
}
