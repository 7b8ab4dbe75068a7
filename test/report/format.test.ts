import { describe, expect, test } from 'vitest';
import {
  formatBytes, formatEndpoint, formatSeconds, isoDiffSeconds, isoToEpochParts, isoToZeekStamp, isoToZeekTime, strWidth, wrapText,
} from '../../src/report/format.js';

describe('formatSeconds', () => {
  test.each([
    [null, '-'],
    [0, '0 s'],
    [0.0000042, '4.2 µs'],
    [0.000512, '512 µs'],
    [0.0012345, '1.23 ms'],
    [0.25, '250 ms'],
    [1.25, '1.25 s'],
    [42.123, '42.12 s'],
    [125, '2m05s'],
    [7322, '2h02m'],
    // At the units' edges the value is rounded first, then its unit chosen (helper audit of timings, 2026-12-05).
    [0.99996, '1 s'],
    [0.0009996, '1 ms'],
    [59.996, '1m00s'],
    [119.9, '2m00s'],
    [3599.7, '1h00m'],
    [7199.9, '2h00m'],
    [1e-9, '1 ns'],
    [4.56e-7, '456 ns'],
    [9.996e-7, '1 µs'],
  ])('%s -> %s', (s, text) => expect(formatSeconds(s)).toBe(text));

  test('--ascii spells µs as us', () => {
    expect(formatSeconds(0.000512, true)).toBe('512 us');
    expect(formatSeconds(0.25, true)).toBe('250 ms');
  });
});

describe('formatBytes', () => {
  test.each([
    [0, '0 B'],
    [9999, '9999 B'],
    [14_210, '13.9 KiB'],
    [2_345_678, '2.2 MiB'],
    [150 * 1024 * 1024, '150 MiB'],
    // Rounding up to 1024 takes the next unit (helper-101 review: "1024 KiB", "1024 MiB").
    [1_048_500, '1 MiB'],
    [1_073_217_536, '1 GiB'],
    [1023 * 1024, '1023 KiB'],
  ])('%s -> %s', (n, text) => expect(formatBytes(n)).toBe(text));
});

test('IPv6 endpoints are bracketed, IPv4 are not', () => {
  expect(formatEndpoint({ ip: '10.0.0.1', port: 80 })).toBe('10.0.0.1:80');
  expect(formatEndpoint({ ip: '2001:db8::1', port: 443 })).toBe('[2001:db8::1]:443');
});

describe('ISO times from the report', () => {
  test('keep nanoseconds that a float of epoch nanoseconds would lose', () => {
    expect(isoToEpochParts('2024-03-01T10:00:00.123456789Z')).toEqual({ sec: 1709287200, nanos: 123456789 });
    expect(isoDiffSeconds('2024-03-01T10:00:00.000000001Z', '2024-03-01T10:00:00.000000003Z')).toBeCloseTo(2e-9, 15);
  });
  test('Zeek time is µs, truncated; the stamp is %Y-%m-%d-%H-%M-%S', () => {
    expect(isoToZeekTime('2024-03-01T10:00:00.123456789Z')).toBe('1709287200.123456');
    expect(isoToZeekTime('2024-03-01T10:00:00Z')).toBe('1709287200.000000');
    expect(isoToZeekStamp('2024-03-01T10:02:31.250000Z')).toBe('2024-03-01-10-02-31');
  });
  test('a year past 9999 is ISO-8601\'s expanded form, "+YYYYYY" (fuzz seed 2016, case 850)', () => {
    const iso = '+020284-03-25T02:20:12.064011Z';
    const sec = Date.parse('+020284-03-25T02:20:12Z') / 1000;
    expect(isoToEpochParts(iso)).toEqual({ sec, nanos: 64_011_000 });
    expect(isoToZeekTime(iso)).toBe(`${sec}.064011`);
    expect(isoToZeekStamp(iso)).toBe('+020284-03-25-02-20-12');
    expect(isoDiffSeconds('2016-11-30T15:35:08.640916Z', iso)).toBeCloseTo(sec - Date.parse('2016-11-30T15:35:08Z') / 1000 - 0.576905, 3);
  });
  test('Zeek time before 1970 is negative seconds with the fraction below them, as %.6f prints', () => {
    expect(isoToZeekTime('1969-12-31T23:59:59.500000Z')).toBe('-0.500000');
    expect(isoToZeekTime('1969-12-31T23:59:50.250000Z')).toBe('-9.750000');
    expect(isoToZeekTime('1969-12-31T23:59:59Z')).toBe('-1.000000');
    expect(isoToZeekTime('1970-01-01T00:00:00.000001Z')).toBe('0.000001');
  });
  test('reject anything that is not a report time', () => {
    expect(() => isoToEpochParts('yesterday')).toThrow(/not an ISO-8601/);
  });
});

describe('wrapText', () => {
  test('breaks at spaces, splits words only when they are too long', () => {
    expect(wrapText('10.0.0.1:5000 → 10.0.0.2:80', 16)).toEqual(['10.0.0.1:5000 →', '10.0.0.2:80']);
    expect(wrapText('[2001:db8:1234:5678::10]:40123', 12)).toEqual(['[2001:db8:12', '34:5678::10]', ':40123']);
    expect(wrapText('a\nb c', 10)).toEqual(['a', 'b c']);
  });
  test('no line is wider than asked', () => {
    const text = 'SYN_RETRANSMIT×2 HALF_OPEN LINGERING_FIN_WAIT_2 x';
    for (let w = 1; w < 30; w++) for (const l of wrapText(text, w)) expect(strWidth(l)).toBeLessThanOrEqual(w);
  });
  test('a glued part too long for the line breaks at its no-break spaces before inside a word (ladder header at --width 40)', () => {
    const nb = '\u00a0';
    const part = ['wireshark', 'Complete,', 'WITH_DATA', '(31)', '·FDASS'].join(nb);
    // Was 'wireshark Complete, WITH_DATA (31) ·FDAS' over 'S'.
    expect(wrapText(`zeek${nb}SF${nb}ShAdDafF${nb}· ${part}`, 40)).toEqual([`zeek${nb}SF${nb}ShAdDafF${nb}·`, ['wireshark', 'Complete,', 'WITH_DATA', '(31)'].join(nb), '·FDASS']);
    // A glued piece still too long is split as before, and no line starts with the glue.
    expect(wrapText(`abcdefgh${nb}ij`, 4)).toEqual(['abcd', 'efgh', 'ij']);
    for (let w = 1; w < 45; w++) {
      for (const l of wrapText(part, w)) {
        expect(strWidth(l)).toBeLessThanOrEqual(w);
        expect(l.startsWith(nb)).toBe(false);
      }
    }
  });
  test('colour codes take no width', () => {
    expect(strWidth('\x1b[31mRESET\x1b[39m')).toBe(5);
  });
  test('the same lines as the version that measured the whole line for every word (random texts and widths)', () => {
    // That version, as it stood before the line's width was kept as it grew and before the
    // fast path for a text that fits.
    const nb = '\u00a0';
    const sliceWidth = (s: string, width: number): string => [...s].slice(0, width).join('');
    const reference = (text: string, width: number): string[] => {
      if (width < 1) width = 1;
      const out: string[] = [];
      for (const para of text.split('\n')) {
        let line = '';
        for (const w of para.split(' ')) {
          const sep = line === '' ? '' : ' ';
          if (strWidth(line) + sep.length + strWidth(w) <= width) { line += sep + w; continue; }
          if (line !== '') out.push(line);
          line = '';
          const glued = w.split(nb);
          for (let k = 0; k < glued.length; k++) {
            let part = glued[k];
            if (k > 0 && line !== '') {
              if (strWidth(line) + 1 + strWidth(part) <= width) { line += nb + part; continue; }
              out.push(line);
            }
            while (strWidth(part) > width) {
              out.push(sliceWidth(part, width));
              part = part.slice(sliceWidth(part, width).length);
            }
            line = part;
          }
        }
        out.push(line);
      }
      return out;
    };
    let a = 12345;
    const r = (): number => { a = (Math.imul(a, 1103515245) + 12345) >>> 0; return a / 4294967296; };
    const pieces = ['a', 'bc', 'SYN_RETRANSMIT', '10.0.0.1:5000', '→', '×2', ' ', ' ', ' ', '  ', nb, '\n', '\x1b[31m', '\x1b[39m', '\u{1F600}', 'µs', '[2001:db8::10]:40123'];
    for (let n = 0; n < 4000; n++) {
      let text = '';
      const len = Math.floor(r() * 12);
      for (let k = 0; k < len; k++) text += pieces[Math.floor(r() * pieces.length)];
      const width = Math.floor(r() * 30) - 1;
      expect(wrapText(text, width), JSON.stringify([text, width])).toEqual(reference(text, width));
    }
  });
});
