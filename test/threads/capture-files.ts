/** Every capture the thread tests replay: the repository's fixtures and the shared corpora. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Scenario, Side } from '../helpers/scenario.js';
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

/**
 * A 4-tuple reused after its first connection was retired, with segments of another connection in
 * between (more than a tracking batch: the core drains), while the first is only a tombstone and
 * while the second is still an embryo naming it: what Tracker.referableFloor must count.
 */
export function generatedReuseAcrossBatches(): string {
  const s = new Scenario();
  const c = new Side(s, '10.0.0.3', 50000, 1);
  const d = new Side(s, '10.0.0.4', 8080, 2);
  c.peer = d;
  d.peer = c;
  const filler = (n: number): void => {
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) c.data(10);
      else d.ack();
    }
  };
  s.a.syn(); s.b.synAck(); s.a.ack(); s.a.fin(); s.b.fin(); s.a.ack();
  s.wait(10_000); // past the closed connection's quiet time: retired on the next segment, a tombstone
  c.syn(); d.synAck(); c.ack();
  filler(300);
  s.a.reset(900_000); s.b.reset(700_000);
  s.a.syn(); // an embryo, naming the first connection
  filler(300);
  s.b.synAck(); s.a.ack(); s.a.fin(); s.b.fin(); s.a.ack();
  c.fin(); d.fin(); c.ack();
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'tcpflow-threads-')), 'reuse-across-batches.pcap');
  writeFileSync(out, s.pcap());
  return out;
}
