/**
 * Ladder (sequence) diagrams, drawn like the textbook figures of RFC 9293 §3.5: the client on the
 * left, the server on the right, one row per packet with an arrow in the direction it travelled,
 * and the state of each endpoint after that packet beside it. Rows come from the core
 * (`ConnectionReport.ladder`, recorded when `analyze()` is asked for them), the arcs under them from
 * each endpoint's `transitions`; this file only draws.
 */
import type { ChalkInstance } from 'chalk';
import type { AnomalyReport, ConnectionReport, LadderRow, Role, RunReport, TransitionReport } from './model.js';
import { paintSeverity, type RenderContext } from './context.js';
import { formatBytes, formatEndpoint, formatSeconds, isoDiffSeconds, shownRtt, strWidth, wrapText } from './format.js';
import { LADDER_BUDGET_ROWS, LADDER_MAX_ROWS } from '../flow/connection.js';
import { ARC } from '../tcp/machine.js';

/** Widest state name (SYN_RECEIVED): keeps both state columns aligned down the whole diagram. */
const STATE_WIDTH = 12;
/** Arrows never get longer than this, however wide the terminal: long arrows are hard to follow. */
const MAX_ARROW = 44;
/**
 * Nor shorter than this: `─────▶` still reads as an arrow. With the fixed columns it makes a row's
 * minimum width (53 columns for 5-digit frames and µs times); below it rows stay at that width, and
 * only rows: every text line wraps to the width asked.
 */
const MIN_ARROW = 6;
/** Continuation lines of a wrapped text line start this far right of its first line. */
const HANG = 2;
/**
 * A run of more rows than this that change no state and note no anomaly (the data of a long
 * connection: 1,089 rows of ESTABLISHED / ESTABLISHED for one file transfer) is shortened to its
 * first and last QUIET_EDGE rows and one line saying what was left out; --every-row draws them.
 */
const QUIET_RUN_MAX = 12;
const QUIET_EDGE = 3;
/**
 * Why a close can lag RFC 9293's Figure 12 by a row (the observer model's FIN delivery: segments
 * count as received when they pass the capture point, except a FIN to an ESTABLISHED endpoint),
 * the longest that fits the width: a reader comparing with the figure otherwise takes the lag for a
 * bug. The last fits 40, the narrowest --width.
 */
const LEGENDS = [
  'states as captured: a FIN to ESTABLISHED counts when the receiver ACKs it or sends its own FIN (docs/state-model.md)',
  'a FIN to ESTABLISHED counts when the receiver ACKs it or sends its own FIN (docs/state-model.md)',
  'a FIN to ESTABLISHED counts once ACKed or crossed (docs/state-model.md)',
  'FIN delivery: docs/state-model.md',
];
/**
 * Said when a ladder has an inferred arc (most have: a server's LISTEN): what the word means and
 * when a row's states hold, which a student reading Figure 5 beside it needs (helper-74 audit).
 */
const INFERRED_LEGENDS = [
  'states are after each row\'s segment; "inferred": an arc no captured segment shows (docs/state-model.md)',
  'states after each row; "inferred": no captured segment shows the arc',
  'states after each row; "inferred": no segment shows it',
  'states after each row; inferred: unseen',
];
/**
 * Said when an endpoint sent a RST: Figure 5's Note 3 pairs that with a transition to TIME-WAIT,
 * while stacks (and this tool) go to CLOSED; without it the arc's label reads as a contradiction
 * (helper-74 audit; docs/state-model.md, RST).
 */
const RST_LEGENDS = [
  'snd RST: RFC 9293 Note 3 allows a transition to TIME-WAIT; stacks (Linux, BSD, Windows) go to CLOSED, as drawn',
  'snd RST: Note 3 allows TIME-WAIT; stacks go to CLOSED, as drawn',
  'snd RST: CLOSED as stacks do (Note 3: TIME-WAIT)',
  'snd RST: stacks CLOSED, RFC TIME-WAIT',
];
/**
 * Said when an endpoint in SYN_SENT sent a RST, which moves nothing: RFC 9293 §3.10.7.3 has SYN-SENT
 * send <SEQ=SEG.ACK><CTL=RST> to an unacceptable ACK and wait on (Figure 9), and ABORT there sends
 * none; without it the row reads as a reset that did not happen (helper-94 audit, H4).
 */
const SYN_SENT_RST_LEGENDS = [
  'RST sent in SYN_SENT moves nothing: SYN_SENT sends one to answer an unacceptable ACK, and stays (RFC 9293 3.10.7.3)',
  'RST sent in SYN_SENT moves nothing: it answers a bad ACK and stays (RFC 9293 3.10.7.3)',
  'RST sent in SYN_SENT moves nothing (RFC 9293 3.10.7.3)',
  'RST in SYN_SENT: no arc (3.10.7.3)',
];
/**
 * The same for a RST that answers nothing (its SEQ is not the ACK of the peer's segment before it):
 * an abort. RFC 9293 has ABORT in SYN-SENT delete the TCB and send no RST (3.10.5), Figure 5's
 * CLOSE / delete TCB arc; a stack that sent one had deleted the TCB too, and with the RST the
 * machine takes Note 3's snd RST to CLOSED (helper-98 review: the wording above claimed an answer
 * on Zeek's syn-then-rst.pcap; until 2026-12-07 the sender was drawn staying in SYN_SENT).
 */
const SYN_SENT_ABORT_LEGENDS = [
  'RST sent in SYN_SENT answering no ACK: an abort; RFC 9293 sends none (3.10.5), a stack that does has deleted the TCB: Note 3 to CLOSED',
  'RST in SYN_SENT answering no ACK: an abort (RFC 9293 sends none, 3.10.5): Note 3 to CLOSED',
  'RST in SYN_SENT answering no ACK: an abort, drawn as Note 3',
  'RST in SYN_SENT: an abort (Note 3)',
];

/**
 * Said when a RST had the form of CLOSED's answer (`RESET` with `noConnection`: no ACK, at the
 * peer's acknowledgment number): its sender most likely had no connection when the segment before
 * it arrived, lost at a moment the capture cannot date, or never had one (a SYN scan's kernel), so
 * the arc is drawn at the RST (helper-94 audit, M2: it read as an abort from ESTABLISHED).
 */
const NO_CONNECTION_RST_LEGENDS = [
  "no-connection RST: in the form a host with no connection sends (no ACK, seq = the peer's ACK; RFC 9293 3.10.7.1): its sender most likely lost the connection unseen, or never had it; drawn at the RST, the loss itself undated",
  "no-connection RST (3.10.7.1): sender most likely lost it unseen, or never had it; drawn at the RST",
  "no-connection RST (3.10.7.1): drawn at the RST, any loss undated",
  "no-connection RST: lost or never had",
];

/**
 * RSTs sent in SYN_SENT: 'answer' when one left its sender there (the machine's §3.10.7.3 answer to
 * an unacceptable ACK), 'abort' when one took its sender to CLOSED (Connection.onRst: it answered nothing).
 */
function synSentRsts(arcs: readonly TransitionReport[], rows: readonly LadderRow[]): { answer: boolean; abort: boolean } {
  const answer = rows.some((r) => r.flags.split(',').includes('RST') && !r.flags.includes('SYN')
    && (r.from === 'client' ? r.clientState : r.serverState) === 'SYN_SENT');
  return { answer, abort: arcs.some((t) => t.from === 'SYN_SENT' && t.arc === ARC.NOTE3_SND_RST) };
}

/** The longest of `lines` that fits `width`, else the last. */
function fitting(lines: readonly string[], width: number): string {
  return lines.find((l) => strWidth(l) <= width) ?? lines[lines.length - 1];
}

export function renderLadder(report: RunReport, ctx: RenderContext): string {
  const digits = ladderDigits(report);
  const inputs = report.inputs.map((i) => i.file);
  const parts = report.connections.map((c) => renderConnectionLadder(c, ctx, digits, inputs));
  // Each diagram ends with a newline; a blank line between diagrams.
  return parts.join('\n');
}

/** Fraction digits of the time column: the finest precision among the inputs, 6 to 9. */
export function ladderDigits(report: Pick<RunReport, 'inputs'>): number {
  let digits = 6;
  for (const i of report.inputs) digits = Math.max(digits, i.precisionDigits);
  return Math.min(digits, 9);
}

/** `inputs`: the run's input names in order, which places an ICMP error from an input with no row of the connection (icmpRowsAt). */
export function renderConnectionLadder(c: ConnectionReport, ctx: RenderContext, digits = 6, inputs: readonly string[] = []): string {
  const { chalk } = ctx;
  const out: string[] = [];
  const arrowTo = ctx.ascii ? '->' : '→';
  out.push(...wrapHanging(`connection ${c.id}  ${formatEndpoint(c.client)} ${arrowTo} ${formatEndpoint(c.server)}`, ctx.width).map((l) => chalk.bold(l)));
  // Wrap between the parts of the description, never inside one ("ended" / "closed").
  out.push(...wrapText(describe(c, ctx.ascii), ctx.width).map((l) => l.replaceAll('\u00a0', ' ')));
  out.push(...wrapText(peerWords(c, ctx.ascii), ctx.width).map((l) => chalk.dim(l.replaceAll('\u00a0', ' '))));
  const rows = c.ladder ?? [];
  const noConn = noConnectionRsts(c);
  if (rows.length > 0) {
    out.push(...wrapText(numberWords(c, rows, ctx.ascii), ctx.width).map((l) => chalk.dim(l.replaceAll('\u00a0', ' '))));
    out.push(chalk.dim(fitting(LEGENDS, ctx.width)));
    const arcs = [...c.client.transitions, ...c.server.transitions];
    if (arcs.some((t) => t.evidence === 'inferred')) out.push(chalk.dim(fitting(INFERRED_LEGENDS, ctx.width)));
    if (arcs.some((t) => t.arc === ARC.NOTE3_SND_RST)) out.push(chalk.dim(fitting(RST_LEGENDS, ctx.width)));
    const rsts = synSentRsts(arcs, rows);
    if (rsts.answer) out.push(chalk.dim(fitting(SYN_SENT_RST_LEGENDS, ctx.width)));
    if (rsts.abort) out.push(chalk.dim(fitting(SYN_SENT_ABORT_LEGENDS, ctx.width)));
    if (noConn.size > 0) out.push(chalk.dim(fitting(NO_CONNECTION_RST_LEGENDS, ctx.width)));
  }
  out.push('');
  if (rows.length === 0 && (c.ladderRowsOmitted ?? 0) === 0) {
    out.push(...wrapHanging('(no per-packet rows were recorded for this connection)', ctx.width).map((l) => chalk.dim(l)));
    return out.join('\n') + '\n';
  }
  const labels = rowLabels(rows, badAckRows(c));
  // Loops, not Math.max(...rows): a connection of 120k+ packets overflowed the stack.
  let frameW = 5;
  let timeW = 8;
  let longest = 0;
  for (let i = 0; i < rows.length; i++) {
    frameW = Math.max(frameW, String(rows[i].frame).length);
    timeW = Math.max(timeW, rows[i].t.toFixed(digits).length);
    longest = Math.max(longest, strWidth(labels[i]));
  }
  // ICMP rows (icmpRowsAt) are as wide as the rows around them: their frame, time and label count too.
  const icmpAt = icmpRowsAt(c, rows, inputs);
  for (const list of icmpAt.values()) {
    for (const a of list) {
      frameW = Math.max(frameW, String(a.frame).length);
      timeW = Math.max(timeW, isoDiffSeconds(c.firstSeen, a.time).toFixed(digits).length);
      longest = Math.max(longest, strWidth(icmpLabel(a)));
    }
  }
  // Both state columns, the gaps, and the anomaly mark (' ⚠') that may follow the server's state.
  const fixed = frameW + 2 + timeW + 2 + STATE_WIDTH + 2 + 2 + STATE_WIDTH + 2;
  // Room for the label plus a visible shaft and head on both sides, wider only if the terminal
  // allows; when the width cannot hold the longest label, labels continue on the lines below.
  const arrowW = Math.max(MIN_ARROW, Math.min(Math.max(longest + 5, Math.min(MAX_ARROW, ctx.width - fixed)), ctx.width - fixed));
  const labelCol = frameW + 2 + timeW + 2 + STATE_WIDTH + 2 + 2;
  // Continuation lines of a label run from under it to the edge of the width, or of the row when rows are wider.
  const labelRoom = Math.max(ctx.width, fixed + arrowW) - labelCol;

  // Column starts, so the headings sit exactly over the state columns whatever the endpoints' lengths.
  const clientCol = frameW + 2 + timeW + 2;
  // Lines under a row (its arcs and marks, an ICMP row's mark, what was left out) start under the client's state.
  const indentW = clientCol;
  const serverCol = clientCol + STATE_WIDTH + 2 + arrowW + 2;
  const at = (left: string, col: number, text: string): string =>
    left + ' '.repeat(Math.max(left.length === 0 ? col : 2, col - strWidth(left))) + text;
  out.push(chalk.bold(at(at(`${'frame'.padStart(frameW)}  ${'time (s)'.padStart(timeW)}`, clientCol, 'client'), serverCol, 'server')));
  for (const l of endpointLines(formatEndpoint(c.client), formatEndpoint(c.server), clientCol, serverCol, ctx.width)) out.push(chalk.dim(l));

  const byFrame = anomaliesByFrame(c);
  // Per-packet codes are named by their row; the connection-level ones (REFUSED, RESET, HALF_OPEN,
  // LINGERING_*, PORT_REUSE, ...) only carry the frame that shows them, and go on the first row of
  // that frame in that input (frame numbers restart in each input, so a connection that goes on
  // into the next file has two rows numbered 3; per-packet codes are matched by the row's own
  // list, so they cannot land on the wrong one).
  const rowCodes = new Set<string>();
  for (const r of rows) for (const code of r.anomalies) rowCodes.add(code);
  const placed = new Set<AnomalyReport>();
  const mark = ctx.ascii ? '!' : '⚠';
  // Over the rows of each input, when the connection spans several: which file the frames count in.
  const spansInputs = rows.some((r) => r.input !== undefined && r.input !== c.input)
    || [...icmpAt.values()].some((l) => l.some((a) => a.input !== undefined && a.input !== c.input));
  // The input whose frames the lines above count in: a `frames from` line goes before a row, or
  // an ICMP row, of another.
  let shownInput: string | null = null;
  const inputLine = (input: string): void => {
    if (spansInputs && input !== shownInput) out.push(...wrapHanging(`${shaft} frames from ${input} ${shaft}`, ctx.width).map((l) => chalk.dim(l)));
    shownInput = input;
  };
  const shaft = ctx.ascii ? '--' : '──';
  const arcs = placeTransitions(c, rows);
  const left = ctx.everyRow ? null : quietRuns(c, rows, arcs.byRow, byFrame, new Set(icmpAt.keys()));
  // Under the label: a client's from its start, a server's (drawn at the right) up to its end.
  const labelEnd = labelCol - 2 + arrowW - 2;
  const labelBelow = (below: string, from: Role): string[] =>
    wrapText(below, labelRoom).map((l) => ' '.repeat(from === 'client' ? labelCol : Math.max(labelCol, labelEnd - strWidth(l))) + l);
  // A diagram row: frame, time, both states (dim where unchanged from `before`), the arrow with as
  // much of its label as fits, a mark; the rest of the label under it.
  type States = Pick<LadderRow, 'clientState' | 'serverState'>;
  const drawRow = (frame: number, seconds: number, states: States, before: States | null, label: string, from: Role, flag: string): void => {
    const [onArrow, below] = splitLabel(label, arrowW - 5);
    out.push(
      `${String(frame).padStart(frameW)}  ${seconds.toFixed(digits).padStart(timeW)}  ` +
      `${paintState(chalk, states.clientState, before?.clientState)}  ` +
      `${arrow(onArrow, from, arrowW, ctx.ascii)}  ` +
      `${paintState(chalk, states.serverState, before?.serverState)}` +
      flag,
    );
    if (below !== '') out.push(...labelBelow(below, from));
  };
  let prev: LadderRow | null = null;
  const icmpRows = (i: number): void => {
    for (const a of icmpAt.get(i) ?? []) {
      placed.add(a);
      inputLine(a.input ?? c.input);
      const states = prev ?? rows[Math.min(i, rows.length - 1)];
      const from: Role = a.endpoint === 'client' ? 'server' : 'client'; // towards the endpoint whose segment it quotes
      // States as the rows around it have them: unchanged, so dim.
      drawRow(a.frame, isoDiffSeconds(c.firstSeen, a.time), states, states, icmpLabel(a), from, ctx.ascii ? ' !' : ' ⚠');
      out.push(...markLines(chalk, a.severity, `${mark} ${a.code}`, a.message ? `: ${a.message}` : '', indentW, ctx.width));
    }
  };
  const omitted = c.ladderRowsOmitted ?? 0;
  // Where rows were first left out: past the connection's LADDER_MAX_ROWS, or earlier when the
  // run's open connections held LADDER_BUDGET_ROWS between them.
  const omittedAt = c.ladderRowsOmittedAfter ?? LADDER_MAX_ROWS;
  const why = omittedAt < LADDER_MAX_ROWS
    ? `the open connections' ladders held ${LADDER_BUDGET_ROWS.toLocaleString('en-US')} rows between them, and from then on`
    : `a ladder keeps ${LADDER_MAX_ROWS.toLocaleString('en-US')} rows of a connection, then`;
  const omittedLines = omitted === 0 ? [] : wrapHanging(`${ctx.ascii ? '...' : '⋯'} ${omitted.toLocaleString('en-US')} more ` +
    `${omitted === 1 ? 'row' : 'rows'} not kept: ${why} only those of packets that move a state`, ctx.width, indentW).map((l) => chalk.dim(l));
  rows.forEach((r, i) => {
    if (i === omittedAt) out.push(...omittedLines);
    icmpRows(i);
    const input = r.input ?? c.input;
    if (left !== null && left[i] !== undefined) {
      const run = left[i];
      if (run.first === i) out.push(...wrapHanging(leftOutWords(run, rows, ctx.ascii), ctx.width, indentW).map((l) => chalk.dim(l)));
      return; // its states are those of the rows around it: `prev` stays what it was
    }
    inputLine(input);
    const marks = (byFrame.get(frameKey(input, r.frame)) ?? [])
      .filter((a) => !placed.has(a) && (r.anomalies.includes(a.code) || !rowCodes.has(a.code)));
    for (const a of marks) placed.add(a);
    // Codes the row names but the connection's list does not (should not happen): still show them.
    const extra = r.anomalies.filter((code) => !marks.some((a) => a.code === code));
    const flag = marks.length + extra.length > 0 ? (ctx.ascii ? ' !' : ' ⚠') : '';
    drawRow(r.frame, r.t, r, prev, labels[i], r.from, flag);
    for (const taken of arcs.byRow[i]) out.push(...wrapHanging(arcWords(taken, arrowTo, false, noConn), ctx.width, indentW).map((l) => chalk.dim(l)));
    for (const a of marks) out.push(...markLines(chalk, a.severity, `${mark} ${a.code}`, a.message ? `: ${a.message}` : '', indentW, ctx.width));
    for (const code of extra) out.push(...markLines(chalk, '', `${mark} ${code}`, '', indentW, ctx.width));
    prev = r;
  });
  icmpRows(rows.length);
  if (rows.length <= omittedAt) out.push(...omittedLines);
  // Arcs no row shows: taken when the record ended (a held FIN assumed delivered, TIME_WAIT expiring).
  for (const taken of arcs.after) {
    out.push(...wrapHanging(`at the end of the record, ${arcWords(taken, arrowTo, true, noConn)}`, ctx.width, indentW).map((l) => chalk.dim(l)));
  }
  // An anomaly whose frame has no row (not expected: every one names a packet of its connection)
  // is still shown, under the diagram, rather than dropped.
  const unplaced = c.anomalies.filter((a) => !placed.has(a) && !rowCodes.has(a.code));
  if (unplaced.length > 0) out.push('');
  for (const a of unplaced) {
    const where = a.input !== undefined && a.input !== c.input ? ` (frame ${a.frame} of ${a.input})` : ` (frame ${a.frame})`;
    out.push(...markLines(chalk, a.severity, `${mark} ${a.code}`, where + (a.message ? `: ${a.message}` : ''), 0, ctx.width));
  }
  // trimEnd(), not replace(/\s+$/): the same characters, but the regular expression tries every
  // run of spaces in the line, and a ladder line is mostly spaces (3 % of a long --ladder run).
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** Rows left out of a long quiet run: indices first..last (inclusive). */
interface LeftOut { first: number; last: number }

/**
 * For each row left out, its run (QUIET_RUN_MAX above). A quiet row takes no arc, notes no anomaly,
 * shows the same states as the row before it, in the same input, and has no ICMP row before it
 * (`icmpBefore`: which rows have): the middle of a transfer.
 */
function quietRuns(c: ConnectionReport, rows: LadderRow[], arcsByRow: Taken[][], byFrame: Map<string, AnomalyReport[]>,
  icmpBefore: ReadonlySet<number>): LeftOut[] {
  const left: LeftOut[] = [];
  const quiet = (i: number): boolean => {
    const r = rows[i];
    const p = rows[i - 1];
    const input = r.input ?? c.input;
    return r.anomalies.length === 0 && arcsByRow[i].length === 0 && !byFrame.has(frameKey(input, r.frame))
      && r.clientState === p.clientState && r.serverState === p.serverState && input === (p.input ?? c.input)
      && !icmpBefore.has(i);
  };
  let i = 1;
  while (i < rows.length) {
    if (!quiet(i)) { i++; continue; }
    let j = i;
    while (j + 1 < rows.length && quiet(j + 1)) j++;
    if (j - i + 1 > QUIET_RUN_MAX) {
      const run = { first: i + QUIET_EDGE, last: j - QUIET_EDGE };
      for (let k = run.first; k <= run.last; k++) left[k] = run;
    }
    i = j + 1;
  }
  return left;
}

/** `⋯ 1,044 rows left out (frames 13-1056, 3.2-9.7 s): ...`: what the shortened run held. */
function leftOutWords(run: LeftOut, rows: LadderRow[], ascii: boolean): string {
  let fromClient = 0;
  let bytes = 0;
  for (let k = run.first; k <= run.last; k++) {
    if (rows[k].from === 'client') fromClient++;
    bytes += rows[k].len;
  }
  const n = run.last - run.first + 1;
  const a = rows[run.first];
  const b = rows[run.last];
  const count = (x: number): string => x.toLocaleString('en-US');
  return `${ascii ? '...' : '⋯'} ${count(n)} rows left out (frames ${a.frame}-${b.frame}): ${count(fromClient)} from the client, ` +
    `${count(n - fromClient)} from the server, ${count(bytes)} bytes of payload, no state change, no anomaly (--every-row draws them)`;
}

/**
 * `text` wrapped to `width`, its continuation lines indented by HANG (so a wrapped line reads as
 * one), starting at column `indent`. The indent is given up when it would leave under 20 columns.
 */
function wrapHanging(text: string, width: number, indent = 0): string[] {
  if (width - indent < 20) indent = 0;
  const first = wrapText(text, width - indent);
  if (first.length <= 1) return first.map((l) => ' '.repeat(indent) + l);
  // wrapText's first line is a prefix of the text; the space it broke at is dropped.
  const rest = text.slice(first[0].length).replace(/^ /, '');
  return [first[0], ...wrapText(rest, width - indent - HANG).map((l) => ' '.repeat(HANG) + l)].map((l) => ' '.repeat(indent) + l);
}

/** An anomaly under its row: the mark and code coloured by severity, the message after it, wrapped. */
function markLines(chalk: ChalkInstance, severity: string, head: string, tail: string, indent: number, width: number): string[] {
  const lines = wrapHanging(head + tail, width, indent);
  const at = lines[0].indexOf(head);
  lines[0] = at >= 0 ? lines[0].slice(0, at) + paintSeverity(chalk, severity, head) + lines[0].slice(at + head.length) : paintSeverity(chalk, severity, lines[0]);
  return lines;
}

/**
 * The endpoints under the headings: each under its column when that fits, moved left to end at the
 * width when not (IPv6 addresses), and the server's on a line of its own when the two would meet.
 */
function endpointLines(client: string, server: string, clientCol: number, serverCol: number, width: number): string[] {
  const place = (text: string, col: number): string[] =>
    wrapText(text, width).map((l) => ' '.repeat(Math.max(0, Math.min(col, width - strWidth(l)))) + l);
  const c = place(client, clientCol);
  const s = place(server, serverCol);
  const last = c[c.length - 1];
  const sAt = s[0].length - s[0].trimStart().length;
  if (s.length === 1 && strWidth(last) + 2 <= sAt) return [...c.slice(0, -1), last + s[0].slice(strWidth(last))];
  return [...c, ...s];
}

/**
 * The words of a label that fit on an arrow with `room` columns for it, and the rest, which goes
 * on the lines below (a narrow terminal, or sequence numbers in the billions).
 */
function splitLabel(label: string, room: number): [string, string] {
  if (strWidth(label) <= room) return [label, ''];
  const words = label.split(' ');
  let n = 0;
  let w = -1;
  while (n < words.length && w + 1 + strWidth(words[n]) <= room) w += 1 + strWidth(words[n++]);
  return [words.slice(0, n).join(' '), words.slice(n).join(' ')];
}

/** One line under the title: how the connection opened and closed, in the table's words. */
function describe(c: ConnectionReport, ascii: boolean): string {
  const hs = c.handshake;
  // As the table: without the handshake's ACK, only the server's half, a lower bound, said so.
  const rtt = shownRtt(hs);
  const rttText = rtt.seconds === null ? '' : !rtt.bound ? `rtt ${formatSeconds(rtt.seconds, ascii)}`
    : `rtt ${ascii ? '>=' : '≥'} ${formatSeconds(rtt.seconds, ascii)}: SYN ${ascii ? '->' : '→'} SYN,ACK only`;
  // A handshake complete without its SYN captured (its SYN,ACK and ACK were): say so, as Wireshark's
  // "Incomplete (30)" beside it would otherwise read as a contradiction.
  const notes = [hs.outcome === 'complete' && hs.synFrame === null ? 'SYN not captured' : '', rttText]
    .filter((x) => x !== '');
  const parts = [`handshake ${hs.outcome}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`];
  // The capture point splits the round trip: SYN -> SYN,ACK is the server's side of it, SYN,ACK ->
  // ACK the client's (a student sees where the capture sat; helper-74 audit: only JSON had it).
  if (hs.rtt.total !== null && hs.rtt.lastSynToSynAck !== null && hs.rtt.synAckToAck !== null) {
    parts.push(`split: server ${formatSeconds(hs.rtt.lastSynToSynAck, ascii)}, client ${formatSeconds(hs.rtt.synAckToAck, ascii)}`);
  }
  const by = c.close.kind === 'reset' ? c.close.resetBy : c.close.initiator;
  parts.push(`close ${c.close.kind}${by && c.close.kind !== 'none' ? ` by ${by}` : ''}`);
  // What a half-closed connection still carried (RFC 9293 §3.6): the rows show it segment by segment,
  // this says how much, as a student of the half-close asks first.
  for (const [role, peer] of [['client', 'server'], ['server', 'client']] as const) {
    const after = c.data[role].bytesAfterPeerFin;
    if (after > 0) parts.push(`${role} sent ${formatBytes(after)} after the ${peer}'s FIN`);
  }
  const n = c.packets.client + c.packets.server;
  parts.push(`${n} packet${n === 1 ? '' : 's'}`);
  parts.push(`duration ${formatSeconds(c.duration, ascii)}`);
  parts.push(`ended ${c.ended}`);
  if (c.midstream) parts.push('joined mid-stream');
  if (c.rolesGuessed) parts.push('roles guessed');
  return joinParts(parts, ascii);
}

/**
 * Parts of a header line, each kept whole when wrapped (no-break spaces inside). The separator stays
 * at the end of a wrapped line (a no-break space before it), not the start of the next.
 */
function joinParts(parts: string[], ascii: boolean): string {
  return parts.map((p) => p.replace(/ /g, '\u00a0')).join(ascii ? '; ' : '\u00a0· ');
}

/**
 * What the peers would call the connection (`zeek REJ Sr · wireshark Incomplete (37) R··A·S`), so
 * a ladder can be read beside Zeek's conn.log or Wireshark's "Conversation completeness".
 */
function peerWords(c: ConnectionReport, ascii: boolean): string {
  const ws = c.wireshark;
  const flags = ascii ? ws.completenessFlags.replaceAll('\u00b7', '.') : ws.completenessFlags;
  return joinParts([`zeek ${c.zeek.connState} ${c.zeek.history || '-'}`, `wireshark ${ws.completenessText} ${flags}`], ascii);
}

/** An endpoint's arcs taken at one packet. */
interface Taken {
  role: Role;
  arcs: TransitionReport[];
}

/**
 * Each endpoint's transitions, on the row whose state column shows where they led. One packet can
 * take two arcs (`rcv FIN / snd ACK` then `CLOSE / snd FIN`: the column shows only LAST_ACK), so
 * the row lists them all. Arcs a row's state does not show, such as those inferred when the record
 * ended at a frame that already had its row, go `after` the diagram.
 */
function placeTransitions(c: ConnectionReport, rows: LadderRow[]): { byRow: Taken[][]; after: Taken[] } {
  const byRow: Taken[][] = rows.map(() => []);
  const after: Taken[] = [];
  for (const role of ['client', 'server'] as const) {
    const list = c[role].transitions;
    const column = role === 'client' ? 'clientState' : 'serverState';
    let k = 0;
    rows.forEach((r, i) => {
      let j = k;
      while (j < list.length && list[j].frame === r.frame && (list[j].input ?? c.input) === (r.input ?? c.input)) j++;
      // The row shows the state after its packet: arcs inferred later at that frame are not in it.
      while (j > k && list[j - 1].to !== r[column]) j--;
      // The report backdates an inferred LISTEN to the rows before the SYN,ACK (analysis/connection-report.ts
      // backdateListen): its arc goes on the first row that shows LISTEN.
      if (j === k && list[k]?.to === 'LISTEN' && r[column] === 'LISTEN') j++;
      if (j > k) byRow[i].push({ role, arcs: list.slice(k, j) });
      k = j;
    });
    if (k < list.length) after.push({ role, arcs: list.slice(k) });
  }
  return { byRow, after };
}

const NONE: ReadonlySet<string> = new Set();

/** A row's or an arc's sender, frame and input, as one key. */
function senderFrameKey(role: Role, frame: number, input: string | undefined): string {
  return `${role} ${frame} ${input ?? ''}`;
}

/** The rows whose ACK BAD_HANDSHAKE_ACK names, by senderFrameKey (its sender, frame and input). */
function badAckRows(c: ConnectionReport): Set<string> {
  const out = new Set<string>();
  for (const a of c.anomalies) if (a.code === 'BAD_HANDSHAKE_ACK' && a.endpoint !== null) out.add(senderFrameKey(a.endpoint, a.frame, a.input));
  return out;
}

/** The `snd RST` arcs whose RST had the form of a host's with no connection (RESET's `noConnection`), by senderFrameKey. */
function noConnectionRsts(c: ConnectionReport): Set<string> {
  const out = new Set<string>();
  for (const a of c.anomalies) {
    if (a.code === 'RESET' && a.details.noConnection === true && a.endpoint !== null) out.add(senderFrameKey(a.endpoint, a.frame, a.input));
  }
  return out;
}

/** `server: ESTABLISHED → CLOSE_WAIT (rcv FIN / snd ACK), CLOSE_WAIT → LAST_ACK (CLOSE / snd FIN)`: Figure 5's words. */
function arcWords(t: Taken, arrowTo: string, withFrame = false, noConn: ReadonlySet<string> = NONE): string {
  return `${t.role}: ` + t.arcs.map((a) => {
    const noConnection = a.arc === ARC.NOTE3_SND_RST && noConn.has(senderFrameKey(t.role, a.frame, a.input));
    const notes = [noConnection ? 'a no-connection RST' : '', a.evidence === 'inferred' ? 'inferred' : '', withFrame ? `frame ${a.frame}` : ''].filter((n) => n !== '');
    return `${a.from} ${arrowTo} ${a.to} (${[a.arc, ...notes].join('; ')})`;
  }).join(', ');
}

/**
 * Which ISN each side's numbers count from (a row's seq is the sender's, its ack the receiver's):
 * flow/connection.ts row() makes them relative once the ISN is known, from a captured SYN or read
 * off the peer, and leaves them absolute before (no SYN captured, or captured after the data).
 */
function numberWords(c: ConnectionReport, rows: LadderRow[], ascii: boolean): string {
  const sides: string[] = [];
  for (const role of ['client', 'server'] as const) {
    const ep = c[role];
    if (!rows.some((r) => r.from === role || r.ack !== null)) continue; // none of its numbers is drawn
    // Arcs inferred where the ISN is read off the peer: the SYN,ACK's ack when the SYN was missed, the
    // opener's first ACK when the SYN,ACK was (docs/state-model.md, What is inferred).
    const readOff = ep.transitions.find((t) => t.evidence === 'inferred' &&
      ((t.from === 'UNKNOWN' && t.to === 'SYN_SENT') || (t.to === 'SYN_RECEIVED' && t.from !== 'SYN_SENT')));
    const known = rows.findIndex((r) => (r.from === role && r.flags.includes('SYN')) ||
      (readOff !== undefined && r.frame === readOff.frame && (r.input ?? c.input) === (readOff.input ?? c.input)));
    if (known < 0 && ep.isn === null) {
      // Not "captured": a closed port's server never sends one (helper-74 audit: read as capture loss).
      sides.push(`${role} absolute (no SYN seen)`);
      continue;
    }
    const peer = role === 'client' ? 'server' : 'client';
    const isn = ep.isn !== null ? `ISN ${ep.isn}` : `ISN read off the ${peer}'s ${readOff?.to === 'SYN_SENT' ? 'SYN,ACK' : 'ACK'}`;
    const before = known > 0 && rows.slice(0, known).some((r) => r.from === role);
    sides.push(before ? `${role} ${isn} from frame ${rows[known].frame}, absolute before` : `${role} ${isn}`);
  }
  if (sides.length === 0) return '';
  // As joinParts, but a side longer than the narrowest width (40) may wrap inside; the separator stays at a line's end.
  const kept = sides.map((p) => (strWidth(p) <= 40 ? p.replace(/ /g, '\u00a0') : p));
  return `seq= counts from the sender's ISN, ack= from the receiver's: ${kept.join(ascii ? '; ' : '\u00a0· ')}`;
}

/**
 * Every row's label. A challenge ACK (SYN_CHALLENGE_ACK) acknowledges the earlier connection's
 * numbers, behind the client's new ISN, and the client's RST answering it carries that number as
 * its seq: both are drawn signed (ack=-484726544), not as the 32-bit distance forward
 * (ack=3810240752), which read as gigabytes acknowledged (helper-70 review). The JSON keeps them.
 * `signedAckAt`: the row BAD_HANDSHAKE_ACK names (badAckRows; its repeats carry the code), drawn the
 * same way (helper-102, helper-103 reviews).
 */
export function rowLabels(rows: readonly LadderRow[], signedAckAt: ReadonlySet<string> = NONE): string[] {
  // Every ACK drawn signed so far (two bad SYN,ACKs may be answered in turn; helper-104 review).
  const signed: { by: Role; ack: number | null }[] = [];
  return rows.map((r) => {
    // So is the ACK BAD_HANDSHAKE_ACK names, whose message gives its offset from the ISN signed
    // (ISN-5), and the RST answering it at that number.
    if (r.anomalies.includes('SYN_CHALLENGE_ACK') || r.anomalies.includes('BAD_HANDSHAKE_ACK')
      || (signedAckAt.size > 0 && signedAckAt.has(senderFrameKey(r.from, r.frame, r.input)))) {
      signed.push({ by: r.from, ack: r.ack });
      return rowLabel(r, false, true);
    }
    const answers = r.flags.startsWith('RST') && signed.some((x) => x.by !== r.from && x.ack === r.seq);
    return rowLabel(r, answers, false);
  });
}

/** "SYN,ACK seq=0 ack=1 len=0": the numbers textbooks print on the arrow (relative to each ISN when known; the header says which, numberWords). */
export function rowLabel(r: LadderRow, signedSeq = false, signedAck = false): string {
  let s = `${r.flags || '-'} seq=${signedSeq ? r.seq | 0 : r.seq}`;
  if (r.ack !== null) s += ` ack=${signedAck ? r.ack | 0 : r.ack}`;
  if (r.len > 0) s += ` len=${r.len}`;
  return s;
}

/**
 * `─ SYN seq=0 ──────▶` for client → server, `◀────── SYN,ACK seq=0 ack=1 ─` for the reply: the
 * label sits at the sender's end, so every arrow reads from where the packet left.
 */
export function arrow(label: string, from: LadderRow['from'], width: number, ascii: boolean): string {
  const shaft = ascii ? '-' : '─';
  const headRight = ascii ? '>' : '▶';
  const headLeft = ascii ? '<' : '◀';
  // A label that went entirely below its arrow leaves a bare arrow, full width.
  if (label === '') return from === 'client' ? `${shaft.repeat(width - 1)}${headRight}` : `${headLeft}${shaft.repeat(width - 1)}`;
  const fill = Math.max(1, width - strWidth(label) - 4);
  return from === 'client'
    ? `${shaft} ${label} ${shaft.repeat(fill)}${headRight}`
    : `${headLeft}${shaft.repeat(fill)} ${label} ${shaft}`;
}

function paintState(chalk: ChalkInstance, state: string, before: string | undefined): string {
  const text = state.padEnd(STATE_WIDTH);
  // A state that just changed is what the eye looks for; unchanged ones recede.
  return before !== undefined && before === state ? chalk.dim(text) : chalk.bold(text);
}

/**
 * The ICMP errors about the connection's segments (ICMP_ERROR, ICMP_PACKET_TOO_BIG), each drawn as
 * a row of its own where it came, before the index of the first row after its frame in its input
 * (rows.length: after the last). An error from an input with no row of the connection (a rotated
 * capture's file may hold only the error) goes before the rows of the inputs after it in `inputs`
 * (the run's order), or after the last row when that order is not known. An error counted several
 * times is drawn at its first. The JSON ladder keeps to the connection's TCP segments.
 */
function icmpRowsAt(c: ConnectionReport, rows: LadderRow[], inputs: readonly string[]): Map<number, AnomalyReport[]> {
  const at = new Map<number, AnomalyReport[]>();
  for (const a of c.anomalies) {
    if (a.code !== 'ICMP_ERROR' && a.code !== 'ICMP_PACKET_TOO_BIG') continue;
    const input = a.input ?? c.input;
    const order = inputs.indexOf(input);
    let seen = false;
    let i = 0;
    for (; i < rows.length; i++) {
      const rowInput = rows[i].input ?? c.input;
      const same = rowInput === input;
      if (same && rows[i].frame > a.frame) break;
      if (seen && !same) break; // past that input's rows
      if (!same && order !== -1 && inputs.indexOf(rowInput) > order) break; // an input after the error's
      seen ||= same;
    }
    const l = at.get(i);
    if (l) l.push(a);
    else at.set(i, [a]);
  }
  return at;
}

/** `ICMP port unreachable`, `ICMPv6 packet too big (MTU 1280)`: the error's own words, short. */
function icmpLabel(a: AnomalyReport): string {
  const d = a.details as { icmpVersion?: number; error?: string; mtu?: number | null };
  const error = d.error ?? 'error';
  const inner = /\(([^)]*)\)$/.exec(error);
  const words = error.startsWith('destination unreachable') && inner !== null && !/^code \d+$/.test(inner[1]) ? inner[1] : error;
  return `ICMP${d.icmpVersion === 6 ? 'v6' : ''} ${words}${typeof d.mtu === 'number' ? ` (MTU ${d.mtu})` : ''}`;
}

/** A frame and the input it counts in, as one map key. */
function frameKey(input: string, frame: number): string {
  return `${frame}\u0000${input}`;
}

/** The connection's anomalies by where they happened (frameKey): an anomaly without `input` is in the connection's. */
function anomaliesByFrame(c: ConnectionReport): Map<string, AnomalyReport[]> {
  const m = new Map<string, AnomalyReport[]>();
  for (const a of c.anomalies) {
    const k = frameKey(a.input ?? c.input, a.frame);
    const l = m.get(k);
    if (l) l.push(a);
    else m.set(k, [a]);
  }
  return m;
}
