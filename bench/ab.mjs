#!/usr/bin/env node
// A/B of tcpflow-analyze variants on one input, alternated rep by rep so load on a shared machine
// hits every variant alike. Prints min and median wall, CPU (user + sys) and peak RSS per variant,
// and each variant's ratio to the first. On these noisy machines compare minima: a run is never
// faster than the work it does, and the minimum is what the machine gives when it is quiet.
//
//   node bench/ab.mjs [--input 100m|1g|flood|FILE] [--reps N] [--cache DIR] \
//        --variant 'NAME=[node flags ::] tool args' [--variant ...]
//
// A variant's text before ' :: ' goes to node, the rest to the tool, the input file last:
//   --variant 'base=-f ndjson' --variant 'semi4=--max-semi-space-size=4 :: -f ndjson'
// DIST=path/to/other/dist in a variant's node part runs that build instead (a worktree of HEAD~1);
// ENV:NAME=VALUE there sets an environment variable for that variant only.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CACHE, REPO, inputFile, median, options, timed } from './lib.mjs';

const USAGE = "usage: node bench/ab.mjs [--input 100m|1g|flood|FILE] [--reps N] [--cache DIR] --variant 'NAME=[node flags ::] tool args' ...";

function parse(argv) {
  const v = options(argv, {
    input: { type: 'string', default: '1g' },
    reps: { type: 'string', default: '5' },
    cache: { type: 'string', default: DEFAULT_CACHE },
    variant: { type: 'string', multiple: true, default: [] },
  }, USAGE, 'ab');
  const o = { input: v.input, reps: Number(v.reps), cache: v.cache, variants: [] };
  for (const text of v.variant) {
    const eq = text.indexOf('=');
    if (eq <= 0) { console.error(`ab: variant needs NAME=...: ${text}`); process.exit(2); }
    const rest = text.slice(eq + 1);
    const [nodePart, toolPart] = rest.includes(' :: ') ? rest.split(' :: ') : ['', rest];
    const words = (x) => x.split(/\s+/).filter(Boolean);
    let bin = join(REPO, 'bin', 'tcpflow-analyze.js');
    const nodeArgs = [];
    const env = {};
    for (const w of words(nodePart)) {
      if (w.startsWith('DIST=')) bin = join(resolve(w.slice(5)), '..', 'bin', 'tcpflow-analyze.js');
      else if (w.startsWith('ENV:') && w.includes('=')) env[w.slice(4, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
      else nodeArgs.push(w);
    }
    o.variants.push({ name: text.slice(0, eq), nodeArgs, env, bin, toolArgs: words(toolPart), runs: [] });
  }
  if (!o.variants.length || !(o.reps >= 1)) { console.error(USAGE); process.exit(2); }
  return o;
}

function runOnce(v, file) {
  return timed([process.execPath, ...v.nodeArgs, v.bin, ...v.toolArgs, file], v.env);
}

function main() {
  const o = parse(process.argv.slice(2));
  const { file, label } = inputFile(o.input, o.cache, 'ab');
  for (const v of o.variants) if (!existsSync(v.bin)) { console.error(`ab: ${v.name}: no build at ${v.bin}`); process.exit(2); }
  runOnce(o.variants[0], file); // page cache and code cache warm for everyone
  for (let r = 0; r < o.reps; r++) {
    // Rotate who goes first, so no variant always runs right after the same neighbour.
    for (let k = 0; k < o.variants.length; k++) {
      const v = o.variants[(r + k) % o.variants.length];
      const x = runOnce(v, file);
      v.runs.push(x);
      process.stderr.write(`${v.name}: ${x.wall.toFixed(2)} s wall, ${x.cpu.toFixed(2)} s cpu, ${x.rssMiB.toFixed(0)} MiB, exit ${x.exit}\n`);
    }
  }
  const min = (xs) => Math.min(...xs);
  const stat = (v, k) => ({ min: min(v.runs.map((x) => x[k])), med: median(v.runs.map((x) => x[k])) });
  const base = { wall: stat(o.variants[0], 'wall'), cpu: stat(o.variants[0], 'cpu') };
  console.log(`${o.reps} reps, ${label}`);
  console.log('| variant | wall min | wall median | cpu min | cpu median | peak RSS max | wall min / first | cpu min / first |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const v of o.variants) {
    const w = stat(v, 'wall');
    const c = stat(v, 'cpu');
    const rss = Math.max(...v.runs.map((x) => x.rssMiB));
    console.log(`| ${v.name} | ${w.min.toFixed(2)} | ${w.med.toFixed(2)} | ${c.min.toFixed(2)} | ${c.med.toFixed(2)} | ${rss.toFixed(0)} MiB`
      + ` | ${(w.min / base.wall.min).toFixed(3)} | ${(c.min / base.cpu.min).toFixed(3)} |`);
  }
}

main();
