/**
 * One connection whose packets fall in three inputs, as `tcpdump -C`/`-G` rotates its files, and
 * what a reader of the report needs to find each frame it names: the input the frame counts in.
 *
 *   a.pcap  1 SYN
 *   b.pcap  1 SYN again (SYN_RETRANSMIT)   2 SYN,ACK   3 ACK   4 data   5 ACK, window 0 (ZERO_WINDOW)
 *   c.pcap  1 FIN   2 ACK   3 RST from the server (RESET: a connection-level mark, on frame 3 of
 *           c.pcap, which b.pcap also has)
 */
import type { ConnectionReport } from '../../src/report/model.js';
import { writePcap } from './pcap-writer.js';
import { Scenario } from './scenario.js';

export const ROTATED_NAMES = ['a.pcap', 'b.pcap', 'c.pcap'] as const;
/** Records of each input. */
export const ROTATED_COUNTS = [1, 5, 3] as const;

export function rotatedScenario(): Scenario {
  const s = new Scenario();
  const { a, b } = s;
  a.syn();
  s.wait(1000);
  a.syn(); // the same ISN: a retransmission
  b.synAck();
  a.ack();
  a.data(100);
  b.ack({ window: 0 });
  s.wait(50);
  a.fin();
  b.ack();
  b.rst();
  return s;
}

/** The whole capture, and its three pieces (each a pcap of its own: header, then its records). */
export function rotatedCapture(): { whole: Uint8Array; parts: Uint8Array[] } {
  const frames = rotatedScenario().frames;
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const n of ROTATED_COUNTS) {
    parts.push(writePcap(frames.slice(at, at + n)));
    at += n;
  }
  return { whole: writePcap([...frames]), parts };
}

type Loose = Record<string, unknown>;

/**
 * The connection with every frame turned into the whole capture's frame (the records of the inputs
 * before its own, plus the frame), found through the input the report names beside it, and every
 * such name dropped: what a run of the whole capture reports. `offsets` maps an input's name to
 * the records before it.
 */
export function locatedFrames(c: ConnectionReport, offsets: ReadonlyMap<string, number>): Loose {
  const x = JSON.parse(JSON.stringify(c)) as Loose;
  const own = x.input as string;
  const at = (input: unknown, frame: unknown): unknown => {
    if (frame === null) return null;
    const name = input === undefined ? own : input as string;
    const base = offsets.get(name);
    if (base === undefined) throw new Error(`frame ${String(frame)} of an unknown input ${name}`);
    return base + (frame as number);
  };
  const list = (objs: unknown): void => {
    for (const o of (objs ?? []) as Loose[]) {
      o.frame = at(o.input, o.frame);
      delete o.input;
    }
  };
  x.firstFrame = at(own, x.firstFrame);
  x.lastFrame = at(x.lastInput, x.lastFrame);
  delete x.input;
  delete x.lastInput;
  for (const side of ['client', 'server']) list((x[side] as Loose).transitions);
  list(x.anomalies);
  list(x.ladder);
  const h = x.handshake as Loose;
  for (const k of ['syn', 'synAck', 'ack']) {
    h[`${k}Frame`] = at(h[`${k}Input`], h[`${k}Frame`]);
    delete h[`${k}Input`];
  }
  const cl = x.close as Loose;
  cl.firstFinFrame = at(cl.firstFinInput, cl.firstFinFrame);
  delete cl.firstFinInput;
  return x;
}

/** The whole capture's report of the same connection, its `input` dropped (its frames are already the whole capture's). */
export function wholeFrames(c: ConnectionReport): Loose {
  const x = JSON.parse(JSON.stringify(c)) as Loose;
  delete x.input;
  return x;
}

/**
 * Where the report says which input a frame counts in, as [path, value]: every `input` beside a
 * `frame` and every `xxxInput` beside an `xxxFrame`, with the key just before it (the name must
 * follow its frame). `lastInput` included.
 */
export function frameInputs(c: ConnectionReport): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  const walk = (o: unknown, path: string): void => {
    if (Array.isArray(o)) {
      o.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    if (typeof o !== 'object' || o === null) return;
    const keys = Object.keys(o);
    keys.forEach((k, i) => {
      const v = (o as Loose)[k];
      const isFrameInput = (k === 'input' && path !== '') || (k.endsWith('Input') && k !== 'input');
      if (isFrameInput) out.push([`${path}.${k}`, v as string, keys[i - 1]]);
      else walk(v, `${path}.${k}`);
    });
  };
  walk(c, '');
  return out;
}
