/**
 * Shared pieces of the robustness suite (issue 5: never crash, never hang, lose nothing):
 * where the shared corpus lives, how to run analyze() on bytes, how to split a capture into its
 * records, and the report invariants every run must satisfy whatever the input was.
 */
import path from 'node:path';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import type { ConnectionReport, RunReport } from '../../src/report/model.js';
import { TCP_STATES } from '../../src/tcp/state.js';
import { fromBytes, type PacketIn } from '../helpers/pcap-writer.js';
import { Scenario } from '../helpers/scenario.js';
import { REPO_ROOT, SHARED_DIR, sharedPath } from '../helpers/shared.js';

export { REPO_ROOT };
/** ../shared/corpus beside the repository (CI clones the repo with shared/ next to it). */
export const CORPUS_DIR = path.join(SHARED_DIR, 'corpus');

/** The corpus folder, or a thrown error naming where it was looked for (never a silent skip). */
export function corpusPath(...parts: string[]): string {
  return sharedPath('corpus', ...parts);
}

export function analyzeBytes(bytes: Uint8Array, opts: AnalyzeOptions = {}, name = 'input.pcap'): Promise<RunReport> {
  return analyze([{ name, bytes: fromBytes(bytes) }], opts);
}

export const ALLOWED_STATES: ReadonlySet<string> = new Set<string>([...TCP_STATES, 'UNKNOWN']);

function sum(r: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(r)) n += v;
  return n;
}

function fail(msg: string): never {
  throw new Error(`invariant broken: ${msg}`);
}

function nonNegative(what: string, x: number | null): void {
  if (x === null) return;
  if (!Number.isFinite(x) || x < 0) fail(`${what} = ${x}`);
}

function isoLe(a: string, b: string): boolean {
  // Same rendering (same precision, 4-digit years): lexicographic order is time order.
  return a.length === b.length ? a <= b : Date.parse(a) <= Date.parse(b);
}

export interface CheckOptions {
  /**
   * Check the timing invariants (durations >= 0, first <= last). On by default; the mutation
   * properties that move timestamps backwards check them in a property of their own, so a timing
   * bug does not hide every other invariant.
   */
  timing?: boolean;
}

/** Per-connection invariants (also used on streamed connections). */
export function checkConnection(c: ConnectionReport, o: CheckOptions = {}): void {
  const timing = o.timing ?? true;
  const id = `connection ${c.id}`;
  // A ladder row marks only what the record reports: CAPTURE_LOSS, which a gap filled later takes
  // back, at most as often as the anomalies count it (helper-101 review). By either endpoint: an ACK
  // of bytes never captured marks the acknowledging row, the loss is its peer's.
  if (c.ladder) {
    let marked = 0;
    for (const r of c.ladder) {
      for (const code of r.anomalies) {
        if (!c.anomalies.some((a) => a.code === code)) fail(`${id} ladder frame ${r.frame} marks ${code}, which the record does not report`);
        if (code === 'CAPTURE_LOSS') marked++;
      }
    }
    const counted = c.anomalies.reduce((n, a) => n + (a.code === 'CAPTURE_LOSS' ? (a.details.count as number | undefined) ?? 1 : 0), 0);
    if (marked > counted) fail(`${id} ladder marks CAPTURE_LOSS on ${marked} rows, the record counts ${counted}`);
  }
  for (const role of ['client', 'server'] as const) {
    const ep = c[role];
    if (!ALLOWED_STATES.has(ep.finalState)) fail(`${id} ${role}.finalState ${ep.finalState}`);
    let prevFrame = -Infinity;
    let prevInput = c.input;
    let prevTo: string | null = null;
    for (const t of ep.transitions) {
      if (!ALLOWED_STATES.has(t.from) || !ALLOWED_STATES.has(t.to)) fail(`${id} ${role} transition ${t.from} -> ${t.to}`);
      // Frames restart in each input; a transition in a later one names it.
      const input = t.input ?? c.input;
      if (input === prevInput && t.frame < prevFrame) fail(`${id} ${role} transitions out of frame order: frame ${t.frame} after ${prevFrame} (${t.from} -> ${t.to}, ${t.arc})`);
      if (prevTo !== null && t.from !== prevTo) fail(`${id} ${role} transition chain broken: ${prevTo} then ${t.from} -> ${t.to}`);
      prevFrame = t.frame;
      prevInput = input;
      prevTo = t.to;
    }
    if (ep.transitions.length > 0 && ep.transitions[ep.transitions.length - 1].to !== ep.finalState) {
      fail(`${id} ${role}.finalState ${ep.finalState} is not the last transition's target`);
    }
  }
  if (c.lastInput === undefined && c.firstFrame > c.lastFrame) fail(`${id} firstFrame ${c.firstFrame} > lastFrame ${c.lastFrame}`);
  for (const role of ['client', 'server'] as const) {
    const d = c.data[role];
    if (d.packets !== c.packets[role]) fail(`${id} data.${role}.packets ${d.packets} != packets.${role} ${c.packets[role]}`);
    if (d.bytes !== c.bytes[role]) fail(`${id} data.${role}.bytes ${d.bytes} != bytes.${role} ${c.bytes[role]}`);
    if (!(c.bytes[role] >= 0)) fail(`${id} bytes.${role} = ${c.bytes[role]}`);
  }
  if (c.packets.client + c.packets.server < 1) fail(`${id} has no packets`);
  if (timing) checkTiming(c);
}

/** Timings are non-negative and ordered. */
export function checkTiming(c: ConnectionReport): void {
  const id = `connection ${c.id}`;
  nonNegative(`${id} duration`, c.duration);
  if (!isoLe(c.firstSeen, c.lastSeen)) fail(`${id} firstSeen ${c.firstSeen} > lastSeen ${c.lastSeen}`);
  const h = c.handshake;
  nonNegative(`${id} handshake.duration`, h.duration);
  nonNegative(`${id} handshake.rtt.synToSynAck`, h.rtt.synToSynAck);
  nonNegative(`${id} handshake.rtt.lastSynToSynAck`, h.rtt.lastSynToSynAck);
  nonNegative(`${id} handshake.rtt.synAckToAck`, h.rtt.synAckToAck);
  nonNegative(`${id} handshake.rtt.total`, h.rtt.total);
  for (const g of h.synBackoff) nonNegative(`${id} handshake.synBackoff`, g);
  const cl = c.close;
  nonNegative(`${id} close.duration`, cl.duration);
  nonNegative(`${id} close.finWait2.client`, cl.finWait2.client);
  nonNegative(`${id} close.finWait2.server`, cl.finWait2.server);
  nonNegative(`${id} close.closeWait.client`, cl.closeWait.client);
  nonNegative(`${id} close.closeWait.server`, cl.closeWait.server);
  nonNegative(`${id} data.timeToFirstByte`, c.data.timeToFirstByte);
  for (const role of ['client', 'server'] as const) {
    const d = c.data[role];
    if (d.firstData !== null && d.lastData !== null && !isoLe(d.firstData, d.lastData)) fail(`${id} data.${role} firstData ${d.firstData} > lastData ${d.lastData}`);
  }
}

/**
 * Invariants of a whole run. `streamed` = connections seen through onConnection when the report
 * kept none. Packet conservation holds with verifyChecksums off (the default).
 */
export function checkInvariants(r: RunReport, streamed?: ConnectionReport[], o: CheckOptions = {}): void {
  const conns = streamed ?? r.connections;
  const s = r.stats;
  const accounted = s.tcpSegments + sum(s.skipped) + sum(s.decodeErrors);
  if (s.records !== accounted) {
    fail(`stats.records ${s.records} != tcpSegments ${s.tcpSegments} + skipped ${JSON.stringify(s.skipped)} + decodeErrors ${JSON.stringify(s.decodeErrors)}`);
  }
  const inputRecords = r.inputs.reduce((n, i) => n + i.packets, 0);
  if (inputRecords !== s.records) fail(`sum of inputs[].packets ${inputRecords} != stats.records ${s.records}`);
  let pk = 0;
  for (const c of conns) pk += c.packets.client + c.packets.server;
  if (pk !== s.tcpSegments) fail(`connections hold ${pk} packets, stats.tcpSegments is ${s.tcpSegments}`);
  if (r.summary.connections !== conns.length) fail(`summary.connections ${r.summary.connections} != ${conns.length} connections`);
  const ids = conns.map((c) => c.id).sort((a, b) => a - b);
  ids.forEach((id, i) => {
    if (id !== i + 1) fail(`connection ids are not 1..n: ${ids.slice(0, 20).join(',')}`);
  });
  if (s.peakConnections > r.settings.maxConnections) fail(`peakConnections ${s.peakConnections} > maxConnections ${r.settings.maxConnections}`);
  const evicted = conns.filter((c) => c.ended === 'evicted').length;
  if (evicted !== s.connectionsEvicted) fail(`${evicted} connections ended 'evicted', stats.connectionsEvicted ${s.connectionsEvicted}`);
  const timedOut = conns.filter((c) => c.ended === 'idle_timeout').length;
  if (timedOut !== s.connectionsTimedOut) fail(`${timedOut} connections ended 'idle_timeout', stats.connectionsTimedOut ${s.connectionsTimedOut}`);
  for (const c of conns) checkConnection(c, o);
  for (const i of r.inputs) {
    for (const is of i.issues) if (!(is.byteOffset >= 0 && is.byteOffset <= i.bytes)) fail(`issue ${is.code} at ${is.byteOffset} outside the ${i.bytes} bytes read`);
  }
}

// ---------------------------------------------------------------- capture structure

/** [start, end) of every packet record (pcap) / packet block (pcapng), in frame order. */
export interface Span {
  start: number;
  end: number;
}

/** Record spans of a well-formed little-endian pcap or pcapng written by the test writer. */
export function recordSpans(bytes: Uint8Array): Span[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spans: Span[] = [];
  const magic = v.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    let off = 0;
    while (off + 12 <= bytes.length) {
      const type = v.getUint32(off, true);
      const len = v.getUint32(off + 4, true);
      if (type === 2 || type === 3 || type === 6) spans.push({ start: off, end: off + len });
      off += len;
    }
    return spans;
  }
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  let off = 24;
  while (off + 16 <= bytes.length) {
    const cap = v.getUint32(off + 8, le);
    spans.push({ start: off, end: off + 16 + cap });
    off += 16 + cap;
  }
  return spans;
}

/** The packets of a little-endian µs/ns pcap, back as writer input. */
export function pcapPackets(bytes: Uint8Array): PacketIn[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nano = v.getUint32(0, true) === 0xa1b23c4d;
  return recordSpans(bytes).map(({ start, end }) => ({
    tsSec: v.getUint32(start, true),
    tsNanos: v.getUint32(start + 4, true) * (nano ? 1 : 1000),
    data: bytes.slice(start + 16, end),
    origLen: v.getUint32(start + 12, true),
  }));
}

/**
 * Sequential connections, each a Scenario program on its own client port, `gapMs` apart, merged
 * into one packet list in time order.
 */
export function sequential(programs: ((s: Scenario) => void)[], gapMs = 1000, start = 1_700_000_000): PacketIn[] {
  const out: PacketIn[] = [];
  programs.forEach((prog, i) => {
    const s = new Scenario({ clientPort: 40000 + i, start: start + Math.floor((i * gapMs) / 1000), clientIsn: 1000 + i * 100_000, serverIsn: 900_000 + i * 7 });
    prog(s);
    out.push(...pcapPackets(s.pcap()));
  });
  return out.sort((a, b) => a.tsSec - b.tsSec || a.tsNanos - b.tsNanos);
}

/** Handshake, a request and a reply, client close (four-way). */
export function normalClose(s: Scenario): void {
  s.a.syn(); s.wait(1); s.b.synAck(); s.wait(1); s.a.ack();
  s.a.data(120); s.b.ack(); s.b.data(700); s.a.ack();
  s.wait(5); s.a.fin(); s.b.ack(); s.b.fin(); s.a.ack();
}

/** Handshake, data, server close with a piggybacked FIN (three-way). */
export function threeWayClose(s: Scenario): void {
  s.a.syn(); s.b.synAck(); s.a.ack();
  s.a.data(40); s.b.data(90); s.a.ack();
  s.b.fin(); s.a.fin(); s.b.ack();
}

/** SYN answered by RST/ACK. */
export function refused(s: Scenario): void {
  s.a.syn(); s.b.rstAck();
}

/** Established, data, then the client aborts. */
export function resetMid(s: Scenario): void {
  s.a.syn(); s.b.synAck(); s.a.ack(); s.a.data(10); s.b.ack(); s.a.rstAck();
}
