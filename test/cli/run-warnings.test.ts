/**
 * Warnings about the run as a whole (src/cli/run-warnings.ts): what the stats already count but a
 * `| jq` user or a CI log would otherwise not learn (helper-64 audit, 2026-12-06: the same capture
 * given twice read 13 connections instead of 7, with made-up retransmissions, exit 0, nothing on
 * stderr; evictions at a small --max-connections read as SYNs never answered).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { rotatedCapture } from '../helpers/rotated.js';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const POP3 = 'fixtures/sample/pop3.pcap';
const tmp = mkdtempSync(join(tmpdir(), 'tcpflow-warn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', COLUMNS: '100' };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8' });
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
      'tcpflow-analyze: warning: 1 record stamped earlier than the record read before it: the spans it ends are null, and its connection may read as reordered or reused (stats.timestampsBackwards, TIMESTAMP_BACKWARDS)',
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
    const r = spawnSync(process.execPath, [BIN, '-f', 'json', '-', a], { cwd: ROOT, input: Buffer.from(parts[2]), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(lines(r.stderr)[0]).toMatch(new RegExp(`^tcpflow-analyze: ${a}: warning: its first packet \\(\\S+Z\\) is earlier than the last of stdin \\(\\S+Z\\): the inputs overlap or stdin was given before an older input \\(give it last\\); merge overlapping captures with mergecap$`));
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
