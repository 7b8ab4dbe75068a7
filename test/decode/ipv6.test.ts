import { describe, expect, test } from 'vitest';
import { IPV6_MAX_EXTENSIONS } from '../../src/decode/ipv6.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV6 } from '../../src/decode/link-types.js';
import { ETH_HDR_IPV6, IPV6_CHAIN, IPV6_CHAIN_TCP_OFFSET, IPV6_SYN, cat, hex, patch } from './frames.js';
import { decode, expectFailure } from './helpers.js';

const v6 = (b: Uint8Array, origLen = b.length) => decode(LINKTYPE_IPV6, b, false, origLen);

/** IPv6 header (addresses 2001:db8::1 -> ::2) with the given payload length and next header. */
function ip6(payloadLen: number, nextHeader: number): Uint8Array {
  return cat(hex('60 00 00 00'), Uint8Array.of(payloadLen >> 8, payloadLen & 0xff, nextHeader, 64), IPV6_SYN.subarray(8, 40));
}
/** The 24-byte TCP SYN of IPV6_SYN (checksum not valid behind other headers). */
const TCP_SYN_SEG = IPV6_SYN.subarray(40);
/** An 8-byte extension header (HBH / routing / destination options) with PadN. */
const ext8 = (next: number) => Uint8Array.of(next, 0, 1, 4, 0, 0, 0, 0);

describe('IPv6 header (RFC 8200 §3)', () => {
  test('addresses as four words, hop limit, offsets', () => {
    const f = v6(IPV6_SYN);
    expect({ v: f.ipVersion, s: [f.src0, f.src1, f.src2, f.src3], d: [f.dst0, f.dst1, f.dst2, f.dst3], ttl: f.ttl, tcp: f.tcpOffset, mss: f.optMss, len: f.ipPayloadLen })
      .toEqual({ v: 6, s: [0x20010db8, 0, 0, 1], d: [0x20010db8, 0, 0, 2], ttl: 64, tcp: 40, mss: 1440, len: 24 });
    expect(f.ipId).toBe(-1); // no Identification outside a fragment header
  });

  test('wrong version -> IPV6_BAD_VERSION', () => {
    expectFailure(v6(patch(IPV6_SYN, 0, 0x40)), 'IPV6_BAD_VERSION', 'ipv6', 0);
    expectFailure(decode(LINKTYPE_ETHERNET, cat(ETH_HDR_IPV6, patch(IPV6_SYN, 0, 0x70))), 'IPV6_BAD_VERSION', 'ipv6', 14);
  });

  test('payload length 0 without a jumbo option: captured length used, flagged (BIG TCP)', () => {
    const f = v6(patch(IPV6_SYN, 4, 0, 0));
    expect([f.status, f.ipLengthFromCapture, f.ipPayloadLen, f.payloadLen]).toEqual(['OK', true, 24, 0]);
    const g = v6(cat(patch(IPV6_SYN, 4, 0, 0), new Uint8Array(100)));
    expect([g.status, g.payloadLen, g.capturedPayloadLen]).toEqual(['OK', 100, 100]);
  });

  test('Ethernet trailer beyond the payload length is trimmed', () => {
    const f = decode(LINKTYPE_ETHERNET, cat(ETH_HDR_IPV6, IPV6_SYN, hex('00 00')));
    expect([f.status, f.trailerBytes, f.capturedPayloadLen]).toEqual(['OK', 2, 0]);
  });
});

describe('IPv6 extension headers (RFC 8200 §4)', () => {
  test('HBH -> destination options -> routing -> AH -> TCP', () => {
    const f = v6(IPV6_CHAIN);
    expect({ s: f.status, tcp: f.tcpOffset, proto: f.ipProtocol, ipLen: f.ipPayloadLen, pay: f.payloadLen, cap: f.capturedPayloadLen, seq: f.seq, sp: f.srcPort })
      .toEqual({ s: 'OK', tcp: IPV6_CHAIN_TCP_OFFSET, proto: 6, ipLen: 23, pay: 3, cap: 3, seq: 0xfffffff0, sp: 443 });
  });

  test('every truncation of the extension chain', () => {
    for (let n = 0; n < IPV6_CHAIN.length; n++) {
      const f = v6(IPV6_CHAIN.subarray(0, n), IPV6_CHAIN.length);
      if (n < 40) expectFailure(f, 'IPV6_TRUNCATED_HEADER', 'ipv6', 0, 40, n);
      else if (n < 48) expectFailure(f, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', 40, 8, n - 40);
      else if (n < 56) expectFailure(f, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', 48, 8, n - 48);
      else if (n < 64) expectFailure(f, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', 56, 8, n - 56);
      else if (n < 72) expectFailure(f, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', 64, 8, n - 64);
      else if (n < 88) expectFailure(f, 'IPV6_TRUNCATED_EXTENSION', 'ipv6', 64, 24, n - 64);
      else if (n < 108) expectFailure(f, 'TCP_TRUNCATED_HEADER', 'tcp', 88, 20, n - 88);
      else expect([n, f.status, f.payloadLen, f.capturedPayloadLen]).toEqual([n, 'OK', 3, n - 108]);
    }
  });

  test('an extension running past the payload length is truncated even if bytes follow', () => {
    const b = cat(ip6(4, 0), ext8(6), TCP_SYN_SEG);
    expectFailure(v6(b), 'IPV6_TRUNCATED_EXTENSION', 'ipv6', 40, 8, 4);
  });

  test('fragment header: non-first fragment or M flag -> IP_FRAGMENT; atomic fragment decodes', () => {
    const frag = (offM: number, next = 6) => cat(ip6(8 + 24, 44), Uint8Array.of(next, 0, offM >> 8, offM & 0xff, 0, 0, 0, 1), TCP_SYN_SEG);
    for (const offM of [0x0001, 0x0008, 0x0009, 0xfff8]) {
      const f = v6(frag(offM));
      expectFailure(f, 'IP_FRAGMENT', 'ipv6', 0);
      expect(f.ipProtocol).toBe(6);
    }
    const atomic = v6(frag(0x0000)); // RFC 6946
    expect([atomic.status, atomic.tcpOffset, atomic.optMss]).toEqual(['OK', 48, 1440]);
    expectFailure(v6(frag(0x0001, 17)), 'NON_TCP', 'ipv6', 0); // a UDP fragment
  });

  test('No Next Header (59) and other protocols -> NON_TCP with the protocol', () => {
    const none = v6(cat(ip6(8, 60), ext8(59)));
    expectFailure(none, 'NON_TCP', 'ipv6', 0);
    expect(none.ipProtocol).toBe(59);
    const icmp = v6(cat(ip6(8, 0), ext8(58)));
    expect([icmp.status, icmp.ipProtocol]).toEqual(['NON_TCP', 58]);
    expect(v6(cat(ip6(8, 50), new Uint8Array(8))).ipProtocol).toBe(50); // ESP: opaque
  });

  test('AH length is in 4-byte units plus 2 (RFC 4302 §2.2)', () => {
    const ah = Uint8Array.of(6, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1); // (1+2)*4 = 12 bytes
    const f = v6(cat(ip6(12 + 24, 51), ah, TCP_SYN_SEG));
    expect([f.status, f.tcpOffset]).toEqual(['OK', 52]);
  });

  test(`the chain is bounded: ${IPV6_MAX_EXTENSIONS} extensions decode, one more is refused`, () => {
    const chain = (k: number) => {
      const parts = [ip6(8 * k + 24, 60)];
      for (let i = 0; i < k; i++) parts.push(ext8(i === k - 1 ? 6 : 60));
      return cat(...parts, TCP_SYN_SEG);
    };
    expect(v6(chain(IPV6_MAX_EXTENSIONS)).status).toBe('OK');
    expectFailure(v6(chain(IPV6_MAX_EXTENSIONS + 1)), 'IPV6_TOO_MANY_EXTENSIONS', 'ipv6', 40 + 8 * IPV6_MAX_EXTENSIONS);
  });

  describe('jumbograms (RFC 2675)', () => {
    const jumboHbh = (len: number) => Uint8Array.of(6, 0, 0xc2, 4, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);

    test('the jumbo option gives the length; a snaplen-cut jumbogram keeps it', () => {
      const f = v6(cat(ip6(0, 0), jumboHbh(70_000), TCP_SYN_SEG, new Uint8Array(100)));
      expect([f.status, f.ipLengthFromCapture, f.ipPayloadLen, f.payloadLen, f.capturedPayloadLen]).toEqual(['OK', false, 70_000 - 8, 70_000 - 8 - 24, 100]);
    });

    test('jumbo with a non-zero payload length, or below 65536, is invalid', () => {
      expectFailure(v6(cat(ip6(32, 0), jumboHbh(70_000), TCP_SYN_SEG)), 'IPV6_BAD_PAYLOAD_LENGTH', 'ipv6', 0);
      expectFailure(v6(cat(ip6(0, 0), jumboHbh(32), TCP_SYN_SEG)), 'IPV6_BAD_PAYLOAD_LENGTH', 'ipv6', 0);
    });

    test('a jumbo option outside the first Hop-by-Hop header is ignored', () => {
      const f = v6(cat(ip6(0, 60), Uint8Array.of(0, 0, 1, 4, 0, 0, 0, 0), jumboHbh(70_000), TCP_SYN_SEG));
      expect([f.status, f.ipLengthFromCapture, f.ipPayloadLen]).toEqual(['OK', true, 24]);
    });
  });
});

describe('IPv6 payload length against the wire length (origLen)', () => {
  test('a payload length beyond the packet on the wire is IPV6_BAD_PAYLOAD_LENGTH', () => {
    const lying = patch(IPV6_CHAIN, 5, IPV6_CHAIN[5] + 4);
    expect(v6(lying).status).toBe('IPV6_BAD_PAYLOAD_LENGTH');
    expect(v6(lying, IPV6_CHAIN.length + 4).status).not.toBe('IPV6_BAD_PAYLOAD_LENGTH');
  });
});
