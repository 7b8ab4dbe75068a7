/**
 * The scenario catalog: the classic diagrams (RFC 9293 §3.5–§3.6 figures, Stevens' TCP/IP
 * Illustrated ch. 18) and STYLE §10's checklist, each as a DSL program. `rows` is THE COMPLETE
 * per-packet state sequence, "who flags | client-state server-state" after each packet, as the
 * observer model of docs/state-model.md defines it; it was written from the figures, not from output.
 */
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/decode/fields.js';
import { Scenario } from '../helpers/scenario.js';

export interface ScenarioCase {
  name: string;
  build: () => Scenario;
  /** Per packet: "C SYN | SYN_SENT CLOSED" (C = client sent it, S = server). Omitted for the checklist cases that assert facts instead. */
  rows?: string[];
  /** Complete state paths (first `from`, then every `to`), when the transitions matter more than the rows. */
  paths?: { client: string[]; server: string[] };
}

function handshake(s: Scenario): Scenario {
  s.a.syn();
  s.wait(10);
  s.b.synAck();
  s.wait(10);
  s.a.ack();
  return s;
}

const HS = ['C SYN | SYN_SENT LISTEN', 'S SYN,ACK | ESTABLISHED SYN_RECEIVED', 'C ACK | ESTABLISHED ESTABLISHED'];
// The server's LISTEN is inferred from its SYN,ACK; the ladder back-dates it to the SYN's row.

export const SCENARIOS: ScenarioCase[] = [
  {
    name: 'normal-client-close',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100); s.b.ack(); s.wait(5); s.b.data(300); s.a.ack();
      s.wait(50); s.a.fin(); s.b.ack(); s.wait(1); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS,
      'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED',
      'S PSH,ACK | ESTABLISHED ESTABLISHED', 'C ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', // the server has not shown the FIN arrived yet
      'S ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S FIN,ACK | TIME_WAIT LAST_ACK',
      'C ACK | TIME_WAIT CLOSED'],
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
    },
  },
  {
    name: 'normal-server-close',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100); s.b.data(300); s.a.ack();
      s.wait(50); s.b.fin(); s.a.ack(); s.wait(1); s.a.fin(); s.b.ack();
      return s;
    },
    rows: [...HS,
      'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S PSH,ACK | ESTABLISHED ESTABLISHED', 'C ACK | ESTABLISHED ESTABLISHED',
      'S FIN,ACK | ESTABLISHED FIN_WAIT_1',
      'C ACK | CLOSE_WAIT FIN_WAIT_2',
      'C FIN,ACK | LAST_ACK TIME_WAIT',
      'S ACK | CLOSED TIME_WAIT'],
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'],
    },
  },
  {
    name: 'three-way-close',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(10); s.b.ack();
      s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED',
      'S FIN,ACK | TIME_WAIT LAST_ACK', // Note 2: FIN and ACK of FIN in one segment
      'C ACK | TIME_WAIT CLOSED'],
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
    },
  },
  {
    name: 'simultaneous-open',
    build: () => {
      const s = new Scenario({ serverPort: 40001 });
      s.a.syn(); s.b.syn(); s.wait(5); s.a.synAck(); s.b.synAck();
      s.a.data(20); s.b.ack(); s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [
      'C SYN | SYN_SENT CLOSED',
      'S SYN | SYN_RECEIVED SYN_RECEIVED', // the SYNs crossed (Figure 7)
      'C SYN,ACK | SYN_RECEIVED ESTABLISHED',
      'S SYN,ACK | ESTABLISHED ESTABLISHED',
      'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT'],
      server: ['CLOSED', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
    },
  },
  {
    name: 'simultaneous-close',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(10); s.b.ack();
      s.a.fin(); s.b.fin({ ackLess: 1 }); s.a.ack(); s.b.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED',
      'S FIN,ACK | CLOSING CLOSING', // its FIN does not ack ours: the FINs crossed (Figure 13)
      'C ACK | CLOSING TIME_WAIT',
      'S ACK | TIME_WAIT TIME_WAIT'],
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'],
    },
  },
  {
    name: 'refused',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.wait(1); s.b.rstAck({ seq: 0 });
      return s;
    },
    rows: ['C SYN | SYN_SENT CLOSED', 'S RST,ACK | CLOSED CLOSED'],
  },
  {
    name: 'reset',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100); s.b.data(1000); s.a.rstAck(); s.b.data(1000); s.a.rst();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S PSH,ACK | ESTABLISHED ESTABLISHED',
      'C RST,ACK | CLOSED CLOSED',
      'S PSH,ACK | CLOSED CLOSED', // in flight when the RST left: DATA_AFTER_RESET
      'C RST | CLOSED CLOSED'], // a CLOSED endpoint answers with RST (§3.10.7.1)
  },
  {
    name: 'half-open',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.wait(1000); s.a.again(); s.wait(2000); s.a.again(); s.wait(4000); s.a.again();
      return s;
    },
    rows: ['C SYN | SYN_SENT CLOSED', 'C SYN | SYN_SENT CLOSED', 'C SYN | SYN_SENT CLOSED', 'C SYN | SYN_SENT CLOSED'],
  },
  {
    name: 'lingering-fin-wait-2',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100); s.b.ack();
      s.a.fin(); s.b.ack();
      s.wait(70_000); s.b.data(500); s.a.ack(); // half-close: the server still sends, never closes
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S PSH,ACK | FIN_WAIT_2 CLOSE_WAIT', 'C ACK | FIN_WAIT_2 CLOSE_WAIT'],
  },
  {
    name: 'lingering-close-wait',
    build: () => {
      const s = handshake(new Scenario());
      s.b.fin(); s.a.ack(); s.wait(90_000); s.a.data(10); s.b.ack();
      return s;
    },
    rows: [...HS, 'S FIN,ACK | ESTABLISHED FIN_WAIT_1', 'C ACK | CLOSE_WAIT FIN_WAIT_2',
      'C PSH,ACK | CLOSE_WAIT FIN_WAIT_2', 'S ACK | CLOSE_WAIT FIN_WAIT_2'],
  },
  {
    name: 'close-in-syn-received',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.b.synAck(); s.b.fin(); // the server closes before the handshake's ACK arrives
      s.a.ack(); s.a.fin(); s.b.ack();
      return s;
    },
    rows: ['C SYN | SYN_SENT LISTEN', 'S SYN,ACK | ESTABLISHED SYN_RECEIVED',
      'S FIN,ACK | ESTABLISHED FIN_WAIT_1', // CLOSE / snd FIN from SYN_RECEIVED
      'C ACK | CLOSE_WAIT FIN_WAIT_2', 'C FIN,ACK | LAST_ACK TIME_WAIT', 'S ACK | CLOSED TIME_WAIT'],
  },
  // ---- STYLE §10 checklist
  {
    name: 'syn-then-rst',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.b.rst({ seq: 0 }); // no ACK bit: unacceptable in SYN_SENT (§3.10.7.3)
      return s;
    },
    rows: ['C SYN | SYN_SENT CLOSED', 'S RST | SYN_SENT CLOSED'],
  },
  {
    name: 'aborted-handshake',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.b.synAck(); s.a.rst();
      return s;
    },
    rows: ['C SYN | SYN_SENT LISTEN', 'S SYN,ACK | ESTABLISHED SYN_RECEIVED', 'C RST | CLOSED LISTEN'], // Note 1
  },
  {
    name: 'missing-syn',
    build: () => {
      const s = new Scenario({ clientIsn: 77_000, serverIsn: 99_000 });
      s.b.data(200); s.a.ack(); s.a.data(30); s.b.ack(); s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: ['S PSH,ACK | ESTABLISHED ESTABLISHED', 'C ACK | ESTABLISHED ESTABLISHED', 'C PSH,ACK | ESTABLISHED ESTABLISHED',
      'S ACK | ESTABLISHED ESTABLISHED', 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
    paths: {
      client: ['UNKNOWN', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT'],
      server: ['UNKNOWN', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
    },
  },
  {
    name: 'handshake-reorder',
    build: () => {
      const s = new Scenario();
      s.b.synAck({ ack: s.a.isn + 1 }); s.a.syn(); s.a.ack(); s.a.data(5); s.b.ack();
      return s;
    },
    rows: ['S SYN,ACK | ESTABLISHED SYN_RECEIVED', 'C SYN | ESTABLISHED SYN_RECEIVED', 'C ACK | ESTABLISHED ESTABLISHED',
      'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED'],
  },
  {
    // The client's ACK captured before the SYN,ACK it acknowledges (reordered at the capture point).
    name: 'handshake-ack-reorder',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.wait(50); s.a.ack({ ack: s.b.isn + 1 }); s.wait(50); s.b.synAck(); s.wait(10); s.a.data(5); s.b.ack();
      return s;
    },
    rows: ['C SYN | SYN_SENT LISTEN', 'C ACK | SYN_SENT LISTEN', 'S SYN,ACK | ESTABLISHED ESTABLISHED',
      'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED'],
  },
  {
    name: 'fin-retransmission',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.wait(200); s.a.again(); s.b.ack(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED',
      'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    name: 'rst-after-fin',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack(); s.b.rstAck();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S RST,ACK | CLOSED CLOSED'],
  },
  {
    name: 'syn-with-payload',
    build: () => {
      const s = new Scenario();
      s.a.send(TCP_SYN, 50, { noAck: true, options: { mss: 1460, tfoCookie: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) } });
      s.b.synAck(); s.a.ack(); s.b.data(100); s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS.map((r) => r.replace('C SYN |', 'C SYN |')), 'S PSH,ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    name: 'snaplen-truncated-data',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(1400, { snap: 68 }); s.b.data(1400, { snap: 68 }); s.a.ack(); s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S PSH,ACK | ESTABLISHED ESTABLISHED', 'C ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    name: 'sequence-wraparound',
    build: () => {
      const s = handshake(new Scenario({ clientIsn: 0xffffff00, serverIsn: 0xfffffff0 }));
      s.a.data(200); s.b.data(100); s.a.data(200); s.b.ack(); s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S PSH,ACK | ESTABLISHED ESTABLISHED', 'C PSH,ACK | ESTABLISHED ESTABLISHED',
      'S ACK | ESTABLISHED ESTABLISHED', 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    name: 'tuple-reuse',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.fin(); s.a.ack();
      s.wait(10_000); // the first connection is retired 5 s after its last packet
      s.a.reset(900_000); s.b.reset(700_000);
      handshake(s);
      s.a.fin(); s.b.fin(); s.a.ack();
      s.wait(1_000); // still in the table: the new ISN replaces it at once
      s.a.reset(1_900_000); s.b.reset(1_700_000);
      handshake(s);
      s.b.rstAck();
      return s;
    },
  },
  {
    name: 'syn-long-backoff',
    build: () => {
      const s = new Scenario();
      s.a.syn();
      for (const gap of [1, 2, 4, 8, 16, 32, 64]) { s.wait(gap * 1000); s.a.again(); }
      s.wait(20); s.b.synAck(); s.a.ack(); s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
  },
  {
    name: 'out-of-window-rst',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100); s.b.ack();
      s.b.rst({ seq: (s.b.nxt + 50_000_000) >>> 0 }); // far outside the window: ignored
      s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S ACK | ESTABLISHED ESTABLISHED', 'S RST | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    name: 'bad-handshake-ack',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.b.synAck({ ack: s.a.isn + 7 });
      return s;
    },
    rows: ['C SYN | SYN_SENT LISTEN', 'S SYN,ACK | SYN_SENT SYN_RECEIVED'],
  },
  {
    // The client answers the unacceptable ACK as RFC 9293 §3.10.7.3 requires, <SEQ=SEG.ACK><CTL=RST>,
    // and stays in SYN_SENT; the RST sends the server back to LISTEN (Note 1).
    name: 'bad-handshake-ack-answered',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.b.synAck({ ack: s.a.isn + 7 }); s.a.rst({ seq: s.a.isn + 7 });
      return s;
    },
    rows: ['C SYN | SYN_SENT LISTEN', 'S SYN,ACK | SYN_SENT SYN_RECEIVED', 'C RST | SYN_SENT LISTEN'],
  },
  // From helper-53's audit of the machine against RFC 9293 (2026-12-06): each failed before.
  {
    // A FIN behind a hole (100 bytes lost before the capture point) is held for later processing
    // (§3.10.7.4): the server's duplicate ACKs and its data 300 ms on do not make it lost, and the ACK
    // that covers it once the hole is filled takes it. Before: declared lost on the timing rule,
    // then never taken; the server read ESTABLISHED → FIN_WAIT_1 → FIN_WAIT_2, LINGERING_FIN_WAIT_2.
    name: 'fin-behind-hole',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100);
      const hole = s.a.nxt;
      s.a.nxt = (hole + 100) >>> 0;
      s.a.fin(); s.b.ack({ ack: hole }); s.wait(300); s.b.data(10, { ack: hole });
      s.a.data(100, { seq: hole }); s.b.ack(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_1 ESTABLISHED',
      'S PSH,ACK | FIN_WAIT_1 ESTABLISHED', 'C PSH,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    // The same in FIN_WAIT_2: the server's last 100 bytes were lost before the capture point, so its
    // FIN waits behind them and the client leaves FIN_WAIT_2 only when its ACK covers the FIN.
    // Before: TIME_WAIT at the FIN, while the client's ACKs said it had not taken it.
    name: 'fin-behind-hole-fin-wait-2',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack(); s.b.data(100);
      const hole = s.b.nxt;
      s.b.nxt = (hole + 100) >>> 0;
      s.b.fin(); s.a.ack({ ack: hole }); s.b.data(100, { seq: hole }); s.a.ack();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S PSH,ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S FIN,ACK | FIN_WAIT_2 LAST_ACK', 'C ACK | FIN_WAIT_2 LAST_ACK', 'S PSH,ACK | FIN_WAIT_2 LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    // Two holes in the server's bytes (a burst lost before the capture point); the first is filled
    // by a resend, then the FIN comes, still behind the second: FIN_WAIT_2 holds it until an ACK
    // covers it. Before (helper-54): only the first hole was tracked, so with it filled the FIN went
    // to TIME_WAIT at once, and the second resend read as a retransmission (400 bytes, CAPTURE_LOSS).
    name: 'fin-behind-second-hole',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack(); s.b.data(100);
      const hole1 = s.b.nxt;
      s.b.nxt = (hole1 + 100) >>> 0;
      s.b.data(100);
      const hole2 = s.b.nxt;
      s.b.nxt = (hole2 + 100) >>> 0;
      s.b.data(100); s.a.ack({ ack: hole1 });
      s.wait(200); s.b.data(100, { seq: hole1 }); s.a.ack({ ack: hole2 });
      s.b.fin(); s.a.ack({ ack: hole2 });
      s.wait(200); s.b.data(100, { seq: hole2 }); s.a.ack();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S PSH,ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S PSH,ACK | FIN_WAIT_2 CLOSE_WAIT', 'S PSH,ACK | FIN_WAIT_2 CLOSE_WAIT', 'C ACK | FIN_WAIT_2 CLOSE_WAIT',
      'S PSH,ACK | FIN_WAIT_2 CLOSE_WAIT', 'C ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | FIN_WAIT_2 LAST_ACK',
      'C ACK | FIN_WAIT_2 LAST_ACK', 'S PSH,ACK | FIN_WAIT_2 LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    // An ACK of something never sent (past the server's FIN) is dropped by LAST_ACK (§3.10.7.4,
    // "SEG.ACK > SND.NXT"); the right ACK then closes it. Before: CLOSED on the bogus ACK.
    name: 'ack-beyond-fin',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack({ ack: s.b.nxt + 4000 }); s.a.ack();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | TIME_WAIT LAST_ACK',
      'C ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    // A RST,ACK whose ACK covers the client's FIN: the server took the FIN (CLOSE_WAIT) and then
    // reset, as an application closing with unread data does. Before: reset in ESTABLISHED.
    name: 'rst-ack-covers-fin',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(10); s.a.fin(); s.b.rstAck();
      return s;
    },
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSED'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'CLOSED'],
    },
  },
  {
    // The FIN lost past the capture point (the server's data 300 ms on does not acknowledge it), and
    // its resend not captured: the server's ACK covering it shows it arrived. Before: never taken.
    name: 'fin-lost-resend-unseen',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack({ ackLess: 1 }); s.wait(300); s.b.data(10, { ackLess: 1 }); s.b.ack(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_1 ESTABLISHED', 'S PSH,ACK | FIN_WAIT_1 ESTABLISHED',
      'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
  {
    // The client answers the server's FIN from TIME_WAIT with RST,ACK (an abortive close after its
    // own): RESET names the state the client left, TIME_WAIT. Before: the server's, LAST_ACK.
    name: 'rst-from-time-wait',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack(); s.b.fin(); s.a.rstAck();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | TIME_WAIT LAST_ACK',
      'C RST,ACK | CLOSED CLOSED'],
  },
  {
    // The server, back in LISTEN after its client reset the attempt (Note 1), sends a SYN of its own:
    // LISTEN → SYN_SENT (SEND / snd SYN), seen by its action. Before: its SYN_SENT → SYN_RECEIVED
    // was inferred off the client's SYN of the dead attempt (a simultaneous open), and docs/state-
    // model.md called this arc never produced.
    name: 'listen-then-syn',
    build: () => {
      const s = new Scenario();
      s.a.syn(); s.b.synAck(); s.a.rst({ seq: s.a.nxt }); s.wait(500); s.b.syn();
      return s;
    },
    rows: ['C SYN | SYN_SENT LISTEN', 'S SYN,ACK | ESTABLISHED SYN_RECEIVED', 'C RST | CLOSED LISTEN', 'S SYN | CLOSED SYN_SENT'],
  },
  // From helper-54's review of the FIN rework (2026-12-06): each failed on its first version.
  {
    // The client resends from 100 bytes below the gap, covering it (repacketized): the hole is filled
    // though no segment starts at it, so the FIN after it is in order and the server in FIN_WAIT_2
    // takes it. Was: a stale hole held the FIN for ever (FIN_WAIT_2 at the end, LINGERING, NOT_CLOSED).
    name: 'hole-filled-by-a-wider-resend',
    build: () => {
      const s = handshake(new Scenario());
      s.b.fin(); s.a.ack(); s.a.data(100); s.b.ack();
      const hole = s.a.nxt;
      s.a.nxt = (hole + 100) >>> 0;
      s.a.data(100); s.wait(300); s.a.data(300, { seq: hole - 100 }); s.b.ack(); s.wait(100); s.a.fin();
      return s;
    },
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'],
    },
  },
  {
    // FIN,data behind a hole, the hole filled 0.1 ms later (reordered before the capture point), and
    // the server's FIN acknowledging none of it: the FINs crossed (Figure 13), CLOSING. Was: the
    // hole's hold outlived the hole, so no crossing (FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT).
    name: 'fin-behind-reordered-hole-crossing',
    build: () => {
      const s = handshake(new Scenario());
      const hole = s.a.nxt;
      s.a.nxt = (hole + 100) >>> 0;
      s.a.send(TCP_FIN | TCP_PSH | TCP_ACK, 100); s.a.data(100, { seq: hole }); s.b.fin({ ack: hole }); s.a.ack(); s.b.ack();
      return s;
    },
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'],
    },
  },
  {
    // The same FIN behind a hole, the hole filled, then the capture ends: the FIN is assumed
    // delivered at the end of the record, as in order. Was: the server stayed ESTABLISHED.
    name: 'fin-behind-filled-hole-at-end',
    build: () => {
      const s = handshake(new Scenario());
      const hole = s.a.nxt;
      s.a.nxt = (hole + 100) >>> 0;
      s.a.send(TCP_FIN | TCP_PSH | TCP_ACK, 100); s.wait(300); s.a.data(100, { seq: hole });
      return s;
    },
    paths: {
      client: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1'],
      server: ['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT'],
    },
  },
  {
    // A FIN,ACK acknowledging past the client's FIN is dropped by it, FIN and all; the client's ACK
    // covering that FIN later shows its resend arrived. Was: FIN_WAIT_2 for ever.
    name: 'fin-on-a-dropped-segment-acked-later',
    build: () => {
      const s = handshake(new Scenario());
      s.a.fin(); s.b.ack(); s.b.fin({ ack: s.a.nxt + 1000 }); s.wait(200); s.a.ack();
      return s;
    },
    rows: [...HS, 'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | FIN_WAIT_2 LAST_ACK',
      'C ACK | TIME_WAIT CLOSED'],
  },
  {
    name: 'odd-segments',
    build: () => {
      const s = handshake(new Scenario());
      s.a.data(100); s.a.again(); // the same packet twice, 100 µs apart: captured twice
      s.b.ack({ window: 0 });
      s.a.send(TCP_SYN | TCP_FIN, 0, { noAck: true, keepSeq: true });
      s.a.send(0, 0, { noAck: true, keepSeq: true });
      s.a.fin(); s.b.fin(); s.a.ack();
      return s;
    },
  },
  {
    name: 'ipv6-normal-close',
    build: () => {
      const s = handshake(new Scenario({ v6: true, nano: true }));
      s.a.data(100); s.b.data(300); s.a.ack(); s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack();
      return s;
    },
    rows: [...HS, 'C PSH,ACK | ESTABLISHED ESTABLISHED', 'S PSH,ACK | ESTABLISHED ESTABLISHED', 'C ACK | ESTABLISHED ESTABLISHED',
      'C FIN,ACK | FIN_WAIT_1 ESTABLISHED', 'S ACK | FIN_WAIT_2 CLOSE_WAIT', 'S FIN,ACK | TIME_WAIT LAST_ACK', 'C ACK | TIME_WAIT CLOSED'],
  },
];

export function scenario(name: string): ScenarioCase {
  const c = SCENARIOS.find((x) => x.name === name);
  if (!c) throw new Error(`no scenario ${name}`);
  return c;
}

