import { describe, expect, test } from 'vitest';
import { parseArgs, parseFailOn, parseState, type CliOptions } from '../../src/cli/options.js';
import { colorLevel } from '../../src/cli/color.js';
import { Progress } from '../../src/cli/progress.js';
import { runCli } from '../../src/cli/run.js';
import { fileURLToPath } from 'node:url';

async function opts(argv: string[]): Promise<CliOptions> {
  const r = await parseArgs(argv, '9.9.9');
  if (r.kind !== 'run') throw new Error(`expected options, got ${JSON.stringify(r)}`);
  return r.options;
}

describe('parseArgs', () => {
  test('defaults: table, model settings from DEFAULT_SETTINGS, nothing selected', async () => {
    const o = await opts(['a.pcap']);
    expect(o.format).toBe('table');
    expect(o.settings).toEqual({ mslSeconds: 60, lingerSeconds: 60, idleTimeoutSeconds: 300, maxConnections: 50_000, verifyChecksums: false });
    expect(o.ladder).toBeNull();
    expect(o.failOn).toBeNull();
  });

  test("yargs' messages in the words of ours: options as typed, one line (helper audit of the terminal, 2026-12-05)", async () => {
    const msg = async (argv: string[]): Promise<string> => {
      const r = await parseArgs(argv, '0');
      expect(r.kind).toBe('usage-error');
      return (r as { message: string }).message;
    };
    expect(await msg(['-f', 'xml', 'a.pcap'])).toBe("--format: 'xml' is not one of table, json, ndjson, zeek");
    expect(await msg(['a.pcap', '-f'])).toBe('-f needs a value');
    expect(await msg(['--bogus', '--other', 'a.pcap'])).toBe('unknown options --bogus, --other');
    // As typed, not also as yargs' camelCase aliases (helper-93 audit: '--bogus-opt, --bogusOpt').
    expect(await msg(['--bogus-opt', 'x', '--other-thing', 'a.pcap'])).toBe('unknown options --bogus-opt, --other-thing');
    expect(await msg(['--bogusOpt', 'a.pcap'])).toBe('unknown option --bogusOpt');
    // Both typed: both named (helper-96 review); yargs' other spellings of an alias go too.
    expect(await msg(['--fooBar', '--foo-bar', 'a.pcap'])).toBe('unknown options --fooBar, --foo-bar');
    expect(await msg(['--foo-Bar', '--foo-1', 'a.pcap'])).toBe('unknown options --foo-Bar, --foo-1');
    expect(await msg(['--foo--bar', 'a.pcap'])).toBe('unknown option --foo--bar');
    expect(await msg(['-odd-name.pcap'])).toBe("unknown options -o, -d (a capture whose name starts with '-' goes after --: tcpflow-analyze -- -name.pcap)");
  });

  test('--help as wide as it is told, within 40..100 columns', async () => {
    const widest = async (w: number): Promise<number> => {
      const r = await parseArgs(['--help'], '0', w);
      return Math.max(...(r as { text: string }).text.split('\n').map((l) => l.length));
    };
    expect(await widest(70)).toBeLessThanOrEqual(70);
    expect(await widest(70)).toBeGreaterThan(60);
    expect(await widest(100)).toBeGreaterThan(90);
  });

  test("yargs' own messages are English whatever the locale (ours are)", async () => {
    const saved = { LC_ALL: process.env.LC_ALL, LANG: process.env.LANG };
    process.env.LC_ALL = 'de_DE.UTF-8';
    process.env.LANG = 'de_DE.UTF-8';
    try {
      expect(await parseArgs(['--bogus', 'a.pcap'], '0.0.0')).toEqual({ kind: 'usage-error', message: 'unknown option --bogus' });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test("'-' survives yargs and means stdin", async () => {
    expect((await opts(['-'])).captures).toEqual(['-']);
    expect((await opts(['a.pcap', '-'])).captures).toEqual(['a.pcap', '-']);
  });

  test("after '--' every word is a capture, even one that starts with '-' (they were dropped)", async () => {
    expect((await opts(['a.pcap', '--', 'b.pcap'])).captures).toEqual(['a.pcap', 'b.pcap']);
    expect((await opts(['--', 'a.pcap'])).captures).toEqual(['a.pcap']);
    const o = await opts(['-f', 'json', 'a.pcap', '--', '-f', '--threads', '-']);
    expect(o.captures).toEqual(['a.pcap', '-f', '--threads', '-']);
    expect(o.format).toBe('json');
    expect(o.threads).toBe(1);
    expect((await opts(['--ladder', '--', '3'])).captures).toEqual(['3']);
    expect(await parseArgs(['-f', 'json', '--'], '0.0.0')).toEqual({ kind: 'usage-error', message: 'no capture given (use - for standard input)' });
    expect(await parseArgs(['--', '-', '-'], '0.0.0')).toEqual({ kind: 'usage-error', message: "standard input ('-') can only be read once" });
  });

  test('--ladder takes an id only when it is a number; otherwise the word was a capture', async () => {
    expect((await opts(['--ladder', '3', 'a.pcap'])).ladder).toEqual({ id: 3, all: false });
    const o = await opts(['--ladder', 'a.pcap', 'b.pcap']);
    expect(o.ladder).toEqual({ id: null, all: false });
    expect(o.captures).toEqual(['a.pcap', 'b.pcap']);
    expect((await opts(['a.pcap', '--ladder', '--all'])).ladder).toEqual({ id: null, all: true });
  });

  test('lists: repeated and comma-separated', async () => {
    const o = await opts(['--port', '80,443', '--port', '8080', '--host', '[2001:DB8:0:0::1],10.0.0.0/8', '--host', '::ffff:1.2.3.4', '-c', '1,2',
      '--state', 'CLOSED,fin-wait-2', '--state', 'FIN_WAIT2', '--state', 'time-wait', 'a.pcap']);
    expect(o.selection.ports).toEqual([80, 443, 8080]);
    // IPv6 in the report's spelling (RFC 5952), however it was typed.
    expect(o.selection.hosts.map((h) => h.text)).toEqual(['2001:db8::1', '10.0.0.0/8', '::ffff:1.2.3.4']);
    expect(o.selection.states).toEqual(['CLOSED', 'FIN_WAIT_2', 'TIME_WAIT']);
    expect(o.selection.ids).toEqual([1, 2]);
  });

  test('single-valued options given twice: the last one wins (shell aliases add their own)', async () => {
    const o = await opts(['-f', 'ndjson', '--format', 'json', '--ladder', '1', '--ladder', '2', '--msl', '1', '--msl', '2',
      '--limit', '3', '--limit', '4', '--width', '80', '--width', '90', '--threads', '2', '--threads', '1',
      '--sort', 'id', '--sort', 'bytes', '--expect', 'a.json', '--expect', 'b.json',
      '--color', '--no-color', '--max-connections', '5', '--max-connections', '6', 'a.pcap']);
    expect(o).toMatchObject({ format: 'json', ladder: { id: 2, all: false }, captures: ['a.pcap'], width: 90, threads: 1, expectFile: 'b.json', color: false });
    expect(o.selection).toMatchObject({ limit: 4, sort: 'bytes' });
    expect(o.settings).toMatchObject({ mslSeconds: 2, maxConnections: 6 });
  });

  test('anomaly codes are checked against the catalog, case-insensitively', async () => {
    expect((await opts(['--anomaly', 'half_open', 'a.pcap'])).selection.anomalies).toEqual(['HALF_OPEN']);
    expect(await parseArgs(['--anomaly', 'HALF_CLOSED_ISH', 'a.pcap'], '1')).toEqual({
      kind: 'usage-error',
      message: "--anomaly: unknown anomaly code 'HALF_CLOSED_ISH' (the codes are listed in docs/anomalies.md)",
    });
  });

  test.each([
    [['--limit', '0', 'a'], /--limit: 0 is out of range/],
    [['--limit', 'ten', 'a'], /--limit: expected a whole number, got 'ten'/],
    [['--port', '70000', 'a'], /--port: 70000 is out of range/],
    [['--msl', '-1', 'a'], /--msl: expected seconds >= 0/],
    [['--idle-timeout', '0', 'a'], /--idle-timeout: expected seconds > 0, got '0'/],
    // What was typed, not what a number conversion made of it ('NaN').
    [['--msl', 'abc', 'a'], /--msl: expected seconds >= 0, got 'abc'$/],
    [['--linger', '', 'a'], /--linger: expected seconds >= 0, got ''$/],
    [['--max-connections', '1e', 'a'], /--max-connections: expected a whole number >= 1, got '1e'$/],
    [['--width', 'wide', 'a'], /--width: expected a whole number >= 40, got 'wide'$/],
    // One rule for every number option (helper-46 audit): decimal digits as typed. yargs read these
    // as 16, 80, 16 s and 1e9 s while --limit and --port refused the same spellings.
    [['--max-connections', '0x10', 'a'], /^--max-connections: expected a whole number >= 1, got '0x10'$/],
    [['--width', '0x50', 'a'], /^--width: expected a whole number >= 40, got '0x50'$/],
    [['--width', '8e1', 'a'], /^--width: expected a whole number >= 40, got '8e1'$/],
    [['--msl', '0x10', 'a'], /^--msl: expected seconds >= 0, got '0x10'$/],
    [['--msl', '1e9', 'a'], /^--msl: expected seconds >= 0, got '1e9'$/],
    [['--linger', ' 60', 'a'], /^--linger: expected seconds >= 0, got ' 60'$/],
    [['--idle-timeout', '1_0', 'a'], /^--idle-timeout: expected seconds > 0, got '1_0'$/],
    [['--limit', '0x10', 'a'], /^--limit: expected a whole number, got '0x10'$/],
    [['--ladder', '1,2', 'a'], /--ladder: one connection id, or none; for several, --ladder --all -c 1,2/],
    // Silently ignored before: --all with an id, -f without a format (it meant table).
    [['--ladder', '3', '--all', 'a'], /^--all: --ladder 3 draws connection 3 only; --ladder --all draws every connection$/],
    [['a', '-f'], /^-f needs a value$/],
    [['a', '--format'], /^--format needs a value$/],
    [['--fail-on', '', 'a'], /--fail-on: expected anomaly codes, a severity .* got nothing/],
    [['--host', '1.2.3', 'a'], /--host: expected an IPv4 or IPv6 address or a CIDR prefix .*, got '1.2.3'/],
    [['--host', '10.0.0.0/33', 'a'], /--host: .*got '10.0.0.0\/33'/],
    [['--host', 'example.com', 'a'], /--host: .*got 'example.com'/],
    [['--state', 'CLOSED,SYN_RCVDX', 'a'], /--state: unknown state 'SYN_RCVDX'/],
    // Given but empty (an unset shell variable): not "no filter".
    [['--host', '', 'a'], /--host: expected a value, got nothing/],
    [['--state', '', 'a'], /--state: expected a value, got nothing/],
    [['--port', ',', 'a'], /--port: expected a value, got nothing/],
    [['-c', '', 'a'], /--connection: expected a value, got nothing/],
    [['--anomaly', '', 'a'], /--anomaly: expected a value, got nothing/],
    [['--idle-timeout', '-1', 'a'], /--idle-timeout: expected seconds > 0, got '-1'/],
    [['--ladder', '1-2', 'a'], /--ladder: one connection id, or none/],
    // Numbers in other spellings were taken for capture names (late review).
    ...['0x1', '1_0', 'Infinity', 'NaN', ' 2', '2 ', '1e3', '.5', '-0'].map((v): [string[], RegExp] => [['--ladder', v, 'a'], new RegExp(`^--ladder: expected a connection id \\(1, 2, \\.\\.\\.\\), got '${v.replace('.', '\\.')}' \\(a capture of that name: --ladder -- ${/\s/.test(v) ? `'${v}'` : v.replace('.', '\\.')}\\)$`)]),
    // 0 is never a file worth the doubt: no hint.
    [['--ladder', '00', 'a'], /^--ladder: expected a connection id \(1, 2, \.\.\.\), got '00'$/],
    [['--all', 'a'], /--all only makes sense with --ladder/],
    [['--ladder', '-f', 'zeek', 'a'], /--ladder works with --format table, json or ndjson/],
    [['-', '-'], /standard input \('-'\) can only be read once/],
    [[], /no capture given/],
    [['--format', 'xml', 'a'], /^--format: 'xml' is not one of /],
  ])('usage error: %j', async (argv, message) => {
    const r = await parseArgs(argv as string[], '1');
    expect(r.kind).toBe('usage-error');
    expect(r.kind === 'usage-error' && r.message).toMatch(message);
  });

  test('number options in plain decimal: fractions of seconds, whole numbers as typed', async () => {
    const o = await opts(['--msl', '0.5', '--linger', '.25', '--idle-timeout', '30.', '--max-connections', '0100', '--width', '120', 'a.pcap']);
    expect([o.settings.mslSeconds, o.settings.lingerSeconds, o.settings.idleTimeoutSeconds, o.settings.maxConnections, o.width]).toEqual([0.5, 0.25, 30, 100, 120]);
    const d = await opts(['a.pcap']);
    expect([d.settings.mslSeconds, d.settings.maxConnections, d.width]).toEqual([60, 50000, undefined]);
  });

  test('--help and --version come back as text to print', async () => {
    const h = await parseArgs(['--help'], '1');
    expect(h.kind === 'output' && h.text).toContain('Exit codes:');
    expect(await parseArgs(['--version'], '9.9.9')).toEqual({ kind: 'output', text: '9.9.9\n' });
  });
});

test('states: the model spelling, ss spelling and netstat spelling', () => {
  expect(parseState('FIN_WAIT_2')).toBe('FIN_WAIT_2');
  expect(parseState('fin-wait-2')).toBe('FIN_WAIT_2');
  expect(parseState('FIN_WAIT2')).toBe('FIN_WAIT_2');
  expect(parseState('unknown')).toBe('UNKNOWN');
  expect(parseState('close wait')).toBe('CLOSE_WAIT'); // as a person types RFC 9293's CLOSE-WAIT
  // ss, Linux netstat and BSD netstat names for the same states.
  expect(['ESTAB', 'syn-recv', 'SYN_RECV', 'SYN_RCVD', 'close', 'LAST-ACK'].map(parseState)).toEqual(['ESTABLISHED', 'SYN_RECEIVED', 'SYN_RECEIVED', 'SYN_RECEIVED', 'CLOSED', 'LAST_ACK']);
  expect(() => parseState('SYN_RCVDX')).toThrow(/unknown state/);
});

test('--fail-on: codes, the lowest severity given, and any', () => {
  const f = parseFailOn(['HALF_OPEN', 'error', 'warn']);
  expect([...f.codes]).toEqual(['HALF_OPEN']);
  expect(f.minSeverity).toBe('warn');
  expect(f.any).toBe(false);
  expect(parseFailOn(['any']).any).toBe(true);
});

describe('colorLevel: flags > FORCE_COLOR > NO_COLOR > TTY', () => {
  test.each<[boolean | undefined, Record<string, string>, boolean, number]>([
    [undefined, {}, true, 1],
    [undefined, {}, false, 0],
    [undefined, { NO_COLOR: '1' }, true, 0],
    [undefined, { NO_COLOR: '' }, true, 1], // no-color.org: only a non-empty value counts
    [undefined, { TERM: 'dumb' }, true, 0],
    [undefined, { FORCE_COLOR: '1' }, false, 1],
    [undefined, { FORCE_COLOR: '3', NO_COLOR: '1' }, false, 3],
    [undefined, { FORCE_COLOR: '0' }, true, 0],
    [true, { NO_COLOR: '1' }, false, 1],
    [false, { FORCE_COLOR: '1' }, true, 0],
  ])('flag %s env %j tty %s -> %i', (flag, env, tty, level) => {
    expect(colorLevel(flag, env, tty)).toBe(level);
  });
});

test('progress: one row of the terminal at most, and no erase-line control on a dumb terminal (helper audit of the terminal, 2026-12-05)', () => {
  const out: string[] = [];
  let now = 1000;
  const narrow = new Progress({ write: (s: string) => out.push(s), columns: 60 }, 4 * 1024 * 1024, () => now);
  narrow.setLabel('/a/rather/long/path/to/a/capture/file/with/a/long/name.pcap');
  narrow.add(1024 * 1024);
  expect(out[0]).toBe('\r\x1b[K[######..................]  25% 1 MiB / 4 MiB  ...name.pcap');
  expect(out[0].length - '\r\x1b[K'.length).toBe(59);
  // Too narrow for any of the name: cut at the end.
  const tiny: string[] = [];
  const t = new Progress({ write: (s: string) => tiny.push(s), columns: 30 }, 4 * 1024 * 1024, () => now);
  t.setLabel('a.pcap');
  t.add(1);
  expect(tiny[0]).toBe('\r\x1b[K[........................]...');
  // Narrower than the bar: still one row (it fell back to 79 columns under 20).
  const tinier: string[] = [];
  new Progress({ write: (s: string) => tinier.push(s), columns: 15 }, 4 * 1024 * 1024, () => now).add(1);
  expect(tinier[0]).toBe(`\r\x1b[K[${'.'.repeat(10)}...`);
  expect(tinier[0].length - '\r\x1b[K'.length).toBe(14);
  const dumb: string[] = [];
  const d = new Progress({ write: (s: string) => dumb.push(s), columns: 40 }, null, () => now, true);
  now += 1000;
  d.add(10);
  expect(dumb[0]).toBe(`\r${'10 B read  '.padEnd(39)}`);
  d.clear();
  expect(dumb[1]).toBe(`\r${' '.repeat(39)}\r`);
  expect(dumb.join('')).not.toContain('\x1b');
});

test('progress: throttled redraws, a bar against the total, bytes only without one, clear erases', () => {
  const out: string[] = [];
  let now = 0;
  const p = new Progress({ write: (s: string) => out.push(s) }, 4 * 1024 * 1024, () => now);
  p.setLabel('a.pcap');
  now = 1000;
  p.add(1024 * 1024);
  p.add(1024 * 1024); // within 100 ms: no redraw
  expect(out).toHaveLength(1);
  expect(out[0]).toBe('\r\x1b[K[######..................]  25% 1 MiB / 4 MiB  a.pcap');
  now = 1200;
  p.add(2 * 1024 * 1024);
  expect(out[1]).toContain('100% 4 MiB / 4 MiB');
  p.clear();
  expect(out[2]).toBe('\r\x1b[K');
  p.clear(); // nothing drawn since: nothing to erase
  expect(out).toHaveLength(3);
  expect(new Progress({ write: () => true }, null).line()).toBe('0 B read  ');
  // Then the buffered formats' writing phase, drawn at its end whatever the clock says.
  now = 2000;
  p.writing(1000, 4000);
  expect(out[3]).toBe('\r\x1b[K[######..................]  25% writing 1,000 / 4,000 connections');
  p.writing(4000, 4000);
  expect(out[4]).toContain('100% writing 4,000 / 4,000 connections');
});

test('progress by default: on a terminal for the buffered formats, not for streamed NDJSON, whose lines reach the terminal as they come (helper-85 audit)', async () => {
  // A live `tcpdump -U -w - | tcpflow-analyze -f ndjson - | jq` had 7 of 122 lines on screen
  // glued after the bar's "111 KiB read" text.
  const file = fileURLToPath(new URL('../../fixtures/sample/pop3.pcap', import.meta.url));
  const run = async (argv: string[], env: Record<string, string> = {}): Promise<string> => {
    const err: string[] = [];
    const code = await runCli({
      argv: [...argv, file], env, stdinIsTTY: false,
      stdout: { write: () => true },
      stderr: { write: (s) => (err.push(String(s)), true), isTTY: true, columns: 100 },
    });
    expect(code).toBe(0);
    return err.join('');
  };
  const drawn = /\[[#.]+\] +\d+% /;
  expect(await run(['-f', 'table'])).toMatch(drawn);
  expect(await run(['-f', 'json'])).toMatch(drawn);
  expect(await run(['-f', 'ndjson', '--sort', 'duration'])).toMatch(drawn); // held until the end, like a table
  expect(await run(['-f', 'ndjson'])).toBe('');
  expect(await run(['-f', 'ndjson', '--progress'])).toMatch(drawn);
  expect(await run(['-f', 'table'], { CI: 'true' })).toBe('');
});
