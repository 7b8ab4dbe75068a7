/**
 * Issue 5, "Malformed captures": every capture of ../shared/corpus/tcpdump (fuzzer finds, broken
 * headers, odd link types and formats) goes through analyze() in-process: no throw, bounded time,
 * and the report invariants hold. A handful also go through the built binary: exit 0 with JSON that
 * parses, or exit 2 with one line naming the file and a byte offset; never a stack trace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { RunReport } from '../../src/report/model.js';
import { analyzeBytes, checkInvariants, CORPUS_DIR, corpusPath, REPO_ROOT } from './support.js';

const DIR = path.join(CORPUS_DIR, 'tcpdump');
const FILES = existsSync(DIR) ? readdirSync(DIR).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).sort() : [];
/** Per-file budget: the largest corpus file is 80 KB; anything near this is a hang. */
const PER_FILE_MS = 5_000;

describe('tcpdump corpus through analyze()', () => {
  test('the corpus is present beside the repository (../shared/corpus/tcpdump)', () => {
    expect(() => corpusPath('tcpdump')).not.toThrow();
    expect(FILES.length, `no captures found in ${DIR}`).toBeGreaterThanOrEqual(80);
  });

  test.each(FILES)('%s: no throw, invariants hold', async (file) => {
    const bytes = new Uint8Array(readFileSync(path.join(DIR, file)));
    const t0 = performance.now();
    const r = await analyzeBytes(bytes, {}, file);
    expect(performance.now() - t0).toBeLessThan(PER_FILE_MS);
    checkInvariants(r);
    expect(r.inputs).toHaveLength(1);
    // Every corpus file parses at the container level (its README): no fatal error.
    expect(r.inputs[0].error).toBeNull();
    expect(r.inputs[0].bytes).toBe(bytes.length);
    // Streaming the same file in 7-byte chunks gives the same report.
    const chunked = await analyzeChunks(bytes, 7, file);
    expect(chunked).toEqual(r);
  }, PER_FILE_MS * 3);
});

async function analyzeChunks(bytes: Uint8Array, size: number, name: string): Promise<RunReport> {
  const { analyze } = await import('../../src/analyze.js');
  const { chunksOf } = await import('../helpers/pcap-writer.js');
  return analyze([{ name, bytes: chunksOf(bytes, size) }]);
}

// ---------------------------------------------------------------- the built binary

const BIN = path.join(REPO_ROOT, 'bin/tcpflow-analyze.js');
/** Chosen to cover: fuzzer finds, caplen > snaplen, pcapng, ns pcap, big-endian, an empty pcapng, 65 KB packets. */
const CLI_FILES = [
  'tcp_header_heapoverflow.pcap',
  'mptcp-dss-oobr.pcap',
  'resp_4_infiniteloop.pcapng',
  'timestamp_invalid_nano.pcap',
  'pptp.pcap',
  'empty.pcapng',
  'bgp-as-path-oobr.pcap',
  'hoobr_nfs_printfh.pcap',
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Run {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The contract for one file: exit 0 + JSON, or exit 2 + one line naming the file and a byte offset. */
function expectCleanRun(r: Run, file: string): void {
  expect(r.stderr, 'no stack trace on stderr').not.toMatch(/^\s{4}at /m);
  expect(r.code === 0 || r.code === 2, `exit code ${r.code} (stderr: ${r.stderr})`).toBe(true);
  if (r.code === 0) {
    const doc = JSON.parse(r.stdout) as RunReport;
    checkInvariants(doc);
  } else {
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(/\b(byte|offset)\b[^0-9]*\d+/);
  }
}

describe('tcpdump corpus through the built CLI', () => {
  let tmp = '';
  beforeAll(() => {
    if (!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
    tmp = mkdtempSync(path.join(tmpdir(), 'tfa-robust-'));
  });

  test.each(CLI_FILES)('%s: exit 0, JSON parses, no stack trace', (name) => {
    const file = path.join(corpusPath('tcpdump'), name);
    const r = cli(['--format', 'json', file]);
    expectCleanRun(r, file);
    expect(r.code).toBe(0);
  }, 30_000);

  test('a file with a garbage magic exits 2 with one line naming it and byte 0', () => {
    const file = path.join(tmp, 'garbage.pcap');
    writeFileSync(file, 'this is not a capture at all\n');
    const r = cli(['--format', 'json', file]);
    expectCleanRun(r, file);
    expect(r.code).toBe(2);
    // JSON still prints its document: inputs[].error says the same to a script.
    const doc = JSON.parse(r.stdout) as RunReport;
    expect(doc.inputs[0].error).toMatchObject({ code: 'NOT_A_CAPTURE', byteOffset: 0 });
    expect(doc.connections).toEqual([]);
    expect(cli([file]).stdout).toBe('');
  }, 30_000);

  test('a corpus file cut inside its file header exits 2 with one line naming it and an offset', () => {
    const file = path.join(tmp, 'cut-header.pcap');
    writeFileSync(file, readFileSync(path.join(corpusPath('tcpdump'), 'tcp_rst_data.pcap')).subarray(0, 13));
    const r = cli(['--format', 'json', file]);
    expectCleanRun(r, file);
    expect(r.code).toBe(2);
  }, 30_000);

  test('a corpus file cut inside a record exits 0 and reports the cut with its offset', () => {
    const file = path.join(tmp, 'cut-record.pcap');
    const whole = readFileSync(path.join(corpusPath('tcpdump'), 'pptp.pcap'));
    writeFileSync(file, whole.subarray(0, whole.length - 5));
    const r = cli(['--format', 'json', file]);
    expectCleanRun(r, file);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as RunReport;
    expect(doc.inputs[0].issues.map((i) => i.code)).toContain('TRUNCATED_RECORD');
  }, 30_000);
});
