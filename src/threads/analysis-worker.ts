/**
 * The analysis worker: runs the per-record loop (core.ts: read → decode → track) on the second
 * core and sends finished connections to the reporting thread (pipeline.ts). Byte sources stay on
 * the reporting thread; this side asks for each input when the core reaches it.
 */
import { parentPort } from 'node:worker_threads';
import { CaptureClock } from '../capture/clock.js';
import { CaptureError } from '../capture/record.js';
import { runCore } from '../core.js';
import { ConnectionEncoder } from './connection-codec.js';
import type { FromWorker, InputMessage, ToWorker, WireError, WorkerSetup } from './protocol.js';

const port = parentPort!;
const clock = new CaptureClock();
const encoder = new ConnectionEncoder();
let pulled = 0;
let sentBase = false;

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

/** Sends what finished since the last call, with the count of chunks taken (the reporting side's credit). */
function flush(): void {
  const clockBase = !sentBase && clock.hasBase ? clock.base : null;
  if (clockBase !== null) sentBase = true;
  if (encoder.size === 0) {
    post({ t: 'batch', batch: null, pulled, clockBase });
    return;
  }
  const batch = encoder.take();
  post({ t: 'batch', batch, pulled, clockBase }, [batch.nums.buffer as ArrayBuffer]);
}

// The setup first (the worker may be started before the run is known); then chunks, for one input
// at a time, in order; a chunk for an input already given up is dropped.
let gotSetup: ((s: WorkerSetup) => void) | null = null;
const setupArrived = new Promise<WorkerSetup>((r) => (gotSetup = r));
const queue: InputMessage[] = [];
let wake: (() => void) | null = null;
port.on('message', (m: ToWorker) => {
  if (m.t === 'setup') {
    gotSetup?.(m.setup);
    return;
  }
  queue.push(m);
  const w = wake;
  wake = null;
  w?.();
});

function toError(e: WireError): Error {
  return e.capture ? new CaptureError(e.code as CaptureError['code'], e.byteOffset, e.message) : new Error(e.message);
}

async function* source(input: number): AsyncGenerator<Uint8Array> {
  post({ t: 'want', input });
  let finished = false;
  try {
    while (true) {
      // Everything handed out so far is processed: report it (and free the credit) before waiting.
      flush();
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const m = queue.shift()!;
      if (m.input !== input) {
        if (m.t === 'chunk') pulled++; // a chunk of an input given up: taken, so its credit returns
        continue;
      }
      if (m.t === 'end') { finished = true; return; }
      if (m.t === 'fail') { finished = true; throw toError(m.error); }
      pulled++;
      yield m.bytes;
    }
  } finally {
    if (!finished) post({ t: 'stop', input });
  }
}

const setup = await setupArrived;
// The clock exists before the setup arrives (the functions above close over it): adopt the precision now.
if (setup.precisionDigits !== undefined) clock.raisePrecision(setup.precisionDigits);
if (setup.clockStart !== null) clock.startBefore(setup.clockStart);
const inputs = setup.names.map((name, i) => ({ name, bytes: source(i), readToEnd: setup.readToEnd[i] }));
const core = await runCore(inputs, setup.settings, clock, {
  ladder: false,
  finished: (c, ended, endNanos) => encoder.add(c, ended, endNanos, clock.precisionDigits, clock.unitFor(c.input, c.lastInput)),
  // The connections still open at the end (~14k on the 1 GB benchmark capture, 50k on the flood)
  // go out in the tracker's paced pieces of 256, not as one batch: the reporting thread starts on
  // them while this one settles the rest, and fewer wait at once (1 GB: 0.89x the minimum time;
  // flood: 269 MiB instead of 307; docs/benchmarks.md).
  waitForOutput: () => {
    flush();
    return null;
  },
  onInputError: (file, err) => {
    flush(); // connections retired before the failure are reported before it, as in-process
    post({ t: 'inputError', file, error: { capture: true, code: err.code, byteOffset: err.byteOffset, message: err.message } });
  },
});
flush();
post({ t: 'done', core });
