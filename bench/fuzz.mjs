#!/usr/bin/env node
// npm run fuzz — seeded mutation soak of analyze() (issue 5). Needs `npm run build` first.
//
//   node bench/fuzz.mjs [--seed S] [--cases N] [--case K] [--timeout-ms MS] [--out DIR]
//                       [--max-failures N] [--no-corpus] [--no-rechunk] [--cache DIR] [-v]
//
//   --seed S         any string (default: derived from the clock, printed); case K of seed S is
//                    always the same bytes, chunking and settings
//   --cases N        number of cases (default 1000)
//   --case K         run only case K (reproduce a failure)
//   --timeout-ms MS  per-case limit (default 10000); analyze() runs in a worker thread that is
//                    terminated when it overruns, so a hang is a failure, not a stuck soak
//   --out DIR        failing cases go here as .pcap + .json (default /tmp/tcpflow-fuzz)
//   --no-corpus      seeds only from gen-capture (default also: fixtures/**/*.pcap* and
//                    ../shared/corpus/tcpdump/*.pcap*, files up to 256 KiB)
//   --no-rechunk     skip the chunk-independence check (same bytes in one chunk vs random chunks)
//   --threads-every N  about one case in N also runs the CLI (`-f ndjson`, the case's settings) on the
//                    file, with `--threads 2`, and on standard input through a pipe: stdout, stderr
//                    and exit status must be the same (stdin is "-" in the output and "stdin" in
//                    messages; with a --max-connections cap too: the shards stop at their half of
//                    it and one thread finishes). Three processes per case.
//
// Seeds: small captures from ../shared/bench/gen-capture (--flows 20, --segs 1, --nano, IPv6-heavy,
// zero TCP checksums, a 40-SYN flood), cached in /tmp/tcpflow-bench/fuzz-seeds.
// Mutations (1-4 per case): bit flips, byte runs, inserted/deleted bytes, pcap record-header length
// fields (caplen/origlen), IPv4/IPv6/TCP length fields, TCP flags/seq/ack, timestamps, record
// reordering/duplication/removal, truncation. Every 10th case is then gzipped, sometimes damaged in
// the stream, and followed by what real files have after one: zero padding, text, random bytes, a
// second member whole or cut, a lone 0x1f.
// Invariants checked on the RunReport: see checkReport() below.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { setTimeout, clearTimeout } from 'node:timers';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_CACHE, REPO, sharedBench } from './lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const STATES = new Set(['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2',
  'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT']);
const ENDPOINT_STATES = new Set([...STATES, 'UNKNOWN']);

// ---------------------------------------------------------------- PRNG (sfc32 seeded by cyrb128)
function seedWords(str) {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0, k; i < str.length; i++) {
    k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067); h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213); h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067); h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213); h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
function rng(seed) {
  let [a, b, c, d] = seedWords(seed);
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0; d = (d + 1) >>> 0; a = b ^ (b >>> 9); b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11); c = (c + t) >>> 0;
    return t / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n), // 0..n-1
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
  return r;
}

// ---------------------------------------------------------------- gzip wrapping
/** The capture gzipped, then maybe damaged inside the stream, then maybe followed by other bytes. */
function gzipCase(bytes, r) {
  const ops = ['gzipped'];
  let gz = Buffer.from(gzipSync(bytes, { level: r.pick([1, 6, 9]) }));
  if (r.chance(0.2)) {
    const at = r.int(gz.length);
    gz[at] ^= 1 << r.int(8);
    ops.push(`gzip byte ${at} flipped`);
  }
  const tail = r.pick(['none', 'zeros', 'text', 'random', 'member', 'cut member', 'magic byte']);
  let extra = Buffer.alloc(0);
  if (tail === 'zeros') extra = Buffer.alloc(r.range(1, 600));
  else if (tail === 'text') extra = Buffer.from('trailing log line\n');
  else if (tail === 'random') extra = Buffer.from(Array.from({ length: r.range(1, 40) }, () => r.int(256)));
  else if (tail === 'member' || tail === 'cut member') {
    const m = gzipSync(bytes.subarray(24, 24 + r.int(Math.max(1, bytes.length - 24))));
    extra = tail === 'member' ? m : m.subarray(0, r.int(m.length));
  } else if (tail === 'magic byte') extra = Buffer.of(0x1f);
  if (tail !== 'none') ops.push(`then ${extra.length} bytes after the stream (${tail})`);
  return { bytes: new Uint8Array(Buffer.concat([gz, extra])), ops };
}

// ---------------------------------------------------------------- classic pcap structure (lenient)
function pcapLayout(buf) {
  if (buf.length < 24) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const m = dv.getUint32(0, true);
  let le;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) le = true;
  else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) le = false;
  else return null;
  const recs = [];
  let off = 24;
  while (off + 16 <= buf.length && recs.length < 100000) {
    const cap = dv.getUint32(off + 8, le);
    if (off + 16 + cap > buf.length) break;
    recs.push({ off, cap });
    off += 16 + cap;
  }
  return { le, dv, recs, linkType: dv.getUint32(20, le) };
}
/** Offsets of IP and TCP headers in an Ethernet record, when it looks like one. */
function l34(buf, rec, linkType) {
  if (linkType !== 1) return null;
  const p = rec.off + 16;
  if (rec.cap < 14 + 20) return null;
  let et = (buf[p + 12] << 8) | buf[p + 13];
  let ip = p + 14;
  if (et === 0x8100) { et = (buf[p + 16] << 8) | buf[p + 17]; ip += 4; }
  const end = p + rec.cap;
  if (et === 0x0800 && ip + 20 <= end) {
    const tcp = ip + (buf[ip] & 15) * 4;
    return { v: 4, ip, tcp: buf[ip + 9] === 6 && tcp + 20 <= end ? tcp : null };
  }
  if (et === 0x86dd && ip + 40 <= end) return { v: 6, ip, tcp: buf[ip + 6] === 6 && ip + 60 <= end ? ip + 40 : null };
  return null;
}

const INTERESTING32 = [0, 1, 2, 15, 16, 17, 20, 40, 54, 60, 64, 65535, 65536, 65537, 262144, 262145, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Applies 1-4 random mutations; returns { bytes, ops } (ops: human-readable list). */
function mutate(orig, r) {
  let buf = Buffer.from(orig);
  const ops = [];
  const n = r.pick([1, 1, 1, 2, 2, 3, 4]);
  for (let k = 0; k < n; k++) {
    const lay = pcapLayout(buf);
    const recs = lay?.recs ?? [];
    const kind = r.pick(['bitflip', 'bitflip', 'byterun', 'insdel', 'reclen', 'reclen', 'iplen', 'tcpfield', 'tcpfield',
      'timestamp', 'reorder', 'reorder', 'dupdrop', 'truncate', 'truncate']);
    if (buf.length === 0) break;
    switch (kind) {
      case 'bitflip': {
        const m = r.range(1, 16);
        for (let i = 0; i < m; i++) { const at = r.int(buf.length); buf[at] ^= 1 << r.int(8); }
        ops.push(`bitflip×${m}`);
        break;
      }
      case 'byterun': {
        const at = r.int(buf.length); const len = Math.min(buf.length - at, r.range(1, 64));
        const mode = r.pick(['zero', 'ff', 'const', 'random']);
        const c = mode === 'zero' ? 0 : mode === 'ff' ? 255 : r.int(256);
        for (let i = 0; i < len; i++) buf[at + i] = mode === 'random' ? r.int(256) : c;
        ops.push(`byterun ${mode} @${at}+${len}`);
        break;
      }
      case 'insdel': {
        const at = r.int(buf.length + 1); const len = r.range(1, 32);
        if (r.chance(0.5)) {
          const ins = Buffer.alloc(len); for (let i = 0; i < len; i++) ins[i] = r.int(256);
          buf = Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]); ops.push(`insert ${len} @${at}`);
        } else { buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + len))]); ops.push(`delete ${len} @${at}`); }
        break;
      }
      case 'reclen': {
        if (!recs.length) { ops.push('reclen (no records)'); break; }
        const rec = r.pick(recs); const field = r.pick([8, 12]); // caplen, origlen
        const cur = lay.dv.getUint32(rec.off + field, lay.le);
        const v = r.chance(0.5) ? r.pick(INTERESTING32) : (cur + r.range(-4, 4)) >>> 0;
        lay.dv.setUint32(rec.off + field, v, lay.le);
        ops.push(`${field === 8 ? 'caplen' : 'origlen'}[@${rec.off}] ${cur}->${v}`);
        break;
      }
      case 'iplen': {
        const cands = recs.map((x) => [x, l34(buf, x, lay.linkType)]).filter(([, h]) => h);
        if (!cands.length) { ops.push('iplen (none)'); break; }
        const [rec, h] = r.pick(cands);
        const what = h.v === 4 ? r.pick(['ihl', 'totlen', 'frag', 'proto', 'tcpoff']) : r.pick(['paylen', 'nexthdr', 'tcpoff']);
        if (what === 'ihl') buf[h.ip] = (buf[h.ip] & 0xf0) | r.int(16);
        else if (what === 'totlen') buf.writeUInt16BE(r.chance(0.5) ? r.pick([0, 1, 19, 20, 40, 65535]) : r.int(65536), h.ip + 2);
        else if (what === 'frag') buf.writeUInt16BE(r.int(65536), h.ip + 6);
        else if (what === 'proto') buf[h.ip + 9] = r.pick([6, 17, 1, 0, 255, r.int(256)]);
        else if (what === 'paylen') buf.writeUInt16BE(r.chance(0.5) ? r.pick([0, 1, 19, 20, 65535]) : r.int(65536), h.ip + 4);
        else if (what === 'nexthdr') buf[h.ip + 6] = r.pick([0, 43, 44, 59, 60, 17, r.int(256)]);
        else if (what === 'tcpoff' && h.tcp !== null) buf[h.tcp + 12] = (r.int(16) << 4) | (buf[h.tcp + 12] & 15);
        ops.push(`ipv${h.v}.${what}[@${rec.off}]`);
        break;
      }
      case 'tcpfield': {
        const cands = recs.map((x) => [x, l34(buf, x, lay.linkType)]).filter(([, h]) => h && h.tcp !== null);
        if (!cands.length) { ops.push('tcpfield (none)'); break; }
        const [rec, h] = r.pick(cands);
        const what = r.pick(['flags', 'flags', 'seq', 'ack', 'window', 'ports', 'options']);
        const t = h.tcp;
        if (what === 'flags') buf[t + 13] = r.pick([0x00, 0x02, 0x03, 0x06, 0x12, 0x14, 0x04, 0x11, 0x01, 0x29, 0x3f, 0xff, r.int(256)]);
        else if (what === 'seq' || what === 'ack') {
          const o = t + (what === 'seq' ? 4 : 8); const cur = buf.readUInt32BE(o);
          buf.writeUInt32BE(r.chance(0.5) ? (cur + r.range(-70000, 70000)) >>> 0 : r.pick([0, 0xffffffff, 0x7fffffff, r.int(2 ** 32)]) >>> 0, o);
        } else if (what === 'window') buf.writeUInt16BE(r.pick([0, 1, 65535, r.int(65536)]), t + 14);
        else if (what === 'ports') buf.writeUInt16BE(r.pick([0, 80, 443, r.int(65536)]), t + r.pick([0, 2]));
        else { const optEnd = Math.min(rec.off + 16 + rec.cap, t + ((buf[t + 12] >> 4) * 4)); if (optEnd > t + 20) buf[r.range(t + 20, optEnd - 1)] = r.pick([0, 1, 2, 3, 4, 8, 255, r.int(256)]); }
        ops.push(`tcp.${what}[@${rec.off}]`);
        break;
      }
      case 'timestamp': {
        if (!recs.length) { ops.push('timestamp (no records)'); break; }
        const rec = r.pick(recs); const field = r.pick([0, 4]);
        const cur = lay.dv.getUint32(rec.off + field, lay.le);
        const v = field === 0 ? (r.chance(0.5) ? (cur + r.range(-100, 100)) >>> 0 : r.pick([0, 0xffffffff, 0x7fffffff])) : r.pick([999999, 1000000, 999999999, 1000000000, 0xffffffff, r.int(2 ** 32)]);
        lay.dv.setUint32(rec.off + field, v >>> 0, lay.le);
        ops.push(`ts.${field === 0 ? 'sec' : 'frac'}[@${rec.off}] ${cur}->${v >>> 0}`);
        break;
      }
      case 'reorder': case 'dupdrop': {
        if (recs.length < 2) { ops.push(`${kind} (too few records)`); break; }
        const parts = recs.map((x) => buf.subarray(x.off, x.off + 16 + x.cap));
        const tail = buf.subarray(recs[recs.length - 1].off + 16 + recs[recs.length - 1].cap);
        if (kind === 'reorder') {
          const i = r.int(parts.length), j = r.int(parts.length);
          if (r.chance(0.5)) { [parts[i], parts[j]] = [parts[j], parts[i]]; ops.push(`swap records ${i},${j}`); }
          else { const [x] = parts.splice(i, 1); parts.splice(j, 0, x); ops.push(`move record ${i}->${j}`); }
        } else {
          const i = r.int(parts.length);
          if (r.chance(0.5)) { parts.splice(i, 0, parts[i]); ops.push(`duplicate record ${i}`); }
          else { parts.splice(i, 1); ops.push(`drop record ${i}`); }
        }
        buf = Buffer.concat([buf.subarray(0, 24), ...parts, tail]);
        break;
      }
      case 'truncate': {
        const at = r.chance(0.15) ? r.int(Math.min(buf.length, 40)) : r.int(buf.length);
        buf = buf.subarray(0, at); ops.push(`truncate @${at}`);
        buf = Buffer.from(buf);
        break;
      }
    }
  }
  return { bytes: buf, ops };
}

// ---------------------------------------------------------------- invariants
function isoNanos(s) {
  // "2023-11-14T22:13:20.000123Z" -> BigInt ns since epoch (any number of fractional digits)
  const m = /^((?:[+-]\d{6}|\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(s ?? ''); // years past 9999: "+YYYYYY"
  if (!m) return null;
  const sec = Date.parse(m[1] + 'Z');
  if (!Number.isFinite(sec)) return null;
  return BigInt(sec) * 1000000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Returns a list of violations (empty = fine). */
export function checkReport(rep) {
  const v = [];
  const bad = (msg) => { if (v.length < 20) v.push(msg); };
  const nonNeg = (x, where) => {
    if (x === null || x === undefined) return;
    if (typeof x !== 'number' || !Number.isFinite(x)) bad(`${where} is not a finite number: ${x}`);
    else if (x < 0) bad(`${where} is negative: ${x}`);
  };
  const time = (s, where, nullable = true) => {
    if (s === null || s === undefined) { if (!nullable) bad(`${where} missing`); return null; }
    const t = isoNanos(s);
    if (t === null) bad(`${where} is not an ISO time: ${JSON.stringify(s)}`);
    return t;
  };
  const ordered = (a, b, where) => { if (a !== null && b !== null && a > b) bad(`${where}: out of order`); };
  // numbers anywhere: finite
  (function walk(x, path) {
    if (typeof x === 'number' && !Number.isFinite(x)) bad(`${path} = ${x}`);
    else if (x && typeof x === 'object') for (const k of Object.keys(x)) walk(x[k], `${path}.${k}`);
  })({ stats: rep.stats, summary: rep.summary, inputs: rep.inputs }, 'report');

  const st = rep.stats;
  const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
  if (st.records !== st.tcpSegments + sum(st.skipped) + sum(st.decodeErrors)) {
    bad(`stats.records ${st.records} != tcpSegments ${st.tcpSegments} + skipped ${sum(st.skipped)} + decodeErrors ${sum(st.decodeErrors)}`);
  }
  const inputPackets = rep.inputs.reduce((a, i) => a + i.packets, 0);
  if (inputPackets !== st.records) bad(`sum(inputs[].packets) ${inputPackets} != stats.records ${st.records}`);
  let connPackets = 0;
  const ids = new Set();
  const ended = {};
  for (const c of rep.connections) {
    const w = `conn ${c.id}`;
    if (ids.has(c.id)) bad(`${w}: duplicate id`);
    ids.add(c.id);
    ended[c.ended] = (ended[c.ended] ?? 0) + 1;
    for (const role of ['client', 'server']) {
      const e = c[role];
      if (!ENDPOINT_STATES.has(e.finalState)) bad(`${w}.${role}.finalState ${e.finalState} not one of the 11 + UNKNOWN`);
      for (const tr of e.transitions ?? []) {
        if (!ENDPOINT_STATES.has(tr.from)) bad(`${w}.${role} transition from ${tr.from}`);
        if (!STATES.has(tr.to)) bad(`${w}.${role} transition to ${tr.to}`);
        time(tr.time, `${w}.${role} transition time`, false);
      }
      nonNeg(c.packets[role], `${w}.packets.${role}`);
      nonNeg(c.bytes[role], `${w}.bytes.${role}`);
      const d = c.data[role];
      nonNeg(d.bytes, `${w}.data.${role}.bytes`); nonNeg(d.retransmittedBytes, `${w}.data.${role}.retransmittedBytes`);
      ordered(time(d.firstData, `${w}.data.${role}.firstData`), time(d.lastData, `${w}.data.${role}.lastData`), `${w}.data.${role} firstData <= lastData`);
      nonNeg(c.close.finWait2?.[role], `${w}.close.finWait2.${role}`);
      nonNeg(c.close.closeWait?.[role], `${w}.close.closeWait.${role}`);
    }
    connPackets += c.packets.client + c.packets.server;
    if (c.packets.client + c.packets.server < 1) bad(`${w}: no packets`);
    const fs = time(c.firstSeen, `${w}.firstSeen`, false), ls = time(c.lastSeen, `${w}.lastSeen`, false);
    ordered(fs, ls, `${w} firstSeen <= lastSeen`);
    nonNeg(c.duration, `${w}.duration`);
    if (fs !== null && ls !== null && typeof c.duration === 'number' && Math.abs(Number(ls - fs) / 1e9 - c.duration) > 1e-3) {
      bad(`${w}.duration ${c.duration} != lastSeen - firstSeen ${Number(ls - fs) / 1e9}`);
    }
    if (!(c.firstFrame >= 1 && c.firstFrame <= c.lastFrame)) bad(`${w}: frames ${c.firstFrame}..${c.lastFrame}`);
    const h = c.handshake;
    nonNeg(h.duration, `${w}.handshake.duration`);
    for (const k of ['synToSynAck', 'lastSynToSynAck', 'synAckToAck', 'total']) nonNeg(h.rtt?.[k], `${w}.handshake.rtt.${k}`);
    (h.synBackoff ?? []).forEach((x, i) => nonNeg(x, `${w}.handshake.synBackoff[${i}]`));
    for (const k of ['syn', 'synAck', 'ack']) time(h[k], `${w}.handshake.${k}`);
    nonNeg(c.close.duration, `${w}.close.duration`);
    ordered(time(c.close.firstFin, `${w}.close.firstFin`), time(c.close.completed, `${w}.close.completed`), `${w} close.firstFin <= close.completed`);
    nonNeg(c.data.timeToFirstByte, `${w}.data.timeToFirstByte`);
    if (c.portReuse) nonNeg(c.portReuse.gap, `${w}.portReuse.gap`);
  }
  if (!rep.settings.verifyChecksums && connPackets !== st.tcpSegments) {
    bad(`sum of connection packets ${connPackets} != stats.tcpSegments ${st.tcpSegments}`);
  }
  if (rep.summary.connections !== rep.connections.length) bad(`summary.connections ${rep.summary.connections} != ${rep.connections.length} reported`);
  for (const role of ['client', 'server']) {
    const fsum = sum(rep.summary.finalStates?.[role]);
    if (fsum !== rep.connections.length) bad(`summary.finalStates.${role} adds up to ${fsum}, not ${rep.connections.length}`);
    for (const s of Object.keys(rep.summary.finalStates?.[role] ?? {})) if (!ENDPOINT_STATES.has(s)) bad(`summary.finalStates.${role} has ${s}`);
  }
  if ((ended.evicted ?? 0) !== st.connectionsEvicted) bad(`stats.connectionsEvicted ${st.connectionsEvicted} != ${ended.evicted ?? 0} connections ended 'evicted'`);
  if ((ended.idle_timeout ?? 0) !== st.connectionsTimedOut) bad(`stats.connectionsTimedOut ${st.connectionsTimedOut} != ${ended.idle_timeout ?? 0} connections ended 'idle_timeout'`);
  if (st.peakConnections > rep.settings.maxConnections) bad(`peakConnections ${st.peakConnections} > maxConnections ${rep.settings.maxConnections}`);
  return v;
}

/** "from char K: <a around K> vs <b around K>", K the first character where two texts differ. */
function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `from char ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))} vs ${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`;
}

// ---------------------------------------------------------------- worker: run analyze() on one case
async function workerMain() {
  const { analyze } = await import(pathToFileURL(join(REPO, 'dist', 'analyze.js')).href);
  // The table and zeek renderers read the report's strings back (times, addresses): a report
  // they cannot render is a failure too (seed 2016, case 850: a time past year 9999).
  const { renderTable } = await import(pathToFileURL(join(REPO, 'dist', 'report', 'table.js')).href);
  const { renderZeekTsv } = await import(pathToFileURL(join(REPO, 'dist', 'report', 'zeek-tsv.js')).href);
  const { defaultRenderContext } = await import(pathToFileURL(join(REPO, 'dist', 'report', 'context.js')).href);
  const { renderLadder } = await import(pathToFileURL(join(REPO, 'dist', 'report', 'ladder.js')).href);
  const ctx = defaultRenderContext();
  // The CLI writes NDJSON from each connection's digest, not from its report: the two must agree
  // on mutated input too (test/report/ndjson-facts.test.ts checks the corpus).
  const { writeDigestLine } = await import(pathToFileURL(join(REPO, 'dist', 'report', 'ndjson-facts.js')).href);
  const { ndjsonConnectionLine } = await import(pathToFileURL(join(REPO, 'dist', 'report', 'ndjson.js')).href);
  const scratch = Buffer.alloc(4 << 20);
  parentPort.on('message', async (job) => {
    const res = { k: job.k, violations: [], error: null, summary: null };
    try {
      const bytes = Buffer.from(job.bytes);
      const feed = (cuts) => ({
        name: 'case',
        bytes: (async function* () {
          let at = 0;
          for (const c of cuts) { if (c > at) { yield bytes.subarray(at, c); at = c; } }
          if (at < bytes.length) yield bytes.subarray(at);
        })(),
      });
      const inputErrors = [];
      const opts = { ...job.settings, onInputError: (file, e) => inputErrors.push(e.code) };
      const rep = await analyze([feed(job.cuts)], opts);
      JSON.stringify(rep); // must serialise
      res.violations = checkReport(rep);
      for (const [name, render] of [['table', renderTable], ['zeek', renderZeekTsv], ...(job.settings.ladder ? [['ladder', renderLadder]] : [])]) {
        try { render(rep, ctx); } catch (e) { res.violations.push(`--format ${name} failed: ${e && e.message ? e.message : String(e)}`); }
      }
      if (res.violations.length === 0) {
        // Lines the digest writer declines (negative: ladder rows, odd details) are the report's.
        const written = [];
        await analyze([feed([])], { ...job.settings, keepConnections: false, onDigest: (d) => {
          const end = writeDigestLine(d, scratch, 0);
          if (end >= 0) written.push(scratch.toString('utf8', 0, end));
        } });
        const want = new Set(rep.connections.map((c) => ndjsonConnectionLine(c)));
        const odd = written.filter((l) => !want.has(l));
        if (odd.length > 0) res.violations.push(`${odd.length} NDJSON line(s) from the digest writer differ from the report's, e.g. ${JSON.stringify(odd[0].slice(0, 300))}`);
      }
      res.summary = { records: rep.stats.records, conns: rep.connections.length, inputError: rep.inputs[0]?.error?.code ?? null, issues: rep.inputs[0]?.issues?.length ?? 0 };
      if (job.rechunk && res.violations.length === 0) {
        const rep2 = await analyze([feed([])], { ...job.settings });
        // An unreadable input's byte count is how far the reader got before giving up, which
        // depends on the chunking: compare everything else.
        const norm = (x) => JSON.stringify({ ...x, inputs: x.inputs.map((i) => (i.error ? { ...i, bytes: null } : i)) });
        const a = norm(rep), b = norm(rep2);
        if (a !== b) {
          res.violations.push(`report differs between chunked (${job.cuts.length + 1} chunks) and whole input, ${firstDifference(a, b)}`);
        }
      }
    } catch (e) {
      res.error = (e && e.stack) ? String(e.stack).split('\n').slice(0, 8).join('\n') : String(e);
    }
    parentPort.postMessage(res);
  });
  parentPort.postMessage({ ready: true });
}

// ---------------------------------------------------------------- pcap -> pcapng
/** A little-endian classic pcap as pcapng: SHB, one IDB (µs or ns as the pcap was), one EPB per record. */
function pcapToPcapng(pcap) {
  if (pcap.length < 24) return pcap; // a mutation cut the file header: left as it is
  const magic = pcap.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (!nano && magic !== 0xa1b2c3d4) return pcap; // not a little-endian pcap: left as it is
  const block = (type, body) => {
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(12 + padded.length, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(12 + padded.length, 0);
    return Buffer.concat([head, padded, tail]);
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0); shb.writeUInt16LE(1, 4); shb.writeUInt16LE(0, 6); shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(20); // link type, reserved, snaplen; if_tsresol (code 9, 1 byte, padded); opt_endofopt
  idb.writeUInt16LE(pcap.readUInt32LE(20) & 0xffff, 0); idb.writeUInt32LE(pcap.readUInt32LE(16), 4);
  idb.writeUInt16LE(9, 8); idb.writeUInt16LE(1, 10); idb.writeUInt8(nano ? 9 : 6, 12);
  const parts = [block(0x0a0d0d0a, shb), block(1, idb)];
  for (let off = 24; off + 16 <= pcap.length;) {
    const capLen = pcap.readUInt32LE(off + 8);
    if (off + 16 + capLen > pcap.length) break;
    const units = BigInt(pcap.readUInt32LE(off)) * (nano ? 1_000_000_000n : 1_000_000n) + BigInt(pcap.readUInt32LE(off + 4));
    const epb = Buffer.alloc(20 + capLen);
    epb.writeUInt32LE(0, 0);
    epb.writeUInt32LE(Number(units >> 32n), 4);
    epb.writeUInt32LE(Number(units & 0xffffffffn), 8);
    epb.writeUInt32LE(capLen, 12);
    epb.writeUInt32LE(pcap.readUInt32LE(off + 12), 16);
    pcap.copy(epb, 20, off + 16, off + 16 + capLen);
    parts.push(block(6, epb));
    off += 16 + capLen;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- --threads 2 against one thread
/** The CLI's NDJSON of `bytes` with and without `--threads 2`; a violation message, or null when the same. */
function threadsDiffer(bytes, settings, timeoutMs) {
  const dir = join(tmpdir(), 'tcpflow-fuzz-threads');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `case-${process.pid}.pcap`);
  writeFileSync(file, bytes);
  const args = [join(REPO, 'bin', 'tcpflow-analyze.js'), '-f', 'ndjson'];
  if (settings.idleTimeoutSeconds !== undefined) args.push('--idle-timeout', String(settings.idleTimeoutSeconds));
  if (settings.mslSeconds !== undefined) args.push('--msl', String(settings.mslSeconds));
  if (settings.verifyChecksums) args.push('--verify-checksums');
  const run = (extra) => spawnSync(process.execPath, [...args, ...extra, file], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 28 });
  const one = run([]);
  const two = run(['--threads', '2']);
  // The same bytes through a pipe on standard input (the reader thread): named "-" in the output
  // and "stdin" in messages.
  const piped = spawnSync(process.execPath, [...args, '-'], { input: bytes, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 28 });
  const named = (r) => ({ status: r.status, stdout: r.stdout.split(file).join('-'), stderr: r.stderr.split(file).join('stdin') });
  const differ = (what, x, y) => {
    if (x.status === y.status && x.stdout === y.stdout && x.stderr === y.stderr) return null;
    return `${what} differs from one thread (exit ${x.status} / ${y.status}), ${firstDifference(x.stdout + x.stderr, y.stdout + y.stderr)}`;
  };
  return differ('--threads 2', one, two) ?? differ('standard input', named(one), piped);
}

// ---------------------------------------------------------------- main
function seeds(opts) {
  const dir = join(opts.cache, 'fuzz-seeds');
  mkdirSync(dir, { recursive: true });
  const gen = join(sharedBench(), 'gen-capture');
  const specs = [
    ['flows20', ['--flows', '20', '--seed', 'fuzz1']],
    ['flows20-segs1', ['--flows', '20', '--segs', '1', '--seed', 'fuzz2']],
    ['flows12-nano', ['--flows', '12', '--segs', '1', '--nano', '--seed', 'fuzz3']],
    ['flows12-v6', ['--flows', '12', '--segs', '1', '--ipv6-share', '0.6', '--seed', 'fuzz4']],
    ['flows12-zerocsum', ['--flows', '12', '--segs', '1', '--zero-tcp-checksum', '--seed', 'fuzz5']],
    ['flood40', ['--flood', '40', '--seed', 'fuzz6']],
  ];
  const out = [];
  for (const [name, args] of specs) {
    const f = join(dir, `${name}.pcap`);
    if (!existsSync(f)) {
      const p = spawnSync(process.execPath, [gen, '--out', f + '.tmp', ...args], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`gen-capture ${args.join(' ')}: ${p.stderr}`);
      renameSync(f + '.tmp', f);
    }
    out.push({ name: `gen:${name}`, bytes: readFileSync(f) });
  }
  if (opts.corpus) {
    const walk = (d) => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : []);
    const roots = [join(REPO, 'fixtures'), resolve(sharedBench(), '..', 'corpus', 'tcpdump')];
    for (const f of roots.flatMap(walk).sort()) {
      if (!/\.(pcap|pcapng|cap)(\.gz)?$/.test(f) || statSync(f).size > 256 * 1024 || statSync(f).size === 0) continue;
      out.push({ name: relative(resolve(REPO, '..'), f), bytes: readFileSync(f) });
    }
  }
  return out;
}

async function main() {
  const argv = process.argv.slice(2);
  const o = { seed: null, cases: 1000, only: null, timeoutMs: 10000, out: '/tmp/tcpflow-fuzz', maxFailures: 10, corpus: true, rechunk: true, cache: DEFAULT_CACHE, verbose: false, threadsEvery: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) { console.error(`fuzz: missing value for ${a}`); process.exit(2); } return argv[++i]; };
    if (a === '--seed') o.seed = val();
    else if (a === '--cases') o.cases = Number(val());
    else if (a === '--case') o.only = Number(val());
    else if (a === '--timeout-ms') o.timeoutMs = Number(val());
    else if (a === '--out') o.out = val();
    else if (a === '--max-failures') o.maxFailures = Number(val());
    else if (a === '--no-corpus') o.corpus = false;
    else if (a === '--no-rechunk') o.rechunk = false;
    else if (a === '--threads-every') o.threadsEvery = Number(val());
    else if (a === '--cache') o.cache = val();
    else if (a === '-v' || a === '--verbose') o.verbose = true;
    else if (a === '-h' || a === '--help') {
      const lines = readFileSync(SELF, 'utf8').split('\n').slice(1);
      const end = lines.findIndex((l) => !l.startsWith('//'));
      console.log(lines.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      return;
    }
    else { console.error(`fuzz: unknown option ${a}`); process.exit(2); }
  }
  if (!existsSync(join(REPO, 'dist', 'analyze.js'))) { console.error('fuzz: dist/analyze.js missing: npm run build'); process.exit(2); }
  o.seed ??= String(Date.now() % 1e9);
  const corpus = seeds(o);
  console.log(`fuzz: seed=${o.seed} cases=${o.only ?? o.cases} seeds=${corpus.length} timeout=${o.timeoutMs}ms (reproduce: npm run fuzz -- --seed ${o.seed} --case K)`);

  let worker = null, ready = null;
  const start = () => {
    worker = new Worker(SELF, { workerData: { fuzzWorker: true }, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    ready = new Promise((res, rej) => {
      const onMsg = (m) => { if (m.ready) { worker.off('message', onMsg); res(); } };
      worker.on('message', onMsg);
      worker.once('error', rej);
    });
  };
  const runCase = async (job) => {
    if (!worker) { start(); await ready; }
    const w = worker;
    return new Promise((res) => {
      const done = (r) => { clearTimeout(timer); w.off('message', onMsg); w.off('error', onErr); w.off('exit', onExit); res(r); };
      const onMsg = (m) => { if (m.k === job.k) done(m); };
      const onErr = (e) => { worker = null; done({ k: job.k, error: `worker died: ${e?.code ?? ''} ${e?.message ?? e}`, violations: [] }); };
      const onExit = (code) => { worker = null; done({ k: job.k, error: `worker exited ${code}`, violations: [] }); };
      const timer = setTimeout(() => { worker = null; w.terminate(); done({ k: job.k, error: `timeout: no result after ${o.timeoutMs} ms`, violations: [] }); }, o.timeoutMs);
      w.on('message', onMsg); w.once('error', onErr); w.once('exit', onExit);
      w.postMessage(job);
    });
  };

  const t0 = Date.now();
  const failures = [];
  const tally = { cases: 0, inputErrors: 0, withIssues: 0, records: 0, conns: 0, threads: 0 };
  const first = o.only ?? 0, last = o.only ?? o.cases - 1;
  for (let k = first; k <= last; k++) {
    const r = rng(`${o.seed}/${k}`);
    // 70 % from the generated TCP seeds (where the state machine is), 30 % from fixtures and the tcpdump corpus
    const gens = corpus.filter((c) => c.name.startsWith('gen:')), rest = corpus.filter((c) => !c.name.startsWith('gen:'));
    const base = rest.length && r.chance(0.3) ? r.pick(rest) : r.pick(gens);
    // Every 10th case (by number, as the ladder) reads a generated seed as pcapng: the same
    // packets in Enhanced Packet Blocks (the corpus's pcapng files are few and small). Half of
    // those are converted first, so byte mutations hit the blocks' lengths and timestamps; half
    // after mutating, since mutate()'s record-level operations know only pcap's layout.
    const asPcapng = k % 10 === 7 && base.name.startsWith('gen:');
    const before = asPcapng && k % 20 === 7;
    const mutated = mutate(before ? pcapToPcapng(base.bytes) : base.bytes, r);
    let bytes = asPcapng && !before ? pcapToPcapng(Buffer.from(mutated.bytes)) : mutated.bytes;
    const ops = asPcapng ? [before ? 'as pcapng, then' : 'then as pcapng', ...mutated.ops] : mutated.ops;
    // Every 10th case (k % 10 = 5) is gzipped, with bytes after the stream as real files have them
    // (gzip -d ignores zero padding and warns about the rest). Its own PRNG, so that the other
    // draws of the case stay what they were before this existed.
    if (k % 10 === 5) {
      const g = gzipCase(bytes, rng(`${o.seed}/${k}/gzip`));
      bytes = g.bytes;
      ops.push(...g.ops);
    }
    const settings = {};
    if (r.chance(0.2)) settings.maxConnections = r.range(1, 8);
    if (r.chance(0.2)) settings.idleTimeoutSeconds = r.pick([0.001, 0.5, 1, 5]);
    if (r.chance(0.1)) settings.mslSeconds = r.pick([0.01, 1]);
    if (r.chance(0.2)) settings.verifyChecksums = true;
    // Every 10th case keeps per-packet ladder rows and renders the ladder; chosen by k, not by r,
    // so that the cases of a seed stay the bytes and settings they were before this existed.
    if (k % 10 === 3) settings.ladder = true;
    const cuts = [];
    const nc = r.pick([0, 1, 3, 10, 40]);
    for (let i = 0; i < nc; i++) cuts.push(r.int(bytes.length + 1));
    cuts.sort((a, b) => a - b);
    const res = await runCase({ k, bytes, settings, cuts, rechunk: o.rechunk && nc > 0 });
    // k + floor(k / 10), not k: with N even, k % N alone would never pick the pcapng cases (k % 10 = 7).
    if (!res.error && res.violations.length === 0 && o.threadsEvery > 0 && (k + Math.floor(k / 10)) % o.threadsEvery === 0) {
      const v = threadsDiffer(bytes, settings, o.timeoutMs);
      if (v) res.violations.push(v);
      tally.threads++;
    }
    tally.cases++;
    if (res.summary) {
      tally.records += res.summary.records; tally.conns += res.summary.conns;
      if (res.summary.inputError) tally.inputErrors++;
      if (res.summary.issues) tally.withIssues++;
    }
    if (o.verbose) console.log(`case ${k}: ${base.name} [${ops.join('; ')}] ${JSON.stringify(settings)} -> ${res.error ? 'ERROR' : res.violations.length ? 'VIOLATION' : 'ok'} ${JSON.stringify(res.summary)}`);
    if (res.error || res.violations.length) {
      mkdirSync(o.out, { recursive: true });
      const stem = join(o.out, `seed-${o.seed.replace(/[^\w.-]/g, '_')}-case-${k}`);
      writeFileSync(`${stem}.pcap`, bytes);
      const info = { seed: o.seed, case: k, base: base.name, mutations: ops, settings, chunkCuts: cuts, error: res.error, violations: res.violations,
        reproduce: `npm run fuzz -- --seed ${o.seed} --case ${k}` };
      writeFileSync(`${stem}.json`, JSON.stringify(info, null, 1) + '\n');
      failures.push(info);
      console.log(`FAIL case ${k} (${base.name}; ${ops.join('; ')}; settings ${JSON.stringify(settings)}): ${res.error ?? res.violations.slice(0, 3).join(' / ')}`);
      console.log(`     bytes: ${stem}.pcap  details: ${stem}.json`);
      if (failures.length >= o.maxFailures) { console.log(`fuzz: stopping after ${failures.length} failures`); break; }
    }
    if (!o.verbose && tally.cases % 100 === 0) process.stderr.write(`fuzz: ${tally.cases} cases, ${failures.length} failures, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  if (worker) await worker.terminate();
  console.log(`fuzz: seed=${o.seed} ${tally.cases} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${failures.length} failed; `
    + `${tally.records} records, ${tally.conns} connections reported, ${tally.inputErrors} unreadable inputs, ${tally.withIssues} with record-level issues`
    + (o.threadsEvery > 0 ? `; ${tally.threads} compared with --threads 2` : ''));
  if (failures.length) {
    console.log(`fuzz: failing cases in ${o.out} (reproduce one: npm run fuzz -- --seed ${o.seed} --case K)`);
    process.exitCode = 1;
  }
}

if (isMainThread) await main();
else if (workerData?.fuzzWorker) await workerMain();
