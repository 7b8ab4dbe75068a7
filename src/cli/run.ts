/**
 * The command: argv → options → analyze() → renderer → stdout, and an exit code (knip's cli.ts
 * pattern). Returns the code instead of calling process.exit(), which can cut off stdout.
 *
 * Every connection goes through one callback as soon as the core finishes it: the expectation
 * check, the selection, the CI gate, and then either a streamed NDJSON line or a text the other
 * formats keep in a spool file until the end (buffered.ts). So memory stays bounded in every
 * format, and all formats agree on what is selected and when the gate trips.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Chalk } from 'chalk';
import { analyze } from '../analyze.js';
import type { ByteSource, CaptureError } from '../capture/record.js';
import type { AnomalyReport, ConnectionReport, RunReport, SelectionReport } from '../report/model.js';
import type { ConnectionDigest } from '../analysis/digest.js';
import { ndjsonSummaryLine, type RenderContext } from '../report/index.js';
import { asciiText, formatCount, wrapText } from '../report/format.js';
import { NdjsonLineBatcher } from '../report/ndjson.js';
import { TOOL_VERSION } from '../version.js';
import { bufferedFormat } from './buffered.js';
import { colorLevel } from './color.js';
import { ExpectChecker, ExpectFileError, parseExpectations } from './expect.js';
import { declaredTimes, describeFsError, inputSize, openInput } from './inputs.js';
import { EXIT_FATAL, EXIT_GATE, EXIT_INTERRUPTED, EXIT_OK, isFatalOutputError, parseArgs, type CliOptions, type InterruptSignal } from './options.js';
import { Progress } from './progress.js';
import { runWarnings } from './run-warnings.js';
import { criteria, GateCount, ladderNotFoundLine, matches, noLadderLine } from './select.js';
import { resolveSettings } from '../core.js';
import { isLinkTypeSupported } from '../decode/link-types.js';
import { analyzeSharded, shardWorkerAvailable } from '../threads/sharded.js';

const NAME = 'tcpflow-analyze';

export interface OutStream {
  /** Strings, and Buffers for batched NDJSON on stdout. */
  write(chunk: string | Uint8Array): boolean;
  /** Bytes written but not yet handed to the system (a Writable's); 0 or absent: none held. */
  writableLength?: number;
  isTTY?: boolean;
  columns?: number;
  on?(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  once?(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface CliEnvironment {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: OutStream;
  stderr: OutStream;
  stdinIsTTY: boolean;
  /** Standard input as bytes; defaults to file descriptor 0. */
  stdin?: () => ByteSource;
  /**
   * Listens for SIGINT and SIGTERM (main.ts: the process's; tests send their own) until the
   * returned function is called: the run calls it at the first signal it takes and once reading is
   * over, so that a later one ends the process (main.ts: the default action). The handler returns
   * false when the run no longer reads: the caller then ends the process itself.
   */
  onInterrupt?: (handler: (signal: InterruptSignal) => boolean) => () => void;
}

/** `tcpflow-analyze: <file>: <reason> (at byte N)`: one line, no stack (STYLE §5 tier 1). */
/** `tcpflow-analyze: <file>: warning: <detail> (<CODE> at byte N)`: a record-level problem, reading went on or stopped there. */
export function issueWarningLine(file: string, issue: { code: string; byteOffset: number; detail: string }): string {
  return `${NAME}: ${inputName(file)}: warning: ${issue.detail} (${issue.code} at byte ${issue.byteOffset})`;
}

export function inputErrorLine(file: string, err: Pick<CaptureError, 'code' | 'byteOffset' | 'message'>): string {
  // "(at byte 0)" says nothing for a file that could not even be opened.
  const at = err.code === 'IO_ERROR' && err.byteOffset === 0 ? '' : ` (at byte ${err.byteOffset})`;
  return `${NAME}: ${inputName(file)}: ${err.message}${at}`;
}

/** An input as the messages name it: '-' is stdin; an empty name (an unset shell variable) is shown as ''. */
function inputName(file: string): string {
  return file === '-' ? 'stdin' : file === '' ? "''" : file;
}

/**
 * SIGINT or SIGTERM (README, "Interrupting a run"): while the run reads, the first one stops the
 * reading where it is, also on a quiet live pipe (`tcpdump -U -w - |`, whose last connections
 * otherwise wait for packets that do not come), and the run reports what it read and exits 128 +
 * the signal's number. Once it writes its report, or at a second signal, the process ends at once.
 */
class Interruption {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private reading = true;
  private stopListening: (() => void) | null = null;

  constructor(io: CliEnvironment) {
    this.stopListening = io.onInterrupt?.((sig) => this.request(sig)) ?? null;
  }

  request(sig: InterruptSignal): boolean {
    if (!this.reading || this.signal.aborted) return false;
    this.controller.abort(sig);
    this.release();
    return true;
  }

  /**
   * Reading is over: a signal from now on ends the process. The listeners go after the event loop
   * has polled once more: a signal caught by then but not yet handed to them would be dropped with
   * them, and the run end as if none came (helper-79 review); handed over, the handler says no and
   * main.ts ends the process.
   */
  readingDone(): void {
    this.reading = false;
    setImmediate(() => setImmediate(() => this.release()));
  }

  /**
   * Stops listening, so that a signal has its default action and ends the process at once, even
   * while this thread is busy (a second Ctrl-C waited 16 s behind the flush of 416k connections:
   * helper-78 review). Also at the first signal taken: the second is the way out (one caught in the
   * same turn as the first is dropped with the listeners; the next ends the process).
   */
  release(): void {
    this.stopListening?.();
    this.stopListening = null;
  }

  get by(): InterruptSignal | null {
    return this.signal.aborted ? this.signal.reason as InterruptSignal : null;
  }
}

export async function runCli(io: CliEnvironment): Promise<number> {
  const debug = io.argv.includes('--debug');
  const interruption = new Interruption(io);
  try {
    return await run(io, interruption);
  } catch (err) {
    // A bug, not bad input: still one line, unless --debug asks for the stack.
    const e = err as Error;
    io.stderr.write(`${NAME}: internal error: ${e?.message ?? String(err)}${debug ? '' : ' (--debug shows the stack)'}\n`);
    if (debug && e?.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT_FATAL;
  } finally {
    interruption.release();
  }
}

async function run(io: CliEnvironment, interruption: Interruption): Promise<number> {
  const parsed = await parseArgs(io.argv, TOOL_VERSION, helpWidth(io));
  if (parsed.kind === 'output') {
    io.stdout.write(parsed.text);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    // yargs' messages can span lines ("Invalid values:\n  Argument: ..."): errors are one line.
    io.stderr.write(`${NAME}: ${parsed.message.replace(/\s*\n\s*/g, ' ')}\nTry '${NAME} --help' for the options and examples.\n`);
    return EXIT_FATAL;
  }
  const o = parsed.options;

  let checker: ExpectChecker | null = null;
  if (o.expectFile !== null) {
    try {
      checker = new ExpectChecker(parseExpectations(await readFile(o.expectFile, 'utf8')), o.ascii);
    } catch (err) {
      const why = err instanceof ExpectFileError ? err.message : describeFsError(err);
      io.stderr.write(`${NAME}: --expect ${o.expectFile}: ${why}\n`);
      return EXIT_FATAL;
    }
  }
  if (o.captures.includes('-') && io.stdinIsTTY && !io.stdin) {
    io.stderr.write(`${NAME}: stdin is a terminal; pipe a capture in (e.g. tcpdump -w - | ${NAME} -)\n`);
    return EXIT_FATAL;
  }

  // stdout closed under us (`| head`): stop writing. Without a gate, stop reading too and exit
  // quietly, as `yes | head` does: nobody wants the rest. With --fail-on or --expect the verdict is
  // still wanted (a CI gate must not pass because of a pipe): read every input to the end, say its
  // errors, and exit as a run whose stdout stayed open would.
  let stdoutClosed = false;
  const gated = o.failOn !== null || checker !== null;
  const abort = new AbortController();
  // While stdout's buffer is full (write() returned false) the readers wait for 'drain', so memory
  // stays bounded by one read chunk's worth of output however slow the consumer is.
  let blocked: Promise<void> | null = null;
  let unblock: (() => void) | null = null;
  // Both the readers (between chunks) and the end-of-capture reporting wait on this.
  const waitForOutput = (): Promise<void> | null => blocked;
  const noteWrite = (accepted: boolean): void => {
    if (accepted || blocked !== null || io.stdout.once === undefined) return;
    blocked = new Promise<void>((resolve) => {
      unblock = () => {
        blocked = null;
        unblock = null;
        resolve();
      };
      io.stdout.once!('drain', unblock);
    });
  };
  // Any other failure (a full disk under `> report.ndjson`, EIO) leaves the report cut short: said
  // once, and the run stops and exits 2, since CI must not take a partial report for a whole one.
  let outputFailed = false;
  io.stdout.on?.('error', (err) => {
    if (stdoutClosed) return;
    stdoutClosed = true;
    unblock?.();
    if (isFatalOutputError(err)) {
      outputFailed = true;
      abort.abort();
      // "no space left on device (ENOSPC)", not Node's "ENOSPC: no space left on device, write".
      const why = err.code && err.message.startsWith(`${err.code}: `) ? `${err.message.slice(err.code.length + 2).replace(/, \w+$/, '')} (${err.code})` : err.message;
      io.stderr.write(`${NAME}: cannot write the report: ${why}\n`);
    } else if (!gated) abort.abort();
    else if (o.debug) io.stderr.write(`${NAME}: debug: stdout was closed (${err.code ?? err.message}); reading on for the ${o.failOn !== null ? '--fail-on' : '--expect'} verdict\n`);
  });
  const write = (s: string | Uint8Array): void => {
    if (!stdoutClosed) noteWrite(io.stdout.write(s));
  };
  /** Resolves when stdout has taken what it was given (long buffered reports wait here). */
  const drained = async (): Promise<void> => {
    const b = blocked;
    if (b !== null) await b;
  };
  // NDJSON lines are batched (NdjsonLineBatcher): one stdout write per line cost a syscall, a
  // string flatten and an encode each (90k lines, 310 MB on the 1 GB benchmark capture). A batch
  // goes out when it is full, and at the latest on the next event-loop turn (setImmediate, i.e.
  // when the reader waits for input), so a finished connection still leaves while the capture is
  // being read.
  // The batch buffer is reused when stdout holds none of it after the write (a file, or a pipe
  // that took it all): a Writable keeps the chunk itself only while writableLength > 0.
  const lines = new NdjsonLineBatcher((chunk) => {
    if (stdoutClosed) return true;
    noteWrite(io.stdout.write(chunk));
    return (io.stdout.writableLength ?? 1) === 0;
  });
  let flushQueued = false;
  const flushLines = (): void => {
    flushQueued = false;
    lines.flush();
  };
  const queueFlush = (): void => {
    if (!flushQueued && lines.pendingBytes > 0) {
      flushQueued = true;
      setImmediate(flushLines);
    }
  };

  // Not by default for streamed NDJSON: its lines reach the terminal while it reads, directly or
  // through `| jq`, and a line written while the bar was drawn went on after the bar's text
  // (helper-85 audit: 7 of 122 lines of a live `tcpdump -U -w - | ... | jq` began "111 KiB read").
  const progressOn = o.progress ?? (Boolean(io.stderr.isTTY) && !io.env.CI && !(o.format === 'ndjson' && o.selection.sort === null));
  let progress: Progress | null = null;
  if (progressOn) {
    const sizes = await Promise.all(o.captures.map(inputSize));
    const total = sizes.some((s) => s === null) ? null : sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
    progress = new Progress(io.stderr, total, Date.now, io.env.TERM === 'dumb');
  }
  const say = (line: string): void => {
    progress?.clear();
    io.stderr.write(`${line}\n`);
  };

  const ctx = renderContext(o, io);
  const streaming = o.format === 'ndjson' && o.selection.sort === null;
  const limit = o.selection.limit;
  const held = streaming ? null : bufferedFormat(o, ctx);
  let matched = 0;
  let shown = 0;
  // Plain --ladder keeps the anomalous ones of what the other options select: how many they selected.
  const plainLadder = o.ladder !== null && !o.ladder.all && o.ladder.id === null;
  let ladderCandidates = 0;
  const gate = new GateCount();
  const failedInputs: string[] = [];

  const countGate = (anomalies: readonly AnomalyReport[]): void => {
    if (o.failOn) gate.add(anomalies, o.failOn);
  };
  const onConnection = (c: ConnectionReport): void => {
    checker?.observe(c);
    if (plainLadder && matches(c, o.selection, null)) ladderCandidates++;
    if (!matches(c, o.selection, o.ladder)) return;
    matched++;
    countGate(c.anomalies);
    if (held) held.add(c);
    else if (limit === null || shown < limit) {
      // Nothing is rendered for a stdout that is gone; the run goes on for the gate.
      if (!stdoutClosed) {
        lines.connection(c);
        queueFlush();
      }
      shown++;
    }
  };
  // Every connection goes out as it is (no selection, no --expect, no ladder): its line is
  // written straight from its digest, and no ConnectionReport is built (report/ndjson-facts.ts,
  // the same bytes; about a third of the time that reporting took, docs/benchmarks.md).
  const direct = streaming && checker === null && criteria(o).length === 0;
  // Lines a sharded run already wrote before it stopped at a cap: the single run's first ones.
  let alreadyWritten = 0;
  // The interruption as the reading sees it. Reading again after a cap, a signal stops it only once
  // it has passed the lines already written: stopped before, it reported a shorter run than those
  // lines, and left out their open connections' ends (helper-105 review). Until then it reads on,
  // as far as the shards had read at most.
  const readingInterrupt = new AbortController();
  let interruptHeld = false;
  const onInterruption = (): void => {
    if (alreadyWritten > 0) interruptHeld = true;
    else readingInterrupt.abort(interruption.signal.reason);
  };
  if (interruption.signal.aborted) onInterruption();
  else interruption.signal.addEventListener('abort', onInterruption, { once: true });
  const onDigest = (d: ConnectionDigest): void => {
    matched++;
    countGate(d.anomalies);
    shown++;
    if (alreadyWritten > 0) {
      if (--alreadyWritten === 0 && interruptHeld) readingInterrupt.abort(interruption.signal.reason);
      return;
    }
    if (stdoutClosed) return;
    lines.digest(d);
    queueFlush();
  };

  const ladderId = o.ladder?.id ?? null;
  // A sharded run that stopped at a cap is read again on one thread: the errors the shards said
  // (counted, since an input given twice fails twice) are not said again.
  const saidByShards = new Map<string, number>();
  let rereading = false;
  const onInputError = (file: string, err: CaptureError): void => {
    // Once stdout is gone the sources end early on purpose; that is not the input's fault.
    if (abort.signal.aborted) return;
    // Nor is an interruption (an input it left unread): said once, after the report.
    if (err.code === 'INTERRUPTED') return;
    const key = `${file}\0${err.code}\0${err.byteOffset}`;
    const said = saidByShards.get(key) ?? 0;
    if (rereading && said > 0) { saidByShards.set(key, said - 1); return; }
    if (!rereading) saidByShards.set(key, said + 1);
    failedInputs.push(file);
    say(inputErrorLine(file, err));
  };
  let report: RunReport | null = null;
  // One precision for every time of the run, the finest its inputs declare (README, "Times"), one
  // clock whose zero lies before every input, and the files read in the order of their first records.
  const { precisionDigits, start: clockStart, order: captures } = await declaredTimes(o.captures);
  const sizes = direct && o.threads === 2 ? captures.map(regularFileSize) : [null];
  // Two shards apply the caps that count every connection only while neither reaches its half
  // (threads/sharded.ts): one connection is more than a shard's half of a cap of 1.
  const sharded = sizes.every((n) => n !== null) && (o.settings.maxConnections ?? 2) >= 2 && shardWorkerAvailable();
  // Which way --threads 2 went, for a user wondering why it did (or did not) pay.
  if (o.debug && o.threads === 2) {
    let how = 'as a reading and tracking worker';
    if (sharded) how = 'as 2 shards, each reading every input';
    else if (o.ladder !== null) how = 'ignored: ladders run on one thread';
    else if (o.format === 'zeek') how = 'ignored: --format zeek (Zeek\'s rows) runs on one thread';
    else if (direct && sizes.every((n) => n !== null)) how += ' (a --max-connections of 1 has no halves for two shards)';
    say(`${NAME}: debug: --threads 2 ${how}`);
  }
  if (sharded) {
    // Every connection streamed from regular files: two shards, each reading the whole capture
    // (threads/sharded.ts); anything else takes the split of threads/pipeline.ts.
    const run = await analyzeSharded(captures, sizes as number[], resolveSettings(o.settings), {
      shards: 2,
      failOn: o.failOn,
      // As the line batcher's: the chunk is reused when stdout did not keep it.
      write: (chunk) => {
        if (stdoutClosed) return true;
        noteWrite(io.stdout.write(chunk));
        return (io.stdout.writableLength ?? 1) === 0;
      },
      waitForOutput,
      onInputError,
      onBytes: progress ? (name, n) => (progress!.setLabel(name), progress!.add(n)) : undefined,
      signal: abort.signal,
      interrupt: interruption.signal,
      precisionDigits,
      clockStart,
    });
    if (run === null) {
      interruption.readingDone();
      // Interrupted once a shard had stopped at its share of a cap: only one thread reading again
      // could go on, so the run ends with the lines merged so far and no summary (README).
      const sig = interruption.by;
      if (sig !== null && !abort.signal.aborted) {
        say(`${NAME}: interrupted (${sig}): a --threads 2 shard had reached its share of a cap, so the shards stopped; the connections written so far stand, without a summary line`);
        return failedInputs.length > 0 || outputFailed ? EXIT_FATAL : EXIT_INTERRUPTED[sig];
      }
      return failedInputs.length > 0 || outputFailed ? EXIT_FATAL : EXIT_OK;
    }
    if (run.capReached !== undefined) {
      // A shard reached its half of a cap: from here only one tracker can say which connection a
      // cap evicts or forgets. One thread reads the inputs again and writes the lines not yet out.
      alreadyWritten = run.linesWritten;
      rereading = true;
      progress?.restart();
      if (o.debug) say(`${NAME}: debug: --threads 2: a shard reached its half of the ${run.capReached.cap === 'connections' ? '--max-connections' : 'port-reuse memory'} cap at segment ${run.capReached.ordinal + 1} after ${run.linesWritten} lines; finishing on one thread`);
    } else {
      report = run.report;
      matched = shown = report.summary.connections;
      gate.absorb(run.gate);
      // Bounded by what the shards track (their referable sets), not by the capture: a number
      // growing with the capture is a bug.
      if (o.debug) say(`${NAME}: debug: the merge held at most ${run.creationsHeldPeak} connection creations at once`);
    }
  }
  if (report === null) report = await analyze(
    captures.map((name) =>
      openInput(name, {
        onBytes: progress ? (n) => (progress!.setLabel(name), progress!.add(n)) : undefined,
        signal: abort.signal,
        interrupt: readingInterrupt.signal,
        waitForOutput,
        stdin: io.stdin,
      }),
    ),
    {
      ...o.settings,
      keepConnections: false,
      ladder: o.ladder === null ? false : ladderId !== null ? (id) => id === ladderId : true,
      zeekRows: o.format === 'zeek',
      // After shards stopped at a cap (a flood, as a rule), one thread: the split of pipeline.ts
      // costs 1.2x the time on a flood (README, Options).
      worker: o.threads === 2 && !sharded,
      waitForOutput,
      precisionDigits,
      clockStart,
      ...(direct ? { onDigest } : { onConnection }),
      onInputError,
    },
  );
  interruption.readingDone();
  lines.flush();
  progress?.clear();
  // Cut short on purpose (a failed stdout, or a closed one without a gate): no verdict on part of the capture.
  if (abort.signal.aborted) {
    held?.close();
    return failedInputs.length > 0 || outputFailed ? EXIT_FATAL : EXIT_OK;
  }
  // A damaged but readable input (cut mid-record, bogus lengths) is reported in the table header and
  // in inputs[].issues; say it on stderr too, so `| jq` users learn the capture was not whole.
  for (const input of report.inputs) {
    for (const issue of input.issues) if (issue.code !== 'INTERRUPTED') io.stderr.write(`${issueWarningLine(input.file, o.ascii ? { ...issue, detail: asciiText(issue.detail) } : issue)}\n`);
    // A capture of a link type we do not decode reads as "no TCP" otherwise, without a word why.
    for (const lt of input.linkTypes) {
      if (lt.packets > 0 && !isLinkTypeSupported(lt.linkType)) {
        say(`${NAME}: ${inputName(input.file)}: warning: link type ${lt.name} (${lt.linkType}) is not one we decode: its ${lt.packets} packet${lt.packets === 1 ? ' was' : 's were'} skipped (UNSUPPORTED_LINK_TYPE)`);
      }
    }
  }
  for (const line of runWarnings(report, inputName)) say(`${NAME}: ${o.ascii ? asciiText(line) : line}`);

  // Nothing could be read at all: at a terminal the error lines are the whole story, an empty table
  // adds noise; a script still gets its document, whose inputs[].error says why (`| jq` reads it,
  // where an empty stdout gave jq nothing, and exit 0 without pipefail).
  const nothingRead = report.inputs.every((i) => i.error !== null) && o.format !== 'json' && o.format !== 'ndjson';
  try {
    if (!nothingRead) {
      if (held) shown = held.select(limit);
      const crit = criteria(o);
      const selection: SelectionReport | undefined = crit.length > 0 ? { criteria: crit, matched, shown } : undefined;
      const out: RunReport = { ...report, connections: [], ...(selection ? { selection } : {}) };
      if (!held) write(ndjsonSummaryLine(out));
      else {
        // Shown while the buffered report is written, unless it is being written to the terminal itself.
        const bar = io.stdout.isTTY ? null : progress;
        await held.print(out, { write, drained, closed: () => stdoutClosed, progress: (done, total) => bar?.writing(done, total) });
        bar?.clear();
      }
      const spilled = held?.spoolFailure();
      if (spilled) say(`${NAME}: warning: the temporary file for the ${o.format} report failed (${spilled.message}); the report was kept in memory`);
      if (ladderId !== null && matched === 0) {
        say(`${NAME}: ${ladderNotFoundLine(ladderId, o, report.summary.connections)}`);
        // Interrupted, the connection may lie in what was not read: the interruption is the reason.
        const sig = interruption.by;
        if (sig === null) return EXIT_FATAL;
        say(`${NAME}: ${interruptedLine(sig, report)}`);
        return failedInputs.length > 0 || outputFailed ? EXIT_FATAL : EXIT_INTERRUPTED[sig];
      }
      // Only the drawn ladders say so on stdout: JSON with ladders has its selection and an empty list.
      if (o.ladder && o.format === 'table' && matched === 0 && !stdoutClosed) write(`${wrapText(noLadderLine(o, ladderCandidates), ctx.width).join('\n')}\n`);
    }
  } finally {
    held?.close();
  }

  let code = EXIT_OK;
  if (o.failOn && gate.connections > 0) {
    // Most frequent first, then by name: the same line however the run was split (--threads 2).
    const codes = [...gate.codes].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]) => `${k} ${n}`).join(', ');
    say(`${NAME}: --fail-on tripped by ${gate.connections} connection${gate.connections === 1 ? '' : 's'} (${codes})`);
    code = EXIT_GATE;
  }
  if (checker) {
    const diffs = checker.finish();
    if (diffs.length > 0) {
      say(`${NAME}: --expect ${o.expectFile}: ${diffs.length} expectation${diffs.length === 1 ? '' : 's'} not met`);
      for (const block of diffs) for (const line of block) say(`  ${line}`);
      code = EXIT_GATE;
    }
  }
  const sig = interruption.by;
  if (sig !== null) {
    say(`${NAME}: ${interruptedLine(sig, report)}`);
    code = EXIT_INTERRUPTED[sig];
  }
  return failedInputs.length > 0 || outputFailed ? EXIT_FATAL : code;
}

/**
 * `interrupted (SIGINT): reading stopped at byte 1234567 of -; the report covers the 8,765
 * packets read (2 inputs not read)`: where its INTERRUPTED issue stopped an input (or its
 * INTERRUPTED error, before the first record), and the inputs its INTERRUPTED error left unread.
 * After the last input was read it stopped nothing.
 */
export function interruptedLine(sig: InterruptSignal, report: RunReport): string {
  const packets = report.inputs.reduce((n, i) => n + i.packets, 0);
  const covers = `the report covers the ${formatCount(packets)} packet${packets === 1 ? '' : 's'} read`;
  const notRead = report.inputs.filter((i) => i.error?.code === 'INTERRUPTED' && i.error.byteOffset === 0).length;
  const unread = notRead > 0 ? ` (${notRead} input${notRead === 1 ? '' : 's'} not read)` : '';
  for (const input of report.inputs) {
    const at = input.issues.find((x) => x.code === 'INTERRUPTED') ?? (input.error?.code === 'INTERRUPTED' && input.error.byteOffset > 0 ? input.error : undefined);
    // An issue's offset counts decompressed bytes; the error's, before the first record, the input's own.
    const unit = input.gzip && at !== input.error ? 'decompressed byte' : 'byte';
    if (at !== undefined) return `interrupted (${sig}): reading stopped at ${unit} ${at.byteOffset} of ${inputName(input.file)}; ${covers}${unread}`;
  }
  if (notRead > 0) return `interrupted (${sig}) before ${notRead === report.inputs.length ? 'any input was' : 'some inputs were'} read; ${covers}${unread}`;
  return `interrupted (${sig}) after the last input was read; ${covers}`;
}

/** A file the shards can each open and read from the start (not standard input, a pipe or a device). */
/** A regular file's size; null for stdin, a pipe, or what cannot be stat'ed. */
function regularFileSize(name: string): number | null {
  if (name === '-') return null;
  try {
    const st = statSync(name);
    return st.isFile() ? st.size : null;
  } catch {
    return null; // the usual path says what is wrong with it
  }
}

/**
 * The terminal's width: its columns, else $COLUMNS (piped output), else 100; never under 40, the
 * narrowest --width takes (a 30-column $COLUMNS used to give 100 for the table and 40 for --help).
 */
function terminalColumns(io: CliEnvironment): number {
  const envCols = Number(io.env.COLUMNS);
  const cols = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : Number.isInteger(envCols) && envCols > 0 ? envCols : 100;
  return Math.max(40, cols);
}

/** --help as wide as the terminal, up to 100: examples wrapped mid-command cannot be copied. */
function helpWidth(io: CliEnvironment): number {
  return Math.min(100, terminalColumns(io));
}

function renderContext(o: CliOptions, io: CliEnvironment): RenderContext {
  const level = colorLevel(o.color, io.env, Boolean(io.stdout.isTTY));
  const width = o.width ?? terminalColumns(io);
  return { chalk: new Chalk({ level }), width, ascii: o.ascii, everyRow: o.everyRow };
}
