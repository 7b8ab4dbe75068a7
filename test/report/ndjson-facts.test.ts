/**
 * The NDJSON line written from a connection's digest (src/report/ndjson-facts.ts, the CLI's
 * streaming path) against the line of its ConnectionReport (ndjsonConnectionLine, JSON.stringify):
 * the same bytes for every connection of every capture we have, through the batcher at any batch
 * size, with ladder rows (which the digest writer leaves to the report), odd input names, and
 * instants before the capture's first packet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { reportFromDigest } from '../../src/analysis/connection-report.js';
import type { ConnectionDigest } from '../../src/analysis/digest.js';
import { NdjsonLineBatcher, ndjsonConnectionLine } from '../../src/report/ndjson.js';
import { LINE_UNEXPECTED_SHAPE, writeDigestLine } from '../../src/report/ndjson-facts.js';
import { Scenario } from '../helpers/scenario.js';
import { fromBytes, writePcap } from '../helpers/pcap-writer.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';
import { ROTATED_NAMES, rotatedCapture } from '../helpers/rotated.js';

/** Where record `n` (0-based) of a little-endian classic pcap starts: the end of the records before it. */
function pcapRecordEnd(b: Uint8Array, n: number): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 24;
  for (let i = 0; i < n; i++) p += 16 + v.getUint32(p + 8, true);
  return p;
}

const FIXTURES = path.join(REPO_ROOT, 'fixtures');

function captures(): string[] {
  const dir = (d: string): string[] => readdirSync(path.join(FIXTURES, d)).filter((f) => f.endsWith('.pcap')).map((f) => path.join(FIXTURES, d, f));
  const root = sharedPath('corpus');
  const corpus = (readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => path.join(root, f));
  return [...dir('real'), ...dir('generated'), path.join(FIXTURES, 'sample', 'pop3.pcap'), ...corpus];
}

type Bytes = () => AsyncIterable<Uint8Array>;

const fileBytes = (file: string): Bytes => {
  const b = readFileSync(file);
  return async function* () { yield b; };
};

/** The reference: the report path's lines, one per connection. */
async function reportLines(bytes: Bytes, name: string, opts: AnalyzeOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  await analyze([{ name, bytes: bytes() }], { ...opts, keepConnections: false, onConnection: (c) => lines.push(ndjsonConnectionLine(c)) });
  return lines;
}

const scratch = Buffer.alloc(4 << 20);

/** The digest path: each connection's line from the digest writer, and from its report built from the same digest. */
async function digestLines(bytes: Bytes, name: string, opts: AnalyzeOptions = {}): Promise<{ written: Array<string | number>; fromReport: string[] }> {
  const written: Array<string | number> = [];
  const fromReport: string[] = [];
  await analyze([{ name, bytes: bytes() }], {
    ...opts,
    keepConnections: false,
    onDigest: (d: ConnectionDigest) => {
      const end = writeDigestLine(d, scratch, 7);
      written.push(end >= 0 ? scratch.toString('utf8', 7, end) : end);
      fromReport.push(ndjsonConnectionLine(reportFromDigest(d)));
    },
  });
  return { written, fromReport };
}

/** What the CLI's batcher writes from digests, in batches of `batchBytes`. */
async function batchedDigests(bytes: Bytes, name: string, batchBytes: number | undefined, opts: AnalyzeOptions = {}): Promise<string> {
  const parts: Buffer[] = [];
  const b = new NdjsonLineBatcher((chunk) => {
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    return true;
  }, batchBytes);
  await analyze([{ name, bytes: bytes() }], { ...opts, keepConnections: false, onDigest: (d) => b.digest(d) });
  b.flush();
  return Buffer.concat(parts).toString('utf8');
}

function expectSameLines(got: Array<string | number>, want: string[], where: string): void {
  expect(got.length, `${where}: connections`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    if (g === want[i]) continue;
    if (typeof g === 'number') expect.fail(`${where} #${i + 1}: the digest writer declined (${g})`);
    let k = 0;
    while (g[k] === want[i][k]) k++;
    expect.fail(`${where} #${i + 1}: differs at ${k}:\n  got  ${g.slice(Math.max(0, k - 60), k + 60)}\n  want ${want[i].slice(Math.max(0, k - 60), k + 60)}`);
  }
}

/** Several inputs read as one run: the digest writer's lines must equal the report's; returns the report's. */
async function sameLinesFromInputs(inputs: Array<[string, Uint8Array]>, label: string): Promise<string[]> {
  const opts = (extra: AnalyzeOptions): Parameters<typeof analyze> => [inputs.map(([name, b]) => ({ name, bytes: fromBytes(b) })), { keepConnections: false, ...extra }];
  const want: string[] = [];
  await analyze(...opts({ onConnection: (c) => want.push(ndjsonConnectionLine(c)) }));
  const written: Array<string | number> = [];
  await analyze(...opts({
    onDigest: (d: ConnectionDigest) => {
      const end = writeDigestLine(d, scratch, 7);
      written.push(end >= 0 ? scratch.toString('utf8', 7, end) : end);
    },
  }));
  expectSameLines(written, want, label);
  return want;
}

describe('digest line = report line', () => {
  test('every connection of fixtures/ and of the shared corpus', async () => {
    const files = captures();
    expect(files.length).toBeGreaterThan(100);
    let n = 0;
    for (const file of files) {
      const name = path.basename(file);
      const want = await reportLines(fileBytes(file), name);
      const { written, fromReport } = await digestLines(fileBytes(file), name);
      expectSameLines(written, want, name);
      expectSameLines(fromReport, want, `${name} (report from the digest)`);
      n += want.length;
    }
    expect(n).toBeGreaterThan(200);
  });

  test('input names that need escaping or are not ASCII', async () => {
    const file = path.join(FIXTURES, 'sample', 'pop3.pcap');
    for (const name of ['we"ird\\name\n.pcap', 'caf\u00e9 \u2028 \ud83d\ude00.pcap', 'lone \ud800 surrogate.pcap', '\u007f\u0000\u001f.pcap']) {
      expectSameLines((await digestLines(fileBytes(file), name)).written, await reportLines(fileBytes(file), name), JSON.stringify(name));
    }
  });

  test('instants before the first packet of the capture print, the handshake\'s too, as in the report', async () => {
    // The capture starts with a late packet of another connection, so every instant of the main
    // one is before the run's first packet. They were negative on the clock, and the handshake's
    // and the data's (whose "never" is -1) printed null; the clock's zero now lies 48 days back.
    const early = new Scenario({ start: 1_700_000_000, nano: true });
    const { a, b } = early;
    a.syn(); b.synAck(); a.ack(); a.data(100); b.ack(); b.data(50); a.ack(); a.fin(); b.ack(); b.fin(); a.ack();
    const late = new Scenario({ start: 1_700_000_100, nano: true, clientPort: 41000 });
    late.a.syn();
    const pcap = writePcap([...late.frames, ...early.frames], { nano: true });
    const bytes: Bytes = () => fromBytes(pcap);
    const want = await reportLines(bytes, 'mixed.pcap');
    expect(want).toHaveLength(2);
    const main = JSON.parse(want.find((l) => l.includes('"port":40000'))!);
    expect(main.firstSeen).toMatch(/^2023-11-14T22:13:20\./);
    expect(main.close.firstFin).not.toBeNull();
    expect(main.handshake.syn).toMatch(/^2023-11-14T22:13:20\./);
    expect(main.data.client.firstData).toMatch(/^2023-11-14T22:13:20\./);
    expectSameLines((await digestLines(bytes, 'mixed.pcap')).written, want, 'mixed.pcap');
  });

  test('connections that go on into later inputs: each frame\'s input where the report puts it (names to escape too)', async () => {
    const { parts } = rotatedCapture();
    const pop3 = readFileSync(path.join(FIXTURES, 'sample', 'pop3.pcap'));
    const half = pcapRecordEnd(pop3, 62);
    const runs: Array<Array<[string, Uint8Array]>> = [
      parts.map((p, i) => [ROTATED_NAMES[i], p]),
      [['one.pcap', pop3.subarray(0, half)], ['tw"o \u00e9.pcap', Buffer.concat([pop3.subarray(0, 24), pop3.subarray(half)])]],
    ];
    let named = 0;
    for (const inputs of runs) {
      const want = await sameLinesFromInputs(inputs, inputs[1][0]);
      named += want.filter((l) => /"frame":\d+,"input":/.test(l) && /"firstFinInput":/.test(l)).length;
    }
    expect(named).toBeGreaterThanOrEqual(2);
  });

  test('the client\'s first SYN in a later input than the connection\'s first packet: synInput, in both writers (helper-67: never reached)', async () => {
    // a.pcap: another tuple's SYN first (so a.pcap is read first), then the SYN,ACK; b.pcap: the SYN it
    // answers, stamped before it (two taps, one per direction), and the rest of the connection.
    const other = new Scenario({ clientPort: 41000 });
    other.a.syn();
    const s = new Scenario();
    s.wait(1000); s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(5); s.b.ack(); s.a.fin(); s.b.fin(); s.a.ack(); s.b.ack();
    const inputs: Array<[string, Uint8Array]> = [
      ['a.pcap', writePcap([other.frames[0], s.frames[1]])],
      ['b.pcap', writePcap([s.frames[0], ...s.frames.slice(2)])],
    ];
    const want = await sameLinesFromInputs(inputs, 'synInput');
    expect(want).toHaveLength(2); // the SYN joined the connection its SYN,ACK started
    const line = want.find((l) => l.includes('"port":40000'))!;
    expect(line).toContain('"synFrame":1,"synInput":"b.pcap","synAckFrame":2,"ackFrame":2,"ackInput":"b.pcap"');
  });

  test('ladder rows are left to the report: the writer declines, the batcher falls back to the same bytes', async () => {
    const file = path.join(FIXTURES, 'sample', 'pop3.pcap');
    const { written } = await digestLines(fileBytes(file), 'pop3.pcap', { ladder: true });
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((w) => w === LINE_UNEXPECTED_SHAPE)).toBe(true);
    const want = (await reportLines(fileBytes(file), 'pop3.pcap', { ladder: true })).join('');
    expect(await batchedDigests(fileBytes(file), 'pop3.pcap', undefined, { ladder: true })).toBe(want);
  });

  test('through the batcher at any batch size, a line larger than a batch included', async () => {
    for (const f of ['real/port-reuse.pcap', 'generated/syn-long-backoff.pcap', 'sample/pop3.pcap']) {
      const file = path.join(FIXTURES, f);
      const want = await reportLines(fileBytes(file), f);
      const longest = Math.max(...want.map((l) => Buffer.byteLength(l)));
      for (const batchBytes of [undefined, 4096, longest + 3, longest, 700, 64]) {
        expect(await batchedDigests(fileBytes(file), f, batchBytes), `${f}, batches of ${batchBytes}`).toBe(want.join(''));
      }
    }
  });
});

describe('the summary and the kept reports are the same either way', () => {
  test('every fixture', async () => {
    for (const file of captures().slice(0, 40)) {
      const name = path.basename(file);
      const viaReports = await analyze([{ name, bytes: fileBytes(file)() }], {});
      const viaDigests = await analyze([{ name, bytes: fileBytes(file)() }], { onDigest: () => {} });
      expect(viaDigests, name).toEqual(viaReports);
    }
  });
});

describe('the library API of digests', () => {
  test('onConnection and onDigest together are a TypeError, not a run that calls one of them', async () => {
    const file = path.join(FIXTURES, 'sample', 'pop3.pcap');
    await expect(analyze([{ name: 'x.pcap', bytes: fileBytes(file)() }], { onConnection: () => {}, onDigest: () => {} }))
      .rejects.toThrow(TypeError);
  });

  test('the package entry exports what onDigest users need', async () => {
    const lib = await import('../../src/index.js');
    const file = path.join(FIXTURES, 'sample', 'pop3.pcap');
    const want = await reportLines(fileBytes(file), 'pop3.pcap');
    const got: string[] = [];
    await lib.analyze([{ name: 'pop3.pcap', bytes: fileBytes(file)() }], {
      keepConnections: false,
      onDigest: (d) => {
        expect(d).toBeInstanceOf(lib.ConnectionDigest);
        got.push(ndjsonConnectionLine(lib.reportFromDigest(d)));
      },
    });
    expect(got).toEqual(want);
  });
});
