// Micro-benchmark: NDJSON connection lines, JSON.stringify + Buffer.write (the batcher's old path)
// against the byte writer (src/report/ndjson-bytes.ts), on the reports of the ~100 MB benchmark
// capture held in memory. Both write into one 1 MiB batch that is discarded (reset) when full, and
// the two alternate round by round in this one process, so compare the ratio, not the times.
//
//   npm run build && node bench/ndjson-writer.mjs [--rounds N] [capture.pcap]
//
// The capture is made by `npm run bench` (bench/lib.mjs, input "100m"); without it this skips.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { REPO, oursBuilt } from './lib.mjs';

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 5;
const CAPTURE = args[0] ?? '/tmp/tcpflow-bench/gen-flows-9000-seed-1-5d21991a.pcap';
const BATCH = 1 << 20;

if (!oursBuilt()) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
if (!existsSync(CAPTURE)) {
  console.log(`skipped: ${CAPTURE} not found (\`npm run bench\` generates it)`);
  process.exit(0);
}

const { analyze } = await import(join(REPO, 'dist', 'index.js'));
const { writeConnectionLine } = await import(join(REPO, 'dist', 'report', 'ndjson-bytes.js'));

const t0 = performance.now();
const bytes = readFileSync(CAPTURE);
const report = await analyze([{ name: CAPTURE.split('/').pop(), bytes: (async function* () { yield bytes; })() }]);
const reports = report.connections;
console.log(`${reports.length} reports from ${CAPTURE} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// The batcher's path before the byte writer (src/report/ndjson.ts), minus the handing out.
const HEAD = '{"type":"connection",';
function stringifyRound(buf) {
  let pos = 0;
  let total = 0;
  for (const c of reports) {
    const json = JSON.stringify(c);
    const worst = 3 * (HEAD.length + json.length);
    if (pos + worst > buf.length) { total += pos; pos = 0; }
    pos += buf.write(HEAD, pos, 'latin1');
    pos += buf.write(json.slice(1), pos, 'utf8');
    buf[pos++] = 0x0a;
  }
  return total + pos;
}

function bytesRound(buf) {
  let pos = 0;
  let total = 0;
  for (const c of reports) {
    let p = writeConnectionLine(c, buf, pos);
    if (p === -1) { total += pos; pos = 0; p = writeConnectionLine(c, buf, 0); }
    if (p < 0) throw new Error(`connection ${c.id}: writer returned ${p}`);
    pos = p;
  }
  return total + pos;
}

// Same bytes first: the writer is only worth timing if it writes what JSON.stringify writes.
{
  const a = Buffer.alloc(BATCH);
  const b = Buffer.alloc(BATCH);
  for (const c of reports) {
    const p = writeConnectionLine(c, b, 0);
    const want = HEAD + JSON.stringify(c).slice(1) + '\n';
    const n = a.write(want, 0, 'utf8');
    if (p !== n || a.compare(b, 0, p, 0, n) !== 0) throw new Error(`connection ${c.id}: different bytes`);
  }
}

// A full GC before each timed run, so neither side is charged for collecting the other's garbage
// (JSON.stringify leaves ~30 MB of strings per round; the writer next to nothing).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const buf = Buffer.allocUnsafe(BATCH);
const rows = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first, so neither always runs on a warmer (or GC-fuller) heap.
  const order = r % 2 === 0 ? ['stringify', 'bytes'] : ['bytes', 'stringify'];
  const row = {};
  for (const which of order) {
    gc();
    const s = performance.now();
    const n = which === 'stringify' ? stringifyRound(buf) : bytesRound(buf);
    row[which] = { ms: performance.now() - s, n };
  }
  rows.push(row);
  const mbps = (x) => (x.n / 1e6 / (x.ms / 1000)).toFixed(0);
  console.log(`round ${r + 1}: JSON.stringify+write ${row.stringify.ms.toFixed(1)} ms (${mbps(row.stringify)} MB/s), `
    + `byte writer ${row.bytes.ms.toFixed(1)} ms (${mbps(row.bytes)} MB/s), ratio ${(row.stringify.ms / row.bytes.ms).toFixed(2)}x`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const ratios = rows.map((x) => x.stringify.ms / x.bytes.ms);
console.log(`${(rows[0].bytes.n / 1e6).toFixed(1)} MB per round; median ratio over ${ROUNDS} rounds: ${median(ratios).toFixed(2)}x`
  + ` (min ${Math.min(...ratios).toFixed(2)}x, max ${Math.max(...ratios).toFixed(2)}x)`);
