/**
 * Real captures: every file of the shared tcpdump robustness corpus (mostly fuzzer finds) and the
 * Zeek corpus goes through decodePacket. Nothing may throw, and the number of decoded TCP segments
 * per tcpdump file must match tshark's count (MANIFEST.tsv, tcp_packets_tshark) except where we
 * decide differently on purpose, listed in DIFFERENCES with the reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { decodePacket } from '../../src/decode/packet.js';
import { newPacketFields, type DecodeStatus } from '../../src/decode/fields.js';
import { walkCapture } from './capture-walk.js';
import { sharedPath } from '../helpers/shared.js';

const TCPDUMP = sharedPath('corpus', 'tcpdump');
const ZEEK = sharedPath('corpus', 'zeek', 'traces');

/** Files where our 'OK' count differs from tshark's, and why. */
const DIFFERENCES: Record<string, { ours: number; why: string }> = {
  // IPv4 flags 0xe000: MF set at offset 0. We skip every fragment (IP_FRAGMENT); tshark, with IP
  // reassembly off by default, dissects a first fragment's TCP header anyway.
  'bgp-bgp_capabilities_print-oobr-1.pcap': { ours: 0, why: 'first fragment (MF) skipped as IP_FRAGMENT' },
  'bgp_pmsi_tunnel-oobr.pcap': { ours: 0, why: 'first fragment (MF) skipped as IP_FRAGMENT' },
  'rpki-rtr-oobr.pcap': { ours: 0, why: 'first fragment (MF) skipped as IP_FRAGMENT' },
  // IPv6 payload length 0 with no jumbo option (Linux BIG TCP): we use the captured length, tshark
  // calls the whole payload a trailer and shows no TCP.
  'bigtcp-ipv6.pcap': { ours: 1, why: 'payload length 0 -> captured length (ipLengthFromCapture)' },
  // The TCP header itself is cut by the end of the record: tshark lists a malformed tcp layer, we
  // return TCP_TRUNCATED_HEADER (the fixed header is what state tracking needs).
  'tcp_header_heapoverflow.pcap': { ours: 0, why: 'TCP_TRUNCATED_HEADER' },
};

interface Result { records: number; ok: number; statuses: Partial<Record<DecodeStatus, number>>; maxVlan: number }

function run(path: string, verify: boolean): Result {
  const out = newPacketFields();
  const r: Result = { records: 0, ok: 0, statuses: {}, maxVlan: 0 };
  r.records = walkCapture(readFileSync(path), (rec) => {
    const s = decodePacket(rec, out, verify);
    r.statuses[s] = (r.statuses[s] ?? 0) + 1;
    if (s === 'OK') r.ok++;
    if (out.vlanTags > r.maxVlan) r.maxVlan = out.vlanTags;
  });
  return r;
}

const manifest = readFileSync(join(TCPDUMP, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));

describe.skipIf(manifest.length === 0)('tcpdump robustness corpus', () => {
  test.each(manifest.map((c) => [c[0], Number(c[4]), Number(c[6])] as const))('%s', (file, packets, tsharkTcp) => {
    for (const verify of [false, true]) {
      const r = run(join(TCPDUMP, file), verify);
      expect(r.records).toBe(packets);
      const expected = DIFFERENCES[file]?.ours ?? tsharkTcp;
      expect({ file, ok: r.ok }).toEqual({ file, ok: expected });
    }
  });

  test('DIFFERENCES really differ from tshark (no stale entries)', () => {
    for (const [file, d] of Object.entries(DIFFERENCES)) {
      const row = manifest.find((c) => c[0] === file);
      expect(row, file).toBeDefined();
      expect(Number(row?.[6]), file).not.toBe(d.ours);
    }
  });

  test('malformed headers get the specific status', () => {
    const only = (file: string) => run(join(TCPDUMP, file), false).statuses;
    expect(only('ipv4_invalid_hdr_length.pcap')).toEqual({ IPV4_BAD_IHL: 1 });
    expect(only('ipv4_invalid_total_length_2.pcap')).toEqual({ IPV4_BAD_TOTAL_LENGTH: 1 });
    expect(only('ipv6_39_byte_header.pcap')).toEqual({ IPV6_TRUNCATED_HEADER: 1 });
    expect(only('ip6_frag_asan.pcap')).toEqual({ IPV6_TRUNCATED_EXTENSION: 1 });
    expect(only('LINKTYPE_IPV4_invalid.pcap')).toEqual({ IPV4_BAD_VERSION: 1 });
    expect(only('LINKTYPE_IPV6_invalid.pcap')).toEqual({ IPV6_BAD_VERSION: 1 });
    expect(only('tcp_header_heapoverflow.pcap')).toEqual({ TCP_TRUNCATED_HEADER: 1 });
  });
});

const zeekFiles = readdirSync(ZEEK).filter((f) => /\.pcap(ng)?$/.test(f));

describe('Zeek corpus', () => {
  const SKIPS = new Set(['OK', 'NON_IP', 'NON_TCP', 'IP_FRAGMENT', 'UNSUPPORTED_LINK_TYPE']);

  test.each(zeekFiles)('%s: decodes without errors', (file) => {
    const r = run(join(ZEEK, file), true);
    expect(r.records).toBeGreaterThan(0);
    expect(Object.keys(r.statuses).filter((s) => !SKIPS.has(s))).toEqual([]);
  });

  test('pppoe-over-qinq: every record is TCP behind two tags and PPPoE', () => {
    const r = run(join(ZEEK, 'pppoe-over-qinq.pcap'), false);
    expect([r.statuses, r.maxVlan]).toEqual([{ OK: r.records }, 2]);
  });

  test('pppoe-over-qinq: six ACKs whose IPv4 length claims 6 bytes past PPPoE\'s carry no data, as tshark reads them (tcp.len 0)', async () => {
    // They were 6-byte segments, and the server's next ones their retransmissions: 19 resent
    // packets against tshark's 13 (frames 13 15 16 25 39 52 55 66 73 83-86).
    const report = await analyze([{ name: 'pppoe', bytes: fromBytes(readFileSync(join(ZEEK, 'pppoe-over-qinq.pcap'))) }]);
    const c = report.connections[0];
    expect([c.data.client.retransmittedPackets, c.data.server.retransmittedPackets]).toEqual([12, 13]);
    expect(c.packets).toEqual({ client: 44, server: 42 });
  });
});
