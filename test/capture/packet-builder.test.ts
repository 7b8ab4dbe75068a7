/** The frame builders other tests rely on: checksums verify, addresses parse, layouts match the specs. */
import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_SYN } from '../../src/decode/fields.js';
import {
  ethernetIPv4Tcp, ethernetIPv6Tcp, internetChecksum, ipv6Packet, nullLink, parseIPv6, rawIPv4Tcp, rawIPv6Tcp, sll, sll2, tcpOptions,
  ETHERTYPE_IPV4, IPPROTO_TCP,
} from '../helpers/packet-builder.js';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('packet-builder', () => {
  it('IPv4 header and TCP checksums verify to zero (RFC 1071)', () => {
    const p = rawIPv4Tcp({ src: '192.168.1.10', dst: '8.8.8.8', sport: 51000, dport: 443, seq: 0xfffffff0, ack: 7, flags: TCP_ACK, payload: 33 });
    expect(internetChecksum(p.subarray(0, 20))).toBe(0);
    const pseudo = Uint8Array.from([...p.subarray(12, 20), 0, IPPROTO_TCP, 0, p.length - 20]);
    expect(internetChecksum(pseudo, p.subarray(20))).toBe(0);
    expect(new DataView(p.buffer).getUint16(2)).toBe(p.length);
  });

  it('a known SYN matches hand-computed bytes', () => {
    // IPv4 sum 4500+0028+1234+4000+4006+0a00+0001+0a00+0002 = eb65 → checksum 149a.
    // TCP sum: pseudo 0a00+0001+0a00+0002+0006+0014 = 141d, header 9c40+0050+0001+5002+faf0 = 1e783;
    // 141d + 1e783 = 1fba0 → fold fba1 → checksum 045e.
    const p = rawIPv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, seq: 1, flags: TCP_SYN, window: 64240, ipId: 0x1234 });
    expect(hexOf(p)).toBe('45000028123440004006149a' + '0a0000010a000002' + '9c4000500000000100000000' + '5002faf0' + '045e0000');
  });

  it('IPv6 TCP checksum verifies over the RFC 8200 §8.1 pseudo-header', () => {
    const p = rawIPv6Tcp({ src: '2001:db8::1', dst: 'fe80::2:3', sport: 1, dport: 2, flags: TCP_SYN, payload: 5 });
    const len = p.length - 40;
    const pseudo = Uint8Array.from([...p.subarray(8, 40), 0, 0, 0, len, 0, 0, 0, IPPROTO_TCP]);
    expect(internetChecksum(pseudo, p.subarray(40))).toBe(0);
    expect(p[6]).toBe(IPPROTO_TCP);
  });

  it('parses IPv6 text forms', () => {
    expect(hexOf(parseIPv6('::1'))).toBe('00000000000000000000000000000001');
    expect(hexOf(parseIPv6('2001:db8::'))).toBe('20010db8000000000000000000000000');
    expect(hexOf(parseIPv6('::ffff:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(hexOf(parseIPv6('1:2:3:4:5:6:7:8'))).toBe('00010002000300040005000600070008');
    expect(() => parseIPv6('1::2::3')).toThrow();
    expect(() => parseIPv6('1:2:3')).toThrow();
  });

  it('TCP options are padded to 4 and the data offset counts them', () => {
    const o = tcpOptions({ mss: 1460, sackPermitted: true, timestamps: [1, 2], wscale: 7 });
    expect(hexOf(o)).toBe('020405b4' + '0402' + '080a0000000100000002' + '01030307');
    const p = rawIPv4Tcp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, flags: TCP_SYN, options: Uint8Array.of(2, 4, 5, 0xb4, 1) });
    expect(p[20 + 12] >> 4).toBe(7);
    expect(tcpOptions({ sack: [[1, 2]] }).length % 4).toBe(0);
  });

  it('Ethernet with QinQ tags, SLL, SLL2 and null-link layouts', () => {
    const f = ethernetIPv4Tcp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, flags: 0, vlan: [100, 200] });
    expect(hexOf(f.subarray(12, 22))).toBe('88a80064' + '810000c8' + '0800');
    expect(ethernetIPv6Tcp({ src: '::1', dst: '::2', sport: 1, dport: 2, flags: 0 })[12]).toBe(0x86);
    const ip = rawIPv4Tcp({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, flags: 0 });
    expect(hexOf(sll(ETHERTYPE_IPV4, ip).subarray(14, 16))).toBe('0800');
    expect(hexOf(sll2(ETHERTYPE_IPV4, ip).subarray(0, 2))).toBe('0800');
    expect(sll2(ETHERTYPE_IPV4, ip).subarray(20)).toEqual(ip);
    expect(hexOf(nullLink(2, ip, true).subarray(0, 4))).toBe('02000000');
    expect(hexOf(nullLink(2, ip, false).subarray(0, 4))).toBe('00000002');
  });

  it('IPv6 extension headers chain Next Header and pad to 8', () => {
    const p = ipv6Packet({ src: '::1', dst: '::2', nextHeader: IPPROTO_TCP, payload: new Uint8Array(20), extensions: [{ type: 0, body: new Uint8Array(3) }, { type: 44, body: new Uint8Array(6) }] });
    expect(p[6]).toBe(0);
    expect([p[40], p[41]]).toEqual([44, 0]);
    expect(p[48]).toBe(IPPROTO_TCP);
    expect(new DataView(p.buffer).getUint16(4)).toBe(8 + 8 + 20);
  });
});
