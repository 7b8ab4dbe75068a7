/**
 * Ladders honour --width (README, "What it prints"): the audit found header lines of 89 columns
 * and anomaly lines of 119 at --width 80. Every line must fit, counted in code points with colour
 * stripped, except that a diagram row cannot get narrower than its fixed columns (frame, time, two
 * states, the mark) plus a 6-column arrow: at widths below that, rows (and only rows) stay at it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const TRACES = sharedPath('corpus', 'zeek', 'traces');
// Long anomaly messages and huge relative acks (ssh half-duplex), IPv6 endpoints, many connections.
const CAPTURES = ['ssh.client-side-half-duplex.pcap', 'ssh.server-side-half-duplex.pcap', 'ipv6.pcap', 'wikipedia.pcap', 'pop3.pcap', 'http-post-large.pcap']
  .map((f) => join(TRACES, f));

function ladder(width: number, extra: string[] = []): string {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.COLUMNS;
  const r = spawnSync(process.execPath, [BIN, '--no-color', '--ladder', '--all', '--width', String(width), ...extra, ...CAPTURES], {
    cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

// eslint-disable-next-line no-control-regex
const columns = (line: string): number => [...line.replace(/\x1b\[[0-9;]*m/g, '')].length;
/** A diagram row: frame number, then the time column. */
const ROW = /^ *\d+ {2} *\d+\.\d+ {2}/;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/bundle/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
});

describe('--ladder lines fit --width', () => {
  test.each([100, 80, 60])('at %i columns no line is wider', (width) => {
    const text = ladder(width);
    expect(text).toMatch(/CAPTURE_LOSS: /); // the long messages are there to be wrapped
    const over = text.split('\n').filter((l) => columns(l) > width);
    expect(over).toEqual([]);
  });

  test('below a diagram row minimum (40 columns) text lines still fit, rows stay at the minimum', () => {
    const text = ladder(40);
    const lines = text.split('\n');
    const rows = lines.filter((l) => ROW.test(l));
    expect(rows.length).toBeGreaterThan(100);
    for (const l of rows) {
      // frame (5+) + 2 + time (8+) + 2 + state 12 + 2 + arrow 6 + 2 + state 12 + mark 2: 53 with the narrowest columns
      const [, frame, time] = /^( *\d+) {2}( *\d+\.\d+) {2}/.exec(l)!;
      expect(columns(l), l).toBeLessThanOrEqual(frame.length + 2 + time.length + 2 + 12 + 2 + 6 + 2 + 12 + 2);
    }
    // The headings sit over the rows' columns, and a label's continuation (indented to the label,
    // column 33 or more) runs to the row's edge: both are as wide as the rows, no wider.
    const widest = Math.max(...rows.map(columns));
    const diagram = lines.filter((l) => /^ *frame +time/.test(l) || /^ {33,}\S/.test(l));
    expect(diagram.length).toBeGreaterThan(100);
    for (const l of diagram) expect(columns(l), l).toBeLessThanOrEqual(widest);
    // Everything else is text and fits 40.
    const over = lines.filter((l) => !ROW.test(l) && !diagram.includes(l) && columns(l) > 40);
    expect(over).toEqual([]);
  });

  test.each([80, 60, 40])('at %i columns the arcs under a row, the numbers line and the one-line legend fit too', (width) => {
    const lines = ladder(width).split('\n');
    // Before, none of these lines existed: the state column alone hid a packet's middle state.
    const arcs = lines.filter((l) => /^ *(client|server): [A-Z_0-9]+ /.test(l));
    expect(arcs.length).toBeGreaterThan(30);
    const legends = lines.filter((l) => l.includes('docs/state-model.md'));
    // One per diagram, each on one line.
    expect(legends.length).toBe(lines.filter((l) => /^ *frame +time/.test(l)).length);
    expect(lines.filter((l) => l.startsWith('seq= counts from')).length).toBe(legends.length);
    for (const l of [...arcs, ...legends]) expect(columns(l), l).toBeLessThanOrEqual(width);
  });

  test('a label that does not fit its arrow goes on under it, whole', () => {
    const text = ladder(60);
    // "PSH,ACK seq=22 ack=22 len=1272" (ssh.client-side): the arrow keeps what fits, the rest follows below.
    const lines = text.split('\n');
    const at = lines.findIndex((l, i) => ROW.test(l) && /ESTABLISHED +─ PSH,ACK ─/.test(l) && !/len=/.test(l) && / seq=22 /.test(lines[i + 1]));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ +seq=22 ack=22 len=1272$/);
  });
});

/** Records `from`-`to` (1-based, inclusive) of a little-endian classic pcap, as a pcap of their own (editcap -r). */
function pcapRecords(bytes: Buffer, from: number, to: number): Buffer {
  const parts = [bytes.subarray(0, 24)];
  for (let off = 24, n = 1; off + 16 <= bytes.length; n++) {
    const end = off + 16 + bytes.readUInt32LE(off + 8);
    if (n >= from && n <= to) parts.push(bytes.subarray(off, end));
    off = end;
  }
  return Buffer.concat(parts);
}

test('an ICMP error from an input between two of the connection\'s inputs is drawn between their rows (the CLI passes the inputs\' order)', () => {
  // fixtures/real/icmp-reject.pcap: connection 4's SYN (frame 11), its ICMPv6 error (12), its SYN again (15).
  const whole = readFileSync(join(ROOT, 'fixtures/real/icmp-reject.pcap'));
  const dir = mkdtempSync(join(tmpdir(), 'tfa-icmp-'));
  const names = ['ra.pcap', 'rb.pcap', 'rc.pcap'];
  writeFileSync(join(dir, names[0]), pcapRecords(whole, 1, 11));
  writeFileSync(join(dir, names[1]), pcapRecords(whole, 12, 12));
  writeFileSync(join(dir, names[2]), pcapRecords(whole, 13, 99));
  const r = spawnSync(process.execPath, [BIN, '--no-color', '--ladder', '4', '--width', '120', ...names], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  expect(r.status, r.stderr).toBe(0);
  const seen = r.stdout.split('\n').filter((l) => /frames from|ICMPv6 port unreachable ─|─ SYN seq=0/.test(l)).map((l) => (/frames from (\S+)/.exec(l)?.[1] ?? (/ICMP/.test(l) ? 'ICMP' : 'SYN')));
  expect(seen).toEqual(['ra.pcap', 'SYN', 'rb.pcap', 'ICMP', 'rc.pcap', 'SYN']);
});
