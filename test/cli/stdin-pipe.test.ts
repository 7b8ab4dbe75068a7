/**
 * The stdin pipe reader (src/cli/stdin-pipe.ts, stdin-worker.ts), run from the build in a child
 * process whose fd 0 is what a user's would be: a shell pipe (`cat |`, read on the reader thread),
 * a socket (what Node's own child_process gives a child, read through process.stdin), /dev/null.
 * Every byte must arrive once, in order, whatever the writer's pace; a consumer that stops early
 * must not be held by a writer that keeps the pipe open.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODULE = pathToFileURL(join(ROOT, 'dist/cli/stdin-pipe.js')).href;

// Reads stdin through stdinPipeChunks (stopping after `STOP_AFTER` chunks when set) and prints what
// arrived: byte count, md5, chunk count, largest chunk, whether process.stdin was used instead.
const PROBE = `
import { createHash } from 'node:crypto';
const { stdinPipeChunks } = await import(${JSON.stringify(MODULE)});
let fallback = false;
const stop = Number(process.env.STOP_AFTER ?? 0);
const slowMs = Number(process.env.SLOW_MS ?? 0);
const h = createHash('md5');
let bytes = 0, chunks = 0, maxChunk = 0;
const source = stdinPipeChunks(() => { fallback = true; return process.stdin; });
// A consumer that starts late (with --threads 2, the analysis worker starts first).
if (process.env.FIRST_DELAY_MS) await new Promise((r) => setTimeout(r, Number(process.env.FIRST_DELAY_MS)));
if (process.env.TAKE_ONE_AND_LEAVE) {
  // A consumer that takes a chunk and walks away without closing the source.
  const first = await source[Symbol.asyncIterator]().next();
  console.log(JSON.stringify({ bytes: first.value.length, md5: '', chunks: 1, maxChunk: first.value.length, fallback }));
  process.exitCode = 0;
} else for await (const c of source) {
  h.update(c); bytes += c.length; chunks++; maxChunk = Math.max(maxChunk, c.length);
  if (slowMs > 0) { const until = Date.now() + slowMs; while (Date.now() < until); } // busy, like the analysis
  if (stop > 0 && chunks >= stop) break;
}
if (!process.env.TAKE_ONE_AND_LEAVE) console.log(JSON.stringify({ bytes, md5: h.digest('hex'), chunks, maxChunk, fallback }));
`;

interface Probe { bytes: number; md5: string; chunks: number; maxChunk: number; fallback: boolean }

let dir = '';
let probe = '';
let big = '';
let bigMd5 = '';
const BIG_BYTES = 9 * (1 << 20) + 12345; // whole 1 MiB chunks and a partial one

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/stdin-pipe.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'tcpflow-stdin-'));
  probe = join(dir, 'probe.mjs');
  writeFileSync(probe, PROBE);
  big = join(dir, 'big.bin');
  // Not constant bytes: a lost, repeated or reordered piece changes the digest.
  const data = Buffer.alloc(BIG_BYTES);
  for (let i = 0; i + 4 <= data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  writeFileSync(big, data);
  bigMd5 = createHash('md5').update(data).digest('hex');
});

function sh(cmd: string, timeoutMs = 60_000): { probe: Probe | null; ms: number; stderr: string } {
  const t0 = Date.now();
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, PROBE: probe, BIG: big } });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { probe: line.startsWith('{') ? (JSON.parse(line) as Probe) : null, ms: Date.now() - t0, stderr: r.stderr };
}

// `timeout`: a hang kills node itself (spawnSync's timeout would only kill the shell).
const node = `timeout 60 "${process.execPath}"`;

describe('stdin through a shell pipe: the reader thread', () => {
  test('a fast writer: every byte, in whole MiB chunks', () => {
    const r = sh(`cat "$BIG" | ${node} "$PROBE"`);
    expect(r.stderr).toBe('');
    expect(r.probe).toMatchObject({ bytes: BIG_BYTES, md5: bigMd5, fallback: false, maxChunk: 1 << 20 });
    expect(r.probe!.chunks).toBeLessThan(40); // not one per 64 KiB pipe read
  });

  test('a slow consumer: the reader stops 4 chunks ahead and resumes, every byte', () => {
    const r = sh(`cat "$BIG" | SLOW_MS=40 ${node} "$PROBE"`);
    expect(r.stderr).toBe('');
    expect(r.probe).toMatchObject({ bytes: BIG_BYTES, md5: bigMd5, fallback: false, maxChunk: 1 << 20 });
  });

  test('a slow writer in odd pieces with pauses: every byte, handed over while the pipe is quiet', () => {
    // dd with bs=1000 makes short reads; the pauses make the reader send partly filled chunks
    // (copies) while it goes on filling the same one.
    const cmd = `(dd if="$BIG" bs=1000 count=3 status=none; sleep 0.2; dd if="$BIG" bs=1000 skip=3 count=2000 status=none; sleep 0.2;`
      + ` tail -c +2003001 "$BIG") | ${node} "$PROBE"`;
    const r = sh(cmd);
    expect(r.stderr).toBe('');
    expect(r.probe).toMatchObject({ bytes: BIG_BYTES, md5: bigMd5, fallback: false });
    expect(r.probe!.chunks).toBeGreaterThan(2);
  });

  test('a consumer that asks for the first chunk late: a small input is not lost (was a hang or "the input is empty" with --threads 2)', () => {
    // The reader thread reads, sends and ends before anyone asks; its messages used to be emitted
    // before the CLI listened, and dropped.
    const r = sh(`head -c 30000 "$BIG" | FIRST_DELAY_MS=400 ${node} "$PROBE"`, 20_000);
    expect(r.stderr).toBe('');
    expect(r.probe).toMatchObject({ bytes: 30000, chunks: 1, fallback: false });
  });

  test('an empty pipe is an empty input', () => {
    const r = sh(`true | ${node} "$PROBE"`);
    expect(r.probe).toMatchObject({ bytes: 0, chunks: 0, fallback: false });
  });

  test('a consumer that stops early is not held by a writer that keeps the pipe open', () => {
    // The shell waits for the writer (6 s); the probe's process must be gone long before.
    const cmd = `start=$(date +%s%N); (cat "$BIG"; sleep 6) | (STOP_AFTER=1 ${node} "$PROBE"; echo "exited after $(( ($(date +%s%N) - start) / 1000000 )) ms")`;
    const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PROBE: probe, BIG: big } });
    const [line, exited] = r.stdout.trim().split('\n');
    expect(JSON.parse(line)).toMatchObject({ chunks: 1, fallback: false });
    const ms = Number(/exited after (\d+) ms/.exec(exited)?.[1]);
    expect(ms).toBeLessThan(4_000);
  });

  test('a consumer that takes a chunk and walks away without closing: the process still exits', () => {
    const cmd = `start=$(date +%s%N); (cat "$BIG"; sleep 6) | (TAKE_ONE_AND_LEAVE=1 ${node} "$PROBE"; echo "exited after $(( ($(date +%s%N) - start) / 1000000 )) ms")`;
    const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PROBE: probe, BIG: big } });
    const [line, exited] = r.stdout.trim().split('\n');
    expect(JSON.parse(line)).toMatchObject({ chunks: 1, fallback: false });
    expect(Number(/exited after (\d+) ms/.exec(exited)?.[1])).toBeLessThan(4_000);
  });
});

describe('stdin the reader thread cannot open: process.stdin', () => {
  test('a named FIFO whose writer is already done (no hang-up would ever come to a non-blocking reopen)', () => {
    const fifo = join(dir, 'fifo');
    const r = sh(`rm -f "${fifo}"; mkfifo "${fifo}"; (cat "$BIG" > "${fifo}" &); ${node} "$PROBE" < "${fifo}"`);
    expect(r.probe).toMatchObject({ bytes: BIG_BYTES, md5: bigMd5, fallback: true });
  });

  test("a socket (Node's child_process stdio): every byte", () => {
    const data = Buffer.alloc(3 << 20, 7);
    const r = spawnSync(process.execPath, [probe], { input: data, encoding: 'utf8' });
    const p = JSON.parse(r.stdout.trim()) as Probe;
    expect(p).toMatchObject({ bytes: data.length, md5: createHash('md5').update(data).digest('hex'), fallback: true });
  });

  test('/dev/null', () => {
    const r = sh(`${node} "$PROBE" < /dev/null`);
    expect(r.probe).toMatchObject({ bytes: 0, fallback: true });
  });
});
