/**
 * Internet checksum verification (RFC 1071) for the IPv4 header (RFC 791 §3.1) and TCP over its
 * pseudo-header (RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for IPv6).
 *
 * Speed: 32-bit big-endian words are summed into a double and reduced once at the end. Because
 * 2^16 ≡ 1 (mod 0xffff), a 32-bit word counts as the sum of its two 16-bit halves, and the
 * folded one's-complement sum is 0xffff exactly when the plain sum is a non-zero multiple of
 * 0xffff (every sum here is non-zero: it includes the IPv4 version or the TCP protocol number).
 */
import type { PacketFields } from './fields.js';
import { IPPROTO_TCP } from './ipv4.js';

const ONES = 0xffff;
/** Reduce before the double loses integer precision (2^53); one reduction per ~1 MiB of data. */
const SUM_REDUCE_AT = 2 ** 52;

/** Plain sum of the big-endian 16-bit words in [p, p+n), a trailing odd byte padded with zero. */
export function sumWords(v: DataView, p: number, n: number): number {
  let s = 0;
  const end4 = p + n - (n & 3);
  for (; p < end4; p += 4) {
    s += v.getUint32(p);
    if (s > SUM_REDUCE_AT) s %= ONES;
  }
  if ((n & 2) !== 0) { s += v.getUint16(p); p += 2; }
  if ((n & 1) !== 0) s += v.getUint8(p) << 8;
  return s;
}

/** The IPv4 header of `len` bytes at `off` has a wrong checksum (a tunnel's outer headers too, decode/tunnel.ts). */
export function hasBadIpv4Header(v: DataView, off: number, len: number): boolean {
  return sumWords(v, off, len) % ONES !== 0;
}

/**
 * True when a checksum is wrong. Called for decoded TCP segments only (out.status 'OK' path),
 * with `ipOff` / `tcpOff` as offsets into `v` and `capEnd` the end of the captured bytes.
 * Skipped (returns false) when the IP length came from the capture: TSO / GRO super-segments are
 * captured before the NIC fills in lengths and checksums, so they would always look wrong. The TCP
 * checksum is skipped too when the segment was cut by the snaplen.
 */
export function hasBadChecksum(v: DataView, ipOff: number, tcpOff: number, capEnd: number, out: PacketFields): boolean {
  if (out.ipLengthFromCapture) return false;
  if (out.ipVersion === 4 && hasBadIpv4Header(v, ipOff, tcpOff - ipOff)) return true;
  // The sender summed the segment its IP length gives, past a shorter PPPoE length too.
  const segLen = out.ipPayloadLen + out.payloadBeyondLink;
  if (tcpOff + segLen > capEnd) return false;
  // Pseudo-header: addresses, zero + protocol, TCP length (16 bits for IPv4, 32 for IPv6).
  let s = sumWords(v, tcpOff, segLen) + IPPROTO_TCP + segLen + out.src0 + out.dst0;
  if (out.ipVersion === 6) s += out.src1 + out.src2 + out.src3 + out.dst1 + out.dst2 + out.dst3;
  return s % ONES !== 0;
}
