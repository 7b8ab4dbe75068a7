#!/usr/bin/env node
// Derive fixtures/real/expected-states.json from the recordings (no dependencies):
//
//   node scripts/record-real/expected-states.mjs [fixtures/real]
//
// For every <name>.ss.txt with its <name>.pcap:
// - the connections are the 4-tuples of the SYNs without ACK in the pcap (the SYN's sender is the
//   client); `synIsns` counts the distinct client ISNs on the tuple (successive connections on
//   the same 4-tuple, i.e. port reuse; a retransmitted SYN repeats its ISN);
// - the kernel's state of each endpoint is the state ss printed for the socket whose local address
//   is that endpoint and whose peer is the other, mapped to our spelling; a socket ss does not list
//   is CLOSED. ss sees only the last connection of a reused tuple.
// Every ss line that is not a LISTEN socket must belong to one of the connections, or this fails.
import fs from 'node:fs';
import path from 'node:path';

const SS_TO_OURS = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECEIVED',
  'FIN-WAIT-1': 'FIN_WAIT_1',
  'FIN-WAIT-2': 'FIN_WAIT_2',
  'TIME-WAIT': 'TIME_WAIT',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  CLOSING: 'CLOSING',
  // A socket whose file descriptor is still open after the connection ended (TCP_CLOSE).
  UNCONN: 'CLOSED',
  CLOSE: 'CLOSED',
};

/** Canonical text of an IP address (IPv6 compressed, IPv4-mapped IPv6 as plain IPv4). */
function canonicalIp(ip) {
  let s = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  if (s.includes(':')) s = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(s);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return s;
}

function endpointKey(ip, port) {
  return `${canonicalIp(ip)}|${port}`;
}

/** "127.0.0.1:80", "[::1]:80", "*:*" -> { ip, port } (null for wildcards). */
function parseSsAddress(text) {
  const i = text.lastIndexOf(':');
  const host = text.slice(0, i);
  const port = text.slice(i + 1);
  if (port === '*' || host === '*') return null;
  return { ip: canonicalIp(host), port: Number(port) };
}

export function parseSs(text) {
  const sockets = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#') || line.startsWith('State')) continue;
    const cols = line.trim().split(/\s+/);
    const [state, , , local, peer] = cols;
    if (state === 'LISTEN') continue;
    const ours = SS_TO_OURS[state];
    if (!ours) throw new Error(`unknown ss state ${state} in: ${line}`);
    const l = parseSsAddress(local);
    const p = parseSsAddress(peer);
    if (!l || !p) throw new Error(`ss socket without a peer in: ${line}`);
    sockets.push({ ss: state, state: ours, local: l, peer: p });
  }
  return sockets;
}

function ipv4(b, o) {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b, o) {
  const words = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(o + i).toString(16));
  return canonicalIp(words.join(':'));
}

/** Client SYNs (SYN without ACK) in a classic pcap file. */
export function readSyns(buf) {
  const magic = buf.readUInt32LE(0);
  let le;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error('not a classic pcap file (tcpdump -w writes one)');
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const syns = [];
  let off = 24;
  let frame = 0;
  while (off + 16 <= buf.length) {
    const capLen = u32(off + 8);
    const rec = buf.subarray(off + 16, off + 16 + capLen);
    off += 16 + capLen;
    frame++;
    let l3;
    let etherType;
    if (linkType === 1) {
      etherType = rec.readUInt16BE(12);
      l3 = 14;
    } else if (linkType === 113) {
      etherType = rec.readUInt16BE(14);
      l3 = 16;
    } else if (linkType === 276) {
      etherType = rec.readUInt16BE(0);
      l3 = 20;
    } else throw new Error(`link type ${linkType} not handled`);
    let src;
    let dst;
    let l4;
    if (etherType === 0x0800) {
      if (rec[l3 + 9] !== 6) continue;
      src = ipv4(rec, l3 + 12);
      dst = ipv4(rec, l3 + 16);
      l4 = l3 + (rec[l3] & 0x0f) * 4;
    } else if (etherType === 0x86dd) {
      if (rec[l3 + 6] !== 6) continue; // no extension headers on loopback
      src = ipv6(rec, l3 + 8);
      dst = ipv6(rec, l3 + 24);
      l4 = l3 + 40;
    } else continue;
    const flags = rec[l4 + 13];
    if ((flags & 0x12) !== 0x02) continue; // SYN without ACK
    syns.push({
      frame,
      client: { ip: src, port: rec.readUInt16BE(l4) },
      server: { ip: dst, port: rec.readUInt16BE(l4 + 2) },
      isn: rec.readUInt32BE(l4 + 4),
    });
  }
  return syns;
}

export function expectedFor(pcapBuf, ssText) {
  const sockets = parseSs(ssText);
  const byTuple = new Map();
  for (const syn of readSyns(pcapBuf)) {
    const key = `${endpointKey(syn.client.ip, syn.client.port)}>${endpointKey(syn.server.ip, syn.server.port)}`;
    let t = byTuple.get(key);
    if (!t) byTuple.set(key, (t = { client: syn.client, server: syn.server, isns: new Set() }));
    t.isns.add(syn.isn);
  }
  const used = new Set();
  const find = (local, peer) => {
    const i = sockets.findIndex(
      (s) => endpointKey(s.local.ip, s.local.port) === endpointKey(local.ip, local.port) &&
        endpointKey(s.peer.ip, s.peer.port) === endpointKey(peer.ip, peer.port),
    );
    if (i < 0) return null;
    used.add(i);
    return sockets[i];
  };
  const connections = [...byTuple.values()].map((t) => {
    const c = find(t.client, t.server);
    const s = find(t.server, t.client);
    return {
      client: t.client,
      server: t.server,
      synIsns: t.isns.size,
      kernel: { client: c ? c.state : 'CLOSED', server: s ? s.state : 'CLOSED' },
      ss: { client: c ? c.ss : null, server: s ? s.ss : null },
    };
  });
  const stray = sockets.filter((_, i) => !used.has(i));
  if (stray.length) throw new Error(`ss sockets with no SYN in the capture: ${JSON.stringify(stray)}`);
  return connections;
}

function main() {
  const dir = path.resolve(process.argv[2] ?? 'fixtures/real');
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.ss.txt')).map((f) => f.slice(0, -'.ss.txt'.length)).sort();
  const captures = {};
  for (const name of names) {
    const pcap = `${name}.pcap`;
    if (!fs.existsSync(path.join(dir, pcap))) throw new Error(`${name}.ss.txt has no ${pcap}`);
    captures[name] = {
      pcap,
      ss: `${name}.ss.txt`,
      connections: expectedFor(fs.readFileSync(path.join(dir, pcap)), fs.readFileSync(path.join(dir, `${name}.ss.txt`), 'utf8')),
    };
  }
  const out = {
    $comment:
      'Generated by `node scripts/record-real/expected-states.mjs` from fixtures/real/*.ss.txt (kernel socket states when the capture stopped) and the SYNs in *.pcap (4-tuples). Do not edit; re-record with scripts/record-real/record.sh. A socket absent from ss is CLOSED; with several connections on one 4-tuple (synIsns > 1) the states are the last one\'s.',
    captures,
  };
  fs.writeFileSync(path.join(dir, 'expected-states.json'), JSON.stringify(out, null, 2) + '\n');
  for (const [name, c] of Object.entries(captures)) {
    for (const k of c.connections) {
      console.error(
        `${name}: ${k.client.ip}:${k.client.port} -> ${k.server.ip}:${k.server.port}  client ${k.kernel.client}, server ${k.kernel.server}` +
          (k.synIsns > 1 ? ` (${k.synIsns} connections on this tuple)` : ''),
      );
    }
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) main();
