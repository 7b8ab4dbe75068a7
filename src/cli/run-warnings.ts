/**
 * Warnings about the run as a whole, written to stderr after the report: things the report's
 * numbers already say (stats.timestampsBackwards, stats.connectionsEvicted, inputs[]) but that
 * change what its verdicts mean, so that a `| jq` user or a CI log learns of them without reading
 * the stats (helper-64 audit, 2026-12-06: the same capture given twice read 13 connections instead
 * of 7, with made-up retransmissions, exit 0 and nothing on stderr).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunReport } from '../report/model.js';
import { isoDiffSeconds, plural } from '../report/format.js';

/**
 * An input starting less than this before an earlier one ended is not called an overlap: the
 * jitter of a capture's own stamps at a rotation boundary (helper-66 review: one record 20 µs out
 * of order, split there, read as "the inputs overlap; merge them with mergecap").
 */
const OVERLAP_TOLERANCE_SECONDS = 0.01;

/** The file itself, through symbolic links when it can be reached. */
function identity(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

/** Each line without the `tcpflow-analyze: ` prefix; `name` prints an input's file as the CLI does. */
export function runWarnings(report: RunReport, name: (file: string) => string): string[] {
  const out: string[] = [];
  const read = report.inputs.filter((i) => i.error === null && i.packets > 0);
  const seen = new Set<string>();
  const again = new Set<RunReport['inputs'][number]>();
  for (const input of read) {
    if (input.file === '-') continue;
    const key = identity(input.file);
    if (seen.has(key)) {
      again.add(input);
      out.push(`${name(input.file)}: warning: given more than once: its packets are read again, as copies and retransmissions of the first reading's`);
    }
    seen.add(key);
  }
  // An input that begins before one read earlier ended. Files are read in the order of their first
  // records (cli/inputs.ts declaredTimes), so the two overlap, or stdin, which cannot be placed, came
  // before an older file. Connections across them read as reordered or reused.
  let latest: RunReport['inputs'][number] | null = null;
  for (const input of read) {
    if (input.firstPacket === null || input.lastPacket === null) continue;
    // An input given again overlaps itself: the line above says why.
    if (latest !== null && !again.has(input) && isoDiffSeconds(latest.lastPacket!, input.firstPacket) < -OVERLAP_TOLERANCE_SECONDS) {
      out.push(`${name(input.file)}: warning: its first packet (${input.firstPacket}) is earlier than the last of ${name(latest.file)} (${latest.lastPacket}): the inputs overlap${latest.file === '-' ? ' or stdin was given before an older input (give it last)' : ''}; merge overlapping captures with mergecap`);
    }
    if (latest === null || isoDiffSeconds(latest.lastPacket!, input.lastPacket) > 0) latest = input;
  }
  const back = report.stats.timestampsBackwards;
  if (back > 0) {
    out.push(`warning: ${plural(back, 'record')} stamped earlier than the record read before ${back === 1 ? 'it' : 'them'} (stats.timestampsBackwards): a span a TCP one ends is null, and its connection may read as reordered or reused`);
  }
  const evicted = report.stats.connectionsEvicted;
  if (evicted > 0) {
    out.push(`warning: ${plural(evicted, 'connection')} evicted at --max-connections ${report.settings.maxConnections}: their records ended early (ended: evicted), and a packet of one after that starts a new connection; raise --max-connections to follow more at once`);
  }
  return out;
}
