/**
 * Connections carried in tunnels (decode/tunnel.ts) are the inner packets' connections: the same
 * conversation, captured plain or inside VXLAN or fragmented GTP-U, gives the same report.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { ConnectionReport, RunReport } from '../../src/report/model.js';
import { ethernet, ipv4Packet, udpDatagram, parseIPv4 } from '../helpers/packet-builder.js';
import { fromBytes, writePcap, type PacketIn } from '../helpers/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';

const ETHERTYPE_IPV4 = 0x0800;

function conversation(v6 = false): Scenario {
  const s = new Scenario({ v6 });
  const { a, b } = s;
  a.syn(); b.synAck(); a.ack();
  a.data(300); b.ack();
  b.data(3000); a.ack();
  a.fin(); b.ack(); b.fin(); a.ack();
  return s;
}

async function run(frames: readonly PacketIn[]): Promise<RunReport> {
  return analyze([{ name: 't.pcap', bytes: fromBytes(writePcap([...frames])) }], { ladder: true });
}

/** What the connection says, without what only the capture's packaging may change. */
function essence(c: ConnectionReport): unknown {
  return { ...c, zeek: c.zeek, ladder: c.ladder?.map((step) => ({ ...step })) };
}

/** Which side sent the frame: the inner IPv4 source (offset 14 + 12 of the plain frame). */
function fromClient(frame: Uint8Array): boolean {
  return frame[26] === 10 && frame[29] === 1; // the scenario's client is 10.0.0.1
}

/** Each plain Ethernet frame inside VXLAN, between two VTEPs that swap with the direction. */
function inVxlan(frames: readonly PacketIn[]): PacketIn[] {
  return frames.map((p) => {
    const up = fromClient(p.data);
    const vxlan = new Uint8Array(8 + p.data.length);
    vxlan[0] = 0x08;
    vxlan[6] = 42;
    vxlan.set(p.data, 8);
    const src = up ? '192.0.2.1' : '192.0.2.2';
    const dst = up ? '192.0.2.2' : '192.0.2.1';
    const udp = udpDatagram(parseIPv4(src), parseIPv4(dst), 49152 + (p.data.length % 1000), 4789, vxlan);
    return { ...p, data: ethernet(ETHERTYPE_IPV4, ipv4Packet({ src, dst, protocol: 17, payload: udp })) };
  });
}

/**
 * Each inner IPv6 packet inside Teredo between a client behind a NAT and its relay on port 3544;
 * the relay's datagrams carry an origin indication (RFC 4380 §5.1.1).
 */
function inTeredo(frames: readonly PacketIn[]): PacketIn[] {
  return frames.map((p) => {
    const up = p.data[14 + 8 + 15] === 1; // the scenario's client is 2001:db8::1 (last byte of the source)
    const inner = p.data.subarray(14);
    const origin = up ? new Uint8Array(0) : new Uint8Array([0, 0, 0x63, 0xbf, 0x3f, 0xff, 0xfd, 0xf6]);
    const payload = new Uint8Array(origin.length + inner.length);
    payload.set(origin);
    payload.set(inner, origin.length);
    const src = up ? '192.0.2.1' : '198.51.100.7';
    const dst = up ? '198.51.100.7' : '192.0.2.1';
    const udp = udpDatagram(parseIPv4(src), parseIPv4(dst), up ? 40000 : 3544, up ? 3544 : 40000, payload);
    return { ...p, data: ethernet(ETHERTYPE_IPV4, ipv4Packet({ src, dst, protocol: 17, payload: udp })) };
  });
}

/** Each inner IP packet inside GTP-U; outer datagrams over 600 bytes sent as two fragments (the second a frame of its own). */
function inFragmentedGtp(frames: readonly PacketIn[]): PacketIn[] {
  const out: PacketIn[] = [];
  for (const p of frames) {
    const up = fromClient(p.data);
    const inner = p.data.subarray(14);
    const gtp = new Uint8Array(8 + inner.length);
    gtp[0] = 0x30; gtp[1] = 0xff; gtp[2] = inner.length >> 8; gtp[3] = inner.length & 255; gtp[7] = up ? 1 : 2;
    gtp.set(inner, 8);
    const src = up ? '198.51.100.1' : '198.51.100.2';
    const dst = up ? '198.51.100.2' : '198.51.100.1';
    const udp = udpDatagram(parseIPv4(src), parseIPv4(dst), up ? 2152 : 5906, 2152, gtp);
    if (udp.length <= 600) {
      out.push({ ...p, data: ethernet(ETHERTYPE_IPV4, ipv4Packet({ src, dst, protocol: 17, payload: udp })) });
      continue;
    }
    const first = ipv4Packet({ src, dst, protocol: 17, payload: udp.subarray(0, 400), dontFragment: false, moreFragments: true });
    const second = ipv4Packet({ src, dst, protocol: 17, payload: udp.subarray(400), dontFragment: false, fragmentOffset: 400 });
    out.push({ ...p, data: ethernet(ETHERTYPE_IPV4, first) });
    out.push({ ...p, tsNanos: p.tsNanos + 1000, data: ethernet(ETHERTYPE_IPV4, second) });
  }
  return out;
}

describe('connections inside tunnels', () => {
  it('VXLAN: the same connection as captured plain, counted in stats.tunnelled', async () => {
    const plain = await run(conversation().frames);
    const tunnelled = await run(inVxlan(conversation().frames));
    expect(tunnelled.connections).toHaveLength(1);
    expect(essence(tunnelled.connections[0])).toEqual(essence(plain.connections[0]));
    expect(tunnelled.connections[0].client.finalState).toBe('TIME_WAIT');
    expect(tunnelled.stats.tunnelled).toEqual({ VXLAN: plain.stats.tcpSegments });
    expect(plain.stats.tunnelled).toEqual({});
  });

  it('Teredo: the same IPv6 connection as captured plain, counted in stats.tunnelled', async () => {
    const plain = await run(conversation(true).frames);
    const tunnelled = await run(inTeredo(conversation(true).frames));
    expect(tunnelled.connections).toHaveLength(1);
    expect(essence(tunnelled.connections[0])).toEqual(essence(plain.connections[0]));
    expect(tunnelled.connections[0].client.ip).toBe('2001:db8::1');
    expect(tunnelled.stats.tunnelled).toEqual({ TEREDO: plain.stats.tcpSegments });
  });

  it('GTP-U with fragmented outer datagrams: the same states, bytes and Zeek verdict; later fragments skipped', async () => {
    const plain = await run(conversation().frames);
    const frames = inFragmentedGtp(conversation().frames);
    const tunnelled = await run(frames);
    const c = tunnelled.connections[0];
    const p = plain.connections[0];
    expect(tunnelled.connections).toHaveLength(1);
    expect([c.client.finalState, c.server.finalState, c.handshake.outcome, c.close.kind]).toEqual([p.client.finalState, p.server.finalState, p.handshake.outcome, p.close.kind]);
    expect([c.bytes, c.packets]).toEqual([p.bytes, p.packets]);
    // Zeek reassembles the outer fragments before it looks: no content gap where ours are whole.
    expect(c.zeek).toEqual(p.zeek);
    expect(c.anomalies.map((a) => a.code)).toEqual(p.anomalies.map((a) => a.code));
    expect(tunnelled.stats.tunnelled).toEqual({ GTP_U: plain.stats.tcpSegments });
    expect(tunnelled.stats.skipped).toEqual({ NON_TCP: frames.length - plain.stats.tcpSegments });
    expect(tunnelled.stats.skipped.NON_TCP).toBeGreaterThan(0);
  });
});
