#!/usr/bin/env node
// Stages 1 and 2 alone (issue 2): how fast the capture readers and decodePacket go, and what share
// of the time pcap-parser would take if it were the reader. One process, page cache warm, modes
// run in alternation per rep so machine noise hits all of them alike; medians reported.
//
//   node bench/decode.mjs [--reps 5] [FILE]     (default: the cached ~1 GB gen-capture file)
//
// Modes:
//   read            our pcap reader, records counted
//   read+decode     our reader + decodePacket (the real pipeline's first two stages)
//   pp-read         pcap-parser (npm) through our adapter, records counted
//   pp-read+decode  pcap-parser + decodePacket
// Needs `npm run build` (it imports dist/).
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;
const { readCapture } = await import(dist('capture/open.js'));
const { decodePacket } = await import(dist('decode/packet.js'));
const { newPacketFields } = await import(dist('decode/fields.js'));
const { newCaptureInfo } = await import(dist('capture/record.js'));

const args = process.argv.slice(2);
let reps = 5;
let file = '/tmp/tcpflow-bench/gen-flows-90000-seed-1-5d21991a.pcap';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--reps') reps = Number(args[++i]);
  else file = args[i];
}
if (!existsSync(file)) {
  console.error(`bench/decode: ${file} not found (run npm run bench once to generate the inputs, or name a pcap)`);
  process.exit(2);
}
const bytes = statSync(file).size;
// 1 MiB reads, as the CLI opens files (src/cli/inputs.ts READ_CHUNK_BYTES).
const source = () => createReadStream(file, { highWaterMark: 1 << 20 });

async function run(mode) {
  const fields = newPacketFields();
  let n = 0;
  let ok = 0;
  const decode = mode.endsWith('+decode');
  const pcapReader = mode.startsWith('pp-') ? 'pcap-parser' : 'builtin';
  const t0 = process.hrtime.bigint();
  await readCapture(source(), newCaptureInfo(), decode
    ? (rec) => { n++; if (decodePacket(rec, fields, false) === 'OK') ok++; }
    : () => { n++; }, { pcapReader });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, n, ok };
}

const modes = ['read', 'read+decode', 'pp-read', 'pp-read+decode'];
const times = Object.fromEntries(modes.map((m) => [m, []]));
let packets = 0;
for (let r = 0; r < reps; r++) {
  for (const m of modes) {
    const { s, n } = await run(m);
    times[m].push(s);
    packets = n;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`## Read and decode: ${path.basename(file)} (${(bytes / 1e6).toFixed(0)} MB, ${fmt(packets)} packets), median of ${reps}\n`);
console.log('| mode | wall s | packets/s | MB/s |');
console.log('|---|---|---|---|');
const med = {};
for (const m of modes) {
  med[m] = median(times[m]);
  console.log(`| ${m} | ${med[m].toFixed(3)} | ${fmt(packets / med[m])} | ${(bytes / 1e6 / med[m]).toFixed(0)} |`);
}
// Decode's cost is the difference of two noisy medians, shown under both readers: read it as a range.
const dOurs = med['read+decode'] - med['read'];
const dPp = med['pp-read+decode'] - med['pp-read'];
console.log(`\n- decodePacket's added time: ${dOurs.toFixed(3)} s over our reader, ${dPp.toFixed(3)} s over pcap-parser (difference of medians)`);
console.log(`- with pcap-parser as the reader, reading is ${((med['pp-read'] / med['pp-read+decode']) * 100).toFixed(0)}% of read+decode ` +
  `(ours: ${((med['read'] / med['read+decode']) * 100).toFixed(0)}%); pcap-parser reads ${(med['pp-read'] / med['read']).toFixed(1)}× slower than our reader`);
