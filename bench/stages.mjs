#!/usr/bin/env node
// What each pipeline stage costs on its own: the same capture run through longer and longer
// prefixes of the pipeline, each in a fresh process, alternated rep by rep (like ab.mjs), and the
// difference between neighbouring minima taken as the cost of the stage added.
//
//   node bench/stages.mjs [--input 100m|1g|flood|calm1g|FILE] [--reps N] [--cache DIR] [--no-peers]
//
// Stages (each includes the ones before it; all from dist/, so `npm run build` first):
//   read     the CLI's file reader and the capture framer (readCapture), records counted
//   decode   + decodePacket into the reused PacketFields
//   track    + the tracker: flow table, both endpoints' RFC 9293 machines, anomalies, Zeek model
//            (core.ts runCore, finished connections dropped)
//   report   + the digest of every finished connection (analysis/digest.ts: detectors, phases, anomalies)
//   render   + its NDJSON line written from the digest into a reused 1 MiB buffer (report/ndjson-facts.ts), no I/O
//   cli      the real tool, `--format ndjson > /dev/null` (summary, selection, batching, writes)
// and, where installed, `tcptrace -n` on the same file for scale.
//
// Why not a profile: a sampling profile charges cache misses to whoever takes them, and the
// report stage evicts the tracker's working set, so profile shares do not add up to what removing
// a stage saves. Cutting the pipeline does.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CACHE, REPO, STAGES, inputFile, median, options, oursBuilt, prepareStage, timed, which } from './lib.mjs';

const USAGE = 'usage: node bench/stages.mjs [--input 100m|1g|flood|calm1g|FILE] [--reps N] [--cache DIR] [--no-peers]';

function parse(argv) {
  const v = options(argv, {
    input: { type: 'string', default: '1g' },
    reps: { type: 'string', default: '3' },
    cache: { type: 'string', default: DEFAULT_CACHE },
    'no-peers': { type: 'boolean', default: false },
  }, USAGE, 'stages');
  const o = { input: v.input, reps: Number(v.reps), cache: v.cache, peers: !v['no-peers'] };
  if (!(o.reps >= 1)) { console.error(USAGE); process.exit(2); }
  return o;
}

/** A run that must succeed. */
function timedOk(argv) {
  const x = timed(argv);
  if (x.exit !== 0) throw new Error(`stages: ${argv.join(' ')}: exit ${x.exit}`);
  return x;
}

function main() {
  const o = parse(process.argv.slice(2));
  if (!oursBuilt()) { console.error('stages: dist/ is missing: run `npm run build` first'); process.exit(2); }
  const { file, label } = inputFile(o.input, o.cache, 'stages');
  const self = fileURLToPath(import.meta.url);
  const rows = STAGES.map((s) => ({ name: s, argv: [process.execPath, self, '--child', s, file], runs: [] }));
  rows.push({ name: 'cli', argv: [process.execPath, join(REPO, 'bin', 'tcpflow-analyze.js'), '--format', 'ndjson', file], runs: [] });
  const tcptrace = o.peers ? which('tcptrace') : null;
  if (tcptrace) rows.push({ name: 'tcptrace -n', argv: [tcptrace, '-n', file], runs: [], peer: true });
  timedOk(rows[rows.length - 1].argv); // page cache warm
  for (let r = 0; r < o.reps; r++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(r + k) % rows.length];
      const x = timedOk(row.argv);
      row.runs.push(x);
      process.stderr.write(`${row.name}: ${x.wall.toFixed(2)} s wall, ${x.cpu.toFixed(2)} s cpu, ${x.rssMiB.toFixed(0)} MiB\n`);
    }
  }
  const min = (row, k) => Math.min(...row.runs.map((x) => x[k]));
  const peer = rows.find((r) => r.peer);
  console.log(`${o.reps} reps, ${label}; cost = this row's min wall minus the previous row's`);
  console.log(`| stage | wall min | wall median | cpu min | peak RSS | cost | ${peer ? 'min / tcptrace min |' : ''}`);
  console.log(`|---|---|---|---|---|---|${peer ? '---|' : ''}`);
  let prev = 0;
  for (const row of rows) {
    const w = min(row, 'wall');
    const cost = row.peer ? '' : (w - prev).toFixed(2);
    if (!row.peer && row.name !== 'cli') prev = w;
    const ratio = peer ? ` ${(w / min(peer, 'wall')).toFixed(2)} |` : '';
    console.log(`| ${row.name} | ${w.toFixed(2)} | ${median(row.runs.map((x) => x.wall)).toFixed(2)} | ${min(row, 'cpu').toFixed(2)}`
      + ` | ${Math.max(...row.runs.map((x) => x.rssMiB)).toFixed(0)} MiB | ${cost} |${ratio}`);
  }
}

if (process.argv[2] === '--child') {
  const n = await (await prepareStage(process.argv[3], process.argv[4]))();
  if (!(n > 0)) { console.error('stages: nothing was processed'); process.exit(1); }
} else {
  main();
}
