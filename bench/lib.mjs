// Shared helpers for the benchmark scripts (plain Node.js, no dependencies).
// Locates the repo and ../shared/bench, and makes cached inputs with gen-capture.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CACHE = '/tmp/tcpflow-bench';

/** Folder holding gen-capture and the floors: $TCPFLOW_SHARED (the shared root or its bench/), else ../shared/bench. */
export function sharedBench() {
  const cands = [];
  if (process.env.TCPFLOW_SHARED) {
    const s = resolve(process.env.TCPFLOW_SHARED);
    cands.push(join(s, 'bench'), s);
  }
  cands.push(resolve(REPO, '..', 'shared', 'bench'));
  for (const c of cands) if (existsSync(join(c, 'gen-capture'))) return c;
  throw new Error(`gen-capture not found (looked in ${cands.join(', ')}); set TCPFLOW_SHARED to the shared folder`);
}

/** The benchmark inputs: id, gen-capture options, what it is. */
export const INPUTS = [
  { id: '100m', gen: ['--flows', '9000', '--seed', '1'], what: '~100 MB mixed capture: 9,000 connections, 166k packets, 10% IPv6, all nine shapes' },
  { id: '1g', gen: ['--flows', '90000', '--seed', '1'], what: '~1 GB mixed capture: 90,000 connections, 1.68M packets (the target file)' },
  { id: 'flood', gen: ['--flood', '2000000', '--seed', '1'], what: '2M-SYN flood: 2,000,000 never-answered SYNs from distinct source addr/port (144 MB)' },
  // Not in the default run: 1g's flows at 20 new connections a second instead of 2,000, so the same
  // 1.68M packets with at most 29 connections open at once (1g: up to 17,639 tracked). What the
  // tracker costs when its working set fits in the caches (bench/stages.mjs --input calm1g).
  { id: 'calm1g', gen: ['--flows', '90000', '--seed', '1', '--rate', '20'], extra: true, what: 'the 1 GB capture\'s flows at 20 connections/s: 1.68M packets, at most 29 connections open at once' },
];

let genHash = null;
/** Path of the cached capture for `input`, generating it first when missing. Key: gen-capture options + a hash of gen-capture itself. */
export function ensureInput(input, cacheDir, log = (s) => process.stderr.write(s + '\n')) {
  const gen = join(sharedBench(), 'gen-capture');
  genHash ??= createHash('sha1').update(readFileSync(gen)).digest('hex').slice(0, 8);
  const key = input.gen.join(' ').replace(/--/g, '').trim().replace(/[^A-Za-z0-9.]+/g, '-');
  const file = join(cacheDir, `gen-${key}-${genHash}.pcap`);
  const meta = file.replace(/\.pcap$/, '.json');
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    if (m.bytes === statSync(file).size) return { file, ...m };
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.tmp${process.pid}`;
  log(`generating ${input.id}: gen-capture ${input.gen.join(' ')} -> ${file}`);
  const p = spawnSync(process.execPath, [gen, '--out', tmp, ...input.gen], { encoding: 'utf8' });
  if (p.status !== 0) { rmSync(tmp, { force: true }); throw new Error(`gen-capture failed: ${p.stderr}`); }
  const line = p.stderr.trim().split('\n').pop();
  const packets = Number(/packets=(\d+)/.exec(line)?.[1]);
  const m = { id: input.id, gen: input.gen, genLine: line, packets, bytes: statSync(tmp).size };
  renameSync(tmp, file);
  writeFileSync(meta, JSON.stringify(m) + '\n');
  return { file, ...m };
}

/** Is the dist build there (bin imports the CLI's bundle, dist/bundle/main.js)? */
export function oursBuilt() {
  return existsSync(join(REPO, 'dist', 'bundle', 'main.js'));
}

export function which(cmd) {
  const p = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return p.status === 0 ? p.stdout.trim() : null;
}

export const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : NaN; };

/**
 * Command-line options by node:util's parseArgs (`spec`: its `options`); `--help` prints `usage`
 * and exits 0, anything it rejects prints the reason and `usage` and exits 2.
 */
export function options(argv, spec, usage, tool) {
  try {
    const { values } = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) { console.log(usage); process.exit(0); }
    return values;
  } catch (err) {
    console.error(`${tool}: ${err.message}\n${usage}`);
    process.exit(2);
  }
}

/** The capture an `--input` names: a known id (generated and cached) or a file, which must exist. */
export function inputFile(input, cacheDir, tool) {
  const known = INPUTS.find((x) => x.id === input);
  const file = known ? ensureInput(known, cacheDir).file : resolve(input);
  if (!existsSync(file)) { console.error(`${tool}: no such file ${file}`); process.exit(2); }
  return { file, label: known ? known.id : file };
}

/** `argv` under /usr/bin/time, output discarded: wall and CPU (user + sys) seconds, peak RSS, exit status. */
export function timed(argv, env = {}) {
  const p = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...argv],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  const last = (p.stderr || '').trim().split('\n').pop() ?? '';
  const [wall, user, sys, kb] = last.split(' ').map(Number);
  if (!Number.isFinite(wall)) throw new Error(`${argv.join(' ')}: no timing (exit ${p.status}): ${(p.stderr || '').slice(-300)}`);
  return { wall, cpu: user + sys, rssMiB: kb / 1024, exit: p.status };
}

/** Pipeline prefixes bench/stages.mjs and bench/alloc.mjs run, each including the ones before it. */
export const STAGES = ['read', 'decode', 'track', 'report', 'render'];

/**
 * Loads dist/ and returns a function that runs `file` through the pipeline up to `stage` (one of
 * STAGES) and resolves to a count of what it processed. Loading comes first so that what the
 * returned function does (timed, profiled) is the stage's work alone. Sets what src/cli/main.ts sets
 * for the CLI: without it the track stage alone took 4.0-4.6 s on the 1 GB capture against 3.4-3.5 s.
 */
export async function prepareStage(stage, file) {
  if (!STAGES.includes(stage)) throw new Error(`unknown stage ${stage}`);
  setFlagsFromString('--heap-growing-percent=150');
  const dist = (p) => import(pathToFileURL(join(REPO, 'dist', p)).href);
  const { openInput } = await dist('cli/inputs.js');
  if (stage === 'read' || stage === 'decode') {
    const { readCapture } = await dist('capture/open.js');
    const { newCaptureInfo } = await dist('capture/record.js');
    const { decodePacket } = await dist('decode/packet.js');
    const { newPacketFields } = await dist('decode/fields.js');
    const fields = newPacketFields();
    const decode = stage === 'decode';
    return async () => {
      let n = 0;
      await readCapture(openInput(file).bytes, newCaptureInfo(), (rec) => {
        n++;
        if (decode && decodePacket(rec, fields, false) === 'OK') n++;
      });
      return n;
    };
  }
  const { runCore, resolveSettings } = await dist('core.js');
  const { CaptureClock } = await dist('capture/clock.js');
  const { ConnectionDigest, digestConnection } = await dist('analysis/digest.js');
  const { writeDigestLine, LINE_NO_ROOM, LINE_UNEXPECTED_SHAPE } = await dist('report/ndjson-facts.js');
  return async () => {
    const settings = resolveSettings({});
    const clock = new CaptureClock();
    const digest = new ConnectionDigest();
    const buf = Buffer.allocUnsafeSlow(1 << 20);
    let pos = 0;
    let n = 0;
    // What the CLI's streaming NDJSON does per connection (analyze.ts ReportCollector.finished,
    // NdjsonLineBatcher.digest): the digest, then its line.
    const finished = stage === 'track' ? () => { n++; }
      : stage === 'report' ? (c, ended, endNanos) => { n += digestConnection(c, ended, endNanos, clock, settings, digest).c.id > 0 ? 1 : 0; }
        : (c, ended, endNanos) => {
          const d = digestConnection(c, ended, endNanos, clock, settings, digest);
          let q = writeDigestLine(d, buf, pos);
          if (q === LINE_NO_ROOM) { pos = 0; q = writeDigestLine(d, buf, pos); }
          if (q === LINE_UNEXPECTED_SHAPE || q === LINE_NO_ROOM) throw new Error(`connection ${c.id} did not render`);
          pos = q;
          n++;
        };
    await runCore([openInput(file)], settings, clock, { ladder: false, finished });
    return n;
  };
}
