import { describe, expect, test } from 'vitest';
import { TCP_ACK, TCP_AE, TCP_FIN, TCP_SYN } from '../../src/decode/fields.js';
import { TCP_WSCALE_MAX } from '../../src/decode/tcp.js';
import { LINKTYPE_IPV4 } from '../../src/decode/link-types.js';
import { IPV4_DATA, IPV4_SYN, patch } from './frames.js';
import { decode, expectFailure, ipv4Tcp } from './helpers.js';

const v4 = (b: Uint8Array, origLen = b.length) => decode(LINKTYPE_IPV4, b, false, origLen);

describe('TCP fixed header (RFC 9293 §3.1)', () => {
  test('SYN with options: every field', () => {
    const f = v4(IPV4_SYN);
    expect(f.status).toBe('OK');
    expect({ srcPort: f.srcPort, dstPort: f.dstPort, seq: f.seq, ack: f.ack, flags: f.flags, window: f.window, urgent: f.urgent })
      .toEqual({ srcPort: 40000, dstPort: 80, seq: 0x01020304, ack: 0, flags: TCP_SYN, window: 64240, urgent: 0 });
    expect({ tcpOffset: f.tcpOffset, tcpHeaderLen: f.tcpHeaderLen, payloadLen: f.payloadLen, capturedPayloadLen: f.capturedPayloadLen })
      .toEqual({ tcpOffset: 24, tcpHeaderLen: 40, payloadLen: 0, capturedPayloadLen: 0 });
    expect({ mss: f.optMss, ws: f.optWscale, sackPerm: f.optSackPermitted, ts: f.optHasTimestamps, tsVal: f.optTsVal, tsEcr: f.optTsEcr })
      .toEqual({ mss: 1460, ws: 7, sackPerm: true, ts: true, tsVal: 1, tsEcr: 0 });
    expect(f.optMalformed || f.optTruncated || f.optTfo).toBe(false);
    expect(f.optSackBlocks).toBe(0);
  });

  test('data segment: payloadLen from the IP length, seq/ack as uint32', () => {
    const f = v4(IPV4_DATA);
    expect({ seq: f.seq, ack: f.ack, flags: f.flags, payloadLen: f.payloadLen, captured: f.capturedPayloadLen, tsVal: f.optTsVal, tsEcr: f.optTsEcr })
      .toEqual({ seq: 0x01020305, ack: 0xa0b0c0d0, flags: 0x018, payloadLen: 5, captured: 5, tsVal: 2, tsEcr: 1 });
  });

  test('all nine flag bits, reserved bits ignored', () => {
    // byte 32 = data offset 5 | 3 reserved bits set | AE; byte 33 = CWR..FIN all set
    const f = v4(patch(ipv4Tcp([]), 32, 0x5f, 0xff));
    expect(f.flags).toBe(0x1ff);
    expect(f.flags & (TCP_AE | TCP_FIN | TCP_ACK)).toBe(TCP_AE | TCP_FIN | TCP_ACK);
  });

  test('urgent pointer is read', () => {
    expect(v4(patch(ipv4Tcp([]), 38, 0x12, 0x34)).urgent).toBe(0x1234);
  });

  test('snaplen cut in the payload: payloadLen from IP, capturedPayloadLen from the bytes', () => {
    const f = v4(IPV4_DATA.subarray(0, IPV4_DATA.length - 2), IPV4_DATA.length);
    expect([f.status, f.payloadLen, f.capturedPayloadLen]).toEqual(['OK', 5, 3]);
  });

  test('data offset < 5 -> TCP_BAD_DATA_OFFSET (need 20, have the claimed length)', () => {
    expectFailure(v4(patch(ipv4Tcp([]), 32, 0x40)), 'TCP_BAD_DATA_OFFSET', 'tcp', 20, 20, 16);
    expectFailure(v4(patch(ipv4Tcp([]), 32, 0x00)), 'TCP_BAD_DATA_OFFSET', 'tcp', 20, 20, 0);
  });

  test('data offset beyond the IP payload -> TCP_BAD_DATA_OFFSET (need header, have IP payload)', () => {
    // 20-byte segment claiming 24 bytes of header; the bytes past the IP length are padding.
    const b = new Uint8Array(48);
    b.set(patch(ipv4Tcp([]), 32, 0x60));
    expectFailure(v4(b), 'TCP_BAD_DATA_OFFSET', 'tcp', 20, 24, 20);
    // ... and by a lot: data offset 15 in a segment with 4 option bytes.
    expectFailure(v4(patch(ipv4Tcp([1, 1, 1, 1]), 32, 0xf0)), 'TCP_BAD_DATA_OFFSET', 'tcp', 20, 60, 24);
  });

  test('IP length too short for a TCP header: truncated, have counts IP payload only', () => {
    const b = patch(ipv4Tcp([]), 2, 0x00, 0x1e); // total length 30: 10 bytes of "TCP"
    expectFailure(v4(b), 'TCP_TRUNCATED_HEADER', 'tcp', 20, 20, 10);
  });

  test('every truncation of a TCP header with options (IPv4 IHL 6 on LINKTYPE_IPV4)', () => {
    for (let n = 0; n < IPV4_SYN.length; n++) {
      const f = v4(IPV4_SYN.subarray(0, n), IPV4_SYN.length);
      if (n < 20) expectFailure(f, 'IPV4_TRUNCATED_HEADER', 'ipv4', 0, 20, n);
      else if (n < 24) expectFailure(f, 'IPV4_TRUNCATED_HEADER', 'ipv4', 0, 24, n);
      else if (n < 44) expectFailure(f, 'TCP_TRUNCATED_HEADER', 'tcp', 24, 20, n - 24);
      else {
        // Fixed header complete, options cut by the snaplen: decoded as far as present.
        expect([n, f.status, f.optTruncated, f.optMalformed, f.payloadLen, f.capturedPayloadLen]).toEqual([n, 'OK', true, true, 0, 0]);
        expect([n, f.seq, f.flags]).toEqual([n, 0x01020304, TCP_SYN]);
        expect([n, f.optMss]).toEqual([n, n >= 48 ? 1460 : -1]);
        expect([n, f.optSackPermitted]).toEqual([n, n >= 50]);
        expect([n, f.optHasTimestamps]).toEqual([n, n >= 60]);
        expect(f.optWscale).toBe(-1); // its 3 bytes end exactly at 64
      }
    }
  });
});

describe('TCP options (RFC 9293 §3.2)', () => {
  const opts = (o: number[]) => v4(ipv4Tcp(o));

  test('EOL ends the list: bytes after it are not options', () => {
    const f = opts([2, 4, 0x05, 0xb4, 0, 3, 3, 7]);
    expect([f.optMss, f.optWscale, f.optMalformed]).toEqual([1460, -1, false]);
  });

  test('NOPs are skipped one byte at a time', () => {
    const f = opts([1, 1, 1, 3, 3, 9, 1, 1]);
    expect([f.optWscale, f.optMalformed]).toEqual([9, false]);
  });

  test('length 0 or 1 is malformed and stops parsing', () => {
    for (const len of [0, 1]) {
      const f = opts([8, len, 0, 0, 2, 4, 0x05, 0xb4]);
      expect([len, f.optMalformed, f.optMss, f.optHasTimestamps]).toEqual([len, true, -1, false]);
    }
  });

  test('length past the header is malformed, header still OK', () => {
    const f = opts([1, 1, 2, 8]); // MSS claiming 8 bytes with 2 left
    expect([f.status, f.optMalformed, f.optTruncated, f.optMss]).toEqual(['OK', true, false, -1]);
  });

  test('kind in the last byte with no room for a length byte is malformed', () => {
    const f = opts([1, 1, 1, 2]);
    expect([f.optMalformed, f.optMss]).toEqual([true, -1]);
  });

  test('known kind with the wrong fixed length: flagged, not recorded, parsing continues', () => {
    const f = opts([2, 3, 0x05, 3, 3, 7, 0, 0]); // MSS length 3, then WS 7
    expect([f.optMalformed, f.optMss, f.optWscale]).toEqual([true, -1, 7]);
    const g = opts([8, 8, 0, 0, 0, 1, 0, 0, 4, 3, 0, 0]); // TS length 8; SACK_PERM length 3
    expect([g.optMalformed, g.optHasTimestamps, g.optSackPermitted]).toEqual([true, false, false]);
  });

  test('SACK blocks are counted, 1 to 4 (RFC 2018 §3)', () => {
    for (let blocks = 1; blocks <= 4; blocks++) {
      const len = 2 + 8 * blocks;
      const o = [1, 1, 5, len, ...new Array<number>(8 * blocks).fill(0xab)];
      while (o.length % 4 !== 0) o.push(0);
      const f = opts(o);
      expect([blocks, f.optSackBlocks, f.optMalformed]).toEqual([blocks, blocks, false]);
    }
  });

  test('the first SACK block\'s edges are kept, for a D-SACK (RFC 2883)', () => {
    // Blocks [0x80000005, 0x80000006) then [1, 2): the first one's edges, as int32.
    const f = opts([1, 1, 5, 18, 0x80, 0, 0, 5, 0x80, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect([f.optSackBlocks, f.optSackLeft >>> 0, f.optSackRight >>> 0]).toEqual([2, 0x80000005, 0x80000006]);
    expect([opts([1, 1, 1, 1]).optSackLeft, opts([1, 1, 1, 1]).optSackRight]).toEqual([0, 0]);
  });

  test('SACK length not 2 + 8n is malformed', () => {
    for (const len of [2, 6, 11]) {
      const o = [5, len, ...new Array<number>(len - 2).fill(0)];
      while (o.length % 4 !== 0) o.push(1);
      const f = opts(o);
      expect([len, f.optSackBlocks, f.optMalformed]).toEqual([len, 0, true]);
    }
  });

  test('window scale keeps the raw value above 14 (RFC 7323 §2.3 clamps on use)', () => {
    const f = opts([3, 3, 20, 0]);
    expect([f.optWscale, f.optMalformed]).toEqual([20, false]);
    expect(Math.min(f.optWscale, TCP_WSCALE_MAX)).toBe(14);
  });

  test('TFO: kind 34 request and cookie, experimental 254 with ExID 0xF989 (RFC 7413 §4.1.1)', () => {
    expect(opts([34, 2, 1, 1]).optTfo).toBe(true);
    expect(opts([34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1]).optTfo).toBe(true);
    expect(opts([254, 4, 0xf9, 0x89]).optTfo).toBe(true);
    expect(opts([254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8]).optTfo).toBe(true);
    const other = opts([254, 4, 0x12, 0x34]);
    expect([other.optTfo, other.optMalformed]).toEqual([false, false]);
    expect(opts([2, 4, 0x05, 0xb4]).optTfo).toBe(false);
  });

  test('unknown kinds are skipped by their length', () => {
    const f = opts([30, 4, 0x10, 0x01, 2, 4, 0x05, 0x78]); // MPTCP-like kind 30, then MSS 1400
    expect([f.optMss, f.optMalformed]).toEqual([1400, false]);
  });

  test('a repeated option: the last one wins', () => {
    expect(opts([2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18]).optMss).toBe(536);
  });

  test('40 option bytes (data offset 15)', () => {
    const o = [2, 4, 0x05, 0xb4, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 1, 1, 5, 18, ...new Array<number>(16).fill(7), 1, 1, 3, 3, 2, 0];
    expect(o.length).toBe(40);
    const f = opts(o);
    expect([f.tcpHeaderLen, f.optMss, f.optTsVal, f.optTsEcr, f.optSackBlocks, f.optWscale, f.optMalformed]).toEqual([60, 1460, 9, 8, 2, 2, false]);
  });

  test('options do not leak into the payload count', () => {
    const f = v4(ipv4Tcp([2, 4, 0x05, 0xb4], 10));
    expect([f.tcpHeaderLen, f.payloadLen, f.capturedPayloadLen]).toEqual([24, 10, 10]);
  });
});
