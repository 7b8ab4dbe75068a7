/**
 * End to end: spawn the built binary (bin/ → dist/cli/main.js) the way users and CI do, with
 * NO_COLOR=1 and no terminal, and check stdout, stderr and the exit code. `npm test` builds
 * first; run standalone, this builds if dist/ is missing.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { validate } from '../report/schema-validator.js';
import { sharedPath } from '../helpers/shared.js';
import { Scenario } from '../helpers/scenario.js';
import { writePcap, writePcapng } from '../helpers/pcap-writer.js';
import { decodePacket } from '../../src/decode/packet.js';
import { newPacketFields } from '../../src/decode/fields.js';
import { tupleHash } from '../../src/flow/key.js';
import type { ConnectionReport } from '../../src/report/model.js';
import { ROTATED_COUNTS, ROTATED_NAMES, frameInputs, locatedFrames, rotatedCapture, wholeFrames } from '../helpers/rotated.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
const SAMPLE = join(ROOT, 'fixtures/sample/pop3.pcap');
const TRACES = sharedPath('corpus', 'zeek', 'traces');
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/tcpflow-analyze.schema.json'), 'utf8')) as Record<string, unknown>;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { input?: Buffer; env?: Record<string, string>; cwd?: string; timeout?: number } = {}): Run {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', COLUMNS: '80' };
  delete env.FORCE_COLOR;
  delete env.CI;
  Object.assign(env, opts.env);
  // A run that hangs is killed (status null) rather than holding the synchronous test, which
  // vitest's time limit cannot interrupt.
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input, env, encoding: 'utf8', maxBuffer: 1 << 28, timeout: opts.timeout ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp = '';
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = mkdtempSync(join(tmpdir(), 'tfa-e2e-'));
});

describe('formats', () => {
  test('table (default): header, one row per connection, summary; exit 0', () => {
    // Relative path (cwd is the repo root): an absolute one would wrap at 80 columns in a deep checkout.
    const r = cli(['fixtures/sample/pop3.pcap']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^input +fixtures\/sample\/pop3\.pcap: pcap, EN10MB, 125 packets$/m);
    expect(r.stdout).toMatch(/^connections +7$/m);
    expect(r.stdout).toMatch(/^handshakes +complete 5, refused 2$/m);
    expect(r.stdout).not.toContain('\x1b[');
    for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });

  test('table golden at 80 columns, no colour', async () => {
    const r = cli(['fixtures/sample/pop3.pcap']);
    await expect(r.stdout).toMatchFileSnapshot('../../fixtures/golden/cli/pop3-table-80.txt');
  });

  test('150 columns, one over the natural widths: one cell wraps, not every address (helper-64 audit)', () => {
    const r = cli(['--width', '150', 'fixtures/sample/pop3.pcap']);
    const rows = r.stdout.split('\n').filter((l) => /^\d {2}/.test(l));
    expect(rows).toHaveLength(7);
    for (const row of rows) expect(row).toMatch(/^\d {2}192\.168\.0\.4:\d+ → 212\.227\.15\.\d+:110 /);
    const body = r.stdout.slice(r.stdout.indexOf('─'), r.stdout.indexOf('\nsummary'));
    expect(body.trim().split('\n')).toHaveLength(1 + 7 + 1); // the rule, 7 rows, one wrapped cell (19.2 KiB)
    for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(150);
  });

  test('--ladder 3 beside a capture named 3: no capture given, with the spelling that reads it (helper-64 audit)', () => {
    const dir = join(tmp, 'named-3');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '3'), readFileSync(SAMPLE));
    const r = cli(['--ladder', '3'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('tcpflow-analyze: no capture given (use - for standard input; a capture named 3: --ladder -- 3)');
    expect(cli(['--ladder', '--', '3'], { cwd: dir }).code).toBe(0);
    expect(cli(['--ladder', '3']).stderr.split('\n')[0]).toBe('tcpflow-analyze: no capture given (use - for standard input)');
  });

  test('an input without packets says so once in the header (was "pcap, no packets, 0 packets")', () => {
    const empty = join(tmp, 'header-only.pcap');
    writeFileSync(empty, readFileSync(SAMPLE).subarray(0, 24));
    // Wide enough that no clone's path wraps the line (CI's did at the default 80).
    expect(cli(['--width', '400', empty]).stdout).toMatch(/^input {7}\S+header-only\.pcap: pcap, no packets$/m);
    expect(cli(['--width', '400', SAMPLE]).stdout).toMatch(/^input {7}\S+pop3\.pcap: pcap, EN10MB, 125 packets$/m);
  });

  test('ladder golden', async () => {
    const r = cli(['--ladder', '4', 'fixtures/sample/pop3.pcap']);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('../../fixtures/golden/cli/pop3-ladder-4.txt');
  });

  test('json: one document that validates against the schema, same bytes every run', () => {
    const r = cli(['-f', 'json', SAMPLE]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { connections: unknown[]; tool: { version: string } };
    expect(doc.connections).toHaveLength(7);
    expect(doc.tool.version).toBe(VERSION);
    expect(validate(schema, doc)).toEqual([]);
    expect(cli(['-f', 'json', SAMPLE]).stdout).toBe(r.stdout);
  });

  test('json is streamed from the spool yet prints what one JSON.stringify of the report prints, in id or --sort order', () => {
    const files = readdirSync(TRACES).filter((f) => /\.pcap$/.test(f)).slice(0, 12).map((f) => join(TRACES, f));
    for (const opts of [[], ['--sort', 'bytes', '--limit', '9'], ['--sort', 'start'], ['--only-anomalies', '--sort', 'duration']]) {
      const r = cli(['-f', 'json', ...opts, ...files]);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { connections: Array<{ id: number }> };
      expect(r.stdout).toBe(`${JSON.stringify(doc, null, 2)}\n`);
      const lines = cli(['-f', 'ndjson', ...opts, ...files]).stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: number });
      const conns = lines.filter((l) => l.type === 'connection').map(({ type: _t, ...c }) => c);
      expect(doc.connections).toEqual(opts.length === 0 ? [...conns].sort((a, b) => a.id - b.id) : conns);
      expect(doc.connections.length).toBeGreaterThan(3);
    }
  });

  test('no usable $TMPDIR: the buffered formats keep the report in memory, whole, and say so once', () => {
    const want = cli(['-f', 'json', SAMPLE]).stdout;
    const r = cli(['-f', 'json', SAMPLE], { env: { TMPDIR: join(tmp, 'no-such-dir') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(want);
    expect(r.stderr).toMatch(/^tcpflow-analyze: warning: the temporary file for the json report failed \(ENOENT[^\n]*\); the report was kept in memory\n$/);
  });

  test('json from every Zeek reference capture validates against the schema', () => {
    const files = ['ipv6.pcap', 'missing-syn.pcap', 'http-on-irc-port-missing-syn.pcapng', 'ssh.client-side-half-duplex.pcap', 'single-rst.pcap', 'pop3-starttls.pcap'];
    const r = cli(['-f', 'json', '--ladder', '--all', ...files.map((f) => join(TRACES, f))]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { connections: Array<{ ladder?: unknown[] }> };
    expect(doc.connections.length).toBeGreaterThan(5);
    expect(doc.connections.every((c) => Array.isArray(c.ladder))).toBe(true);
    expect(validate(schema, doc)).toEqual([]);
  });

  test('ndjson: every line parses, has a type, connections first, summary last', () => {
    const r = cli(['-f', 'ndjson', SAMPLE]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual([...Array(7).fill('connection'), 'summary']);
    const summary = lines.at(-1)!;
    expect(summary.schemaVersion).toBe(1);
    expect((summary.summary as { connections: number }).connections).toBe(7);
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    for (const { type: _t, ...c } of lines.slice(0, -1)) expect(validate({ ...defs.connection, $defs: defs }, c)).toEqual([]);
  });

  test('zeek: conn.log header for zeek-cut, one row per row Zeek writes (pop3: 11, as its baseline)', () => {
    const r = cli(['-f', 'zeek', SAMPLE]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('#separator \\x09');
    expect(lines[4]).toBe('#path\tconn');
    expect(lines[5]).toBe('#open\t2013-08-22-20-00-33');
    expect(lines[6].split('\t').slice(0, 4)).toEqual(['#fields', 'ts', 'uid', 'id.orig_h']);
    expect(lines.at(-1)).toBe('#close\t2013-08-22-20-03-05');
    const rows = lines.filter((l) => !l.startsWith('#'));
    // Our 7 connections; Zeek's timers split each of the two rejected ones (three SYNs answered by
    // RST on one tuple) into three REJ rows: ../shared/corpus/zeek/expected/pop3.tsv has 11 rows.
    expect(rows).toHaveLength(11);
    const cols = rows.map((l) => l.split('\t'));
    expect(cols.filter((c) => c[11] === 'REJ').map((c) => c[1])).toEqual(['C1-1', 'C1-2', 'C1-3', 'C2-1', 'C2-2', 'C2-3']);
    // Zeek's duration stops at the close (last_time), not at our last packet: connection 3's is
    // 0.163506 in Zeek's baseline, where our duration (to its last ACK) is longer.
    const c3 = cols.find((c) => c[1] === 'C3')!;
    expect([c3[8], c3[9], c3[10], c3[11], c3[15]]).toEqual(['0.163506', '12', '175', 'SF', 'ShAdDafF']);
    expect(r.stderr).toBe('');
  });

  test("an empty capture name (an unset shell variable) is named '' in its error line", () => {
    const r = cli(['']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("tcpflow-analyze: '': no such file or directory\n");
  });

  test('a link type we do not decode is said on stderr, not only counted (helper audit of the terminal, 2026-12-05)', () => {
    const s = new Scenario();
    s.a.syn(); s.wait(1); s.b.synAck();
    const file = join(tmp, 'linktype-9999.pcap');
    writeFileSync(file, writePcap([...s.frames], { linkType: 9999 }));
    const r = cli([file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`tcpflow-analyze: ${file}: warning: link type LINKTYPE_9999 (9999) is not one we decode: its 2 packets were skipped (UNSUPPORTED_LINK_TYPE)\n`);
    expect(r.stdout).toContain('2 skipped');
  });

  test('a pcapng stamped past year 9999 renders in every format (fuzz seed 2016, case 850)', () => {
    // A corrupt 64-bit pcapng timestamp can land in year 20286. The times used to lose their
    // seconds ("+020286-...T04:26.000000Z"), and the table and zeek formats stopped on them.
    const s = new Scenario({ start: 578_000_000_000 });
    s.a.syn(); s.wait(1); s.b.synAck(); s.wait(1); s.a.ack();
    s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack();
    const file = join(tmp, 'year-20286.pcapng');
    writeFileSync(file, writePcapng([...s.frames]));
    const whole = (sec: number): string => new Date(sec * 1000).toISOString().slice(0, -5);
    const first = `${whole(578_000_000_000)}.000000Z`;
    expect(first).toMatch(/^\+020286-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);

    const json = cli(['-f', 'json', file]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { connections: { firstSeen: string; close: { kind: string; duration: number } }[] };
    expect(validate(schema, doc)).toEqual([]);
    expect(doc.connections[0].firstSeen).toBe(first);
    expect(doc.connections[0].close.kind).toBe('four_way');

    const nd = cli(['-f', 'ndjson', file]);
    expect(nd.code).toBe(0);
    expect((JSON.parse(nd.stdout.split('\n')[0]) as { firstSeen: string }).firstSeen).toBe(first);

    const zeek = cli(['-f', 'zeek', file]);
    expect(zeek.stderr).toBe('');
    expect(zeek.code).toBe(0);
    const stamp = first.slice(0, first.indexOf('.')).replace('T', '-').replace(/:/g, '-'); // %Y-%m-%d-%H-%M-%S
    expect(zeek.stdout).toContain(`#open\t${stamp}\n`);
    expect(zeek.stdout.split('\n').find((l) => !l.startsWith('#'))!.split('\t')[0]).toBe('578000000000.000000');

    const table = cli([file]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(first);
  });
});

describe('inputs read as one capture', () => {
  /** `file` cut at its middle record into two classic pcaps, each with the file's header. */
  function halves(file: string): { a: string; b: string; inA: number } {
    const buf = readFileSync(file);
    const ends: number[] = [];
    for (let p = 24; p + 16 <= buf.length; p += 16 + buf.readUInt32LE(p + 8)) ends.push(p);
    const inA = Math.floor(ends.length / 2);
    const a = join(tmp, 'half-a.pcap');
    const b = join(tmp, 'half-b.pcap');
    writeFileSync(a, buf.subarray(0, ends[inA]));
    writeFileSync(b, Buffer.concat([buf.subarray(0, 24), buf.subarray(ends[inA])]));
    return { a, b, inA };
  }

  test('a connection that goes on into the next input says so: lastInput names the file its lastFrame counts in, on 1 or 2 threads, json and ndjson', () => {
    const { a, b, inA } = halves(SAMPLE);
    type Conn = { id: number; input: string; firstFrame: number; lastFrame: number; lastInput?: string };
    const whole = (JSON.parse(cli(['-f', 'json', SAMPLE]).stdout) as { connections: Conn[] }).connections;
    const spanning = whole.filter((c) => c.firstFrame <= inA && c.lastFrame > inA);
    expect(spanning.length).toBeGreaterThan(0);
    expect(whole.some((c) => c.lastFrame <= inA)).toBe(true); // and some that end in the first half
    const runs = [
      (JSON.parse(cli(['-f', 'json', a, b]).stdout) as { connections: Conn[] }).connections,
      (JSON.parse(cli(['-f', 'json', '--threads', '2', a, b]).stdout) as { connections: Conn[] }).connections,
    ];
    for (const threads of ['1', '2']) {
      const nd = cli(['-f', 'ndjson', '--threads', threads, a, b]).stdout.trim().split('\n').map((l) => JSON.parse(l) as Conn & { type: string });
      runs.push(nd.filter((l) => l.type === 'connection'));
    }
    for (const conns of runs) {
      expect(conns.map((c) => c.id)).toEqual(whole.map((c) => c.id));
      for (const [i, c] of conns.entries()) {
        const w = whole[i];
        const startsInA = w.firstFrame <= inA;
        expect(c.input).toBe(startsInA ? a : b);
        expect(c.firstFrame).toBe(startsInA ? w.firstFrame : w.firstFrame - inA);
        expect(c.lastFrame).toBe(w.lastFrame > inA ? w.lastFrame - inA : w.lastFrame);
        // Only when the two differ, and then right after lastFrame.
        if (startsInA && w.lastFrame > inA) {
          expect(c.lastInput).toBe(b);
          expect(Object.keys(c).indexOf('lastInput')).toBe(Object.keys(c).indexOf('lastFrame') + 1);
        } else expect('lastInput' in c).toBe(false);
      }
    }
    // The same text in both formats: a json connection is an ndjson line without its type.
    const json = (JSON.parse(cli(['-f', 'json', a, b]).stdout) as { connections: Conn[] }).connections;
    const lines = cli(['-f', 'ndjson', a, b]).stdout.trim().split('\n').slice(0, -1);
    expect(lines.map((l) => { const { type: _t, ...c } = JSON.parse(l) as Conn & { type: string }; return JSON.stringify(c); })).toEqual(json.map((c) => JSON.stringify(c)));
    expect(validate(schema, JSON.parse(cli(['-f', 'json', a, b]).stdout))).toEqual([]);
  });
  test('every frame a report names is found in the input named beside it, on 1 or 2 threads (shards, the reading worker), json and ndjson alike', () => {
    // Split pop3 at its middle record, and the three inputs of test/helpers/rotated.ts (a SYN, then
    // the handshake's end in the second, the close and a RESET at frame 3 of the third).
    const { a, b, inA } = halves(SAMPLE);
    const { whole: rotatedWhole, parts } = rotatedCapture();
    const rotated = parts.map((p, i) => join(tmp, ROTATED_NAMES[i]));
    parts.forEach((p, i) => writeFileSync(rotated[i], p));
    const rotatedFile = join(tmp, 'rotated-whole.pcap');
    writeFileSync(rotatedFile, rotatedWhole);
    const cases = [
      { files: [a, b], one: SAMPLE, offsets: new Map([[a, 0], [b, inA]]) },
      { files: rotated, one: rotatedFile, offsets: new Map(rotated.map((f, i) => [f, ROTATED_COUNTS.slice(0, i).reduce((x, y) => x + y, 0)])) },
    ];
    let named = 0;
    for (const { files, one, offsets } of cases) {
      const whole = (JSON.parse(cli(['-f', 'json', one]).stdout) as { connections: ConnectionReport[] }).connections;
      const out: Record<string, string> = {};
      for (const format of ['json', 'ndjson']) {
        for (const threads of ['1', '2']) {
          const r = cli(['-f', format, '--threads', threads, ...files]);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          out[`${format} ${threads}`] = r.stdout;
        }
        expect(out[`${format} 2`], format).toBe(out[`${format} 1`]);
      }
      const fromJson = (JSON.parse(out['json 1']) as { connections: ConnectionReport[] }).connections;
      const fromNdjson = out['ndjson 1'].trim().split('\n').map((l) => JSON.parse(l) as ConnectionReport & { type: string })
        .filter((l) => l.type === 'connection').map(({ type: _t, ...c }) => c as ConnectionReport);
      expect(fromNdjson.map((c) => JSON.stringify(c))).toEqual(fromJson.map((c) => JSON.stringify(c)));
      expect(fromJson.map((c) => locatedFrames(c, offsets))).toEqual(whole.map(wholeFrames));
      named += fromJson.flatMap(frameInputs).filter(([where]) => where !== '.lastInput').length;
      expect(validate(schema, JSON.parse(out['json 1']))).toEqual([]);
    }
    expect(named).toBeGreaterThan(15);
  });
});

describe('standard input', () => {
  test("'-' reads the capture from stdin with the same result as the file", () => {
    const viaFile = cli(['-f', 'json', SAMPLE]);
    const viaStdin = cli(['-f', 'json', '-'], { input: readFileSync(SAMPLE) });
    expect(viaStdin.code).toBe(0);
    const a = JSON.parse(viaFile.stdout) as { connections: unknown[]; inputs: Array<{ file: string }> };
    const b = JSON.parse(viaStdin.stdout) as { connections: unknown[]; inputs: Array<{ file: string }> };
    expect(b.inputs[0].file).toBe('-');
    expect(b.connections.map((c) => JSON.stringify(c).replace(/"input":"[^"]*"/, ''))).toEqual(
      a.connections.map((c) => JSON.stringify(c).replace(/"input":"[^"]*"/, '')),
    );
  });

  test('through a real pipe: not a capture fails at once; a 2-byte first piece, then a pause, reads whole', () => {
    const sh = (cmd: string): Run => {
      const r = spawnSync('/bin/sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26, timeout: 120_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    // `timeout`: a run that never ends is killed (and fails the test) instead of hanging CI.
    const node = `timeout 30 "${process.execPath}"`;
    const t0 = Date.now();
    const junk = sh(`printf 'hello world, not a pcap\\n' | ${node} "${BIN}" -`);
    expect(junk.code).toBe(2); // 124 when the reader thread kept the process alive
    expect(junk.stderr).toBe('tcpflow-analyze: stdin: not a pcap or pcapng file (magic 0x68656c6c) (at byte 0)\n');
    expect(Date.now() - t0).toBeLessThan(20_000);
    const want = cli(['-f', 'ndjson', '-'], { input: readFileSync(SAMPLE) });
    // The first piece is kept while the second is awaited: it must not be the reader's reused memory.
    const split = sh(`(head -c 2 "${SAMPLE}"; sleep 0.3; tail -c +3 "${SAMPLE}") | ${node} "${BIN}" -f ndjson -`);
    expect(split.stderr).toBe('');
    expect(split.stdout).toBe(want.stdout);
  });

  test('a real pipe (cat |) in pieces with pauses; a redirected file (<)', () => {
    const sh = (cmd: string): Run => {
      const r = spawnSync('/bin/sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26, timeout: 120_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const want = cli(['-f', 'ndjson', '-'], { input: readFileSync(SAMPLE) });
    expect(want.code).toBe(0);
    const node = `"${process.execPath}"`;
    // Short reads: the reader must hand over what came, then block for the rest.
    const pieces = sh(`(head -c 3000 "${SAMPLE}"; sleep 0.3; tail -c +3001 "${SAMPLE}") | ${node} "${BIN}" -f ndjson -`);
    expect(pieces.stderr).toBe('');
    expect(pieces.stdout).toBe(want.stdout);
    // `< file`: standard input that is a regular file goes through the file reader.
    const redirected = sh(`${node} "${BIN}" -f ndjson - < "${SAMPLE}"`);
    expect(redirected.stderr).toBe('');
    expect(redirected.stdout).toBe(want.stdout);
  });

  test('a real pipe that pauses: lines of finished connections come out before it ends', async () => {
    const bytes = readFileSync(SAMPLE);
    const cut = bytes.length - 200;
    const head = join(tmp, 'head.bin');
    const rest = join(tmp, 'rest.bin');
    writeFileSync(head, bytes.subarray(0, cut));
    writeFileSync(rest, bytes.subarray(cut));
    // The writer holds the rest back until the test has seen a line (or gives up after 15 s), so the
    // check needs no timing: it failed on a loaded CI host when it was a 2 s sleep.
    const go = join(tmp, 'go');
    rmSync(go, { force: true });
    const child = spawn('/bin/sh', ['-c', `(cat "${head}"; while [ ! -e "${go}" ]; do sleep 0.05; done; cat "${rest}") | "${process.execPath}" "${BIN}" -f ndjson --idle-timeout 1 -`]);
    let lineWhilePaused = false;
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!existsSync(go)) { lineWhilePaused = true; writeFileSync(go, ''); }
    });
    const giveUp = setTimeout(() => writeFileSync(go, ''), 15_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(giveUp);
    expect(code).toBe(0);
    expect(out).toMatch(/^\{"type":"connection","id":1,/);
    expect(lineWhilePaused).toBe(true); // the first line came while the rest was held back
  }, 30_000);

  test('--ladder - takes - as the capture, not as the id', () => {
    const r = cli(['--ladder', '-'], { input: readFileSync(SAMPLE) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^connection 1 /m);
  });
});

describe('exit codes and the CI gate', () => {
  test('--fail-on a code that occurs: report printed, reason on stderr, exit 1', () => {
    const r = cli(['--fail-on', 'REFUSED', SAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^summary$/m);
    expect(r.stderr).toBe('tcpflow-analyze: --fail-on tripped by 2 connections (REFUSED 2)\n');
  });

  test('--fail-on a severity trips at that severity or worse only', () => {
    expect(cli(['--fail-on', 'info', '-f', 'json', SAMPLE]).code).toBe(1);
    expect(cli(['--fail-on', 'warn', '-f', 'json', SAMPLE]).code).toBe(1);
    expect(cli(['--fail-on', 'error', '-f', 'json', SAMPLE]).code).toBe(0);
    expect(cli(['--fail-on', 'any', '-f', 'json', SAMPLE]).code).toBe(1);
  });

  test('streamed NDJSON with nothing selected (lines written from the digest) trips the gate and prints as the report path does', () => {
    // --limit sends every connection through the ConnectionReport path (the selection needs reports).
    const connections = (out: string): string => out.split('\n').filter((l) => l.startsWith('{"type":"connection"')).join('\n');
    for (const gate of ['REFUSED', 'HALF_OPEN', 'info', 'warn', 'error', 'any']) {
      const direct = cli(['--fail-on', gate, '-f', 'ndjson', SAMPLE]);
      const viaReports = cli(['--fail-on', gate, '-f', 'ndjson', '--limit', '1000000', SAMPLE]);
      expect(direct.code, gate).toBe(viaReports.code);
      expect(direct.stderr, gate).toBe(viaReports.stderr);
      expect(connections(direct.stdout).length).toBeGreaterThan(1000);
      expect(connections(direct.stdout), gate).toBe(connections(viaReports.stdout));
    }
  });

  test('a vanished peer (fixtures/real/vanished-peer.pcap) trips --fail-on warn, and --threads 2 reports it alike', () => {
    const capture = join(ROOT, 'fixtures/real/vanished-peer.pcap');
    const r = cli(['--fail-on', 'warn', '-f', 'ndjson', capture]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tcpflow-analyze: --fail-on tripped by 2 connections (UNANSWERED_RETRANSMISSIONS 2)\n');
    const two = cli(['--fail-on', 'warn', '-f', 'ndjson', '--threads', '2', capture]);
    expect(two.code).toBe(1);
    expect(two.stdout).toBe(r.stdout);
  });

  test('--fail-on only looks at the selected connections', () => {
    expect(cli(['--fail-on', 'REFUSED', '--connection', '3,4', SAMPLE]).code).toBe(0);
    expect(cli(['--fail-on', 'REFUSED', '--connection', '1', SAMPLE]).code).toBe(1);
  });

  test('usage errors exit 2 with one line and a hint', () => {
    for (const args of [['--format', 'xml', SAMPLE], ['--fail-on', 'NOT_A_CODE', SAMPLE], ['--state', 'DANCING', SAMPLE], ['--bogus-flag', SAMPLE], []]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tcpflow-analyze: .+\nTry 'tcpflow-analyze --help' for the options and examples\.\n$/);
    }
  });

  test('--expect: met expectations exit 0, a mismatch exits 1 with a diff on stderr', () => {
    const good = join(tmp, 'good.json');
    writeFileSync(good, JSON.stringify({ connections: [
      { id: 1, handshake: 'refused', anomalies: ['REFUSED', 'SYN_RETRANSMIT'] },
      { tuple: '192.168.0.4:26383 -> 212.227.15.166:110', handshake: 'complete', close: 'four_way', initiator: 'server' },
    ] }));
    const ok = cli(['--expect', good, '-f', 'json', SAMPLE]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ id: 3, close: 'reset', serverState: 'TIME_WAIT' }, { tuple: '10.9.9.9:1 -> 10.9.9.8:2' }]));
    const r = cli(['--expect', bad, '-f', 'json', SAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'tcpflow-analyze: --expect ' + bad + ': 2 expectations not met\n' +
      '  connection 3 (192.168.0.4:26272 → 212.227.15.166:110):\n' +
      '    - close: "reset"\n' +
      '    + close: "four_way"\n' +
      '  "10.9.9.9:1 -> 10.9.9.8:2": no such connection\n',
    );
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '[{"id": 1, "hanshake": "complete"}]');
    expect(cli(['--expect', broken, SAMPLE])).toMatchObject({ code: 2, stdout: '' });
  });

  test('--expect checks the connections its file names, whatever the selection shows (README, "--expect")', () => {
    const bad = join(tmp, 'bad-unselected.json');
    writeFileSync(bad, JSON.stringify([{ id: 3, close: 'reset' }]));
    const r = cli(['--expect', bad, '--connection', '1', '-f', 'json', SAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tcpflow-analyze: --expect .*: 1 expectation not met\n {2}connection 3 /);
    expect((JSON.parse(r.stdout) as { connections: { id: number }[] }).connections.map((c) => c.id)).toEqual([1]);
  });
});

describe('unreadable inputs', () => {
  test('missing file: one line naming it, no stack, exit 2', () => {
    const r = cli([join(tmp, 'nope.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tcpflow-analyze: ${join(tmp, 'nope.pcap')}: no such file or directory\n`);
  });

  test('nothing readable: the table says nothing more, JSON and NDJSON still print their document with inputs[].error', () => {
    const missing = join(tmp, 'nope.pcap');
    const json = cli(['-f', 'json', missing]);
    expect(json.code).toBe(2);
    expect(json.stderr).toBe(`tcpflow-analyze: ${missing}: no such file or directory\n`);
    const doc = JSON.parse(json.stdout);
    expect(doc.inputs.map((i: { error: unknown }) => i.error)).toEqual([{ code: 'IO_ERROR', byteOffset: 0, message: 'no such file or directory' }]);
    expect([doc.connections, doc.summary.connections]).toEqual([[], 0]);
    const nd = cli(['-f', 'ndjson', missing]);
    expect(nd.code).toBe(2);
    const lines = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['summary']);
    expect(lines[0].inputs[0].error.code).toBe('IO_ERROR');
    expect(cli(['-f', 'zeek', missing]).stdout).toBe('');
  });

  test('a directory', () => {
    const r = cli([tmp]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpflow-analyze: ${tmp}: is a directory, not a capture file\n`);
  });

  test('garbage and empty files say what is wrong and where', () => {
    const garbage = join(tmp, 'garbage.pcap');
    writeFileSync(garbage, Buffer.from('this is not a capture at all\n'));
    const empty = join(tmp, 'empty.pcap');
    writeFileSync(empty, '');
    const g = cli([garbage]);
    expect(g.code).toBe(2);
    expect(g.stderr).toBe(`tcpflow-analyze: ${garbage}: not a pcap or pcapng file (magic 0x74686973) (at byte 0)\n`);
    const e = cli([empty]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(new RegExp(`^tcpflow-analyze: ${empty}: .*empty.*\\n$`));
  });

  test('a capture cut mid-record: what came before is reported, a warning with the offset on stderr, exit 0', () => {
    const whole = readFileSync(SAMPLE);
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, 3000)); // inside the 35th record, which starts at byte 2936
    const r = cli(['-f', 'json', cut]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`tcpflow-analyze: ${cut}: warning: input ends 64 bytes into a 82-byte record (header + captured bytes) (TRUNCATED_RECORD at byte 2936)\n`);
    const doc = JSON.parse(r.stdout) as { inputs: { packets: number; issues: { code: string; byteOffset: number }[] }[] };
    expect(doc.inputs[0].packets).toBe(34); // the 34 whole records before the cut
    expect(doc.inputs[0].issues).toMatchObject([{ code: 'TRUNCATED_RECORD', byteOffset: 2936 }]);
  });

  test('one bad input among good ones: the others are reported, the error is on stderr, exit 2', () => {
    const r = cli(['-f', 'json', join(tmp, 'nope.pcap'), SAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpflow-analyze: ${join(tmp, 'nope.pcap')}: no such file or directory\n`);
    const doc = JSON.parse(r.stdout) as { inputs: Array<{ error: { code: string } | null }>; connections: unknown[] };
    expect(doc.inputs.map((i) => i.error?.code ?? null)).toEqual(['IO_ERROR', null]);
    expect(doc.connections).toHaveLength(7);
  });

  test('--debug is accepted and errors stay one line for input problems', () => {
    const r = cli(['--debug', join(tmp, 'nope.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('colour, help, version', () => {
  test('NO_COLOR=1 and a pipe give plain text; FORCE_COLOR and --color give ANSI', () => {
    expect(cli([SAMPLE]).stdout).not.toContain('\x1b[');
    expect(cli([SAMPLE], { env: { FORCE_COLOR: '1' } }).stdout).toContain('\x1b[33mREFUSED');
    expect(cli(['--color', SAMPLE]).stdout).toContain('\x1b[');
    expect(cli(['--no-color', SAMPLE], { env: { FORCE_COLOR: '1' } }).stdout).not.toContain('\x1b[');
  });

  test('--help shows examples and the exit codes; --version the package version', () => {
    const h = cli(['--help'], { env: { COLUMNS: '100' } });
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(h.stdout).toContain('--fail-on HALF_OPEN,error');
    expect(h.stdout).toMatch(/Exit codes:\n +0 .*\n +1 .*\n +2 .*\n.*\n +130, 143 +interrupted by SIGINT or SIGTERM/);
    const v = cli(['--version']);
    expect(v).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('completion prints a shell script', () => {
    const r = cli(['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('###-begin-tcpflow-analyze-completions-###');
  });
});

describe('selection', () => {
  test('--limit says how many more; --sort orders', () => {
    const r = cli(['--limit', '2', '--sort', 'duration', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('… 5 more connections matched (raise --limit to see them)');
    // The ladders say it too (they did not), after the last diagram.
    const l = cli(['--ladder', '--all', '--limit', '2', SAMPLE]);
    expect(l.stdout.trimEnd().split('\n').at(-1)).toBe('… 5 more connections matched (raise --limit to see them)');
    expect(cli(['--ladder', '--all', '--limit', '7', SAMPLE]).stdout).not.toContain('more connection');
    const doc = JSON.parse(cli(['-f', 'json', '--sort', 'duration', '--limit', '3', SAMPLE]).stdout) as {
      connections: Array<{ duration: number }>;
      selection: { matched: number; shown: number; criteria: string[] };
    };
    const d = doc.connections.map((c) => c.duration);
    expect(d).toEqual([...d].sort((a, b) => b - a));
    expect(doc.selection).toEqual({ criteria: ['limit=3'], matched: 7, shown: 3 });
  });

  test('--host, --port, --anomaly, --state, --only-anomalies narrow the connections', () => {
    const ids = (args: string[]): number[] =>
      (JSON.parse(cli(['-f', 'json', ...args, SAMPLE]).stdout) as { connections: Array<{ id: number }> }).connections.map((c) => c.id);
    expect(ids(['--host', '212.227.15.188'])).toEqual([1]);
    expect(ids(['--port', '26245'])).toEqual([2]);
    expect(ids(['--anomaly', 'refused'])).toEqual([1, 2]);
    expect(ids(['--only-anomalies'])).toEqual([1, 2, 4]);
    expect(ids(['--state', 'time-wait'])).toEqual([3, 4, 5, 6, 7]);
    // Lists, as the README says of every selection option: comma-separated or repeated.
    expect(ids(['--state', 'closed,time-wait'])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ids(['--state', 'SYN_SENT', '--state', 'LISTEN'])).toEqual([]);
    expect(ids(['--host', '212.227.15.0/24', '--port', '110'])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ids(['--host', '212.227.15.160/29'])).toEqual([3, 4, 5, 6, 7]);
    expect(ids(['--host', '212.227.15.160/28'])).toEqual([2, 3, 4, 5, 6, 7]);
  });

  test('--ladder with an unknown id exits 2', () => {
    const r = cli(['--ladder', '99', SAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tcpflow-analyze: --ladder 99: no such connection (the run has 7)\n');
    // One that exists but the other options leave out is not "no such connection".
    const left = cli(['--ladder', '3', '--host', '10.9.9.9', '--state', 'closed', SAMPLE]);
    expect(left.code).toBe(2);
    expect(left.stderr).toBe('tcpflow-analyze: --ladder 3: connection 3 is not selected by --host 10.9.9.9 --state CLOSED\n');
  });

  test('the table header counts the matches without --limit, and says how many --limit shows', () => {
    expect(cli(['--only-anomalies', '--limit', '1', SAMPLE]).stdout).toContain('connections 7, 3 match only-anomalies, 1 shown (limit=1)\n');
    expect(cli(['--limit', '2', SAMPLE]).stdout).toContain('connections 7, 2 shown (limit=2)\n');
  });

  test('a long run of rows that change nothing is shortened to its ends; --every-row draws it (helper audit of the terminal, 2026-12-05)', () => {
    const dcc = join(TRACES, 'irc-dcc-send.pcapng'); // connection 2: a 1.3 MB transfer, 1,089 packets
    const short = cli(['--ladder', '2', dcc]);
    expect(short.code).toBe(0);
    const lines = short.stdout.split('\n');
    expect(lines.length).toBeLessThan(40);
    expect(short.stdout).toContain('⋯ 1,077 rows left out (frames 66-1142)');
    // The three rows on each side of the gap, and every row that moves a state, are drawn.
    for (const frame of [63, 64, 65, 1143, 1144, 1145, 1146, 1147, 1148]) expect(lines.some((l) => l.startsWith(` ${frame}  `) || l.startsWith(`   ${frame}  `))).toBe(true);
    const every = cli(['--ladder', '2', '--every-row', dcc]);
    expect(every.stdout.split('\n').length).toBeGreaterThan(1089);
    expect(every.stdout).not.toContain('rows left out');
    expect(cli(['--every-row', dcc]).stderr.split('\n')[0]).toBe('tcpflow-analyze: --every-row only makes sense with --ladder');
    // ASCII spells the mark with dots.
    expect(cli(['--ladder', '2', '--ascii', dcc]).stdout).toContain('... 1,077 rows left out');
  });

  test('a ladder of a handshake complete without its SYN says the SYN was not captured', () => {
    const r = cli(['--ladder', '1', join(TRACES, 'missing-syn.pcap')]);
    expect(r.stdout.split('\n')[1]).toMatch(/^handshake complete \(SYN not captured\) · /);
  });

  test('--ladder whose selection matches nothing says so, not "no anomaly" (helper audit of the terminal, 2026-12-05)', () => {
    const r = cli(['--ladder', '--host', '10.0.0.5', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No connection matches host=10.0.0.5.\n');
    expect(cli(['--ladder', '--all', '-c', '99', SAMPLE]).stdout).toBe('No connection matches connection=99.\n');
    // Connections 3, 5 and 6 match and have no anomaly (was "No connection matches connection=3,5,6 with an anomaly": late review).
    // Wrapped to the width (COLUMNS=80 here).
    expect(cli(['--ladder', '-c', '3,5,6', SAMPLE]).stdout)
      .toBe('3 connections match connection=3,5,6, none with an anomaly (plain --ladder draws\nonly those; --ladder --all draws every one).\n');
    expect(cli(['--ladder', '-c', '5', '--width', '40', SAMPLE]).stdout)
      .toBe('1 connection matches connection=5, none\nwith an anomaly (plain --ladder draws\nonly those; --ladder --all draws every\none).\n');
    // No TCP connection at all: nothing to draw, not "no anomaly; --ladder --all draws every connection".
    expect(cli(['--ladder', sharedPath('corpus', 'tcpdump', '802.1ad_QinQ.pcap')]).stdout).toBe('No connection to draw.\n');
    // An anomaly filter that matches nothing is said once (was "... only-anomalies with an anomaly").
    expect(cli(['--ladder', '--only-anomalies', '-c', '3', SAMPLE]).stdout).toBe('No connection matches connection=3 only-anomalies.\n');
    // JSON with ladders stays JSON: the selection says it, no line of text.
    const json = cli(['--ladder', '-c', '3', '-f', 'json', SAMPLE]);
    expect(JSON.parse(json.stdout).selection).toEqual({ criteria: ['connection=3', 'ladder'], matched: 0, shown: 0 });
  });

  test('--ladder with a number that is no connection id is a usage error, not a capture name', () => {
    for (const v of ['1.5', '-1', '0']) {
      const r = cli(['--ladder', v, SAMPLE]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const hint = v === '0' ? '' : ` (a capture of that name: --ladder -- ${v})`;
      expect(r.stderr.split('\n')[0]).toBe(`tcpflow-analyze: --ladder: expected a connection id (1, 2, ...), got '${v}'${hint}`);
    }
  });

  test('--ladder NAME: a capture whose name reads as a number is still a capture when it exists (tcpdump -G names; late review)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfa-numbered-'));
    for (const name of ['20240101_120000', '20240101-120000', '2024-01-01', '0x1f', 'nan', '1.5']) {
      copyFileSync(SAMPLE, join(dir, name));
      const r = cli(['--ladder', name], { cwd: dir });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^connection 1 {2}192\.168\.0\.4:26242 → 212\.227\.15\.188:110$/m);
    }
    // Not there: the usage error, with the way to name such a file.
    const r = cli(['--ladder', '20240101_120001', SAMPLE], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("tcpflow-analyze: --ladder: expected a connection id (1, 2, ...), got '20240101_120001' (a capture of that name: --ladder -- 20240101_120001)");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('streaming', () => {
  test('ndjson writes a finished connection before the input has ended', async () => {
    // Feed the sample through a pipe but hold back its last bytes: lines for connections that
    // finished early must already be on stdout while the capture is still open.
    const bytes = readFileSync(SAMPLE);
    const child = spawn(process.execPath, [BIN, '-f', 'ndjson', '--idle-timeout', '1', '-'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.setEncoding('utf8');
    const firstLine = new Promise<string>((resolve) => child.stdout.on('data', (d: string) => { out += d; if (out.includes('\n')) resolve(out); }));
    child.stdin.write(bytes.subarray(0, bytes.length - 200));
    const early = await Promise.race([firstLine, new Promise<string>((r) => setTimeout(() => r(''), 10_000))]);
    expect(early).toMatch(/^\{"type":"connection","id":1,/);
    child.stdin.end(bytes.subarray(bytes.length - 200));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^\{"type":"summary"/);
  });

  test('stdout that cannot take the report (> /dev/full): one line on stderr, exit 2, in every format', () => {
    for (const format of ['ndjson', 'json', 'table', 'zeek']) {
      // The last write fails after the run has decided its code: the exit code must still say so.
      const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" -f ${format} "${SAMPLE}" > /dev/full`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('tcpflow-analyze: cannot write the report: no space left on device (ENOSPC)\n');
    }
  });

  test('a closed stdout (| head) ends the run quietly', () => {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" -f ndjson "${SAMPLE}" "${SAMPLE}" "${SAMPLE}" | head -c 10 >/dev/null`], { encoding: 'utf8', timeout: 120_000 });
    // No error: at most the warnings of a run that finished before it learned (the inputs repeat).
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/^tcpflow-analyze: (\S+: )?warning: /.test(l))).toEqual([]);
  });
});

describe('a named pipe as input', () => {
  test('mkfifo f; writer > f & tcpflow-analyze f: every connection (the precision probe opened and closed it first: nothing)', () => {
    const fifo = join(tmp, 'capture.fifo');
    const want = cli(['-f', 'ndjson', SAMPLE]).stdout.replaceAll(JSON.stringify(SAMPLE), '"F"');
    const r = spawnSync('/bin/sh', ['-c', `rm -f "${fifo}"; mkfifo "${fifo}"; (sleep 0.3; cat "${SAMPLE}" > "${fifo}") & "${process.execPath}" "${BIN}" -f ndjson "${fifo}"; wait`],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout.replaceAll(JSON.stringify(fifo), '"F"')).toBe(want);
  });
});

describe('a gzip capture on stdin with more behind it (helper-60 review: SIGPIPE)', () => {
  test('trailing bytes or a damaged member after the records: the writer is read to its end, `set -o pipefail` holds (PIPESTATUS 0 0), on 1 and 2 threads', () => {
    const noise = Buffer.alloc(16 << 20, 0x78); // 16 MiB, past what the stdin reader reads ahead: a writer cut off would die of SIGPIPE
    const pcap = readFileSync(SAMPLE);
    const inputs = {
      trailing: Buffer.concat([gzipSync(pcap), noise]),
      damaged: Buffer.concat([gzipSync(pcap), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0x55]), noise]),
    };
    for (const [name, bytes] of Object.entries(inputs)) {
      const file = join(tmp, `${name}.pcap.gz`);
      writeFileSync(file, bytes);
      for (const threads of ['1', '2']) {
        const r = spawnSync('/bin/bash', ['-c', `set -o pipefail; cat "${file}" | "${process.execPath}" "${BIN}" --threads ${threads} -f ndjson - > /dev/null; echo "\${PIPESTATUS[@]}"`],
          { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
        expect(r.stdout, `${name}, --threads ${threads}: ${r.stderr}`).toBe('0 0\n');
        expect(r.stderr).toMatch(name === 'trailing' ? /GZIP_TRAILING_DATA/ : /GZIP_ERROR/);
      }
    }
  });
});

describe('--threads', () => {
  test('inputs are read in the order of their first records: newest first reads as oldest first, on 1 or 2 threads', () => {
    // pop3 (2013), ipv6 (2012), missing-syn (2005). Read in the order given, that was two steps
    // back in time, and a connection spanning two files of a rotated capture was two.
    const oldestFirst = [join(TRACES, 'missing-syn.pcap'), join(TRACES, 'ipv6.pcap'), SAMPLE];
    const backwards = (r: Run): number => (JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as { stats: { timestampsBackwards: number } }).stats.timestampsBackwards;
    const want = cli(['-f', 'ndjson', ...oldestFirst]);
    expect(backwards(want)).toBe(0);
    for (const order of [[...oldestFirst].reverse(), [SAMPLE, oldestFirst[0], oldestFirst[1]]]) {
      expect(cli(['-f', 'ndjson', '--threads', '1', ...order]).stdout).toBe(want.stdout);
      const two = cli(['-f', 'ndjson', '--threads', '2', '--debug', ...order]);
      expect(two.stderr).toMatch(/as 2 shards/);
      expect(two.stdout).toBe(want.stdout);
    }
  });

  test('a rotated capture given in the shell\'s order (cap, cap1, cap10, cap2): one capture, as the file it was cut from', () => {
    // tcpdump -C names its files cap, cap1, ..., cap10: a glob lists cap10 before cap2.
    const whole = readFileSync(SAMPLE);
    const records: Buffer[] = [];
    for (let p = 24; p < whole.length;) {
      const len = 16 + whole.readUInt32LE(p + 8);
      records.push(whole.subarray(p, p + len));
      p += len;
    }
    const dir = mkdtempSync(join(tmp, 'rotated-'));
    const names: string[] = [];
    for (let i = 0, k = 0; i < records.length; i += 12, k++) {
      const name = join(dir, k === 0 ? 'cap' : `cap${k}`);
      writeFileSync(name, Buffer.concat([whole.subarray(0, 24), ...records.slice(i, i + 12)]));
      names.push(name);
    }
    expect(names.length).toBeGreaterThan(10);
    const shellOrder = [...names].sort();
    expect(shellOrder).not.toEqual(names);
    // Frames count in their own input: the same connections, numbered per file.
    const strip = (r: Run): unknown => r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((o) => o.type === 'connection').map((c) => JSON.stringify(c, (k, v: unknown) => (/^(frame|input)$|Frame$|Input$/.test(k) ? undefined : v)));
    const one = cli(['-f', 'ndjson', SAMPLE]);
    const split = cli(['-f', 'ndjson', '--fail-on', 'warn', ...shellOrder]);
    expect(split.code).toBe(cli(['-f', 'ndjson', '--fail-on', 'warn', SAMPLE]).code);
    expect(strip(split)).toEqual(strip(one));
  });

  test('stats.timestampsBackwards counts a step back between two inputs that overlap in time, as in the one file they make, on 1 or 2 threads', () => {
    // ipv6 (2012) then pop3 (2013) in one file, and pop3 again: its first record is later than the
    // first file's, so it is read second, and the step from the first file's end back to it counts.
    const bufs = [join(TRACES, 'ipv6.pcap'), SAMPLE].map((f) => readFileSync(f));
    for (const b of bufs) expect([b.readUInt32LE(0), b.readUInt32LE(20)]).toEqual([bufs[0].readUInt32LE(0), bufs[0].readUInt32LE(20)]);
    const header = Buffer.from(bufs[0].subarray(0, 24));
    header.writeUInt32LE(Math.max(...bufs.map((b) => b.readUInt32LE(16))), 16);
    const first = join(tmp, 'ipv6-then-pop3.pcap');
    writeFileSync(first, Buffer.concat([header, ...bufs.map((b) => b.subarray(24))]));
    const joined = join(tmp, 'ipv6-then-pop3-twice.pcap');
    writeFileSync(joined, Buffer.concat([header, ...bufs.map((b) => b.subarray(24)), bufs[1].subarray(24)]));
    const backwards = (r: Run): number => (JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as { stats: { timestampsBackwards: number } }).stats.timestampsBackwards;
    expect(backwards(cli(['-f', 'ndjson', joined]))).toBe(1);
    const one = cli(['-f', 'ndjson', '--threads', '1', SAMPLE, first]);
    const two = cli(['-f', 'ndjson', '--threads', '2', '--debug', first, SAMPLE]);
    expect(two.stderr).toMatch(/as 2 shards/);
    expect(backwards(one)).toBe(1);
    expect(backwards(two)).toBe(1);
    expect(two.stdout).toBe(one.stdout);
  });

  test('inputs years apart report the same connections and the same verdict in either order, on 1 or 2 threads', () => {
    // client-close (2026) then pop3 (2013): pop3's times fell below the clock's zero (placed 48.5
    // days before the first record read), lost their handshake times and held CLOSE_WAIT for 13
    // years, and --fail-on warn tripped on LINGERING_CLOSE_WAIT in one order only.
    const newer = join(ROOT, 'fixtures/real/client-close.pcap');
    const conns = (r: Run): string[] => r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((o) => o.type === 'connection').map(({ id: _id, ...rest }) => JSON.stringify(rest)).sort();
    const want = cli(['-f', 'ndjson', '--fail-on', 'warn', SAMPLE, newer]);
    expect(conns(want).length).toBeGreaterThan(5);
    expect(want.stdout).not.toMatch(/LINGERING/);
    for (const threads of ['1', '2']) {
      const r = cli(['-f', 'ndjson', '--fail-on', 'warn', '--threads', threads, newer, SAMPLE]);
      expect(r.code).toBe(want.code);
      expect(conns(r)).toEqual(conns(want));
    }
    // --threads 2 with --format json goes through the reading worker (threads/pipeline.ts).
    const json = (r: Run): string[] => (JSON.parse(r.stdout) as { connections: Record<string, unknown>[] }).connections
      .map(({ id: _id, ...rest }) => JSON.stringify(rest)).sort();
    const a = cli(['-f', 'json', '--threads', '2', newer, SAMPLE]);
    expect(json(a)).toEqual(json(cli(['-f', 'json', SAMPLE, newer])));
  });

  test('2 prints exactly what 1 prints, in every format, with stdin and a missing input among several', () => {
    const files = [SAMPLE, join(TRACES, 'ipv6.pcap'), join(tmp, 'no-such.pcap'), join(TRACES, 'missing-syn.pcap')];
    for (const format of ['table', 'json', 'ndjson', 'zeek']) {
      const one = cli(['-f', format, '--threads', '1', ...files]);
      const two = cli(['-f', format, '--threads', '2', ...files]);
      expect(one.code).toBe(2); // the missing input
      expect(two.code).toBe(one.code);
      expect(two.stdout).toBe(one.stdout);
      expect(two.stderr).toBe(one.stderr);
    }
    const input = readFileSync(SAMPLE);
    const a = cli(['-f', 'ndjson', '--threads', '2', '-'], { input });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(cli(['-f', 'ndjson', '-'], { input }).stdout);
  });

  test('2 on NDJSON from regular files runs as two shards and prints exactly what 1 prints: several inputs, a cut one, one that is no capture, --fail-on', () => {
    const cut = join(tmp, 'cut.pcap');
    const sample = readFileSync(SAMPLE);
    writeFileSync(cut, sample.subarray(0, Math.floor(sample.length * 0.6)));
    const junk = join(tmp, 'not-a-capture.pcap');
    writeFileSync(junk, 'this is not a capture\n'.repeat(20));
    const files = [SAMPLE, join(TRACES, 'ipv6.pcap'), cut, junk, join(ROOT, 'fixtures/generated/tuple-reuse.pcap'), join(TRACES, 'missing-syn.pcap')];
    for (const extra of [[], ['--fail-on', 'any'], ['--fail-on', 'RESET']]) {
      const one = cli(['-f', 'ndjson', ...extra, ...files]);
      const two = cli(['-f', 'ndjson', '--threads', '2', ...extra, ...files]);
      expect(one.code).toBe(2); // the input that is no capture
      expect(two.code).toBe(one.code);
      expect(two.stdout).toBe(one.stdout);
      expect(two.stderr).toBe(one.stderr);
      expect(one.stdout.split('\n').length).toBeGreaterThan(20);
    }
    // The gate alone decides the code: 1, as with one thread.
    const gated = [SAMPLE, join(ROOT, 'fixtures/generated/reset.pcap')];
    const one = cli(['-f', 'ndjson', '--fail-on', 'RESET', ...gated]);
    const two = cli(['-f', 'ndjson', '--threads', '2', '--fail-on', 'RESET', '--debug', ...gated]);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    const [how, held, ...rest] = two.stderr.split('\n');
    expect(how).toBe('tcpflow-analyze: debug: --threads 2 as 2 shards, each reading every input');
    expect(held).toMatch(/^tcpflow-analyze: debug: the merge held at most \d+ connection creations at once$/);
    expect(rest.join('\n')).toBe(one.stderr);
  });

  test('2 shards on a flood: the merge holds the creations the shards may still name, not every one of the capture', () => {
    // Every batch of a flood goes out mid-chunk, where the shards cannot say which placeholders they
    // still use: floors that followed batches never came, and the merge held all 100,000 creations.
    // At 200 SYNs/s a SYN times out (--idle-timeout 130) with ~26,000 others live; with --msl 1 its
    // tombstone goes 2 s later.
    const flood = join(tmp, 'flood100k.pcap');
    execFileSync(process.execPath, [join(sharedPath('bench'), 'gen-capture'), '--flood', '100000', '--rate', '200', '--seed', 'held', '--out', flood], { stdio: 'ignore' });
    const { one, two, held } = shardedFlood(flood);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(70_000);
    expect(two).toBe(one);
  }, 60_000);

  test('2 shards on a flood whose tuples all fall in one shard: the idle shard does not make the merge keep them', () => {
    // The shards tell the merge which placeholders they may still use every so many creations, and
    // every so many segments: a shard that creates none did not tell it, and the merge held every
    // creation of the other (all ~100,000).
    const flood = join(tmp, 'flood200k.pcap');
    execFileSync(process.execPath, [join(sharedPath('bench'), 'gen-capture'), '--flood', '200000', '--rate', '400', '--seed', 'idle', '--out', flood], { stdio: 'ignore' });
    const one = join(tmp, 'flood-shard0.pcap');
    const kept = keepShard(flood, one, 0, 2);
    expect(kept).toBeGreaterThan(90_000);
    const { one: single, two, held } = shardedFlood(one);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(70_000);
    expect(two).toBe(single);
  }, 60_000);

  test('2 with --max-connections reached: the shards stop at their half of the cap and one thread finishes, with the same bytes, stderr and exit code', () => {
    // Each shard evicted from its own half of the cap: zeek's ipv4.pcap with a cap of 2 gave 10
    // connections (6 evicted, MIDSTREAM splits) and exit 1 where one thread gives 5 and exit 0.
    const ipv4 = join(TRACES, 'ipv4.pcap');
    // An input given twice that is no capture: its error is said twice, by one thread and by two.
    const junk = join(tmp, 'junk-twice.pcap');
    writeFileSync(junk, 'this is not a capture\n'.repeat(20));
    for (const cap of ['1', '2', '3']) {
      const one = cli(['-f', 'ndjson', '--max-connections', cap, '--fail-on', 'any', junk, ipv4, junk]);
      const two = cli(['-f', 'ndjson', '--max-connections', cap, '--fail-on', 'any', '--threads', '2', '--debug', junk, ipv4, junk]);
      expect(one.stderr.split('\n').filter((l) => l.includes('junk-twice.pcap: not a pcap'))).toHaveLength(2);
      expect(two.stdout).toBe(one.stdout);
      expect(two.code).toBe(one.code);
      const debug = two.stderr.split('\n').filter((l) => l.includes(': debug: '));
      expect(two.stderr.split('\n').filter((l) => !l.includes(': debug: ')).join('\n')).toBe(one.stderr);
      expect(debug.join('\n')).toMatch(cap === '1'
        ? /as a reading and tracking worker \(a --max-connections of 1 has no halves for two shards\)/
        : /a shard reached its half of the --max-connections cap at segment \d+ after 0 lines; finishing on one thread/);
    }
  });

  test('2 with the cap reached after lines went out: the lines are not repeated, the input error is said once, the flood\'s evictions are one thread\'s', () => {
    // 1,500 connections (8.6 MB, so the shards send lines before the cap binds), then 5,000 SYNs,
    // then a cut copy of the flows 200 s later (files are read in time order): the single run
    // evicts from the flood on.
    const flows = join(tmp, 'mix-flows.pcap');
    const flood = join(tmp, 'mix-flood.pcap');
    const later = join(tmp, 'mix-later.pcap');
    const gen = join(sharedPath('bench'), 'gen-capture');
    execFileSync(process.execPath, [gen, '--flows', '1500', '--rate', '100', '--segs', '2', '--seed', 'mix', '--out', flows], { stdio: 'ignore' });
    execFileSync(process.execPath, [gen, '--flood', '5000', '--seed', 'mix', '--start', '1700000100', '--out', flood], { stdio: 'ignore' });
    execFileSync(process.execPath, [gen, '--flows', '1500', '--rate', '100', '--segs', '2', '--seed', 'mix', '--start', '1700000200', '--out', later], { stdio: 'ignore' });
    const cut = join(tmp, 'mix-cut.pcap');
    const whole = readFileSync(later);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 3) + 7));
    const files = [cut, flood, flows]; // given in any order
    const one = cli(['-f', 'ndjson', '--max-connections', '1000', '--fail-on', 'warn', ...files]);
    const two = cli(['-f', 'ndjson', '--max-connections', '1000', '--fail-on', 'warn', '--threads', '2', '--debug', ...files]);
    expect(one.code).toBe(1);
    expect(two.code).toBe(one.code);
    expect(two.stdout === one.stdout).toBe(true); // ~10 MB: no diff printed
    expect(two.stderr.split('\n').filter((l) => !l.includes(': debug: ')).join('\n')).toBe(one.stderr);
    const written = Number(/a shard reached its half of the --max-connections cap at segment \d+ after (\d+) lines; finishing on one thread/.exec(two.stderr)?.[1]);
    // The single run's lines before the segment where the first shard reached its share: the same
    // however far the other had got (it read 0 on a loaded CI run when the shard stopped at once).
    expect(two.stderr).toMatch(/at segment 20940 after 1371 lines/);
    expect(written).toBe(1371);
    const summary = JSON.parse(one.stdout.trim().split('\n').at(-1)!);
    expect(summary.stats.connectionsEvicted).toBeGreaterThan(1000);
    expect(summary.summary.connections).toBe(one.stdout.trim().split('\n').length - 1);
  }, 60_000);

  test('2 shards: with the progress bar the same report; standard input or a selection take the reading worker', () => {
    const files = [SAMPLE, join(TRACES, 'ipv6.pcap')];
    const one = cli(['-f', 'ndjson', ...files]);
    const bar = cli(['-f', 'ndjson', '--threads', '2', '--progress', '--debug', ...files]);
    expect(bar.code).toBe(0);
    expect(bar.stdout).toBe(one.stdout);
    expect(bar.stderr).toMatch(/^tcpflow-analyze: debug: --threads 2 as 2 shards/);
    const input = readFileSync(SAMPLE);
    expect(cli(['-f', 'ndjson', '--threads', '2', '--debug', '-'], { input }).stderr).toMatch(/as a reading and tracking worker/);
    expect(cli(['-f', 'ndjson', '--threads', '2', '--debug', '--limit', '2', SAMPLE]).stderr).toMatch(/as a reading and tracking worker/);
    expect(cli(['-f', 'json', '--threads', '2', '--debug', SAMPLE]).stderr).toMatch(/as a reading and tracking worker/);
    expect(cli(['-f', 'zeek', '--threads', '2', '--debug', SAMPLE]).stderr).toMatch(/ignored: --format zeek \(Zeek's rows\) runs on one thread/);
  });

  test('2 shards: a closed stdout (| head) ends the run quietly and at once', () => {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" -f ndjson --threads 2 "${SAMPLE}" "${SAMPLE}" "${SAMPLE}" | head -c 10 >/dev/null`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/^tcpflow-analyze: (\S+: )?warning: /.test(l))).toEqual([]);
  });

  test('2 with --ladder runs in-process (ladders need per-packet rows) and prints the same', () => {
    const one = cli(['--ladder', '4', SAMPLE]);
    const two = cli(['--threads', '2', '--ladder', '4', SAMPLE]);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });

  test('a capture of many read chunks: file (one reused buffer) = pipe (fresh buffers), 1 or 2 threads, plain or gzip', () => {
    // 3,000 flows, ~30 MB: thirty 1 MiB reads with records across every boundary. The file reader
    // reads into one buffer again and again (the worker takes it when it may): a record read from a
    // reused buffer after its bytes were overwritten would change the output.
    const big = join(tmp, 'many-chunks.pcap');
    execFileSync(process.execPath, [join(sharedPath('bench'), 'gen-capture'), '--flows', '3000', '--seed', 'chunks', '--out', big], { stdio: 'ignore' });
    const bytes = readFileSync(big);
    expect(bytes.length).toBeGreaterThan(4 << 20);
    const gz = join(tmp, 'many-chunks.pcap.gz');
    const gzBytes = gzipSync(bytes);
    writeFileSync(gz, gzBytes);
    // Through a pipe it is inflated on the gunzip thread (a file of this size is not: open.ts GZIP_THREAD_MIN).
    expect(gzBytes.length).toBeGreaterThan(4 << 20);
    const named = (out: string, name: string): string => out.replaceAll(`"input":${JSON.stringify(name)}`, '"input":"X"').replaceAll(`"file":${JSON.stringify(name)}`, '"file":"X"');
    const piped = cli(['-f', 'ndjson', '-'], { input: bytes });
    expect(piped.code).toBe(0);
    expect(piped.stdout.split('\n').length).toBeGreaterThan(3000);
    const want = named(piped.stdout, '-');
    const gates: string[] = [];
    for (const threads of ['1', '2']) {
      const r = cli(['-f', 'ndjson', '--threads', threads, big]);
      expect(r.code).toBe(0);
      expect(named(r.stdout, big)).toBe(want);
      // The gate's line counts codes from both shards: the same line as one thread's.
      const g = cli(['-f', 'ndjson', '--threads', threads, '--fail-on', 'any', big]);
      expect(g.code).toBe(1);
      gates.push(g.stderr);
      const z = cli(['-f', 'ndjson', '--threads', threads, gz]);
      expect(named(z.stdout, gz).replace('"gzip":true', '"gzip":false')).toBe(want);
    }
    const zPiped = cli(['-f', 'ndjson', '-'], { input: gzBytes });
    expect(named(zPiped.stdout, '-').replace('"gzip":true', '"gzip":false')).toBe(want);
    expect(gates[0]).toMatch(/^tcpflow-analyze: --fail-on tripped by \d+ connections \((\w+ \d+, ){5,}/);
    expect(gates[1]).toBe(gates[0]);
    // Ten runs over 30 MB: 22 s alone, over 60 s on a host busy with other work (helper-93 audit).
    // The limit is not a measure; each run's own (cli's 120 s) catches a hang (helper-96 review).
  }, 180_000);

  test('a gzip file with bytes after its stream: the report as without them, one warning, no hang (1 or 2 threads, file or stdin)', () => {
    // Before the gzip layer framed members itself, one trailing zero byte left a promise unsettled
    // (exit 13, nothing printed; with --threads 2 a hang), and trailing text was a fatal error.
    const gz = gzipSync(readFileSync(SAMPLE));
    const padded = join(tmp, 'padded.pcap.gz');
    const texted = join(tmp, 'texted.pcap.gz');
    writeFileSync(padded, Buffer.concat([gz, Buffer.alloc(1)]));
    writeFileSync(texted, Buffer.concat([gz, Buffer.from('hello\n')]));
    const want = cli(['-f', 'ndjson', SAMPLE]).stdout.replaceAll(JSON.stringify(SAMPLE), '"X"').replace('"gzip":false', '"gzip":true');
    const run = (args: string[], input?: Buffer): Run => {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    for (const threads of ['1', '2']) {
      const p = run(['-f', 'ndjson', '--threads', threads, padded]);
      expect(p.code).toBe(0);
      expect(p.stderr).toBe('');
      expect(p.stdout.replaceAll(JSON.stringify(padded), '"X"')).toBe(want);
      const t = run(['-f', 'ndjson', '--threads', threads, '-'], readFileSync(texted));
      expect(t.code).toBe(0);
      expect(t.stderr).toBe(`tcpflow-analyze: stdin: warning: the bytes from compressed byte ${gz.length} on (68 65 6c 6c ...) are not a gzip member; ignored after 1 complete member, as gzip -d does (GZIP_TRAILING_DATA at byte ${readFileSync(SAMPLE).length})\n`);
      const conns = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('{"type":"connection"'));
      expect(conns(t.stdout.replaceAll('"input":"-"', '"input":"X"'))).toEqual(conns(want));
    }
  }, 60_000);

  test('anything else is a usage error', () => {
    const r = cli(['--threads', '3', SAMPLE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/threads/);
  });
});

/** Copies the records of a classic little-endian pcap whose 4-tuple falls in shard `index` of `count` (flow/tracker.ts, Shard). */
function keepShard(from: string, to: string, index: number, count: number): number {
  const b = readFileSync(from);
  const parts: Buffer[] = [b.subarray(0, 24)];
  const f = newPacketFields();
  let kept = 0;
  for (let off = 24, frameNo = 1; off + 16 <= b.length; frameNo++) {
    const capLen = b.readUInt32LE(off + 8);
    const data = b.subarray(off + 16, off + 16 + capLen);
    const rec = { frameNo, byteOffset: off, tsSec: b.readUInt32LE(off), tsNanos: b.readUInt32LE(off + 4) * 1000, capLen, origLen: b.readUInt32LE(off + 12), linkType: b.readUInt32LE(20), data };
    if (decodePacket(rec, f, false) === 'OK' && (tupleHash(f) >>> 0) % count === index) {
      parts.push(b.subarray(off, off + 16 + capLen));
      kept++;
    }
    off += 16 + capLen;
  }
  writeFileSync(to, Buffer.concat(parts));
  return kept;
}

/**
 * A slow flood (200 SYNs/s, so SYNs time out while others arrive) run by one thread and by two
 * shards (--debug) with caps that never bind: the md5 of each output (a flood's NDJSON is ~2.5 kB a
 * SYN) and the most creations the merge held.
 */
function shardedFlood(file: string): { one: string; two: string; held: number } {
  const run = (extra: string[]) => spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" -f ndjson --max-connections 1000000 --idle-timeout 130 --msl 1 ${extra.join(' ')} "${file}" | md5sum`], { cwd: ROOT, encoding: 'utf8' });
  const one = run([]);
  const two = run(['--threads', '2', '--debug']);
  expect(one.status).toBe(0);
  expect(two.status).toBe(0);
  expect(two.stderr).not.toMatch(/finishing on one thread/);
  return { one: one.stdout, two: two.stdout, held: Number(/the merge held at most (\d+) connection creations/.exec(two.stderr)?.[1]) };
}

describe('a refused input lets go of a pipe its writer keeps open (helper-91 review)', () => {
  test('a gzip pipe holding no capture: the run ends, with the next input reported, while the writer is still there', async () => {
    // The gunzip thread's reader reads ahead; a read left waiting on the quiet pipe kept the process
    // alive until the writer closed it, though the report was complete.
    const junk = Buffer.alloc(200_000);
    for (let i = 0, x = 7; i < junk.length; i++) junk[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const gz = join(tmp, 'not-a-capture.gz');
    writeFileSync(gz, gzipSync(junk));
    const child = spawn('/bin/sh', ['-c', `cat "${gz}" - | ("${process.execPath}" "${BIN}" -f ndjson - "${SAMPLE}" > /dev/null; echo "node-exit $?" >&2)`]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!err.includes('node-exit') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const endedFirst = err.includes('node-exit'); // before the writer went
    child.stdin.end(); // the writer goes: cat ends
    await new Promise((resolve) => child.on('close', resolve));
    expect(err).toMatch(/^tcpflow-analyze: stdin: not a pcap or pcapng file/m);
    expect(err).toMatch(/node-exit 2/);
    expect(endedFirst, err).toBe(true);
  }, 30_000);
});
