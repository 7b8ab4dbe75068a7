/**
 * An NDJSON connection line encoded straight into a batch Buffer as UTF-8: the same bytes as
 * `ndjsonConnectionLine(c)` (`{"type":"connection",` + JSON.stringify(c) after its `{` + "\n"),
 * without building the JSON string first. JSON.stringify and the Buffer write were ~0.8 s of a
 * ~3.7 s `--format ndjson` run on the 1 GB benchmark capture; this writes the same lines ~1.6x
 * as fast (~1.5x when the writer's time also pays for collecting JSON.stringify's garbage;
 * bench/ndjson-writer.mjs, Node 20). Writing bytes is what gains: a hand serializer that
 * concatenated strings was no faster than JSON.stringify.
 *
 * Why the bytes are JSON.stringify's, whatever the report holds:
 * - Every object is checked before it is written: a plain object (prototype Object.prototype, no
 *   `toJSON`), whose enumerable keys are exactly the keys connection-report.ts, phases.ts and
 *   zeek.ts create, in their insertion order (the order JSON.stringify prints). Anything else (a
 *   key added, missing or moved, a class instance, a `toJSON`) makes the caller fall back to
 *   JSON.stringify for that line: an unexpected report is slower, never different.
 * - Leaves are written from their runtime type, not the schema's: a string, number, boolean or
 *   null anywhere prints as JSON.stringify prints it. undefined, functions, symbols and bigints
 *   (dropped or thrown on by JSON.stringify), and objects where a leaf belongs, fall back.
 * - A string is copied while it is printable ASCII without `"` or `\`; any other code unit sends
 *   it to JSON.stringify (escapes, lone surrogates) and a UTF-8 write.
 * - A number prints as String(n), JSON.stringify's text for a finite number, made by hand for
 *   integers up to 2^32-1 (and -0, printed "0") and for durations (nanoDecimal); NaN and
 *   ±Infinity print null.
 * - Anomaly `details` (shapes vary by code) are written key by key in enumeration order, with the
 *   same checks, values being leaves.
 * - Cached bytes (WordCache, transitionHead) are a function of the string values they are looked
 *   up by, written the uncached way the first time.
 */
import type { ConnectionReport } from './model.js';

/** `writeConnectionLine` results that are not a position. */
export const LINE_NO_ROOM = -1;
export const LINE_UNEXPECTED_SHAPE = -2;

// Thrown from deep in the writer and caught in writeConnectionLine, which abandons the partial
// line (the caller's position does not move).
const NO_ROOM: unique symbol = Symbol('no room');
const UNEXPECTED: unique symbol = Symbol('unexpected shape');

type Obj = Record<string, unknown>;

/**
 * A constant run of bytes as little-endian 32-bit words, stored four bytes at a time: a byte loop
 * cost ~1.7 ns a byte and `Uint8Array#set` ~12 ns a call, against ~0.3 ns a byte this way
 * (Node 20). The last word carries up to 3 bytes of padding past `n`; they land beyond the
 * line's current end, where the next write overwrites them (or past the final position, never
 * sent), so a write only needs room for its whole words.
 */
class Frag {
  readonly words: Int32Array;

  constructor(readonly n: number, bytes: Uint8Array) {
    const padded = new Uint8Array((n + 3) & ~3);
    padded.set(bytes.subarray(0, n));
    const view = new DataView(padded.buffer);
    this.words = new Int32Array(padded.length >> 2);
    for (let i = 0; i < this.words.length; i++) this.words[i] = view.getInt32(4 * i, true);
  }
}

const enc = (s: string): Frag => new Frag(s.length, Buffer.from(s, 'latin1'));

/**
 * What comes before a leaf (`,"synFrame":`), alone and followed by each constant leaf, so that a
 * null, true or false (18 of a line's ~140 leaves) goes out with its key in one write.
 */
class Key {
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

const key = (s: string): Key => new Key(s);

/**
 * A key followed by a value from a small vocabulary (states, outcomes, codes): the bytes of both
 * by value, learned as they are first written. A map lookup and a few word stores instead of the
 * key, a scan of the string and its quotes.
 */
class WordCache {
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

// Keys in insertion order, as built by analysis/connection-report.ts (the report, endpointReport,
// transitions, anomalies), analysis/phases.ts (handshakeReport, direction, dataReport,
// closeReport), analysis/zeek.ts (result()) and flow/connection.ts (ladder rows).
const K_REPORT = ['id', 'client', 'server', 'rolesGuessed', 'midstream', 'portReuse', 'firstSeen', 'lastSeen', 'duration', 'input',
  'firstFrame', 'lastFrame', 'ended', 'handshake', 'data', 'close', 'packets', 'bytes', 'anomalies', 'zeek', 'captureLoss', 'ladder'];
const K_ENDPOINT = ['ip', 'port', 'finalState', 'isn', 'options', 'transitions'];
const K_OPTIONS = ['mss', 'windowScale', 'sackPermitted', 'timestamps'];
const K_TRANSITION = ['from', 'to', 'arc', 'frame', 'time', 'evidence'];
const K_PORT_REUSE = ['previousId', 'gap'];
const K_HANDSHAKE = ['outcome', 'syn', 'synAck', 'ack', 'synFrame', 'synAckFrame', 'ackFrame', 'synCount', 'synAckCount', 'synBackoff', 'rtt', 'duration'];
const K_RTT = ['synToSynAck', 'lastSynToSynAck', 'synAckToAck', 'total'];
const K_DATA = ['client', 'server', 'timeToFirstByte'];
const K_DIRECTION = ['packets', 'bytes', 'retransmittedBytes', 'retransmittedPackets', 'firstData', 'lastData'];
const K_CLOSE = ['kind', 'initiator', 'resetBy', 'firstFin', 'firstFinFrame', 'completed', 'duration', 'finWait2', 'closeWait', 'timeWait'];
const K_CLIENT_SERVER = ['client', 'server'];
const K_TIME_WAIT = ['enteredAt', 'heldAtEnd'];
const K_ANOMALY = ['code', 'severity', 'endpoint', 'frame', 'time', 'message', 'details'];
const K_ZEEK = ['connState', 'history', 'origIsClient'];
const K_LADDER_ROW = ['frame', 't', 'from', 'flags', 'seq', 'ack', 'len', 'clientState', 'serverState', 'anomalies'];

// Every constant run of bytes between two values. A key's fragment may carry the `{` and first key
// of its object value: should that object not have its shape, the whole line is abandoned anyway.
const F_HEAD = key('{"type":"connection","id":');
const F_CLIENT = enc(',"client":{"ip":');
const F_SERVER = enc(',"server":{"ip":');
const F_ROLES_GUESSED = key(',"rolesGuessed":');
const F_MIDSTREAM = key(',"midstream":');
const F_PORT_REUSE = enc(',"portReuse":');
const F_PREVIOUS_ID = key('{"previousId":');
const F_GAP = key(',"gap":');
const F_FIRST_SEEN = key(',"firstSeen":');
const F_LAST_SEEN = key(',"lastSeen":');
const F_DURATION = key(',"duration":');
const F_INPUT = enc(',"input":');
const F_FIRST_FRAME = key(',"firstFrame":');
const F_LAST_FRAME = key(',"lastFrame":');
const F_ENDED = enc(',"ended":');
const F_HANDSHAKE = enc(',"handshake":{"outcome":');
const F_DATA = enc(',"data":{"client":{"packets":');
const F_DATA_SERVER = enc(',"server":{"packets":');
const F_TIME_TO_FIRST_BYTE = key(',"timeToFirstByte":');
const F_CLOSE = enc(',"close":{"kind":');
const F_PACKETS = key(',"packets":{"client":');
const F_BYTES = key(',"bytes":{"client":');
const F_ANOMALIES = enc(',"anomalies":[');
const F_ZEEK = enc(',"zeek":{"connState":');
const F_CAPTURE_LOSS = key(',"captureLoss":');
const F_LADDER = enc(',"ladder":[');
const F_LINE_END = enc('}\n');

const F_PORT = key(',"port":');
const F_FINAL_STATE = enc(',"finalState":');
const F_ISN = key(',"isn":');
const F_OPTIONS = key(',"options":{"mss":');
const F_WINDOW_SCALE = key(',"windowScale":');
const F_SACK_PERMITTED = key(',"sackPermitted":');
const F_TIMESTAMPS = key(',"timestamps":');
const F_TRANSITIONS = enc('},"transitions":[');
const F_FROM = enc('{"from":');
const F_TO = enc(',"to":');
const F_ARC = enc(',"arc":');
const F_FRAME = key(',"frame":');
const F_TIME = key(',"time":');
const F_EVIDENCE = enc(',"evidence":');
const F_END_ENDPOINT = enc(']}');

const F_SYN = key(',"syn":');
const F_SYN_ACK = key(',"synAck":');
const F_ACK = key(',"ack":');
const F_SYN_FRAME = key(',"synFrame":');
const F_SYN_ACK_FRAME = key(',"synAckFrame":');
const F_ACK_FRAME = key(',"ackFrame":');
const F_SYN_COUNT = key(',"synCount":');
const F_SYN_ACK_COUNT = key(',"synAckCount":');
const F_SYN_BACKOFF = enc(',"synBackoff":[');
const F_RTT = key('],"rtt":{"synToSynAck":');
const F_LAST_SYN_TO_SYN_ACK = key(',"lastSynToSynAck":');
const F_SYN_ACK_TO_ACK = key(',"synAckToAck":');
const F_TOTAL = key(',"total":');
const F_RTT_END_DURATION = key('},"duration":');

const F_BYTES_IN = key(',"bytes":');
const F_RETRANSMITTED_BYTES = key(',"retransmittedBytes":');
const F_RETRANSMITTED_PACKETS = key(',"retransmittedPackets":');
const F_FIRST_DATA = key(',"firstData":');
const F_LAST_DATA = key(',"lastData":');

const F_INITIATOR = enc(',"initiator":');
const F_RESET_BY = enc(',"resetBy":');
const F_FIRST_FIN = key(',"firstFin":');
const F_FIRST_FIN_FRAME = key(',"firstFinFrame":');
const F_COMPLETED = key(',"completed":');
const F_FIN_WAIT_2 = key(',"finWait2":{"client":');
const F_CLOSE_WAIT = key('},"closeWait":{"client":');
const F_TIME_WAIT = key('},"timeWait":{"client":{"enteredAt":');
const F_TW_HELD = key(',"heldAtEnd":');
const F_TW_SERVER = key('},"server":{"enteredAt":');
const F_SERVER_IN = key(',"server":');
const F_END_CLOSE = enc('}}}');

const F_CODE = enc('{"code":');
const F_SEVERITY = enc(',"severity":');
const F_ENDPOINT = enc(',"endpoint":');
const F_MESSAGE = key(',"message":');
const F_DETAILS = enc(',"details":');

const F_HISTORY = key(',"history":');
const F_ORIG_IS_CLIENT = key(',"origIsClient":');

const F_ROW_FRAME = key('{"frame":');
const F_ROW_FROM = key(',"from":');
const F_T = key(',"t":');
const F_FLAGS = key(',"flags":');
const F_SEQ = key(',"seq":');
const F_LEN = key(',"len":');
const F_CLIENT_STATE = key(',"clientState":');
const F_SERVER_STATE = key(',"serverState":');
const F_ROW_ANOMALIES = enc(',"anomalies":[');
const F_END_ROW = enc(']}');

const F_NULL = enc('null');
const F_TRUE = enc('true');
const F_FALSE = enc('false');

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

const W_ENDED = new WordCache(F_ENDED);
const W_HANDSHAKE = new WordCache(F_HANDSHAKE);
const W_FINAL_STATE = new WordCache(F_FINAL_STATE);
const W_EVIDENCE = new WordCache(F_EVIDENCE);
const W_CLOSE = new WordCache(F_CLOSE);
const W_INITIATOR = new WordCache(F_INITIATOR);
const W_RESET_BY = new WordCache(F_RESET_BY);
const W_CODE = new WordCache(F_CODE);
const W_SEVERITY = new WordCache(F_SEVERITY);
const W_ENDPOINT = new WordCache(F_ENDPOINT);
const W_ZEEK = new WordCache(F_ZEEK);
// The capture's file name: the same string on every line of an input.
const W_INPUT = new WordCache(F_INPUT, 1024);

/** "00" .. "99" as little-endian 16-bit words. */
const DIGIT_PAIRS = new Uint16Array(100);
for (let i = 0; i < 100; i++) DIGIT_PAIRS[i] = (0x30 + Math.floor(i / 10)) | ((0x30 + (i % 10)) << 8);

/** Longest String(n) of a double, e.g. "-0.0000012345678901234567" (25), rounded up. */
const MAX_NUMBER_CHARS = 32;

// The batch being written, its end, and a DataView over it for the word stores. The view is made
// once per batch rather than per line, so the last batch stays referenced until the next one.
let B: Buffer = Buffer.alloc(0);
let DV = new DataView(B.buffer, B.byteOffset, 0);
let END = 0;

/**
 * Writes the NDJSON line of `c` (its newline included) into `buf` at `pos`. Returns the position
 * after it; LINE_NO_ROOM when it does not fit before the end of `buf`; LINE_UNEXPECTED_SHAPE when
 * `c` is not shaped like the reports analyze() builds (the caller then uses JSON.stringify). On
 * either failure, bytes of `buf` from `pos` on may have been overwritten.
 */
export function writeConnectionLine(c: ConnectionReport, buf: Buffer, pos: number): number {
  if (!primitivesPlain()) return LINE_UNEXPECTED_SHAPE;
  if (buf !== B) {
    B = buf;
    DV = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  END = buf.length;
  try {
    return connection(c as unknown as Obj, pos);
  } catch (e) {
    if (e === NO_ROOM) return LINE_NO_ROOM;
    if (e === UNEXPECTED) return LINE_UNEXPECTED_SHAPE;
    throw e;
  }
}

// JSON.stringify asks every value, primitives included, for a `toJSON`. Nobody should put one on
// these prototypes, but if someone did, only JSON.stringify knows what it prints.
function primitivesPlain(): boolean {
  return (Object.prototype as Obj).toJSON === undefined && (Array.prototype as unknown as Obj).toJSON === undefined
    && (Number.prototype as unknown as Obj).toJSON === undefined && (String.prototype as unknown as Obj).toJSON === undefined
    && (Boolean.prototype as unknown as Obj).toJSON === undefined;
}

/**
 * A plain object whose enumerable keys are `keys`, in that order. for-in lists own keys in
 * JSON.stringify's order and then inherited enumerable ones, which JSON.stringify skips: those
 * fail the comparison too.
 */
function isShaped(o: unknown, keys: readonly string[]): o is Obj {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype || (o as Obj).toJSON !== undefined) return false;
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

function shaped(o: unknown, keys: readonly string[]): Obj {
  if (!isShaped(o, keys)) throw UNEXPECTED;
  return o;
}

/** JSON.stringify reads an array by index up to its length, like the loops here. */
function array(a: unknown): unknown[] {
  if (!Array.isArray(a) || (a as unknown as Obj).toJSON !== undefined) throw UNEXPECTED;
  return a;
}

function frag(f: Frag, p: number): number {
  const w = f.words;
  const nw = w.length;
  if (p + 4 * nw > END) throw NO_ROOM;
  const dv = DV;
  for (let i = 0; i < nw; i++) dv.setInt32(p + 4 * i, w[i], true);
  return p + f.n;
}

function byte(x: number, p: number): number {
  if (p >= END) throw NO_ROOM;
  B[p] = x;
  return p + 1;
}

/** Any JSON leaf, by its runtime type. */
function leaf(v: unknown, p: number): number {
  switch (typeof v) {
    case 'string': return str(v, p);
    case 'number': return num(v, p);
    case 'boolean': return frag(v ? F_TRUE : F_FALSE, p);
    case 'object': if (v === null) return frag(F_NULL, p);
  }
  // Objects need a shape; JSON.stringify drops undefined, functions and symbols, throws on bigints.
  throw UNEXPECTED;
}

function str(v: unknown, p: number): number {
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

function escapedStr(v: string, p: number): number {
  const json = JSON.stringify(v);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit (JSON.stringify escapes lone surrogates, and
  // a pair is 4 bytes for 2 units); Buffer.write would silently truncate.
  if (p + 3 * json.length > END) throw NO_ROOM;
  return p + B.write(json, p, 'utf8');
}

function num(v: unknown, p: number): number {
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
function nanoDecimal(v: number, p: number): number {
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

function numAt(k: Key, v: unknown, p: number): number {
  if (v === null) return frag(k.withNull, p);
  return num(v, frag(k.bytes, p));
}

function strAt(k: Key, v: unknown, p: number): number {
  if (v === null) return frag(k.withNull, p);
  return str(v, frag(k.bytes, p));
}

function boolAt(k: Key, v: unknown, p: number): number {
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

function transitionHead(t: Obj, p: number): number {
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

function connection(c: Obj, p: number): number {
  // `ladder` is the last key and optional: present only with ladder rows.
  if (typeof c !== 'object' || c === null || Object.getPrototypeOf(c) !== Object.prototype || c.toJSON !== undefined) throw UNEXPECTED;
  let i = 0;
  for (const k in c) {
    if (k !== K_REPORT[i]) throw UNEXPECTED;
    i++;
  }
  if (i < K_REPORT.length - 1) throw UNEXPECTED;
  p = numAt(F_HEAD, c.id, p);
  p = frag(F_CLIENT, p);
  p = endpoint(c.client, p);
  p = frag(F_SERVER, p);
  p = endpoint(c.server, p);
  p = boolAt(F_ROLES_GUESSED, c.rolesGuessed, p);
  p = boolAt(F_MIDSTREAM, c.midstream, p);
  p = frag(F_PORT_REUSE, p);
  const reuse = c.portReuse;
  if (typeof reuse !== 'object' || reuse === null) p = leaf(reuse, p); // null, as a rule
  else {
    const r = shaped(reuse, K_PORT_REUSE);
    p = numAt(F_PREVIOUS_ID, r.previousId, p);
    p = numAt(F_GAP, r.gap, p);
    p = byte(CLOSE_BRACE, p);
  }
  p = strAt(F_FIRST_SEEN, c.firstSeen, p);
  p = strAt(F_LAST_SEEN, c.lastSeen, p);
  p = numAt(F_DURATION, c.duration, p);
  p = W_INPUT.write(c.input, p);
  p = numAt(F_FIRST_FRAME, c.firstFrame, p);
  p = numAt(F_LAST_FRAME, c.lastFrame, p);
  p = W_ENDED.write(c.ended, p);
  p = handshake(c.handshake, p);
  p = data(c.data, p);
  p = close(c.close, p);
  const packets = shaped(c.packets, K_CLIENT_SERVER);
  p = numAt(F_PACKETS, packets.client, p);
  p = numAt(F_SERVER_IN, packets.server, p);
  p = byte(CLOSE_BRACE, p);
  const bytes = shaped(c.bytes, K_CLIENT_SERVER);
  p = numAt(F_BYTES, bytes.client, p);
  p = numAt(F_SERVER_IN, bytes.server, p);
  p = byte(CLOSE_BRACE, p);
  p = frag(F_ANOMALIES, p);
  const anomalies = array(c.anomalies);
  for (let j = 0; j < anomalies.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    p = anomaly(anomalies[j], p);
  }
  p = byte(CLOSE_BRACKET, p);
  const zeek = shaped(c.zeek, K_ZEEK);
  p = W_ZEEK.write(zeek.connState, p);
  p = strAt(F_HISTORY, zeek.history, p);
  p = boolAt(F_ORIG_IS_CLIENT, zeek.origIsClient, p);
  p = byte(CLOSE_BRACE, p);
  p = boolAt(F_CAPTURE_LOSS, c.captureLoss, p);
  // JSON.stringify leaves out a key whose value is undefined.
  if (i === K_REPORT.length && c.ladder !== undefined) p = ladder(c.ladder, p);
  return frag(F_LINE_END, p);
}

function endpoint(v: unknown, p: number): number {
  // `{"ip":` was written with the key before it.
  const e = shaped(v, K_ENDPOINT);
  p = str(e.ip, p);
  p = numAt(F_PORT, e.port, p);
  p = W_FINAL_STATE.write(e.finalState, p);
  p = numAt(F_ISN, e.isn, p);
  const o = shaped(e.options, K_OPTIONS);
  p = numAt(F_OPTIONS, o.mss, p);
  p = numAt(F_WINDOW_SCALE, o.windowScale, p);
  p = boolAt(F_SACK_PERMITTED, o.sackPermitted, p);
  p = boolAt(F_TIMESTAMPS, o.timestamps, p);
  p = frag(F_TRANSITIONS, p);
  const ts = array(e.transitions);
  for (let j = 0; j < ts.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    const t = shaped(ts[j], K_TRANSITION);
    p = transitionHead(t, p);
    p = num(t.frame, p);
    p = strAt(F_TIME, t.time, p);
    p = W_EVIDENCE.write(t.evidence, p);
    p = byte(CLOSE_BRACE, p);
  }
  return frag(F_END_ENDPOINT, p);
}

function handshake(v: unknown, p: number): number {
  const h = shaped(v, K_HANDSHAKE);
  p = W_HANDSHAKE.write(h.outcome, p);
  p = strAt(F_SYN, h.syn, p);
  p = strAt(F_SYN_ACK, h.synAck, p);
  p = strAt(F_ACK, h.ack, p);
  p = numAt(F_SYN_FRAME, h.synFrame, p);
  p = numAt(F_SYN_ACK_FRAME, h.synAckFrame, p);
  p = numAt(F_ACK_FRAME, h.ackFrame, p);
  p = numAt(F_SYN_COUNT, h.synCount, p);
  p = numAt(F_SYN_ACK_COUNT, h.synAckCount, p);
  p = frag(F_SYN_BACKOFF, p);
  const backoff = array(h.synBackoff);
  for (let j = 0; j < backoff.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    p = num(backoff[j], p);
  }
  const rtt = shaped(h.rtt, K_RTT);
  p = numAt(F_RTT, rtt.synToSynAck, p);
  p = numAt(F_LAST_SYN_TO_SYN_ACK, rtt.lastSynToSynAck, p);
  p = numAt(F_SYN_ACK_TO_ACK, rtt.synAckToAck, p);
  p = numAt(F_TOTAL, rtt.total, p);
  p = numAt(F_RTT_END_DURATION, h.duration, p);
  return byte(CLOSE_BRACE, p);
}

function direction(v: unknown, p: number): number {
  // `{"packets":` was written with the key before it.
  const d = shaped(v, K_DIRECTION);
  p = num(d.packets, p);
  p = numAt(F_BYTES_IN, d.bytes, p);
  p = numAt(F_RETRANSMITTED_BYTES, d.retransmittedBytes, p);
  p = numAt(F_RETRANSMITTED_PACKETS, d.retransmittedPackets, p);
  p = strAt(F_FIRST_DATA, d.firstData, p);
  p = strAt(F_LAST_DATA, d.lastData, p);
  return byte(CLOSE_BRACE, p);
}

function data(v: unknown, p: number): number {
  const d = shaped(v, K_DATA);
  p = frag(F_DATA, p);
  p = direction(d.client, p);
  p = frag(F_DATA_SERVER, p);
  p = direction(d.server, p);
  p = numAt(F_TIME_TO_FIRST_BYTE, d.timeToFirstByte, p);
  return byte(CLOSE_BRACE, p);
}

function close(v: unknown, p: number): number {
  const c = shaped(v, K_CLOSE);
  const finWait2 = shaped(c.finWait2, K_CLIENT_SERVER);
  const closeWait = shaped(c.closeWait, K_CLIENT_SERVER);
  const timeWait = shaped(c.timeWait, K_CLIENT_SERVER);
  const twClient = shaped(timeWait.client, K_TIME_WAIT);
  const twServer = shaped(timeWait.server, K_TIME_WAIT);
  p = W_CLOSE.write(c.kind, p);
  p = W_INITIATOR.write(c.initiator, p);
  p = W_RESET_BY.write(c.resetBy, p);
  p = strAt(F_FIRST_FIN, c.firstFin, p);
  p = numAt(F_FIRST_FIN_FRAME, c.firstFinFrame, p);
  p = strAt(F_COMPLETED, c.completed, p);
  p = numAt(F_DURATION, c.duration, p);
  p = numAt(F_FIN_WAIT_2, finWait2.client, p);
  p = numAt(F_SERVER_IN, finWait2.server, p);
  p = numAt(F_CLOSE_WAIT, closeWait.client, p);
  p = numAt(F_SERVER_IN, closeWait.server, p);
  p = strAt(F_TIME_WAIT, twClient.enteredAt, p);
  p = boolAt(F_TW_HELD, twClient.heldAtEnd, p);
  p = strAt(F_TW_SERVER, twServer.enteredAt, p);
  p = boolAt(F_TW_HELD, twServer.heldAtEnd, p);
  return frag(F_END_CLOSE, p);
}

function anomaly(v: unknown, p: number): number {
  const a = shaped(v, K_ANOMALY);
  p = W_CODE.write(a.code, p);
  p = W_SEVERITY.write(a.severity, p);
  p = W_ENDPOINT.write(a.endpoint, p);
  p = numAt(F_FRAME, a.frame, p);
  p = strAt(F_TIME, a.time, p);
  p = strAt(F_MESSAGE, a.message, p);
  p = frag(F_DETAILS, p);
  p = details(a.details, p);
  return byte(CLOSE_BRACE, p);
}

/** A flat object of leaves, keys in enumeration order (the order JSON.stringify prints). */
function details(v: unknown, p: number): number {
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype || (v as Obj).toJSON !== undefined) throw UNEXPECTED;
  const d = v as Obj;
  p = byte(OPEN_BRACE, p);
  let first = true;
  for (const k in d) {
    // for-in also walks inherited enumerable keys, which JSON.stringify does not print.
    if (!Object.hasOwn(d, k)) throw UNEXPECTED;
    if (!first) p = byte(COMMA, p);
    first = false;
    p = str(k, p);
    p = byte(COLON, p);
    p = leaf(d[k], p);
  }
  return byte(CLOSE_BRACE, p);
}

function ladder(v: unknown, p: number): number {
  const rows = array(v);
  p = frag(F_LADDER, p);
  for (let j = 0; j < rows.length; j++) {
    if (j > 0) p = byte(COMMA, p);
    const r = shaped(rows[j], K_LADDER_ROW);
    p = numAt(F_ROW_FRAME, r.frame, p);
    p = numAt(F_T, r.t, p);
    p = strAt(F_ROW_FROM, r.from, p);
    p = strAt(F_FLAGS, r.flags, p);
    p = numAt(F_SEQ, r.seq, p);
    p = numAt(F_ACK, r.ack, p);
    p = numAt(F_LEN, r.len, p);
    p = strAt(F_CLIENT_STATE, r.clientState, p);
    p = strAt(F_SERVER_STATE, r.serverState, p);
    p = frag(F_ROW_ANOMALIES, p);
    const codes = array(r.anomalies);
    for (let k = 0; k < codes.length; k++) {
      if (k > 0) p = byte(COMMA, p);
      p = str(codes[k], p);
    }
    p = frag(F_END_ROW, p);
  }
  return byte(CLOSE_BRACKET, p);
}
