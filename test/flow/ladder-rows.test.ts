/**
 * The columnar ladder store (src/flow/ladder-rows.ts) against the plain model it replaced: an
 * array of LadderStep objects built as Connection.row() built them, rewritten in place as
 * Connection rewrote them (states taken back, ACKs renumbered, marks added and taken back), under
 * random sequences that grow the store, clear it for a recycled connection and cross inputs.
 */
import { describe, expect, test } from 'vitest';
import type { LadderStep } from '../../src/flow/connection.js';
import { flagsText } from '../../src/decode/fields.js';
import { LadderRows } from '../../src/flow/ladder-rows.js';
import { ENDPOINT_STATES, type EndpointState } from '../../src/tcp/state.js';
import { rng } from '../helpers/rng.js';

const STATES: readonly EndpointState[] = ENDPOINT_STATES;
const INPUTS = ['a.pcap', 'b.pcap', 'c.pcapng'];

/** The flags text as Connection built it before the store (one part per bit, in Wireshark's order). */
function flagsModel(flags: number): string {
  const names: Array<[number, string]> = [[0x002, 'SYN'], [0x001, 'FIN'], [0x004, 'RST'], [0x008, 'PSH'], [0x010, 'ACK'],
    [0x020, 'URG'], [0x040, 'ECE'], [0x080, 'CWR'], [0x100, 'AE']];
  const parts = names.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return parts.length ? parts.join(',') : 'none';
}

describe('flagsText', () => {
  test('every combination of the nine flags, and bits past them ignored', () => {
    for (let f = 0; f < 0x200; f++) {
      expect(flagsText(f)).toBe(flagsModel(f));
      expect(flagsText(f | 0xe00)).toBe(flagsModel(f));
    }
    expect(flagsText(0x012)).toBe('SYN,ACK');
    expect(flagsText(0)).toBe('none');
  });
});

describe('LadderRows room', () => {
  test('a recycled store keeps no more room than a new one (helper-92 review: 48 KB kept by each spare)', () => {
    const rows = new LadderRows();
    const first = rows.room;
    for (const n of [3, 600, 1024, 5000]) {
      for (let i = 0; i < n; i++) rows.push(i + 1, 'a.pcap', i, true, 0x10, i, i, 0, 'ESTABLISHED', 'ESTABLISHED', null);
      expect(rows.room).toBeGreaterThanOrEqual(n);
      rows.clear();
      expect(rows.room, `after ${n} rows`).toBe(first);
      expect(rows.length).toBe(0);
      expect(rows.toSteps('a.pcap')).toEqual([]);
    }
  });
});

describe('LadderRows against an array of LadderStep objects', () => {
  for (let seed = 1; seed <= 40; seed++) {
    test(`seed ${seed}`, () => {
      const r = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
      const rows = new LadderRows();
      let model: LadderStep[] = [];
      let first = pick(INPUTS);
      let input = first;
      let frame = 1;
      const ops = 50 + Math.floor(r() * 1500);
      for (let k = 0; k < ops; k++) {
        const op = r();
        if (op < 0.7 || model.length === 0) {
          if (r() < 0.05) input = pick(INPUTS);
          frame += 1 + Math.floor(r() * 3);
          const fromClient = r() < 0.5;
          const flags = Math.floor(r() * 0x200);
          const seq = r() < 0.5 ? Math.floor(r() * 4294967296) : Math.floor(r() * 5000);
          const ack = r() < 0.2 ? -1 : Math.floor(r() * 4294967296);
          const len = r() < 0.5 ? 0 : Math.floor(r() * 65536);
          // Capture nanoseconds past 2^31 and 2^32 (doubles), and 0.
          const tNanos = r() < 0.1 ? 0 : Math.floor(r() * 3e15);
          const cs = pick(STATES);
          const ss = pick(STATES);
          const codes = r() < 0.3 ? ['KEEP_ALIVE', 'CAPTURE_LOSS'].slice(0, 1 + Math.floor(r() * 2)) : r() < 0.5 ? [] : null;
          rows.push(frame, input, tNanos, fromClient, flags, seq, ack, len, cs, ss, codes === null ? null : [...codes]);
          model.push({
            frame, ...(input !== first ? { input } : {}), tNanos, from: fromClient ? 'client' : 'server', flags: flagsModel(flags), seq,
            ack: ack < 0 ? null : ack, len, clientState: cs, serverState: ss, anomalies: codes ?? [],
          });
        } else if (op < 0.8) {
          // takeBackLastArc: the rows since an arc show the state before it.
          const client = r() < 0.5;
          const column = client ? 'clientState' : 'serverState';
          const to = model[model.length - 1][column];
          const back = pick(STATES);
          for (let i = model.length - 1; i >= 0 && rows.state(i, client) === to; i--) {
            expect(model[i][column]).toBe(to);
            rows.setState(i, client, back);
            model[i][column] = back;
          }
        } else if (op < 0.87) {
          // peerAfterInferredSynAck: states and ACKs renumbered from a row on.
          const from = Math.floor(r() * model.length);
          const openerIsClient = r() < 0.5;
          const os = pick(STATES);
          const ps = pick(STATES);
          const shift = Math.floor(r() * 4294967296) - 2147483648;
          for (let i = from; i < model.length; i++) {
            rows.setState(i, openerIsClient, os);
            rows.setState(i, !openerIsClient, ps);
            model[i][openerIsClient ? 'clientState' : 'serverState'] = os;
            model[i][openerIsClient ? 'serverState' : 'clientState'] = ps;
            const ack = rows.ack(i);
            expect(ack).toBe(model[i].ack);
            expect(rows.fromClient(i)).toBe(model[i].from === 'client');
            if (rows.fromClient(i) === openerIsClient && ack !== null) {
              const v = ((ack + shift) | 0) >>> 0;
              rows.setAck(i, v);
              model[i].ack = v;
            }
          }
        } else if (op < 0.93) {
          // unmatchedAckWas: a mark added to an earlier row, found by its frame.
          const i = Math.floor(r() * model.length);
          expect(rows.frame(i)).toBe(model[i].frame);
          rows.addCode(i, 'SYN_CHALLENGE_ACK');
          model[i].anomalies.push('SYN_CHALLENGE_ACK');
        } else if (op < 0.99) {
          // synAckSeen: a mark taken back.
          const i = Math.floor(r() * model.length);
          expect(rows.codesOf(i) ?? []).toEqual(model[i].anomalies);
          rows.removeCode(i, 'CAPTURE_LOSS');
          const m = model[i].anomalies.indexOf('CAPTURE_LOSS');
          if (m >= 0) model[i].anomalies.splice(m, 1);
        } else {
          // Recycled: the next connection starts from nothing, maybe in another input.
          expect(rows.toSteps(first)).toEqual(model);
          rows.clear();
          model = [];
          first = input = pick(INPUTS);
        }
        expect(rows.length).toBe(model.length);
      }
      const steps = rows.toSteps(first);
      expect(steps).toEqual(model);
      // Key for key, in the order the report's rows take them (ConnectionReport.ladder, -f json).
      for (let i = 0; i < steps.length; i++) expect(Object.keys(steps[i])).toEqual(Object.keys(model[i]));
    });
  }
});
