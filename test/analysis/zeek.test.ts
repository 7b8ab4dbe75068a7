/**
 * The Zeek verdict model fed with hand-built segments. Expected values are what Zeek's conn.log
 * says for the same packet sequences (cases named after zeek/zeek testing/btest traces where one
 * exists, see ../shared/corpus/zeek).
 */
import { describe, expect, it } from 'vitest';
import { test as propTest, fc } from '@fast-check/vitest';
import { newPacketFields, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type PacketFields } from '../../src/decode/fields.js';
import { MAX_HISTORY, MAX_ZEEK_ROWS, ZeekConnModel } from '../../src/analysis/zeek.js';
import { Scenario } from '../helpers/scenario.js';
import { zeekConnState } from '../../src/analysis/zeek-conn-state.js';
import { CLOSED, ESTABLISHED, INACTIVE, insertBlock, PARTIAL, RESET, SYN_ACK_SENT, SYN_SENT } from '../../src/analysis/zeek-endpoint.js';
import { zeekConnLine } from '../../src/report/zeek-tsv.js';

const MS = 1e6;
const SEC = 1e9;

interface Seg {
  /** 'c' = our client sent it, 's' = our server. */
  from: 'c' | 's';
  /** Any of S A F R P, e.g. 'SA', 'FA', 'R', 'A', 'PA'. */
  flags: string;
  seq: number;
  ack?: number;
  len?: number;
  /** Payload bytes actually captured (default: all). */
  captured?: number;
  win?: number;
  bad?: boolean;
  /** Milliseconds since the previous segment (default 1). */
  dt?: number;
}

interface Ports {
  client: number;
  server: number;
}

function fields(s: Seg, ports: Ports): PacketFields {
  const f = newPacketFields();
  const fromClient = s.from === 'c';
  f.ipVersion = 4;
  f.src0 = fromClient ? 0x0a000001 : 0x0a000002;
  f.dst0 = fromClient ? 0x0a000002 : 0x0a000001;
  f.srcPort = fromClient ? ports.client : ports.server;
  f.dstPort = fromClient ? ports.server : ports.client;
  let flags = 0;
  for (const ch of s.flags) {
    flags |= { S: TCP_SYN, A: TCP_ACK, F: TCP_FIN, R: TCP_RST, P: TCP_PSH }[ch] ?? 0;
  }
  f.flags = flags;
  f.seq = s.seq >>> 0;
  f.ack = (s.ack ?? 0) >>> 0;
  f.payloadLen = s.len ?? 0;
  f.capturedPayloadLen = s.captured ?? f.payloadLen;
  f.window = s.win ?? 65535;
  f.checksumBad = s.bad ?? false;
  return f;
}

function runOnce(segs: Seg[], ports: Ports) {
  const m = new ZeekConnModel();
  let t = 0;
  for (const s of segs) {
    t += (s.dt ?? 1) * MS;
    m.onSegment(fields(s, ports), s.from === 'c', t);
  }
  return { ...m.result(), rows: m.rows() };
}

/**
 * Each side's sequence space moved by (client, server), modulo 2^32: what either side sends and
 * what the other acknowledges of it.
 */
function shifted(segs: Seg[], dc: number, ds: number): Seg[] {
  return segs.map((s) => {
    const own = s.from === 'c' ? dc : ds;
    const peer = s.from === 'c' ? ds : dc;
    return { ...s, seq: (s.seq + own) >>> 0, ack: s.flags.includes('A') ? ((s.ack ?? 0) + peer) >>> 0 : s.ack };
  });
}

function run(segs: Seg[], ports: Ports = { client: 40000, server: 8080 }) {
  const r = runOnce(segs, ports);
  for (const [dc, ds] of SEQ_SHIFTS) {
    expect(runOnce(shifted(segs, dc, ds), ports), `ISNs moved by ${dc} and ${ds}`).toEqual(r);
  }
  return r;
}

// A client with ISN 1000 and a server with ISN 5000; c(n) / s(n) are absolute sequence numbers.
const C = 1000;
const S = 5000;

/**
 * ISNs moved to just below 2^31 and 2^32 (the client's 1000 to 2^31 - 50, ...), so the scenario's
 * sequence numbers cross the int32 sign boundary and the 32-bit wrap (the model keeps Zeek's uint32
 * values as int32 and compares them as unsigned where Zeek does). Zeek numbers everything relative
 * to the ISN, so the verdict must not change.
 */
const SEQ_SHIFTS: Array<[number, number]> = [
  [2 ** 31 - C - 50, 2 ** 31 - S - 50],
  [2 ** 32 - C - 50, 2 ** 32 - S - 50],
  [2 ** 31 - C - 50, 2 ** 32 - S - 50],
  [2 ** 32 - C + 7, 2 ** 31 - S + 7],
];
const handshake: Seg[] = [
  { from: 'c', flags: 'S', seq: C },
  { from: 's', flags: 'SA', seq: S, ack: C + 1 },
  { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
];
/** Handshake, 100 bytes each way, both acknowledged. */
const exchange: Seg[] = [
  ...handshake,
  { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 100 },
  { from: 's', flags: 'A', seq: S + 1, ack: C + 101 },
  { from: 's', flags: 'PA', seq: S + 1, ack: C + 101, len: 200 },
  { from: 'c', flags: 'A', seq: C + 101, ack: S + 201 },
];

describe('conn_state and history', () => {
  it('SF: handshake, data both ways, FIN exchange (get.pcap: ShADadFf)', () => {
    const r = run([
      ...exchange,
      { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 },
      { from: 's', flags: 'FA', seq: S + 201, ack: C + 102 },
      { from: 'c', flags: 'A', seq: C + 102, ack: S + 202 },
    ]);
    expect(r).toMatchObject({ connState: 'SF', history: 'ShADadFf', origIsClient: true });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ origPkts: 6, respPkts: 4, origBytes: 100, respBytes: 200 });
  });

  it('SF survives a responder RST after both FINs (imap-starttls: ...Fr)', () => {
    const r = run([
      ...exchange,
      { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 },
      { from: 's', flags: 'FA', seq: S + 201, ack: C + 102 },
      { from: 's', flags: 'R', seq: S + 202 },
    ]);
    expect(r).toMatchObject({ connState: 'SF', history: 'ShADadFfr' });
  });

  it('REJ: SYN answered by RST (pop3: Sr)', () => {
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 's', flags: 'RA', seq: 0, ack: C + 1 },
    ]);
    expect(r).toMatchObject({ connState: 'REJ', history: 'Sr' });
    expect(r.rows[0]).toMatchObject({ origPkts: 1, respPkts: 1, origBytes: 0, respBytes: 0 });
  });

  it('RSTOS0: SYN then the originator resets (syn-then-rst: SR)', () => {
    expect(
      run([
        { from: 'c', flags: 'S', seq: 0 },
        { from: 'c', flags: 'R', seq: 0 },
      ]),
    ).toMatchObject({ connState: 'RSTOS0', history: 'SR' });
  });

  it('RSTOS0 with a RST ahead of the SYN: Size() counts the bytes the sequence numbers claim', () => {
    // TCP_Endpoint::Size() returns 0 for a SYN_SENT side that was reset while its peer stayed silent
    // only when some of its data was acknowledged (NoDataAcked() is false); nothing was here.
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 'c', flags: 'R', seq: C + 1001 },
    ]);
    expect(r).toMatchObject({ connState: 'RSTOS0', history: 'SR' });
    expect(r.rows[0].origBytes).toBe(1000);
  });

  it('OTH: a lone RST (single-rst: R)', () => {
    expect(run([{ from: 'c', flags: 'R', seq: 0 }], { client: 48777, server: 80 })).toMatchObject({
      connState: 'OTH',
      history: 'R',
    });
  });

  it('S0: unanswered SYN, retransmitted with the same ISN', () => {
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 'c', flags: 'S', seq: C, dt: 1000 },
    ]);
    expect(r).toMatchObject({ connState: 'S0', history: 'S' });
    expect(r.rows[0].origPkts).toBe(2);
  });

  it('S1: established, never closed (wikipedia: ShADad)', () => {
    expect(run(exchange)).toMatchObject({ connState: 'S1', history: 'ShADad' });
  });

  it('S2 and S3: one side closed', () => {
    expect(run([...exchange, { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 }])).toMatchObject({
      connState: 'S2',
      history: 'ShADadF',
    });
    expect(run([...exchange, { from: 's', flags: 'FA', seq: S + 201, ack: C + 101 }])).toMatchObject({
      connState: 'S3',
      history: 'ShADadf',
    });
  });

  it('RSTO: the originator aborts (https-to-http: ...R)', () => {
    expect(run([...exchange, { from: 'c', flags: 'RA', seq: C + 101, ack: S + 201 }])).toMatchObject({
      connState: 'RSTO',
      history: 'ShADadR',
    });
  });

  it('RSTR: originator FIN answered by a responder RST (http-to-ssh: ShADadFr)', () => {
    expect(
      run([
        ...exchange,
        { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 },
        { from: 's', flags: 'RA', seq: S + 201, ack: C + 102 },
      ]),
    ).toMatchObject({ connState: 'RSTR', history: 'ShADadFr' });
  });

  it('RSTRH: mid-stream data answered by a responder RST (modbus p502: Dr)', () => {
    expect(
      run([
        { from: 'c', flags: 'PA', seq: 7000, ack: 9000, len: 109 },
        { from: 's', flags: 'R', seq: 9000 },
      ]),
    ).toMatchObject({ connState: 'RSTRH', history: 'Dr' });
  });

  it('SH: one-sided client capture, SYN to FIN (ssh client-side: SADF)', () => {
    const r = run(
      [
        { from: 'c', flags: 'S', seq: C },
        { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
        { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 40 },
        { from: 'c', flags: 'PA', seq: C + 41, ack: S + 500, len: 60 },
        { from: 'c', flags: 'FA', seq: C + 101, ack: S + 900 },
      ],
      { client: 57191, server: 22 },
    );
    expect(r).toMatchObject({ connState: 'SH', history: 'SADF' });
    expect(r.rows[0]).toMatchObject({ origPkts: 5, respPkts: 0, origBytes: 100, respBytes: 0 });
  });

  it('SHR flipped: server-side capture from port 22 (ssh server-side: ^hdaf)', () => {
    const r = run(
      [
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 's', flags: 'PA', seq: S + 1, ack: C + 1, len: 40 },
        { from: 's', flags: 'A', seq: S + 41, ack: C + 30 },
        { from: 's', flags: 'FA', seq: S + 41, ack: C + 30 },
      ],
      { client: 57191, server: 22 },
    );
    expect(r).toMatchObject({ connState: 'SHR', history: '^hdaf', origIsClient: true });
    expect(r.rows[0]).toMatchObject({ origPkts: 0, respPkts: 4, respBytes: 40 });
  });

  it('OTH: mid-stream data without close (missing_ldap_logs: Dd)', () => {
    expect(
      run(
        [
          { from: 'c', flags: 'PA', seq: 7000, ack: 9000, len: 50 },
          { from: 's', flags: 'PA', seq: 9000, ack: 7050, len: 70 },
          { from: 'c', flags: 'A', seq: 7050, ack: 9070 },
        ],
        { client: 59327, server: 389 },
      ),
    ).toMatchObject({ connState: 'OTH', history: 'DdA' });
  });
});

describe("role flips ('^')", () => {
  it('a lone SYN-ACK from a likely server port is flipped (wikipedia: ^h)', () => {
    const r = run([{ from: 's', flags: 'SA', seq: S, ack: C + 1 }], { client: 6705, server: 80 });
    expect(r).toMatchObject({ connState: 'OTH', history: '^h', origIsClient: true });
    expect(r.rows[0]).toMatchObject({ origPkts: 0, respPkts: 1 });
  });

  it('mid-stream data from a likely server port makes its peer the originator (missing-syn: ^hADdFaf)', () => {
    const r = run(
      [
        { from: 's', flags: 'PA', seq: 9000, ack: 7000, len: 100 },
        { from: 'c', flags: 'A', seq: 7000, ack: 9100 },
      ],
      { client: 56730, server: 80 },
    );
    expect(r).toMatchObject({ history: '^dA', origIsClient: true });
  });

  it('data from an unlikely port towards a likely one: no flip', () => {
    expect(run([{ from: 's', flags: 'PA', seq: 9000, ack: 7000, len: 10 }], { client: 80, server: 40000 })).toMatchObject({
      history: 'D',
      origIsClient: false,
    });
  });

  it("TCP 53 is a likely server port; 5353 and 5355 are not (Zeek's DNS script has them for UDP only)", () => {
    const lone = (server: number) => run([{ from: 's', flags: 'SA', seq: S, ack: C + 1 }], { client: 40000, server });
    expect(lone(53)).toMatchObject({ history: '^h', origIsClient: true });
    // Zeek: 'H' with the SYN-ACK's sender as the originator (helper-57 audit: we said '^h').
    for (const port of [5353, 5355]) expect(lone(port)).toMatchObject({ history: 'H', origIsClient: false });
  });

  it('both ports likely: flip a non-SYN only towards the higher port', () => {
    // 6667 -> 80 data: src 6667 > dst 80, so no flip; the sender (our server here) is the originator.
    const r = run([{ from: 's', flags: 'PA', seq: 9000, ack: 7000, len: 10 }], { client: 80, server: 6667 });
    expect(r).toMatchObject({ history: 'D', origIsClient: false });
    // 80 -> 6667 data: flipped.
    const r2 = run([{ from: 's', flags: 'PA', seq: 9000, ack: 7000, len: 10 }], { client: 6667, server: 80 });
    expect(r2).toMatchObject({ history: '^d', origIsClient: true });
  });

  it('a SYN-ACK followed by an ACK is flipped on the second packet (one-sided-2745: ^haf)', () => {
    // Our roles as a tracker may guess them: the SYN-ACK sender is our server.
    const r = run(
      [
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 's', flags: 'A', seq: S + 1, ack: C + 53, dt: 40 },
        { from: 's', flags: 'FA', seq: S + 1, ack: C + 54, dt: 10_000 },
      ],
      { client: 2745, server: 1433 },
    );
    expect(r).toMatchObject({ history: '^haf', origIsClient: true, connState: 'SHR' });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ origPkts: 0, respPkts: 3 });
  });

  it('SYN-ACK from 80 to IRC port 6669, then the ACK: ^hA... (http-on-irc-port-missing-syn)', () => {
    const r = run(
      [
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
        { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 136 },
        { from: 's', flags: 'A', seq: S + 1, ack: C + 137 },
        { from: 's', flags: 'PA', seq: S + 1, ack: C + 137, len: 500 },
        { from: 'c', flags: 'A', seq: C + 137, ack: S + 501 },
        { from: 'c', flags: 'FA', seq: C + 137, ack: S + 501 },
        { from: 's', flags: 'FA', seq: S + 501, ack: C + 138 },
      ],
      { client: 6669, server: 80 },
    );
    expect(r).toMatchObject({ connState: 'SF', history: '^hADadFf', origIsClient: true });
    expect(r.rows[0]).toMatchObject({ origBytes: 136, respBytes: 500 });
  });

  it('a SYN-ACK followed by a RST is not flipped (stealth scan)', () => {
    const r = run(
      [
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 'c', flags: 'R', seq: C + 1 },
      ],
      { client: 2745, server: 1433 },
    );
    expect(r).toMatchObject({ history: 'Hr', origIsClient: false, connState: 'REJ' });
  });

  it('SYN-ACK then SYN with the matching ISN: reversal flip, letters keep their case', () => {
    const r = run(
      [
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 'c', flags: 'S', seq: C },
        { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
      ],
      { client: 40000, server: 41000 },
    );
    // Zeek: SYN-ACK recorded as the originator's (H), the SYN as the responder's (s), then '^'.
    expect(r.history).toBe('Hs^A');
    expect(r.origIsClient).toBe(true);
    expect(r.connState).toBe('S1');
  });
});

describe('repeated and log-scaled letters', () => {
  it('a retransmitted payload is t/T, counted on a log scale (10 retransmissions: TT)', () => {
    const segs: Seg[] = [...handshake, { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 100 }];
    for (let i = 0; i < 10; i++) segs.push({ from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 100 });
    expect(run(segs).history).toBe('ShADTT');
    segs.pop();
    expect(run(segs).history).toBe('ShADT');
  });

  it('a retransmitted FIN adds nothing; a FIN at a new sequence number adds another F', () => {
    const base: Seg[] = [...exchange, { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 }];
    expect(run([...base, { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 }]).history).toBe('ShADadF');
    expect(run([...base, { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201, len: 5 }]).history).toBe('ShADadFF');
  });

  it('a SYN-ACK with a new ISN re-bases the side (no second h); a SYN with a new ISN is a new row (IsReuse)', () => {
    expect(
      run([
        { from: 'c', flags: 'S', seq: C },
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 's', flags: 'SA', seq: S + 3333, ack: C + 1 },
      ]).history,
    ).toBe('Sh');
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 'c', flags: 'S', seq: C + 77777 },
    ]);
    expect(r.rows.map((x) => [x.connState, x.history])).toEqual([
      ['S0', 'S'],
      ['S0', 'S'],
    ]);
  });

  it('zero window: w/W, not after the peer closed or with a RST', () => {
    expect(run([...handshake, { from: 's', flags: 'A', seq: S + 1, ack: C + 1, win: 0 }]).history).toBe('ShAaw');
    expect(run([...handshake, { from: 's', flags: 'RA', seq: S + 1, ack: C + 1, win: 0 }]).history).toBe('ShAr');
  });

  it('FIN+RST is i/I and SYN+FIN is q/Q, once per direction', () => {
    expect(run([...handshake, { from: 'c', flags: 'FRA', seq: C + 1, ack: S + 1 }]).history).toBe('ShAI');
    expect(
      run([
        { from: 'c', flags: 'SF', seq: C },
        { from: 'c', flags: 'SF', seq: C + 9 },
      ]).history,
    ).toBe('Q');
  });

  it('a bad checksum leaves C and is otherwise ignored (syn-bad: C, OTH, 0 packets)', () => {
    const r = run([{ from: 'c', flags: 'S', seq: C, bad: true }], { client: 59856, server: 80 });
    expect(r).toMatchObject({ connState: 'OTH', history: 'C' });
    expect(r.rows[0]).toMatchObject({ origPkts: 0, respPkts: 0 });
  });
});

describe('content gaps', () => {
  it('an ACK above data never seen is a gap of the sender (g/G)', () => {
    const r = run([
      ...exchange,
      // The server's next 300 bytes are missing; the client acknowledges them.
      { from: 'c', flags: 'A', seq: C + 101, ack: S + 501 },
    ]);
    expect(r.history).toBe('ShADadg');
    expect(r.rows[0].respBytes).toBe(500);
  });

  it('a hole later filled is no gap (the late segment counts as a retransmission)', () => {
    const r = run([
      ...handshake,
      { from: 'c', flags: 'PA', seq: C + 101, ack: S + 1, len: 100 },
      { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 100 },
      { from: 's', flags: 'A', seq: S + 1, ack: C + 201 },
    ]);
    expect(r.history).toBe('ShADTa');
  });

  it('data cut short by the snaplen is not delivered, so its ack reveals a gap', () => {
    const r = run([
      ...handshake,
      { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 100, captured: 40 },
      { from: 's', flags: 'A', seq: S + 1, ack: C + 101 },
    ]);
    expect(r.history).toBe('ShADaG');
  });

  it('no gap while the handshake is incomplete (one-sided capture)', () => {
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
      { from: 'c', flags: 'A', seq: C + 1, ack: S + 900 },
    ]);
    expect(r.history).toBe('SA');
  });
});

describe("Zeek's rows (state dropped on timers and reuse)", () => {
  it('an attempt unanswered for 5 s is written as S0; later packets start a new row (ssh client-side)', () => {
    const r = run(
      [
        { from: 'c', flags: 'S', seq: C },
        { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
        { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 40 },
        { from: 'c', flags: 'PA', seq: C + 41, ack: S + 300, len: 60, dt: 5500 },
        { from: 'c', flags: 'A', seq: C + 101, ack: S + 400 },
        { from: 'c', flags: 'FA', seq: C + 101, ack: S + 400 },
      ],
      { client: 51880, server: 22 },
    );
    expect(r.rows.map((x) => [x.connState, x.history, x.origPkts])).toEqual([
      ['S0', 'SAD', 3],
      ['SH', 'DAF', 3],
    ]);
    expect(r).toMatchObject({ connState: 'SH', history: 'DAF' });
    expect(r.rows[1].origBytes).toBe(60);
  });

  it('a SYN retransmitted after the 5 s attempt timeout starts a new row', () => {
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 'c', flags: 'S', seq: C, dt: 1000 },
      { from: 'c', flags: 'S', seq: C, dt: 2000 },
      { from: 'c', flags: 'S', seq: C, dt: 4000 },
      { from: 's', flags: 'SA', seq: S, ack: C + 1 },
      { from: 'c', flags: 'A', seq: C + 1, ack: S + 1 },
    ]);
    expect(r.rows.map((x) => [x.connState, x.history])).toEqual([
      ['S0', 'S'],
      ['S1', 'ShA'],
    ]);
  });

  it('a SYN on a tuple whose last attempt was rejected is a new row (pop3: Sr Sr)', () => {
    const r = run([
      { from: 'c', flags: 'S', seq: C },
      { from: 's', flags: 'RA', seq: 0, ack: C + 1 },
      { from: 'c', flags: 'S', seq: C, dt: 500 },
      { from: 's', flags: 'RA', seq: 0, ack: C + 1 },
    ]);
    expect(r.rows.map((x) => [x.connState, x.history])).toEqual([
      ['REJ', 'Sr'],
      ['REJ', 'Sr'],
    ]);
  });

  it('packets more than 5 s after a reset start a new row (modbus p502: ShR, then Dr)', () => {
    const r = run(
      [
        { from: 'c', flags: 'S', seq: C },
        { from: 's', flags: 'SA', seq: S, ack: C + 1 },
        { from: 'c', flags: 'R', seq: C + 1 },
        { from: 'c', flags: 'PA', seq: C + 1, ack: S + 1, len: 109, dt: 60_000 },
        { from: 's', flags: 'R', seq: S + 1 },
      ],
      { client: 60293, server: 502 },
    );
    expect(r.rows.map((x) => [x.connState, x.history])).toEqual([
      ['RSTO', 'ShR'],
      ['RSTRH', 'Dr'],
    ]);
  });

  it('a trailing packet within 5 s of the close stays in the row', () => {
    const r = run([
      ...exchange,
      { from: 'c', flags: 'FA', seq: C + 101, ack: S + 201 },
      { from: 's', flags: 'FA', seq: S + 201, ack: C + 102 },
      { from: 'c', flags: 'A', seq: C + 102, ack: S + 202, dt: 4000 },
    ]);
    expect(r.rows).toHaveLength(1);
  });

  it('an established connection idle for 5 minutes is written; the rest is a new row', () => {
    const r = run([...exchange, { from: 'c', flags: 'PA', seq: C + 101, ack: S + 201, len: 10, dt: 301_000 }]);
    expect(r.rows.map((x) => [x.connState, x.history])).toEqual([
      ['S1', 'ShADad'],
      ['OTH', 'D'],
    ]);
  });

  it('port 22 keeps an idle connection for an hour', () => {
    const r = run([...exchange, { from: 'c', flags: 'PA', seq: C + 101, ack: S + 201, len: 10, dt: 301_000 }], {
      client: 40000,
      server: 22,
    });
    expect(r.rows).toHaveLength(1);
  });

  it('result() does not change the model and can be called again', () => {
    const m = new ZeekConnModel();
    const f = fields({ from: 'c', flags: 'S', seq: C }, { client: 1, server: 2 });
    m.onSegment(f, true, 0);
    expect(m.result()).toEqual(m.result());
    expect(m.rows()).toEqual(m.rows());
    m.onSegment(fields({ from: 's', flags: 'SA', seq: S, ack: C + 1 }, { client: 1, server: 2 }), false, 10 * MS);
    expect(m.result()).toEqual({ connState: 'S1', history: 'Sh', origIsClient: true });
    const empty = new ZeekConnModel();
    expect(empty.result()).toEqual({ connState: 'OTH', history: '', origIsClient: true });
    expect(empty.rows()).toEqual([]);
  });

  it('origIsClient follows the last row after a split', () => {
    const m = new ZeekConnModel();
    const ports = { client: 40000, server: 41000 };
    m.onSegment(fields({ from: 'c', flags: 'S', seq: C }, ports), true, 0);
    // 10 s later the server's data (no SYN seen in this row) from a non-server port: it originates.
    m.onSegment(fields({ from: 's', flags: 'PA', seq: S + 1, ack: C + 1, len: 10 }, ports), false, 10 * SEC);
    expect(m.rows().map((r) => r.origIsClient)).toEqual([true, false]);
    expect(m.result()).toEqual({ connState: 'OTH', history: 'D', origIsClient: false });
  });
});

describe('zeekConnState (Conn::conn_state)', () => {
  const cases: Array<[number, number, number, number, string, string]> = [
    [SYN_SENT, RESET, 0, 0, 'Sr', 'REJ'],
    [RESET, RESET, 0, 0, 'SrR', 'REJ'],
    [RESET, RESET, 5, 0, 'SDrR', 'RSTR'],
    [PARTIAL, RESET, 10, 0, 'Dr', 'RSTRH'],
    [INACTIVE, RESET, 0, 0, 'r', 'RSTRH'],
    [ESTABLISHED, RESET, 0, 0, 'ShAr', 'RSTR'],
    [RESET, INACTIVE, 0, 0, 'SR', 'RSTOS0'],
    [RESET, INACTIVE, 0, 0, '^SaR', 'RSTOS0'],
    [RESET, INACTIVE, 0, 0, 'SAR', 'OTH'],
    [RESET, PARTIAL, 0, 0, 'R', 'OTH'],
    [RESET, ESTABLISHED, 0, 0, 'ShAR', 'RSTO'],
    [CLOSED, CLOSED, 0, 0, 'ShAFf', 'SF'],
    [CLOSED, INACTIVE, 0, 0, 'SF', 'SH'],
    [CLOSED, ESTABLISHED, 0, 0, 'ShAF', 'S2'],
    [INACTIVE, CLOSED, 0, 0, '^hf', 'SHR'],
    [ESTABLISHED, CLOSED, 0, 0, 'ShAf', 'S3'],
    [SYN_SENT, INACTIVE, 0, 0, 'S', 'S0'],
    [SYN_ACK_SENT, INACTIVE, 0, 0, 'H', 'OTH'],
    [ESTABLISHED, ESTABLISHED, 0, 0, 'ShA', 'S1'],
    [PARTIAL, PARTIAL, 0, 0, 'Dd', 'OTH'],
  ];
  it.each(cases)('orig %i resp %i sizes %i/%i history %s -> %s', (os, rs, ob, rb, h, want) => {
    expect(zeekConnState(os as 0, rs as 0, ob, rb, h)).toBe(want);
  });
});

describe('the reassembler\'s blocks above holes (helper-52 audit: a linear scan was quadratic)', () => {
  /** The insertion as it was: a linear scan from the first block. */
  function insertByScan(b: number[], lo: number, hi: number): void {
    let i = 0;
    while (i < b.length && b[i + 1] < lo) i += 2;
    let j = i;
    while (j < b.length && b[j] <= hi) {
      if (b[j] < lo) lo = b[j];
      if (b[j + 1] > hi) hi = b[j + 1];
      j += 2;
    }
    b.splice(i, j - i, lo, hi);
  }
  const ranges = fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 12 })), { maxLength: 120 });

  propTest.prop([ranges])('the binary search merges as the scan did, below the bound', (rs) => {
    const a: number[] = [];
    const b: number[] = [];
    for (const [lo, len] of rs) {
      insertBlock(a, lo, lo + len, 1_000_000);
      insertByScan(b, lo, lo + len);
    }
    expect(a).toEqual(b);
  });

  propTest.prop([ranges, fc.integer({ min: 1, max: 8 })])('at the bound a new block is dropped; merging goes on', (rs, max) => {
    const a: number[] = [];
    for (const [lo, len] of rs) {
      const before = a.slice();
      insertBlock(a, lo, lo + len, max);
      expect(a.length).toBeLessThanOrEqual(2 * max);
      for (let k = 2; k < a.length; k += 2) expect(a[k]).toBeGreaterThan(a[k - 1]); // sorted, disjoint
      // Nothing held before is lost: every old block lies inside some block now.
      for (let k = 0; k < before.length; k += 2) expect(a.some((_, m) => m % 2 === 0 && a[m] <= before[k] && a[m + 1] >= before[k + 1])).toBe(true);
    }
  });
});

describe('what one connection\'s Zeek model holds (helper-52 audit: rows and letters for the connection\'s whole life)', () => {
  it('a tuple Zeek splits again and again keeps its first MAX_ZEEK_ROWS - 1 finished rows, its latest, and the one still open', async () => {
    const s = new Scenario();
    const n = MAX_ZEEK_ROWS + 100;
    for (let i = 0; i < n; i++) { s.a.syn(); s.wait(6000); } // the same SYN every 6 s: a row each for Zeek
    const [c] = (await s.run({ zeekRows: true, ladder: false })).connections;
    const rows = c.zeek.rows!;
    expect(rows).toHaveLength(MAX_ZEEK_ROWS + 1);
    expect(rows[rows.length - 1].ts).toBe(c.lastSeen); // the latest: the capture's last SYN
    expect(rows[rows.length - 2].ts < rows[rows.length - 1].ts).toBe(true);
    // n SYNs: n - 1 rows closed by Zeek's timers and the last still open; 1,000 finished rows kept.
    expect(c.zeek.rowsOmitted).toBe(n - 1 - MAX_ZEEK_ROWS);
    // conn.log numbers them as if every row were written (helper-55: the latest read C1-1000).
    const uids = zeekConnLine(c).trimEnd().split('\n').map((l) => l.split('\t')[1]);
    expect(uids.slice(0, 2)).toEqual(['C1-1', 'C1-2']);
    expect(uids.slice(-3)).toEqual([`C1-${MAX_ZEEK_ROWS - 1}`, `C1-${n - 1}`, `C1-${n}`]);
  });
  it('a connection with every row kept has no rowsOmitted', async () => {
    const s = new Scenario();
    for (let i = 0; i < 3; i++) { s.a.syn(); s.wait(6000); }
    const [c] = (await s.run({ zeekRows: true, ladder: false })).connections;
    expect(c.zeek.rows).toHaveLength(3);
    expect('rowsOmitted' in c.zeek).toBe(false);
    expect(zeekConnLine(c).trimEnd().split('\n').map((l) => l.split('\t')[1])).toEqual(['C1-1', 'C1-2', 'C1-3']);
  });
  it('a history keeps its first MAX_HISTORY letters', async () => {
    const s = new Scenario();
    s.a.syn(); s.b.synAck(); s.a.ack();
    // A FIN on a new sequence number each time: Zeek adds an F (f) for each.
    for (let i = 0; i < MAX_HISTORY + 50; i++) { s.a.data(1); s.a.fin({ keepSeq: true }); }
    const [c] = (await s.run({ ladder: false })).connections;
    expect(c.zeek.history).toHaveLength(MAX_HISTORY);
    expect(c.zeek.history.startsWith('ShAD')).toBe(true);
  });
});
