/**
 * A reader that goes away (`| head`, EPIPE) while the capture is still being read. Without a gate
 * the run stops quietly, as `yes | head` does. With --fail-on or --expect the verdict is still
 * wanted: CI runs `tcpflow-analyze cap.pcap -f ndjson --fail-on HALF_OPEN | head -5`, and a gate
 * that passes because of a pipe is wrong. So the run stops writing but reads every input to the
 * end, and exits (and says on stderr) what a run whose stdout stayed open says: the gate's code,
 * the warnings and errors of the later inputs (docs/robustness.md, fixed 48).
 *
 * Deterministic, not timed: the reader is `true`, which never reads, so the run meets EPIPE once
 * the pipe's 64 KiB are full (through `head -c 3000000`, once 3 MB are out), and while stdout
 * pushes back it gets no further ahead than what stdout holds (4 MiB on the writer thread) or the
 * shards send unacknowledged: far from the end of the captures' NDJSON (3.3 and 13 MB, streamed
 * as they are read). Before the fix every gated run below exited 0 (10 runs of each, also beside
 * two busy loops).
 */
import { EventEmitter } from 'node:events';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, type OutStream } from '../../src/cli/run.js';
import { Scenario } from '../helpers/scenario.js';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
// `timeout`: a hang kills node itself (spawnSync's timeout would only kill the shell).
const node = `timeout 60 "${process.execPath}"`;

/** A stdout whose first write fails with `code`, as process.stdout reports it (asynchronously): EPIPE when its reader has gone. */
class FailingStdout extends EventEmitter implements OutStream {
  writes = 0;
  constructor(private readonly code: string, private readonly message: string) {
    super();
  }
  write(): boolean {
    if (this.writes++ === 0) setImmediate(() => this.emit('error', Object.assign(new Error(this.message), { code: this.code })));
    return true;
  }
}

/** `n` refused connections, 10 s apart: each is reported (and written) before the next is read. */
function refusals(n: number): Uint8Array {
  const s = new Scenario();
  for (let i = 0; i < n; i++) {
    s.a.reset(1000 + i * 7919);
    s.a.syn(); s.wait(1); s.b.rstAck(); s.wait(10_000);
  }
  return s.pcap();
}

describe('in process: stdout gone after the first write', () => {
  const bytes = refusals(200);
  const CHUNK = 512;
  const chunks = Math.ceil(bytes.length / CHUNK);

  async function run(argv: string[], stdout = new FailingStdout('EPIPE', 'write EPIPE')): Promise<{ code: number; pulled: number; writes: number; stderr: string }> {
    let pulled = 0;
    const stderr: string[] = [];
    const code = await runCli({
      argv: [...argv, '-'], env: {}, stdout, stderr: { write: (s) => (stderr.push(String(s)), true) }, stdinIsTTY: false,
      stdin: async function* () {
        for (let off = 0; off < bytes.length; off += CHUNK) {
          await new Promise((r) => setImmediate(r)); // like real I/O: each chunk on a later turn
          pulled++;
          yield bytes.subarray(off, off + CHUNK);
        }
      },
    });
    return { code, pulled, writes: stdout.writes, stderr: stderr.join('') };
  }

  test('no gate: reading stops, exit 0, nothing said', async () => {
    const r = await run(['-f', 'ndjson']);
    expect(r.pulled).toBeLessThan(chunks);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });

  test('--fail-on: every chunk read, nothing more written, the gate trips as it would: exit 1', async () => {
    const r = await run(['-f', 'ndjson', '--fail-on', 'REFUSED']);
    expect(r.pulled).toBe(chunks);
    expect(r.writes).toBe(1); // the run stopped rendering and writing
    expect(r).toMatchObject({ code: 1, stderr: 'tcpflow-analyze: --fail-on tripped by 200 connections (REFUSED 200)\n' });
  });

  test('a stdout that fails otherwise (a full disk) still stops the run at once, gate or not: exit 2, no verdict on part of the capture', async () => {
    const r = await run(['-f', 'ndjson', '--fail-on', 'REFUSED'], new FailingStdout('ENOSPC', 'ENOSPC: no space left on device, write'));
    expect(r.pulled).toBeLessThan(chunks);
    expect(r).toMatchObject({ code: 2, stderr: 'tcpflow-analyze: cannot write the report: no space left on device (ENOSPC)\n' });
  });

  test('--expect: every chunk read, the mismatch said: exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpflow-closed-'));
    const file = join(dir, 'expect.json');
    writeFileSync(file, JSON.stringify({ connections: [{ id: 200, handshake: 'complete' }] }));
    const r = await run(['-f', 'ndjson', '--expect', file]);
    expect(r.pulled).toBe(chunks);
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(`tcpflow-analyze: --expect ${file}: 1 expectation not met\n`)).toBe(true);
    expect(r.stderr).toMatch(/\+ handshake: "refused"\n$/);
  });
});

describe('the binary, its stdout a pipe whose reader went away', () => {
  let dir = '';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env, NO_COLOR: '1', CI: '', BIN, BIG: join(dir, 'big.pcap'), CAP: join(dir, 'flows.pcap'),
    CUT: join(dir, 'later-cut.pcap'), MISSING: join(dir, 'missing.pcap'), EXPECT: join(dir, 'expect.json'),
  });

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'tcpflow-closed-'));
    const gen = (out: string, ...args: string[]): void => {
      execFileSync(process.execPath, [join(sharedPath('bench'), 'gen-capture'), ...args, '--out', join(dir, out)], { stdio: 'ignore' });
    };
    // 10 connections a second, so a capture spans minutes and its connections leave while it is
    // read (past 2 MSL of TIME_WAIT); at the default 2,000 a second every line goes out after the
    // last packet. Warn anomalies all along. 1,000 connections: 11 MB, 3.3 MB of NDJSON.
    gen('flows.pcap', '--flows', '1000', '--rate', '10', '--seed', 'closed-stdout');
    // 4,000: 44 MB, 13 MB of NDJSON, more than the writer thread (stdout-pipe.ts) and two shards
    // (sharded.ts) may hold ahead of a reader that stopped.
    gen('big.pcap', '--flows', '4000', '--rate', '10', '--seed', 'closed-stdout-big');
    // A later input, a day on, cut inside its last record: a warning said after the run.
    gen('later.pcap', '--flows', '20', '--seed', 'later', '--start', '1700086400');
    const bytes = readFileSync(join(dir, 'later.pcap'));
    writeFileSync(join(dir, 'later-cut.pcap'), bytes.subarray(0, bytes.length - 10));
    // Connection 1 is a complete handshake in this capture: expecting a refusal must fail.
    writeFileSync(join(dir, 'expect.json'), JSON.stringify({ connections: [{ id: 1, handshake: 'refused' }] }));
  });

  /** bash: `pipeline`, exiting with the status of its command number `index` (0-based). */
  function bash(pipeline: string, index: number): { code: number | null; stderr: string } {
    const r = spawnSync('/bin/bash', ['-c', `${pipeline}; exit "\${PIPESTATUS[${index}]}"`], { encoding: 'utf8', timeout: 120_000, env: env() });
    return { code: r.status, stderr: r.stderr };
  }
  /** The run with its stdout open to the end (a file): what a closed pipe must not change. */
  const unpiped = (args: string): { code: number | null; stderr: string } => bash(`${node} "$BIN" ${args} > /dev/null`, 0);
  /** The run into `| reader` (`true`: a reader gone before the run writes 64 KiB). */
  const closed = (args: string, reader = 'true'): { code: number | null; stderr: string } => bash(`${node} "$BIN" ${args} | ${reader}`, 0);
  /** The capture on standard input, a pipe (read by the stdin thread). */
  const closedStdin = (args: string): { code: number | null; stderr: string } => bash(`cat "$CAP" | ${node} "$BIN" ${args} | true`, 1);
  const noDebug = (r: { code: number | null; stderr: string }): { code: number | null; stderr: string } =>
    ({ code: r.code, stderr: r.stderr.split('\n').filter((l) => !l.includes(': debug: ')).join('\n') });

  test('--fail-on: the whole capture and the later input are read; the same stderr and exit 1 as to a file', () => {
    const want = unpiped('-f ndjson --fail-on warn "$CAP" "$CUT"');
    expect(want.code).toBe(1);
    expect(want.stderr).toMatch(/^tcpflow-analyze: .*later-cut\.pcap: warning: .*\(TRUNCATED_RECORD at byte \d+\)\ntcpflow-analyze: --fail-on tripped by \d+ connections \(.*HALF_OPEN \d+.*\)\n$/);
    expect(closed('-f ndjson --fail-on warn "$CAP" "$CUT"')).toEqual(want);
    // Standard input, in this thread and on the reading worker.
    expect(closedStdin('-f ndjson --fail-on warn - "$CUT"')).toEqual(want);
    const worker = closedStdin('-f ndjson --fail-on warn --threads 2 --debug - "$CUT"');
    expect(worker.stderr).toMatch(/^tcpflow-analyze: debug: --threads 2 as a reading and tracking worker\n/);
    expect(worker.stderr).toMatch(/debug: stdout was closed \(EPIPE\); reading on for the --fail-on verdict\n/);
    expect(noDebug(worker)).toEqual(want);
    // The buffered formats write only after the last packet; they did so before the fix, and still do.
    for (const format of ['json', 'table', 'zeek', 'ndjson --sort rtt']) {
      expect(closed(`-f ${format} --fail-on warn "$CAP" "$CUT"`), format).toEqual(want);
    }
  });

  test('--fail-on: two shards, and the stdout writer thread', () => {
    const want = unpiped('-f ndjson --fail-on warn "$BIG" "$CUT"');
    expect(want.code).toBe(1);
    const shards = closed('-f ndjson --fail-on warn --threads 2 --debug "$BIG" "$CUT"');
    expect(shards.stderr).toMatch(/^tcpflow-analyze: debug: --threads 2 as 2 shards/);
    expect(noDebug(shards)).toEqual(want);
    // Through `head -c`: 3 MB go out, at most the first 2 MiB from this thread and the rest from
    // the stdout writer thread (src/cli/stdout-pipe.ts), which meets the EPIPE.
    expect(closed('-f ndjson --fail-on warn "$BIG" "$CUT"', 'head -c 3000000 > /dev/null')).toEqual(want);
  });

  test('--expect: the diff and exit 1, on 1 thread and on the reading worker', () => {
    const want = unpiped('-f ndjson --expect "$EXPECT" "$CAP"');
    expect(want.code).toBe(1);
    expect(want.stderr).toMatch(/1 expectation not met\n/);
    expect(closed('-f ndjson --expect "$EXPECT" "$CAP"')).toEqual(want);
    expect(closed('-f ndjson --expect "$EXPECT" --threads 2 "$CAP"')).toEqual(want);
  });

  test('a later input that cannot be read: its error line and exit 2, as to a file', () => {
    const want = unpiped('-f ndjson --fail-on warn "$CAP" "$MISSING"');
    expect(want.code).toBe(2);
    expect(want.stderr).toMatch(/missing\.pcap: no such file or directory\n.*--fail-on tripped/s);
    expect(closed('-f ndjson --fail-on warn "$CAP" "$MISSING"')).toEqual(want);
    expect(closed('-f ndjson --fail-on warn --threads 2 "$CAP" "$MISSING"')).toEqual(want);
  });

  test('no gate: the quiet stop stays (exit 0, nothing said, the later inputs not read)', () => {
    for (const args of ['-f ndjson "$CAP" "$CUT" "$MISSING"', '-f ndjson --threads 2 "$CAP" "$CUT"']) {
      expect(closed(args), args).toEqual({ code: 0, stderr: '' });
    }
    expect(closedStdin('-f ndjson - "$CUT"')).toEqual({ code: 0, stderr: '' });
  });
});
