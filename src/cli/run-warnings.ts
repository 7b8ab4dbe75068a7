/**
 * Warnings about the run as a whole, written to stderr after the report: things the report's
 * numbers already say (stats.timestampsBackwards, stats.connectionsEvicted, inputs[]) but that
 * change what its verdicts mean, so that a `| jq` user or a CI log learns of them without reading
 * the stats (helper-64 audit, 2026-12-06: the same capture given twice read 13 connections instead
 * of 7, with made-up retransmissions, exit 0 and nothing on stderr).
 */
import { resolve } from 'node:path';
import type { RunReport } from '../report/model.js';
import { isoDiffSeconds } from '../report/format.js';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Each line without the `tcpflow-analyze: ` prefix; `name` prints an input's file as the CLI does. */
export function runWarnings(report: RunReport, name: (file: string) => string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const again = new Set<RunReport['inputs'][number]>();
  for (const input of report.inputs) {
    if (input.file === '-') continue;
    const key = resolve(input.file);
    if (seen.has(key)) again.add(input);
    if (seen.has(key)) out.push(`${name(input.file)}: warning: given more than once: its packets are read again, as copies and retransmissions of the first reading's`);
    seen.add(key);
  }
  // An input that begins before the one read just before it ended. Files are read in the order of
  // their first records (cli/inputs.ts declaredTimes), so the two overlap, or stdin, which cannot be
  // placed, came before an older file. Connections across them read as reordered or reused.
  let prev: RunReport['inputs'][number] | null = null;
  for (const input of report.inputs) {
    if (input.firstPacket === null) continue;
    // An input given again overlaps itself: the line above says why.
    if (prev !== null && prev.lastPacket !== null && !again.has(input) && isoDiffSeconds(prev.lastPacket, input.firstPacket) < 0) {
      out.push(`${name(input.file)}: warning: its first packet (${input.firstPacket}) is earlier than the last of ${name(prev.file)} (${prev.lastPacket}): the inputs overlap${prev.file === '-' ? ' or stdin was given before an older input (give it last)' : ''}; merge overlapping captures with mergecap`);
    }
    prev = input;
  }
  const back = report.stats.timestampsBackwards;
  if (back > 0) {
    out.push(`warning: ${plural(back, 'record')} stamped earlier than the record read before ${back === 1 ? 'it: the spans it ends are null, and its connection' : 'them: the spans they end are null, and their connections'} may read as reordered or reused (stats.timestampsBackwards, TIMESTAMP_BACKWARDS)`);
  }
  const evicted = report.stats.connectionsEvicted;
  if (evicted > 0) {
    out.push(`warning: ${plural(evicted, 'connection')} evicted at --max-connections ${report.settings.maxConnections}: their records ended early (ended: evicted), and a packet of one after that starts a new connection; raise --max-connections to follow more at once`);
  }
  return out;
}
