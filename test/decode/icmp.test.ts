/**
 * ICMP and ICMPv6 errors about TCP segments (src/decode/icmp.ts), read from the real firewall
 * rejections of fixtures/real/icmp-reject.pcap, and cut or corrupted anywhere without a throw.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { icmpErrorOf } from '../../src/decode/packet.js';
import { icmpErrorName, newIcmpError, type IcmpError } from '../../src/decode/icmp.js';
import { LINKTYPE_ETHERNET } from '../../src/decode/link-types.js';
import { analyze } from '../../src/analyze.js';
import type { RunReport } from '../../src/report/model.js';
import { fromBytes, writePcap, type PacketIn } from '../helpers/pcap-writer.js';
import { walkCapture } from './capture-walk.js';
import { decode } from './helpers.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/real/icmp-reject.pcap');

/** The frames of the fixture that are ICMP or ICMPv6 (copies). */
function icmpFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  walkCapture(new Uint8Array(readFileSync(FIXTURE)), (rec) => {
    const f = decode(rec.linkType, rec.data);
    if (f.status === 'NON_TCP' && (f.ipProtocol === 1 || f.ipProtocol === 58)) frames.push(rec.data.slice());
  });
  return frames;
}

function read(frame: Uint8Array, origLen = frame.length): IcmpError | null {
  const f = decode(LINKTYPE_ETHERNET, frame, false, origLen);
  const e = newIcmpError();
  return icmpErrorOf(f, e) ? e : null;
}

const FRAMES = icmpFrames();
/** The errors quoting a TCP segment (ICMPv6 neighbour discovery is ICMPv6 too, but no error). */
const ERRORS = FRAMES.filter((b) => read(b) !== null);

describe('ICMP errors quoting a TCP segment', () => {
  test('the fixture\'s rejections: IPv4 port unreachable and admin prohibited, ICMPv6 port unreachable, each quoting its SYN', () => {
    const seen = ERRORS.map((b) => {
      const e = read(b)!;
      const s = e.segment;
      return { version: e.version, type: e.type, code: e.code, mtu: e.mtu, port: s.dstPort, syn: s.flags === 0x02, name: icmpErrorName(e.version, e.type, e.code) };
    });
    // nftables quotes the whole SYN, so its flags are read too; the v6 attempt sent its SYN twice.
    expect(seen).toEqual([
      { version: 4, type: 3, code: 3, mtu: -1, port: 9012, syn: true, name: 'destination unreachable (port unreachable)' },
      { version: 4, type: 3, code: 13, mtu: -1, port: 9013, syn: true, name: 'destination unreachable (communication administratively filtered)' },
      { version: 6, type: 1, code: 4, mtu: -1, port: 9014, syn: true, name: 'destination unreachable (port unreachable)' },
      { version: 6, type: 1, code: 4, mtu: -1, port: 9014, syn: true, name: 'destination unreachable (port unreachable)' },
    ]);
    // The sender of the error (the server here) is the record's source, the quoted segment the client's.
    const e = read(ERRORS[0])!;
    expect([e.from0 >>> 0, e.segment.src0 >>> 0, e.segment.dst0 >>> 0]).toEqual([0x0a630f02, 0x0a630f01, 0x0a630f02]);
  });

  test('a quote cut before the sequence number is no error about a segment; cut after it, the flags are unknown', () => {
    for (const b of ERRORS) {
      const e = read(b)!;
      const ipv6 = e.version === 6;
      // Ethernet 14, IP 20 or 40, ICMP 8, quoted IP 20 or 40: the quoted TCP header starts here.
      const tcpAt = 14 + (ipv6 ? 40 : 20) + 8 + (ipv6 ? 40 : 20);
      expect(read(b.subarray(0, tcpAt + 7), b.length)).toBeNull();
      const cut = read(b.subarray(0, tcpAt + 8), b.length)!;
      expect([cut.segment.dstPort, cut.segment.seq, cut.segment.flags]).toEqual([e.segment.dstPort, e.segment.seq, -1]);
    }
  });

  test('echo requests, and errors quoting UDP, are not errors about a TCP segment', () => {
    const b = ERRORS[0].slice();
    const icmpAt = 14 + 20;
    b[icmpAt] = 8; // echo request
    expect(read(b)).toBeNull();
    const udp = ERRORS[0].slice();
    udp[icmpAt + 8 + 9] = 17; // the quoted IPv4 header's protocol
    expect(read(udp)).toBeNull();
  });

  test.prop([fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })])('any cut or corruption of an error reads as one or not, never throws', (which, at, bytes) => {
    const b = ERRORS[which % ERRORS.length].slice();
    const from = 14 + (at % (b.length - 14));
    b.set(bytes.subarray(0, b.length - from), from);
    expect(() => read(b)).not.toThrow();
    expect(() => read(b.subarray(0, from), b.length)).not.toThrow();
  });
});

/** The fixture's records (copies), to be changed and written again. */
function fixtureRecords(): PacketIn[] {
  const out: PacketIn[] = [];
  walkCapture(new Uint8Array(readFileSync(FIXTURE)), (rec) => out.push({ tsSec: rec.tsSec, tsNanos: rec.tsNanos, data: rec.data.slice() }));
  return out;
}

async function analyzed(records: PacketIn[]): Promise<RunReport> {
  return analyze([{ name: 'icmp.pcap', bytes: fromBytes(writePcap(records, { nano: true })) }]);
}

/** The record of the first ICMP error (IPv4 port unreachable, about the SYN to 9012) and its connection's report. */
async function withFirstError(change: (frame: Uint8Array, rec: PacketIn) => void): Promise<RunReport['connections'][number]> {
  const records = fixtureRecords();
  const rec = records.find((r) => read(r.data)?.type === 3)!;
  change(rec.data, rec);
  const r = await analyzed(records);
  return r.connections.find((c) => c.server.port === 9012)!;
}

/** Where the quoted TCP header starts in an IPv4 error's frame: Ethernet, IP, ICMP, quoted IP. */
const QUOTED_TCP = 14 + 20 + 8 + 20;

describe('ICMP errors on their connections (helper-82 review)', () => {
  test('held by a SYN-only embryo (no Connection for a SYN scan against REJECT) or noted on a full connection (ladders keep no embryos): the same report', async () => {
    const records = fixtureRecords();
    // Two kinds about the SYN to 9012: the second promotes the embryo, whose held first is replayed.
    const second = records.findIndex((r) => read(r.data)?.type === 3);
    const other = { ...records[second], data: records[second].data.slice() };
    other.data[14 + 20 + 1] = 1; // host unreachable
    other.tsNanos = (other.tsNanos + 1000) % 1e9;
    records.splice(second + 1, 0, other, { ...records[second], data: records[second].data.slice() });
    const bytes = writePcap(records, { nano: true });
    const plain = await analyze([{ name: 'icmp.pcap', bytes: fromBytes(bytes) }]);
    const laddered = await analyze([{ name: 'icmp.pcap', bytes: fromBytes(bytes) }], { ladder: true });
    for (const c of laddered.connections) delete c.ladder;
    expect(plain.connections).toEqual(laddered.connections);
    const c = plain.connections.find((x) => x.server.port === 9012)!;
    expect(c.anomalies.filter((a) => a.code === 'ICMP_ERROR').map((a) => [a.details.code, a.details.count])).toEqual([[3, 2], [1, 1]]);
  });

  test('as recorded: the SYN to 9012 is unreachable, with ICMP_ERROR', async () => {
    const c = await withFirstError(() => {});
    expect([c.handshake.outcome, c.anomalies.map((a) => a.code)]).toEqual(['unreachable', ['ICMP_ERROR']]);
  });

  test('one quoting a sequence number outside the sender\'s unacknowledged segments is not its connection\'s (an earlier connection on the tuple, a blind error)', async () => {
    const c = await withFirstError((b) => { b[QUOTED_TCP + 4] ^= 0x40; });
    expect([c.handshake.outcome, c.anomalies.map((a) => a.code)]).toEqual(['no_answer', ['HALF_OPEN']]);
  });

  test('fragmentation needed is ICMP_PACKET_TOO_BIG (info, path MTU discovery), with its MTU, and no `unreachable`', async () => {
    const c = await withFirstError((b) => { b[14 + 20 + 1] = 4; b[14 + 20 + 6] = 0x05; b[14 + 20 + 7] = 0x00; });
    expect(c.handshake.outcome).toBe('no_answer');
    const a = c.anomalies.find((x) => x.code === 'ICMP_PACKET_TOO_BIG')!;
    expect([a.severity, a.details.mtu, a.message]).toEqual(['info', 1280, 'client\'s SYN drew ICMP destination unreachable (fragmentation needed) from 10.99.15.2 (MTU 1280)']);
  });

  test('one that comes after its connection timed out is not noted on it, whatever else the capture holds', async () => {
    const c = await withFirstError((_, rec) => { rec.tsSec += 1000; });
    expect([c.handshake.outcome, c.anomalies.map((a) => a.code)]).toEqual(['no_answer', ['HALF_OPEN']]);
  });

  test('nor after the idle timeout its connection ends with at the end, when its SYN was stamped back (helper-83 review)', async () => {
    const records = fixtureRecords();
    const syn = records.find((r) => { const f = decode(LINKTYPE_ETHERNET, r.data); return f.status === 'OK' && f.dstPort === 9012; })!;
    syn.tsSec -= 1000;
    const c = (await analyzed(records)).connections.find((x) => x.server.port === 9012)!;
    expect([c.handshake.outcome, c.anomalies.map((a) => a.code), c.ended]).toEqual(['no_answer', ['HALF_OPEN'], 'idle_timeout']);
  });

  test('one stamped before its SYN is taken at the connection\'s time, as a segment stamped back is', async () => {
    const c = await withFirstError((_, rec) => { rec.tsSec -= 10; });
    const a = c.anomalies.find((x) => x.code === 'ICMP_ERROR')!;
    expect(a.time).toBe(c.lastSeen);
  });
});
