/**
 * SIGINT / SIGTERM (README, "Interrupting a run"): a live capture piped in (`tcpdump -U -w - |`)
 * goes quiet, and its last connections wait for packets that never come; Ctrl-C used to kill the
 * run with nothing more written (no line for the open connections, no summary). Now the first
 * signal while reading stops the reading where it is, also mid-wait on a quiet pipe, the run
 * reports what it read (INTERRUPTED in `inputs[]`, one stderr line naming the file and byte) and
 * exits 128 + the signal's number. Once it writes its report, or at a second signal, it ends at once.
 *
 * Deterministic, not timed: the signal is sent once the run has written the line of a connection
 * that closed in the bytes given, so those bytes were read; the pipe then stays open and quiet.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { interruptedLine, runCli, type OutStream } from '../../src/cli/run.js';
import type { InterruptSignal } from '../../src/cli/options.js';
import type { RunReport } from '../../src/report/model.js';
import { Scenario } from '../helpers/scenario.js';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const SAMPLE = join(ROOT, 'fixtures/sample/pop3.pcap');

/** The sample's file header and first `n` records, and where they end. */
function firstRecords(n: number): Buffer {
  const b = readFileSync(SAMPLE);
  let off = 24;
  for (let i = 0; i < n; i++) off += 16 + b.readUInt32LE(off + 8);
  return b.subarray(0, off);
}

/** The stderr line of a run interrupted by `sig` after `bytes` of stdin, `packets` packets. */
const stoppedLine = (sig: InterruptSignal, bytes: number, packets = 40, unit = 'byte'): string =>
  `tcpflow-analyze: interrupted (${sig}): reading stopped at ${unit} ${bytes} of stdin; the report covers the ${packets} packets read`;

interface Interrupted { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The binary reading `head` from a pipe left open, signalled `sig` once `ready` matches what it wrote. */
async function interruptLive(args: string[], head: Buffer, ready: RegExp, sig: InterruptSignal): Promise<Interrupted> {
  const child = spawn(process.execPath, [BIN, ...args, '-'], { env: { ...process.env, NO_COLOR: '1', CI: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  const seen = new Promise<void>((resolve) => child.stdout.on('data', (d: string) => { stdout += d; if (ready.test(stdout)) resolve(); }));
  child.stdin.write(head);
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await seen;
  child.kill(sig);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, s) => r([c, s])));
  clearTimeout(guard);
  child.stdin.destroy();
  return { code, signal, stdout, stderr };
}

describe('the binary on a live pipe gone quiet', () => {
  // Records 1-40: connections 1-3 closed (written while reading), 4 still open (CLOSE_WAIT / FIN_WAIT_2).
  const head = firstRecords(40);

  test('SIGINT: the open connection and the summary are written, INTERRUPTED at the bytes read, one stderr line, exit 130', async () => {
    const r = await interruptLive(['-f', 'ndjson'], head, /"id":3,/, 'SIGINT');
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.stderr).toBe(`${stoppedLine('SIGINT', head.length)}\n`);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const conns = lines.filter((l) => l.type === 'connection') as Array<{ id: number; ended: string; client: { finalState: string }; server: { finalState: string } }>;
    expect(conns.map((c) => [c.id, c.ended])).toEqual([[1, 'closed'], [2, 'closed'], [3, 'closed'], [4, 'capture_end']]);
    expect([conns[3].client.finalState, conns[3].server.finalState]).toEqual(['CLOSE_WAIT', 'FIN_WAIT_2']);
    const summary = lines.at(-1) as unknown as RunReport & { type: string };
    expect(summary.type).toBe('summary');
    expect(summary.inputs).toHaveLength(1);
    expect(summary.inputs[0]).toMatchObject({
      file: '-', packets: 40, bytes: head.length, error: null, linkTypes: [{ linkType: 1, name: 'EN10MB', packets: 40 }],
      issues: [{ code: 'INTERRUPTED', byteOffset: head.length, detail: 'reading stopped: the run was interrupted (SIGINT)' }],
    });
  }, 40_000);

  test('SIGTERM: the report of what was read, exit 143, on one thread and with --threads 2 (a reading worker)', async () => {
    for (const threads of ['1', '2']) {
      const r = await interruptLive(['--threads', threads, '-f', 'ndjson'], head, /"id":3,/, 'SIGTERM');
      expect([threads, r.code]).toEqual([threads, 143]);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\{"type":"summary"/);
      expect(r.stderr).toMatch(/^tcpflow-analyze: interrupted \(SIGTERM\): reading stopped at byte \d+ of stdin; the report covers the 40 packets read\n$/);
    }
  }, 60_000);
});

describe('the binary on a busy pipe', () => {
  test.skipIf(!existsSync('/proc/self/io'))('SIGTERM while `cat` keeps stdin full: taken within a few chunks, not seconds later or never (helper-78 review: `cat 1GB | timeout 3` read to the end)', async () => {
    // 60,000 refused connections, their records sent 8 times over (~56 MB; later rounds stamped
    // earlier, which only adds a warning): `cat` keeps the run's reader thread ahead of it.
    const s = new Scenario();
    for (let i = 0; i < 60_000; i++) {
      s.a.reset(1000 + i * 7919);
      s.a.syn(); s.wait(1); s.b.rstAck(); s.wait(10);
    }
    const one = Buffer.from(s.pcap());
    const body = one.subarray(24);
    const bytes = Buffer.concat([one, body, body, body, body, body, body, body]);
    const dir = mkdtempSync(join(tmpdir(), 'tcpflow-busy-'));
    const file = join(dir, 'busy.pcap');
    writeFileSync(file, bytes);
    // The signal once `cat` has read 8 MB of the file (its /proc/PID/io), so the run is reading.
    const SIGNAL_AT = 8_000_000;
    const script = `cat "$F" & C=$!; while [ "$(awk '/^rchar/ {print $2}' /proc/$C/io 2>/dev/null || echo 999999999999)" -lt ${SIGNAL_AT} ]; do sleep 0.002; done; echo "go $C" >&2; wait`;
    const child = spawn('/bin/sh', ['-c', `(${script}) | "${process.execPath}" "${BIN}" -f ndjson --port 1 - & N=$!; wait $N; echo "code $?" >&2`],
      { env: { ...process.env, NO_COLOR: '1', CI: '', F: file }, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    const guard = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    await new Promise<void>((resolve) => child.stderr.on('data', (d: string) => { stderr += d; if (/^go \d+$/m.test(stderr)) resolve(); }));
    const catPid = Number(/^go (\d+)$/m.exec(stderr)![1]);
    // The run is the shell's child running node: signal it alone, as `timeout` would.
    const pid = Number(execFileSync('pgrep', ['-n', '-f', `${BIN} -f ndjson --port 1 -`], { encoding: 'utf8' }).trim());
    // What `cat` had read when the signal went: on a loaded host pgrep can take long enough for
    // `cat` to feed several more MiB after "go" (a run under load took the signal at 16 MiB).
    const readAtSignal = Number(/^rchar:\s*(\d+)$/m.exec(readFileSync(`/proc/${catPid}/io`, 'utf8'))![1]);
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => child.on('close', r));
    clearTimeout(guard);
    rmSync(dir, { recursive: true, force: true });
    expect(stderr).toMatch(/^code 143$/m);
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as RunReport;
    const at = summary.inputs[0].issues.find((x) => x.code === 'INTERRUPTED');
    // Taken within the few MiB the reader thread holds ahead (4 chunks) of what was sent when the
    // signal went, not at the end.
    expect(readAtSignal).toBeGreaterThanOrEqual(SIGNAL_AT);
    expect(at?.byteOffset).toBeLessThan(readAtSignal + (8 << 20));
    expect(at?.byteOffset).toBeLessThan(bytes.length);
  }, 90_000);
});

describe('the binary on a named FIFO given as a path, its writer quiet', () => {
  test('the report, then the process ends within seconds, not when the writer does; also with an input that failed (helper-79 review)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpflow-fifo-'));
    const fifo = join(dir, 'live.fifo');
    const head = firstRecords(40);
    const feed = join(dir, 'head.pcap');
    writeFileSync(feed, head);
    execFileSync('mkfifo', [fifo]);
    // The writer sends 40 records and holds the FIFO open for 30 s.
    const writer = spawn('/bin/sh', ['-c', `(cat "${feed}"; sleep 30) > "${fifo}"`], { detached: true });
    const child = spawn(process.execPath, [BIN, '-f', 'ndjson', join(dir, 'missing.pcap'), fifo], { env: { ...process.env, NO_COLOR: '1', CI: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const seen = new Promise<void>((resolve) => child.stdout.on('data', (d: string) => { stdout += d; if (/"id":3,/.test(stdout)) resolve(); }));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await seen;
    const t0 = Date.now();
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, sg) => r([c, sg])));
    const ms = Date.now() - t0;
    clearTimeout(guard);
    process.kill(-writer.pid!, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    // Ended by the signal's default action a second after the report (a shell says 130).
    expect([code, signal]).toEqual([null, 'SIGINT']);
    expect(ms).toBeLessThan(15_000);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^\{"type":"summary"/);
    expect(stderr).toMatch(/missing\.pcap: no such file or directory\n.*interrupted \(SIGINT\): reading stopped at byte 3476 of .*live\.fifo; the report covers the 40 packets read\n$/s);
  }, 90_000);
});

describe('--threads 2 on files (two shards)', () => {
  interface Line { type: string; id?: number; inputs?: RunReport['inputs']; summary?: unknown; stats?: Record<string, unknown> }
  const parse = (text: string): Line[] => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);

  /** `n` refused connections, 10 s apart: ~150 B of capture and ~2 KB of NDJSON each. */
  const made = new Map<number, Buffer>();
  function refusals(n: number): Buffer {
    let b = made.get(n);
    if (b !== undefined) return b;
    const s = new Scenario();
    for (let i = 0; i < n; i++) {
      s.a.reset(1000 + i * 7919);
      s.a.syn(); s.wait(1); s.b.rstAck(); s.wait(10_000);
    }
    made.set(n, (b = Buffer.from(s.pcap())));
    return b;
  }

  /** `body` with `n` refusals written to a file in a directory of its own, removed after. */
  async function withRefusals(n: number, body: (file: string, capture: Buffer, dir: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'tcpflow-interrupt-'));
    try {
      const file = join(dir, 'refusals.pcap');
      const capture = refusals(n);
      writeFileSync(file, capture);
      await body(file, capture, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** One thread's NDJSON for `files`, from the binary. */
  const oneThread = (files: string[]): Line[] =>
    parse(execFileSync(process.execPath, [BIN, '-f', 'ndjson', ...files], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1', CI: '' } }));

  /**
   * The interrupted sharded run against one thread on the same bytes: `capture` cut where the
   * sharded run's first input says reading stopped (whole when it says nothing), `rest` not read.
   * Its lines, in order, and its counts must be the same; the inputs differ only in what the cut
   * says (a half record there, which the interrupted run does not call cut) and their names.
   */
  function expectSingleRunCutThere(lines: Line[], file: string, capture: Buffer, dir: string): number | null {
    const summary = lines.at(-1)!;
    expect(summary.type).toBe('summary');
    const stopped = summary.inputs![0].issues.find((i) => i.code === 'INTERRUPTED');
    const at = stopped?.byteOffset ?? null;
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, at === null ? capture : capture.subarray(0, at));
    const ref = oneThread([cut]);
    expect(lines.length).toBe(ref.length);
    // A connection's frames name their input: the file's name, and the cut's.
    expect(JSON.stringify(lines.slice(0, -1)).replaceAll(JSON.stringify(file), '"IN"')).toBe(JSON.stringify(ref.slice(0, -1)).replaceAll(JSON.stringify(cut), '"IN"'));
    expect(summary.summary).toEqual(ref.at(-1)!.summary);
    expect(summary.stats).toEqual(ref.at(-1)!.stats);
    expect({ ...summary.inputs![0], file: '', issues: [] }).toEqual({ ...ref.at(-1)!.inputs![0], file: '', issues: [] });
    return at;
  }

  test('the binary, SIGINT: the run ends as one thread on the bytes the shards read (summary, INTERRUPTED where it stopped), exit 130', async () => {
    await withRefusals(20_000, async (file, capture, dir) => {
      const child = spawn(process.execPath, [BIN, '--threads', '2', '-f', 'ndjson', file], { env: { ...process.env, NO_COLOR: '1', CI: '' } });
      const chunks: Buffer[] = [];
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (stderr += d));
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await new Promise<void>((resolve) => child.stdout.once('data', (d: Buffer) => { chunks.push(d); child.stdout.pause(); resolve(); }));
      child.kill('SIGINT');
      // Read on (the run waits for stdout to take what it was given), to the end.
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      child.stdout.resume();
      const code = await new Promise<number | null>((r) => child.on('close', r));
      clearTimeout(guard);
      expect(code).toBe(130);
      const text = Buffer.concat(chunks).toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = parse(text);
      // Where the shards stood when the signal came is the host's timing: the check is the same either way.
      const at = expectSingleRunCutThere(lines, file, capture, dir);
      const packets = lines.at(-1)!.inputs![0].packets.toLocaleString('en-US');
      expect(stderr).toBe(at === null
        ? `tcpflow-analyze: interrupted (SIGINT) after the last input was read; the report covers the ${packets} packets read\n`
        : `tcpflow-analyze: interrupted (SIGINT): reading stopped at byte ${at} of ${file}; the report covers the ${packets} packets read\n`);
    });
  }, 90_000);

  /**
   * runCli from the build (the shard workers exist only there) with `--threads 2 -f ndjson`, its
   * stdout taking nothing until the interruption: the merge stops acknowledging, so the shards stop
   * at a chunk's end a MiB or two in. Then SIGINT, and stdout takes everything.
   */
  async function interruptBlocked(files: string[]): Promise<{ code: number; lines: Line[]; stderr: string }> {
    const { runCli: built } = (await import(pathToFileURL(join(ROOT, 'dist/cli/run.js')).href)) as typeof import('../../src/cli/run.js');
    let handler: ((s: InterruptSignal) => boolean) | null = null;
    const out: string[] = [];
    const err: string[] = [];
    let blocked = true;
    let fired = false;
    const drains: Array<() => void> = [];
    const stdout: OutStream = {
      write: (chunk) => {
        out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        if (blocked && !fired) {
          fired = true;
          // Once the first write has been refused: the shards are held back from here.
          setTimeout(() => {
            expect(handler!('SIGINT')).toBe(true);
            blocked = false;
            stdout.writableLength = 0;
            for (const d of drains.splice(0)) d();
          }, 200);
        }
        return !blocked;
      },
      get writableLength() { return blocked ? 1 : 0; },
      set writableLength(_) { /* the getter says */ },
      once: (event, listener) => { if (event === 'drain') drains.push(listener); },
    } as OutStream;
    const code = await built({
      argv: ['--threads', '2', '-f', 'ndjson', ...files], env: {}, stdinIsTTY: false,
      stdout,
      stderr: { write: (s) => (err.push(String(s)), true) },
      onInterrupt: (h) => { handler = h; return () => {}; },
    });
    return { code, lines: parse(out.join('')), stderr: err.join('') };
  }

  test('in process, SIGINT while one thread reads again after a cap: it stops only past the lines the shards wrote (helper-105 review)', async () => {
    // The e2e test's mix: 1,500 connections, then 5,000 SYNs (read first: files go in time order);
    // at --max-connections 1000 a shard reaches its half after 1,371 lines went out, and one thread
    // reads again from the start, skipping those. The signal comes as it begins (the --debug line).
    const dir = mkdtempSync(join(tmpdir(), 'tcpflow-interrupt-'));
    try {
      const gen = join(sharedPath('bench'), 'gen-capture');
      const flows = join(dir, 'flows.pcap');
      const flood = join(dir, 'flood.pcap');
      execFileSync(process.execPath, [gen, '--flows', '1500', '--rate', '100', '--segs', '2', '--seed', 'mix', '--out', flows], { stdio: 'ignore' });
      execFileSync(process.execPath, [gen, '--flood', '5000', '--seed', 'mix', '--start', '1700000100', '--out', flood], { stdio: 'ignore' });
      const { runCli: built } = (await import(pathToFileURL(join(ROOT, 'dist/cli/run.js')).href)) as typeof import('../../src/cli/run.js');
      let handler: ((s: InterruptSignal) => boolean) | null = null;
      const out: string[] = [];
      const err: string[] = [];
      const args = ['-f', 'ndjson', '--max-connections', '1000'];
      const code = await built({
        argv: [...args, '--threads', '2', '--debug', flows, flood], env: {}, stdinIsTTY: false,
        stdout: { write: (c) => (out.push(typeof c === 'string' ? c : Buffer.from(c).toString('utf8')), true) },
        stderr: { write: (line) => { err.push(String(line)); if (String(line).includes('finishing on one thread')) expect(handler!('SIGINT')).toBe(true); return true; } },
        onInterrupt: (h) => { handler = h; return () => {}; },
      });
      expect(err.join('')).toMatch(/cap at segment 20940 after 1371 lines; finishing on one thread/);
      expect(code).toBe(130);
      const lines = parse(out.join(''));
      const summary = lines.at(-1)!;
      expect(summary.type).toBe('summary');
      // Every line stands in the report the summary closes: past the 1,371 the shards wrote.
      expect(lines.length - 1).toBe((summary.summary as { connections: number }).connections);
      expect(lines.length - 1).toBeGreaterThan(1371);
      // And it is one thread's on what this one read: each input whole, cut where it stopped, or left out.
      const given: string[] = [];
      let text = JSON.stringify(lines.slice(0, -1));
      for (const input of summary.inputs!) {
        if (input.error?.code === 'INTERRUPTED') continue;
        const stop = input.issues.find((i) => i.code === 'INTERRUPTED');
        if (stop === undefined) { given.push(input.file); continue; }
        const cut = join(dir, `cut-${given.length}.pcap`);
        writeFileSync(cut, readFileSync(input.file).subarray(0, stop.byteOffset));
        text = text.replaceAll(JSON.stringify(input.file), JSON.stringify(cut));
        given.push(cut);
      }
      const ref = parse(execFileSync(process.execPath, [BIN, ...args, ...given], { encoding: 'utf8', maxBuffer: 1 << 28 }));
      expect(text).toBe(JSON.stringify(ref.slice(0, -1)));
      expect(summary.summary).toEqual(ref.at(-1)!.summary);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test('in process, SIGINT mid-file: every shard stops where the furthest had read; the run is one thread cut there', async () => {
    await withRefusals(100_000, async (file, capture, dir) => {
      const r = await interruptBlocked([file]);
      expect(r.code).toBe(130);
      const at = expectSingleRunCutThere(r.lines, file, capture, dir);
      // Stopped mid-file: what stdout held back kept the shards from reading on.
      expect(at).not.toBeNull();
      expect(at!).toBeLessThan(capture.length / 2);
      const input = r.lines.at(-1)!.inputs![0];
      expect(input.issues).toEqual([{ code: 'INTERRUPTED', byteOffset: at, detail: 'reading stopped: the run was interrupted (SIGINT)' }]);
      expect(r.stderr).toBe(`tcpflow-analyze: interrupted (SIGINT): reading stopped at byte ${at} of ${file}; the report covers the ${input.packets.toLocaleString('en-US')} packets read\n`);
    });
  }, 90_000);

  test('in process, SIGINT in the first of two files: the second is not read (INTERRUPTED as its error), as on one thread', async () => {
    await withRefusals(100_000, async (file, capture, dir) => {
      // Inputs are read in time order: this one's connection comes after the refusals.
      const later = join(dir, 'later.pcap');
      const s = new Scenario({ start: 1_800_000_000 });
      s.a.syn(); s.b.synAck(); s.a.ack();
      writeFileSync(later, s.pcap());
      const r = await interruptBlocked([later, file]);
      expect(r.code).toBe(130);
      const [first, second] = r.lines.at(-1)!.inputs!;
      expect(first.file).toBe(file);
      expect(second).toMatchObject({ file: later, packets: 0, error: { code: 'INTERRUPTED', byteOffset: 0, message: 'not read: the run was interrupted (SIGINT)' } });
      const at = expectSingleRunCutThere(r.lines, file, capture, dir);
      expect(at).not.toBeNull();
      expect(r.stderr).toBe(`tcpflow-analyze: interrupted (SIGINT): reading stopped at byte ${at} of ${file}; the report covers the ${first.packets.toLocaleString('en-US')} packets read (1 input not read)\n`);
    });
  }, 90_000);
});

describe('in process', () => {
  const head = firstRecords(40);

  /** runCli with `first` (the sample's head) on a stdin that then waits for `release`, and a handler the test fires. */
  async function run(argv: string[], fire: (handler: (s: InterruptSignal) => boolean) => void, first: Uint8Array = head): Promise<{ code: number; stdout: string; stderr: string; unsubscribed: boolean }> {
    let handler: ((s: InterruptSignal) => boolean) | null = null;
    let unsubscribed = false;
    const out: string[] = [];
    const err: string[] = [];
    let release: () => void = () => {};
    const quiet = new Promise<void>((r) => (release = r));
    const code = await runCli({
      argv: [...argv, '-'], env: {}, stdinIsTTY: false,
      stdout: { write: (s) => (out.push(String(s)), true) },
      stderr: { write: (s) => (err.push(String(s)), true) },
      stdin: async function* () {
        yield first;
        fire(handler!);
        await quiet; // a live pipe gone quiet: only the interruption ends this wait
        yield head;
      },
      onInterrupt: (h) => {
        handler = h;
        return () => { unsubscribed = true; };
      },
    });
    release();
    return { code, stdout: out.join(''), stderr: err.join(''), unsubscribed };
  }

  test('the handler takes the first signal while reading, not a second, nor one once reading is over (main.ts then ends the process); unsubscribed after the run', async () => {
    const answers: boolean[] = [];
    let later: ((s: InterruptSignal) => boolean) | null = null;
    const r = await run(['-f', 'json'], (h) => setImmediate(() => { later = h; answers.push(h('SIGINT'), h('SIGINT')); }));
    expect(answers).toEqual([true, false]);
    expect(later!('SIGTERM')).toBe(false);
    expect(r.code).toBe(130);
    expect(r.unsubscribed).toBe(true);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.connections.map((c) => c.ended)).toEqual(['closed', 'closed', 'closed', 'capture_end']);
    expect(report.inputs[0].issues.map((i) => i.code)).toEqual(['INTERRUPTED']);
  });

  test('a gate still says its verdict on what was read, and the interruption is the exit code', async () => {
    const r = await run(['-f', 'ndjson', '--fail-on', 'REFUSED'], (h) => setImmediate(() => h('SIGTERM')));
    expect(r.code).toBe(143);
    expect(r.stderr).toBe(`tcpflow-analyze: --fail-on tripped by 2 connections (REFUSED 2)\n${stoppedLine('SIGTERM', head.length)}\n`);
  });

  test('a record half read when it came is not reported cut (the input did not end there); a gzip stream alike', async () => {
    const more = firstRecords(41);
    const r = await run(['-f', 'json'], (h) => setImmediate(() => h('SIGINT')), more.subarray(0, head.length + 20));
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.inputs[0]).toMatchObject({ packets: 40, issues: [{ code: 'INTERRUPTED', byteOffset: head.length + 20 }] });
    expect(r.stderr).toMatch(/^tcpflow-analyze: interrupted \(SIGINT\): reading stopped at byte 3496 of stdin;/);
    const gz = await run(['-f', 'json'], (h) => setImmediate(() => h('SIGINT')), gzipSync(head));
    const gzReport = JSON.parse(gz.stdout) as RunReport;
    expect(gzReport.inputs[0]).toMatchObject({ gzip: true, packets: 40, error: null, issues: [{ code: 'INTERRUPTED', byteOffset: head.length }] });
    expect(gzReport.connections).toHaveLength(4);
  });

  test('within the file header: the input\'s INTERRUPTED error, exit 130, not TRUNCATED_FILE_HEADER and 2 (helper-78 review)', async () => {
    for (const first of [head.subarray(0, 10), head.subarray(0, 2)]) {
      const r = await run(['-f', 'json'], (h) => setImmediate(() => h('SIGINT')), first);
      expect(r.code).toBe(130);
      const report = JSON.parse(r.stdout) as RunReport;
      expect(report.inputs[0]).toMatchObject({ packets: 0, issues: [], error: { code: 'INTERRUPTED', byteOffset: first.length } });
      expect(r.stderr).toBe(`${stoppedLine('SIGINT', first.length, 0)}\n`);
    }
  });

  test('--ladder N not reached before the interruption: said, with the interruption, exit 130 (helper-78 review: exit 2, not a word of it)', async () => {
    const r = await run(['--ladder', '9'], (h) => setImmediate(() => h('SIGINT')));
    expect(r.code).toBe(130);
    expect(r.stderr).toBe(`tcpflow-analyze: --ladder 9: no such connection (the run has 4)\n${stoppedLine('SIGINT', head.length)}\n`);
  });

  test('a gzip input names a decompressed byte', async () => {
    const r = await run(['-f', 'ndjson'], (h) => setImmediate(() => h('SIGINT')), gzipSync(head));
    expect(r.stderr).toBe(`${stoppedLine('SIGINT', head.length, 40, 'decompressed byte')}\n`);
  });

  test('the stderr line names where reading stopped and what was not read', () => {
    const input = (file: string, packets: number, issues: RunReport['inputs'][number]['issues'], error: RunReport['inputs'][number]['error']): RunReport['inputs'][number] => ({
      file, format: 'pcap', gzip: false, byteOrder: 'little', precisionDigits: 6, linkTypes: [], packets, bytes: 0, firstPacket: null, lastPacket: null, issues, error,
    });
    const report = (inputs: RunReport['inputs']): RunReport => ({ inputs } as unknown as RunReport);
    const stopped = { code: 'INTERRUPTED', byteOffset: 1_234_567, detail: 'reading stopped: the run was interrupted (SIGINT)' };
    const notRead = { code: 'INTERRUPTED', byteOffset: 0, message: 'not read: the run was interrupted (SIGINT)' };
    expect(interruptedLine('SIGINT', report([input('a.pcap', 10, [], null), input('-', 1, [stopped], null), input('b.pcap', 0, [], notRead), input('c.pcap', 0, [], notRead)])))
      .toBe('interrupted (SIGINT): reading stopped at byte 1234567 of stdin; the report covers the 11 packets read (2 inputs not read)');
    expect(interruptedLine('SIGTERM', report([input('a.pcap', 0, [], notRead)])))
      .toBe('interrupted (SIGTERM) before any input was read; the report covers the 0 packets read (1 input not read)');
    // Before its first record (a gzip stream still inflating): an error, at the bytes read.
    expect(interruptedLine('SIGINT', report([input('-', 0, [], { ...notRead, byteOffset: 4962, message: 'reading stopped: the run was interrupted (SIGINT)' })])))
      .toBe('interrupted (SIGINT): reading stopped at byte 4962 of stdin; the report covers the 0 packets read');
    expect(interruptedLine('SIGINT', report([input('a.pcap', 5, [], null)])))
      .toBe('interrupted (SIGINT) after the last input was read; the report covers the 5 packets read');
  });
});
