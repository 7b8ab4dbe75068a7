import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { hostMatches, parseHostPattern } from '../../src/cli/hosts.js';
import { formatIpv6Groups } from '../../src/flow/key.js';

const p = (s: string) => {
  const r = parseHostPattern(s);
  if (r === null) throw new Error(`not a host pattern: ${s}`);
  return r;
};

test('exact addresses and prefixes, IPv4 and IPv6, as the report prints addresses', () => {
  expect(hostMatches(p('10.0.0.5'), '10.0.0.5')).toBe(true);
  expect(hostMatches(p('10.0.0.5'), '10.0.0.50')).toBe(false);
  expect(hostMatches(p('10.0.0.0/8'), '10.255.1.2')).toBe(true);
  expect(hostMatches(p('10.0.0.0/8'), '11.0.0.1')).toBe(false);
  expect(hostMatches(p('192.168.4.0/22'), '192.168.7.255')).toBe(true);
  expect(hostMatches(p('192.168.4.0/22'), '192.168.8.0')).toBe(false);
  expect(hostMatches(p('0.0.0.0/0'), '1.2.3.4')).toBe(true);
  expect(hostMatches(p('0.0.0.0/0'), '::1')).toBe(false);
  expect(hostMatches(p('2001:DB8:0:0:0:0:0:1'), '2001:db8::1')).toBe(true);
  expect(hostMatches(p('[2001:db8::1]'), '2001:db8::1')).toBe(true);
  expect(hostMatches(p('2001:db8::/32'), '2001:db8:ffff::7')).toBe(true);
  expect(hostMatches(p('2001:db8::/33'), '2001:db8:ffff::7')).toBe(false);
  expect(hostMatches(p('fe80::/10'), 'febf::1')).toBe(true);
  expect(hostMatches(p('fe80::/10'), 'fec0::1')).toBe(false);
  expect(hostMatches(p('::ffff:10.1.2.3'), '::ffff:a01:203')).toBe(true);
});

test('not addresses: a usage error, not a selection of nothing', () => {
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.0.0.1', 'example.com', '10.0.0.0/33', '::1/129', '2001:db8::1::2', '', '10.0.0.1/', '[10.0.0.1']) {
    expect(parseHostPattern(bad), bad).toBeNull();
  }
});

test.prop([fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 })])(
  'an IPv6 address matches its own prefixes of every length, in any spelling',
  (groups, bits) => {
    const full = groups.map((g) => g.toString(16).toUpperCase().padStart(4, '0')).join(':');
    const printed = formatIpv6Groups(groups);
    expect(hostMatches(p(`${full}/${bits}`), printed)).toBe(true);
    expect(p(full).text).toBe(printed);
    if (bits > 0) {
      // Flip the last bit inside the prefix: out.
      const i = Math.floor((bits - 1) / 16);
      const other = [...groups];
      other[i] ^= 1 << (15 - ((bits - 1) % 16));
      expect(hostMatches(p(`${full}/${bits}`), formatIpv6Groups(other))).toBe(false);
    }
  },
);

test('an IPv4-mapped IPv6 address prints its last 32 bits dotted (RFC 5952 §5, as Wireshark; was ::ffff:c0a8:64c8)', () => {
  const mapped = [0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x64c8];
  expect(formatIpv6Groups(mapped)).toBe('::ffff:192.168.100.200');
  // Any spelling of it selects it, and the selection names it the same way.
  for (const spelling of ['::ffff:192.168.100.200', '::FFFF:c0a8:64c8', '0:0:0:0:0:ffff:c0a8:64c8', '[::ffff:192.168.100.200]']) {
    expect(p(spelling).text, spelling).toBe('::ffff:192.168.100.200');
    expect(hostMatches(p(spelling), formatIpv6Groups(mapped)), spelling).toBe(true);
  }
  expect(hostMatches(p('::ffff:192.168.100.0/120'), '::ffff:192.168.100.200')).toBe(true);
  expect(hostMatches(p('::ffff:192.168.101.0/120'), '::ffff:192.168.100.200')).toBe(false);
  // Not mapped: hex groups as before.
  expect(formatIpv6Groups([0, 0, 0, 0, 0, 0xfffe, 0xc0a8, 0x64c8])).toBe('::fffe:c0a8:64c8');
  expect(formatIpv6Groups([0, 0, 0, 0, 0, 0, 0, 1])).toBe('::1');
});
