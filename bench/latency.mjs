#!/usr/bin/env node
// What a cache miss costs on this host: the time of one dependent load (a pointer chase through a
// random cycle) in working sets of growing size, alone and with the same chase running on a
// worker thread beside it. Our 1 GB run is bound by such loads (docs/benchmarks.md, "Where the
// time goes"): ~17,600 open connections of ~3.4 kB each, so where a host's caches end moves our
// ratio to tcptrace and tshark more than it moves theirs, and a second thread doing the same kind
// of work slows both when they share the last-level cache.
//
//   node bench/latency.mjs [--sizes 1,4,16,32,64,128] [--steps N]
//
// Prints, per working-set size in MiB, ns per load alone and with a second chase on the other
// core (that thread's own figure is printed beside it). Single runs: compare rows of one run.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { options } from './lib.mjs';

const USAGE = 'usage: node bench/latency.mjs [--sizes 1,4,16,32,64,128] [--steps N]';

/** A single random cycle through n slots (Sattolo's shuffle), so the chase visits every slot. */
function cycle(n) {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  // A fixed xorshift seed: the same cycle on every run.
  let s = 0x9e3779b9 | 0;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const j = (s >>> 0) % i;
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
  return a;
}

/** ns per dependent load through `a`, after one warm-up pass of the same length. */
function chase(a, steps) {
  let p = 0;
  for (let i = 0; i < steps; i++) p = a[p];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) p = a[p];
  const ns = Number(process.hrtime.bigint() - t0) / steps;
  if (p < 0) throw new Error('unreachable'); // keeps the loads alive
  return ns;
}

const slots = (mib) => (mib * 1024 * 1024) / 4;

if (!isMainThread) {
  // Builds its own cycle, then waits for the main thread's go, so the two chases overlap.
  const { mib, steps, flag } = workerData;
  const a = cycle(slots(mib));
  const go = new Int32Array(flag);
  Atomics.add(go, 1, 1);
  Atomics.notify(go, 1);
  Atomics.wait(go, 0, 0);
  parentPort.postMessage(chase(a, steps));
} else {
  const v = options(process.argv.slice(2), {
    sizes: { type: 'string', default: '1,4,16,32,64,128' },
    steps: { type: 'string', default: '5000000' },
  }, USAGE, 'latency');
  const sizes = v.sizes.split(',').map(Number);
  const steps = Number(v.steps);
  if (sizes.some((s) => !(Number.isInteger(s) && s > 0 && s <= 4096)) || !(Number.isInteger(steps) && steps > 0)) {
    process.stderr.write(`latency: sizes must be whole MiB in 1..4096 and steps a positive integer\n${USAGE}\n`);
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  process.stdout.write('| working set | ns per load alone | beside a second chase (this / the other) |\n|---|---|---|\n');
  for (const mib of sizes) {
    const a = cycle(slots(mib));
    const alone = chase(a, steps);
    const flag = new SharedArrayBuffer(8);
    const go = new Int32Array(flag);
    const w = new Worker(self, { workerData: { mib, steps, flag } });
    const other = new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    while (Atomics.load(go, 1) === 0) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    const beside = chase(a, steps);
    const theirs = await other;
    process.stdout.write(`| ${mib} MiB | ${alone.toFixed(1)} | ${beside.toFixed(1)} / ${theirs.toFixed(1)} |\n`);
  }
}
