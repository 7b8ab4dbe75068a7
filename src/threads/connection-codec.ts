/**
 * A finished connection's facts as numbers, for the trip from the analysis worker to the thread
 * that builds reports (threads/pipeline.ts). Structured cloning of the Connection object graph
 * would cost as much as the JSON it becomes; here a connection is ~130 float64 slots written in a
 * batch buffer that is transferred (not copied), plus a side list for the few things that are
 * not numbers (the input names, anomaly details, Zeek's history). A frame that counts in another
 * input than the connection's first (a connection that goes on into the next file) carries the
 * index of that input's name in the side list, -1 otherwise; each name goes in once per batch.
 *
 * What crosses is exactly ConnectionFacts (flow/connection.ts) plus every Endpoint field; the Zeek
 * model and the per-packet scratch stay behind. test/threads/connection-codec.test.ts rebuilds
 * every connection of the fixtures and compares them field by field, so a field added to
 * Connection or Endpoint without a line here fails the build's tests rather than the reports.
 */
import { addAnomaly, type Connection, type ConnectionFacts, type LadderStep } from '../flow/connection.js';
import { Endpoint, type FinCopy, type Hole, type Resend } from '../flow/endpoint.js';
import type { TupleKey } from '../flow/key.js';
import type { EndReason } from '../report/model.js';
import { ANOMALY_CODES, type Anomaly, type AnomalyCode } from '../analysis/catalog.js';
import type { ZeekVerdict } from '../analysis/zeek.js';
import { ARC, type Evidence, type Transition } from '../tcp/machine.js';
import { ENDPOINT_STATES as STATES, stateCode, type TcpState } from '../tcp/state.js';

const ARCS: readonly string[] = Object.values(ARC);

// A switch, not a Map lookup, as stateCode (tcp/state.ts): ~13 a connection for states and arcs.
/** Index into Object.values(ARC), or -1 for a label that is not one of Figure 5's. */
export function arcCode(a: string): number {
  switch (a) {
    case ARC.PASSIVE_OPEN: return 0;
    case ARC.ACTIVE_OPEN: return 1;
    case ARC.CLOSE_DELETE: return 2;
    case ARC.RCV_SYN: return 3;
    case ARC.SEND_SYN: return 4;
    case ARC.RCV_RST_NOTE1: return 5;
    case ARC.RCV_ACK_OF_SYN: return 6;
    case ARC.RCV_SYN_ACK: return 7;
    case ARC.CLOSE_SND_FIN: return 8;
    case ARC.RCV_FIN: return 9;
    case ARC.RCV_ACK_OF_FIN: return 10;
    case ARC.TIMEOUT_2MSL: return 11;
    case ARC.NOTE2: return 12;
    case ARC.NOTE3_SND_RST: return 13;
    case ARC.NOTE3_RCV_RST: return 14;
    case ARC.MIDSTREAM: return 15;
    default: return -1;
  }
}

/** The tables the codes index (for the test that keeps them in step). */
export const CODEC_TABLES = { states: STATES, arcs: ARCS };
const END_REASONS: readonly EndReason[] = ['closed', 'capture_end', 'idle_timeout', 'evicted', 'reused'];
const END_INDEX = new Map<string, number>(END_REASONS.map((e, i) => [e, i]));
const CODE_INDEX = new Map<string, number>(ANOMALY_CODES.map((c, i) => [c, i]));

/** One batch on the wire: `nums` is transferred, `objs` structured-cloned. */
export interface ConnectionBatch {
  count: number;
  nums: Float64Array;
  objs: unknown[];
}

/** A connection rebuilt on the reporting side, with how and when its record ended. */
export interface ShippedConnection {
  facts: ConnectionFacts;
  ended: EndReason;
  endNanos: number;
  /** The clock's precision when the worker retired it (reports render at that precision). */
  precisionDigits: number;
  /** The unit of its times (CaptureClock.unitFor on the worker, which knows the inputs). */
  unitNanos: number;
}

// Connection flag bits.
const F_CLIENT_IS_A = 1;
const F_ROLES_GUESSED = 2;
const F_MIDSTREAM = 4;
const F_BAD_HS_ACK = 8;
const F_RST_ACCEPTED = 16;
const F_CAPTURE_LOSS = 32;
const F_V6 = 64;
const F_ZEEK_ORIG_IS_CLIENT = 128;
const F_SERVER_SYN_ACKED = 256;

/** Most slots one connection can need beyond its variable parts (a generous bound, checked). */
const FIXED_SLOTS = 54 + 2 * 59;

export class ConnectionEncoder {
  private nums = new Float64Array(1 << 16);
  private pos = 0;
  private objs: unknown[] = [];
  private count = 0;
  private lastInput: string | null = null;
  private lastInputIdx = -1;
  /** The last input other than a connection's own that a frame counted in, and its index in objs. */
  private otherInput: string | null = null;
  private otherInputIdx = -1;

  get size(): number {
    return this.count;
  }

  add(c: Connection, ended: EndReason, endNanos: number, precisionDigits: number, unitNanos: number): void {
    const cl = c.client;
    const sv = c.server;
    this.reserve(FIXED_SLOTS + (c.synBackoffNanos?.length ?? 0) + 6 * (c.anomalies?.length ?? 0)
      + 7 * (cl.transitions.length + sv.transitions.length));
    const n = this.nums;
    let p = this.pos;
    const k = c.key;
    const v = c.zeekVerdict();
    n[p++] = c.id;
    n[p++] = precisionDigits;
    n[p++] = unitNanos;
    n[p++] = END_INDEX.get(ended)!;
    n[p++] = endNanos;
    n[p++] = (c.clientIsA ? F_CLIENT_IS_A : 0) | (c.rolesGuessed ? F_ROLES_GUESSED : 0) | (c.midstream ? F_MIDSTREAM : 0)
      | (c.badHandshakeAck ? F_BAD_HS_ACK : 0) | (c.rstAccepted ? F_RST_ACCEPTED : 0) | (c.captureLoss ? F_CAPTURE_LOSS : 0)
      | (k.v6 ? F_V6 : 0) | (v.origIsClient ? F_ZEEK_ORIG_IS_CLIENT : 0) | (c.serverSynAcked ? F_SERVER_SYN_ACKED : 0);
    n[p++] = k.a0; n[p++] = k.a1; n[p++] = k.a2; n[p++] = k.a3;
    n[p++] = k.b0; n[p++] = k.b1; n[p++] = k.b2; n[p++] = k.b3;
    n[p++] = k.aPort; n[p++] = k.bPort;
    n[p++] = c.firstNanos; n[p++] = c.lastNanos; n[p++] = c.firstFrame; n[p++] = c.lastFrame;
    n[p++] = c.firstSynNanos; n[p++] = c.firstSynFrame; n[p++] = c.prevSynNanos; n[p++] = c.lastSynNanos;
    n[p++] = c.firstSynAckNanos; n[p++] = c.firstSynAckFrame; n[p++] = c.lastSynAckNanos;
    n[p++] = c.earlyAckNanos; n[p++] = c.earlyAckFrame;
    n[p++] = c.backFinStamp; n[p++] = c.backCloseFrameClient; n[p++] = c.backCloseFrameServer;
    n[p++] = c.serverReplyNanos; n[p++] = c.stampedBack; n[p++] = c.portReusePrevId; n[p++] = c.portReuseGapNanos; n[p++] = c.completeness;
    if (c.input !== this.lastInput) {
      this.lastInput = c.input;
      this.lastInputIdx = this.objs.push(c.input) - 1;
    }
    n[p++] = this.lastInputIdx;
    const own = c.input;
    n[p++] = this.inputSlot(c.lastInput, own);
    n[p++] = this.inputSlot(c.firstSynInput, own);
    n[p++] = this.inputSlot(c.firstSynAckInput, own);
    n[p++] = this.inputSlot(c.earlyAckInput, own);
    n[p++] = this.inputSlot(c.backCloseInputClient, own); n[p++] = this.inputSlot(c.backCloseInputServer, own);
    n[p++] = this.objs.push(v.connState) - 1;
    n[p++] = this.objs.push(v.history) - 1;
    const backoff = c.synBackoffNanos;
    if (backoff === null) n[p++] = -1;
    else {
      n[p++] = backoff.length;
      for (let i = 0; i < backoff.length; i++) n[p++] = backoff[i];
    }
    const anomalies = c.anomalies;
    if (anomalies === null) n[p++] = -1;
    else {
      n[p++] = anomalies.length;
      for (let i = 0; i < anomalies.length; i++) {
        const a = anomalies[i];
        n[p++] = CODE_INDEX.get(a.code)!;
        n[p++] = a.endpoint;
        n[p++] = a.frameNo;
        n[p++] = this.inputSlot(a.input, own);
        n[p++] = a.tNanos;
        n[p++] = this.objs.push(a.details) - 1;
      }
    }
    p = this.endpoint(cl, own, p);
    p = this.endpoint(sv, own, p);
    this.pos = p;
    this.count++;
  }

  /** The batch so far, handed over; the encoder starts a fresh one. */
  take(): ConnectionBatch {
    const batch = { count: this.count, nums: this.nums.slice(0, this.pos), objs: this.objs };
    this.pos = 0;
    this.count = 0;
    this.objs = [];
    this.lastInput = null;
    this.otherInput = null;
    return batch;
  }

  /** -1 for the connection's own input (`own`), else the index of `input` in objs. */
  private inputSlot(input: string, own: string): number {
    if (input === own) return -1;
    if (input !== this.otherInput) {
      this.otherInput = input;
      this.otherInputIdx = this.objs.push(input) - 1;
    }
    return this.otherInputIdx;
  }

  private endpoint(e: Endpoint, own: string, p: number): number {
    const n = this.nums;
    n[p++] = stateCode(e.state);
    n[p++] = (e.synSeen ? 1 : 0) | (e.hasIss ? 2 : 0) | (e.hasSeq ? 4 : 0) | (e.hasAck ? 8 : 0) | (e.finSent ? 16 : 0)
      | (e.pendingFin ? 32 : 0) | (e.sackPermitted ? 64 : 0) | (e.timestamps ? 128 : 0) | (e.hasTsVal ? 256 : 0)
      | (e.hasHole ? 512 : 0) | (e.windowInSyn ? 1024 : 0) | (e.pendingFinNeedsAck ? 2048 : 0)
      | (e.untrackedOpen ? 4096 : 0) | (e.synFin ? 8192 : 0) | (e.pendingFinAcksOwn ? 16384 : 0) | (e.finHasTs ? 32768 : 0)
      | (e.finAckedBack ? 65536 : 0) | (e.finAckedAgainBack ? 131072 : 0) | (e.halfCloseMarked ? 262144 : 0) | (e.finAckLost ? 524288 : 0);
    n[p++] = e.iss; n[p++] = e.sndNxt; n[p++] = e.firstSeq; n[p++] = e.ackMax; n[p++] = e.finSeq;
    n[p++] = e.pendingFinFrame; n[p++] = this.inputSlot(e.pendingFinInput, own); n[p++] = e.pendingFinNanos; n[p++] = e.pendingFinArcs; n[p++] = e.timeWaitFrom;
    n[p++] = e.window; n[p++] = e.wscale; n[p++] = e.mss; n[p++] = e.tsVal;
    n[p++] = e.packets; n[p++] = e.bytes; n[p++] = e.bytesAfterPeerFin; n[p++] = e.halfCloseFrom; n[p++] = e.retransBytes; n[p++] = e.retransPackets;
    n[p++] = e.firstDataNanos; n[p++] = e.lastDataNanos; n[p++] = e.lingerQuietNanos; n[p++] = e.rstNoConnFrame;
    n[p++] = e.synCount; n[p++] = e.synAckCount; n[p++] = e.finCount;
    n[p++] = e.finTsVal; n[p++] = e.finResends === null ? -1 : this.objs.push(e.finResends) - 1;
    n[p++] = e.finAckedFrame; n[p++] = this.inputSlot(e.finAckedInput, own); n[p++] = e.finAckedNanos;
    n[p++] = e.finAckedAgainFrame; n[p++] = this.inputSlot(e.finAckedAgainInput, own); n[p++] = e.finAckedAgainNanos;
    n[p++] = e.prevSeq; n[p++] = e.prevAck; n[p++] = e.prevFlags; n[p++] = e.prevLen; n[p++] = e.prevWindow;
    n[p++] = e.prevTsVal; n[p++] = e.prevSackSig; n[p++] = e.prevIpId; n[p++] = e.prevNanos; n[p++] = e.holes === null ? -1 : this.objs.push(e.holes) - 1;
    n[p++] = e.holeTop; n[p++] = e.untrackedGap === null ? -1 : this.objs.push(e.untrackedGap) - 1;
    n[p++] = e.resend === null ? -1 : this.objs.push(e.resend) - 1; n[p++] = e.zeroWindowSince; n[p++] = e.zeroWindowLongest; n[p++] = e.closeWaitFromNanos;
    n[p++] = e.pendingFinPackets; n[p++] = e.rttSampleNanos;
    const ts = e.transitions;
    n[p++] = ts.length;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      n[p++] = stateCode(t.from);
      n[p++] = stateCode(t.to);
      const arc = arcCode(t.arc);
      n[p++] = arc >= 0 ? arc : -1 - (this.objs.push(t.arc) - 1);
      n[p++] = t.frameNo;
      n[p++] = this.inputSlot(t.input, own);
      n[p++] = t.tNanos;
      n[p++] = t.evidence === 'observed' ? 0 : 1;
    }
    return p;
  }

  private reserve(slots: number): void {
    if (this.pos + slots <= this.nums.length) return;
    let size = this.nums.length * 2;
    while (size < this.pos + slots) size *= 2;
    const grown = new Float64Array(size);
    grown.set(this.nums.subarray(0, this.pos));
    this.nums = grown;
  }
}

/** The reporting side's view of a connection rebuilt from a batch. */
class RebuiltConnection implements ConnectionFacts {
  lastInput = '';
  firstNanos = 0;
  lastNanos = 0;
  firstFrame = 0;
  lastFrame = 0;
  firstSynNanos = -1;
  firstSynFrame = 0;
  firstSynInput = '';
  prevSynNanos = -1;
  lastSynNanos = -1;
  synBackoffNanos: number[] | null = null;
  firstSynAckNanos = -1;
  firstSynAckFrame = 0;
  firstSynAckInput = '';
  lastSynAckNanos = -1;
  earlyAckNanos = -1;
  earlyAckFrame = 0;
  earlyAckInput = '';
  badHandshakeAck = false;
  serverSynAcked = false;
  serverReplyNanos = -1;
  stampedBack = 0;
  backFinStamp = -1;
  backCloseFrameClient = 0;
  backCloseInputClient = '';
  backCloseFrameServer = 0;
  backCloseInputServer = '';
  rstAccepted = false;
  captureLoss = false;
  portReusePrevId = 0;
  portReuseGapNanos = 0;
  completeness = 0;
  anomalies: Anomaly[] | null = null;
  ladder: LadderStep[] | null = null;
  ladderOmitted = 0;
  ladderOmittedAt = -1;

  constructor(
    readonly id: number,
    readonly key: TupleKey,
    readonly clientIsA: boolean,
    readonly input: string,
    readonly rolesGuessed: boolean,
    readonly midstream: boolean,
    readonly client: Endpoint,
    readonly server: Endpoint,
    private readonly verdict: ZeekVerdict,
  ) {}

  add(code: AnomalyCode, endpoint: number, frameNo: number, input: string, tNanos: number, details: Anomaly['details']): void {
    addAnomaly(this, code, endpoint, frameNo, input, tNanos, details);
  }

  zeekVerdict(): ZeekVerdict {
    return this.verdict;
  }
}

/** Calls `each` for every connection of the batch, in the order they were added. */
export function decodeBatch(batch: ConnectionBatch, each: (c: ShippedConnection) => void): void {
  const n = batch.nums;
  const objs = batch.objs;
  let p = 0;
  for (let i = 0; i < batch.count; i++) {
    const id = n[p++];
    const precisionDigits = n[p++];
    const unitNanos = n[p++];
    const ended = END_REASONS[n[p++]];
    const endNanos = n[p++];
    const flags = n[p++];
    const key: TupleKey = {
      v6: (flags & F_V6) !== 0,
      a0: n[p++], a1: n[p++], a2: n[p++], a3: n[p++],
      b0: n[p++], b1: n[p++], b2: n[p++], b3: n[p++],
      aPort: n[p++], bPort: n[p++],
    };
    const firstNanos = n[p++]; const lastNanos = n[p++]; const firstFrame = n[p++]; const lastFrame = n[p++];
    const firstSynNanos = n[p++]; const firstSynFrame = n[p++]; const prevSynNanos = n[p++]; const lastSynNanos = n[p++];
    const firstSynAckNanos = n[p++]; const firstSynAckFrame = n[p++]; const lastSynAckNanos = n[p++];
    const earlyAckNanos = n[p++]; const earlyAckFrame = n[p++];
    const backFinStamp = n[p++]; const backCloseFrameClient = n[p++]; const backCloseFrameServer = n[p++];
    const serverReplyNanos = n[p++]; const stampedBack = n[p++]; const portReusePrevId = n[p++]; const portReuseGapNanos = n[p++]; const completeness = n[p++];
    const input = objs[n[p++]] as string;
    const lastInput = inputAt(objs, n[p++], input);
    const firstSynInput = inputAt(objs, n[p++], input);
    const firstSynAckInput = inputAt(objs, n[p++], input);
    const earlyAckInput = inputAt(objs, n[p++], input);
    const backCloseInputClient = inputAt(objs, n[p++], input);
    const backCloseInputServer = inputAt(objs, n[p++], input);
    const connState = objs[n[p++]] as string;
    const history = objs[n[p++]] as string;
    let backoff: number[] | null = null;
    const nb = n[p++];
    if (nb >= 0) {
      backoff = new Array<number>(nb);
      for (let j = 0; j < nb; j++) backoff[j] = n[p++];
    }
    let anomalies: Anomaly[] | null = null;
    const na = n[p++];
    if (na >= 0) {
      anomalies = new Array<Anomaly>(na);
      for (let j = 0; j < na; j++) {
        const code = ANOMALY_CODES[n[p++]];
        const endpoint = n[p++];
        const frameNo = n[p++];
        const at = inputAt(objs, n[p++], input);
        const tNanos = n[p++];
        anomalies[j] = { code, endpoint, frameNo, input: at, tNanos, details: objs[n[p++]] as Anomaly['details'] };
      }
    }
    const client = new Endpoint('UNKNOWN');
    p = readEndpoint(n, p, objs, client, input);
    const server = new Endpoint('UNKNOWN');
    p = readEndpoint(n, p, objs, server, input);
    const c = new RebuiltConnection(id, key, (flags & F_CLIENT_IS_A) !== 0, input, (flags & F_ROLES_GUESSED) !== 0,
      (flags & F_MIDSTREAM) !== 0, client, server,
      { connState, history, origIsClient: (flags & F_ZEEK_ORIG_IS_CLIENT) !== 0 });
    c.firstNanos = firstNanos; c.lastNanos = lastNanos; c.firstFrame = firstFrame; c.lastFrame = lastFrame;
    c.lastInput = lastInput;
    c.firstSynNanos = firstSynNanos; c.firstSynFrame = firstSynFrame; c.firstSynInput = firstSynInput;
    c.prevSynNanos = prevSynNanos; c.lastSynNanos = lastSynNanos;
    c.synBackoffNanos = backoff;
    c.firstSynAckNanos = firstSynAckNanos; c.firstSynAckFrame = firstSynAckFrame; c.firstSynAckInput = firstSynAckInput;
    c.lastSynAckNanos = lastSynAckNanos;
    c.earlyAckNanos = earlyAckNanos; c.earlyAckFrame = earlyAckFrame; c.earlyAckInput = earlyAckInput;
    c.badHandshakeAck = (flags & F_BAD_HS_ACK) !== 0;
    c.serverSynAcked = (flags & F_SERVER_SYN_ACKED) !== 0;
    c.serverReplyNanos = serverReplyNanos;
    c.stampedBack = stampedBack;
    c.backFinStamp = backFinStamp; c.backCloseFrameClient = backCloseFrameClient; c.backCloseFrameServer = backCloseFrameServer;
    c.backCloseInputClient = backCloseInputClient; c.backCloseInputServer = backCloseInputServer;
    c.rstAccepted = (flags & F_RST_ACCEPTED) !== 0;
    c.captureLoss = (flags & F_CAPTURE_LOSS) !== 0;
    c.portReusePrevId = portReusePrevId;
    c.portReuseGapNanos = portReuseGapNanos;
    c.completeness = completeness;
    c.anomalies = anomalies;
    each({ facts: c, ended, endNanos, precisionDigits, unitNanos });
  }
}

/** The input a frame's slot names: -1 is the connection's own (`own`). */
function inputAt(objs: unknown[], slot: number, own: string): string {
  return slot < 0 ? own : objs[slot] as string;
}

function readEndpoint(n: Float64Array, p: number, objs: unknown[], e: Endpoint, own: string): number {
  e.state = STATES[n[p++]];
  const b = n[p++];
  e.synSeen = (b & 1) !== 0; e.hasIss = (b & 2) !== 0; e.hasSeq = (b & 4) !== 0; e.hasAck = (b & 8) !== 0;
  e.finSent = (b & 16) !== 0; e.pendingFin = (b & 32) !== 0; e.sackPermitted = (b & 64) !== 0;
  e.timestamps = (b & 128) !== 0; e.hasTsVal = (b & 256) !== 0; e.hasHole = (b & 512) !== 0; e.windowInSyn = (b & 1024) !== 0;
  e.pendingFinNeedsAck = (b & 2048) !== 0; e.untrackedOpen = (b & 4096) !== 0; e.synFin = (b & 8192) !== 0; e.pendingFinAcksOwn = (b & 16384) !== 0;
  e.finHasTs = (b & 32768) !== 0; e.finAckedBack = (b & 65536) !== 0; e.finAckedAgainBack = (b & 131072) !== 0;
  e.halfCloseMarked = (b & 262144) !== 0; e.finAckLost = (b & 524288) !== 0;
  e.iss = n[p++]; e.sndNxt = n[p++]; e.firstSeq = n[p++]; e.ackMax = n[p++]; e.finSeq = n[p++];
  e.pendingFinFrame = n[p++]; e.pendingFinInput = inputAt(objs, n[p++], own); e.pendingFinNanos = n[p++]; e.pendingFinArcs = n[p++]; e.timeWaitFrom = n[p++];
  e.window = n[p++]; e.wscale = n[p++]; e.mss = n[p++]; e.tsVal = n[p++];
  e.packets = n[p++]; e.bytes = n[p++]; e.bytesAfterPeerFin = n[p++]; e.halfCloseFrom = n[p++]; e.retransBytes = n[p++]; e.retransPackets = n[p++];
  e.firstDataNanos = n[p++]; e.lastDataNanos = n[p++]; e.lingerQuietNanos = n[p++]; e.rstNoConnFrame = n[p++];
  e.synCount = n[p++]; e.synAckCount = n[p++]; e.finCount = n[p++];
  e.finTsVal = n[p++];
  const finResends = n[p++];
  e.finResends = finResends < 0 ? null : objs[finResends] as FinCopy[];
  e.finAckedFrame = n[p++]; e.finAckedInput = inputAt(objs, n[p++], own); e.finAckedNanos = n[p++];
  e.finAckedAgainFrame = n[p++]; e.finAckedAgainInput = inputAt(objs, n[p++], own); e.finAckedAgainNanos = n[p++];
  e.prevSeq = n[p++]; e.prevAck = n[p++]; e.prevFlags = n[p++]; e.prevLen = n[p++]; e.prevWindow = n[p++];
  e.prevTsVal = n[p++]; e.prevSackSig = n[p++]; e.prevIpId = n[p++]; e.prevNanos = n[p++];
  const holes = n[p++];
  e.holes = holes < 0 ? null : objs[holes] as Hole[];
  e.holeTop = n[p++];
  const untracked = n[p++];
  e.untrackedGap = untracked < 0 ? null : objs[untracked] as Hole;
  const resend = n[p++];
  e.resend = resend < 0 ? null : objs[resend] as Resend;
  e.zeroWindowSince = n[p++]; e.zeroWindowLongest = n[p++]; e.closeWaitFromNanos = n[p++];
  e.pendingFinPackets = n[p++]; e.rttSampleNanos = n[p++];
  const nt = n[p++];
  const ts = new Array<Transition>(nt);
  for (let i = 0; i < nt; i++) {
    const from = STATES[n[p++]];
    const to = STATES[n[p++]] as TcpState;
    const a = n[p++];
    const arc = a >= 0 ? ARCS[a] : (objs[-1 - a] as string);
    const frameNo = n[p++];
    const input = inputAt(objs, n[p++], own);
    const tNanos = n[p++];
    const evidence: Evidence = n[p++] === 0 ? 'observed' : 'inferred';
    ts[i] = { from, to, arc, frameNo, input, tNanos, evidence };
  }
  e.transitions = ts;
  return p;
}
