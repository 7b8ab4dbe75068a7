import { describe, expect, test } from 'vitest';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4 } from '../../src/decode/link-types.js';
import { ETH_HDR, IPV4_ACK, IPV4_DATA, IPV4_SYN, IPV4_UDP, cat, hex, patch } from './frames.js';
import { decode, expectFailure } from './helpers.js';

const v4 = (b: Uint8Array, verify = false, origLen = b.length) => decode(LINKTYPE_IPV4, b, verify, origLen);
const eth = (b: Uint8Array, verify = false, origLen = ETH_HDR.length + b.length) => decode(LINKTYPE_ETHERNET, cat(ETH_HDR, b), verify, origLen);

describe('IPv4 header (RFC 791 §3.1)', () => {
  test('addresses, TTL, protocol, offsets; options skipped', () => {
    const f = v4(IPV4_SYN);
    expect({ v: f.ipVersion, src0: f.src0, dst0: f.dst0, src1: f.src1, ttl: f.ttl, proto: f.ipProtocol, ipOffset: f.ipOffset, ipPayloadLen: f.ipPayloadLen, tcpOffset: f.tcpOffset })
      .toEqual({ v: 4, src0: 0x0a000001, dst0: 0x0a000002, src1: 0, ttl: 64, proto: 6, ipOffset: 0, ipPayloadLen: 40, tcpOffset: 24 });
    expect([f.ipLengthFromCapture, f.trailerBytes]).toEqual([false, 0]);
    expect(f.ipId).toBe(0x1234); // Identification: DUPLICATE_PACKETS tells two sends from one packet captured twice by it
  });

  test('offsets are frame offsets behind Ethernet', () => {
    const f = eth(IPV4_SYN);
    expect([f.status, f.ipOffset, f.tcpOffset]).toEqual(['OK', 14, 38]);
  });

  test('wrong version -> IPV4_BAD_VERSION (checked once a byte is present)', () => {
    expectFailure(v4(patch(IPV4_DATA, 0, 0x65)), 'IPV4_BAD_VERSION', 'ipv4', 0);
    expectFailure(v4(hex('55')), 'IPV4_BAD_VERSION', 'ipv4', 0);
    expectFailure(eth(patch(IPV4_DATA, 0, 0x05)), 'IPV4_BAD_VERSION', 'ipv4', 14);
  });

  test('IHL < 5 -> IPV4_BAD_IHL (need 20, have IHL*4)', () => {
    expectFailure(v4(patch(IPV4_DATA, 0, 0x44)), 'IPV4_BAD_IHL', 'ipv4', 0, 20, 16);
    expectFailure(v4(patch(IPV4_DATA, 0, 0x40)), 'IPV4_BAD_IHL', 'ipv4', 0, 20, 0);
  });

  test('IHL beyond the captured bytes -> IPV4_TRUNCATED_HEADER (need IHL*4)', () => {
    expectFailure(v4(patch(IPV4_ACK, 0, 0x4f)), 'IPV4_TRUNCATED_HEADER', 'ipv4', 0, 60, 40);
  });

  test('total length < header length -> IPV4_BAD_TOTAL_LENGTH (need IHL*4, have total)', () => {
    expectFailure(v4(patch(IPV4_DATA, 2, 0x00, 0x13)), 'IPV4_BAD_TOTAL_LENGTH', 'ipv4', 0, 20, 19);
    expectFailure(v4(patch(IPV4_SYN, 2, 0x00, 0x16)), 'IPV4_BAD_TOTAL_LENGTH', 'ipv4', 0, 24, 22);
  });

  test('total length 0 (TSO / BIG TCP): lengths from the capture, flagged', () => {
    const f = eth(patch(IPV4_DATA, 2, 0, 0));
    expect([f.status, f.ipLengthFromCapture, f.payloadLen, f.capturedPayloadLen, f.trailerBytes]).toEqual(['OK', true, 5, 5, 0]);
  });

  test('total length > captured (snaplen): segment length still from the header', () => {
    const f = eth(IPV4_DATA.subarray(0, 54), false, ETH_HDR.length + IPV4_DATA.length);
    expect([f.status, f.ipPayloadLen, f.payloadLen, f.capturedPayloadLen, f.ipLengthFromCapture]).toEqual(['OK', 37, 5, 2, false]);
  });

  test('Ethernet padding is trimmed to the IP length and counted', () => {
    const f = eth(cat(IPV4_ACK, new Uint8Array(6)));
    expect([f.status, f.payloadLen, f.capturedPayloadLen, f.trailerBytes]).toEqual(['OK', 0, 0, 6]);
    // A non-zero trailer (an FCS) behind a data segment is not payload either.
    const g = eth(cat(IPV4_DATA, hex('de ad be ef')));
    expect([g.payloadLen, g.capturedPayloadLen, g.trailerBytes]).toEqual([5, 5, 4]);
  });

  test('fragments are skipped: MF set, or a non-zero offset', () => {
    expectFailure(v4(patch(IPV4_DATA, 6, 0x20, 0x00)), 'IP_FRAGMENT', 'ipv4', 0);
    expectFailure(v4(patch(IPV4_DATA, 6, 0x00, 0x01)), 'IP_FRAGMENT', 'ipv4', 0);
    expectFailure(v4(patch(IPV4_DATA, 6, 0x1f, 0xff)), 'IP_FRAGMENT', 'ipv4', 0);
    // DF alone, or the reserved bit, is not fragmentation.
    expect(v4(patch(IPV4_DATA, 6, 0xc0, 0x00)).status).toBe('OK');
  });

  test('non-TCP protocols -> NON_TCP with the protocol kept (fragmented or not)', () => {
    const f = v4(IPV4_UDP);
    expectFailure(f, 'NON_TCP', 'ipv4', 0);
    expect([f.ipProtocol, f.ipVersion, f.src0]).toEqual([17, 4, 0x0a000001]);
    expect(v4(patch(IPV4_UDP, 6, 0x20, 0x00)).status).toBe('NON_TCP');
  });

  test('every truncation of Ethernet + IPv4 with options + TCP', () => {
    const frame = cat(ETH_HDR, IPV4_SYN);
    for (let n = 0; n < frame.length; n++) {
      const f = decode(LINKTYPE_ETHERNET, frame.subarray(0, n), false, frame.length);
      if (n < 14) expectFailure(f, 'LINK_TRUNCATED', 'link', 0, 14, n);
      else if (n < 34) expectFailure(f, 'IPV4_TRUNCATED_HEADER', 'ipv4', 14, 20, n - 14);
      else if (n < 38) expectFailure(f, 'IPV4_TRUNCATED_HEADER', 'ipv4', 14, 24, n - 14);
      else if (n < 58) expectFailure(f, 'TCP_TRUNCATED_HEADER', 'tcp', 38, 20, n - 38);
      else expect([n, f.status, f.optTruncated]).toEqual([n, 'OK', true]);
    }
  });
});

describe('IP lengths against the wire length (origLen)', () => {
  test('an IPv4 total length beyond the packet on the wire is a lying header, not a snaplen cut', () => {
    // Frame complete on the wire (origLen = captured) but the header claims 2 bytes more.
    const lying = patch(IPV4_DATA, 3, IPV4_DATA[3] + 2);
    expectFailure(decode(LINKTYPE_IPV4, lying), 'IPV4_BAD_TOTAL_LENGTH', 'ipv4', 0, IPV4_DATA.length + 2, IPV4_DATA.length);
    // The same bytes from a record whose snaplen cut 2 bytes: a legitimate cut.
    expect(decode(LINKTYPE_IPV4, lying, false, IPV4_DATA.length + 2).status).toBe('OK');
  });
});
