/**
 * Which connections are printed (--host, --port, --connection, --anomaly, --only-anomalies,
 * --state, --ladder), in what order (--sort), how many (--limit), and whether the CI gate trips
 * (--fail-on). Each is a plain function of one ConnectionReport, so the streaming NDJSON path and
 * the buffered formats decide identically.
 */
import type { AnomalyReport, ConnectionReport, Severity } from '../report/model.js';
import { formatCount, isoToEpochParts, shownRtt } from '../report/format.js';
import { hostMatches } from './hosts.js';
import { SEVERITIES, type CliOptions, type FailOn, type Selection, type SortField } from './options.js';

export function matches(c: ConnectionReport, s: Selection, ladder: CliOptions['ladder']): boolean {
  if (s.ids.length > 0 && !s.ids.includes(c.id)) return false;
  if (s.hosts.length > 0 && !s.hosts.some((h) => hostMatches(h, c.client.ip) || hostMatches(h, c.server.ip))) return false;
  if (s.ports.length > 0 && !s.ports.includes(c.client.port) && !s.ports.includes(c.server.port)) return false;
  if (s.anomalies.length > 0 && !c.anomalies.some((a) => s.anomalies.includes(a.code))) return false;
  if (s.onlyAnomalies && c.anomalies.length === 0) return false;
  if (s.states.length > 0 && !s.states.includes(c.client.finalState) && !s.states.includes(c.server.finalState)) return false;
  if (ladder) {
    // --ladder N draws one connection; plain --ladder the anomalous ones (issue 4), --all every one.
    if (ladder.id !== null) return c.id === ladder.id;
    if (!ladder.all && c.anomalies.length === 0) return false;
  }
  return true;
}

/** The selection as the report's `selection.criteria` lists it. */
export function criteria(o: CliOptions): string[] {
  const s = o.selection;
  const out: string[] = [];
  if (s.ids.length > 0) out.push(`connection=${s.ids.join(',')}`);
  if (s.hosts.length > 0) out.push(`host=${s.hosts.map((h) => h.text).join(',')}`);
  if (s.ports.length > 0) out.push(`port=${s.ports.join(',')}`);
  if (s.anomalies.length > 0) out.push(`anomaly=${s.anomalies.join(',')}`);
  if (s.onlyAnomalies) out.push('only-anomalies');
  if (s.states.length > 0) out.push(`state=${s.states.join(',')}`);
  if (o.ladder) out.push(o.ladder.id !== null ? `ladder=${o.ladder.id}` : o.ladder.all ? 'ladder --all' : 'ladder');
  if (s.limit !== null) out.push(`limit=${s.limit}`);
  return out;
}

/** `criteria` without --ladder and --limit, which pick among what the others selected. */
function filters(o: CliOptions): string[] {
  return criteria(o).filter((c) => !c.startsWith('ladder') && !c.startsWith('limit='));
}

/**
 * Why plain --ladder or --ladder --all drew nothing: the other options selected nothing (named as
 * the table header names them), or `candidates` connections they selected had no anomaly.
 */
export function noLadderLine(o: CliOptions, candidates: number): string {
  const sel = filters(o).join(' ');
  const all = o.ladder?.all ?? false;
  if (sel === '') return all || candidates === 0 ? 'No connection to draw.' : 'No connection has an anomaly; --ladder --all draws every connection.';
  if (all || candidates === 0) return `No connection matches ${sel}.`;
  const n = candidates === 1 ? '1 connection matches' : `${formatCount(candidates)} connections match`;
  return `${n} ${sel}, none with an anomaly (plain --ladder draws only those; --ladder --all draws every one).`;
}

/** Why --ladder N drew nothing, for a run of `connections` connections (ids are 1..connections). */
export function ladderNotFoundLine(id: number, o: CliOptions, connections: number): string {
  const others = filters(o);
  return id <= connections && others.length > 0
    ? `--ladder ${id}: connection ${id} is not selected by ${others.map((c) => `--${c.replace('=', ' ')}`).join(' ')}`
    : `--ladder ${id}: no such connection (the run has ${connections})`;
}

const epochNanos = (iso: string): number => {
  const p = isoToEpochParts(iso);
  // Differences only: exact to the microsecond for any realistic capture date, which orders packets.
  return p.sec * 1e6 + p.nanos / 1e3;
};

const totalBytes = (c: ConnectionReport): number => c.bytes.client + c.bytes.server;
const totalPackets = (c: ConnectionReport): number => c.packets.client + c.packets.server;
/** As the table prints it (shownRtt: without a total, the server's half when no ACK was captured); -1: none. */
const rtt = (c: ConnectionReport): number => shownRtt(c.handshake).seconds ?? -1;

/**
 * The connection's place in `field`'s order as one number: ascending key, ties by id. The buffered
 * formats keep this instead of the report (run.ts, report/spool.ts), so it is the only definition
 * of the orders.
 */
export function sortKey(c: ConnectionReport, field: SortField): number {
  switch (field) {
    case 'id': return c.id;
    case 'start': return epochNanos(c.firstSeen);
    case 'duration': return -c.duration;
    case 'bytes': return -totalBytes(c);
    case 'packets': return -totalPackets(c);
    case 'rtt': return -rtt(c);
    case 'anomalies': return -c.anomalies.length;
  }
}

/** The codes of `anomalies` (one connection's) that trip the gate. */
export function gateHits(anomalies: readonly AnomalyReport[], f: FailOn): string[] {
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  return anomalies
    .filter((a) => f.any || f.codes.has(a.code) || (f.minSeverity !== null && rank(a.severity) >= rank(f.minSeverity)))
    .map((a) => a.code);
}

/** What tripped --fail-on: the connections, and how often each code did. */
export class GateCount {
  connections = 0;
  readonly codes = new Map<string, number>();

  /** One connection's anomalies. */
  add(anomalies: readonly AnomalyReport[], f: FailOn): void {
    const hits = gateHits(anomalies, f);
    if (hits.length > 0) this.connections++;
    for (const code of hits) this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  /** Another count (a shard's, threads/sharded.ts), as plain data. */
  absorb(o: { connections: number; codes: Iterable<[string, number]> }): void {
    this.connections += o.connections;
    for (const [code, n] of o.codes) this.codes.set(code, (this.codes.get(code) ?? 0) + n);
  }
}
