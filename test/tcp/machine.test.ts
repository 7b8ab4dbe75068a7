/**
 * tcp/machine.ts against RFC 9293 Figure 5, one describe per state (smoltcp's "Tests for the
 * FIN-WAIT-1 state"). Each case feeds one event to an endpoint built in a given state and compares
 * the whole endpoint afterwards: its state and the transitions appended (sanity! in smoltcp).
 */
import { describe, expect, test } from 'vitest';
import { ARC, FIGURE5_ARCS, RCV, SND, expireTimeWait, isRstAcceptable, newTcpEvent, step, type MachineEndpoint, type TcpEvent } from '../../src/tcp/machine.js';
import { TCP_STATES, type EndpointState } from '../../src/tcp/state.js';
import { SCENARIOS } from '../scenarios/catalog.js';

function endpointIn(state: EndpointState, history: Array<[EndpointState, EndpointState]> = []): MachineEndpoint {
  return {
    state,
    transitions: history.map(([from, to]) => ({ from, to: to as never, arc: 'setup', frameNo: 0, input: 'a.pcap', tNanos: 0, evidence: 'observed' as const })),
  };
}

type Ev = Partial<Omit<TcpEvent, 'dir'>>;
const snd = (e: Ev = {}): TcpEvent => ({ ...newTcpEvent(SND), frameNo: 7, input: 'b.pcap', tNanos: 1000, ...e });
const rcv = (e: Ev = {}): TcpEvent => ({ ...newTcpEvent(RCV), frameNo: 7, input: 'b.pcap', tNanos: 1000, ...e });

/** Feed `ev` to an endpoint in `from`; expect `allowed` and the arcs taken (to, arc, evidence). */
function expectStep(from: EndpointState, ev: TcpEvent, allowed: boolean, arcs: Array<[string, string, ('observed' | 'inferred')?]>, history: Array<[EndpointState, EndpointState]> = []) {
  const ep = endpointIn(from, history);
  const n = ep.transitions.length;
  expect(step(ep, ev)).toBe(allowed);
  const added = ep.transitions.slice(n);
  expect(added.map((t) => [t.to, t.arc, t.evidence])).toEqual(arcs.map(([to, arc, ev2]) => [to, arc, ev2 ?? 'observed']));
  // the chain is continuous and ends in the endpoint's state
  let cur: EndpointState = from;
  for (const t of added) { expect(t.from).toBe(cur); expect(t).toMatchObject({ frameNo: 7, input: 'b.pcap', tNanos: 1000 }); cur = t.to; }
  expect(ep.state).toBe(cur);
}

const RST_OK = { rst: true, rstAcceptable: true };

describe('CLOSED', () => {
  test('snd SYN: active OPEN', () => expectStep('CLOSED', snd({ syn: true }), true, [['SYN_SENT', ARC.ACTIVE_OPEN]]));
  test('snd SYN,ACK: LISTEN inferred, then rcv SYN / snd SYN,ACK', () =>
    expectStep('CLOSED', snd({ syn: true, ack: true }), true, [['LISTEN', ARC.PASSIVE_OPEN, 'inferred'], ['SYN_RECEIVED', ARC.RCV_SYN]]));
  test('rcv SYN: stays (a listener is silent until it answers)', () => expectStep('CLOSED', rcv({ syn: true }), true, []));
  test('snd data or FIN: not allowed', () => {
    expectStep('CLOSED', snd({ ack: true, len: 10 }), false, []);
    expectStep('CLOSED', snd({ ack: true, fin: true }), false, []);
  });
  test('RST either way: no arc (§3.10.7.1)', () => {
    expectStep('CLOSED', snd(RST_OK), true, []);
    expectStep('CLOSED', rcv(RST_OK), true, []);
  });
});

describe('LISTEN', () => {
  test('snd SYN,ACK: rcv SYN / snd SYN,ACK', () => expectStep('LISTEN', snd({ syn: true, ack: true }), true, [['SYN_RECEIVED', ARC.RCV_SYN]]));
  test('snd SYN: SEND / snd SYN', () => expectStep('LISTEN', snd({ syn: true }), true, [['SYN_SENT', ARC.SEND_SYN]]));
  test('rcv RST: discarded', () => expectStep('LISTEN', rcv(RST_OK), true, []));
});

describe('SYN_SENT', () => {
  test('rcv SYN,ACK acking our SYN: ESTABLISHED', () =>
    expectStep('SYN_SENT', rcv({ syn: true, ack: true, acksOurSyn: true }), true, [['ESTABLISHED', ARC.RCV_SYN_ACK]]));
  test('rcv SYN,ACK with a wrong ACK: not allowed, no move', () => expectStep('SYN_SENT', rcv({ syn: true, ack: true }), false, []));
  test('rcv bare SYN: simultaneous open', () => expectStep('SYN_SENT', rcv({ syn: true }), true, [['SYN_RECEIVED', ARC.RCV_SYN]]));
  test('snd SYN again: retransmission, no move', () => expectStep('SYN_SENT', snd({ syn: true }), true, []));
  test('rcv acceptable RST: refused (Note 3)', () => expectStep('SYN_SENT', rcv({ ...RST_OK, ack: true }), true, [['CLOSED', ARC.NOTE3_RCV_RST]]));
  test('rcv unacceptable RST: nobody moves', () => expectStep('SYN_SENT', rcv({ rst: true }), false, []));
  test('snd RST: no move (§3.10.7.3: it answers a bad ACK and waits; ABORT in SYN-SENT sends none)', () => expectStep('SYN_SENT', snd(RST_OK), true, []));
  test('rcv data without SYN: not allowed', () => expectStep('SYN_SENT', rcv({ ack: true, len: 5 }), false, []));
});

describe('SYN_RECEIVED', () => {
  test('rcv ACK of SYN: ESTABLISHED', () => expectStep('SYN_RECEIVED', rcv({ ack: true, acksOurSyn: true }), true, [['ESTABLISHED', ARC.RCV_ACK_OF_SYN]]));
  test('rcv ACK of SYN with FIN: ESTABLISHED then CLOSE_WAIT (§3.10.7.4: ACK, then FIN)', () =>
    expectStep('SYN_RECEIVED', rcv({ ack: true, acksOurSyn: true, fin: true }), true, [['ESTABLISHED', ARC.RCV_ACK_OF_SYN], ['CLOSE_WAIT', ARC.RCV_FIN]]));
  test('snd FIN: CLOSE / snd FIN', () => expectStep('SYN_RECEIVED', snd({ ack: true, fin: true }), true, [['FIN_WAIT_1', ARC.CLOSE_SND_FIN]]));
  test('rcv ACK not covering our SYN: not allowed', () => expectStep('SYN_RECEIVED', rcv({ ack: true }), false, []));
  test('rcv RST after a passive OPEN: back to LISTEN (Note 1)', () =>
    expectStep('SYN_RECEIVED', rcv(RST_OK), true, [['LISTEN', ARC.RCV_RST_NOTE1]], [['CLOSED', 'LISTEN'], ['LISTEN', 'SYN_RECEIVED']]));
  test('rcv RST after a simultaneous open: CLOSED (Note 1 does not apply)', () =>
    expectStep('SYN_RECEIVED', rcv(RST_OK), true, [['CLOSED', ARC.NOTE3_RCV_RST]], [['CLOSED', 'SYN_SENT'], ['SYN_SENT', 'SYN_RECEIVED']]));
  test('retransmitted SYN,ACK / SYN: no move', () => {
    expectStep('SYN_RECEIVED', snd({ syn: true, ack: true }), true, []);
    expectStep('SYN_RECEIVED', rcv({ syn: true }), true, []);
  });
});

describe('ESTABLISHED', () => {
  test('snd FIN: FIN_WAIT_1', () => expectStep('ESTABLISHED', snd({ fin: true, ack: true }), true, [['FIN_WAIT_1', ARC.CLOSE_SND_FIN]]));
  test('rcv FIN: CLOSE_WAIT', () => expectStep('ESTABLISHED', rcv({ fin: true, ack: true }), true, [['CLOSE_WAIT', ARC.RCV_FIN]]));
  test('data both ways and late SYN,ACK copies: no move', () => {
    expectStep('ESTABLISHED', snd({ ack: true, len: 100 }), true, []);
    expectStep('ESTABLISHED', rcv({ ack: true, len: 100 }), true, []);
    expectStep('ESTABLISHED', rcv({ syn: true, ack: true }), true, []);
  });
  test('RST either way: CLOSED (Note 3)', () => {
    expectStep('ESTABLISHED', snd(RST_OK), true, [['CLOSED', ARC.NOTE3_SND_RST]]);
    expectStep('ESTABLISHED', rcv(RST_OK), true, [['CLOSED', ARC.NOTE3_RCV_RST]]);
  });
  test('out-of-window RST: no move', () => expectStep('ESTABLISHED', rcv({ rst: true }), false, []));
});

describe('FIN_WAIT_1', () => {
  test('rcv FIN with ACK of our FIN: TIME_WAIT (Note 2)', () =>
    expectStep('FIN_WAIT_1', rcv({ fin: true, ack: true, acksOurFin: true }), true, [['TIME_WAIT', ARC.NOTE2]]));
  test('rcv FIN alone: CLOSING', () => expectStep('FIN_WAIT_1', rcv({ fin: true, ack: true }), true, [['CLOSING', ARC.RCV_FIN]]));
  test('rcv ACK of FIN: FIN_WAIT_2', () => expectStep('FIN_WAIT_1', rcv({ ack: true, acksOurFin: true }), true, [['FIN_WAIT_2', ARC.RCV_ACK_OF_FIN]]));
  test('our FIN again, peer data: no move', () => {
    expectStep('FIN_WAIT_1', snd({ fin: true, ack: true }), true, []);
    expectStep('FIN_WAIT_1', rcv({ ack: true, len: 10 }), true, []);
  });
});

describe('FIN_WAIT_2', () => {
  test('rcv FIN: TIME_WAIT', () => expectStep('FIN_WAIT_2', rcv({ fin: true, ack: true }), true, [['TIME_WAIT', ARC.RCV_FIN]]));
  test('half-close: peer data keeps us here', () => expectStep('FIN_WAIT_2', rcv({ ack: true, len: 500 }), true, []));
});

describe('CLOSE_WAIT', () => {
  test('snd FIN: LAST_ACK', () => expectStep('CLOSE_WAIT', snd({ fin: true, ack: true }), true, [['LAST_ACK', ARC.CLOSE_SND_FIN]]));
  test('we keep sending (half-close), a retransmitted FIN arrives: no move', () => {
    expectStep('CLOSE_WAIT', snd({ ack: true, len: 10 }), true, []);
    expectStep('CLOSE_WAIT', rcv({ fin: true, ack: true }), true, []);
  });
});

describe('CLOSING', () => {
  test('rcv ACK of FIN: TIME_WAIT', () => expectStep('CLOSING', rcv({ ack: true, acksOurFin: true }), true, [['TIME_WAIT', ARC.RCV_ACK_OF_FIN]]));
  test('an ACK not covering our FIN: no move', () => expectStep('CLOSING', rcv({ ack: true }), true, []));
});

describe('LAST_ACK', () => {
  test('rcv ACK of FIN: CLOSED', () => expectStep('LAST_ACK', rcv({ ack: true, acksOurFin: true }), true, [['CLOSED', ARC.RCV_ACK_OF_FIN]]));
  test('our FIN retransmitted: no move', () => expectStep('LAST_ACK', snd({ fin: true, ack: true }), true, []));
});

describe('TIME_WAIT', () => {
  test('a retransmitted FIN is ACKed again: no move', () => expectStep('TIME_WAIT', rcv({ fin: true, ack: true }), true, []));
  test('2MSL is inferred, never observed', () => {
    const ep = endpointIn('TIME_WAIT');
    expireTimeWait(ep, 9, 'b.pcap', 5000);
    expect(ep.transitions).toEqual([{ from: 'TIME_WAIT', to: 'CLOSED', arc: ARC.TIMEOUT_2MSL, frameNo: 9, input: 'b.pcap', tNanos: 5000, evidence: 'inferred' }]);
  });
  test('RST: CLOSED (§3.10.7.4)', () => expectStep('TIME_WAIT', rcv(RST_OK), true, [['CLOSED', ARC.NOTE3_RCV_RST]]));
});

describe('UNKNOWN (observer-only: joined mid-stream)', () => {
  test('data: ESTABLISHED inferred', () => expectStep('UNKNOWN', rcv({ ack: true, len: 10 }), true, [['ESTABLISHED', ARC.MIDSTREAM, 'inferred']]));
  test('a FIN as the first thing seen: ESTABLISHED inferred, then the FIN', () =>
    expectStep('UNKNOWN', snd({ ack: true, fin: true }), true, [['ESTABLISHED', ARC.MIDSTREAM, 'inferred'], ['FIN_WAIT_1', ARC.CLOSE_SND_FIN]]));
  test('rcv SYN,ACK whose SYN was missed: SYN_SENT inferred, then ESTABLISHED', () =>
    expectStep('UNKNOWN', rcv({ syn: true, ack: true, acksOurSyn: true }), true, [['SYN_SENT', ARC.ACTIVE_OPEN, 'inferred'], ['ESTABLISHED', ARC.RCV_SYN_ACK]]));
  test('a RST: CLOSED', () => expectStep('UNKNOWN', snd(RST_OK), true, [['CLOSED', ARC.NOTE3_SND_RST]]));
});

describe('RST acceptability (RFC 9293 §3.10.7.3, §3.10.7.4)', () => {
  test('SYN_SENT: needs ACK = ISS+1 (mod 2^32)', () => {
    expect(isRstAcceptable('SYN_SENT', 0, 1001, true, 1000, 1001, 0, 0)).toBe(true);
    expect(isRstAcceptable('SYN_SENT', 0, 1001, false, 1000, 1001, 0, 0)).toBe(false);
    expect(isRstAcceptable('SYN_SENT', 0, 1002, true, 1000, 1001, 0, 0)).toBe(false);
    expect(isRstAcceptable('SYN_SENT', 0, 0, true, -1, 0, 0, 0)).toBe(true); // ISS 0xffffffff: ACK wraps to 0
  });
  test('synchronized states: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, exact match on a zero window', () => {
    expect(isRstAcceptable('ESTABLISHED', 5000, 0, false, 0, 0, 5000, 100)).toBe(true);
    expect(isRstAcceptable('ESTABLISHED', 5099, 0, false, 0, 0, 5000, 100)).toBe(true);
    expect(isRstAcceptable('ESTABLISHED', 5100, 0, false, 0, 0, 5000, 100)).toBe(false);
    expect(isRstAcceptable('ESTABLISHED', 4999, 0, false, 0, 0, 5000, 100)).toBe(false);
    expect(isRstAcceptable('ESTABLISHED', 5000, 0, false, 0, 0, 5000, 0)).toBe(true);
    expect(isRstAcceptable('ESTABLISHED', 5001, 0, false, 0, 0, 5000, 0)).toBe(false);
    expect(isRstAcceptable('ESTABLISHED', 10, 0, false, 0, 0, -20, 100)).toBe(true); // window across 2^32
  });
});

describe('Figure 5 coverage', () => {
  test('every observable arc is taken by some scenario; the unobservable ones never', async () => {
    const seen = new Set<string>();
    for (const sc of SCENARIOS) {
      // MSL 1 s: the 5 s quiet before a closed connection is reported lets 2×MSL pass
      for (const c of (await sc.build().run({ mslSeconds: 1 })).connections) {
        for (const t of [...c.client.transitions, ...c.server.transitions]) seen.add(`${t.from} ${t.to} ${t.arc}`);
      }
    }
    const missing = FIGURE5_ARCS.filter((a) => a.observable && !seen.has(`${a.from} ${a.to} ${a.arc}`));
    expect(missing).toEqual([]);
    const impossible = FIGURE5_ARCS.filter((a) => !a.observable && seen.has(`${a.from} ${a.to} ${a.arc}`));
    expect(impossible).toEqual([]);
    // and nothing outside the figure except the marked Note 3 / observer arcs
    const known = new Set([...FIGURE5_ARCS.map((a) => a.arc), ARC.NOTE3_RCV_RST, ARC.NOTE3_SND_RST, ARC.MIDSTREAM, ARC.ACTIVE_OPEN]);
    for (const k of seen) expect(known.has(k.split(' ').slice(2).join(' ') as never)).toBe(true);
  });
  test('the eleven states are exactly RFC 9293 §3.3.2', () => {
    expect([...TCP_STATES].sort()).toEqual(['CLOSED', 'CLOSE_WAIT', 'CLOSING', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'LAST_ACK', 'LISTEN', 'SYN_RECEIVED', 'SYN_SENT', 'TIME_WAIT']);
  });
});

describe('arcs a mutation audit found unguarded (helper-58, 2026-12-06)', () => {
  test('SYN_SENT: a RST acknowledging the ISN itself, not ISN + 1, is not acceptable (§3.10.7.3: SEG.ACK > ISS)', () => {
    expect(isRstAcceptable('SYN_SENT', 0, 1000, true, 1000, 1001, 0, 0)).toBe(false);
    expect(isRstAcceptable('SYN_SENT', 0, 1001, true, 1000, 1001, 0, 0)).toBe(true);
  });
  test('SYN_RECEIVED after a passive OPEN sends a RST: CLOSED (Note 1 is for a RST received)', () =>
    expectStep('SYN_RECEIVED', snd(RST_OK), true, [['CLOSED', ARC.NOTE3_SND_RST]], [['CLOSED', 'LISTEN'], ['LISTEN', 'SYN_RECEIVED']]));
  test('UNKNOWN receives a RST: CLOSED, inferred (its acceptance is assumed, not seen)', () =>
    expectStep('UNKNOWN', rcv(RST_OK), true, [['CLOSED', ARC.NOTE3_RCV_RST, 'inferred']]));
  test('UNKNOWN receives a bare SYN: allowed, no arc until it answers', () => expectStep('UNKNOWN', rcv({ syn: true }), true, []));
  test('FIN_WAIT_2 sends its FIN again (its ACK lost after the capture point): no move', () =>
    expectStep('FIN_WAIT_2', snd({ fin: true, ack: true }), true, []));
  test('CLOSING receives the peer\'s FIN again without the ACK of ours: no move', () =>
    expectStep('CLOSING', rcv({ fin: true, ack: true }), true, []));
  test('SYN_SENT sends a SYN,ACK: it answered a crossing SYN the capture missed (SYN_RECEIVED)', () =>
    expectStep('SYN_SENT', snd({ syn: true, ack: true }), true, [['SYN_RECEIVED', ARC.RCV_SYN]]));
});
