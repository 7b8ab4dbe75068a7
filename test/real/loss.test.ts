/**
 * Real Linux loss recovery at the handshake and the close (fixtures/real/loss, recorded by
 * scripts/record-real/loss/ in network namespaces, an nft rule dropping one chosen segment after
 * the capture point; helper-107 audit). Each capture comes with `ss -tanoi` of both namespaces
 * at moments the applications chose (`NAME.LABEL.ss.txt`, stamped on the capture's clock): our
 * state for each endpoint at that moment must be the kernel's. The drops themselves are in
 * `NAME.nft.txt` (the rule's counter) and the README's table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { ConnectionReport } from '../../src/report/model.js';
import { fromBytes } from '../helpers/pcap-writer.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/real/loss');

/** ss's state names in ours; a socket ss does not list is CLOSED. */
const SS_STATES: Record<string, string> = {
  'SYN-SENT': 'SYN_SENT', 'SYN-RECV': 'SYN_RECEIVED', ESTAB: 'ESTABLISHED', 'FIN-WAIT-1': 'FIN_WAIT_1',
  'FIN-WAIT-2': 'FIN_WAIT_2', 'CLOSE-WAIT': 'CLOSE_WAIT', CLOSING: 'CLOSING', 'LAST-ACK': 'LAST_ACK', 'TIME-WAIT': 'TIME_WAIT',
};

interface Snapshot { label: string; atSec: number; client: string; server: string }

/** The kernel's states of the connection's two sockets at each snapshot of `name`. */
function snapshots(name: string, c: ConnectionReport): Snapshot[] {
  const out: Snapshot[] = [];
  for (const file of fs.readdirSync(DIR).filter((f) => f.startsWith(`${name}.`) && f.endsWith('.ss.txt')).sort()) {
    const label = file.slice(name.length + 1, -'.ss.txt'.length);
    const snap: Snapshot = { label, atSec: 0, client: 'CLOSED', server: 'CLOSED' };
    let who: 'client' | 'server' | null = null;
    for (const line of fs.readFileSync(path.join(DIR, file), 'utf8').split('\n')) {
      const head = /^# ([\d.]+) ss in \S+ \((client|server)\)/.exec(line);
      if (head) { snap.atSec = Math.max(snap.atSec, Number(head[1])); who = head[2] as 'client' | 'server'; continue; }
      const w = line.trim().split(/\s+/);
      if (who === null || !(w[0] in SS_STATES)) continue;
      const me = who === 'client' ? c.client : c.server;
      const peer = who === 'client' ? c.server : c.client;
      if (w[3] === `${me.ip}:${me.port}` && w[4] === `${peer.ip}:${peer.port}`) snap[who] = SS_STATES[w[0]];
    }
    out.push(snap);
  }
  return out;
}

/** An ISO time in Unix seconds to the µs (Date.parse keeps ms: rst-drop-vis's snapshot is 195 µs before the RST that closed the server). */
function isoSeconds(iso: string): number {
  const m = /^(.*?)(\.\d+)?Z$/.exec(iso)!;
  return Date.parse(`${m[1]}Z`) / 1000 + Number(m[2] ?? 0);
}

/** Our state of `role` at `atSec` (Unix seconds): the last transition at or before it. */
function stateAt(c: ConnectionReport, role: 'client' | 'server', atSec: number): string {
  let state = c[role].transitions[0]?.from ?? c[role].finalState;
  for (const t of c[role].transitions) if (isoSeconds(t.time) <= atSec) state = t.to;
  return state;
}

async function analyzed(name: string): Promise<ConnectionReport> {
  const bytes = fs.readFileSync(path.join(DIR, `${name}.pcap`));
  const r = await analyze([{ name: `${name}.pcap`, bytes: fromBytes(new Uint8Array(bytes)) }], { ladder: true });
  expect(r.connections).toHaveLength(1);
  return r.connections[0];
}

const arcs = (c: ConnectionReport, role: 'client' | 'server'): string[] => c[role].transitions.map((t) => `${t.frame} ${t.to}`);

describe('real Linux loss recovery: our states at each ss snapshot are the kernel\'s (helper-107 audit)', () => {
  for (const name of ['ack3-drop-vis-srvfirst', 'lastack-drop-vis', 'halfclose-loss-vis', 'rst-drop-vis']) {
    test(name, async () => {
      const c = await analyzed(name);
      const snaps = snapshots(name, c);
      expect(snaps.length).toBeGreaterThan(0);
      for (const s of snaps) {
        expect([s.label, stateAt(c, 'client', s.atSec), stateAt(c, 'server', s.atSec)]).toEqual([s.label, s.client, s.server]);
      }
    });
  }

  test('the handshake ACK dropped at the server (frame 3): ESTABLISHED at the ACK of its SYN,ACK resent 1 s later (frame 5)', async () => {
    const c = await analyzed('ack3-drop-vis-srvfirst');
    expect(arcs(c, 'server').slice(0, 3)).toEqual(['2 LISTEN', '2 SYN_RECEIVED', '5 ESTABLISHED']);
    expect(c.handshake).toMatchObject({ ackFrame: 5, duration: 1.000661, synAckCount: 2 });
  });

  test('the last ACK dropped at the server (frame 11): LAST_ACK until the ACK of its resent FIN (frame 13), no wrong state', async () => {
    const c = await analyzed('lastack-drop-vis');
    expect(arcs(c, 'server').slice(-2)).toEqual(['10 LAST_ACK', '13 CLOSED']);
    expect(c.anomalies.map((a) => a.code)).toEqual(['FIN_RETRANSMIT']);
    expect(c.close.duration).toBe(0.411232);
  });

  test('the server\'s segments dropped at the client for 0.6 s after its FIN: FIN_WAIT_1 until the first ACK of it after its last resend (frame 30)', async () => {
    const c = await analyzed('halfclose-loss-vis');
    expect(arcs(c, 'client').slice(2)).toEqual(['16 FIN_WAIT_1', '30 FIN_WAIT_2', '33 TIME_WAIT']);
    expect(c.close.finWait2.client).toBe(0.63995);
  });

  test('the client\'s abort dropped at the server (frame 8): ESTABLISHED until the RST answering its write 1 s later (frame 10)', async () => {
    const c = await analyzed('rst-drop-vis');
    expect(arcs(c, 'server').slice(-1)).toEqual(['10 CLOSED']);
    expect(arcs(c, 'client').slice(-1)).toEqual(['8 CLOSED']);
    expect(c.close).toMatchObject({ kind: 'reset', initiator: 'client', resetBy: 'client' });
    expect(c.anomalies.map((a) => a.code)).toEqual(['RESET', 'DATA_AFTER_RESET']);
  });
});
