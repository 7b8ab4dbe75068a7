/**
 * `--format ndjson`: one JSON object per line, each with a `type`.
 *
 *   {"type":"connection", ...ConnectionReport}   one per connection, written as soon as it finishes
 *   {"type":"summary", schemaVersion, tool, settings, inputs, stats, summary[, selection]}   last line
 *
 * The CLI calls `ndjsonConnectionLine` from `analyze()`'s onConnection callback, so a connection
 * that closed early in a 10 GB capture is printed long before the end (issue 6), and memory does
 * not grow with the number of connections. The line type is "connection" (the word the JSON
 * contract and the CLI use) rather than STYLE §8's draft "flow".
 */
import type { ConnectionReport, RunReport } from './model.js';
import type { RenderContext } from './context.js';

export const NDJSON_CONNECTION_TYPE = 'connection';
export const NDJSON_SUMMARY_TYPE = 'summary';

export function ndjsonConnectionLine(c: ConnectionReport): string {
  return JSON.stringify({ type: NDJSON_CONNECTION_TYPE, ...c }) + '\n';
}

/** The last line: everything of the report except the connections, which came before it. */
export function ndjsonSummaryLine(report: Omit<RunReport, 'connections'>): string {
  const line: Record<string, unknown> = {
    type: NDJSON_SUMMARY_TYPE,
    schemaVersion: report.schemaVersion,
    tool: report.tool,
    settings: report.settings,
    inputs: report.inputs,
    stats: report.stats,
    summary: report.summary,
  };
  if (report.selection) line.selection = report.selection;
  return JSON.stringify(line) + '\n';
}

/** The whole report at once (library users, tests): the same lines the streaming CLI writes. */
export function renderNdjson(report: RunReport, _ctx?: RenderContext): string {
  return report.connections.map(ndjsonConnectionLine).join('') + ndjsonSummaryLine(report);
}
