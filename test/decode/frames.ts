/**
 * Annotated byte arrays for the decoder tests (smoltcp's PACKET_BYTES, gopacket's
 * testSimpleTCPPacket). Checksums are real (computed once with a reference implementation and
 * confirmed by the checksum tests), so checksum verification passes on the unmodified frames.
 */
import type { CaptureRecord } from '../../src/capture/record.js';

/** Parses hex bytes; `#` starts a comment running to the end of the line. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) throw new Error(`bad hex: ${digits}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** A record as a capture reader would hand it over (origLen = capLen unless given). */
export function record(linkType: number, data: Uint8Array, origLen = data.length): CaptureRecord {
  return { frameNo: 1, byteOffset: 24, tsSec: 1_700_000_000, tsNanos: 0, capLen: data.length, origLen, linkType, data };
}

/** Copy with bytes replaced at `at` (tests corrupt one field at a time). */
export function patch(bytes: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}

export const ETH_HDR = hex(`
  02 00 00 00 00 02  # destination MAC
  02 00 00 00 00 01  # source MAC
  08 00              # EtherType IPv4
`);

export const ETH_HDR_IPV6 = hex('02 00 00 00 00 02  02 00 00 00 00 01  86 dd');

/** IPv4 with a Router Alert option (IHL 6), TCP SYN with MSS, SACK_PERM, TS, NOP, WS. 64 bytes. */
export const IPV4_SYN = hex(`
  46 00 00 40   # version 4, IHL 6 (24 bytes); TOS 0; total length 64
  12 34 40 00   # id 0x1234; flags DF, fragment offset 0
  40 06 7f 7d   # TTL 64; protocol 6 (TCP); header checksum
  0a 00 00 01   # source 10.0.0.1
  0a 00 00 02   # destination 10.0.0.2
  94 04 00 00   # option: Router Alert (RFC 2113), length 4
  9c 40 00 50   # TCP (offset 24): source port 40000, destination port 80
  01 02 03 04   # sequence number 0x01020304
  00 00 00 00   # acknowledgment number 0
  a0 02 fa f0   # data offset 10 (40 bytes), flags SYN; window 64240
  98 75 00 00   # checksum; urgent pointer 0
  02 04 05 b4   # MSS 1460
  04 02         # SACK permitted
  08 0a 00 00 00 01 00 00 00 00  # timestamps TSval 1, TSecr 0
  01            # NOP
  03 03 07      # window scale 7
`);

/** Plain IPv4 (IHL 5), TCP PSH|ACK with NOP NOP TS and the 5-byte payload "hello". 57 bytes. */
export const IPV4_DATA = hex(`
  45 00 00 39  12 34 40 00  40 06 14 89   # IHL 5, total length 57, DF, TTL 64, TCP, checksum
  0a 00 00 01  0a 00 00 02                # 10.0.0.1 -> 10.0.0.2
  9c 40 00 50  01 02 03 05  a0 b0 c0 d0   # TCP (offset 20): 40000 -> 80, seq 0x01020305, ack 0xa0b0c0d0
  80 18 01 f6  1a ca 00 00                # data offset 8 (32 bytes), PSH|ACK, window 502; checksum, urgent 0
  01 01 08 0a  00 00 00 02  00 00 00 01   # NOP NOP, timestamps TSval 2, TSecr 1
  68 65 6c 6c 6f                          # payload "hello"
`);

/** IPv4 + bare TCP ACK, 40 bytes: on Ethernet it needs 6 bytes of padding to reach 60. */
export const IPV4_ACK = hex(`
  45 00 00 28  12 34 40 00  40 06 14 9a  0a 00 00 01  0a 00 00 02   # total length 40
  9c 40 00 50  01 02 03 0a  a0 b0 c0 d1  50 10 01 f6  97 bd 00 00   # data offset 5, ACK
`);

/**
 * IPv6 with Hop-by-Hop, Destination Options, Routing and AH before TCP ACK + "xyz". 111 bytes.
 * Chain: 0 (HBH) -> 60 (dst opts) -> 43 (routing) -> 51 (AH) -> 6 (TCP).
 */
export const IPV6_CHAIN = hex(`
  60 00 00 00   # version 6, traffic class 0, flow label 0
  00 47 00 40   # payload length 71; next header 0 (Hop-by-Hop); hop limit 64
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # source 2001:db8::1
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02   # destination 2001:db8::2
  3c 00 01 04 00 00 00 00   # (offset 40) HBH: next 60, length 0 (8 bytes); PadN 4
  2b 00 01 04 00 00 00 00   # (offset 48) destination options: next 43, length 0; PadN 4
  33 00 00 00 00 00 00 00   # (offset 56) routing: next 51, length 0, type 0, segments left 0
  06 04 00 00               # (offset 64) AH: next 6, payload length 4 -> (4+2)*4 = 24 bytes
  00 00 01 00  00 00 00 01  # SPI 0x100, sequence 1
  00 00 00 00 00 00 00 00 00 00 00 00   # ICV (12 bytes)
  01 bb c3 50  ff ff ff f0  00 00 00 10   # (offset 88) TCP: 443 -> 50000, seq 0xfffffff0, ack 0x10
  50 10 04 00  98 d6 00 00                # data offset 5, ACK, window 1024; checksum
  78 79 7a                                # payload "xyz"
`);
export const IPV6_CHAIN_TCP_OFFSET = 88;

/** IPv6 + TCP SYN with MSS 1440, no extension headers. 64 bytes. */
export const IPV6_SYN = hex(`
  60 00 00 00  00 18 06 40   # payload length 24, next header TCP, hop limit 64
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02
  c3 50 01 bb  00 00 00 07  00 00 00 00   # 50000 -> 443, seq 7, ack 0
  60 02 ff ff  77 b3 00 00                # data offset 6 (24 bytes), SYN, window 65535; checksum
  02 04 05 a0                             # MSS 1440
`);

/** A UDP datagram in IPv4 (protocol 17): decoded up to IP, then NON_TCP. */
export const IPV4_UDP = hex(`
  45 00 00 1c  00 01 00 00  40 11 00 00  0a 00 00 01  0a 00 00 02   # total 28, protocol 17
  30 39 00 35  00 08 00 00                                          # UDP 12345 -> 53, length 8
`);
