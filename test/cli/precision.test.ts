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
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const TRACES = sharedPath('corpus', 'zeek', 'traces');
// ipv4.pcap's FTP connections close long before its end: they are reported while it is read.
const MICROS = join(TRACES, 'ipv4.pcap');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', COLUMNS: '80' };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 28 });
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

let nanos = '';
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/bundle/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  nanos = join(mkdtempSync(join(tmpdir(), 'tfa-precision-')), 'pop3-ns.pcap');
  writeFileSync(nanos, toNanos(readFileSync(join(ROOT, 'fixtures/sample/pop3.pcap'))));
});

describe('a run mixing µs and ns captures', () => {
  test('the ns copy reads as 9 digits, the µs capture alone as 6 (the inputs are what the test says)', () => {
    expect([...fractionDigits(cli(['-f', 'json', nanos]).stdout).keys()]).toEqual([9]);
    expect([...fractionDigits(cli(['-f', 'json', MICROS]).stdout).keys()]).toEqual([6]);
  });

  test.each([
    ['µs first', () => [MICROS, nanos]],
    ['ns first', () => [nanos, MICROS]],
  ])('%s: every time has 9 digits, in json and ndjson, on 1 or 2 threads', (_name, files) => {
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
    expect(doc.inputs.map((i) => [i.file, i.precisionDigits])).toEqual(files().map((f) => [f, f === nanos ? 9 : 6]));
  });
});
