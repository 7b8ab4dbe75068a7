#!/usr/bin/env node
// Records what tshark says of each TCP stream's conversation completeness in the shared corpus,
// for test/conformance/wireshark.test.ts (which runs without tshark). Re-run after a corpus or
// tshark change:
//   node test/conformance/record-tshark-completeness.mjs > fixtures/tshark/completeness.tsv
// Two passes (-2): in one pass each packet shows the bits of the packets before it only. In two,
// every packet after a stream's first shows them all; the OR over a stream's packets is the value.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const shared = resolve(import.meta.dirname, '../../../shared/corpus');
const dirs = [['zeek', join(shared, 'zeek', 'traces')], ['tcpdump', join(shared, 'tcpdump')]];
const version = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];
console.log(`# ${version}; tshark -2 -r FILE -Y tcp -T fields -e frame.number -e tcp.stream -e tcp.completeness`);
console.log(['corpus', 'file', 'stream', 'firstFrame', 'lastFrame', 'packets', 'completeness'].join('\t'));
for (const [corpus, dir] of dirs) {
  for (const file of readdirSync(dir).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort()) {
    let out;
    try {
      out = execFileSync('tshark', ['-2', '-r', join(dir, file), '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t',
        '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'tcp.completeness'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
    } catch (err) {
      out = err.stdout ?? ''; // a cut-short file: what tshark printed before it stopped
    }
    const streams = new Map();
    for (const line of out.split('\n')) {
      const [frame, stream, value] = line.split('\t');
      // A packet tshark dissects as TCP more than once (ICMP errors quote a header) lists values joined by commas: not a stream's packet.
      if (!/^\d+$/.test(stream ?? '') || !/^\d+$/.test(value ?? '')) continue;
      let s = streams.get(stream);
      if (!s) streams.set(stream, (s = { first: Number(frame), last: 0, packets: 0, bits: 0 }));
      s.last = Number(frame);
      s.packets++;
      s.bits |= Number(value);
    }
    for (const [stream, s] of [...streams].sort((a, b) => a[1].first - b[1].first)) {
      console.log([corpus, file, stream, s.first, s.last, s.packets, s.bits].join('\t'));
    }
  }
}
