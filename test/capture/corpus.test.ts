/**
 * The tcpdump test corpus (../shared/corpus/tcpdump beside the repository, see its README and MANIFEST.tsv): fuzzer
 * finds and odd captures. Every file must read without throwing, with the record count tcpdump's
 * own tooling (capinfos) reported; the µs pcap files must read identically through pcap-parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunksOf, fromBytes } from '../helpers/pcap-writer.js';
import { collect } from './collect.js';
import { sharedPath } from '../helpers/shared.js';

const DIR = sharedPath('corpus', 'tcpdump');

interface Row {
  file: string;
  format: string;
  packets: number;
  fileLevelIssues: string;
}

function manifest(): Row[] {
  const lines = readFileSync(join(DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = lines[0].split('\t');
  const col = (name: string) => head.indexOf(name);
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    return { file: f[col('file')], format: f[col('format')], packets: Number(f[col('packets')]), fileLevelIssues: f[col('file_level_issues')] };
  });
}

describe('tcpdump corpus', () => {
  const rows = manifest();

  it('the manifest lists every capture in the folder', () => {
    const files = readdirSync(DIR).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).sort();
    expect(rows.map((r) => r.file).sort()).toEqual(files);
    expect(rows.length).toBeGreaterThan(50);
  });

  for (const row of rows) {
    it(`${row.file}: ${row.packets} records (${row.format})`, async () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, row.file)));
      const got = await collect(fromBytes(bytes));
      expect(got.error).toBeNull();
      expect(got.records).toHaveLength(row.packets);
      expect(got.info.format).toBe(row.format.startsWith('pcapng') ? 'pcapng' : 'pcap');
      if (row.format.includes('(ns')) expect(got.info.precisionDigits).toBe(9);
      if (row.format.includes('big-endian')) expect(got.info.byteOrder).toBe('big');
      if (row.fileLevelIssues.includes('caplen>snaplen')) expect(got.info.issues.map((i) => i.code)).toContain('CAPLEN_EXCEEDS_SNAPLEN');
      const small = await collect(chunksOf(bytes, 13));
      expect(small.records).toEqual(got.records);
      expect(small.info.issues).toEqual(got.info.issues);
      if (row.format.startsWith('pcap (us')) {
        const viaPcapParser = await collect(fromBytes(bytes), { pcapReader: 'pcap-parser' });
        expect(viaPcapParser.error).toBeNull();
        expect(viaPcapParser.records).toEqual(got.records);
        expect(viaPcapParser.info).toEqual(got.info);
      }
    });
  }
});
