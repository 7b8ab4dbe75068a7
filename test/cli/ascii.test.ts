/**
 * `--ascii` is for terminals and logs that are not UTF-8: every byte the tool writes, on stdout and
 * on stderr, must then be below 0x80. The audit found `µs` (table, ladder header), `×` (repeated
 * anomalies) and `→` (--expect diffs) leaking through, so this walks real captures in every text
 * output and fails on the first non-ASCII byte, naming where it was.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const TRACES = sharedPath('corpus', 'zeek', 'traces');
// Sub-millisecond RTTs (µs), repeated anomalies (×), IPv6, a reset, a refused SYN: the texts that held non-ASCII.
const CAPTURES = ['ipv6.pcap', 'retransmit-fast009.pcap', 'syn-then-rst.pcap', 'pop3.pcap', 'one-sided-2745.pcap', 'cwd-navigation.pcap']
  .map((f) => join(TRACES, f));

function cliBytes(args: string[]): { code: number | null; stdout: Buffer; stderr: Buffer } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', COLUMNS: '80' };
  delete env.FORCE_COLOR;
  delete env.CI;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The first non-ASCII byte with the line it sits in, or null: a readable failure, not a byte offset. */
function firstNonAscii(buf: Buffer): string | null {
  const i = buf.findIndex((b) => b >= 0x80);
  if (i < 0) return null;
  const start = buf.lastIndexOf(0x0a, i) + 1;
  const end = buf.indexOf(0x0a, i);
  return buf.subarray(start, end < 0 ? buf.length : end).toString('utf8');
}

let tmp = '';
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/bundle/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = mkdtempSync(join(tmpdir(), 'tfa-ascii-'));
});

describe('--ascii writes only ASCII bytes', () => {
  test('the captures cover what used to leak (a guard: otherwise this test proves nothing)', () => {
    for (const f of CAPTURES) expect(existsSync(f), f).toBe(true);
    const unicode = Buffer.concat(CAPTURES.map((f) => cliBytes([f]).stdout)).toString('utf8');
    expect(unicode).toContain('µs');
    expect(unicode).toContain('×');
  });

  test.each([
    ['table', []],
    ['table at 60 columns', ['--width', '60']],
    ['ladder', ['--ladder', '--all']],
  ])('%s', (_name, extra) => {
    for (const f of CAPTURES) {
      const r = cliBytes(['--ascii', ...extra, f]);
      expect(r.code, f).toBe(0);
      expect(firstNonAscii(r.stdout), `${f} stdout`).toBeNull();
      expect(firstNonAscii(r.stderr), `${f} stderr`).toBeNull();
    }
  });

  test('the ladder\'s arcs under a row are spelled with ->', () => {
    // Before, the arcs (`rcv FIN / snd ACK`) were not drawn at all; now they are, in ASCII.
    const text = cliBytes(['--ascii', '--ladder', '4', 'fixtures/sample/pop3.pcap']).stdout.toString('utf8');
    expect(text).toMatch(/^ +client: ESTABLISHED -> CLOSE_WAIT \(rcv FIN \/ snd ACK\)$/m);
    expect(text).toMatch(/^seq= counts from the sender's ISN, ack= from the receiver's:\s+client ISN \d+;\s+server ISN \d+$/m);
  });

  test('--expect diffs and the summary line on stderr', () => {
    const file = join(tmp, 'expect.json');
    // Two outcomes for connection 1, so one is wrong whatever it is (a diff naming the connection
    // by its endpoints), and a tuple written with the Unicode arrow that matches nothing (echoed back).
    writeFileSync(file, JSON.stringify({
      connections: [
        { id: 1, handshake: 'refused' },
        { id: 1, handshake: 'complete' },
        { tuple: '10.9.9.9:1 → 10.9.9.8:2', handshake: 'complete' },
      ],
    }));
    for (const f of CAPTURES) {
      const r = cliBytes(['--ascii', '--expect', file, f]);
      expect(r.code, f).toBe(1);
      expect(r.stderr.toString('utf8'), f).toMatch(/^ {2}connection 1 \(.* -> .*\):$/m);
      expect(firstNonAscii(r.stdout), `${f} stdout`).toBeNull();
      expect(firstNonAscii(r.stderr), `${f} stderr`).toBeNull();
    }
  });

  test('usage errors and --help', () => {
    for (const args of [['--ascii', '--msl', '-1', CAPTURES[0]], ['--ascii', '--width', '10', CAPTURES[0]], ['--ascii', '--help']]) {
      const r = cliBytes(args);
      expect(firstNonAscii(r.stdout), args.join(' ')).toBeNull();
      expect(firstNonAscii(r.stderr), args.join(' ')).toBeNull();
    }
  });

  test('the Unicode spellings stay without --ascii', () => {
    const r = cliBytes([CAPTURES[0]]);
    expect(r.stdout.toString('utf8')).toContain('→');
  });
});
