/**
 * argv → typed, validated CliOptions. yargs does the parsing and the help text; everything that
 * yargs cannot check (anomaly codes, state names, the `--ladder [id]` ambiguity) is checked here,
 * so main.ts only ever sees options that make sense. The filesystem is touched once: whether a
 * word after `--ladder` that reads as a number is a capture of that name.
 */
import { existsSync } from 'node:fs';
import yargs from 'yargs';
import { ANOMALIES } from '../analysis/catalog.js';
import { DEFAULT_SETTINGS } from '../analysis/settings.js';
import { TCP_STATES, type EndpointState } from '../tcp/state.js';
import { parseHostPattern, type HostPattern } from './hosts.js';
import { FORMATS, type Format } from '../report/index.js';
import type { Settings, Severity } from '../report/model.js';

export const SORT_FIELDS = ['id', 'start', 'duration', 'bytes', 'packets', 'rtt', 'anomalies'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export const SEVERITIES: readonly Severity[] = ['info', 'warn', 'error'];

export interface Selection {
  hosts: HostPattern[];
  ports: number[];
  ids: number[];
  anomalies: string[];
  onlyAnomalies: boolean;
  /** Final states, either endpoint's (an empty list selects every connection). */
  states: EndpointState[];
  sort: SortField | null;
  limit: number | null;
}

/** `--fail-on`: trips on any listed code, on any anomaly at or above `minSeverity`, or on any anomaly. */
export interface FailOn {
  codes: Set<string>;
  minSeverity: Severity | null;
  any: boolean;
}

export interface CliOptions {
  captures: string[];
  format: Format;
  /** `--ladder`: draw ladders (table format) or include ladder rows (json/ndjson). */
  ladder: { id: number | null; all: boolean } | null;
  ascii: boolean;
  /** --every-row: ladders draw every row (long quiet runs are shortened otherwise). */
  everyRow: boolean;
  /** undefined: decide from the environment (NO_COLOR, FORCE_COLOR, TTY). */
  color: boolean | undefined;
  width: number | undefined;
  progress: boolean | undefined;
  debug: boolean;
  selection: Selection;
  settings: Partial<Settings>;
  failOn: FailOn | null;
  expectFile: string | null;
  /** `--threads`: 1 = in-process, 2 = read, decode and track on a worker thread. */
  threads: 1 | 2;
}

export type ParseResult =
  | { kind: 'run'; options: CliOptions }
  /** --help, --version, completion: print `text` on stdout and exit 0. */
  | { kind: 'output'; text: string }
  | { kind: 'usage-error'; message: string };

export const EXIT_OK = 0;
export const EXIT_GATE = 1;
export const EXIT_FATAL = 2;
/** Interrupted (README, "Interrupting a run"): 128 + the signal's number, as a shell reports a process it killed. */
export const EXIT_INTERRUPTED = { SIGINT: 130, SIGTERM: 143 } as const;
export type InterruptSignal = keyof typeof EXIT_INTERRUPTED;

/**
 * Does this error on stdout make the run's exit code EXIT_FATAL? EPIPE does not: the reader went
 * away on purpose (`| head`), and the report was as long as it wanted (with --fail-on or --expect
 * the run then reads on for the verdict: run.ts). Anything else (a full disk, EIO, `> /dev/full`)
 * left the report cut short, and CI must not take it for a whole one.
 */
export function isFatalOutputError(err: NodeJS.ErrnoException): boolean {
  return err.code !== 'EPIPE';
}

const EPILOGUE = `Exit codes:
  0  the report was printed and no gate tripped
  1  --fail-on matched an anomaly, or --expect found a mismatch (the report is still printed)
  2  usage error, an unreadable input (the others are still reported), a report that could not be
     written (a full disk; not a closed pipe, as in | head), or an internal error
  130, 143  interrupted by SIGINT or SIGTERM while reading: the report covers what was read
A closed pipe (| head) stops the run early, unless --fail-on or --expect is given: then every
input is still read, and the exit code is the verdict's.

Colour is on when stdout is a terminal; --color/--no-color, NO_COLOR and FORCE_COLOR override.
Only the report goes to stdout; errors and the progress bar go to stderr.
NDJSON streams; the other formats (and --sort, --ladder) print after the last packet, keeping each
connection's text in a temporary file under $TMPDIR until then.
Docs: README.md, docs/json-schema.md, docs/anomalies.md, docs/state-model.md`;

function buildParser(version: string, helpWidth: number) {
  const s = DEFAULT_SETTINGS;
  return (
    yargs()
      .scriptName('tcpflow-analyze')
      .usage(
        '$0 [options] <capture...>\n\n' +
          "Replays every TCP connection in pcap/pcapng captures ('-' = stdin, gzip ok) through RFC 9293's " +
          'state machine for both endpoints: handshakes, closes, final states, anomalies and timings. ' +
          'Several captures are read as one, files in the order of their first records.',
      )
      .completion('completion', 'print a bash/zsh completion script (tcpflow-analyze completion >> ~/.bashrc)')
      .command('$0 [capture..]', false, (y) => y.positional('capture', { type: 'string', describe: 'capture files' }))
      .group(['format', 'ladder', 'all', 'every-row', 'ascii', 'color', 'width', 'progress', 'debug'], 'Output:')
      .option('format', { alias: 'f', requiresArg: true, choices: FORMATS, default: 'table' as Format, describe: 'report format (table even when piped; pick json/ndjson for scripts)' })
      .option('ladder', { type: 'string', describe: 'ladder diagram of connection [id]; without an id: every connection with an anomaly' })
      .option('all', { type: 'boolean', default: false, describe: 'with --ladder: every connection' })
      .option('every-row', { type: 'boolean', default: false, describe: 'with --ladder: every row (a run of more than 12 rows that change no state and note no anomaly is shortened to its ends)' })
      .option('ascii', { type: 'boolean', default: false, describe: 'ASCII arrows and marks instead of Unicode' })
      .option('color', { type: 'boolean', describe: 'force colour on (--no-color: off)' })
      .option('width', { requiresArg: true, describe: 'table width in columns, 40 or more (default: the terminal, $COLUMNS, or 100)' })
      .option('progress', { type: 'boolean', describe: 'progress bar on stderr (default: when stderr is a terminal, $CI is unset and the output is not streamed NDJSON)' })
      .option('debug', { type: 'boolean', default: false, describe: 'stack traces with errors; how --threads 2 ran' })
      .group(['host', 'port', 'connection', 'anomaly', 'only-anomalies', 'state', 'sort', 'limit'], 'Selection:')
      .option('host', { type: 'string', describe: 'connections with this IP or in this CIDR prefix at either end (comma list)' })
      .option('port', { type: 'string', describe: 'connections with this port at either end (comma list)' })
      .option('connection', { alias: 'c', type: 'string', describe: 'connection id(s) (comma list)' })
      .option('anomaly', { type: 'string', describe: 'connections with any of these anomaly codes' })
      .option('only-anomalies', { type: 'boolean', default: false, describe: 'connections with at least one anomaly' })
      .option('state', { type: 'string', describe: 'connections where either endpoint ended in one of these states (FIN_WAIT_2, fin-wait-2, ...; comma list)' })
      .option('sort', { choices: SORT_FIELDS, describe: 'order: id/start ascending; duration/bytes/packets/rtt/anomalies largest first' })
      .option('limit', { type: 'string', describe: 'print at most n connections (the table and the ladders say how many more matched)' })
      .group(['msl', 'linger', 'idle-timeout', 'max-connections', 'verify-checksums', 'threads'], 'Model:')
      .option('msl', { requiresArg: true, default: s.mslSeconds, describe: 'maximum segment lifetime, s: TIME_WAIT ends after twice the MSL of capture time' })
      .option('linger', { requiresArg: true, default: s.lingerSeconds, describe: 'FIN_WAIT_2/CLOSE_WAIT held longer than this (s), or still held when the record ends, is LINGERING_*' })
      .option('idle-timeout', { requiresArg: true, default: s.idleTimeoutSeconds, describe: 'retire a connection after this many seconds without a packet' })
      .option('max-connections', { requiresArg: true, default: s.maxConnections, describe: 'connections tracked at once; the least recently active is evicted' })
      .option('verify-checksums', { type: 'boolean', default: s.verifyChecksums, describe: 'check IPv4 and TCP checksums (off: offloaded captures are full of bad ones)' })
      .option('threads', { type: 'string', choices: ['1', '2'], default: '1', describe: '2: use the second core: NDJSON from files as two shards, else a reading and tracking worker (0.8-1.0x the time on large captures, slower on small ones; 30-120 MiB more memory; see the README)' })
      .group(['fail-on', 'expect'], 'CI gate:')
      .option('fail-on', { type: 'string', describe: 'exit 1 if a selected connection has one of these codes, a severity (info|warn|error, or worse), or any' })
      .option('expect', { type: 'string', describe: 'JSON file of expected outcomes per connection; exit 1 on mismatch (see README)' })
      .example('$0 fixtures/sample/pop3.pcap', 'table of every connection')
      .example('$0 --ladder 3 capture.pcap', 'ladder diagram of connection 3')
      .example('$0 --ladder --host 10.0.0.5 capture.pcapng', 'ladders of the anomalous connections of one host')
      .example('$0 -f json capture.pcap | jq \'.connections[] | select(.client.finalState == "FIN_WAIT_2")\'', 'script it')
      .example('tcpdump -U -w - -i eth0 port 443 | $0 -f ndjson -', 'stream from stdin, one line per finished connection')
      .example('$0 --fail-on HALF_OPEN,error capture.pcap', 'CI gate: exit 1 on half-open connections or any error-severity anomaly')
      .example('$0 -f zeek capture.pcap | zeek-cut id.orig_h conn_state history', 'Zeek conn.log for Zeek tooling')
      .epilogue(EPILOGUE)
      .strict()
      .help()
      .alias('help', 'h')
      .version(version)
      .alias('version', 'V')
      .exitProcess(false)
      .wrap(helpWidth)
      // Every message of ours is English; yargs' own would follow $LANG ("Unbekanntes Argument")
      // from locale files next to its sources, which the CLI's bundle (dist/bundle) does not carry.
      .locale('en')
      // Values stay as typed: yargs would read 0x10 as 16 and 1e3 as 1000 for --max-connections or
      // --msl while --limit and --port (strings) refused them. Our checks decide (numberOf).
      .parserConfiguration({ 'parse-numbers': false })
  );
}

/**
 * The shell completion script. The default command's variadic `[capture..]` swallows the word
 * "completion" in the main parser, so the script comes from a parser without it; the script then
 * calls `tcpflow-analyze --get-yargs-completions`, which the main parser answers.
 */
async function completionScript(): Promise<string> {
  let text = '';
  await yargs()
    .scriptName('tcpflow-analyze')
    .completion('completion', false)
    .exitProcess(false)
    .parse(['completion'], {}, (_e: unknown, _a: unknown, out: string) => {
      text = out;
    });
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Splits repeated and comma-separated values: `--port 80,443 --port 8080`. */
function list(v: unknown): string[] {
  if (v === undefined) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

class UsageError extends Error {}

function positiveInt(name: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${name}: expected a whole number, got '${raw}'`);
  const n = Number(raw);
  if (n < 1 || n > max) throw new UsageError(`${name}: ${raw} is out of range (1..${max})`);
  return n;
}

/**
 * A list option's values; given but empty (`--host ''`, an unset shell variable) is a usage error,
 * not "no filter", which would select everything without a word.
 */
function listOf(name: string, v: unknown, expected = 'a value'): string[] {
  const values = list(v);
  if (v !== undefined && values.length === 0) throw new UsageError(`${name}: expected ${expected}, got nothing`);
  return values;
}

function hostPattern(raw: string): HostPattern {
  const p = parseHostPattern(raw);
  if (p === null) throw new UsageError(`--host: expected an IPv4 or IPv6 address or a CIDR prefix (10.0.0.5, 2001:db8::1, 10.0.0.0/8), got '${raw}'`);
  return p;
}

/**
 * A number option's value: its default, or decimal digits as typed with an optional fraction (60,
 * 0.5, .5). Not '' (Number('') would say 0), hex, exponents, underscores or spaces: `--msl 0x10`
 * would otherwise run with 16 s, a typo made into another setting without a word.
 */
function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
}

/** A whole-number option's value: its default, or decimal digits as typed (as positiveInt). */
function wholeOf(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
}

// Usage errors and the help are plain ASCII ('>=', not '≥'): they are written whether or not the
// options parsed, so before --ascii could be honoured.
function seconds(name: string, v: unknown): number {
  const n = numberOf(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name}: expected seconds >= 0, got '${String(v)}'`);
  return n;
}

/** A timeout of 0 would retire every connection at its next packet's arrival: never what is meant. */
function positiveSeconds(name: string, v: unknown): number {
  const n = numberOf(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: expected seconds > 0, got '${String(v)}'`);
  return n;
}

export function isAnomalyCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(ANOMALIES, code);
}

function anomalyCode(name: string, raw: string): string {
  const code = raw.toUpperCase().replace(/-/g, '_');
  if (!isAnomalyCode(code)) {
    throw new UsageError(`${name}: unknown anomaly code '${raw}' (the codes are listed in docs/anomalies.md)`);
  }
  return code;
}

/** Other tools' names for the states: ss (ESTAB, SYN-RECV), Linux netstat (SYN_RECV, CLOSE), BSD netstat (SYN_RCVD). */
const STATE_ALIASES: Record<string, string> = { ESTAB: 'ESTABLISHED', SYN_RECV: 'SYN_RECEIVED', SYN_RCVD: 'SYN_RECEIVED', CLOSE: 'CLOSED' };

/** Accepts FIN_WAIT_2, fin-wait-2 (ss), FIN_WAIT2 (netstat), and the aliases above. */
export function parseState(raw: string): EndpointState {
  const u = raw.trim().toUpperCase().replace(/[-\s]+/g, '_').replace(/^FIN_WAIT(\d)$/, 'FIN_WAIT_$1'); // RFC 9293 writes CLOSE-WAIT
  const s = STATE_ALIASES[u] ?? u;
  if (s === 'UNKNOWN' || (TCP_STATES as readonly string[]).includes(s)) return s as EndpointState;
  throw new UsageError(`--state: unknown state '${raw}' (one of ${TCP_STATES.join(', ')}, UNKNOWN)`);
}

export function parseFailOn(values: string[]): FailOn {
  const f: FailOn = { codes: new Set(), minSeverity: null, any: false };
  for (const v of values) {
    const lower = v.toLowerCase();
    if (lower === 'any') f.any = true;
    else if ((SEVERITIES as readonly string[]).includes(lower)) {
      const sev = lower as Severity;
      if (f.minSeverity === null || SEVERITIES.indexOf(sev) < SEVERITIES.indexOf(f.minSeverity)) f.minSeverity = sev;
    } else f.codes.add(anomalyCode('--fail-on', v));
  }
  return f;
}

/**
 * Parses argv (without the node and script paths). Never throws for bad input and never exits:
 * help, version and completion come back as text, usage errors as a message.
 */
export async function parseArgs(argv: string[], version: string, helpWidth = 100): Promise<ParseResult> {
  if (argv[0] === 'completion') return { kind: 'output', text: await completionScript() };
  // After '--' every word is a capture, even one that starts with '-' (yargs would leave them in
  // `_`, where they were lost): kept aside and added after the captures before it.
  const dashes = argv.indexOf('--');
  const afterDashes = dashes < 0 ? [] : argv.slice(dashes + 1);
  if (dashes >= 0) argv = argv.slice(0, dashes);
  // yargs drops a bare '-' from positionals; carry it through as a token no path can contain (NUL).
  argv = argv.map((x) => (x === '-' ? STDIN_TOKEN : x));
  let output = '';
  let failure: Error | null = null;
  let raw: Record<string, unknown>;
  try {
    raw = (await buildParser(version, helpWidth).parse(argv, {}, (err: Error | null | undefined, _a: unknown, out: string) => {
      failure = err ?? null;
      output = out;
    })) as Record<string, unknown>;
  } catch (err) {
    return { kind: 'usage-error', message: yargsMessage((err as Error).message, argv) };
  }
  const fail = failure as Error | null;
  if (fail) return { kind: 'usage-error', message: yargsMessage(fail.message, argv) };
  if (raw.help || raw.version || output !== '') return { kind: 'output', text: output.endsWith('\n') ? output : `${output}\n` };
  try {
    return { kind: 'run', options: toOptions(raw, afterDashes) };
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'usage-error', message: err.message };
    throw err;
  }
}

/**
 * yargs' usage errors in the words of ours (`--format: 'xml' is not one of ...`): options named as
 * they are typed, and a file whose name starts with '-' (read as options) pointed to `--`.
 */
export function yargsMessage(message: string, argv: readonly string[] = []): string {
  const flag = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);
  const unknown = /^Unknown arguments?: (.+)$/s.exec(message);
  if (unknown) {
    // yargs names `--bogus-opt` twice, as typed and as its camelCase alias (`bogusOpt`), which
    // nobody typed (helper-93 audit): such an alias goes, unless it was typed too (helper-96 review).
    const listed = unknown[1].split(/,\s*/);
    const typed = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]));
    const aliases = new Set<string>();
    for (const n of listed) {
      const camel = n.replace(/-+(.)/g, (_, c: string) => c.toUpperCase());
      if (camel !== n) aliases.add(camel);
    }
    const names = [...new Set(listed.filter((n) => typed.has(n) || !aliases.has(n)))];
    const hint = names.every((n) => n.length === 1) && names.length > 1
      ? " (a capture whose name starts with '-' goes after --: tcpflow-analyze -- -name.pcap)" : '';
    return `unknown option${names.length > 1 ? 's' : ''} ${names.map(flag).join(', ')}${hint}`;
  }
  const invalid = /^Invalid values:\s*Argument: ([\w-]+), Given: (.+?), Choices: (.+)$/s.exec(message);
  if (invalid) return `${flag(invalid[1])}: ${invalid[2].replace(/^"(.*)"$/, "'$1'")} is not one of ${invalid[3].replace(/"/g, '')}`;
  const noValue = /^Not enough arguments following: ([\w-]+)$/.exec(message);
  if (noValue) return `${flag(noValue[1])} needs a value`;
  return message;
}

const STDIN_TOKEN = '\u0000stdin';

/** Options that take one value; the list options (--host, --port, ...) accumulate instead. */
const SINGLE_VALUED = [
  'format', 'ladder', 'all', 'every-row', 'ascii', 'color', 'width', 'progress', 'debug', 'only-anomalies', 'sort', 'limit',
  'msl', 'linger', 'idle-timeout', 'max-connections', 'verify-checksums', 'threads', 'expect',
] as const;

/**
 * A single-valued option given more than once (yargs then hands over an array): the last one
 * wins, as with most command-line tools, so `alias t='tcpflow-analyze -f ndjson'; t -f json` works.
 */
function lastWins(raw: Record<string, unknown>): Record<string, unknown> {
  const a = { ...raw };
  for (const k of SINGLE_VALUED) {
    const v = a[k];
    if (Array.isArray(v)) a[k] = v[v.length - 1];
  }
  return a;
}

/** What a person or a script might write for a number, in any of JavaScript's spellings and with spaces around. */
const NUMBERISH = /^\s*[-+]?(?:\d[\d_]*\.?[\d_]*|\.\d+)(?:e[-+]?\d+)?\s*$|^\s*[-+]?(?:0x[\da-f]+|0o[0-7]+|0b[01]+|infinity|nan)\s*$/i;

function toOptions(raw: Record<string, unknown>, afterDashes: string[]): CliOptions {
  const a = lastWins(raw);
  const captures = Array.isArray(a.capture) ? a.capture.map((x) => (String(x) === STDIN_TOKEN ? '-' : String(x))) : [];
  captures.push(...afterDashes);
  let ladder: CliOptions['ladder'] = null;
  if (a.ladder !== undefined) {
    const v = String(a.ladder);
    // `--ladder capture.pcap` would make the file the id: yargs cannot know the value is optional.
    // Anything that is not a number was meant as a capture.
    // A capture of that name (tcpdump -G -w %Y%m%d_%H%M%S writes 20240101_120000) is not an id.
    const named = `(a capture of that name: --ladder -- ${/\s/.test(v) ? `'${v}'` : v})`;
    if (/^\d+([,\s-]+\d+)+$/.test(v) && !existsSync(v)) {
      throw new UsageError(`--ladder: one connection id, or none; for several, --ladder --all -c ${v} ${named}`);
    }
    // A number that is no id (1.5, -1, 0x1, 1_0, Infinity, NaN, ' 2') is a mistaken id, unless a
    // capture has that name; 0 is never a name worth the doubt.
    if (/^0+$/.test(v) || (NUMBERISH.test(v) && !/^\d+$/.test(v) && !existsSync(v))) {
      throw new UsageError(`--ladder: expected a connection id (1, 2, ...), got '${v}'${/^0+$/.test(v) ? '' : ` ${named}`}`);
    }
    if (v === '' || !/^\d+$/.test(v)) {
      if (v !== '') captures.unshift(v === STDIN_TOKEN ? '-' : v);
      ladder = { id: null, all: Boolean(a.all) };
    } else {
      // One connection, named: --all (every connection) would be silently ignored.
      if (a.all) throw new UsageError(`--all: --ladder ${v} draws connection ${v} only; --ladder --all draws every connection`);
      ladder = { id: positiveInt('--ladder', v), all: false };
    }
  } else if (a.all) {
    throw new UsageError('--all only makes sense with --ladder');
  }
  if (a['every-row'] && a.ladder === undefined) throw new UsageError('--every-row only makes sense with --ladder');
  if (captures.length === 0) {
    // `--ladder 3` with a capture named 3 beside it: the 3 was read as the id (helper-64 audit).
    const v = a.ladder === undefined ? '' : String(a.ladder);
    const hint = ladder?.id != null && existsSync(v) ? `; a capture named ${v}: --ladder -- ${v}` : '';
    throw new UsageError(`no capture given (use - for standard input${hint})`);
  }
  if (captures.filter((c) => c === '-').length > 1) throw new UsageError("standard input ('-') can only be read once");
  const format = a.format as Format;
  if (ladder && format === 'zeek') throw new UsageError('--ladder works with --format table, json or ndjson, not zeek');

  const limitRaw = a.limit === undefined ? null : String(a.limit);
  const selection: Selection = {
    hosts: listOf('--host', a.host).map(hostPattern),
    ports: listOf('--port', a.port).map((p) => positiveInt('--port', p, 65535)),
    ids: listOf('--connection', a.connection).map((id) => positiveInt('--connection', id)),
    anomalies: listOf('--anomaly', a.anomaly).map((c) => anomalyCode('--anomaly', c)),
    onlyAnomalies: Boolean(a['only-anomalies']),
    states: [...new Set(listOf('--state', a.state).map(parseState))],
    sort: (a.sort as SortField | undefined) ?? null,
    limit: limitRaw === null ? null : positiveInt('--limit', limitRaw),
  };
  const maxConn = wholeOf(a['max-connections']);
  if (!Number.isInteger(maxConn) || maxConn < 1) throw new UsageError(`--max-connections: expected a whole number >= 1, got '${String(a['max-connections'])}'`);
  const width = a.width === undefined ? undefined : wholeOf(a.width);
  if (width !== undefined && (!Number.isInteger(width) || width < 40)) throw new UsageError(`--width: expected a whole number >= 40, got '${String(a.width)}'`);
  // `--fail-on ''` (an unset CI variable) must not pass as "no gate" unnoticed.
  const failOnValues = listOf('--fail-on', a['fail-on'], 'anomaly codes, a severity (info, warn, error) or any');
  return {
    captures,
    format,
    ladder,
    ascii: Boolean(a.ascii),
    everyRow: Boolean(a['every-row']),
    color: a.color === undefined ? undefined : Boolean(a.color),
    width,
    progress: a.progress === undefined ? undefined : Boolean(a.progress),
    debug: Boolean(a.debug),
    selection,
    settings: {
      mslSeconds: seconds('--msl', a.msl),
      lingerSeconds: seconds('--linger', a.linger),
      idleTimeoutSeconds: positiveSeconds('--idle-timeout', a['idle-timeout']),
      maxConnections: maxConn,
      verifyChecksums: Boolean(a['verify-checksums']),
    },
    failOn: failOnValues.length > 0 ? parseFailOn(failOnValues) : null,
    expectFile: a.expect === undefined ? null : String(a.expect),
    threads: a.threads === '2' ? 2 : 1,
  };
}
