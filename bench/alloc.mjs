#!/usr/bin/env node
// What allocates: runs the pipeline up to a stage (as bench/stages.mjs does) under V8's sampling
// heap profiler, with objects the collectors freed included, and lists the functions that
// allocated the most bytes. A CPU profile cannot show this: a number boxed as a heap number where
// it crosses a call costs almost nothing where it happens, and is paid later in young-generation
// collections.
//
//   node bench/alloc.mjs [--input 100m|1g|flood|calm1g|FILE] [--stage track|report|render]
//                        [--promoted] [--top N] [--interval BYTES] [--cache DIR]
//
// --promoted leaves out what the young-generation collector freed: what is left was promoted to the
// old generation (or is still alive at the end), i.e. what makes young collections slow and the
// old generation grow. Functions are V8's (inlined callees count as themselves), by dist/*.js file
// and the line where the function starts. Needs `npm run build`.
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CACHE, REPO, inputFile, options, oursBuilt, prepareStage } from './lib.mjs';

const USAGE = 'usage: node bench/alloc.mjs [--input 100m|1g|flood|calm1g|FILE] [--stage track|report|render] [--promoted] [--top N] [--interval BYTES] [--cache DIR]';

function parse(argv) {
  const v = options(argv, {
    input: { type: 'string', default: '1g' },
    stage: { type: 'string', default: 'track' },
    promoted: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
    interval: { type: 'string', default: '4096' },
    cache: { type: 'string', default: DEFAULT_CACHE },
  }, USAGE, 'alloc');
  const o = { input: v.input, stage: v.stage, promoted: v.promoted, top: Number(v.top), interval: Number(v.interval), cache: v.cache };
  if (!['track', 'report', 'render'].includes(o.stage) || !(o.top >= 1) || !(o.interval >= 64)) { console.error(USAGE); process.exit(2); }
  return o;
}

const o = parse(process.argv.slice(2));
if (!oursBuilt()) { console.error('alloc: dist/ is missing: run `npm run build` first'); process.exit(2); }
const { file, label } = inputFile(o.input, o.cache, 'alloc');

const run = await prepareStage(o.stage, file);

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: o.interval,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: !o.promoted,
});
const t0 = performance.now();
await run();
const wall = performance.now() - t0;
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

const bytes = new Map();
(function walk(n) {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(pathToFileURL(REPO).href + '/', '')}:${f.lineNumber + 1}` : '(native)';
  const key = `\`${f.functionName || '(anonymous)'}\` ${where}`;
  if (n.selfSize) bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize);
  for (const c of n.children ?? []) walk(c);
})(profile.head);
const total = [...bytes.values()].reduce((a, b) => a + b, 0);
console.log(`${o.stage} stage on ${label}: ${(total / 1e6).toFixed(1)} MB ${o.promoted ? 'promoted or alive at the end' : 'allocated'} `
  + `(sampled every ${o.interval} bytes), ${(wall / 1000).toFixed(2)} s with the profiler on`);
console.log('| MB | % | function (where it starts) |');
console.log('|---|---|---|');
for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, o.top)) {
  console.log(`| ${(v / 1e6).toFixed(1)} | ${(100 * v / total).toFixed(1)} | ${k} |`);
}
