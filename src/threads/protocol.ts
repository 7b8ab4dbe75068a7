/**
 * Messages between the reporting thread (pipeline.ts) and the analysis worker (analysis-worker.ts).
 *
 * The reporting thread owns every byte source (files are opened lazily, stdin, progress and
 * stdout backpressure all stay where the in-process run has them); the worker asks for input i
 * when the core reaches it, receives its chunks, and sends finished connections back in batches,
 * one batch after each chunk it has consumed. Chunks in flight are capped, so neither thread
 * queues more than a few MiB for the other.
 */
import type { Settings } from '../report/model.js';
import type { CoreResult } from '../core.js';
import type { ConnectionBatch } from './connection-codec.js';

export interface WorkerSetup {
  settings: Settings;
  names: string[];
  /** AnalyzeInput.readToEnd of each input. */
  readToEnd: boolean[];
  /** AnalyzeOptions.precisionDigits: the worker's clock starts at it. */
  precisionDigits: number | undefined;
  /** AnalyzeOptions.clockStart: the worker's clock's zero lies before it. */
  clockStart: readonly [number, number] | null;
}

/** Reporting thread → worker. */
export type ToWorker =
  /** First, once: what to run (the worker may have been started before the arguments were parsed). */
  | { t: 'setup'; setup: WorkerSetup }
  | { t: 'chunk'; input: number; bytes: Uint8Array }
  | { t: 'end'; input: number }
  | { t: 'fail'; input: number; error: WireError };

/** Chunk traffic only (what the worker's sources see). */
export type InputMessage = Exclude<ToWorker, { t: 'setup' }>;

/** Worker → reporting thread. */
export type FromWorker =
  | { t: 'want'; input: number }
  /** The worker stopped reading this input early (a fatal error in it): stop sending its chunks. */
  | { t: 'stop'; input: number }
  /** Connections finished since the last message; `pulled`: chunks the worker has taken so far. */
  | { t: 'batch'; batch: ConnectionBatch | null; pulled: number; clockBase: [number, number] | null }
  | { t: 'inputError'; file: string; error: WireError }
  | { t: 'done'; core: CoreResult };

/** A CaptureError (or any error a byte source threw) as plain data. */
export interface WireError {
  capture: boolean;
  code: string;
  byteOffset: number;
  message: string;
}
