#!/usr/bin/env node
// Where the time goes: runs tcpflow-analyze under `node --cpu-prof` and summarises the profile by
// pipeline stage and by function (self time), with dist/ positions mapped back to src/*.ts:line.
//
//   node bench/profile.mjs [--input 100m|1g|flood|FILE] [--top N] [--dir DIR] [--cache DIR]
//                          [--interval US] [--json OUT] [-- extra tcpflow-analyze args]
//   node bench/profile.mjs --summarise FILE.cpuprofile [--top N]    (an existing profile)
//
// Defaults: --input 1g (generated and cached like npm run bench), --top 25, --dir /tmp/tcpflow-prof,
// the tool run as `node --cpu-prof bin/tcpflow-analyze.js --format ndjson FILE > /dev/null`.
//
// Stages, by the source file of the function that was on the CPU:
//   read     src/capture/**, src/cli/inputs.ts (the CLI's file and stdin readers; and node_modules/pcap-parser)
//   decode   src/decode/**
//   track    src/flow/**, src/tcp/**
//   analyse  src/analysis/**
//   render   src/report/**, src/cli/**
//   core     src/core.ts, src/analyze.ts, src/index.ts (the per-record loop)
//   other    garbage collector, (program), node internals and dependencies not called from our code
// V8 builtins and node internals (Map#get, Buffer#readUInt32BE, fs, streams) count toward the stage
// of the nearest caller in our code: Map#get called from the flow table is "track".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CACHE, INPUTS, REPO, ensureInput, oursBuilt } from './lib.mjs';

const USAGE = 'usage: node bench/profile.mjs [--input 100m|1g|flood|FILE] [--top N] [--dir DIR] [--cache DIR] [--interval US] [--lines N] [--json OUT] [-- tool args]\n'
  + '       node bench/profile.mjs --summarise FILE.cpuprofile [--top N] [--lines N]';

// ---------------------------------------------------------------- source maps (VLQ, v3)
const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));
function decodeMappings(mappings) {
  // -> per generated line: array of [genCol, srcIdx, srcLine, srcCol] sorted by genCol
  const lines = [];
  let src = 0, sLine = 0, sCol = 0;
  for (const lineStr of mappings.split(';')) {
    const segs = [];
    let gCol = 0;
    if (lineStr) {
      for (const seg of lineStr.split(',')) {
        const v = [];
        let shift = 0, acc = 0;
        for (const ch of seg) {
          const d = B64.get(ch);
          acc += (d & 31) << shift;
          if (d & 32) { shift += 5; } else { v.push(acc & 1 ? -(acc >>> 1) : acc >>> 1); acc = 0; shift = 0; }
        }
        gCol += v[0];
        if (v.length >= 4) { src += v[1]; sLine += v[2]; sCol += v[3]; segs.push([gCol, src, sLine, sCol]); }
      }
    }
    lines.push(segs);
  }
  return lines;
}
const mapCache = new Map();
function loadMap(jsPath) {
  if (mapCache.has(jsPath)) return mapCache.get(jsPath);
  let m = null;
  try {
    const raw = JSON.parse(readFileSync(jsPath + '.map', 'utf8'));
    const root = resolve(jsPath, '..', raw.sourceRoot || '');
    m = { sources: raw.sources.map((s) => resolve(root, s)), lines: decodeMappings(raw.mappings) };
  } catch { /* no map: keep dist positions */ }
  mapCache.set(jsPath, m);
  return m;
}
/** 0-based line/col in a dist .js -> { path, line (1-based) } in the .ts when a source map is there. */
function original(path, line0, col0) {
  const m = path.endsWith('.js') ? loadMap(path) : null;
  if (!m) return { path, line: line0 + 1 };
  for (let l = line0; l >= 0 && l >= line0 - 50; l--) {
    const segs = m.lines[l];
    if (!segs || !segs.length) continue;
    let best = null;
    for (const s of segs) { if (l < line0 || s[0] <= col0) best = s; else break; }
    if (best) return { path: m.sources[best[1]], line: best[2] + 1 };
  }
  return { path, line: line0 + 1 };
}
/** A whole generated line (1-based, as in positionTicks) -> the .ts line of its first mapped segment. */
function originalLine(path, line1) {
  const m = path.endsWith('.js') ? loadMap(path) : null;
  const segs = m?.lines[line1 - 1];
  if (!m || !segs || !segs.length) return original(path, line1 - 1, 0);
  return { path: m.sources[segs[0][1]], line: segs[0][2] + 1 };
}

// ---------------------------------------------------------------- .cpuprofile
function urlToPath(url) {
  if (url.startsWith('file://')) { try { return fileURLToPath(url); } catch { return url; } }
  return url;
}
function stageOf(path) {
  if (!path) return null;
  const rel = relative(REPO, path);
  if (rel.startsWith('..') || rel.startsWith('/')) return null;
  if (rel.includes('node_modules/pcap-parser')) return 'read';
  if (rel.includes('node_modules')) return null;
  const m = /^(?:src|dist)\/(.+)$/.exec(rel);
  if (!m) return rel.startsWith('bin/') ? 'render' : null;
  const p = m[1];
  if (p.startsWith('capture/') || /^cli\/inputs\.(ts|js)$/.test(p)) return 'read';
  if (p.startsWith('decode/')) return 'decode';
  if (p.startsWith('flow/') || p.startsWith('tcp/')) return 'track';
  if (p.startsWith('analysis/')) return 'analyse';
  if (p.startsWith('report/') || p.startsWith('cli/')) return 'render';
  return 'core';
}
export const STAGES = ['read', 'decode', 'track', 'analyse', 'render', 'core', 'other'];

/** Summarise a parsed .cpuprofile: self time by stage and by function. Times in ms. */
export function summarise(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // self time per node id from samples + timeDeltas (sample i lasts until sample i+1)
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  let total = 0;
  if (samples.length && timeDeltas.length === samples.length) {
    const avg = samples.length > 1 ? (profile.endTime - profile.startTime) / samples.length : 0;
    for (let i = 0; i < samples.length; i++) {
      const dt = i + 1 < timeDeltas.length ? Math.max(0, timeDeltas[i + 1]) : avg;
      self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
      total += dt;
    }
  } else {
    const per = profile.samples?.length ? (profile.endTime - profile.startTime) / profile.samples.length : 1000;
    for (const n of profile.nodes) if (n.hitCount) { self.set(n.id, n.hitCount * per); total += n.hitCount * per; }
  }
  // per node: where it is, its own stage, and the stage it is charged to
  const info = new Map();
  const infoOf = (id) => {
    let r = info.get(id);
    if (r) return r;
    const n = nodes.get(id);
    const cf = n.callFrame;
    const path = urlToPath(cf.url || '');
    const pos = path && cf.lineNumber >= 0 ? original(path, cf.lineNumber, cf.columnNumber ?? 0) : null;
    const own = stageOf(pos?.path ?? path);
    let charged = own;
    let otherKind = null;
    if (!charged) {
      const name = cf.functionName;
      if (name === '(garbage collector)') otherKind = 'gc';
      else if (name === '(program)' || name === '(idle)' || name === '(root)') otherKind = name.slice(1, -1);
      else {
        const p = parent.get(id);
        const up = p !== undefined ? infoOf(p) : null;
        if (up && up.charged !== 'other') charged = up.charged;
        else otherKind = path.startsWith('node:') ? 'node internals' : path.includes('node_modules') ? 'dependencies' : cf.url ? 'other js' : 'v8 builtins';
      }
    }
    r = {
      name: cf.functionName || '(anonymous)',
      where: pos ? `${relative(REPO, pos.path).startsWith('..') ? pos.path : relative(REPO, pos.path)}:${pos.line}` : (cf.url || '(native)'),
      own, charged: charged ?? 'other', otherKind,
    };
    info.set(id, r);
    return r;
  };
  const byStage = new Map(STAGES.map((s) => [s, 0]));
  const byOther = new Map();
  const byFn = new Map();
  for (const [id, us] of self) {
    const r = infoOf(id);
    byStage.set(r.charged, byStage.get(r.charged) + us);
    if (r.charged === 'other') byOther.set(r.otherKind, (byOther.get(r.otherKind) ?? 0) + us);
    const key = `${r.name}\t${r.where}`;
    let f = byFn.get(key);
    if (!f) { f = { name: r.name, where: r.where, stage: r.own ?? (r.charged === 'other' ? `other: ${r.otherKind}` : `${r.charged} (builtin)`), us: 0 }; byFn.set(key, f); }
    f.us += us;
  }
  // Hot lines: V8's positionTicks count samples per generated line; spread each node's self time over them.
  const byLine = new Map();
  for (const [id, us] of self) {
    const n = nodes.get(id);
    const ticks = n.positionTicks;
    if (!ticks || !ticks.length) continue;
    const path = urlToPath(n.callFrame.url || '');
    if (!path.endsWith('.js')) continue;
    const sum = ticks.reduce((a, t) => a + t.ticks, 0);
    for (const t of ticks) {
      const pos = originalLine(path, t.line);
      const key = `${relative(REPO, pos.path)}:${pos.line}`;
      const r = byLine.get(key) ?? { where: key, fn: n.callFrame.functionName || '(anonymous)', us: 0 };
      r.us += (us * t.ticks) / sum;
      byLine.set(key, r);
    }
  }
  const ms = (us) => us / 1000;
  return {
    lines: [...byLine.values()].sort((a, b) => b.us - a.us).map((l) => ({ where: l.where, fn: l.fn, ms: ms(l.us), pct: total ? (100 * l.us) / total : 0 })),
    totalMs: ms(total),
    stages: STAGES.map((s) => ({ stage: s, ms: ms(byStage.get(s)), pct: total ? (100 * byStage.get(s)) / total : 0 })),
    other: [...byOther].sort((a, b) => b[1] - a[1]).map(([kind, us]) => ({ kind, ms: ms(us), pct: total ? (100 * us) / total : 0 })),
    functions: [...byFn.values()].sort((a, b) => b.us - a.us).map((f) => ({ ...f, ms: ms(f.us), pct: total ? (100 * f.us) / total : 0 })),
  };
}

export function renderSummary(s, top = 25, lines = 0) {
  const f1 = (x) => x.toFixed(1);
  const out = [];
  out.push(`Sampled CPU time: ${(s.totalMs / 1000).toFixed(2)} s`, '');
  out.push('| stage | self ms | % |', '|---|---|---|');
  for (const r of s.stages) out.push(`| ${r.stage} | ${Math.round(r.ms)} | ${f1(r.pct)} |`);
  if (s.other.length) out.push('', 'other = ' + s.other.map((o) => `${o.kind} ${Math.round(o.ms)} ms (${f1(o.pct)}%)`).join(', '));
  out.push('', `Top ${top} functions by self time (builtins charged to the caller's stage):`, '');
  out.push('| # | function | where | stage | self ms | % |', '|---|---|---|---|---|---|');
  s.functions.slice(0, top).forEach((f, i) => out.push(`| ${i + 1} | \`${f.name}\` | ${f.where} | ${f.stage} | ${Math.round(f.ms)} | ${f1(f.pct)} |`));
  if (lines > 0) {
    out.push('', `Top ${lines} source lines by self time (V8 position ticks; inlined callees count on the caller's line):`, '');
    out.push('| # | line | in | self ms | % |', '|---|---|---|---|---|');
    s.lines.slice(0, lines).forEach((l, i) => out.push(`| ${i + 1} | ${l.where} | \`${l.fn}\` | ${Math.round(l.ms)} | ${f1(l.pct)} |`));
  }
  return out.join('\n');
}

function main() {
  const argv = process.argv.slice(2);
  const o = { input: '1g', top: 25, dir: '/tmp/tcpflow-prof', cache: DEFAULT_CACHE, interval: null, json: null, summarise: null, lines: 0, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) { console.error(USAGE); process.exit(2); } return argv[++i]; };
    if (a === '--') { o.extra = argv.slice(i + 1); break; }
    else if (a === '--input') o.input = val();
    else if (a === '--top') o.top = Number(val());
    else if (a === '--lines') o.lines = Number(val());
    else if (a === '--dir') o.dir = val();
    else if (a === '--cache') o.cache = val();
    else if (a === '--interval') o.interval = Number(val());
    else if (a === '--json') o.json = val();
    else if (a === '--summarise' || a === '--summarize') o.summarise = val();
    else if (a === '-h' || a === '--help') { console.log(USAGE); return; }
    else { console.error(`profile: unknown option ${a}\n${USAGE}`); process.exit(2); }
  }
  let profFile = o.summarise;
  let header = '';
  if (!profFile) {
    if (!oursBuilt()) { console.error('profile: dist/ not built (npm run build)'); process.exit(2); }
    const known = INPUTS.find((x) => x.id === o.input);
    const file = known ? ensureInput(known, o.cache).file : resolve(o.input);
    if (!existsSync(file)) { console.error(`profile: no such file ${file}`); process.exit(2); }
    const dir = join(o.dir, `run-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const args = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(o.interval ? [`--cpu-prof-interval=${o.interval}`] : []),
      join(REPO, 'bin', 'tcpflow-analyze.js'), '--format', 'ndjson', ...o.extra, file];
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', cwd: REPO });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (p.status !== 0) console.error(`profile: tcpflow-analyze exited ${p.status}: ${(p.stderr || '').slice(-400)}`);
    const profs = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
    if (!profs.length) { console.error('profile: no .cpuprofile written'); process.exit(1); }
    profFile = profs.sort((a, b) => statSync(b).size - statSync(a).size)[0];
    header = `Profile of \`node --cpu-prof bin/tcpflow-analyze.js --format ndjson ${[...o.extra, basename(file)].join(' ')}\``
      + ` (${known ? known.id : 'file'}, ${(statSync(file).size / 1e6).toFixed(0)} MB): wall ${wall.toFixed(2)} s with profiling on, exit ${p.status}. Profile: ${profFile}`;
  }
  const s = summarise(JSON.parse(readFileSync(profFile, 'utf8')));
  if (header) console.log(header + '\n');
  console.log(renderSummary(s, o.top, o.lines));
  if (o.json) writeFileSync(o.json, JSON.stringify({ profile: profFile, ...s, functions: s.functions.slice(0, 200), lines: s.lines.slice(0, 200) }, null, 1) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
