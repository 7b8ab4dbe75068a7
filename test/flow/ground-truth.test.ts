/**
 * Agreement with gen-capture's ground truth (../shared/bench/gen-capture --truth): every flow's
 * final client/server states, payload bytes per direction and retransmission count. The truth was
 * checked by its author against a passive RFC 793 machine over tshark's fields.
 * GT_FLOWS=9000 runs the larger capture by hand.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { ConnectionReport } from '../../src/report/model.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { sharedPath } from '../helpers/shared.js';

const GEN = join(sharedPath('bench'), 'gen-capture');
const FLOWS = Number(process.env.GT_FLOWS ?? 600);

interface TruthFlow {
  id: number;
  shape: string;
  client: { addr: string; port: number };
  server: { addr: string; port: number };
  closer: string | null;
  payload_bytes: { c2s: number; s2c: number };
  retransmits: number;
  expected: { client: string; server: string };
}

const dir = mkdtempSync(join(tmpdir(), 'tcpflow-gt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`gen-capture ground truth (${FLOWS} flows)`, () => {
  test('every flow: final states, bytes per direction, retransmissions, roles, one connection per flow', async () => {
    const pcap = join(dir, 'g.pcap');
    const truthFile = join(dir, 'truth.json');
    execFileSync(process.execPath, [GEN, '--flows', String(FLOWS), '--seed', 'gt', '--truth', truthFile, '--out', pcap], { stdio: 'ignore' });
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { flows: TruthFlow[] };
    const report = await analyze([{ name: 'g.pcap', bytes: fromBytes(readFileSync(pcap)) }]);
    const byTuple = new Map<string, ConnectionReport[]>();
    for (const c of report.connections) {
      const k = `${c.client.ip}|${c.client.port}|${c.server.ip}|${c.server.port}`;
      byTuple.set(k, [...(byTuple.get(k) ?? []), c]);
    }
    const mismatches: string[] = [];
    let stateOk = 0;
    let bytesOk = 0;
    let retxOk = 0;
    for (const f of truth.flows) {
      const cs = byTuple.get(`${f.client.addr}|${f.client.port}|${f.server.addr}|${f.server.port}`) ?? [];
      if (cs.length !== 1) { mismatches.push(`flow ${f.id} ${f.shape}: ${cs.length} connections`); continue; }
      const c = cs[0];
      if (c.client.finalState === f.expected.client && c.server.finalState === f.expected.server) stateOk++;
      else mismatches.push(`flow ${f.id} ${f.shape}: states ${c.client.finalState}/${c.server.finalState}, expected ${f.expected.client}/${f.expected.server}`);
      if (c.bytes.client === f.payload_bytes.c2s && c.bytes.server === f.payload_bytes.s2c) bytesOk++;
      else mismatches.push(`flow ${f.id} ${f.shape}: bytes ${c.bytes.client}/${c.bytes.server}, expected ${f.payload_bytes.c2s}/${f.payload_bytes.s2c}`);
      // gen-capture counts resent segments: SYN retries plus retransmitted payload segments.
      const retx = Math.max(0, c.handshake.synCount - 1) + Math.max(0, c.handshake.synAckCount - 1)
        + c.data.client.retransmittedPackets + c.data.server.retransmittedPackets;
      if (retx === f.retransmits) retxOk++;
      else mismatches.push(`flow ${f.id} ${f.shape}: retransmits ${retx}, expected ${f.retransmits}`);
    }
    const n = truth.flows.length;
    console.log(`ground truth: ${n} flows; states ${stateOk}/${n}, bytes ${bytesOk}/${n}, retransmits ${retxOk}/${n}; connections ${report.connections.length}`);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(report.connections.length).toBe(n);
    // No false alarms on clean synthetic traffic.
    expect(report.summary.anomalies.CAPTURE_LOSS ?? 0).toBe(0);
    expect(report.summary.anomalies.OUT_OF_WINDOW_RST ?? 0).toBe(0);
    expect(report.summary.anomalies.BAD_HANDSHAKE_ACK ?? 0).toBe(0);
    expect(report.summary.anomalies.SEGMENT_IN_WRONG_STATE ?? 0).toBe(0);
  });
});
