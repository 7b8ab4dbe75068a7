import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { decodePacket } from '../../src/decode/packet.js';
import { newPacketFields, type PacketFields } from '../../src/decode/fields.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_RAW } from '../../src/decode/link-types.js';
import {
  MAX_TUNNEL_DEPTH, TUNNEL_ERSPAN, TUNNEL_GENEVE, TUNNEL_GRE, TUNNEL_GTP_U, TUNNEL_IPIP, TUNNEL_NONE, TUNNEL_TEREDO, TUNNEL_VXLAN,
  TUNNEL_VXLAN_GPE,
} from '../../src/decode/tunnel.js';
import { internetChecksum } from '../helpers/packet-builder.js';
import { ETH_HDR, ETH_HDR_IPV6, IPV4_DATA, IPV6_SYN, cat, hex, record } from './frames.js';

/** Outer IPv4 header from 192.0.2.1 to 192.0.2.2, with its checksum (outer IPv4 headers are verified too). */
function ipv4(protocol: number, payload: Uint8Array, fragment = 0, totalLength = 20 + payload.length): Uint8Array {
  const h = hex('45 00 00 00 00 07 00 00 40 00 00 00 c0 00 02 01 c0 00 02 02');
  h[2] = totalLength >> 8; h[3] = totalLength & 255;
  h[6] = fragment >> 8; h[7] = fragment & 255;
  h[9] = protocol;
  const sum = internetChecksum(h);
  h[10] = sum >> 8; h[11] = sum & 255;
  return cat(h, payload);
}

/** Outer IPv6 header from 2001:db8::1 to 2001:db8::2. */
function ipv6(nextHeader: number, payload: Uint8Array): Uint8Array {
  const h = hex(`60 00 00 00 00 00 00 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
                 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02`);
  h[4] = payload.length >> 8; h[5] = payload.length & 255;
  h[6] = nextHeader;
  return cat(h, payload);
}

function udp(src: number, dst: number, payload: Uint8Array, length = 8 + payload.length): Uint8Array {
  return cat(new Uint8Array([src >> 8, src & 255, dst >> 8, dst & 255, length >> 8, length & 255, 0, 0]), payload);
}

function u16(x: number): Uint8Array {
  return new Uint8Array([x >> 8, x & 255]);
}

const ETH_INNER = cat(ETH_HDR, IPV4_DATA);
const GRE_IPV4 = hex('00 00 08 00');
const VXLAN = hex('08 00 00 00 00 00 2a 00'); // I flag, VNI 42
/** VXLAN-GPE header: I and P flags, next protocol `next` (1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH), VNI 42. */
function gpe(next: number, flags = 0x0c): Uint8Array {
  return new Uint8Array([flags, 0, 0, next, 0, 0, 0x2a, 0]);
}
/** Teredo's origin indication (RFC 4380 §5.1.1): port 40000 and 192.0.2.9, obfuscated (xor all ones). */
const TEREDO_ORIGIN = hex('00 00 63 bf 3f ff fd f6');
/** Teredo's authentication indicator: ID length 2, AU length 3, the ID, the AU value, nonce, confirmation. */
const TEREDO_AUTH = hex('00 01 02 03  aa bb  01 02 03  11 22 33 44 55 66 77 88  00');
/** GTP-U G-PDU header (version 1, PT 1, no optional fields) with its length and TEID 1. */
function gtp(payload: Uint8Array, flags = 0x30, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const len = extra.length + payload.length;
  return cat(new Uint8Array([flags, 0xff, len >> 8, len & 255, 0, 0, 0, 1]), extra, payload);
}

function decode(data: Uint8Array, linkType = LINKTYPE_RAW, verify = true, origLen = data.length): PacketFields {
  const out = newPacketFields();
  decodePacket(record(linkType, data, origLen), out, verify);
  return out;
}

/** The inner segment's fields: what tracking sees. */
function seen(f: PacketFields): unknown {
  return {
    status: f.status, ipVersion: f.ipVersion, src: [f.src0, f.src1, f.src2, f.src3], dst: [f.dst0, f.dst1, f.dst2, f.dst3],
    ports: [f.srcPort, f.dstPort], seq: f.seq, ack: f.ack, flags: f.flags, payloadLen: f.payloadLen,
    capturedPayloadLen: f.capturedPayloadLen, checksumBad: f.checksumBad, optHasTimestamps: f.optHasTimestamps,
    ipId: f.ipId, // the inner header's (0x1234 in IPV4_DATA; the outer IPv4's is 7), -1 for an inner IPv6 one
  };
}

const PLAIN_V4 = seen(decode(IPV4_DATA));
const PLAIN_V6 = seen(decode(IPV6_SYN));

describe('tunnels: the inner TCP segment is the one decoded', () => {
  const cases: Array<[string, Uint8Array, number, unknown, number?]> = [
    ['IPv4 in IPv4 (RFC 2003)', ipv4(4, IPV4_DATA), TUNNEL_IPIP, PLAIN_V4],
    ['IPv6 in IPv4 (6in4, RFC 4213)', ipv4(41, IPV6_SYN), TUNNEL_IPIP, PLAIN_V6],
    ['IPv4 in IPv6', ipv6(4, IPV4_DATA), TUNNEL_IPIP, PLAIN_V4],
    ['GRE, IPv4', ipv4(47, cat(GRE_IPV4, IPV4_DATA)), TUNNEL_GRE, PLAIN_V4],
    ['GRE with checksum, key and sequence number', ipv4(47, cat(hex('b0 00 08 00  12 34 00 00  00 00 00 07  00 00 00 09'), IPV4_DATA)), TUNNEL_GRE, PLAIN_V4],
    ['GRE, IPv6', ipv4(47, cat(hex('00 00 86 dd'), IPV6_SYN)), TUNNEL_GRE, PLAIN_V6],
    ['NVGRE (transparent Ethernet bridging, key)', ipv4(47, cat(hex('20 00 65 58  00 00 64 00'), ETH_INNER)), TUNNEL_GRE, PLAIN_V4],
    ['GRE over IPv6', ipv6(47, cat(GRE_IPV4, IPV4_DATA)), TUNNEL_GRE, PLAIN_V4],
    ['ERSPAN type I (GRE without sequence number)', ipv4(47, cat(hex('00 00 88 be'), ETH_INNER)), TUNNEL_ERSPAN, PLAIN_V4],
    ['ERSPAN type II', ipv4(47, cat(hex('10 00 88 be  00 00 00 05'), hex('10 64 00 01  00 00 00 00'), ETH_INNER)), TUNNEL_ERSPAN, PLAIN_V4],
    ['ERSPAN type III', ipv4(47, cat(hex('10 00 22 eb  00 00 00 05'), hex('20 64 00 01  00 00 00 00  00 00 00 00'), ETH_INNER)), TUNNEL_ERSPAN, PLAIN_V4],
    ['ERSPAN type III with a platform sub-header', ipv4(47, cat(hex('10 00 22 eb  00 00 00 05'), hex('20 64 00 01  00 00 00 00  00 00 00 01'), new Uint8Array(8), ETH_INNER)), TUNNEL_ERSPAN, PLAIN_V4],
    ['VXLAN', ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_INNER))), TUNNEL_VXLAN, PLAIN_V4],
    ['VXLAN, IPv6 inside and outside', ipv6(17, udp(51000, 4789, cat(VXLAN, ETH_HDR_IPV6, IPV6_SYN))), TUNNEL_VXLAN, PLAIN_V6],
    ['VXLAN inner frame with a VLAN tag', ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_HDR.subarray(0, 12), hex('81 00 00 0a 08 00'), IPV4_DATA))), TUNNEL_VXLAN, PLAIN_V4],
    ['Geneve, Ethernet, 8 bytes of options', ipv4(17, udp(51000, 6081, cat(hex('02 00 65 58  00 00 2a 00'), new Uint8Array(8), ETH_INNER))), TUNNEL_GENEVE, PLAIN_V4],
    ['Geneve, IPv4', ipv4(17, udp(51000, 6081, cat(hex('00 00 08 00  00 00 2a 00'), IPV4_DATA))), TUNNEL_GENEVE, PLAIN_V4],
    ['GTP-U', ipv4(17, udp(2152, 2152, gtp(IPV4_DATA))), TUNNEL_GTP_U, PLAIN_V4],
    ['GTP-U from another port (uplink and downlink differ)', ipv4(17, udp(2152, 5906, gtp(IPV4_DATA))), TUNNEL_GTP_U, PLAIN_V4],
    ['GTP-U with a sequence number', ipv4(17, udp(2152, 2152, gtp(IPV4_DATA, 0x32, hex('00 05 00 00')))), TUNNEL_GTP_U, PLAIN_V4],
    ['GTP-U with a PDU session container extension', ipv4(17, udp(2152, 2152, gtp(IPV4_DATA, 0x34, hex('00 00 00 85  01 00 09 00')))), TUNNEL_GTP_U, PLAIN_V4],
    ['GTP-U carrying IPv6', ipv4(17, udp(2152, 2152, gtp(IPV6_SYN))), TUNNEL_GTP_U, PLAIN_V6],
    ['GTP-U from 2152 to a port another tunnel names (its header not there)', ipv4(17, udp(2152, 3544, gtp(IPV4_DATA))), TUNNEL_GTP_U, PLAIN_V4],
    ['VXLAN-GPE, IPv4', ipv4(17, udp(51000, 4790, cat(gpe(1), IPV4_DATA))), TUNNEL_VXLAN_GPE, PLAIN_V4],
    ['VXLAN-GPE, IPv6', ipv6(17, udp(51000, 4790, cat(gpe(2), IPV6_SYN))), TUNNEL_VXLAN_GPE, PLAIN_V6],
    ['VXLAN-GPE, Ethernet', ipv4(17, udp(51000, 4790, cat(gpe(3), ETH_INNER))), TUNNEL_VXLAN_GPE, PLAIN_V4],
    ['VXLAN-GPE without P: Ethernet, as VXLAN', ipv4(17, udp(51000, 4790, cat(gpe(0, 0x08), ETH_INNER))), TUNNEL_VXLAN_GPE, PLAIN_V4],
    ['Teredo (server port 3544)', ipv4(17, udp(3544, 51000, IPV6_SYN)), TUNNEL_TEREDO, PLAIN_V6],
    ['Teredo with an origin indication', ipv4(17, udp(3544, 51000, cat(TEREDO_ORIGIN, IPV6_SYN))), TUNNEL_TEREDO, PLAIN_V6],
    ['Teredo with authentication and an origin indication', ipv4(17, udp(51000, 3544, cat(TEREDO_AUTH, TEREDO_ORIGIN, IPV6_SYN))), TUNNEL_TEREDO, PLAIN_V6],
  ];
  for (const [name, frame, kind, expected] of cases) {
    it(name, () => {
      const f = decode(frame);
      expect(seen(f)).toEqual(expected);
      expect([f.tunnel, f.tunnelDepth, f.tunnelFragmented]).toEqual([kind, 1, false]);
      // The frame on Ethernet decodes the same (offsets are from the frame's start).
      const eth = decode(cat(frame[0] >> 4 === 6 ? ETH_HDR_IPV6 : ETH_HDR, frame), LINKTYPE_ETHERNET);
      expect(seen(eth)).toEqual(expected);
      expect(eth.tcpOffset).toBe(f.tcpOffset + 14);
    });
  }

  it('the inner checksums and every outer IPv4 header\'s are verified, outer UDP\'s never (a tunnel endpoint may leave them 0)', () => {
    const good = ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_INNER)));
    expect(decode(good).checksumBad).toBe(false);
    const bad = good.slice();
    bad[bad.length - 1] ^= 0xff; // a payload byte of the inner segment
    expect(decode(bad).checksumBad).toBe(true);
    expect(decode(bad, LINKTYPE_RAW, false).checksumBad).toBe(false); // only when verifying
    // The outer IPv4 header's checksum wrong: Zeek drops such a packet, Wireshark flags it.
    const outer = good.slice();
    outer[10] ^= 0x01;
    expect([decode(outer).status, decode(outer).checksumBad]).toEqual(['OK', true]);
    // An outer total length of 0 (TSO) leaves the inner packet's checks to it (helper-47 review: they were skipped).
    const inner = IPV4_DATA.slice();
    inner[inner.length - 1] ^= 0xff;
    const tso = ipv4(4, inner, 0, 0);
    expect([decode(tso).status, decode(tso).checksumBad]).toEqual(['OK', true]);
    expect(decode(ipv4(4, IPV4_DATA, 0, 0)).checksumBad).toBe(false);
  });

  it('tunnels inside tunnels, up to MAX_TUNNEL_DEPTH; deeper is a NON_TCP skip', () => {
    let frame = IPV4_DATA;
    for (let depth = 1; depth <= MAX_TUNNEL_DEPTH + 1; depth++) {
      frame = depth % 2 === 0 ? ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_HDR, frame))) : ipv4(4, frame);
      const f = decode(frame);
      if (depth <= MAX_TUNNEL_DEPTH) {
        expect(seen(f)).toEqual(PLAIN_V4);
        expect([f.tunnel, f.tunnelDepth]).toEqual([TUNNEL_IPIP, depth]);
      } else {
        expect([f.status, f.errLayer]).toEqual(['NON_TCP', 'ipv4']);
      }
    }
  });
});

describe('tunnels: what is not one stays a skip', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['UDP to another port', ipv4(17, udp(51000, 53, cat(VXLAN, ETH_INNER)))],
    ['VXLAN port without the I flag', ipv4(17, udp(51000, 4789, cat(hex('00 00 00 00 00 00 2a 00'), ETH_INNER)))],
    ['VXLAN header cut short', ipv4(17, udp(51000, 4789, hex('08 00 00')))],
    ['Geneve version 1', ipv4(17, udp(51000, 6081, cat(hex('40 00 65 58  00 00 2a 00'), ETH_INNER)))],
    ['Geneve options past the datagram', ipv4(17, udp(51000, 6081, hex('3f 00 65 58  00 00 2a 00')))],
    ['Geneve carrying an unknown protocol', ipv4(17, udp(51000, 6081, cat(hex('00 00 88 47  00 00 2a 00'), IPV4_DATA)))],
    ['GTP-U echo request (no user data)', ipv4(17, udp(2152, 2152, hex('32 01 00 04 00 00 00 00 00 01 00 00')))],
    ['GTPv2 on the GTP-U port', ipv4(17, udp(2152, 2152, cat(hex('48 ff 00 39 00 00 00 01'), IPV4_DATA)))],
    ['GTP-U extension header of length 0', ipv4(17, udp(2152, 2152, gtp(IPV4_DATA, 0x34, hex('00 00 00 85  00 00 09 00'))))],
    ['GTP-U extension header past the datagram', ipv4(17, udp(2152, 2152, gtp(new Uint8Array(0), 0x34, hex('00 00 00 85  ff'))))],
    ['GRE version 1 (PPTP)', ipv4(47, cat(hex('30 81 88 0b  00 10 00 01  00 00 00 01'), IPV4_DATA))],
    ['GRE with RFC 1701 routing', ipv4(47, cat(hex('40 00 08 00  00 00 00 00'), IPV4_DATA))],
    ['GRE carrying PPP', ipv4(47, cat(hex('00 00 88 0b'), IPV4_DATA))],
    ['GRE header cut short', ipv4(47, hex('b0 00 08 00  12 34'))],
    ['UDP header cut short', ipv4(17, hex('c7 38 12 b5'))],
    ['ICMP', ipv4(1, hex('08 00 f7 ff 00 00 00 00'))],
  ];
  for (const [name, frame] of cases) {
    it(name, () => {
      const f = decode(frame);
      expect([f.status, f.errLayer, f.errLayerOffset, f.tunnel, f.tunnelDepth]).toEqual(['NON_TCP', 'ipv4', 0, TUNNEL_NONE, 0]);
      expect([f.src0, f.dst0]).toEqual([0xc0000201, 0xc0000202]); // the outer header's
    });
  }

  it('a tunnel found by its UDP port whose payload holds no IP packet was no tunnel: NON_TCP at the outer layer (helper-47 review)', () => {
    const cases = [
      ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_HDR.subarray(0, 12), hex('08 06'), new Uint8Array(28)))), // ARP over VXLAN
      ipv4(17, udp(2152, 2152, gtp(hex('00 01 02 03')))), // a G-PDU that is not IP
      ipv4(17, udp(4789, 53, hex('08 01 01 00 00 01 00 00 00 00 00 00 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01'))), // DNS from port 4789
      ipv4(17, udp(4789, 40000, hex('08 00 00 00 00 00 00 00 01 02 03'))), // too short for a frame: was LINK_TRUNCATED
      ipv6(17, udp(4789, 40000, hex('08 00 00 00 00 00 00 00 01 02 03'))),
      ipv4(17, udp(51000, 4790, cat(gpe(4), new Uint8Array(8), IPV4_DATA))), // VXLAN-GPE carrying NSH
      ipv4(17, udp(51000, 4790, cat(gpe(1, 0x1c), IPV4_DATA))), // VXLAN-GPE version 1
      ipv4(17, udp(3544, 51000, cat(IPV6_SYN, hex('00')))), // the IPv6 payload length ends before the datagram
      ipv4(17, udp(3544, 51000, IPV6_SYN.subarray(0, 39))), // no whole IPv6 header
      ipv4(17, udp(3544, 51000, IPV4_DATA)), // Teredo carries IPv6 only
      ipv4(17, udp(3544, 51000, cat(TEREDO_ORIGIN, TEREDO_AUTH, IPV6_SYN))), // authentication after the origin
      ipv4(17, udp(3544, 51000, IPV6_SYN, 4)), // a UDP length below the header's (helper-50 review: peeled)
    ];
    for (const frame of cases) {
      const f = decode(frame);
      expect([f.status, f.errLayer, f.errLayerOffset, f.tunnel, f.tunnelDepth, f.ipProtocol]).toEqual(['NON_TCP', frame[0] >> 4 === 6 ? 'ipv6' : 'ipv4', 0, TUNNEL_NONE, 0, 17]);
      if (frame[0] >> 4 === 6) expect([f.src1, f.src2, f.src3, f.dst3]).toEqual([0, 0, 1, 2]); // the outer words, kept
    }
    // A protocol that names the tunnel (GRE) keeps the inner verdict: it is a tunnel, whatever it carries.
    expect(decode(ipv4(47, cat(hex('00 00 65 58'), ETH_HDR.subarray(0, 12), hex('08 06'), new Uint8Array(28)))).status).toBe('NON_IP');
  });

  it('a broken inner packet is reported at its own layer and offset', () => {
    // Outer IPv4 (20) + UDP (8) + VXLAN (8) + Ethernet (14): the inner IPv4 starts at 50, its TCP at 70.
    const whole = ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_HDR, IPV4_DATA)));
    const f = decode(whole.subarray(0, 80), LINKTYPE_RAW, false, whole.length);
    expect([f.status, f.errLayer, f.errLayerOffset]).toEqual(['TCP_TRUNCATED_HEADER', 'tcp', 70]);
  });

  it('an inner length past the outer packet is a lying header, not a snaplen cut', () => {
    const inner = IPV4_DATA.slice();
    inner[3] += 40; // total length 97 inside a tunnel that carries 57 bytes
    expect(decode(ipv4(4, inner), LINKTYPE_RAW, false).status).toBe('IPV4_BAD_TOTAL_LENGTH');
    expect(decode(ipv4(17, udp(2152, 2152, gtp(inner))), LINKTYPE_RAW, false).status).toBe('IPV4_BAD_TOTAL_LENGTH');
  });

  it('a snaplen cut inside the tunnel: lengths from the inner header, the checksum not verified', () => {
    const frame = ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_INNER)));
    const f = decode(frame.subarray(0, frame.length - 3), LINKTYPE_RAW, true, frame.length);
    expect([f.status, f.payloadLen, f.capturedPayloadLen, f.checksumBad, f.tunnelFragmented]).toEqual(['OK', 5, 2, false, false]);
  });
});

describe('tunnels: fragmented outer datagrams', () => {
  // A GTP-U datagram whose inner segment carries 1,000 bytes, split after the first 200 bytes of
  // the outer payload (MF set): the first fragment holds every header.
  const bigInner = (() => {
    const payload = new Uint8Array(1000).fill(0x61);
    const h = IPV4_DATA.slice(0, 52);
    const total = 52 + payload.length;
    h[2] = total >> 8; h[3] = total & 255;
    h[10] = 0; h[11] = 0;
    const sum = internetChecksum(h.subarray(0, 20));
    h[10] = sum >> 8; h[11] = sum & 255;
    return cat(h, payload);
  })();
  const datagram = udp(2152, 2152, gtp(bigInner));
  const MF = 0x2000;

  it('the first fragment: the inner segment with its own lengths, marked tunnelFragmented', () => {
    const first = ipv4(17, datagram.subarray(0, 200), MF);
    const f = decode(first, LINKTYPE_RAW, true);
    expect([f.status, f.tunnel, f.payloadLen, f.capturedPayloadLen, f.tunnelFragmented]).toEqual(['OK', TUNNEL_GTP_U, 1000, 200 - 8 - 8 - 52, true]);
    expect(f.checksumBad).toBe(false); // not all bytes here: not verified
    expect([f.srcPort, f.dstPort]).toEqual([40000, 80]);
  });

  it('a later fragment holds no header: skipped as before', () => {
    const later = ipv4(17, datagram.subarray(200), 200 / 8);
    expect(decode(later).status).toBe('NON_TCP');
  });

  it('over IPv6: the first fragment (offset 0, M set) is decoded, a later one is not', () => {
    const frag = (offset: number, more: boolean, bytes: Uint8Array): Uint8Array =>
      ipv6(44, cat(new Uint8Array([17, 0]), u16((offset << 3) | (more ? 1 : 0)), hex('00 00 00 2a'), bytes));
    const f = decode(frag(0, true, datagram.subarray(0, 200)), 229);
    expect([f.status, f.payloadLen, f.tunnelFragmented]).toEqual(['OK', 1000, true]);
    expect(decode(frag(25, false, datagram.subarray(200)), 229).status).toBe('NON_TCP');
  });
});

describe('tunnels: properties', () => {
  const SEEDS: Uint8Array[] = [
    ipv4(17, udp(51000, 4789, cat(VXLAN, ETH_INNER))),
    ipv4(17, udp(51000, 6081, cat(hex('02 00 65 58  00 00 2a 00'), new Uint8Array(8), ETH_INNER))),
    ipv4(17, udp(2152, 2152, gtp(IPV4_DATA, 0x34, hex('00 00 00 85  01 00 09 00')))),
    ipv4(47, cat(hex('10 00 22 eb  00 00 00 05'), hex('20 64 00 01  00 00 00 00  00 00 00 01'), new Uint8Array(8), ETH_INNER)),
    ipv6(4, ipv4(47, cat(hex('b0 00 08 00  12 34 00 00  00 00 00 07  00 00 00 09'), IPV4_DATA))),
    ipv4(17, udp(51000, 4790, cat(gpe(3), ETH_INNER))),
    ipv4(17, udp(51000, 3544, cat(TEREDO_AUTH, TEREDO_ORIGIN, IPV6_SYN))),
  ];
  test.prop([
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(160), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.nat(170),
    fc.boolean(),
  ], { numRuns: 2000 })('mutated and truncated tunnel frames: no throw, offsets inside the frame, same result with a reused out', (seed, flips, cut, verify) => {
    const bytes = seed.slice(0, Math.min(cut, seed.length));
    for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
    const reused = newPacketFields();
    decodePacket(record(LINKTYPE_IPV4, ipv4(17, udp(2152, 2152, gtp(IPV4_DATA)))), reused, true); // leave tunnel state behind
    decodePacket(record(LINKTYPE_IPV4, bytes), reused, verify);
    const fresh = newPacketFields();
    decodePacket(record(LINKTYPE_IPV4, bytes), fresh, verify);
    expect(reused).toEqual(fresh);
    if (reused.status === 'OK') {
      expect(reused.tcpOffset + 20).toBeLessThanOrEqual(bytes.length);
      expect(reused.capturedPayloadLen).toBeLessThanOrEqual(reused.payloadLen);
      expect(reused.tunnelDepth).toBeLessThanOrEqual(MAX_TUNNEL_DEPTH);
      // An IPv4 segment's key has words 1-3 at 0, whatever header carried it (flow/key.ts hashes them).
      if (reused.ipVersion === 4) expect([reused.src1, reused.src2, reused.src3, reused.dst1, reused.dst2, reused.dst3]).toEqual([0, 0, 0, 0, 0, 0]);
    } else {
      expect(reused.errLayerOffset).toBeGreaterThanOrEqual(0);
      expect(reused.errLayerOffset).toBeLessThanOrEqual(bytes.length);
    }
  });
});
