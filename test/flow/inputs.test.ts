/**
 * Inputs are read one after another as one capture (rotated files, `tcpdump -C`/`-G`), and frame
 * numbers restart at 1 in each. A report that names a frame must say which input it counts in
 * when that is not the connection's `input`: a transition, an anomaly or a ladder row carries
 * `input`, a frame field `xxxFrame` is followed by `xxxInput` (as `lastFrame` by `lastInput`).
 * Before, only `lastInput` was said: a RESET at frame 3 of the third file read as frame 3 of the
 * first.
 */
import { describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { RunReport } from '../../src/report/model.js';
import { fromBytes, writePcap } from '../helpers/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { checkInvariants } from '../robustness/support.js';
import { ROTATED_COUNTS, ROTATED_NAMES, frameInputs, locatedFrames, rotatedCapture, wholeFrames } from '../helpers/rotated.js';

const { whole, parts } = rotatedCapture();
const offsets = new Map<string, number>(ROTATED_NAMES.map((n, i) => [n, ROTATED_COUNTS.slice(0, i).reduce((a, b) => a + b, 0)]));

async function pieces(ladder: boolean): Promise<RunReport> {
  return analyze(parts.map((p, i) => ({ name: ROTATED_NAMES[i], bytes: fromBytes(p) })), { ladder });
}

describe('a connection that goes on into later inputs', () => {
  // Without a ladder the first SYN is an embryo (flow/tracker.ts), replayed when the SYN,ACK comes:
  // its second SYN, in the next input, must keep that input.
  test.each([['without', false], ['with', true]])('%s ladder rows: every frame named is found in the input named beside it', async (_w, ladder) => {
    const split = await pieces(ladder);
    const one = await analyze([{ name: 'whole.pcap', bytes: fromBytes(whole) }], { ladder });
    expect(split.connections).toHaveLength(1);
    checkInvariants(split); // transitions in frame order within each input, among others
    expect(locatedFrames(split.connections[0], offsets)).toEqual(wholeFrames(one.connections[0]));
  });

  test('the input is named where a frame counts in another than the connection\'s, right after the frame, and nowhere else', async () => {
    const c = (await pieces(true)).connections[0];
    expect([c.input, c.firstFrame, c.lastFrame, c.lastInput]).toEqual(['a.pcap', 1, 3, 'c.pcap']);
    // [where, input, the key before it]
    const named = frameInputs(c);
    const b = named.filter(([, input]) => input === 'b.pcap').map(([path]) => path);
    const cc = named.filter(([, input]) => input === 'c.pcap').map(([path]) => path);
    expect(named.filter(([, input]) => input !== 'b.pcap' && input !== 'c.pcap')).toEqual([]);
    for (const [path, , before] of named) expect(before, path).toBe(path.endsWith('.input') ? 'frame' : path.slice(path.lastIndexOf('.') + 1).replace(/Input$/, 'Frame'));
    expect(cc).toEqual([
      '.client.transitions[2].input', '.client.transitions[3].input', '.client.transitions[4].input', // FIN_WAIT_1, FIN_WAIT_2, CLOSED by the RST
      '.server.transitions[3].input', '.server.transitions[4].input', // CLOSE_WAIT, CLOSED
      '.lastInput', '.close.firstFinInput',
      '.anomalies[2].input', // RESET
      '.ladder[6].input', '.ladder[7].input', '.ladder[8].input',
    ]);
    expect(b).toEqual([
      '.client.transitions[1].input', // ESTABLISHED at the SYN,ACK
      '.server.transitions[0].input', '.server.transitions[1].input', '.server.transitions[2].input', // LISTEN, SYN_RECEIVED, ESTABLISHED
      '.handshake.synAckInput', '.handshake.ackInput',
      '.anomalies[0].input', '.anomalies[1].input', // SYN_RETRANSMIT, ZERO_WINDOW
      '.ladder[1].input', '.ladder[2].input', '.ladder[3].input', '.ladder[4].input', '.ladder[5].input',
    ]);
    expect(c.anomalies.map((a) => [a.code, a.frame, a.input])).toEqual([
      ['SYN_RETRANSMIT', 1, 'b.pcap'], ['ZERO_WINDOW', 5, 'b.pcap'], ['RESET', 3, 'c.pcap'],
    ]);
    // The first input's frames say nothing more than before.
    expect(c.client.transitions[0]).toEqual({ from: 'CLOSED', to: 'SYN_SENT', arc: 'active OPEN / create TCB, snd SYN', frame: 1, time: c.firstSeen, evidence: 'observed' });
    expect(Object.keys(c.handshake).slice(4, 9)).toEqual(['synFrame', 'synAckFrame', 'synAckInput', 'ackFrame', 'ackInput']);
    expect(c.ladder![0]).not.toHaveProperty('input');
  });

  test('a single input names none (the reports stay as they were)', async () => {
    const c = (await analyze([{ name: 'whole.pcap', bytes: fromBytes(whole) }], { ladder: true })).connections[0];
    expect(frameInputs(c)).toEqual([]);
  });

  test('a FIN held until the end of the record is delivered at its own frame, in its own input', async () => {
    // The server's FIN, the last packet of the first input; nothing acknowledges it, and the
    // client's next segment comes in the second: the held FIN is delivered (inferred) at the FIN.
    const s = new Scenario();
    const { a, b } = s;
    a.syn(); b.synAck(); a.ack(); a.data(10); b.ack();
    b.fin();
    a.data(10, { ackLess: 1 });
    const f = s.frames;
    const r = await analyze([
      { name: 'one.pcap', bytes: fromBytes(writePcap(f.slice(0, 6))) },
      { name: 'two.pcap', bytes: fromBytes(writePcap(f.slice(6))) },
    ]);
    const c = r.connections[0];
    const closeWait = c.client.transitions.find((t) => t.to === 'CLOSE_WAIT')!;
    expect([closeWait.frame, closeWait.input, closeWait.evidence]).toEqual([6, undefined, 'inferred']);
    expect(c.lastInput).toBe('two.pcap');
  });
});
