/**
 * Output backpressure: while stdout refuses more (write() returned false), the capture is not
 * read further, so a slow consumer (`| jq`, `| wc`) bounds memory instead of letting NDJSON
 * queue up. Found by the benchmark: a 2M-SYN flood piped to wc ran out of memory at 4.5 GiB.
 * The same holds for the connections reported together when the capture ends.
 */
import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { runCli, type OutStream } from '../../src/cli/run.js';
import { Scenario } from '../helpers/scenario.js';
import { ethernetIPv4Tcp } from '../helpers/packet-builder.js';
import { writePcap } from '../helpers/pcap-writer.js';
import { TCP_SYN } from '../../src/decode/fields.js';

/** A capture of `n` refused connections, each retired as soon as the next one starts. */
function manyConnections(n: number): Uint8Array {
  const s = new Scenario();
  for (let i = 0; i < n; i++) {
    s.a.reset(1000 + i * 7919); // a new ISN after a refusal: a new connection on the tuple
    s.a.syn(); s.wait(1); s.b.rstAck(); s.wait(10_000); // 10 s apart: each is reported before the next
  }
  return s.pcap();
}

class SlowStdout extends EventEmitter implements OutStream {
  writes = 0;
  write(): boolean {
    this.writes++;
    return false; // always "full": the caller must wait for 'drain'
  }
}

test('reading waits for stdout to drain before pulling the next chunk', async () => {
  const bytes = manyConnections(200);
  const chunk = 512;
  let pulled = 0;
  async function* stdin(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < bytes.length; off += chunk) {
      await new Promise((r) => setImmediate(r)); // like real I/O: each chunk arrives on a later turn
      pulled++;
      yield bytes.subarray(off, off + chunk);
    }
  }
  const stdout = new SlowStdout();
  const stderr: OutStream = { write: () => true };
  const run = runCli({ argv: ['-f', 'ndjson', '-'], env: {}, stdout, stderr, stdinIsTTY: false, stdin: stdin });

  // Let the run go until it stalls on the full stdout.
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const stalledAt = pulled;
  expect(stdout.writes).toBeGreaterThan(0);
  expect(stalledAt).toBeLessThan(Math.ceil(bytes.length / chunk)); // not read to the end
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(pulled).toBe(stalledAt); // still waiting: nothing more was read

  // Keep draining until the run finishes; it must then have read everything.
  let done = false;
  void run.then(() => { done = true; });
  for (let i = 0; i < 10_000 && !done; i++) {
    stdout.emit('drain');
    await new Promise((r) => setImmediate(r));
  }
  expect(done).toBe(true);
  expect(await run).toBe(0);
  expect(pulled).toBe(Math.ceil(bytes.length / chunk));
});

test('the connections still open at the end are reported as stdout drains, not all at once', async () => {
  // 3,000 unanswered SYNs: all of them still tracked when the capture ends (~4 MB of NDJSON).
  const packets = Array.from({ length: 3000 }, (_, i) => ({
    tsSec: 1_700_000_000, tsNanos: i * 1000,
    data: ethernetIPv4Tcp({ src: `10.1.${i >> 8}.${i & 255}`, dst: '10.0.0.2', sport: 40000 + (i % 1000), dport: 80, seq: i, flags: TCP_SYN }),
  }));
  const bytes = writePcap(packets);
  const stdout = new SlowStdout();
  const lines: number[] = [];
  stdout.write = (chunk?: string | Uint8Array): boolean => {
    stdout.writes++;
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk ?? []).toString('utf8');
    lines.push(text.split('\n').filter((l) => l.startsWith('{"type":"connection"')).length);
    return false;
  };
  const stderr: OutStream = { write: () => true };
  const run = runCli({
    argv: ['-f', 'ndjson', '-'], env: {}, stdout, stderr, stdinIsTTY: false,
    stdin: async function* () { yield bytes; },
  });
  let done = false;
  void run.then(() => { done = true; });
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const before = lines.reduce((a, b) => a + b, 0);
  expect(done).toBe(false);
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(1500); // a batch or two, then it waits for 'drain'
  for (let i = 0; i < 10_000 && !done; i++) {
    stdout.emit('drain');
    await new Promise((r) => setImmediate(r));
  }
  expect(await run).toBe(0);
  expect(lines.reduce((a, b) => a + b, 0)).toBe(3000);
});

class FailingStdout extends EventEmitter implements OutStream {
  write(): boolean {
    // A disk that fills up under `> report.ndjson`: the stream reports it asynchronously.
    setImmediate(() => this.emit('error', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })));
    return true;
  }
}

// Failures after the run returned (the json/table/zeek reports are written at the end) are main.ts's
// to turn into exit 2: the e2e test with > /dev/full covers those.
test('stdout failing mid-run (not EPIPE): said once, the run stops reading, exit 2 (a cut report must not pass CI)', async () => {
  const bytes = manyConnections(200);
  const stderr: string[] = [];
  let pulled = 0;
  const chunks = Math.ceil(bytes.length / 512);
  const code = await runCli({
    argv: ['-f', 'ndjson', '-'], env: {}, stdout: new FailingStdout(), stderr: { write: (s) => (stderr.push(String(s)), true) },
    stdinIsTTY: false,
    stdin: async function* () {
      for (let off = 0; off < bytes.length; off += 512) {
        await new Promise((r) => setImmediate(r)); // like real I/O: each chunk on a later turn
        pulled++;
        yield bytes.subarray(off, off + 512);
      }
    },
  });
  expect(pulled).toBeLessThan(chunks); // NDJSON is written while reading: reading stopped
  expect(code).toBe(2);
  expect(stderr).toEqual(['tcpflow-analyze: cannot write the report: no space left on device (ENOSPC)\n']);
});
