/**
 * One precision per run: every absolute time has as many fractional digits as the finest input
 * (docs/json-schema.md, "Conventions"). A µs capture read before a ns one used to give its
 * connections 6 digits and the rest 9, so the same instant was spelled two ways in one report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { writePcap, type PacketIn } from '../helpers/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const TRACES = sharedPath('corpus', 'zeek', 'traces');
// ipv4.pcap's FTP connections close long before its end: they are reported while it is read.
const MICROS = join(TRACES, 'ipv4.pcap');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', COLUMNS: '80' };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A little-endian µs pcap as a ns one (magic 0xa1b23c4d, each fraction ×1000), as `editcap -F nsecpcap` writes it. */
function toNanos(us: Buffer): Buffer {
  const ns = Buffer.from(us);
  expect(ns.readUInt32LE(0)).toBe(0xa1b2c3d4);
  ns.writeUInt32LE(0xa1b23c4d, 0);
  for (let at = 24; at + 16 <= ns.length; at += 16 + ns.readUInt32LE(at + 8)) ns.writeUInt32LE(ns.readUInt32LE(at + 4) * 1000, at + 4);
  return ns;
}

/** The number of fractional digits of every ISO time in a JSON text, counted. */
function fractionDigits(text: string): Map<number, number> {
  const seen = new Map<number, number>();
  for (const m of text.matchAll(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?Z"/g)) {
    const n = m[1]?.length ?? 0;
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  return seen;
}

const POP3 = join(ROOT, 'fixtures/sample/pop3.pcap');
let nanos = '';
let olderNanos = '';
let tmp = '';
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/bundle/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = mkdtempSync(join(tmpdir(), 'tfa-precision-'));
  nanos = join(tmp, 'pop3-ns.pcap');
  writeFileSync(nanos, toNanos(readFileSync(POP3)));
  olderNanos = join(tmp, 'ipv4-ns.pcap');
  writeFileSync(olderNanos, toNanos(readFileSync(MICROS)));
});

describe('a run mixing µs and ns captures', () => {
  test('the ns copy reads as 9 digits, the µs capture alone as 6 (the inputs are what the test says)', () => {
    expect([...fractionDigits(cli(['-f', 'json', nanos]).stdout).keys()]).toEqual([9]);
    expect([...fractionDigits(cli(['-f', 'json', MICROS]).stdout).keys()]).toEqual([6]);
  });

  // Files are read in the order of their first records (README): ipv4.pcap (2012) before pop3 (2013).
  test.each([
    ['µs read first (given last)', () => [nanos, MICROS], () => [MICROS, nanos]],
    ['ns read first', () => [olderNanos, POP3], () => [olderNanos, POP3]],
  ])('%s: every time has 9 digits, in json and ndjson, on 1 or 2 threads', (_name, files, readOrder) => {
    const json = cli(['-f', 'json', ...files()]);
    expect(json.code).toBe(0);
    const digits = fractionDigits(json.stdout);
    expect([...digits.keys()]).toEqual([9]);
    expect(digits.get(9)).toBeGreaterThan(100);
    const ndjson = cli(['-f', 'ndjson', ...files()]).stdout;
    expect([...fractionDigits(ndjson).keys()]).toEqual([9]);
    // Two shards (streamed NDJSON), and the reading worker (json): the same bytes.
    expect(cli(['-f', 'ndjson', '--threads', '2', ...files()]).stdout).toBe(ndjson);
    expect(cli(['-f', 'json', '--threads', '2', ...files()]).stdout).toBe(json.stdout);
    // The per-input field still says what each file declares.
    const doc = JSON.parse(json.stdout) as { inputs: Array<{ file: string; precisionDigits: number }> };
    expect(doc.inputs.map((i) => [i.file, i.precisionDigits])).toEqual(readOrder().map((f) => [f, f === nanos || f === olderNanos ? 9 : 6]));
  });
});

describe('a µs capture given with a ns one 13 years older (times past 2^53 ns from the clock zero)', () => {
  // The run has 9 digits; the µs capture's stamps lie 13 years after the zero, where doubles are
  // 64 ns apart. Its times printed the float ("...570190976Z" for a stamp at .570191) and its
  // spans the noise: each input's own unit now rounds its connections' times and spans.
  const NS_START = 1_300_000_000;
  const US_START = 1_710_000_000;

  /** A handshake, data and a close, stamped at odd µs (and, in the ns capture, odd ns). */
  function conversation(start: number, port: number, extraNanos: number): PacketIn[] {
    const s = new Scenario({ start, clientPort: port });
    s.wait(570.191); s.a.syn(); s.wait(48.223); s.b.synAck(); s.wait(0.083); s.a.ack();
    s.wait(123.457); s.a.data(100); s.wait(7.777); s.b.data(50); s.wait(0.333); s.a.ack();
    s.wait(200.931); s.a.fin(); s.wait(1.001); s.b.ack(); s.wait(33.333); s.b.fin(); s.wait(2.999); s.a.ack();
    return s.frames.map((f, i) => ({ ...f, tsNanos: f.tsNanos + (extraNanos > 0 ? (i * extraNanos) % 1000 : 0) }));
  }

  const isoOf = (p: PacketIn, digits: number): string =>
    `${new Date(p.tsSec * 1000).toISOString().slice(0, 19)}.${String(p.tsNanos).padStart(9, '0').slice(0, digits)}Z`;
  /** Seconds from a to b, as the decimal they are (below 2^53 ns: integer arithmetic). */
  const between = (a: PacketIn, b: PacketIn): number => {
    const ns = (b.tsSec - a.tsSec) * 1e9 + (b.tsNanos - a.tsNanos);
    return Number(`${Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, '0')}`);
  };

  let files: { us: string; ns: string; us0: PacketIn[]; ns0: PacketIn[] };
  beforeAll(() => {
    const us0 = conversation(US_START, 40001, 0);
    const ns0 = conversation(NS_START, 40002, 337);
    files = { us: join(tmp, 'later-us.pcap'), ns: join(tmp, 'older-ns.pcap'), us0, ns0 };
    writeFileSync(files.us, writePcap(us0));
    writeFileSync(files.ns, writePcap(ns0, { nano: true }));
  });

  interface Conn { client: { port: number; transitions: Array<{ frame: number; time: string; evidence: string }> }; firstSeen: string;
    lastSeen: string; firstFrame: number; lastFrame: number; duration: number; handshake: { rtt: { synToSynAck: number } }; close: { duration: number } }

  test.each([
    ['µs first', 'json', '1'], ['ns first', 'json', '1'], ['µs first', 'ndjson', '1'], ['ns first', 'ndjson', '2'], ['µs first', 'json', '2'],
  ])('%s, %s, --threads %s: every time is its stamp, every span exact, at 9 digits', (order, format, threads) => {
    const args = order === 'µs first' ? [files.us, files.ns] : [files.ns, files.us];
    const r = cli(['-f', format, '--threads', threads, ...args]);
    expect(r.code).toBe(0);
    const conns: Conn[] = format === 'json'
      ? (JSON.parse(r.stdout) as { connections: Conn[] }).connections
      : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Conn & { type: string }).filter((l) => l.type === 'connection');
    expect(conns.map((c) => c.client.port).sort()).toEqual([40001, 40002]);
    for (const c of conns) {
      const frames = c.client.port === 40001 ? files.us0 : files.ns0;
      const at = (frame: number): PacketIn => frames[frame - 1];
      expect(c.firstSeen).toBe(isoOf(at(c.firstFrame), 9));
      expect(c.lastSeen).toBe(isoOf(at(c.lastFrame), 9));
      for (const t of c.client.transitions) if (t.evidence === 'observed') expect(t.time).toBe(isoOf(at(t.frame), 9));
      expect(c.duration).toBe(between(at(c.firstFrame), at(c.lastFrame)));
      expect(c.handshake.rtt.synToSynAck).toBe(between(at(1), at(2)));
      expect(c.close.duration).toBe(between(at(7), at(10)));
    }
    // The inputs' and the run's first and last packets too.
    const top = (format === 'json' ? JSON.parse(r.stdout) : JSON.parse(r.stdout.trim().split('\n').pop()!)) as {
      inputs: Array<{ file: string; firstPacket: string; lastPacket: string }>; summary: { firstPacket: string; lastPacket: string } };
    const us0 = files.us0;
    const ns0 = files.ns0;
    // In the order read: the older (ns) capture first, however they were given.
    expect(top.inputs.map((i) => [i.file, i.firstPacket, i.lastPacket])).toEqual([files.ns, files.us].map((f) => f === files.us
      ? [f, isoOf(us0[0], 9), isoOf(us0[us0.length - 1], 9)] : [f, isoOf(ns0[0], 9), isoOf(ns0[ns0.length - 1], 9)]));
    expect([top.summary.firstPacket, top.summary.lastPacket]).toEqual([isoOf(ns0[0], 9), isoOf(us0[us0.length - 1], 9)]);
    // The µs capture's times all end in 000, its spans have 6 digits at most.
    const us = JSON.stringify(conns.find((c) => c.client.port === 40001));
    for (const m of us.matchAll(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d+)Z"/g)) expect(m[1]).toMatch(/^\d{6}000$/);
    expect(us.match(/(?:":|,|\[)-?\d+\.\d{7,}/g)).toBeNull();
  });
});
