/**
 * Small, pure formatting helpers shared by the human renderers (table, ladder) and the Zeek TSV.
 * Nothing here reads the clock or the environment: the same report always renders the same text.
 */
import type { ConnectionReport, EndpointReport, IsoTime, Seconds } from './model.js';

/** An endpoint as users type it: `10.0.0.1:80`, `[2001:db8::1]:443` (RFC 3986 brackets for IPv6). */
export function formatEndpoint(ep: Pick<EndpointReport, 'ip' | 'port'>): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

/**
 * A duration for people: µs below a millisecond, ms below a second, then seconds, then m/h.
 * Three significant-ish digits are enough to compare RTTs at a glance; JSON keeps full precision.
 * `ascii` spells µs as `us` (--ascii promises a terminal without UTF-8 only ASCII bytes).
 */
export function formatSeconds(s: Seconds | null, ascii = false): string {
  if (s === null || !Number.isFinite(s)) return '-';
  const a = Math.abs(s);
  const sign = s < 0 ? '-' : '';
  if (a === 0) return '0 s';
  // Each unit is taken only if the value still rounds below the next one: 0.99996 s reads "1 s",
  // not "1000 ms", and 59.996 s "1m00s", not "60 s". Below a µs (nanosecond captures), ns: a 1 ns
  // span is not "0 µs".
  let t: string;
  if (a < 1e-6 && Number(t = trim(a * 1e9, 0)) < 1000) return `${sign}${t} ns`;
  if (a < 1e-3 && Number(t = trim(a * 1e6, a * 1e6 < 10 ? 1 : 0)) < 1000) return `${sign}${t} ${ascii ? 'us' : 'µs'}`;
  if (a < 1 && Number(t = trim(a * 1e3, a * 1e3 < 10 ? 2 : 1)) < 1000) return `${sign}${t} ms`;
  if (a < 60 && Number(t = trim(a, a < 10 ? 3 : 2)) < 60) return `${sign}${t} s`;
  // Rounded, not cut: 119.9 s is "2m00s", not "1m59s".
  const secs = Math.round(a);
  if (secs < 3600) return `${sign}${Math.floor(secs / 60)}m${pad2(secs % 60)}s`;
  const mins = Math.round(a / 60);
  return `${sign}${Math.floor(mins / 60)}h${pad2(mins % 60)}m`;
}

function trim(n: number, digits: number): string {
  // toFixed then drop trailing zeros: "1.200" -> "1.2", "3.000" -> "3".
  const t = n.toFixed(digits);
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * The handshake RTT the text forms print, and whether it is only a lower bound: `rtt.total`, else,
 * when the handshake's ACK was never captured, the server's half (SYN -> SYN,ACK from the last SYN;
 * synToSynAck holds the SYN backoff), which the round trip is at least. With a captured ACK but no
 * total (the ACK recorded before the SYN,ACK) or crossing SYNs, none: that half bounds nothing
 * (helper-102 review: "≥100.2 ms" over an ACK captured at 50.1 ms). `--sort rtt` orders by it too.
 */
export function shownRtt(hs: ConnectionReport['handshake']): { seconds: Seconds | null; bound: boolean } {
  if (hs.rtt.total !== null) return { seconds: hs.rtt.total, bound: false };
  if (hs.ack === null && hs.outcome !== 'simultaneous_open' && hs.rtt.lastSynToSynAck !== null) return { seconds: hs.rtt.lastSynToSynAck, bound: true };
  return { seconds: null, bound: false };
}

/** Byte counts: exact below 10 000 (small flows are where single bytes matter), then binary units. */
export function formatBytes(n: number): string {
  if (n < 10_000) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  // As formatSeconds: the next unit once the value rounds to 1024 (1,048,500 B is "1 MiB", not
  // "1024 KiB"; helper-101 review).
  while (Math.round(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${trim(v, v < 100 ? 1 : 0)} ${units[i]}`;
}

/** Integer with thin grouping for headers: 1234567 -> "1,234,567" (locale-independent on purpose). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "1 record", "1,234 records": a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * An ISO-8601 time from the report split into whole Unix seconds and nanoseconds, without passing
 * through a float: epoch nanoseconds exceed 2^53, and the capture's precision must survive.
 */
export function isoToEpochParts(iso: IsoTime): { sec: number; nanos: number } {
  // Years past 9999 (a pcapng clock can reach them) are ISO-8601's expanded form, "+YYYYYY".
  const m = /^((?:[+-]\d{6}|\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!m) throw new Error(`not an ISO-8601 UTC time from the report: ${iso}`);
  const sec = Date.parse(`${m[1]}Z`) / 1000;
  const nanos = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
  return { sec, nanos };
}

/** Seconds from `a` to `b` (both report times), exact to the nanosecond before the final division. */
export function isoDiffSeconds(a: IsoTime, b: IsoTime): Seconds {
  const pa = isoToEpochParts(a);
  const pb = isoToEpochParts(b);
  return pb.sec - pa.sec + (pb.nanos - pa.nanos) / 1e9;
}

/** Zeek's `time` column: Unix seconds with 6 decimals ("1258562484.703458"), truncated like Zeek's %.6f of a µs clock. */
export function isoToZeekTime(iso: IsoTime): string {
  const { sec, nanos } = isoToEpochParts(iso);
  const micros = Math.floor(nanos / 1000);
  if (sec >= 0) return `${sec}.${String(micros).padStart(6, '0')}`;
  // Before 1970 sec is floored and the fraction counts up from it: -1 s + 0.5 s is "-0.500000".
  const neg = micros === 0 ? -sec : -sec - 1;
  return `-${neg}.${String(micros === 0 ? 0 : 1e6 - micros).padStart(6, '0')}`;
}

/** Zeek's #open/#close stamp format, `%Y-%m-%d-%H-%M-%S`, in UTC. */
export function isoToZeekStamp(iso: IsoTime): string {
  const t = iso.indexOf('T'); // after a 4-digit year, or an expanded one ("+YYYYYY") past 9999
  return `${iso.slice(0, t)}-${iso.slice(t + 1, t + 3)}-${iso.slice(t + 4, t + 6)}-${iso.slice(t + 7, t + 9)}`;
}

/** `10.0.0.1:51234 → 10.0.0.2:80` (or `->` in ASCII mode). */
export function formatPair(c: Pick<ConnectionReport, 'client' | 'server'>, ascii = false): string {
  return `${formatEndpoint(c.client)} ${ascii ? '->' : '→'} ${formatEndpoint(c.server)}`;
}

/**
 * Free text from the core (a capture issue's detail) for --ascii output: the few non-ASCII
 * characters the core writes get their ASCII spelling, and anything else becomes '?', since a
 * terminal that cannot show UTF-8 would print mojibake for it anyway.
 */
export function asciiText(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return s
    .replaceAll('µ', 'u')
    .replaceAll('→', '->')
    .replaceAll('×', 'x')
    .replaceAll('≥', '>=')
    .replaceAll('≤', '<=')
    .replaceAll('…', '...')
    // eslint-disable-next-line no-control-regex
    .replace(/[^\x00-\x7f]/gu, '?');
}

/** Distinct anomaly codes of a connection in first-seen order, with a count when repeated: `SYN_RETRANSMIT×3`. */
export function anomalyCounts(c: Pick<ConnectionReport, 'anomalies'>): Array<{ code: string; count: number; severity: string }> {
  const byCode = new Map<string, { code: string; count: number; severity: string }>();
  for (const a of c.anomalies) {
    const e = byCode.get(a.code);
    if (e) e.count++;
    else byCode.set(a.code, { code: a.code, count: 1, severity: a.severity });
  }
  return [...byCode.values()];
}

/**
 * Hard-wraps `text` to `width` columns: breaks at spaces when it can, inside a word when it must
 * (an IPv6 address is better split than cut off with an ellipsis). Existing newlines are kept.
 * Works on plain text only: colour is applied after wrapping.
 */
const NBSP = '\u00a0';

export function wrapText(text: string, width: number): string[] {
  if (width < 1) width = 1;
  // What fits is itself (most of a ladder's labels): the loop below would give it back whole, but
  // for leading spaces, which it drops.
  if (text.charCodeAt(0) !== 32 && text.indexOf('\n') < 0 && strWidth(text) <= width) return [text];
  const out: string[] = [];
  for (const para of text.split('\n')) {
    // The line's width is kept as it grows (widths add up: a word is never cut inside a colour
    // code or a surrogate pair), not measured again for every word it takes.
    let line = '';
    let lineWidth = 0;
    for (const w of para.split(' ')) {
      const sep = line === '' ? 0 : 1;
      const wordWidth = strWidth(w);
      if (lineWidth + sep + wordWidth <= width) {
        line += sep === 0 ? w : ` ${w}`;
        lineWidth += sep + wordWidth;
        continue;
      }
      if (line !== '') out.push(line);
      line = '';
      lineWidth = 0;
      // Too long for a line: parts glued with no-break spaces (a ladder header's "wireshark
      // Complete, WITH_DATA (31) ·FDASS") break at their glue first, so "·FDAS" is not cut from "S".
      const glued = w.split(NBSP);
      for (let k = 0; k < glued.length; k++) {
        let part = glued[k];
        let partWidth = strWidth(part);
        if (k > 0 && line !== '') {
          if (lineWidth + 1 + partWidth <= width) {
            line += NBSP + part;
            lineWidth += 1 + partWidth;
            continue;
          }
          out.push(line);
        }
        while (partWidth > width) {
          const head = sliceWidth(part, width);
          out.push(head);
          part = part.slice(head.length);
          partWidth = strWidth(part);
        }
        line = part;
        lineWidth = partWidth;
      }
    }
    out.push(line);
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

/**
 * Display width: colour codes take no room, and every other character we print (arrows, box
 * drawing, µ, ×) is one column wide, so counting code points is enough.
 */
export function strWidth(s: string): number {
  // Code units, less the second half of each surrogate pair; no array per call (a table of 90k
  // rows measures every cell a few times).
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) return [...s.replace(ANSI_SGR, '')].length;
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

function sliceWidth(s: string, width: number): string {
  return [...s].slice(0, width).join('');
}
