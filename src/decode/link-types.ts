/**
 * Link-type dispatch and names (gopacket's layers/enums.go: each value maps to a decoder and a
 * name). Numbers are LINKTYPE_* values from https://www.tcpdump.org/linktypes.html; names are
 * the DLT_ names tcpdump and capinfos print ("link-type EN10MB").
 */
import type { DecodeStatus, PacketFields } from './fields.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeEthernet, decodeLoop, decodeNull, decodeRaw, decodeSll, decodeSll2 } from './link.js';

/** Decodes one frame of a link type from `off` up to `end` (exclusive) into `out`. */
export type LinkDecoder = (v: DataView, off: number, end: number, out: PacketFields) => DecodeStatus;

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as numbered on most systems; some old files carry it instead of 101. */
export const LINKTYPE_RAW_DLT12 = 12;
/** DLT_RAW as numbered on OpenBSD. */
export const LINKTYPE_RAW_DLT14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** The link types we decode. Anything else is skipped as UNSUPPORTED_LINK_TYPE. */
export const LINK_DECODERS: ReadonlyMap<number, LinkDecoder> = new Map<number, LinkDecoder>([
  [LINKTYPE_NULL, decodeNull],
  [LINKTYPE_ETHERNET, decodeEthernet],
  [LINKTYPE_RAW_DLT12, decodeRaw],
  [LINKTYPE_RAW_DLT14, decodeRaw],
  [LINKTYPE_RAW, decodeRaw],
  [LINKTYPE_LOOP, decodeLoop],
  [LINKTYPE_LINUX_SLL, decodeSll],
  [LINKTYPE_IPV4, decodeIpv4],
  [LINKTYPE_IPV6, decodeIpv6],
  [LINKTYPE_LINUX_SLL2, decodeSll2],
]);

/** Names for the link types above plus common ones we do not decode, so reports can say what was skipped. */
const LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [LINKTYPE_NULL, 'NULL'],
  [LINKTYPE_ETHERNET, 'EN10MB'],
  [6, 'IEEE802'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [LINKTYPE_RAW_DLT12, 'RAW'],
  [LINKTYPE_RAW_DLT14, 'RAW'],
  [50, 'PPP_SERIAL'],
  [51, 'PPP_ETHER'],
  [LINKTYPE_RAW, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [LINKTYPE_LOOP, 'LOOP'],
  [LINKTYPE_LINUX_SLL, 'LINUX_SLL'],
  [119, 'PRISM_HEADER'],
  [127, 'IEEE802_11_RADIO'],
  [143, 'DOCSIS'],
  [192, 'PPI'],
  [220, 'USB_LINUX_MMAPPED'],
  [LINKTYPE_IPV4, 'IPV4'],
  [LINKTYPE_IPV6, 'IPV6'],
  [239, 'NFLOG'],
  [249, 'USBPCAP'],
  [252, 'WIRESHARK_UPPER_PDU'],
  [253, 'NETLINK'],
  [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2'],
]);

/** Short name of a link type, e.g. 1 → 'EN10MB', 113 → 'LINUX_SLL'; unknown → 'LINKTYPE_<n>'. */
export function linkTypeName(lt: number): string {
  return LINK_TYPE_NAMES.get(lt) ?? `LINKTYPE_${lt}`;
}

/** True when decodePacket() can decode records of this link type. */
export function isLinkTypeSupported(lt: number): boolean {
  return LINK_DECODERS.has(lt);
}
