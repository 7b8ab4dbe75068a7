/** Every capture the thread tests replay: the repository's fixtures and the shared corpora. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

function captures(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng|cap|gz)$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export function allCaptureFiles(): string[] {
  return [
    ...captures(path.join(REPO_ROOT, 'fixtures/sample')),
    ...captures(path.join(REPO_ROOT, 'fixtures/real')),
    ...captures(path.join(REPO_ROOT, 'fixtures/generated')),
    ...captures(sharedPath('corpus/zeek/traces')),
    ...captures(sharedPath('corpus/tcpdump')),
  ];
}

/** A gen-capture mix of every connection shape (600 flows, ~1 MB), made once per test file. */
export function generatedMix(): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'tcpflow-threads-')), 'mix.pcap');
  execFileSync(process.execPath, [path.join(sharedPath('bench'), 'gen-capture'), '--flows', '600', '--seed', 'threads', '--out', out], { stdio: 'ignore' });
  return out;
}

/**
 * The same shapes at 0.2 new connections a second (300 flows over ~23 minutes), so the timers fire
 * mid-capture: closed connections after their quiet time, unanswered SYNs and idle ones after
 * their timeouts, several at one segment after a long gap.
 */
export function generatedSlow(): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'tcpflow-threads-')), 'slow.pcap');
  execFileSync(process.execPath, [path.join(sharedPath('bench'), 'gen-capture'), '--flows', '300', '--rate', '0.2', '--seed', 'shards', '--out', out], { stdio: 'ignore' });
  return out;
}
