/**
 * Property: every legal interleaving of a two-sided close (each FIN and each ACK of a FIN in any
 * order the wire allows, FINs acking the peer's FIN or crossing it, FINs retransmitted) ends with
 * both endpoints in TIME_WAIT or CLOSED, and no endpoint ever leaves the 11 states (+UNKNOWN).
 */
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { TCP_STATES } from '../../src/tcp/state.js';
import { Scenario, type Side } from '../helpers/scenario.js';

type Op = 'cF' | 'sF' | 'cA' | 'sA';
const ALL: Op[] = ['cF', 'sF', 'cA', 'sA'];

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}
// An ACK of a FIN can only follow that FIN.
const LEGAL = permutations(ALL).filter((p) => p.indexOf('cA') > p.indexOf('sF') && p.indexOf('sA') > p.indexOf('cF'));

const STATES = new Set<string>([...TCP_STATES, 'UNKNOWN']);

describe('two-sided close', () => {
  test.prop([fc.constantFrom(...LEGAL), fc.boolean(), fc.boolean(), fc.constantFrom<'none' | 'c' | 's'>('none', 'c', 's')], { numRuns: 60 })(
    'ends in TIME_WAIT or CLOSED on both sides',
    async (order, cFinAcksPeer, sFinAcksPeer, retransmit) => {
      const s = new Scenario();
      s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(10); s.b.ack();
      const finSent = { c: false, s: false };
      const fin = (side: Side, me: 'c' | 's', acksPeer: boolean) => {
        const peerFin = me === 'c' ? finSent.s : finSent.c;
        side.fin({ ackLess: peerFin && !acksPeer ? 1 : 0 });
        finSent[me] = true;
        if (retransmit === me) side.again();
      };
      for (const op of order) {
        if (op === 'cF') fin(s.a, 'c', cFinAcksPeer);
        else if (op === 'sF') fin(s.b, 's', sFinAcksPeer);
        else if (op === 'cA') s.a.ack();
        else s.b.ack();
      }
      const r = await s.run();
      expect(r.connections).toHaveLength(1);
      const c = r.connections[0];
      expect(['TIME_WAIT', 'CLOSED']).toContain(c.client.finalState);
      expect(['TIME_WAIT', 'CLOSED']).toContain(c.server.finalState);
      for (const row of c.ladder!) {
        expect(STATES.has(row.clientState) && STATES.has(row.serverState)).toBe(true);
      }
      // and at least one side went through TIME_WAIT: somebody closed actively
      expect([c.client.finalState, c.server.finalState]).toContain('TIME_WAIT');
    },
  );
});
