import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { sumWords } from '../../src/decode/checksum.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6 } from '../../src/decode/link-types.js';
import { ETH_HDR, ETH_HDR_IPV6, IPV4_ACK, IPV4_DATA, IPV4_SYN, IPV6_CHAIN, IPV6_SYN, cat, hex, patch } from './frames.js';
import { decode } from './helpers.js';

/** RFC 1071 reference: 16-bit one's-complement sum, folded after every add. */
function onesSum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) {
    s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

describe('checksum verification (RFC 1071; pseudo-headers RFC 9293 §3.1, RFC 8200 §8.1)', () => {
  const good: [string, number, Uint8Array][] = [
    ['IPv4 with options, TCP SYN with options', LINKTYPE_IPV4, IPV4_SYN],
    ['IPv4, TCP with odd payload', LINKTYPE_IPV4, IPV4_DATA],
    ['IPv6 with an extension chain', LINKTYPE_IPV6, IPV6_CHAIN],
    ['IPv6 SYN', LINKTYPE_IPV6, IPV6_SYN],
  ];

  test.each(good)('%s: good checksums verify', (_name, lt, bytes) => {
    const f = decode(lt, bytes, true);
    expect([f.status, f.checksumBad]).toEqual(['OK', false]);
  });

  test.each(good)('%s: one flipped payload/header bit is caught, status stays OK', (_name, lt, bytes) => {
    const tcpOffset = decode(lt, bytes).tcpOffset;
    const bad = patch(bytes, tcpOffset + 4, bytes[tcpOffset + 4] ^ 0x01); // sequence number
    const f = decode(lt, bad, true);
    expect([f.status, f.checksumBad]).toEqual(['OK', true]);
    expect(decode(lt, bad, false).checksumBad).toBe(false); // only computed when asked
  });

  test('a wrong IPv4 header checksum is caught', () => {
    expect(decode(LINKTYPE_IPV4, patch(IPV4_DATA, 11, 0x88), true).checksumBad).toBe(true);
    expect(decode(LINKTYPE_IPV4, patch(IPV4_DATA, 8, 0x3f), true).checksumBad).toBe(true); // TTL changed
  });

  test('a wrong address (pseudo-header) is caught for IPv4 and IPv6', () => {
    expect(decode(LINKTYPE_IPV6, patch(IPV6_SYN, 39, 0x03), true).checksumBad).toBe(true);
    // IPv4: change the source and fix the header checksum, so only the TCP pseudo-header is wrong.
    const b = patch(IPV4_DATA, 15, 0x05);
    const hc = 0xffff - onesSum(patch(b, 10, 0, 0).subarray(0, 20));
    expect(decode(LINKTYPE_IPV4, patch(b, 10, hc >> 8, hc & 0xff), true).checksumBad).toBe(true);
  });

  test('Ethernet padding and trailers are not summed', () => {
    const f = decode(LINKTYPE_ETHERNET, cat(ETH_HDR, IPV4_ACK, hex('ff ee dd cc bb aa')), true);
    expect([f.trailerBytes, f.checksumBad]).toEqual([6, false]);
    const g = decode(LINKTYPE_ETHERNET, cat(ETH_HDR_IPV6, IPV6_SYN, hex('01 02 03')), true);
    expect([g.trailerBytes, g.checksumBad]).toEqual([3, false]);
  });

  test('not verified when the segment was cut by the snaplen (the IPv4 header still is)', () => {
    const cut = patch(IPV4_DATA, 56, 0x00).subarray(0, 56); // last byte changed, then cut away
    expect(decode(LINKTYPE_IPV4, patch(IPV4_DATA, 56, 0x00), true).checksumBad).toBe(true);
    expect(decode(LINKTYPE_IPV4, cut, true, IPV4_DATA.length).checksumBad).toBe(false);
    expect(decode(LINKTYPE_IPV4, patch(cut, 11, 0x88), true, IPV4_DATA.length).checksumBad).toBe(true);
  });

  test('not verified when the IP length came from the capture (TSO: offloaded checksums)', () => {
    const f = decode(LINKTYPE_IPV4, patch(IPV4_DATA, 2, 0, 0), true);
    expect([f.ipLengthFromCapture, f.checksumBad]).toEqual([true, false]);
    const g = decode(LINKTYPE_IPV6, patch(IPV6_SYN, 4, 0, 0), true);
    expect([g.ipLengthFromCapture, g.checksumBad]).toEqual([true, false]);
  });

  test.prop([fc.uint8Array({ maxLength: 300 }), fc.nat(7)])('sumWords ≡ the folded RFC 1071 sum (mod 0xffff), any length and alignment', (bytes, shift) => {
    const buf = new Uint8Array(bytes.length + shift);
    buf.set(bytes, shift);
    const s = sumWords(new DataView(buf.buffer), shift, bytes.length);
    expect(s % 0xffff).toBe(onesSum(bytes) % 0xffff);
    expect(s === 0).toBe(onesSum(bytes) === 0);
  });
});
