/**
 * `--host`: addresses and CIDR prefixes, checked when the options are parsed (a typo such as
 * `10.0.0` would otherwise select nothing, silently) and matched numerically, so every spelling of
 * an IPv6 address (`2001:DB8:0:0::1`, `[2001:db8::1]`) selects the connections the report prints
 * as `2001:db8::1`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatIpv6Groups } from '../flow/key.js';

/** One `--host` value: the address as 16-bit groups (2 for IPv4, 8 for IPv6) and a prefix length in bits. */
export interface HostPattern {
  v6: boolean;
  groups: number[];
  bits: number;
  /** As the report's `selection.criteria` shows it: `10.0.0.0/8`, `2001:db8::1`. */
  text: string;
}

/** Parses `10.0.0.5`, `10.0.0.0/8`, `2001:db8::1`, `[2001:db8::1]`, `2001:db8::/32`; null if it is none of those. */
export function parseHostPattern(raw: string): HostPattern | null {
  const m = /^(?:\[([^\]]+)\]|([^[\]/]+))(?:\/(\d{1,3}))?$/.exec(raw.trim());
  if (m === null) return null;
  const addr = m[1] ?? m[2];
  const v6 = isIPv6(addr);
  if (!v6 && !isIPv4(addr)) return null;
  const groups = v6 ? ipv6Groups(addr) : ipv4Groups(addr);
  const max = v6 ? 128 : 32;
  const bits = m[3] === undefined ? max : Number(m[3]);
  if (bits > max) return null;
  const canonical = v6 ? formatIpv6Groups(groups) : addr.split('.').map(Number).join('.');
  return { v6, groups, bits, text: m[3] === undefined ? canonical : `${canonical}/${bits}` };
}

/** True when `ip` (as the report prints it) falls in the pattern. */
export function hostMatches(p: HostPattern, ip: string): boolean {
  const v6 = ip.includes(':');
  if (v6 !== p.v6) return false;
  const g = v6 ? ipv6Groups(ip) : ipv4Groups(ip);
  let left = p.bits;
  for (let i = 0; i < g.length && left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((g[i] & mask) !== (p.groups[i] & mask)) return false;
  }
  return true;
}

function ipv4Groups(s: string): number[] {
  const b = s.split('.').map(Number);
  return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
}

/** Eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(s: string): number[] {
  let text = s;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [hi, lo] = ipv4Groups(dotted[1]);
    text = `${text.slice(0, dotted.index)}${hi.toString(16)}:${lo.toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const part = (x: string): number[] => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  const a = part(head);
  if (tail === null) return a;
  const b = part(tail);
  return [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
}
