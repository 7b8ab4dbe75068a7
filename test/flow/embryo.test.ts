/**
 * A tuple whose only segments are bare SYNs is held as an embryo (flow/tracker.ts) and replayed
 * into a Connection when anything else arrives. The replay must be invisible: with ladder rows on
 * for every connection no embryo is ever made, so that run is the reference for the default one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { ConnectionReport, RunReport } from '../../src/report/model.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { sharedPath } from '../helpers/shared.js';

const strip = (r: RunReport): Omit<ConnectionReport, 'ladder'>[] => r.connections.map(({ ladder: _l, ...rest }) => rest);

async function expectSameWithAndWithoutEmbryos(bytes: Uint8Array, name: string): Promise<RunReport> {
  const lean = await analyze([{ name, bytes: fromBytes(bytes) }]);
  const full = await analyze([{ name, bytes: fromBytes(bytes) }], { ladder: true });
  expect(strip(lean)).toEqual(strip(full));
  expect(lean.summary).toEqual(full.summary);
  return lean;
}

const dir = mkdtempSync(join(tmpdir(), 'tcpflow-embryo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embryonic connections are replayed exactly', () => {
  test('SYNs carrying TSvals above 2^31, repeated, duplicated within 1 ms, changed between tries', async () => {
    const s = new Scenario();
    const { a, b } = s;
    const ts = (v: number) => ({ mss: 1460, wscale: 7, sackPermitted: true, timestamps: [v, 0] as [number, number] });
    a.syn({ options: ts(0xf0000000) });
    a.again(); // the same packet 100 µs later: a duplicate, not a retransmission
    s.wait(1000);
    a.syn({ options: ts(0xf0000400) });
    s.wait(2000);
    a.syn({ options: ts(0xf0000c00), window: 1024 }); // a new window on the third try
    s.wait(4000);
    a.syn({ options: ts(0xf0000a00) }); // TSval back
    b.synAck({ options: ts(0x10) });
    a.ack({ options: { timestamps: [0xf0001c00, 0x10] } });
    a.fin({ options: { timestamps: [0xf0001c01, 0x10] } });
    b.ack();
    b.fin();
    a.ack();
    const r = await expectSameWithAndWithoutEmbryos(s.pcap(), 'syn-tries.pcap');
    const codes = r.connections[0].anomalies.map((x) => `${x.code}:${x.details.count}`).sort();
    expect(codes).toEqual(['DUPLICATE_PACKETS:1', 'SYN_RETRANSMIT:3', 'TIMESTAMP_BACKWARDS:1']);
  });

  test('SYN tries that go on into the next input: lastInput and lastFrame are the last try\'s, as without an embryo', async () => {
    const s = new Scenario();
    for (let i = 0; i < 4; i++) {
      s.a.syn();
      s.wait(1000 * 2 ** i);
    }
    const bytes = s.pcap();
    // Cut after the second SYN: records are 16 bytes of header and their captured length.
    let p = 24;
    for (let i = 0; i < 2; i++) p += 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(p + 8, true);
    const second = new Uint8Array([...bytes.subarray(0, 24), ...bytes.subarray(p)]);
    const inputs = () => [{ name: 'one.pcap', bytes: fromBytes(bytes.subarray(0, p)) }, { name: 'two.pcap', bytes: fromBytes(second) }];
    const lean = await analyze(inputs());
    const full = await analyze(inputs(), { ladder: true });
    expect(strip(lean)).toEqual(strip(full));
    const c = lean.connections[0];
    expect([lean.connections.length, c.input, c.firstFrame, c.lastFrame, c.lastInput]).toEqual([1, 'one.pcap', 1, 2, 'two.pcap']);
  });

  test('more tries than an embryo keeps: promoted on the 18th, backoff list capped', async () => {
    const s = new Scenario();
    for (let i = 0; i < 20; i++) {
      s.a.syn({ options: { timestamps: [0x80000000 + i, 0] } });
      s.wait(1000);
    }
    const r = await expectSameWithAndWithoutEmbryos(s.pcap(), 'many-tries.pcap');
    expect(r.connections).toHaveLength(1);
    expect(r.connections[0].handshake.synCount).toBe(20);
    expect(r.connections[0].anomalies.map((x) => x.code).sort()).toEqual(['HALF_OPEN', 'SYN_RETRANSMIT']);
  });

  test('gen-capture flows: the same reports, and no TIMESTAMP_BACKWARDS (TSvals only grow there)', async () => {
    const pcap = join(dir, 'g.pcap');
    execFileSync(process.execPath, [join(sharedPath('bench'), 'gen-capture'), '--flows', '1500', '--seed', 'embryo', '--out', pcap], { stdio: 'ignore' });
    const r = await expectSameWithAndWithoutEmbryos(readFileSync(pcap), 'g.pcap');
    expect(r.connections.length).toBe(1500);
    expect(r.summary.anomalies.TIMESTAMP_BACKWARDS ?? 0).toBe(0);
  });

  test('every capture of the Zeek and tcpdump corpora', async () => {
    let checked = 0;
    for (const sub of [['zeek', 'traces'], ['tcpdump']]) {
      const root = sharedPath('corpus', ...sub);
      for (const f of readdirSync(root).filter((n) => /\.(pcap|pcapng|cap)$/.test(n))) {
        await expectSameWithAndWithoutEmbryos(readFileSync(join(root, f)), f);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
