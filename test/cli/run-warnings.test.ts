/**
 * Warnings about the run as a whole (src/cli/run-warnings.ts): what the stats already count but a
 * `| jq` user or a CI log would otherwise not learn (helper-64 audit, 2026-12-06: the same capture
 * given twice read 13 connections instead of 7, with made-up retransmissions, exit 0, nothing on
 * stderr; evictions at a small --max-connections read as SYNs never answered).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { rotatedCapture, rotatedScenario } from '../helpers/rotated.js';
import { writePcap } from '../helpers/pcap-writer.js';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const POP3 = 'fixtures/sample/pop3.pcap';
const tmp = mkdtempSync(join(tmpdir(), 'tcpflow-warn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', COLUMNS: '100' };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

describe('warnings about the run', () => {
  test('one capture, in order, nothing evicted: no warning', () => {
    const r = cli(['-f', 'json', POP3]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  test('the same capture twice: said once, with the records it stamps backwards; the table says so too; exit 0', () => {
    const r = cli([POP3, `./${POP3}`]);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([
      `tcpflow-analyze: ./${POP3}: warning: given more than once: its packets are read again, as copies and retransmissions of the first reading's`,
      'tcpflow-analyze: warning: 1 record stamped earlier than the record read before it (stats.timestampsBackwards): a span a TCP one ends is null, and its connection may read as reordered or reused',
    ]);
    expect(r.stdout).toMatch(/^time span .*\(2m31s\), 1 record stamped\s+backwards$/m);
  });

  test('overlapping inputs: the one that begins before the one read before it ended is named (files are read oldest first, so order alone is no overlap)', () => {
    const { whole, parts } = rotatedCapture();
    const names = ['a.pcap', 'b.pcap', 'c.pcap', 'whole.pcap'].map((n, i) => { const f = join(tmp, n); writeFileSync(f, i < 3 ? parts[i] : whole); return f; });
    expect(cli(['-f', 'json', names[2], names[0], names[1]]).stderr).toBe(''); // newest first: read oldest first
    const r = cli(['-f', 'json', names[3], names[1]]);
    expect(r.code).toBe(0);
    const warned = lines(r.stderr);
    expect(warned[0]).toMatch(new RegExp(`^tcpflow-analyze: ${names[1]}: warning: its first packet \\(\\S+Z\\) is earlier than the last of ${names[3]} \\(\\S+Z\\): the inputs overlap; merge overlapping captures with mergecap$`));
    expect(warned[1]).toMatch(/^tcpflow-analyze: warning: 1 record stamped earlier than the record read before it/);
    expect(warned).toHaveLength(2);
  });

  test('stdin before an older file: the advice is to give stdin last', () => {
    const { parts } = rotatedCapture();
    const a = join(tmp, 'a-only.pcap');
    writeFileSync(a, parts[0]);
    const r = spawnSync(process.execPath, [BIN, '-f', 'json', '-', a], { cwd: ROOT, input: Buffer.from(parts[2]), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(lines(r.stderr)[0]).toMatch(new RegExp(`^tcpflow-analyze: ${a}: warning: its first packet \\(\\S+Z\\) is earlier than the last of stdin \\(\\S+Z\\): the inputs overlap or stdin was given before an older input \\(give it last\\); merge overlapping captures with mergecap$`));
  });

  test('helper-66 review: an input inside an earlier one (not only the one just before), a symbolic link to an input, no warning for inputs that read nothing or jitter at a boundary', () => {
    // The whole capture (0 to 1,050.8 ms), then two pieces inside it, one after the other (1,000.1 to 1,000.2 and 1,000.3 to 1,000.4 ms).
    const all = [...rotatedScenario().frames];
    const [w, b, c] = [['w.pcap', all], ['b2.pcap', all.slice(1, 3)], ['c2.pcap', all.slice(3, 5)]].map(([n, frames]) => { const f = join(tmp, n as string); writeFileSync(f, writePcap(frames as typeof all)); return f; });
    const overlaps = lines(cli(['-f', 'json', w, b, c]).stderr).filter((l) => l.includes('the inputs overlap'));
    expect(overlaps.map((l) => l.slice(0, l.indexOf(': warning'))).map((l) => l.replace('tcpflow-analyze: ', ''))).toEqual([b, c]);
    expect(overlaps[1]).toContain(`is earlier than the last of ${w} `); // c2 ends after b2: the latest end is w's

    const link = join(tmp, 'pop3-link.pcap');
    symlinkSync(join(ROOT, POP3), link);
    expect(lines(cli(['-f', 'json', POP3, link]).stderr)[0]).toBe(`tcpflow-analyze: ${link}: warning: given more than once: its packets are read again, as copies and retransmissions of the first reading's`);

    const missing = join(tmp, 'nope.pcap');
    expect(cli(['-f', 'json', missing, missing]).stderr).not.toContain('given more than once');

    // A record 5 ms before the previous file's last, at the boundary: counted, not called an overlap.
    const frames = all;
    const cut = 6;
    const last = frames[cut - 1];
    const t = last.tsSec * 1e9 + last.tsNanos - 5e6;
    const moved = { ...frames[cut], tsSec: Math.floor(t / 1e9), tsNanos: t % 1e9 };
    const [j0, j1] = ['j0.pcap', 'j1.pcap'].map((n) => join(tmp, n));
    writeFileSync(j0, writePcap(frames.slice(0, cut)));
    writeFileSync(j1, writePcap([moved, ...frames.slice(cut + 1)]));
    const jitter = lines(cli(['-f', 'json', j0, j1]).stderr);
    expect(jitter).toHaveLength(1);
    expect(jitter[0]).toMatch(/^tcpflow-analyze: warning: 1 record stamped earlier/);
  });

  test('evictions at --max-connections: counted, with what they do to the records', () => {
    const r = cli(['-f', 'json', '--max-connections', '2', sharedPath('corpus', 'zeek', 'traces', 'wikipedia.pcap')]);
    expect(r.code).toBe(0);
    const evicted = (JSON.parse(r.stdout) as { stats: { connectionsEvicted: number } }).stats.connectionsEvicted;
    expect(evicted).toBeGreaterThan(1);
    expect(lines(r.stderr)).toEqual([
      `tcpflow-analyze: warning: ${evicted} connections evicted at --max-connections 2: their records ended early (ended: evicted), and a packet of one after that starts a new connection; raise --max-connections to follow more at once`,
    ]);
  });
});
