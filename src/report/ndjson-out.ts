/**
 * The parts both NDJSON line writers are made of: the batch buffer being written, the constant
 * runs of bytes between values (keys with their punctuation), and the leaves (strings, numbers,
 * ISO instants) encoded straight into it as UTF-8.
 * - ndjson-bytes.ts writes a ConnectionReport object (checking its shape, see there);
 * - ndjson-facts.ts writes the same line from a connection's digest (analysis/digest.ts), with no
 *   report object at all.
 * Both produce exactly JSON.stringify's bytes: how each leaf guarantees that is said at the leaf.
 */
import type { IsoFormatter } from '../analysis/iso.js';
import { DIGIT_PAIRS, MAX_ISO_BYTES } from '../analysis/iso.js';
import { NO_TIME } from '../analysis/digest.js';
import { wiresharkReport } from '../analysis/completeness.js';

/** `writeLine` results that are not a position. */
export const LINE_NO_ROOM = -1;
export const LINE_UNEXPECTED_SHAPE = -2;

// Thrown from deep in the writer and caught in writeLine, which abandons the partial
// line (the caller's position does not move).
export const NO_ROOM: unique symbol = Symbol('no room');
export const UNEXPECTED: unique symbol = Symbol('unexpected shape');

export type Obj = Record<string, unknown>;

/**
 * A constant run of bytes as little-endian 32-bit words, stored four bytes at a time: a byte loop
 * cost ~1.7 ns a byte and `Uint8Array#set` ~12 ns a call, against ~0.3 ns a byte this way
 * (Node 20). The last word carries up to 3 bytes of padding past `n`; they land beyond the
 * line's current end, where the next write overwrites them (or past the final position, never
 * sent), so a write only needs room for its whole words.
 */
export class Frag {
  readonly words: Int32Array;

  constructor(readonly n: number, bytes: Uint8Array) {
    const padded = new Uint8Array((n + 3) & ~3);
    padded.set(bytes.subarray(0, n));
    const view = new DataView(padded.buffer);
    this.words = new Int32Array(padded.length >> 2);
    for (let i = 0; i < this.words.length; i++) this.words[i] = view.getInt32(4 * i, true);
  }
}

export const enc = (s: string): Frag => new Frag(s.length, Buffer.from(s, 'latin1'));

/**
 * What comes before a leaf (`,"synFrame":`), alone and followed by each constant leaf, so that a
 * null, true or false (18 of a line's ~140 leaves) goes out with its key in one write.
 */
export class Key {
  readonly bytes: Frag;
  readonly withNull: Frag;
  readonly withTrue: Frag;
  readonly withFalse: Frag;

  constructor(s: string) {
    this.bytes = enc(s);
    this.withNull = enc(`${s}null`);
    this.withTrue = enc(`${s}true`);
    this.withFalse = enc(`${s}false`);
  }
}

export const key = (s: string): Key => new Key(s);

/**
 * A key followed by a value from a small vocabulary (states, outcomes, codes): the bytes of both
 * by value, learned as they are first written. A map lookup and a few word stores instead of the
 * key, a scan of the string and its quotes.
 */
export class WordCache {
  private readonly seen = new Map<string, Frag>();
  // The last value found, checked first: mostly the same string object again ('observed',
  // 'info', the input's name), which === tells at once.
  private lastValue: unknown = NO_VALUE;
  private lastBytes: Frag | null = null;

  constructor(private readonly key: Frag, private readonly maxChars = 64) {}

  write(v: unknown, p: number): number {
    if (v === this.lastValue) return frag(this.lastBytes!, p);
    if (typeof v === 'string') {
      const f = this.seen.get(v);
      if (f !== undefined) {
        this.lastValue = v;
        this.lastBytes = f;
        return frag(f, p);
      }
    }
    const q = str(v, frag(this.key, p));
    // Bounded, so free text where a vocabulary belongs (a library user's report) cannot grow it.
    if (typeof v === 'string' && v.length <= this.maxChars && this.seen.size < MAX_WORDS) this.seen.set(v, new Frag(q - p, B.subarray(p, q)));
    return q;
  }
}

const NO_VALUE = Symbol('none');
const MAX_WORDS = 64;
const MAX_WORD_CHARS = 64;

export const K_ANOMALY = ['code', 'severity', 'endpoint', 'frame', 'time', 'message', 'details'];
/** The key a transition, anomaly or ladder row has after `frame` when the frame counts in another input than the connection's. */
export const AFTER_FRAME: readonly OptionalKey[] = [['input', 'frame']];

// Every constant run of bytes between two values. A key's fragment may carry the `{` and first key
// of its object value: should that object not have its shape, the whole line is abandoned anyway.
export const F_HEAD = key('{"type":"connection","id":');
export const F_CLIENT = enc(',"client":{"ip":');
export const F_SERVER = enc(',"server":{"ip":');
export const F_ROLES_GUESSED = key(',"rolesGuessed":');
export const F_MIDSTREAM = key(',"midstream":');
export const F_PORT_REUSE = enc(',"portReuse":');
export const F_PREVIOUS_ID = key('{"previousId":');
export const F_GAP = key(',"gap":');
export const F_FIRST_SEEN = key(',"firstSeen":');
export const F_LAST_SEEN = key(',"lastSeen":');
export const F_DURATION = key(',"duration":');
export const F_INPUT = enc(',"input":');
export const F_FIRST_FRAME = key(',"firstFrame":');
export const F_LAST_FRAME = key(',"lastFrame":');
export const F_LAST_INPUT = enc(',"lastInput":');
export const F_ENDED = enc(',"ended":');
export const F_HANDSHAKE = enc(',"handshake":{"outcome":');
export const F_DATA = enc(',"data":{"client":{"packets":');
export const F_DATA_SERVER = enc(',"server":{"packets":');
export const F_TIME_TO_FIRST_BYTE = key(',"timeToFirstByte":');
export const F_CLOSE = enc(',"close":{"kind":');
export const F_PACKETS = key(',"packets":{"client":');
export const F_BYTES = key(',"bytes":{"client":');
export const F_ANOMALIES = enc(',"anomalies":[');
export const F_ZEEK = enc(',"zeek":{"connState":');
export const F_WIRESHARK = key(',"wireshark":{"completeness":');
export const F_COMPLETENESS_TEXT = key(',"completenessText":');
export const F_COMPLETENESS_FLAGS = key(',"completenessFlags":');
/** The whole `wireshark` member for each of the 64 completeness values, in UTF-8 (the flags' middle dots). */
export const F_WIRESHARK_OF: readonly Frag[] = Array.from({ length: 64 }, (_, bits) => {
  const b = Buffer.from(`,"wireshark":${JSON.stringify(wiresharkReport(bits))}`, 'utf8');
  return new Frag(b.length, b);
});
export const F_CAPTURE_LOSS = key(',"captureLoss":');
export const F_LADDER = enc(',"ladder":[');
export const F_LINE_END = enc('}\n');

export const F_PORT = key(',"port":');
export const F_FINAL_STATE = enc(',"finalState":');
export const F_ISN = key(',"isn":');
export const F_OPTIONS = key(',"options":{"mss":');
export const F_WINDOW_SCALE = key(',"windowScale":');
export const F_SACK_PERMITTED = key(',"sackPermitted":');
export const F_TIMESTAMPS = key(',"timestamps":');
export const F_TRANSITIONS = enc('},"transitions":[');
export const F_FROM = enc('{"from":');
export const F_TO = enc(',"to":');
export const F_ARC = enc(',"arc":');
export const F_FRAME = key(',"frame":');
export const F_TIME = key(',"time":');
export const F_EVIDENCE = enc(',"evidence":');
export const F_END_ENDPOINT = enc(']}');

export const F_SYN = key(',"syn":');
export const F_SYN_ACK = key(',"synAck":');
export const F_ACK = key(',"ack":');
export const F_SYN_FRAME = key(',"synFrame":');
export const F_SYN_ACK_FRAME = key(',"synAckFrame":');
export const F_ACK_FRAME = key(',"ackFrame":');
export const F_SYN_COUNT = key(',"synCount":');
export const F_SYN_ACK_COUNT = key(',"synAckCount":');
export const F_SYN_BACKOFF = enc(',"synBackoff":[');
export const F_RTT = key('],"rtt":{"synToSynAck":');
export const F_LAST_SYN_TO_SYN_ACK = key(',"lastSynToSynAck":');
export const F_SYN_ACK_TO_ACK = key(',"synAckToAck":');
export const F_TOTAL = key(',"total":');
export const F_RTT_END_DURATION = key('},"duration":');

export const F_BYTES_IN = key(',"bytes":');
export const F_RETRANSMITTED_BYTES = key(',"retransmittedBytes":');
export const F_RETRANSMITTED_PACKETS = key(',"retransmittedPackets":');
export const F_FIRST_DATA = key(',"firstData":');
export const F_LAST_DATA = key(',"lastData":');
export const F_BYTES_AFTER_PEER_FIN = key(',"bytesAfterPeerFin":');

export const F_INITIATOR = enc(',"initiator":');
export const F_RESET_BY = enc(',"resetBy":');
export const F_FIRST_FIN = key(',"firstFin":');
export const F_FIRST_FIN_FRAME = key(',"firstFinFrame":');
export const F_COMPLETED = key(',"completed":');
export const F_FIN_WAIT_2 = key(',"finWait2":{"client":');
export const F_CLOSE_WAIT = key('},"closeWait":{"client":');
export const F_TIME_WAIT = key('},"timeWait":{"client":{"enteredAt":');
export const F_TW_HELD = key(',"heldAtEnd":');
export const F_TW_SERVER = key('},"server":{"enteredAt":');
export const F_SERVER_IN = key(',"server":');
export const F_END_CLOSE = enc('}}}');

export const F_CODE = enc('{"code":');
export const F_SEVERITY = enc(',"severity":');
export const F_ENDPOINT = enc(',"endpoint":');
export const F_MESSAGE = key(',"message":');
export const F_DETAILS = enc(',"details":');

export const F_HISTORY = key(',"history":');
export const F_ORIG_IS_CLIENT = key(',"origIsClient":');

export const F_ROW_FRAME = key('{"frame":');
export const F_ROW_FROM = key(',"from":');
export const F_T = key(',"t":');
export const F_FLAGS = key(',"flags":');
export const F_SEQ = key(',"seq":');
export const F_LEN = key(',"len":');
export const F_CLIENT_STATE = key(',"clientState":');
export const F_SERVER_STATE = key(',"serverState":');
export const F_ROW_ANOMALIES = enc(',"anomalies":[');
export const F_END_ROW = enc(']}');

export const F_NULL = enc('null');
export const F_TRUE = enc('true');
export const F_FALSE = enc('false');

export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const CLOSE_BRACKET = 0x5d;

export const W_ENDED = new WordCache(F_ENDED);
export const W_HANDSHAKE = new WordCache(F_HANDSHAKE);
export const W_FINAL_STATE = new WordCache(F_FINAL_STATE);
export const W_EVIDENCE = new WordCache(F_EVIDENCE);
export const W_CLOSE = new WordCache(F_CLOSE);
export const W_INITIATOR = new WordCache(F_INITIATOR);
export const W_RESET_BY = new WordCache(F_RESET_BY);
export const W_CODE = new WordCache(F_CODE);
export const W_SEVERITY = new WordCache(F_SEVERITY);
export const W_ENDPOINT = new WordCache(F_ENDPOINT);
export const W_ZEEK = new WordCache(F_ZEEK);
// The capture's file name: the same string on every line of an input.
export const W_INPUT = new WordCache(F_INPUT, 1024);
export const W_LAST_INPUT = new WordCache(F_LAST_INPUT, 1024);
// The input a frame counts in, when not the connection's (a connection that goes on into the next file).
export const W_SYN_INPUT = new WordCache(enc(',"synInput":'), 1024);
export const W_SYN_ACK_INPUT = new WordCache(enc(',"synAckInput":'), 1024);
export const W_ACK_INPUT = new WordCache(enc(',"ackInput":'), 1024);
export const W_FIRST_FIN_INPUT = new WordCache(enc(',"firstFinInput":'), 1024);


/** Longest String(n) of a double, e.g. "-0.0000012345678901234567" (25), rounded up. */
const MAX_NUMBER_CHARS = 32;

// The batch being written, its end, and a DataView over it for the word stores. The view is made
// once per batch rather than per line, so the last batch stays referenced until the next one.
let B: Buffer = Buffer.alloc(0);
let DV = new DataView(B.buffer, B.byteOffset, 0);
let END = 0;

/**
 * Runs `write(v, pos)` for one line into `buf`: the position after the line, LINE_NO_ROOM when it
 * does not fit before the end of `buf`, or LINE_UNEXPECTED_SHAPE when `v` is not shaped as the
 * writer expects (the caller then uses JSON.stringify). On either failure, bytes of `buf` from
 * `pos` on may have been overwritten.
 */
export function writeLine<T>(write: (v: T, p: number) => number, v: T, buf: Buffer, pos: number): number {
  if (!primitivesPlain()) return LINE_UNEXPECTED_SHAPE;
  if (buf !== B) {
    B = buf;
    DV = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  END = buf.length;
  try {
    return write(v, pos);
  } catch (e) {
    if (e === NO_ROOM) return LINE_NO_ROOM;
    if (e === UNEXPECTED) return LINE_UNEXPECTED_SHAPE;
    throw e;
  }
}

// JSON.stringify asks every value, primitives included, for a `toJSON`. Nobody should put one on
// these prototypes, but if someone did, only JSON.stringify knows what it prints.
export function primitivesPlain(): boolean {
  return (Object.prototype as Obj).toJSON === undefined && (Array.prototype as unknown as Obj).toJSON === undefined
    && (Number.prototype as unknown as Obj).toJSON === undefined && (String.prototype as unknown as Obj).toJSON === undefined
    && (Boolean.prototype as unknown as Obj).toJSON === undefined;
}

/**
 * A plain object whose enumerable keys are `keys`, in that order. for-in lists own keys in
 * JSON.stringify's order and then inherited enumerable ones, which JSON.stringify skips: those
 * fail the comparison too.
 */
export function isShaped(o: unknown, keys: readonly string[]): o is Obj {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype || (o as Obj).toJSON !== undefined) return false;
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

export function shaped(o: unknown, keys: readonly string[]): Obj {
  if (!isShaped(o, keys)) throw UNEXPECTED;
  return o;
}

/** An optional key and the key it comes right after. */
export type OptionalKey = readonly [key: string, after: string];

/**
 * As `shaped`, where each of `optional` may also appear, once, right after its `after` key of
 * `keys` (connection-report.ts adds them only when they have something to say). Returns which
 * appeared, as bits in the order of `optional`; the object is then `o`.
 */
export function shapedWith(o: unknown, keys: readonly string[], optional: readonly OptionalKey[]): number {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype || (o as Obj).toJSON !== undefined) throw UNEXPECTED;
  let i = 0;
  let seen = 0;
  for (const k in o) {
    if (k === keys[i]) {
      i++;
      continue;
    }
    let j = 0;
    while (j < optional.length && !(optional[j][0] === k && optional[j][1] === keys[i - 1])) j++;
    if (j === optional.length || (seen & (1 << j)) !== 0) throw UNEXPECTED;
    seen |= 1 << j;
  }
  if (i !== keys.length) throw UNEXPECTED;
  return seen;
}

/** JSON.stringify reads an array by index up to its length, like the loops here. */
export function array(a: unknown): unknown[] {
  if (!Array.isArray(a) || (a as unknown as Obj).toJSON !== undefined) throw UNEXPECTED;
  return a;
}

export function frag(f: Frag, p: number): number {
  const w = f.words;
  const nw = w.length;
  if (p + 4 * nw > END) throw NO_ROOM;
  const dv = DV;
  for (let i = 0; i < nw; i++) dv.setInt32(p + 4 * i, w[i], true);
  return p + f.n;
}

export function byte(x: number, p: number): number {
  if (p >= END) throw NO_ROOM;
  B[p] = x;
  return p + 1;
}

/** Any JSON leaf, by its runtime type. */
export function leaf(v: unknown, p: number): number {
  switch (typeof v) {
    case 'string': return str(v, p);
    case 'number': return num(v, p);
    case 'boolean': return frag(v ? F_TRUE : F_FALSE, p);
    case 'object': if (v === null) return frag(F_NULL, p);
  }
  // Objects need a shape; JSON.stringify drops undefined, functions and symbols, throws on bigints.
  throw UNEXPECTED;
}

export function str(v: unknown, p: number): number {
  if (typeof v !== 'string') return leaf(v, p);
  const n = v.length;
  if (p + n + 2 > END) throw NO_ROOM;
  const b = B;
  const dv = DV;
  b[p] = QUOTE;
  const q = p + 1;
  // Four characters per store (~15% faster than one). `bad` goes negative on a control character,
  // `"`, `\` or anything above 0x7f (each term is negative exactly then), checked at the end.
  let bad = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const c0 = v.charCodeAt(i);
    const c1 = v.charCodeAt(i + 1);
    const c2 = v.charCodeAt(i + 2);
    const c3 = v.charCodeAt(i + 3);
    bad |= (c0 - 0x20) | (0x7f - c0) | ((c0 ^ 0x22) - 1) | ((c0 ^ 0x5c) - 1)
      | (c1 - 0x20) | (0x7f - c1) | ((c1 ^ 0x22) - 1) | ((c1 ^ 0x5c) - 1)
      | (c2 - 0x20) | (0x7f - c2) | ((c2 ^ 0x22) - 1) | ((c2 ^ 0x5c) - 1)
      | (c3 - 0x20) | (0x7f - c3) | ((c3 ^ 0x22) - 1) | ((c3 ^ 0x5c) - 1);
    dv.setInt32(q + i, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24), true);
  }
  for (; i < n; i++) {
    const ch = v.charCodeAt(i);
    bad |= (ch - 0x20) | (0x7f - ch) | ((ch ^ 0x22) - 1) | ((ch ^ 0x5c) - 1);
    b[q + i] = ch;
  }
  // JSON.stringify escapes those, and UTF-8 needs more than a byte above 0x7f: let it do the string.
  if (bad < 0) return escapedStr(v, p);
  b[q + n] = QUOTE;
  return q + n + 1;
}

export function escapedStr(v: string, p: number): number {
  const json = JSON.stringify(v);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit (JSON.stringify escapes lone surrogates, and
  // a pair is 4 bytes for 2 units); Buffer.write would silently truncate.
  if (p + 3 * json.length > END) throw NO_ROOM;
  return p + B.write(json, p, 'utf8');
}

export function num(v: unknown, p: number): number {
  if (typeof v !== 'number') return leaf(v, p);
  if (p + MAX_NUMBER_CHARS > END) throw NO_ROOM;
  const b = B;
  if (v >>> 0 === v) {
    // 0 .. 2^32-1, and -0 (which JSON.stringify prints as 0): two digits per store, from the right.
    const n = v < 1e5 ? (v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 1e4 ? 4 : 5)
      : v < 1e7 ? (v < 1e6 ? 6 : 7) : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
    const dv = DV;
    let x = v >>> 0;
    let i = p + n;
    while (x >= 100) {
      const q = (x / 100) >>> 0;
      i -= 2;
      dv.setUint16(i, DIGIT_PAIRS[x - q * 100], true);
      x = q;
    }
    if (x >= 10) dv.setUint16(p, DIGIT_PAIRS[x], true);
    else b[p] = 0x30 + x;
    return p + n;
  }
  if (v >= 1e-6 && v < 1048576) {
    const end = nanoDecimal(v, p);
    if (end >= 0) return end;
  }
  if (v !== v || v === Infinity || v === -Infinity) return frag(F_NULL, p);
  const s = String(v); // digits, '.', 'e', '+', '-': ASCII
  const n = s.length;
  for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
  return p + n;
}

/**
 * Durations are nanoseconds / 1e9. When v (1e-6 <= v < 2^20, not an integer) is the double
 * nearest a decimal with at most 9 fraction digits, that decimal is String(v), and it is written
 * here without making the string (String(v) was ~15% of the writer's time): below 2^20 doubles
 * are less than 2^-33 apart, so no other such decimal rounds to v, and the shortest digits that
 * round-trip (what Number::toString prints) are among them; from 1e-6 up they print without an
 * exponent. Returns -1 for any other v.
 */
export function nanoDecimal(v: number, p: number): number {
  const m = Math.round(v * 1e9);
  if (m / 1e9 !== v) return -1;
  const whole = Math.floor(m / 1e9);
  const frac = m - whole * 1e9;
  if (!(frac > 0 && frac < 1e9)) return -1; // integers took num's own path; nothing else lands here
  p = num(whole, p);
  const b = B;
  b[p] = 0x2e; // '.'
  // All nine digits (frac < 2^31: integer arithmetic), then the trailing zeros dropped.
  let x = frac | 0;
  for (let i = p + 9; i > p; i--) {
    const q = (x / 10) | 0;
    b[i] = 0x30 + x - q * 10;
    x = q;
  }
  let last = p + 9;
  while (b[last] === 0x30) last--;
  return last + 1;
}

export function numAt(k: Key, v: unknown, p: number): number {
  if (v === null) return frag(k.withNull, p);
  return num(v, frag(k.bytes, p));
}

export function strAt(k: Key, v: unknown, p: number): number {
  if (v === null) return frag(k.withNull, p);
  return str(v, frag(k.bytes, p));
}

export function boolAt(k: Key, v: unknown, p: number): number {
  if (v === true) return frag(k.withTrue, p);
  if (v === false) return frag(k.withFalse, p);
  return leaf(v, frag(k.bytes, p));
}

interface TransitionHead { from: string; to: string; bytes: Frag }

/**
 * `{"from":..,"to":..,"arc":..,"frame":` by arc label, then from and to: Figure 5 has ~40 such
 * triples, and a transition is ~150 of a line's ~3,400 bytes, ten times per line.
 */
const TRANSITION_HEADS = new Map<string, TransitionHead[]>();
const MAX_TRANSITION_HEADS = 256;
let transitionHeadCount = 0;

export function transitionHead(t: Obj, p: number): number {
  const from = t.from;
  const to = t.to;
  const arc = t.arc;
  if (typeof arc === 'string') {
    const heads = TRANSITION_HEADS.get(arc);
    if (heads !== undefined) {
      for (let i = 0; i < heads.length; i++) if (heads[i].from === from && heads[i].to === to) return frag(heads[i].bytes, p);
    }
  }
  let q = frag(F_FROM, p);
  q = str(from, q);
  q = frag(F_TO, q);
  q = str(to, q);
  q = frag(F_ARC, q);
  q = str(arc, q);
  q = frag(F_FRAME.bytes, q);
  if (typeof from === 'string' && typeof to === 'string' && typeof arc === 'string' && transitionHeadCount < MAX_TRANSITION_HEADS
    && from.length + to.length + arc.length <= 3 * MAX_WORD_CHARS) {
    let heads = TRANSITION_HEADS.get(arc);
    if (heads === undefined) TRANSITION_HEADS.set(arc, (heads = []));
    heads.push({ from, to, bytes: new Frag(q - p, B.subarray(p, q)) });
    transitionHeadCount++;
  }
  return q;
}

/** A capture instant (ns) as a quoted ISO-8601 string after its key; NO_TIME (analysis/digest.ts) as null. */
export function isoAt(k: Key, fmt: IsoFormatter, tNanos: number, p: number): number {
  if (tNanos === NO_TIME) return frag(k.withNull, p);
  p = frag(k.bytes, p);
  if (p + MAX_ISO_BYTES + 2 > END) throw NO_ROOM;
  const b = B;
  b[p] = QUOTE;
  p = fmt.write(tNanos, DV, p + 1);
  b[p] = QUOTE;
  return p + 1;
}

export function anomaly(v: unknown, p: number): number {
  const withInput = shapedWith(v, K_ANOMALY, AFTER_FRAME) !== 0;
  const a = v as Obj;
  p = W_CODE.write(a.code, p);
  p = W_SEVERITY.write(a.severity, p);
  p = W_ENDPOINT.write(a.endpoint, p);
  p = numAt(F_FRAME, a.frame, p);
  // JSON.stringify leaves out a key whose value is undefined.
  if (withInput && a.input !== undefined) p = W_INPUT.write(a.input, p);
  p = strAt(F_TIME, a.time, p);
  p = strAt(F_MESSAGE, a.message, p);
  p = frag(F_DETAILS, p);
  p = details(a.details, p);
  return byte(CLOSE_BRACE, p);
}

/** A flat object of leaves, keys in enumeration order (the order JSON.stringify prints). */
export function details(v: unknown, p: number): number {
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype || (v as Obj).toJSON !== undefined) throw UNEXPECTED;
  const d = v as Obj;
  p = byte(OPEN_BRACE, p);
  let first = true;
  for (const k in d) {
    // for-in also walks inherited enumerable keys, which JSON.stringify does not print.
    if (!Object.hasOwn(d, k)) throw UNEXPECTED;
    if (!first) p = byte(COMMA, p);
    first = false;
    p = detailKey(k, p);
    p = leaf(d[k], p);
  }
  return byte(CLOSE_BRACE, p);
}

/** `"key":` of anomaly details, by key: a few dozen names, on every anomaly of a flood's 2M lines. */
const DETAIL_KEYS = new Map<string, Frag>();

function detailKey(k: string, p: number): number {
  const f = DETAIL_KEYS.get(k);
  if (f !== undefined) return frag(f, p);
  const q = byte(COLON, str(k, p));
  // Bounded, like WordCache: a library user's details could name anything.
  if (k.length <= MAX_WORD_CHARS && DETAIL_KEYS.size < MAX_WORDS) DETAIL_KEYS.set(k, new Frag(q - p, B.subarray(p, q)));
  return q;
}
