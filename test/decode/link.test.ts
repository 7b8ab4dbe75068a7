import { describe, expect, test } from 'vitest';
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL,
  LINKTYPE_RAW, LINK_DECODERS, isLinkTypeSupported, linkTypeName,
} from '../../src/decode/link-types.js';
import { ETH_HDR, IPV4_ACK, IPV4_DATA, IPV6_SYN, cat, hex } from './frames.js';
import { decode, expectFailure } from './helpers.js';

const MACS = hex('02 00 00 00 00 02  02 00 00 00 00 01');
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const ethType = (type: number, ...rest: Uint8Array[]) => decode(LINKTYPE_ETHERNET, cat(MACS, u16(type), ...rest));

describe('Ethernet and VLAN tags', () => {
  test('untagged IPv4 and IPv6', () => {
    const f = decode(LINKTYPE_ETHERNET, cat(ETH_HDR, IPV4_DATA));
    expect([f.status, f.linkType, f.vlanTags, f.ipOffset, f.payloadLen]).toEqual(['OK', 1, 0, 14, 5]);
    expect(ethType(0x86dd, IPV6_SYN).status).toBe('OK');
  });

  test('802.1Q, 802.1ad + 802.1Q (QinQ), 0x9100 + 0x8100, and three tags', () => {
    const tag = (vid: number, inner: number) => cat(u16(vid), u16(inner));
    const one = ethType(0x8100, tag(100, 0x0800), IPV4_DATA);
    expect([one.status, one.vlanTags, one.ipOffset, one.tcpOffset]).toEqual(['OK', 1, 18, 38]);
    const qinq = ethType(0x88a8, tag(10, 0x8100), tag(20, 0x0800), IPV4_DATA);
    expect([qinq.status, qinq.vlanTags, qinq.ipOffset]).toEqual(['OK', 2, 22]);
    const old = ethType(0x9100, tag(10, 0x8100), tag(20, 0x86dd), IPV6_SYN);
    expect([old.status, old.vlanTags]).toEqual(['OK', 2]);
    const three = ethType(0x88a8, tag(1, 0x88a8), tag(2, 0x8100), tag(3, 0x0800), IPV4_DATA);
    expect([three.status, three.vlanTags, three.ipOffset]).toEqual(['OK', 3, 26]);
  });

  test('non-IP EtherTypes and 802.3 length fields -> NON_IP at the link layer', () => {
    expectFailure(ethType(0x0806, new Uint8Array(28)), 'NON_IP', 'link', 0); // ARP
    expectFailure(ethType(0x88cc, new Uint8Array(30)), 'NON_IP', 'link', 0); // LLDP
    expectFailure(ethType(0x0026, new Uint8Array(46)), 'NON_IP', 'link', 0); // 802.3 length 38 + LLC
    expectFailure(ethType(0x8863, new Uint8Array(20)), 'NON_IP', 'link', 0); // PPPoE discovery
    const tagged = ethType(0x8100, hex('00 64 08 06'), new Uint8Array(28));
    expect([tagged.status, tagged.vlanTags]).toEqual(['NON_IP', 1]);
  });

  test('every truncation of Ethernet + QinQ + IPv4 + TCP', () => {
    const frame = cat(MACS, hex('88 a8  00 0a 81 00  00 14 08 00'), IPV4_ACK);
    for (let n = 0; n < frame.length; n++) {
      const f = decode(LINKTYPE_ETHERNET, frame.subarray(0, n), false, frame.length);
      if (n < 14) expectFailure(f, 'LINK_TRUNCATED', 'link', 0, 14, n);
      else if (n < 18) expectFailure(f, 'LINK_TRUNCATED', 'link', 0, 18, n);
      else if (n < 22) expectFailure(f, 'LINK_TRUNCATED', 'link', 0, 22, n);
      else if (n < 42) expectFailure(f, 'IPV4_TRUNCATED_HEADER', 'ipv4', 22, 20, n - 22);
      else expectFailure(f, 'TCP_TRUNCATED_HEADER', 'tcp', 42, 20, n - 42);
    }
    expect(decode(LINKTYPE_ETHERNET, frame).status).toBe('OK');
  });
});

describe('PPPoE session (RFC 2516 §4)', () => {
  /** PPPoE header: ver/type 0x11, code 0 (session data), session id, length; then PPP protocol. */
  const pppoe = (length: number, proto: number) => cat(hex('11 00 00 01'), u16(length), u16(proto));

  test('IPv4 and IPv6 inside PPP', () => {
    const f = ethType(0x8864, pppoe(IPV4_DATA.length + 2, 0x0021), IPV4_DATA);
    expect([f.status, f.ipOffset, f.payloadLen]).toEqual(['OK', 22, 5]);
    expect(ethType(0x8864, pppoe(IPV6_SYN.length + 2, 0x0057), IPV6_SYN).status).toBe('OK');
  });

  test('a PPPoE length shorter than the IP length bounds the packet, as in Wireshark (Zeek pppoe-over-qinq)', () => {
    // IPV4_DATA claims 57 bytes (20 IP + 32 TCP + 5 data); PPPoE carries 52 of them.
    const f = ethType(0x88a8, hex('00 0a 81 00  00 14 88 64'), pppoe(2 + 52, 0x0021), IPV4_DATA);
    expect([f.status, f.vlanTags, f.ipPayloadLen, f.payloadLen, f.capturedPayloadLen]).toEqual(['OK', 2, 32, 0, 0]);
    // Zeek reads the IP length: the 5 bytes past PPPoE's, all in the frame, are its payload.
    expect(f.payloadBeyondLink).toBe(5);
    const cut = ethType(0x88a8, hex('00 0a 81 00  00 14 88 64'), pppoe(2 + 52, 0x0021), IPV4_DATA.subarray(0, 55));
    expect([cut.status, cut.payloadLen, cut.payloadBeyondLink, cut.ipLengthFromCapture]).toEqual(['OK', 0, 0, true]);
    // The same IP length past the frame's end without PPPoE is a lying header: dropped.
    expectFailure(ethType(0x0800, IPV4_DATA.subarray(0, 52)), 'IPV4_BAD_TOTAL_LENGTH', 'ipv4', 14, 57, 52);
  });

  test('a PPPoE length too short for IP and TCP headers is ignored: the IP length rules', () => {
    const f = ethType(0x88a8, hex('00 0a 81 00  00 14 88 64'), pppoe(20, 0x0021), IPV4_DATA);
    expect([f.status, f.vlanTags, f.payloadLen, f.capturedPayloadLen]).toEqual(['OK', 2, 5, 5]);
  });

  test('PPP control protocols (LCP 0xc021) -> NON_IP', () => {
    expectFailure(ethType(0x8864, pppoe(10, 0xc021), new Uint8Array(8)), 'NON_IP', 'link', 0);
  });

  test('truncated PPPoE header -> LINK_TRUNCATED (need 22 from the frame start)', () => {
    const frame = cat(MACS, u16(0x8864), pppoe(42, 0x0021));
    for (let n = 14; n < 22; n++) expectFailure(decode(LINKTYPE_ETHERNET, frame.subarray(0, n)), 'LINK_TRUNCATED', 'link', 0, 22, n);
  });
});

describe('BSD loopback: NULL (0) and LOOP (108)', () => {
  const le32 = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
  const be32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);

  test('AF_INET in either byte order', () => {
    for (const fam of [le32(2), be32(2)]) {
      const f = decode(LINKTYPE_NULL, cat(fam, IPV4_DATA));
      expect([f.status, f.ipVersion, f.ipOffset]).toEqual(['OK', 4, 4]);
    }
  });

  test('every AF_INET6 value (Linux 10, BSD 24, FreeBSD 28, macOS 30) in either byte order', () => {
    for (const af of [10, 24, 28, 30]) {
      for (const fam of [le32(af), be32(af)]) {
        const f = decode(LINKTYPE_NULL, cat(fam, IPV6_SYN));
        expect([af, f.status, f.ipVersion]).toEqual([af, 'OK', 6]);
      }
    }
  });

  test('other families -> NON_IP; fewer than 4 bytes -> LINK_TRUNCATED', () => {
    expectFailure(decode(LINKTYPE_NULL, cat(le32(7), IPV4_DATA)), 'NON_IP', 'link', 0);
    expectFailure(decode(LINKTYPE_NULL, cat(le32(0x1e0000), IPV4_DATA)), 'NON_IP', 'link', 0); // swapped: 0x1e00
    for (let n = 0; n < 4; n++) expectFailure(decode(LINKTYPE_NULL, le32(2).subarray(0, n)), 'LINK_TRUNCATED', 'link', 0, 4, n);
    expectFailure(decode(LINKTYPE_NULL, le32(2)), 'IPV4_TRUNCATED_HEADER', 'ipv4', 4, 20, 0);
  });

  test('LOOP: family is always big-endian', () => {
    expect(decode(LINKTYPE_LOOP, cat(be32(2), IPV4_DATA)).status).toBe('OK');
    expect(decode(LINKTYPE_LOOP, cat(be32(24), IPV6_SYN)).status).toBe('OK');
    expect(decode(LINKTYPE_LOOP, cat(le32(2), IPV4_DATA)).status).toBe('NON_IP');
    expectFailure(decode(LINKTYPE_LOOP, hex('00 00')), 'LINK_TRUNCATED', 'link', 0, 4, 2);
  });
});

describe('raw IP: 101, 12, 14, and LINKTYPE_IPV4 / LINKTYPE_IPV6', () => {
  test('the version nibble picks the decoder', () => {
    for (const lt of [LINKTYPE_RAW, 12, 14]) {
      expect([lt, decode(lt, IPV4_DATA).ipVersion, decode(lt, IPV6_SYN).ipVersion]).toEqual([lt, 4, 6]);
      expectFailure(decode(lt, cat(hex('55'), IPV4_DATA.subarray(1))), 'NON_IP', 'link', 0);
      expectFailure(decode(lt, new Uint8Array(0)), 'LINK_TRUNCATED', 'link', 0, 1, 0);
    }
  });

  test('228 is IPv4 only, 229 IPv6 only', () => {
    expect(decode(LINKTYPE_IPV4, IPV4_DATA).status).toBe('OK');
    expect(decode(LINKTYPE_IPV4, IPV6_SYN).status).toBe('IPV4_BAD_VERSION');
    expect(decode(LINKTYPE_IPV6, IPV6_SYN).status).toBe('OK');
    expect(decode(LINKTYPE_IPV6, IPV4_DATA).status).toBe('IPV6_BAD_VERSION');
    expectFailure(decode(LINKTYPE_IPV6, new Uint8Array(0)), 'IPV6_TRUNCATED_HEADER', 'ipv6', 0, 40, 0);
  });
});

describe('Linux cooked capture: SLL (113) and SLL2 (276)', () => {
  /** SLL: packet type 0 (to us), ARPHRD_ETHER 1, address length 6, address (8), protocol. */
  const sll = (proto: number) => cat(hex('00 00  00 01  00 06  02 00 00 00 00 01 00 00'), u16(proto));
  /** SLL2: protocol, reserved, ifindex 2, ARPHRD_ETHER, packet type 0, address length 6, address (8). */
  const sll2 = (proto: number) => cat(u16(proto), hex('00 00  00 00 00 02  00 01  00  06  02 00 00 00 00 01 00 00'));

  test('protocol at offset 14 (SLL) / 0 (SLL2)', () => {
    const f = decode(LINKTYPE_LINUX_SLL, cat(sll(0x0800), IPV4_DATA));
    expect([f.status, f.ipOffset]).toEqual(['OK', 16]);
    expect(decode(LINKTYPE_LINUX_SLL, cat(sll(0x86dd), IPV6_SYN)).status).toBe('OK');
    const g = decode(LINKTYPE_LINUX_SLL2, cat(sll2(0x0800), IPV4_DATA));
    expect([g.status, g.ipOffset]).toEqual(['OK', 20]);
    expect(decode(LINKTYPE_LINUX_SLL2, cat(sll2(0x86dd), IPV6_SYN)).status).toBe('OK');
  });

  test('VLAN tag re-inserted by libpcap; non-IP protocols', () => {
    const f = decode(LINKTYPE_LINUX_SLL, cat(sll(0x8100), hex('00 64 08 00'), IPV4_DATA));
    expect([f.status, f.vlanTags, f.ipOffset]).toEqual(['OK', 1, 20]);
    expectFailure(decode(LINKTYPE_LINUX_SLL, cat(sll(0x0806), new Uint8Array(28))), 'NON_IP', 'link', 0);
    expectFailure(decode(LINKTYPE_LINUX_SLL2, cat(sll2(0x0004), new Uint8Array(28))), 'NON_IP', 'link', 0); // 802.2 LLC
  });

  test('short headers -> LINK_TRUNCATED', () => {
    const a = cat(sll(0x0800), IPV4_DATA);
    for (let n = 0; n < 16; n++) expectFailure(decode(LINKTYPE_LINUX_SLL, a.subarray(0, n)), 'LINK_TRUNCATED', 'link', 0, 16, n);
    const b = cat(sll2(0x0800), IPV4_DATA);
    for (let n = 0; n < 20; n++) expectFailure(decode(LINKTYPE_LINUX_SLL2, b.subarray(0, n)), 'LINK_TRUNCATED', 'link', 0, 20, n);
  });
});

describe('link-type table', () => {
  test('unsupported link types are skipped, not errors', () => {
    for (const lt of [105, 127, 9, 239, 0xffff]) {
      const f = decode(lt, cat(ETH_HDR, IPV4_DATA));
      expectFailure(f, 'UNSUPPORTED_LINK_TYPE', 'link', 0);
      expect(f.linkType).toBe(lt);
    }
  });

  test('names', () => {
    expect([0, 1, 12, 101, 108, 113, 228, 229, 276, 105].map(linkTypeName))
      .toEqual(['NULL', 'EN10MB', 'RAW', 'RAW', 'LOOP', 'LINUX_SLL', 'IPV4', 'IPV6', 'LINUX_SLL2', 'IEEE802_11']);
    expect(linkTypeName(4242)).toBe('LINKTYPE_4242');
  });

  test('supported set', () => {
    expect([...LINK_DECODERS.keys()].sort((a, b) => a - b)).toEqual([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);
    expect([isLinkTypeSupported(113), isLinkTypeSupported(105)]).toEqual([true, false]);
  });
});
