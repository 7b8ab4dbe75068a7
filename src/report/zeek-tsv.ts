/**
 * `--format zeek`: a conn.log in Zeek's ASCII (TSV) log format, so zeek-cut, zq and other Zeek
 * tooling read it, and our verdicts can be diffed against a real Zeek run.
 *
 * Deliberate differences from Zeek's own writer:
 * - `#open` / `#close` are the capture's first and last packet times, not the wall clock, so the
 *   output is deterministic (golden files, diffs).
 * - `uid` is `C` + our connection id: stable across runs, unlike Zeek's random uids. Where Zeek
 *   would write several rows for one of our connections (its timers dropped the state between
 *   packets), they are `C<id>-1`, `C<id>-2`, ... in order.
 * - Rows come from the Zeek model (`zeek.rows`, which the CLI asks for): Zeek's duration
 *   (`last_time` stops once both sides closed), byte counts from sequence ranges, packets it
 *   accepted. A report without rows (a library caller that did not ask) gets one row per
 *   connection from our own duration, payload bytes and packets, as before.
 * - Fields we do not know are unset (`-`): service, local_orig/local_resp (no Site::local_nets),
 *   missed_bytes (we flag capture loss but do not count it), the *_ip_bytes columns, tunnel_parents.
 * - Checksums are checked only with `--verify-checksums` (off by default, for offloaded captures), so
 *   by default this is what `zeek -C` writes: no `c`/`C` letters, bad segments counted.
 * orig/resp follow Zeek's originator (`zeek.origIsClient`): our client, unless Zeek's port
 * heuristics would flip the roles (docs/zeek-conformance.md).
 */
import type { ConnectionReport, RunReport, ZeekRowReport } from './model.js';
import type { RenderContext } from './context.js';
import { isoToZeekStamp, isoToZeekTime } from './format.js';
import { MAX_ZEEK_ROWS } from '../analysis/zeek.js';

const UNSET = '-';

export const ZEEK_CONN_FIELDS = [
  ['ts', 'time'],
  ['uid', 'string'],
  ['id.orig_h', 'addr'],
  ['id.orig_p', 'port'],
  ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'],
  ['proto', 'enum'],
  ['service', 'string'],
  ['duration', 'interval'],
  ['orig_bytes', 'count'],
  ['resp_bytes', 'count'],
  ['conn_state', 'string'],
  ['local_orig', 'bool'],
  ['local_resp', 'bool'],
  ['missed_bytes', 'count'],
  ['history', 'string'],
  ['orig_pkts', 'count'],
  ['orig_ip_bytes', 'count'],
  ['resp_pkts', 'count'],
  ['resp_ip_bytes', 'count'],
  ['tunnel_parents', 'set[string]'],
] as const;

export function renderZeekTsv(report: RunReport, _ctx?: RenderContext): string {
  // Zeek writes a row when it drops a connection's state; ours are in id order, which is first-packet order.
  return zeekHeader(report) + report.connections.map(zeekConnLine).join('') + zeekFooter(report);
}

/** The lines before the rows: separators, path, `#open`, fields and types. */
export function zeekHeader(report: Pick<RunReport, 'summary'>): string {
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#open\t${report.summary.firstPacket ? isoToZeekStamp(report.summary.firstPacket) : UNSET}`,
    `#fields\t${ZEEK_CONN_FIELDS.map(([f]) => f).join('\t')}`,
    `#types\t${ZEEK_CONN_FIELDS.map(([, t]) => t).join('\t')}`,
  ].join('\n') + '\n';
}

export function zeekFooter(report: Pick<RunReport, 'summary'>): string {
  return `#close\t${report.summary.lastPacket ? isoToZeekStamp(report.summary.lastPacket) : UNSET}\n`;
}

/** The connection's conn.log rows (one, unless Zeek would split it), tab-separated, each with its newline. */
export function zeekConnLine(c: ConnectionReport): string {
  const rows = c.zeek.rows;
  if (rows === undefined || rows.length === 0) return `${zeekConnRow(c).join('\t')}\n`;
  // Rows left out (MAX_ZEEK_ROWS) came before the kept row at index MAX_ZEEK_ROWS - 1: numbering
  // skips them, so a row's uid is the one it would have had with every row written.
  const omitted = c.zeek.rowsOmitted ?? 0;
  let out = '';
  rows.forEach((r, i) => {
    const n = i + 1 + (i >= MAX_ZEEK_ROWS - 1 ? omitted : 0);
    out += `${zeekModelRow(c, r, rows.length === 1 ? `C${c.id}` : `C${c.id}-${n}`).join('\t')}\n`;
  });
  return out;
}

/** One row of the Zeek model, oriented as Zeek's originator is. */
export function zeekModelRow(c: ConnectionReport, r: ZeekRowReport, uid: string): string[] {
  // History letters are relative to Zeek's originator: when Zeek would flip the roles, so do the
  // tuple and the per-side counts, or the row would contradict its own history.
  const orig = r.origIsClient ? c.client : c.server;
  const resp = r.origIsClient ? c.server : c.client;
  // Zeek sets duration and the byte counts only when the duration is above zero (a one-packet
  // connection shows '-'), so we do the same for row-by-row comparisons.
  const hasDuration = r.duration > 0;
  return [
    isoToZeekTime(r.ts),
    uid,
    orig.ip,
    String(orig.port),
    resp.ip,
    String(resp.port),
    'tcp',
    UNSET,
    hasDuration ? r.duration.toFixed(6) : UNSET,
    hasDuration ? String(r.origBytes) : UNSET,
    hasDuration ? String(r.respBytes) : UNSET,
    escape(r.connState) || UNSET,
    UNSET,
    UNSET,
    UNSET,
    escape(r.history) || UNSET,
    String(r.origPkts),
    UNSET,
    String(r.respPkts),
    UNSET,
    UNSET,
  ];
}

/** The one row of a report without the model's rows: our own duration, payload bytes and packets. */
export function zeekConnRow(c: ConnectionReport): string[] {
  const origIsClient = c.zeek.origIsClient;
  return zeekModelRow(c, {
    ts: c.firstSeen,
    duration: c.duration,
    origIsClient,
    connState: c.zeek.connState,
    history: c.zeek.history,
    origPkts: origIsClient ? c.packets.client : c.packets.server,
    respPkts: origIsClient ? c.packets.server : c.packets.client,
    origBytes: origIsClient ? c.bytes.client : c.bytes.server,
    respBytes: origIsClient ? c.bytes.server : c.bytes.client,
  }, `C${c.id}`);
}

/** Zeek's ASCII writer escapes the separator; nothing we print should contain one, but never break a row. */
function escape(s: string): string {
  return s.replace(/\t/g, '\\x09').replace(/\n/g, '\\x0a');
}
