/**
 * A shard of a sharded run (sharded.ts): reads every input itself, tracks the tuples of its shard
 * (flow/tracker.ts, Shard), and renders their NDJSON lines, with placeholder ids, exactly as the
 * CLI's streaming path does (NdjsonLineBatcher.digest). Lines go to the CLI's thread in batches with
 * their RetireKeys, the creations since the last batch and a watermark (shard-merger.ts). A shard
 * reads its next chunk only with fewer than SHARD_BATCHES_IN_FLIGHT unacknowledged, so a slow
 * stdout holds the shards back, not memory: what one chunk retires is the most it can send beyond
 * that (reads shrink to 64 KiB for a while once it ran out of credit).
 */
import { parentPort } from 'node:worker_threads';
import { CaptureClock } from '../capture/clock.js';
import { ConnectionDigest, digestConnection } from '../analysis/digest.js';
import { SummaryAccumulator } from '../analysis/summary.js';
import { GateCount } from '../cli/select.js';
import { interruptedError, openInput } from '../cli/inputs.js';
import type { CaptureError } from '../capture/record.js';
import { runCore, type AnalyzeInput } from '../core.js';
import { AT_END, ShardCapReached, type Tracker } from '../flow/tracker.js';
import { NdjsonLineBatcher } from '../report/ndjson.js';
import { metaLength, readAll, SHARD_BATCHES_IN_FLIGHT, SHARD_LEAD_BYTES, type FromShard, type ReadPosition, type ShardSetup, type ToShard, type WireBatch } from './shard-protocol.js';

const port = parentPort!;
let gotSetup: ((s: ShardSetup) => void) | null = null;
const setupArrived = new Promise<ShardSetup>((r) => (gotSetup = r));
let inFlight = 0;
/** Batches' memory given back by the merge (bytes, and the Float64Arrays of their metadata). */
const spareBytes: ArrayBuffer[] = [];
const spareMeta: ArrayBuffer[] = [];
/** Bytes a batch gathers before it goes out (from the finished hook: a flood's chunk retires thousands). */
const BATCH_BYTES = 1 << 20;
/** Creations a batch gathers before it goes out between chunks. */
const BATCH_CREATIONS = 4096;
let creditWaiters: Array<() => void> = [];

// An interruption (sharded.ts): asked to halt, the shard hands its core no more input, says where it
// stands, and waits to be told where every shard stops (the furthest any had read).
let haltAsked = false;
let haltAnswered = false;
let stopAt: { at: ReadPosition; reason: string } | null = null;
let stopAtArrived: (() => void) | null = null;
/** The input being read and the bytes of it handed to the core. */
const position: ReadPosition = { file: 0, bytes: 0 };
/** Every input has been read (or failed): nothing more will be handed to the core. */
let inputsDone = false;

function answerHalt(): void {
  haltAnswered = true;
  port.postMessage({ t: 'halted', at: inputsDone ? readAll(setup.files.length) : { file: position.file, bytes: position.bytes } } satisfies FromShard);
}

port.on('message', (m: ToShard) => {
  if (m.t === 'setup') { gotSetup?.(m.setup); return; }
  if (m.t === 'halt') {
    haltAsked = true;
    // Between chunks paced() answers; with every input read, nothing will ask: answered here.
    if (inputsDone) answerHalt();
    return;
  }
  if (m.t === 'stopAt') {
    stopAt = { at: m.at, reason: m.reason };
    stopAtArrived?.();
    return;
  }
  inFlight--;
  if (m.bytes.byteLength > 0 && spareBytes.length < SHARD_BATCHES_IN_FLIGHT) spareBytes.push(m.bytes);
  if (m.meta.byteLength > 0 && spareMeta.length < SHARD_BATCHES_IN_FLIGHT) spareMeta.push(m.meta);
  const ws = creditWaiters;
  creditWaiters = [];
  for (const w of ws) w();
});

const setup = await setupArrived;
const settings = setup.settings;
const clock = new CaptureClock(setup.precisionDigits, setup.clockStart);
const digest = new ConnectionDigest();
const summary = new SummaryAccumulator();
const gate = new GateCount();

/** A growable Float64Array kept for the whole run (a JS array per batch was garbage per line). */
class Floats {
  a = new Float64Array(4096);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const grown = new Float64Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    this.a[this.n++] = v;
  }
  view(): Float64Array { return this.a.subarray(0, this.n); }
}

// The lines of the batch being built: copied from the batcher's buffer into `acc` (memory that goes
// to the merge and comes back with its acknowledgement), then the batcher's pending bytes. A copy of
// each flushed chunk of its own was 1 MiB of external memory per batch, which piled up between
// collections (~500 MiB on the 2M-SYN flood).
let acc = takeBytes(0);
let chunkBytes = 0;
const lines = new NdjsonLineBatcher((chunk) => {
  const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  if (chunkBytes + b.length > acc.length) {
    // Only a line larger than a batch gets here (batches go out at BATCH_BYTES).
    const grown = takeBytes(2 * (chunkBytes + b.length));
    grown.set(acc.subarray(0, chunkBytes));
    acc = grown;
  }
  acc.set(b, chunkBytes);
  chunkBytes += b.length;
  return true;
}, BATCH_BYTES, false);

/**
 * At least `need` bytes: a spare buffer given back by the merge (smaller ones are dropped), or a new
 * one of `fresh`, or half as much again as `need` when that is more (the referable sets grow with
 * what is tracked: a buffer just large enough would be dropped again at the next one).
 */
function take(spare: ArrayBuffer[], need: number, fresh: number): ArrayBuffer {
  let mem: ArrayBuffer | undefined;
  while ((mem = spare.pop()) !== undefined && mem.byteLength < need);
  return mem ?? new ArrayBuffer(need > fresh ? (need + (need >> 1) + 7) & ~7 : fresh);
}

function takeBytes(need: number): Uint8Array {
  return new Uint8Array(take(spareBytes, need, BATCH_BYTES + (BATCH_BYTES >> 1)));
}

function takeMeta(floats: number): Float64Array {
  return new Float64Array(take(spareMeta, 8 * floats, 8 * 16384));
}

const ends = new Floats();
const keys = new Floats();
const ids = new Floats();
const refs = new Floats();
const created = new Floats();
/** Tracked through this segment ordinal. */
let tracked = -1;
let lastEndSub = -1;

/** The tracker, between chunks (its referable placeholders). */
let tracker: Pick<Tracker, 'lastOrdinal' | 'referable' | 'referableCost'> | null = null;
/** Connections created, and the segment tracked, when the last referable set went out (mid-chunk sends reset neither). */
let createdSinceReferable = 0;
let referableAt = -1;
/**
 * The merge holds every creation above the lowest watermark at which the shards last said which
 * placeholders their later lines may use, so those sets must follow creations, not batches: a
 * flood's batches all go out mid-chunk, where no set is right, and a set every few boundary batches
 * left the merge holding every creation of the capture (200k of a 200k-SYN flood). And segments
 * too: a shard that creates little holds back what the merge may drop of the others' creations.
 * The set walks every connection tracked and every tombstone, and the merge copies it: once per
 * this many creations or segments, or per as many creations as it holds (four times as many
 * segments) when that is more. So both cost O(1) per creation and per segment, and the merge holds
 * O(connections tracked + tombstones). Sets 4x as often cost the 2M-SYN flood ~20 MiB more with
 * --threads 2.
 */
const REFERABLE_CREATIONS = 4096;
const REFERABLE_SEGMENTS = 16384;
const referable = new Floats();

function send(watermark: number, watermarkSub?: number, withReferable = false): void {
  lines.flush();
  if (withReferable) tracker!.referable(referable);
  const bytes = acc.subarray(0, chunkBytes);
  const n = ends.n;
  const meta = takeMeta(metaLength(n, created.n, referable.n));
  meta.set(ends.view(), 0);
  meta.set(keys.view(), n);
  meta.set(ids.view(), 4 * n);
  meta.set(refs.view(), 5 * n);
  meta.set(created.view(), 6 * n);
  meta.set(referable.view(), 6 * n + created.n);
  const batch: WireBatch = {
    shard: setup.shard.index,
    bytes,
    meta,
    lines: n,
    creations: created.n,
    watermark,
    ...(watermarkSub !== undefined ? { watermarkSub } : {}),
    referable: withReferable ? referable.n : -1,
  };
  acc = takeBytes(0);
  chunkBytes = 0;
  ends.n = keys.n = ids.n = refs.n = created.n = referable.n = 0;
  inFlight++;
  port.postMessage({ t: 'batch', batch } satisfies FromShard, [bytes.buffer as ArrayBuffer, meta.buffer as ArrayBuffer]);
}

async function credit(): Promise<void> {
  while (inFlight >= SHARD_BATCHES_IN_FLIGHT) await new Promise<void>((r) => creditWaiters.push(r));
}

/** Where the shards' reading stands (ShardSetup.reading); this shard's: readingBase + position.bytes. */
const reading = new Float64Array(setup.reading);
/** The sizes of the inputs before the one being read. */
let readingBase = 0;

/**
 * Waits while another shard is more than SHARD_LEAD_BYTES behind this one (until a halt, which
 * answers at once). The lines and the watermark gathered so far go out first: the shard behind
 * may need this one's watermark for its own lines to go out, and so for the credit to read on.
 */
async function keepPace(): Promise<void> {
  const self = setup.shard.index;
  const ahead = (): boolean => {
    for (let i = 0; i < reading.length; i++) if (i !== self && reading[self] - reading[i] > SHARD_LEAD_BYTES) return true;
    return false;
  };
  if (!ahead()) return;
  send(tracked);
  while (!haltAsked && ahead()) await new Promise((r) => setTimeout(r, 1));
}

/**
 * Once halted: waits for where the shards stop, and says how many more bytes of input `index` this
 * shard may hand its core (Infinity: all of it), having handed it `handed`.
 */
async function allowance(index: number, handed: number): Promise<number> {
  if (!haltAsked) return Infinity;
  if (!haltAnswered) answerHalt();
  if (stopAt === null) await new Promise<void>((r) => (stopAtArrived = r));
  const at = stopAt!.at;
  return index < at.file ? Infinity : index === at.file ? at.bytes - handed : 0;
}

/** The interruption, as the single thread's reader ends an input with it (cli/inputs.ts). */
const interruptedHere = (read: number): CaptureError => interruptedError(AbortSignal.abort(stopAt!.reason), read);

/** An input's chunks, with a batch sent (and credit awaited) between them once enough has gathered. */
async function* paced(input: AnalyzeInput, index: number): AsyncGenerator<Uint8Array> {
  position.file = index;
  position.bytes = 0;
  readingBase = 0;
  for (let i = 0; i < index; i++) readingBase += setup.sizes[i];
  reading[setup.shard.index] = readingBase;
  try {
    if (await allowance(index, 0) <= 0) throw interruptedHere(0);
    yield* pacedChunks(input, index);
  } finally {
    if (index === setup.files.length - 1) {
      inputsDone = true;
      reading[setup.shard.index] = Infinity;
      if (haltAsked && !haltAnswered) answerHalt();
    }
  }
}

async function* pacedChunks(input: AnalyzeInput, index: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of input.bytes) {
    // The core has tracked every segment of the chunks before this one (core.ts, drainAfterEachChunk).
    const cost = tracker !== null ? tracker.referableCost : 0;
    const due = tracker !== null && (createdSinceReferable >= Math.max(REFERABLE_CREATIONS, cost)
      || tracked - referableAt >= Math.max(REFERABLE_SEGMENTS, 4 * cost));
    if (due || chunkBytes + lines.pendingBytes >= BATCH_BYTES || created.n >= BATCH_CREATIONS) {
      // Only here, with the tracker between segments, is its set right (mid-segment, a connection
      // may be about to be created with a placeholder it does not list).
      if (due) { createdSinceReferable = 0; referableAt = tracked; }
      send(tracked, undefined, due);
    }
    await credit();
    await keepPace();
    const left = await allowance(index, position.bytes);
    if (left <= 0) throw interruptedHere(position.bytes);
    const part = left < chunk.length ? chunk.subarray(0, left) : chunk;
    if (setup.progress) port.postMessage({ t: 'read', file: input.name, bytes: part.length } satisfies FromShard);
    position.bytes += part.length;
    reading[setup.shard.index] = readingBase + position.bytes;
    yield part;
    if (part !== chunk) throw interruptedHere(position.bytes);
  }
}

let core!: Awaited<ReturnType<typeof runCore>>;
try {
  core = await runCore(setup.files.map((name, i) => {
    // Out of credit (the merge or stdout is behind): the reader waits, and reads small chunks for a
    // while, as the single thread's does when stdout pushes back; a 1 MiB chunk of a SYN flood
    // retires ~7k connections per shard, ~14 MB of lines sent beyond the credit.
    const input = openInput(name, { waitForOutput: () => (inFlight >= SHARD_BATCHES_IN_FLIGHT ? credit() : null), limit: setup.sizes[i] });
    return { name, bytes: paced(input, i) };
  }), settings, clock, {
    ladder: false,
    shard: setup.shard,
    created: (ordinal) => {
      created.push(ordinal);
      createdSinceReferable++;
    },
    drained: (t) => {
      tracked = t.lastOrdinal;
      tracker = t;
    },
    finished: (c, ended, endNanos, key) => {
      const d = digestConnection(c, ended, endNanos, clock, settings, digest);
      summary.addDigest(d);
      if (setup.failOn !== null) gate.add(d.anomalies, setup.failOn);
      lines.digest(d);
      ends.push(chunkBytes + lines.pendingBytes);
      keys.push(key.ordinal);
      keys.push(key.phase);
      keys.push(key.sub);
      ids.push(c.id);
      refs.push(c.portReusePrevId > 0 ? 1 : 0);
      if (key.ordinal === AT_END) lastEndSub = key.sub;
      // Mid-chunk, without waiting for credit: the watermark stays at the last chunk tracked whole,
      // and the next chunk waits. A flood's 1 MiB chunk retires ~15k connections, ~7 MB of lines.
      else if (chunkBytes + lines.pendingBytes >= BATCH_BYTES) send(tracked);
    },
    // The end of the capture: what is left goes out in id order, paced by the merge.
    waitForOutput: () => {
      if (ends.n === 0) return null;
      send(AT_END, lastEndSub);
      return credit();
    },
    onInputError: (file, err) => {
      port.postMessage({ t: 'inputError', file, code: err.code, byteOffset: err.byteOffset, message: err.message });
    },
  });
} catch (err) {
  if (!(err instanceof ShardCapReached)) throw err;
  // What was sent stands (every line of it is the single tracker's), and so does what is pending:
  // every line and creation before the segment that would pass the cap is the single tracker's too.
  // The merge takes them through the segment before it; the rest is one thread's job.
  reading[setup.shard.index] = Infinity; // reads no more: no shard waits for it
  send(err.ordinal - 1);
  port.postMessage({ t: 'capReached', cap: err.cap, ordinal: err.ordinal } satisfies FromShard);
  await new Promise<never>(() => {}); // terminated by the CLI's thread
}
// (Said by the last input's reader already, unless the core asked it for nothing.)
reading[setup.shard.index] = Infinity;
send(AT_END);
port.postMessage({ t: 'done', core, summary: summary.counts(), gate: { connections: gate.connections, codes: [...gate.codes] } });
