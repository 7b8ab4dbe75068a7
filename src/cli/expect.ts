/**
 * `--expect <file.json>`: check a capture against the outcomes you expect, per connection.
 *
 *   { "connections": [
 *       { "id": 1, "handshake": "complete", "close": "four_way", "clientState": "TIME_WAIT", "serverState": "CLOSED" },
 *       { "tuple": "10.0.0.1:5000 -> 10.0.0.2:80", "handshake": "refused", "anomalies": ["REFUSED"] }
 *   ] }
 *
 * (a bare array works too). A connection is named by `id` or by `tuple` (client -> server, IPv6
 * in brackets); every other key is optional and compared exactly (`anomalies`: the set of distinct
 * codes). Values are checked when the file is read (an unknown outcome, state or code is an error
 * naming the entry, not a mismatch at the end) and taken in any case, states also in ss/netstat
 * spelling. Connections the file does not name are not checked; a file naming none is an error. Checked as connections stream by,
 * so it works with NDJSON's bounded memory.
 */
import { parseHostPattern } from './hosts.js';
import type { CloseKind, ConnectionReport, HandshakeOutcome, Role } from '../report/model.js';
import { formatEndpoint, formatPair } from '../report/format.js';
import { isAnomalyCode, parseState } from './options.js';

export const HANDSHAKE_OUTCOMES = ['complete', 'simultaneous_open', 'refused', 'no_answer', 'unreachable', 'synack_unacked', 'aborted', 'bad_ack', 'not_seen'] as const;
const CLOSE_KINDS = ['four_way', 'three_way', 'simultaneous', 'half_closed', 'reset', 'incomplete', 'none'] as const;
// Compile-time: the lists hold every member of the model's unions (a new outcome must be added here).
const allOutcomes: Exclude<HandshakeOutcome, (typeof HANDSHAKE_OUTCOMES)[number]> extends never ? true : never = true;
const allCloses: Exclude<CloseKind, (typeof CLOSE_KINDS)[number]> extends never ? true : never = true;
void allOutcomes;
void allCloses;

export interface Expectation {
  id?: number;
  tuple?: string;
  handshake?: HandshakeOutcome;
  close?: CloseKind;
  initiator?: Role | 'both' | null;
  clientState?: string;
  serverState?: string;
  anomalies?: string[];
}

const KEYS = new Set(['id', 'tuple', 'handshake', 'close', 'initiator', 'clientState', 'serverState', 'anomalies']);

export class ExpectFileError extends Error {}

/** Validates the file's JSON; errors name the entry so a typo is found quickly. */
export function parseExpectations(text: string): Expectation[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ExpectFileError(`not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { connections?: unknown } | null)?.connections;
  if (!Array.isArray(list)) throw new ExpectFileError('expected an array, or an object with a "connections" array');
  // An empty list would pass every capture: almost certainly not what the CI job meant.
  if (list.length === 0) throw new ExpectFileError('names no connection (an empty list would pass any capture)');
  return list.map((e, i) => {
    const where = `entry ${i + 1}`;
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw new ExpectFileError(`${where}: expected an object`);
    for (const k of Object.keys(e)) if (!KEYS.has(k)) throw new ExpectFileError(`${where}: unknown key "${k}" (known: ${[...KEYS].join(', ')})`);
    const x = e as Record<string, unknown>;
    if ((x.id === undefined) === (x.tuple === undefined)) throw new ExpectFileError(`${where}: name the connection by "id" or by "tuple" (one of them)`);
    if (x.id !== undefined && (!Number.isInteger(x.id) || (x.id as number) < 1)) throw new ExpectFileError(`${where}: "id" must be a connection id (1, 2, ...)`);
    if (x.tuple !== undefined && (typeof x.tuple !== 'string' || !parseTuple(x.tuple))) {
      throw new ExpectFileError(`${where}: "tuple" must look like "10.0.0.1:5000 -> 10.0.0.2:80"`);
    }
    for (const k of ['handshake', 'close', 'clientState', 'serverState'] as const) {
      if (x[k] !== undefined && typeof x[k] !== 'string') throw new ExpectFileError(`${where}: "${k}" must be a string`);
    }
    if (x.anomalies !== undefined && !(Array.isArray(x.anomalies) && x.anomalies.every((a) => typeof a === 'string'))) {
      throw new ExpectFileError(`${where}: "anomalies" must be an array of codes`);
    }
    const oneOf = <T extends string>(k: string, v: unknown, allowed: readonly T[]): T | undefined => {
      if (v === undefined) return undefined;
      const low = (v as string).toLowerCase();
      if (!(allowed as readonly string[]).includes(low)) throw new ExpectFileError(`${where}: "${k}" is ${JSON.stringify(v)}, not one of ${allowed.join(', ')}`);
      return low as T;
    };
    const state = (k: string, v: unknown): string | undefined => {
      if (v === undefined) return undefined;
      try {
        return parseState(v as string);
      } catch {
        throw new ExpectFileError(`${where}: "${k}" is ${JSON.stringify(v)}, not a state (CLOSED, SYN_SENT, ..., TIME_WAIT, UNKNOWN)`);
      }
    };
    let initiator: Expectation['initiator'];
    if (x.initiator !== undefined) {
      if (x.initiator !== null && typeof x.initiator !== 'string') throw new ExpectFileError(`${where}: "initiator" must be "client", "server", "both" or null`);
      initiator = x.initiator === null ? null : oneOf('initiator', x.initiator, ['client', 'server', 'both'] as const);
    }
    const anomalies = (x.anomalies as string[] | undefined)?.map((a) => {
      const code = a.toUpperCase().replace(/-/g, '_');
      if (!isAnomalyCode(code)) throw new ExpectFileError(`${where}: unknown anomaly code "${a}" (the codes are listed in docs/anomalies.md)`);
      return code;
    });
    const out: Expectation = {};
    if (x.id !== undefined) out.id = x.id as number;
    if (x.tuple !== undefined) out.tuple = x.tuple as string;
    const handshake = oneOf('handshake', x.handshake, HANDSHAKE_OUTCOMES);
    if (handshake !== undefined) out.handshake = handshake;
    const close = oneOf('close', x.close, CLOSE_KINDS);
    if (close !== undefined) out.close = close;
    if (x.initiator !== undefined) out.initiator = initiator;
    const cs = state('clientState', x.clientState);
    if (cs !== undefined) out.clientState = cs;
    const ss = state('serverState', x.serverState);
    if (ss !== undefined) out.serverState = ss;
    if (anomalies !== undefined) out.anomalies = anomalies;
    return out;
  });
}

/**
 * "a:p -> b:p" (or →) into the two endpoints as formatEndpoint prints them: addresses are parsed
 * as --host parses them, so every spelling of an IPv6 address (`[2001:DB8:0:0::1]:80`) names the
 * connection the report prints as `[2001:db8::1]:80`. Null if a side is no address and port.
 */
function parseTuple(t: string): { client: string; server: string } | null {
  const m = /^\s*(\S+)\s*(?:->|→)\s*(\S+)\s*$/.exec(t);
  if (!m) return null;
  const client = canonicalEndpoint(m[1]);
  const server = canonicalEndpoint(m[2]);
  return client !== null && server !== null ? { client, server } : null;
}

function canonicalEndpoint(s: string): string | null {
  const m = /^(\[[^\]]+\]|[0-9.]+):(\d{1,5})$/.exec(s);
  if (m === null) return null;
  const port = Number(m[2]);
  const host = parseHostPattern(m[1]);
  // A bracketed IPv4 address or a prefix is no endpoint.
  if (host === null || host.text.includes('/') || host.v6 !== m[1].startsWith('[') || port > 65535) return null;
  return formatEndpoint({ ip: host.text, port });
}

function label(e: Expectation, ascii: boolean): string {
  if (e.id !== undefined) return `connection ${e.id}`;
  // The tuple as the file spells it, so it can be found there; only the arrow (which parseTuple
  // accepts in either spelling) is rewritten for --ascii.
  return `"${ascii ? e.tuple!.replaceAll('→', '->') : e.tuple}"`;
}

/** Compares connections as they arrive; `finish()` returns one diff block per failed expectation. */
export class ExpectChecker {
  // Several expectations may name one connection (by id, by tuple, or twice the same way): each sees it.
  private readonly byId = new Map<number, number[]>();
  private readonly byTuple = new Map<string, number[]>();
  private readonly reversed = new Map<string, number[]>();
  private readonly seen: ConnectionReport[][];
  private readonly reverseSeen: boolean[];

  /** `ascii`: the diff's lines use `->` (--ascii), as the report does. */
  constructor(private readonly expectations: Expectation[], private readonly ascii = false) {
    this.seen = expectations.map(() => []);
    this.reverseSeen = expectations.map(() => false);
    const add = <K>(m: Map<K, number[]>, k: K, i: number): void => {
      const list = m.get(k);
      if (list === undefined) m.set(k, [i]);
      else list.push(i);
    };
    expectations.forEach((e, i) => {
      if (e.id !== undefined) add(this.byId, e.id, i);
      else {
        const t = parseTuple(e.tuple!)!;
        add(this.byTuple, `${t.client} ${t.server}`, i);
        add(this.reversed, `${t.server} ${t.client}`, i);
      }
    });
  }

  observe(c: ConnectionReport): void {
    const key = `${formatEndpoint(c.client)} ${formatEndpoint(c.server)}`;
    const byId = this.byId.get(c.id);
    const byTuple = this.byTuple.get(key);
    if (byId !== undefined || byTuple !== undefined) {
      // Only a slim copy is kept: --expect must not undo NDJSON's bounded memory.
      const kept = slim(c);
      if (byId !== undefined) for (const i of byId) this.seen[i].push(kept);
      if (byTuple !== undefined) for (const i of byTuple) this.seen[i].push(kept);
    }
    const r = this.reversed.get(key);
    if (r !== undefined) for (const i of r) this.reverseSeen[i] = true;
  }

  /** Failed expectations, each as lines of a small diff ("- expected" / "+ actual"). */
  finish(): string[][] {
    const out: string[][] = [];
    this.expectations.forEach((e, i) => {
      const got = this.seen[i];
      if (got.length === 0) {
        const hint = this.reverseSeen[i] ? ' (a connection exists the other way round: client and server swapped?)' : '';
        out.push([`${label(e, this.ascii)}: no such connection${hint}`]);
        return;
      }
      if (got.length > 1) {
        out.push([`${label(e, this.ascii)}: matches ${got.length} connections (ids ${got.map((c) => c.id).join(', ')}); name one by "id"`]);
        return;
      }
      const c = got[0];
      const lines: string[] = [];
      const cmp = (key: string, want: unknown, have: unknown): void => {
        if (want === undefined || JSON.stringify(want) === JSON.stringify(have)) return;
        lines.push(`  - ${key}: ${JSON.stringify(want)}`, `  + ${key}: ${JSON.stringify(have)}`);
      };
      cmp('handshake', e.handshake, c.handshake.outcome);
      cmp('close', e.close, c.close.kind);
      cmp('initiator', e.initiator, c.close.initiator);
      cmp('clientState', e.clientState, c.client.finalState);
      cmp('serverState', e.serverState, c.server.finalState);
      cmp('anomalies', e.anomalies ? [...new Set(e.anomalies)].sort() : undefined, [...new Set(c.anomalies.map((a) => a.code))].sort());
      if (lines.length > 0) out.push([`connection ${c.id} (${formatPair(c, this.ascii)}):`, ...lines]);
    });
    return out;
  }
}

/** The fields expectations compare, and nothing else (no transitions, no ladder rows). */
function slim(c: ConnectionReport): ConnectionReport {
  return {
    ...c,
    client: { ...c.client, transitions: [] },
    server: { ...c.server, transitions: [] },
    ladder: undefined,
    anomalies: c.anomalies.map((a) => ({ ...a, details: {} })),
  };
}
