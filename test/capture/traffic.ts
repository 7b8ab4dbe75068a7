/** A short conversation used by several capture tests. */
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/decode/fields.js';
import { ethernetIPv4Tcp, ethernetIPv6Tcp, tcpOptions } from '../helpers/packet-builder.js';
import type { PacketIn } from '../helpers/pcap-writer.js';

const A = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80 };
const B = { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000 };

/**
 * Timestamps are multiples of 15.625 ms: whole microseconds and whole 2^-20 s units at once, so
 * every resolution below represents them exactly.
 */
export function traffic(): PacketIn[] {
  const frames = [
    ethernetIPv4Tcp({ ...A, seq: 100, flags: TCP_SYN, options: tcpOptions({ mss: 1460, wscale: 7, sackPermitted: true, timestamps: [1, 0] }) }),
    ethernetIPv4Tcp({ ...B, seq: 500, ack: 101, flags: TCP_SYN | TCP_ACK, options: tcpOptions({ mss: 1460, wscale: 7, sackPermitted: true, timestamps: [9, 1] }) }),
    ethernetIPv4Tcp({ ...A, seq: 101, ack: 501, flags: TCP_ACK }),
    ethernetIPv4Tcp({ ...A, seq: 101, ack: 501, flags: TCP_ACK | TCP_PSH, payload: 100 }),
    ethernetIPv4Tcp({ ...B, seq: 501, ack: 201, flags: TCP_ACK, payload: 3000 }),
    ethernetIPv6Tcp({ src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: 2, seq: 7, flags: TCP_SYN }),
    ethernetIPv4Tcp({ ...A, seq: 201, ack: 3501, flags: TCP_ACK | TCP_FIN, vlan: [5] }),
    ethernetIPv4Tcp({ ...B, seq: 3501, ack: 202, flags: TCP_ACK | TCP_FIN, payload: 1 }),
  ];
  return frames.map((data, i) => ({
    tsSec: 1_700_000_000 + i * 3,
    tsNanos: ((i * 37) % 64) * 15_625_000,
    data,
    // One record cut by a snaplen: the wire length is larger than what was kept.
    origLen: i === 4 ? data.length + 1000 : data.length,
  }));
}

