/**
 * The terminal view: a header (inputs, packets, time span, connections, decode problems), one
 * row per connection, and a summary. Columns are sized to `ctx.width`: each column starts at the
 * width of its widest cell and the widest shrinkable column gives up one character at a time
 * until the table fits, so at 80 columns cells wrap onto a second line instead of being cut off.
 * Cells wrap between words only: a column never gets narrower than its longest word (an address
 * with its port, a state name), since half an address or "simultaneou" over "s" misleads. The one
 * exception is an IPv6 endpoint, which can be 47 characters: when nothing else is left to give,
 * it breaks after a colon of its address, never inside "]:port" (see `pieces`).
 */
import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { ConnectionReport, RunReport, Severity } from './model.js';
import { paintSeverity, type RenderContext } from './context.js';
import {
  anomalyCounts, formatBytes, formatCount, formatEndpoint, formatSeconds, isoDiffSeconds, plural, shownRtt, strWidth, wrapText,
} from './format.js';
import { severityIndex } from './severity.js';

/**
 * Glue for "1.2 ms", "13.9 KiB", "by client": wrapping breaks only at plain spaces, so a number
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
  align: 'left' | 'right';
  cell: (c: ConnectionReport) => string;
  /** Colour applied line by line after wrapping (wrapping works on plain text); `lines`: the cell's, `k`: this one's index. */
  paint?: (line: string, row: TableRow, chalk: ChalkInstance, lines: readonly string[], k: number) => string;
}

/**
 * What the table keeps of a connection until it can be laid out (the column widths need every
 * row): its cells as plain text and the two facts the colours need, a few hundred bytes instead
 * of the whole report. The CLI parks them in a spool file (cli/buffered.ts).
 */
export interface TableRow {
  id: number;
  /**
   * The plain cells of the wide layout (anomalies last), joined by CELL_SEP: one flat string.
   * An array of the template-literal cells kept each one's pieces alive: ~1 KB a row.
   */
  text: string;
  handshakeOk: boolean;
  hasAnomalies: boolean;
}

const CELL_SEP = '\u0001';

/** Makes TableRows; `severities` learns the severity of every anomaly instance it sees. */
export class TableRowMaker {
  readonly severities: Map<string, Severity>;
  private readonly cols: Column[];

  constructor(ascii: boolean) {
    this.severities = severityIndex({ connections: [] });
    this.cols = columns(this.severities, ascii);
  }

  row(c: ConnectionReport): TableRow {
    for (const a of c.anomalies) this.severities.set(a.code, a.severity);
    return {
      id: c.id,
      text: this.cols.map((col) => col.cell(c)).join(CELL_SEP),
      handshakeOk: c.handshake.outcome === 'complete' || c.handshake.outcome === 'simultaneous_open',
      hasAnomalies: c.anomalies.length > 0,
    };
  }
}

export function renderTable(report: RunReport, ctx: RenderContext): string {
  const maker = new TableRowMaker(ctx.ascii);
  return renderTableRows(report, report.connections.map((c) => maker.row(c)), maker.severities, ctx);
}

/**
 * The rows of a table, in order, which can be walked more than once (the column widths need a
 * pass of their own): an array, or a spool file read back (the CLI).
 */
export interface TableRowSource {
  count: number;
  each(): Iterable<TableRow>;
}

/** A row as one string, for a spool (cli/buffered.ts): its two flags, then its cells. */
export function encodeTableRow(row: TableRow): string {
  return String.fromCharCode(0x30 + (row.handshakeOk ? 1 : 0) + (row.hasAnomalies ? 2 : 0)) + row.text;
}

export function decodeTableRow(id: number, s: string): TableRow {
  const flags = s.charCodeAt(0) - 0x30;
  return { id, text: s.slice(1), handshakeOk: (flags & 1) !== 0, hasAnomalies: (flags & 2) !== 0 };
}

/** The table of `rows` (already selected and ordered); `report.connections` is not read. */
export function renderTableRows(report: RunReport, rows: readonly TableRow[], severities: Map<string, Severity>, ctx: RenderContext): string {
  let text = '';
  for (const line of tableLines(report, { count: rows.length, each: () => rows }, severities, ctx)) text += `${line}\n`;
  return text;
}

/**
 * The same table line by line, each made when it is asked for: a table of millions of rows (a
 * SYN flood) would pass V8's 512 MB string limit as one string, and its lines held at once would
 * be several times the rows' own memory.
 */
export function* tableLines(report: RunReport, rows: TableRowSource, severities: Map<string, Severity>, ctx: RenderContext): Generator<string> {
  // Trailing blanks (every cell is padded) only make golden files and copy-paste noisy.
  for (const line of renderHeader(report, ctx)) yield line.trimEnd();
  yield '';
  if (rows.count === 0) {
    yield report.selection ? 'No connection matches the selection.' : 'No TCP connections.';
  } else {
    for (const line of renderRows(rows, severities, ctx)) yield line.trimEnd();
  }
  const more = moreMatchedLine(report, ctx);
  if (more !== null) yield more;
  yield '';
  for (const line of renderSummary(report, severities, ctx)) yield line.trimEnd();
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
      const links = input.linkTypes.map((l) => l.name).join(', ');
      // No link type: no packet read ("pcap, no packets, 0 packets" said it twice).
      const count = input.packets === 0 ? 'no packets' : plural(input.packets, 'packet');
      desc = `${input.format ?? '?'}${input.gzip ? '+gzip' : ''}, ${links === '' ? '' : `${links}, `}${count}`;
      if (input.issues.length > 0) {
        desc += chalk.yellow(`, ${input.issues.map((i) => `${i.code} at byte ${i.byteOffset}`).join('; ')}`);
      }
    }
    // A path has no spaces to wrap at: better split than pushed past the width like a table word.
    lines.push(...wrapLabelled(label('input'), `${input.file}: ${desc}`, ctx.width, wrapText));
  }
  const st = report.stats;
  const skipped = Object.values(st.skipped).reduce((a, b) => a + b, 0);
  let packets = `${formatCount(st.records)} (${formatCount(st.tcpSegments)} TCP, ${formatCount(skipped)} skipped)`;
  // Which TCP came out of tunnels: its addresses are the inner ones, not what the capture point saw.
  const tunnels = Object.entries(st.tunnelled);
  if (tunnels.length > 0) packets += `, tunnelled: ${tunnels.map(([kind, n]) => glue(`${kind} ${formatCount(n)}`)).join(', ')}`;
  lines.push(...wrapLabelled(label('packets'), packets, ctx.width).map(unglue));
  const s = report.summary;
  const span =
    s.firstPacket && s.lastPacket
      ? `${s.firstPacket} ${ctx.ascii ? '->' : '→'} ${s.lastPacket} (${formatSeconds(isoDiffSeconds(s.firstPacket, s.lastPacket), ctx.ascii)})`
      : 'no packets';
  // Records out of time order change what the spans and verdicts mean (merged or overlapping inputs).
  const back = st.timestampsBackwards;
  const spanText = back > 0 ? `${span}${chalk.yellow(`, ${plural(back, 'record')} stamped backwards`)}` : span;
  lines.push(...wrapLabelled(label('time span'), spanText, ctx.width));
  let conns = formatCount(s.connections);
  if (report.selection) {
    // --limit says how many are shown, not which match: "3 match only-anomalies, 1 shown (limit=1)".
    const sel = report.selection;
    const crit = sel.criteria.filter((c) => !c.startsWith('limit='));
    const limit = sel.criteria.find((c) => c.startsWith('limit='));
    if (crit.length > 0) conns += `, ${formatCount(sel.matched)} match ${crit.join(' ')}`;
    if (limit !== undefined && sel.shown < sel.matched) conns += `, ${formatCount(sel.shown)} shown (${limit})`;
  }
  const retired: string[] = [];
  if (st.connectionsTimedOut > 0) retired.push(`${formatCount(st.connectionsTimedOut)} timed out`);
  if (st.connectionsEvicted > 0) retired.push(chalk.yellow(`${formatCount(st.connectionsEvicted)} evicted`));
  if (retired.length > 0) conns += ` (${retired.join(', ')})`;
  // wrapText: a criterion can be one long word (--host with a list of IPv6 addresses), cut rather than overflow.
  lines.push(...wrapLabelled(label('connections'), conns, ctx.width, wrapText));
  const decodeErrors = Object.entries(st.decodeErrors);
  const problems = decodeErrors.reduce((a, [, n]) => a + n, 0) + st.badChecksums;
  let probText = formatCount(problems);
  const parts = decodeErrors.map(([code, n]) => glue(`${code} ${formatCount(n)}`));
  if (st.badChecksums > 0) parts.push(glue(`bad checksums ${formatCount(st.badChecksums)}`));
  if (parts.length > 0) probText += ` (${parts.join(', ')})`;
  lines.push(...wrapLabelled(label('decode'), problems > 0 ? chalk.yellow(probText) : probText, ctx.width).map(unglue));
  return lines;
}

/** `label` then `text` wrapped under itself, so long file names and spans stay aligned. */
function wrapLabelled(label: string, text: string, width: number, wrap = wrapWords): string[] {
  // Labels are padded to 12 columns; colour codes in `text` are short and only add slack.
  const indent = 12;
  const body = wrap(text, Math.max(20, width - indent));
  return body.map((l, i) => (i === 0 ? label : ' '.repeat(indent)) + l);
}

function columns(severities: Map<string, string>, ascii: boolean): Column[] {
  const to = ascii ? '->' : '→';
  const times = ascii ? 'x' : '×';
  return [
    { head: '#', align: 'right', cell: (c) => String(c.id) },
    {
      head: `client ${to} server`,
      align: 'left',
      cell: (c) => {
        // The arrow stays with the client, so a wrapped cell reads "client →" over "server".
        let s = `${formatEndpoint(c.client)}${GLUE}${to} ${formatEndpoint(c.server)}`;
        // Caveats that change how the row should be read go under the endpoints.
        if (c.rolesGuessed) s += '\n(roles guessed)';
        if (c.portReuse) s += `\n(reuses #${c.portReuse.previousId})`;
        return s;
      },
      // Every line from the first caveat on: a narrow column wraps "(roles guessed)" in two.
      paint: (line, _row, chalk, lines, k) => {
        const from = lines.findIndex((l) => l.startsWith('('));
        return from >= 0 && k >= from ? chalk.dim(line) : line;
      },
    },
    {
      head: 'handshake',
      align: 'left',
      cell: (c) => {
        // A lower bound where only the server's half is known: '≥' (helper-101 review: it read as the
        // round trip, where JSON's total is null).
        const rtt = shownRtt(c.handshake);
        const bound = rtt.bound ? (ascii ? '>=' : '≥') : '';
        const s = rtt.seconds === null ? c.handshake.outcome : `${c.handshake.outcome} ${glue(bound + formatSeconds(rtt.seconds, ascii))}`;
        // A handshake read from its SYN,ACK on (the SYN before the capture began, or lost before the
        // capture point): "complete" alone read like one captured whole (helper-64 audit).
        return c.handshake.syn === null && c.handshake.synAck !== null ? `${s}\n${glue('(no SYN seen)')}` : s;
      },
      paint: (line, row, chalk, lines, k) => {
        const from = lines.findIndex((l) => l.startsWith('('));
        if (from >= 0 && k >= from) return chalk.dim(line);
        return row.handshakeOk ? line : chalk.yellow(line);
      },
    },
    { head: 'duration', align: 'right', cell: (c) => glue(formatSeconds(c.duration, ascii)) },
    { head: `bytes ${glue('c / s')}`, align: 'left', cell: (c) => `${glue(formatBytes(c.bytes.client))} / ${glue(formatBytes(c.bytes.server))}` },
    {
      head: 'close',
      align: 'left',
      cell: (c) => {
        const by = c.close.kind === 'reset' ? c.close.resetBy : c.close.initiator;
        return by && c.close.kind !== 'none' ? `${c.close.kind} ${glue(`by ${by}`)}` : c.close.kind;
      },
    },
    {
      head: `final ${glue('c / s')}`,
      align: 'left',
      cell: (c) => `${c.client.finalState} / ${c.server.finalState}`,
    },
    {
      head: 'anomalies',
      align: 'left',
      cell: (c) => anomalyCounts(c).map((a) => (a.count > 1 ? `${a.code}${times}${a.count}` : a.code)).join(' ') || '-',
      // Codes are upper case, so the lower-case ASCII 'x' cannot be taken for part of one.
      paint: (line, _row, chalk) => line.replace(/[A-Z][A-Z0-9_]+(?:[×x]\d+)?/g, (tok) => paintSeverity(chalk, severities.get(tok.replace(/[×x]\d+$/, '')) ?? '', tok)),
    },
  ];
}

/**
 * cli-table3 lays out the header; the body rows are padded and joined here. With fixed widths,
 * no borders and cells already wrapped, a row is just its cells' lines padded to the column
 * widths, and cli-table3 spent ~0.5 ms per row measuring them (string-width builds a new ANSI
 * and emoji RegExp per call): 19 s for 10k connections, over 10 minutes for the 1 GB benchmark
 * capture's 90k. The goldens and test/report/table.test.ts hold the two layouts to the same text.
 */
function* renderRows(rows: TableRowSource, severities: Map<string, Severity>, ctx: RenderContext): Generator<string> {
  const { chalk } = ctx;
  const all = columns(severities, ctx.ascii);
  // Wide layout: anomalies in their own column. When even the narrowest widths do not fit
  // (80 columns), the anomalies move to a line of their own under each row, spanning the table.
  // Every stride-th row's text, kept while measuring: what fitWidths compares two layouts on.
  const sample: string[] = [];
  const measuredAll = measure(all, rows, sample);
  const fits = (m: Measured[], gap: number): boolean => m.reduce((a, x) => a + x.min, 0) + gap * (m.length - 1) <= ctx.width;
  const wide = fits(measuredAll, 2);
  const anomaliesAt = all.findIndex((col) => col.head === 'anomalies');
  const cols = wide ? all : all.filter((_, i) => i !== anomaliesAt);
  const measured = wide ? measuredAll : measuredAll.filter((_, i) => i !== anomaliesAt);
  const gap = wide || fits(measured, 2) ? 2 : 1;
  const widths = fitWidths(measured, ctx.width, gap, sample, wide ? -1 : anomaliesAt);
  const ruleWidth = widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  const head = new Table({
    head: cols.map((col, i) => chalk.bold(wrapWords(col.head, widths[i]).map(unglue).join('\n'))),
    colWidths: widths,
    colAligns: cols.map((col) => col.align),
    chars: borderless(gap),
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    wordWrap: false,
  });
  yield* head.toString().split('\n');
  // A rule under the header row, as wide as the table (the border chars are all empty).
  yield chalk.dim((ctx.ascii ? '-' : '─').repeat(ruleWidth));
  const sep = ' '.repeat(gap);
  const indent = widths[0] + gap;
  for (const row of rows.each()) {
    const all8 = row.text.split(CELL_SEP);
    const plain = wide ? all8 : all8.filter((_, i) => i !== anomaliesAt);
    const cells = cols.map((_col, i) => wrapWords(plain[i], widths[i]).map(unglue));
    const height = Math.max(...cells.map((lines) => lines.length));
    for (let k = 0; k < height; k++) {
      yield cols.map((col, i) => {
        const line = cells[i][k] ?? '';
        const painted = col.paint && line !== '' ? col.paint(line, row, chalk, cells[i], k) : line;
        const pad = ' '.repeat(Math.max(0, widths[i] - strWidth(line)));
        return col.align === 'right' ? pad + painted : painted + pad;
      }).join(sep);
    }
    if (!wide && row.hasAnomalies) {
      const col = all[anomaliesAt];
      const lines = wrapWords(`${ctx.ascii ? '!' : '⚠'} ${all8[anomaliesAt]}`, ruleWidth - indent);
      for (let k = 0; k < lines.length; k++) yield ' '.repeat(indent) + col.paint!(lines[k], row, chalk, lines, k);
    }
  }
}

interface Measured {
  /** Widest line of the column, header included. */
  natural: number;
  /** Narrowest the column may get while every word stays whole: its longest word, header included. */
  min: number;
  /** Narrowest at all: its longest unbreakable piece (an IPv6 address may break after a colon). */
  hardMin: number;
  /** How many rows have their widest line in this column at each width: the rows a column one narrower would wrap. */
  rowsAt: Map<number, number>;
}

/** Each column's natural and minimum widths, in one pass over the rows (loops: a spread of 100k+ rows overflows the stack). */
function measure(cols: Column[], rows: TableRowSource, sample: string[]): Measured[] {
  const natural = cols.map((col) => Math.max(...col.head.split('\n').map(strWidth)));
  const longest = cols.map(() => 0);
  const longestPiece = cols.map(() => 0);
  const rowsAt = cols.map(() => new Map<number, number>());
  const stride = Math.max(1, Math.ceil(rows.count / COMPARE_ROWS));
  let k = 0;
  for (const row of rows.each()) {
    if (k++ % stride === 0) sample.push(row.text);
    const cells = row.text.split(CELL_SEP);
    for (let i = 0; i < cols.length; i++) {
      let widest = 0;
      for (const line of cells[i].split('\n')) {
        const lineWidth = strWidth(line);
        if (lineWidth > widest) widest = lineWidth;
        if (lineWidth > natural[i]) natural[i] = lineWidth;
        for (const w of line.split(' ')) {
          const width = strWidth(w);
          longest[i] = Math.max(longest[i], width);
          if (width > longestPiece[i]) longestPiece[i] = Math.max(longestPiece[i], widestPiece(w));
        }
      }
      rowsAt[i].set(widest, (rowsAt[i].get(widest) ?? 0) + 1);
    }
  }
  return cols.map((col, i) => {
    const head = longestWord(col.head);
    return { natural: natural[i], min: Math.max(head, longest[i]), hardMin: Math.max(head, longestPiece[i]), rowsAt: rowsAt[i] };
  });
}

function longestWord(s: string): number {
  let n = 0;
  for (const w of s.split(/[ \n]/)) n = Math.max(n, strWidth(w));
  return n;
}

/**
 * wrapText without its last resort: breaks at plain spaces only, and a word wider than `width`
 * gets lines of its own: broken into its `pieces` if it has several, else overflowing. format.ts's
 * wrapText splits such a word anywhere, which suits a ladder label but not a table cell (an
 * address, a state, a code with its count).
 */
function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line === '') line = word;
      else if (strWidth(line) + 1 + strWidth(word) <= width) {
        line += ` ${word}`;
        continue;
      } else {
        out.push(line);
        line = word;
      }
      if (strWidth(word) <= width) continue;
      const parts = pieces(word);
      line = parts[0];
      for (let k = 1; k < parts.length; k++) {
        if (strWidth(line) + strWidth(parts[k]) <= width) line += parts[k];
        else {
          out.push(line);
          line = parts[k];
        }
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * Calls `take` with the bounds of each piece of `word`. A word wider than its column may break
 * after a colon inside an IPv6 address's brackets, so "[2001:470:4867:" goes over "99::21]:21";
 * never between the colons of "::" and never in "]:port", which would read as another port. Any
 * other word is one piece.
 */
function eachPiece(word: string, take: (from: number, to: number) => void): void {
  let from = 0;
  let inside = false;
  if (word.includes('[')) {
    for (let i = 0; i < word.length; i++) {
      const c = word[i];
      if (c === '[') inside = true;
      else if (c === ']') inside = false;
      else if (c === ':' && inside && word[i + 1] !== ':' && word[i + 1] !== ']') {
        take(from, i + 1);
        from = i + 1;
      }
    }
  }
  take(from, word.length);
}

function pieces(word: string): string[] {
  const out: string[] = [];
  eachPiece(word, (from, to) => out.push(word.slice(from, to)));
  return out;
}

/** The width of `word`'s widest piece, without an array of them: measure() sees every row's words. */
function widestPiece(word: string): number {
  let widest = 0;
  eachPiece(word, (from, to) => { widest = Math.max(widest, strWidth(word.slice(from, to))); });
  return widest;
}

/**
 * Column widths that fit `width`: natural widths (widest line of each column), then the widest
 * column above its minimum loses one character at a time, so an endpoint column stops at its
 * longest address and the width comes from columns of several words (anomalies, close, bytes);
 * the widths that wrap the fewest cells replace those when they draw fewer lines (below).
 * Only when every column is at that minimum do IPv6 addresses give way, down to their longest
 * piece. If the table is still wider than asked the terminal folds the overlong line; we never
 * split a word ourselves (a port split off its address reads as another port: "[::21]:2" over "1").
 */
function fitWidths(cols: readonly Measured[], width: number, gap: number, sample: readonly string[], dropped: number): number[] {
  const budget = width - gap * (cols.length - 1);
  const natural = cols.map((m) => m.natural);
  if (natural.reduce((a, b) => a + b, 0) <= budget) return natural;
  const widths = natural.slice();
  let total = widths.reduce((a, b) => a + b, 0);
  for (const floor of [(m: Measured) => m.min, (m: Measured) => m.hardMin]) {
    while (total > budget) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (widths[i] > floor(cols[i]) && (widest < 0 || widths[i] > widths[widest])) widest = i;
      }
      if (widest < 0) break;
      widths[widest]--;
      total--;
    }
  }
  // Widest first wraps one column in every row, which is often the fewest lines (a row is as tall
  // as its tallest cell), but not always: at 150 columns, one character over, it wrapped the
  // addresses of all 7 rows of pop3.pcap where one bytes cell would do (helper-64 audit). The
  // fewest wrapped cells is the other candidate; the one that draws fewer lines is kept, counted by
  // wrapping the cells of at most COMPARE_ROWS rows spread over the table, kept while measuring
  // (every row of a small one; a hard cap made the layout jump at one row more, and passes over
  // all rows added 1.2 s to the 1 GB capture's 90k-row table: helper-66 review).
  const min = cols.map((m) => Math.min(m.min, m.natural));
  if (min.reduce((a, b) => a + b, 0) > budget) return widths;
  const other = fewestWrapped(cols, min, budget);
  return bodyLines(sample, other, dropped) < bodyLines(sample, widths, dropped) ? other : widths;
}

/** At most this many rows (spread over the table) are wrapped to compare two layouts. */
const COMPARE_ROWS = 5000;

/** The lines these rows take at these widths (the anomalies' own lines aside: the same either way). */
function bodyLines(sample: readonly string[], widths: readonly number[], dropped: number): number {
  let n = 0;
  for (const text of sample) {
    const all = text.split(CELL_SEP);
    const cells = dropped < 0 ? all : all.filter((_, i) => i !== dropped);
    let height = 1;
    for (let i = 0; i < widths.length; i++) height = Math.max(height, wrapWords(cells[i], widths[i]).length);
    n += height;
  }
  return n;
}

/**
 * Widths between each column's longest word and its natural width, summing to at most `budget`,
 * that wrap the fewest cells (rows whose widest line in a column is wider than it), and among
 * those the widest table. Exact, by dynamic programming over the budget: a few columns of at most
 * a few hundred characters. Greedy narrowing was not: at 150 columns, one character over, it took
 * the widest column, the addresses, and wrapped all 7 rows of pop3.pcap where one bytes cell would
 * do; and paying for one column's first character made its next ones look free (helper-64 audit).
 */
function fewestWrapped(cols: readonly Measured[], min: readonly number[], budget: number): number[] {
  const n = cols.length;
  // wrapped[i][w - min[i]]: the cells of column i that a width w wraps.
  const wrapped = cols.map((m, i) => {
    const out: number[] = [];
    for (let w = min[i]; w <= m.natural; w++) {
      let k = 0;
      for (const [at, rows] of m.rowsAt) if (at > w) k += rows;
      out.push(k);
    }
    return out;
  });
  // best[t]: fewest wrapped cells with the columns so far taking t characters; choice[i][t] the width of column i.
  const INF = Number.MAX_SAFE_INTEGER;
  let best = new Array<number>(budget + 1).fill(INF);
  best[0] = 0;
  const choice: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const next = new Array<number>(budget + 1).fill(INF);
    const pick = new Int32Array(budget + 1).fill(-1);
    for (let t = 0; t <= budget; t++) {
      if (best[t] === INF) continue;
      for (let w = min[i]; w <= cols[i].natural && t + w <= budget; w++) {
        const cost = best[t] + wrapped[i][w - min[i]];
        if (cost <= next[t + w]) { next[t + w] = cost; pick[t + w] = w; }
      }
    }
    choice.push(pick);
    best = next;
  }
  // The fewest wrapped cells, then the most characters used.
  let end = -1;
  for (let t = 0; t <= budget; t++) if (best[t] !== INF && (end < 0 || best[t] <= best[end])) end = t;
  const widths = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    widths[i] = choice[i][end];
    end -= widths[i];
  }
  return widths;
}

function renderSummary(report: RunReport, severities: Map<string, Severity>, ctx: RenderContext): string[] {
  const { chalk } = ctx;
  const s = report.summary;
  const label = (t: string): string => chalk.bold(t.padEnd(12));
  const list = (rec: Record<string, number | undefined>, paint?: (k: string, t: string) => string): string => {
    const entries = Object.entries(rec).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
    if (entries.length === 0) return '-';
    // A count glued to its code: "LINGERING_FIN_WAIT_2" at the end of one line and "4,505" at the
    // start of the next reads as two entries.
    return entries.map(([k, n]) => {
      const pair = glue(`${k} ${formatCount(n)}`);
      return paint ? paint(k, pair) : pair;
    }).join(', ');
  };
  const title = report.selection ? `summary of all ${formatCount(s.connections)} connections` : 'summary';
  return [
    chalk.bold(title),
    ...wrapLabelled(label('handshakes'), list(s.handshakes), ctx.width),
    ...wrapLabelled(label('closes'), list(s.closes), ctx.width),
    ...wrapLabelled(label('anomalies'), list(s.anomalies, (k, t) => paintSeverity(chalk, severities.get(k) ?? '', t)), ctx.width),
    ...wrapLabelled(label('ended'), list(s.ended), ctx.width),
  ].map(unglue);
}

/** What --limit left out, for the table and the ladders: null when it left nothing out. */
export function moreMatchedLine(report: Pick<RunReport, 'selection'>, ctx: RenderContext): string | null {
  const sel = report.selection;
  if (!sel || sel.matched <= sel.shown) return null;
  const more = sel.matched - sel.shown;
  return ctx.chalk.dim(`${ctx.ascii ? '...' : '…'} ${plural(more, 'more connection')} matched (raise --limit to see them)`);
}
