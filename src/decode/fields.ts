/**
 * The numbers decodePacket() extracts from one record. One object is allocated up front and
 * overwritten for every record (gopacket's DecodingLayerParser): nothing here is allocated per
 * packet, and nothing holds on to the record's bytes.
 */

/** TCP flag bits as in the 16-bit word at offset 12 (low 9 bits). RFC 9293 §3.1, RFC 3168, RFC 3540/AccECN. */
export const TCP_FIN = 0x001;
export const TCP_SYN = 0x002;
export const TCP_RST = 0x004;
export const TCP_PSH = 0x008;
export const TCP_ACK = 0x010;
export const TCP_URG = 0x020;
export const TCP_ECE = 0x040;
export const TCP_CWR = 0x080;
/** NS (RFC 3540, historic) / AE (AccECN). */
export const TCP_AE = 0x100;

export type DecodeStatus = 'OK' | SkipReason | DecodeErrorCode;

/** Not an error: the record is simply not TCP we analyse. Counted per reason. */
export type SkipReason =
  | 'UNSUPPORTED_LINK_TYPE'
  | 'NON_IP' // ARP, LLDP, IPX, PPPoE discovery...
  | 'NON_TCP' // UDP, ICMP, ...
  | 'IP_FRAGMENT'; // a non-first fragment, or a first fragment we do not reassemble

export type DecodeErrorCode =
  | 'LINK_TRUNCATED'
  | 'IPV4_TRUNCATED_HEADER'
  | 'IPV4_BAD_VERSION'
  | 'IPV4_BAD_IHL'
  | 'IPV4_BAD_TOTAL_LENGTH'
  | 'IPV4_BAD_OPTIONS'
  | 'IPV6_TRUNCATED_HEADER'
  | 'IPV6_BAD_VERSION'
  | 'IPV6_BAD_PAYLOAD_LENGTH'
  | 'IPV6_TRUNCATED_EXTENSION'
  /** More than IPV6_MAX_EXTENSIONS extension headers before the upper layer (decode/ipv6.ts). */
  | 'IPV6_TOO_MANY_EXTENSIONS'
  | 'TCP_TRUNCATED_HEADER'
  | 'TCP_BAD_DATA_OFFSET'
  | 'TCP_TRUNCATED_OPTIONS'
  | 'TCP_BAD_OPTION_LENGTH';

export type DecodeLayer = 'link' | 'ipv4' | 'ipv6' | 'tcp';

export interface PacketFields {
  status: DecodeStatus;

  // -- where the failure (or skip) happened, valid when status !== 'OK'
  errLayer: DecodeLayer | null;
  /** Offset inside the frame where the failing layer starts. */
  errLayerOffset: number;
  /** Bytes the layer needed and had, when the failure is a length problem (else -1). */
  errNeed: number;
  errHave: number;

  // -- link
  linkType: number;
  /** Number of VLAN tags (802.1Q / 802.1ad) stripped. */
  vlanTags: number;

  // -- IP
  ipVersion: 4 | 6 | 0;
  /** IPv4: the address in src0 (uint32), src1..3 = 0. IPv6: four big-endian uint32 words. */
  src0: number; src1: number; src2: number; src3: number;
  dst0: number; dst1: number; dst2: number; dst3: number;
  ttl: number;
  /**
   * IPv4's Identification (RFC 791, RFC 6864), -1 for IPv6 (no such field outside a fragment
   * header). Two captures of one packet share it; two sends of the same segment by a stack that
   * numbers its packets (Linux's per-socket counter, Windows' global one) do not.
   */
  ipId: number;
  /** Offset of the IPv4/IPv6 header inside the frame (valid once ipVersion !== 0). */
  ipOffset: number;
  /**
   * IP protocol / IPv6 final next header (6 for TCP); -1 before the IP header parsed. Set for
   * NON_TCP and IP_FRAGMENT skips too, so callers can tell UDP from ICMP.
   */
  ipProtocol: number;
  /** Bytes of the upper-layer (TCP) segment according to the IP lengths: header + payload, not caplen. */
  ipPayloadLen: number;
  /**
   * A NON_TCP skip's upper-layer header: its offset in the frame and the end of its captured bytes
   * (-1 when the packet is a later fragment, or not a NON_TCP skip). What decode/icmp.ts reads an
   * ICMP error from.
   */
  l4Offset: number;
  l4End: number;
  /**
   * True when the IP length field was 0 (IPv4 TSO / BIG TCP; IPv6 payload length 0 without a
   * jumbo option) and the captured length was used instead. Checksums are not verified then.
   */
  ipLengthFromCapture: boolean;
  /**
   * Frame offset where the packet ended on the wire: the captured end plus what snaplen cut
   * (origLen − capLen). An IP length reaching past it is a lying header, not a snaplen cut.
   */
  wireEnd: number;
  /** Bytes of Ethernet padding or trailer dropped because the IP length was shorter than the frame. */
  trailerBytes: number;
  /**
   * The link layer gave the IP packet's length itself (PPPoE's LENGTH), and wireEnd is that bound:
   * an IP length reaching past it is cut to it, as Wireshark does, rather than the packet dropped.
   */
  linkBoundsIp: boolean;
  /**
   * With linkBoundsIp: payload bytes the IP length claims past the link's length that are in the
   * frame. Zeek reads the IP length and sees them as payload; the Zeek model adds them back.
   */
  payloadBeyondLink: number;
  /**
   * The innermost tunnel the segment came out of (TUNNEL_* in tunnel.ts: IP in IP, GRE, ERSPAN,
   * VXLAN, Geneve, GTP-U; 0 = none) and how many were peeled. The addresses, ports and lengths
   * above are then the inner packet's; the outer headers only carried it.
   */
  tunnel: number;
  tunnelDepth: number;
  /**
   * The tunnel's outer datagram was the first of several fragments: the inner headers are whole,
   * the rest of the payload is in the later fragments (which Zeek reassembles before it looks).
   */
  tunnelFragmented: boolean;
  /** An outer IPv4 header's checksum is wrong (judged for every tunnel peeled; counts only when verifying). */
  tunnelChecksumBad: boolean;

  // -- TCP (valid when status === 'OK')
  srcPort: number;
  dstPort: number;
  seq: number; // uint32
  ack: number; // uint32
  /** Low 9 bits: FIN..AE. */
  flags: number;
  window: number; // raw, unscaled
  urgent: number;
  /** TCP header length in bytes (data offset × 4). */
  tcpHeaderLen: number;
  /** Payload bytes according to the IP lengths (not the captured length). */
  payloadLen: number;
  /** Payload bytes actually present in the record (≤ payloadLen when snaplen cut it). */
  capturedPayloadLen: number;
  /** Offset of the TCP header inside the frame. */
  tcpOffset: number;
  /** IPv4 header or TCP checksum wrong (computed only when asked to verify, and only when all bytes were captured). */
  checksumBad: boolean;

  // -- TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018, RFC 7413); -1 / false when absent
  optMss: number;
  optWscale: number;
  optSackPermitted: boolean;
  optHasTimestamps: boolean;
  optTsVal: number;
  optTsEcr: number;
  /** Number of SACK blocks in this segment (0..4). */
  optSackBlocks: number;
  /**
   * The SACK blocks' edges mixed into one int32 (0 without SACK): a duplicate ACK that reports a
   * new block is not the same packet captured twice, though every header field matches.
   */
  optSackSig: number;
  /**
   * The first SACK block's edges, [left, right) (0, 0 without SACK): a first block below the ACK
   * number is a D-SACK (RFC 2883 §4), the receiver saying it got those bytes twice.
   */
  optSackLeft: number;
  optSackRight: number;
  /** TFO cookie option present (kind 34, or experimental 254/0xF989). */
  optTfo: boolean;
  /** An option had a bad length or ran past the header: options after it were ignored (not fatal). */
  optMalformed: boolean;
  /**
   * The options area was cut short by the captured length (snaplen), not by a bad length byte.
   * optMalformed is set too (options after the cut are unknown); this tells the two apart.
   */
  optTruncated: boolean;
}

export function newPacketFields(): PacketFields {
  return {
    status: 'OK',
    errLayer: null, errLayerOffset: 0, errNeed: -1, errHave: -1,
    linkType: 0, vlanTags: 0,
    ipVersion: 0,
    src0: 0, src1: 0, src2: 0, src3: 0,
    dst0: 0, dst1: 0, dst2: 0, dst3: 0,
    ttl: 0, ipId: -1, ipOffset: 0, ipProtocol: -1, ipPayloadLen: 0, l4Offset: -1, l4End: -1, ipLengthFromCapture: false, wireEnd: 0, trailerBytes: 0, linkBoundsIp: false, payloadBeyondLink: 0,
    tunnel: 0 /* TUNNEL_NONE: fields.ts imports no decoder */, tunnelDepth: 0, tunnelFragmented: false, tunnelChecksumBad: false,
    srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0,
    tcpHeaderLen: 0, payloadLen: 0, capturedPayloadLen: 0, tcpOffset: 0, checksumBad: false,
    optMss: -1, optWscale: -1, optSackPermitted: false, optHasTimestamps: false,
    optTsVal: 0, optTsEcr: 0, optSackBlocks: 0, optSackSig: 0, optSackLeft: 0, optSackRight: 0, optTfo: false, optMalformed: false, optTruncated: false,
  };
}

/** The nine flags' bits; the header's bits past them are reserved, not flags. */
export const TCP_FLAG_BITS = 0x1ff;
/** In the order Wireshark prints them. */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [TCP_SYN, 'SYN'], [TCP_FIN, 'FIN'], [TCP_RST, 'RST'], [TCP_PSH, 'PSH'], [TCP_ACK, 'ACK'], [TCP_URG, 'URG'], [TCP_ECE, 'ECE'], [TCP_CWR, 'CWR'], [TCP_AE, 'AE'],
];
const flagTexts: Array<string | undefined> = new Array(TCP_FLAG_BITS + 1);

/** "SYN,ACK", "FIN,PSH,ACK", ..., "none": built once for each combination. */
export function flagsText(flags: number): string {
  const f = flags & TCP_FLAG_BITS;
  let text = flagTexts[f];
  if (text === undefined) {
    const parts: string[] = [];
    for (const [bit, name] of FLAG_NAMES) if ((f & bit) !== 0) parts.push(name);
    flagTexts[f] = text = parts.length > 0 ? parts.join(',') : 'none';
  }
  return text;
}
