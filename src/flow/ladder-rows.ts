/**
 * A connection's ladder rows while it is tracked: six numbers a row in one growing Float64Array
 * (48 bytes), plus the few rows that noted anomalies or counted in a later input. As objects
 * (LadderStep, each with its flags string, anomaly array and boxed numbers) a row held cost
 * 0.3-0.8 KB of RSS: `--ladder --all` on the 1 GB benchmark capture, whose connections hold ~330k
 * rows at once, peaked at 410 MiB against ~205 MiB without a ladder (robustness.md 99).
 *
 * The rows become LadderSteps once, when the connection's record is settled (Connection.settle);
 * nothing changes them after that. Until then the flow layer reads and rewrites them through the
 * accessors below (a state taken back, an ACK renumbered, a mark added or taken back).
 */
import { TCP_FLAG_BITS, flagsText } from '../decode/fields.js';
import { ENDPOINT_STATES, stateCode, type EndpointState } from '../tcp/state.js';
import type { LadderStep } from './connection.js';

const STRIDE = 6;
const FRAME = 0;
const T = 1;
const SEQ = 2;
/** -1: the segment had no ACK (LadderStep.ack null). */
const ACK = 3;
const LEN = 4;
/** The TCP flags (9 bits), the sender (bit 9: the client) and both states (4 bits each, from bit 10 and bit 14). */
const META = 5;

const FROM_CLIENT = 0x200;
const CLIENT_SHIFT = 10;
const SERVER_SHIFT = 14;
const STATE_MASK = 0xf;

/** Rows a store starts with, and all a recycled connection keeps the room for. */
const FIRST_ROWS = 8;

export class LadderRows {
  length = 0;
  private data = new Float64Array(FIRST_ROWS * STRIDE);
  /** Where the rows' input changed: from row `inputFrom[k]` on, rows count in `inputs[k]`. */
  private readonly inputFrom: number[] = [];
  private readonly inputs: string[] = [];
  /** The anomaly codes of the rows that have any, by row. */
  private codes: Map<number, string[]> | null = null;

  /**
   * Empty again, for a recycled connection. The room a ladder grew to is let go: a spare connection
   * is outside the row budget, and a reused one may hold a few rows for a long time (helper-92
   * review: keeping up to 1,024 rows' room, 48 KB, took bulk transfers followed by idle
   * connections to 378-401 MiB, against 271-273 MiB with the row objects).
   */
  clear(): void {
    this.length = 0;
    if (this.data.length > FIRST_ROWS * STRIDE) this.data = new Float64Array(FIRST_ROWS * STRIDE);
    this.inputFrom.length = 0;
    this.inputs.length = 0;
    this.codes = null;
  }

  /** Rows the store has room for before it grows. */
  get room(): number {
    return this.data.length / STRIDE;
  }

  /** `ack` -1: none. `codes`: the row's own array from then on (null or empty: none). */
  push(frame: number, input: string, tNanos: number, fromClient: boolean, flags: number, seq: number, ack: number, len: number,
    clientState: EndpointState, serverState: EndpointState, codes: string[] | null): void {
    const i = this.length;
    let d = this.data;
    if ((i + 1) * STRIDE > d.length) {
      const grown = new Float64Array(d.length * 2);
      grown.set(d);
      this.data = d = grown;
    }
    const o = i * STRIDE;
    d[o + FRAME] = frame;
    d[o + T] = tNanos;
    d[o + SEQ] = seq;
    d[o + ACK] = ack;
    d[o + LEN] = len;
    d[o + META] = (flags & TCP_FLAG_BITS) | (fromClient ? FROM_CLIENT : 0)
      | (stateCode(clientState) << CLIENT_SHIFT) | (stateCode(serverState) << SERVER_SHIFT);
    const n = this.inputs.length;
    if (n === 0 || this.inputs[n - 1] !== input) {
      this.inputFrom.push(i);
      this.inputs.push(input);
    }
    if (codes !== null && codes.length > 0) (this.codes ??= new Map()).set(i, codes);
    this.length = i + 1;
  }

  /** The input row `i` counts in. */
  inputOf(i: number): string {
    let k = this.inputFrom.length - 1;
    while (k > 0 && this.inputFrom[k] > i) k--;
    return k >= 0 ? this.inputs[k] : '';
  }

  frame(i: number): number {
    return this.data[i * STRIDE + FRAME];
  }

  fromClient(i: number): boolean {
    return (this.data[i * STRIDE + META] & FROM_CLIENT) !== 0;
  }

  state(i: number, client: boolean): EndpointState {
    return ENDPOINT_STATES[(this.data[i * STRIDE + META] >> (client ? CLIENT_SHIFT : SERVER_SHIFT)) & STATE_MASK];
  }

  setState(i: number, client: boolean, state: EndpointState): void {
    const o = i * STRIDE + META;
    const shift = client ? CLIENT_SHIFT : SERVER_SHIFT;
    this.data[o] = (this.data[o] & ~(STATE_MASK << shift)) | (stateCode(state) << shift);
  }

  /** The row's ACK number, null when its segment had no ACK. */
  ack(i: number): number | null {
    const v = this.data[i * STRIDE + ACK];
    return v < 0 ? null : v;
  }

  setAck(i: number, ack: number): void {
    this.data[i * STRIDE + ACK] = ack;
  }

  /** The row's anomaly codes (null: none). */
  codesOf(i: number): string[] | null {
    return this.codes === null ? null : this.codes.get(i) ?? null;
  }

  addCode(i: number, code: string): void {
    const list = this.codesOf(i);
    if (list !== null) list.push(code);
    else (this.codes ??= new Map()).set(i, [code]);
  }

  /** Takes back the row's first mark `code`, if it has one. */
  removeCode(i: number, code: string): void {
    const list = this.codesOf(i);
    const at = list === null ? -1 : list.indexOf(code);
    if (at >= 0) list!.splice(at, 1);
  }

  /** The rows as the record carries them; `firstInput` is the connection's first packet's (a row in it has no `input`). */
  toSteps(firstInput: string): LadderStep[] {
    const d = this.data;
    const steps: LadderStep[] = new Array(this.length);
    let run = -1;
    let input = firstInput;
    for (let i = 0; i < this.length; i++) {
      if (run + 1 < this.inputFrom.length && this.inputFrom[run + 1] === i) input = this.inputs[++run];
      const o = i * STRIDE;
      const meta = d[o + META];
      const ack = d[o + ACK];
      steps[i] = {
        frame: d[o + FRAME],
        // Only in a later input than the connection's first packet (as ConnectionReport.lastInput).
        ...(input !== firstInput ? { input } : {}),
        tNanos: d[o + T],
        from: (meta & FROM_CLIENT) !== 0 ? 'client' : 'server',
        flags: flagsText(meta & TCP_FLAG_BITS),
        seq: d[o + SEQ],
        ack: ack < 0 ? null : ack,
        len: d[o + LEN],
        clientState: ENDPOINT_STATES[(meta >> CLIENT_SHIFT) & STATE_MASK],
        serverState: ENDPOINT_STATES[(meta >> SERVER_SHIFT) & STATE_MASK],
        anomalies: this.codesOf(i) ?? [],
      };
    }
    return steps;
  }
}
