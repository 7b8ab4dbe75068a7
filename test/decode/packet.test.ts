import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { decodePacket } from '../../src/decode/packet.js';
import { newPacketFields, type DecodeStatus, type PacketFields } from '../../src/decode/fields.js';
import { LINK_DECODERS, LINKTYPE_ETHERNET, LINKTYPE_IPV4 } from '../../src/decode/link-types.js';
import { ETH_HDR, ETH_HDR_IPV6, IPV4_DATA, IPV4_SYN, IPV4_UDP, IPV6_CHAIN, IPV6_SYN, cat, hex, record } from './frames.js';

const STATUSES: readonly DecodeStatus[] = [
  'OK', 'UNSUPPORTED_LINK_TYPE', 'NON_IP', 'NON_TCP', 'IP_FRAGMENT', 'LINK_TRUNCATED', 'IPV4_TRUNCATED_HEADER',
  'IPV4_BAD_VERSION', 'IPV4_BAD_IHL', 'IPV4_BAD_TOTAL_LENGTH', 'IPV4_BAD_OPTIONS', 'IPV6_TRUNCATED_HEADER',
  'IPV6_BAD_VERSION', 'IPV6_BAD_PAYLOAD_LENGTH', 'IPV6_TRUNCATED_EXTENSION', 'IPV6_TOO_MANY_EXTENSIONS',
  'TCP_TRUNCATED_HEADER', 'TCP_BAD_DATA_OFFSET', 'TCP_TRUNCATED_OPTIONS', 'TCP_BAD_OPTION_LENGTH',
];
const LINK_TYPES = [...LINK_DECODERS.keys()];

function fresh(linkType: number, data: Uint8Array, verify = true): PacketFields {
  const out = newPacketFields();
  decodePacket(record(linkType, data), out, verify);
  return out;
}

/** Invariants every result must satisfy, whatever the bytes. */
function checkInvariants(f: PacketFields, len: number): void {
  expect(STATUSES).toContain(f.status);
  if (f.status === 'OK') {
    expect(f.errLayer).toBeNull();
    expect(f.tcpHeaderLen).toBeGreaterThanOrEqual(20);
    expect(f.capturedPayloadLen).toBeLessThanOrEqual(f.payloadLen);
    expect(f.tcpOffset + 20).toBeLessThanOrEqual(len);
    expect(f.tcpOffset + Math.min(f.tcpHeaderLen, len - f.tcpOffset) + f.capturedPayloadLen + f.trailerBytes).toBeLessThanOrEqual(len);
    expect(f.ipOffset).toBeLessThan(f.tcpOffset);
  } else {
    expect(f.errLayer).not.toBeNull();
    expect(f.errLayerOffset).toBeGreaterThanOrEqual(0);
    expect(f.errLayerOffset).toBeLessThanOrEqual(len);
    if (f.errHave >= 0) expect(f.errHave).toBeLessThan(f.errNeed);
  }
}

/** Valid frames to mutate, per link type, so the properties reach the deeper layers. */
const SEEDS: [number, Uint8Array][] = [
  [LINKTYPE_ETHERNET, cat(ETH_HDR, IPV4_SYN)],
  [LINKTYPE_ETHERNET, cat(ETH_HDR_IPV6, IPV6_CHAIN)],
  [LINKTYPE_ETHERNET, cat(ETH_HDR.subarray(0, 12), hex('88 a8 00 0a 81 00 00 14 88 64 11 00 00 01 00 10 00 21'), IPV4_DATA)],
  [LINKTYPE_IPV4, IPV4_DATA],
  [0, cat(hex('1e 00 00 00'), IPV6_SYN)],
  [113, cat(hex('00 00 00 01 00 06 02 00 00 00 00 01 00 00 86 dd'), IPV6_CHAIN)],
  [101, IPV4_SYN],
];

describe('decodePacket', () => {
  test('fields are reset between packets: TCP then UDP then TCP leaves nothing stale', () => {
    const out = newPacketFields();
    const tcp = record(LINKTYPE_IPV4, IPV4_SYN);
    const udp = record(LINKTYPE_IPV4, IPV4_UDP);
    expect(decodePacket(tcp, out, true)).toBe('OK');
    expect(decodePacket(udp, out, true)).toBe('NON_TCP');
    expect(out).toEqual(fresh(LINKTYPE_IPV4, IPV4_UDP));
    expect([out.srcPort, out.optMss, out.tcpHeaderLen]).toEqual([0, -1, 0]);
    decodePacket(record(LINKTYPE_IPV4, new Uint8Array(3)), out, true);
    expect(out).toEqual(fresh(LINKTYPE_IPV4, new Uint8Array(3)));
    expect(out.ipVersion).toBe(0);
  });

  test('an error after a decoded packet carries no leftover err fields or IP fields', () => {
    const out = newPacketFields();
    decodePacket(record(LINKTYPE_ETHERNET, cat(ETH_HDR_IPV6, IPV6_CHAIN.subarray(0, 50)), ETH_HDR_IPV6.length + IPV6_CHAIN.length), out, false);
    expect(out.status).toBe('IPV6_TRUNCATED_EXTENSION');
    decodePacket(record(LINKTYPE_ETHERNET, cat(ETH_HDR, IPV4_DATA)), out, false);
    expect(out).toEqual(fresh(LINKTYPE_ETHERNET, cat(ETH_HDR, IPV4_DATA), false));
    expect([out.errLayer, out.errNeed, out.errHave, out.src1]).toEqual([null, -1, -1, 0]);
  });

  test('data inside a larger buffer: offsets stay relative to the frame (pooled Buffers)', () => {
    const big = new Uint8Array(4096).fill(0xee);
    const frame = cat(ETH_HDR, IPV4_SYN);
    big.set(frame, 1001);
    const out = newPacketFields();
    decodePacket(record(LINKTYPE_ETHERNET, big.subarray(1001, 1001 + frame.length)), out, true);
    expect(out).toEqual(fresh(LINKTYPE_ETHERNET, frame));
    expect([out.ipOffset, out.tcpOffset, out.checksumBad]).toEqual([14, 38, false]);
    // An error inside the same buffer: errLayerOffset is from the frame start too.
    big.set(cat(ETH_HDR, IPV4_SYN.subarray(0, 30)), 2001);
    decodePacket(record(LINKTYPE_ETHERNET, big.subarray(2001, 2001 + 44), ETH_HDR.length + IPV4_SYN.length), out, true);
    expect([out.status, out.errLayerOffset, out.errNeed, out.errHave]).toEqual(['TCP_TRUNCATED_HEADER', 38, 20, 6]);
  });

  test('records alternating between buffers decode independently (DataView cache)', () => {
    const a = cat(ETH_HDR, IPV4_DATA);
    const b = cat(ETH_HDR_IPV6, IPV6_SYN);
    const out = newPacketFields();
    for (const [data, ip] of [[a, 4], [b, 6], [a, 4], [a.subarray(0), 4], [b, 6]] as const) {
      decodePacket(record(LINKTYPE_ETHERNET, data), out, true);
      expect([out.status, out.ipVersion, out.checksumBad]).toEqual(['OK', ip, false]);
    }
  });

  test('capLen shorter than data bounds the decode', () => {
    const rec = record(LINKTYPE_IPV4, IPV4_DATA);
    rec.capLen = 30;
    const out = newPacketFields();
    expect(decodePacket(rec, out, false)).toBe('TCP_TRUNCATED_HEADER');
    expect([out.errNeed, out.errHave]).toEqual([20, 10]);
  });

  test('empty record on every link type: no throw, a truncation or skip status', () => {
    for (const lt of [...LINK_TYPES, 9999]) {
      const f = fresh(lt, new Uint8Array(0));
      expect(f.status).not.toBe('OK');
      checkInvariants(f, 0);
    }
  });

  test.prop([fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 160 }), fc.boolean()], { numRuns: 1000 })(
    'never throws on arbitrary bytes, for every supported link type, and is deterministic',
    (lt, bytes, verify) => {
      const out = newPacketFields();
      const status = decodePacket(record(lt, bytes), out, verify);
      checkInvariants(out, bytes.length);
      const again = newPacketFields();
      expect(decodePacket(record(lt, bytes.slice()), again, verify)).toBe(status);
      expect(again).toEqual(out);
    },
  );

  test.prop([
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.nat(220),
    fc.boolean(),
  ], { numRuns: 2000 })('never throws on mutated and truncated valid frames; same result with a reused out', ([lt, seed], flips, cut, verify) => {
    const bytes = seed.slice(0, Math.min(cut, seed.length));
    for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
    const reused = newPacketFields();
    decodePacket(record(LINKTYPE_IPV4, IPV4_SYN), reused, true); // leave state behind on purpose
    decodePacket(record(lt, bytes), reused, verify);
    checkInvariants(reused, bytes.length);
    expect(reused).toEqual(fresh(lt, bytes, verify));
  });
});
