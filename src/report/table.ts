/**
 * The terminal view: a header (inputs, packets, time span, connections, decode problems), one
 * row per connection, and a summary. Columns are sized to `ctx.width`: each column starts at the
 * width of its widest cell and the widest shrinkable column gives up one character at a time
 * until the table fits, so at 80 columns cells wrap onto a second line instead of being cut off.
 */
import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { ConnectionReport, RunReport } from './model.js';
import { paintSeverity, type RenderContext } from './context.js';
import {
  anomalyCounts, formatBytes, formatCount, formatEndpoint, formatSeconds, isoDiffSeconds, strWidth, wrapText,
} from './format.js';
import { severityIndex } from './severity.js';

/**
 * Glue for "1.2 ms", "13.9 KiB", "by client": wrapText breaks only at plain spaces, so a number
 * never lands on a different line from its unit. Turned back into a space after wrapping.
 */
const GLUE = '\u00a0';
const glue = (s: string): string => s.replace(/ /g, GLUE);
const unglue = (s: string): string => s.replaceAll(GLUE, ' ');

/**
 * No outer border and two spaces between columns; one space when that is what it takes to fit
 * (80 columns with an IPv6 address). Any border would cost width the cells need more.
 */
function borderless(gap: number): Record<string, string> {
  return {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
    bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
    left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
    middle: ' '.repeat(gap),
  };
}

interface Column {
  head: string;
  /**
   * Cap on the column's minimum width: a column never gets narrower than its longest word or this
   * cap, whichever is smaller (words longer than the cap are split).
   */
  min: number;
  align: 'left' | 'right';
  cell: (c: ConnectionReport) => string;
  /** Colour applied line by line after wrapping (wrapping works on plain text). */
  paint?: (line: string, c: ConnectionReport) => string;
}

export function renderTable(report: RunReport, ctx: RenderContext): string {
  const { chalk } = ctx;
  const out: string[] = [];
  out.push(...renderHeader(report, ctx));
  out.push('');
  if (report.connections.length === 0) {
    out.push(report.selection ? 'No connection matches the selection.' : 'No TCP connections.');
  } else {
    out.push(renderRows(report, ctx));
  }
  const sel = report.selection;
  if (sel && sel.matched > sel.shown) {
    const more = sel.matched - sel.shown;
    out.push(chalk.dim(`${ctx.ascii ? '...' : '…'} ${formatCount(more)} more connection${more === 1 ? '' : 's'} matched (raise --limit to see them)`));
  }
  out.push('');
  out.push(...renderSummary(report, ctx));
  // Trailing blanks (cli-table3 pads every cell) only make golden files and copy-paste noisy.
  return out.join('\n').split('\n').map((l) => l.replace(/\s+$/, '')).join('\n') + '\n';
}

function renderHeader(report: RunReport, ctx: RenderContext): string[] {
  const { chalk } = ctx;
  const lines: string[] = [];
  const label = (s: string): string => chalk.bold(s.padEnd(12));
  for (const input of report.inputs) {
    let desc: string;
    if (input.error) {
      const e = input.error;
      // "(at byte 0)" says nothing for a file that could not even be opened.
      desc = chalk.red(`unreadable: ${e.message}${e.code === 'IO_ERROR' && e.byteOffset === 0 ? '' : ` (at byte ${e.byteOffset})`}`);
    } else {
      const links = input.linkTypes.map((l) => l.name).join(', ') || 'no packets';
      desc = `${input.format ?? '?'}${input.gzip ? '+gzip' : ''}, ${links}, ${formatCount(input.packets)} packets`;
      if (input.issues.length > 0) {
        desc += chalk.yellow(`, ${input.issues.map((i) => `${i.code} at byte ${i.byteOffset}`).join('; ')}`);
      }
    }
    lines.push(...wrapLabelled(label('input'), `${input.file}: ${desc}`, ctx.width));
  }
  const st = report.stats;
  const skipped = Object.values(st.skipped).reduce((a, b) => a + b, 0);
  lines.push(
    ...wrapLabelled(
      label('packets'),
      `${formatCount(st.records)} (${formatCount(st.tcpSegments)} TCP, ${formatCount(skipped)} skipped)`,
      ctx.width,
    ),
  );
  const s = report.summary;
  const span =
    s.firstPacket && s.lastPacket
      ? `${s.firstPacket} ${ctx.ascii ? '->' : '→'} ${s.lastPacket} (${formatSeconds(isoDiffSeconds(s.firstPacket, s.lastPacket))})`
      : 'no packets';
  lines.push(...wrapLabelled(label('time span'), span, ctx.width));
  let conns = formatCount(s.connections);
  if (report.selection) conns += `, ${formatCount(report.selection.matched)} match ${report.selection.criteria.join(' ')}`;
  const retired: string[] = [];
  if (st.connectionsTimedOut > 0) retired.push(`${formatCount(st.connectionsTimedOut)} timed out`);
  if (st.connectionsEvicted > 0) retired.push(chalk.yellow(`${formatCount(st.connectionsEvicted)} evicted`));
  if (retired.length > 0) conns += ` (${retired.join(', ')})`;
  lines.push(...wrapLabelled(label('connections'), conns, ctx.width));
  const decodeErrors = Object.entries(st.decodeErrors);
  const problems = decodeErrors.reduce((a, [, n]) => a + n, 0) + st.badChecksums;
  let probText = formatCount(problems);
  const parts = decodeErrors.map(([code, n]) => `${code} ${formatCount(n)}`);
  if (st.badChecksums > 0) parts.push(`bad checksums ${formatCount(st.badChecksums)}`);
  if (parts.length > 0) probText += ` (${parts.join(', ')})`;
  lines.push(...wrapLabelled(label('decode'), problems > 0 ? chalk.yellow(probText) : probText, ctx.width));
  return lines;
}

/** `label` then `text` wrapped under itself, so long file names and spans stay aligned. */
function wrapLabelled(label: string, text: string, width: number): string[] {
  // Labels are padded to 12 columns; colour codes in `text` are short and only add slack.
  const indent = 12;
  const body = wrapText(text, Math.max(20, width - indent));
  return body.map((l, i) => (i === 0 ? label : ' '.repeat(indent)) + l);
}

function columns(chalk: ChalkInstance, severities: Map<string, string>, ascii: boolean): Column[] {
  const to = ascii ? '->' : '→';
  return [
    { head: '#', min: 6, align: 'right', cell: (c) => String(c.id) },
    {
      head: `client ${to} server`,
      min: 24,
      align: 'left',
      cell: (c) => {
        // The arrow stays with the client, so a wrapped cell reads "client →" over "server".
        let s = `${formatEndpoint(c.client)}${GLUE}${to} ${formatEndpoint(c.server)}`;
        // Caveats that change how the row should be read go under the endpoints.
        if (c.rolesGuessed) s += '\n(roles guessed)';
        if (c.portReuse) s += `\n(reuses #${c.portReuse.previousId})`;
        return s;
      },
      paint: (line) => (line.startsWith('(') ? chalk.dim(line) : line),
    },
    {
      head: 'handshake',
      min: 9,
      align: 'left',
      cell: (c) => {
        const rtt = c.handshake.rtt.total ?? c.handshake.rtt.synToSynAck;
        return rtt === null ? c.handshake.outcome : `${c.handshake.outcome} ${glue(formatSeconds(rtt))}`;
      },
      paint: (line, c) => (c.handshake.outcome === 'complete' || c.handshake.outcome === 'simultaneous_open' ? line : chalk.yellow(line)),
    },
    { head: 'duration', min: 8, align: 'right', cell: (c) => glue(formatSeconds(c.duration)) },
    { head: `bytes ${glue('c / s')}`, min: 9, align: 'left', cell: (c) => `${glue(formatBytes(c.bytes.client))} / ${glue(formatBytes(c.bytes.server))}` },
    {
      head: 'close',
      min: 11,
      align: 'left',
      cell: (c) => {
        const by = c.close.kind === 'reset' ? c.close.resetBy : c.close.initiator;
        return by && c.close.kind !== 'none' ? `${c.close.kind} ${glue(`by ${by}`)}` : c.close.kind;
      },
    },
    {
      head: `final ${glue('c / s')}`,
      min: 12,
      align: 'left',
      cell: (c) => `${c.client.finalState} / ${c.server.finalState}`,
    },
    {
      head: 'anomalies',
      min: 20,
      align: 'left',
      cell: (c) => anomalyCounts(c).map((a) => (a.count > 1 ? `${a.code}×${a.count}` : a.code)).join(' ') || '-',
      paint: (line) => line.replace(/[A-Z][A-Z0-9_]+(?:×\d+)?/g, (tok) => paintSeverity(chalk, severities.get(tok.replace(/×\d+$/, '')) ?? '', tok)),
    },
  ];
}

function renderRows(report: RunReport, ctx: RenderContext): string {
  const { chalk } = ctx;
  const all = columns(chalk, severityIndex(report), ctx.ascii);
  const plainAll = report.connections.map((c) => all.map((col) => col.cell(c)));
  // Wide layout: anomalies in their own column. When even the narrowest widths do not fit
  // (80 columns), the anomalies move to a line of their own under each row, spanning the table.
  const fits = (cs: Column[], cells: string[][], gap: number): boolean =>
    minWidths(cs, cells).reduce((a, b) => a + b, 0) + gap * (cs.length - 1) <= ctx.width;
  const wide = fits(all, plainAll, 2);
  const anomaliesAt = all.findIndex((col) => col.head === 'anomalies');
  const cols = wide ? all : all.filter((_, i) => i !== anomaliesAt);
  const plain = wide ? plainAll : plainAll.map((row) => row.filter((_, i) => i !== anomaliesAt));
  const gap = wide || fits(cols, plain, 2) ? 2 : 1;
  const widths = fitWidths(cols, plain, ctx.width, gap);
  const ruleWidth = widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  const table = new Table({
    head: cols.map((col, i) => chalk.bold(wrapText(col.head, widths[i]).map(unglue).join('\n'))),
    colWidths: widths,
    colAligns: cols.map((col) => col.align),
    chars: borderless(gap),
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    wordWrap: false,
  });
  report.connections.forEach((c, r) => {
    table.push(
      cols.map((col, i) => {
        const lines = wrapText(plain[r][i], widths[i]).map(unglue);
        return col.paint ? lines.map((l) => col.paint!(l, c)).join('\n') : lines.join('\n');
      }),
    );
    if (!wide && c.anomalies.length > 0) {
      const col = all[anomaliesAt];
      const indent = widths[0] + gap;
      const lines = wrapText(`${ctx.ascii ? '!' : '⚠'} ${plainAll[r][anomaliesAt]}`, ruleWidth - indent);
      table.push(['', { content: lines.map((l) => col.paint!(l, c)).join('\n'), colSpan: cols.length - 1 }]);
    }
  });
  // A rule under the header row, as wide as the table (the border chars are all empty).
  const lines = table.toString().split('\n');
  const headLines = Math.max(...cols.map((col, i) => wrapText(col.head, widths[i]).length));
  lines.splice(headLines, 0, chalk.dim((ctx.ascii ? '-' : '─').repeat(ruleWidth)));
  return lines.join('\n');
}

/** Longest word of each column (never split a header word; split a cell word only beyond the cap). */
function minWidths(cols: Column[], cells: string[][]): number[] {
  const longestWord = (s: string): number => Math.max(0, ...s.split(/[ \n]/).map(strWidth));
  return cols.map((col, i) =>
    Math.max(longestWord(col.head), Math.min(col.min, Math.max(0, ...cells.map((row) => longestWord(row[i]))))),
  );
}

/**
 * Column widths that fit `width`: natural widths (widest line of each column), then the widest
 * column above its minimum loses one character at a time. If every column is at its minimum the
 * table is wider than asked; wrapping a 4-tuple into single characters would help nobody.
 */
export function fitWidths(cols: Column[], cells: string[][], width: number, gap: number): number[] {
  const natural = cols.map((col, i) =>
    Math.max(strWidth(col.head), ...cells.map((row) => Math.max(...row[i].split('\n').map(strWidth)))),
  );
  const widths = [...natural];
  const min = minWidths(cols, cells);
  const budget = width - gap * (cols.length - 1);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (widths[i] > min[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
    }
    if (widest < 0) break;
    widths[widest]--;
    total--;
  }
  return widths;
}

function renderSummary(report: RunReport, ctx: RenderContext): string[] {
  const { chalk } = ctx;
  const s = report.summary;
  const severities = severityIndex(report);
  const label = (t: string): string => chalk.bold(t.padEnd(12));
  const list = (rec: Record<string, number | undefined>, paint?: (k: string, t: string) => string): string => {
    const entries = Object.entries(rec).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
    if (entries.length === 0) return '-';
    return entries.map(([k, n]) => (paint ? paint(k, `${k} ${formatCount(n)}`) : `${k} ${formatCount(n)}`)).join(', ');
  };
  const title = report.selection ? `summary of all ${formatCount(s.connections)} connections` : 'summary';
  return [
    chalk.bold(title),
    ...wrapLabelled(label('handshakes'), list(s.handshakes), ctx.width),
    ...wrapLabelled(label('closes'), list(s.closes), ctx.width),
    ...wrapLabelled(label('anomalies'), list(s.anomalies, (k, t) => paintSeverity(chalk, severities.get(k) ?? '', t)), ctx.width),
    ...wrapLabelled(label('ended'), list(s.ended), ctx.width),
  ];
}
