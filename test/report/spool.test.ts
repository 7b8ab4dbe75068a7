/** The spool behind the buffered formats: texts out in (key, id) order, byte for byte, on disk or not. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { ConnectionSpool } from '../../src/report/spool.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpflow-spool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = fc.record({ id: fc.nat({ max: 1e6 }), key: fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, min: -1e9, max: 1e9 })), text: fc.string({ unit: 'grapheme', maxLength: 300 }) });

describe('ConnectionSpool', () => {
  test.prop([fc.array(entry, { maxLength: 300 }), fc.option(fc.nat({ max: 320 }), { nil: null }), fc.boolean()], { numRuns: 60 })(
    'reads back every text in (key, id) order, up to the limit; on disk and in memory alike',
    (entries, limit, onDisk) => {
      // A file where a directory should be: no temporary directory, so the texts stay in memory.
      const where = onDisk ? dir : join(dir, 'not-a-dir');
      if (!onDisk) writeFileSync(where, '');
      const spool = new ConnectionSpool({ dir: where });
      expect(spool.onDisk).toBe(onDisk);
      expect(spool.diskFailure === null).toBe(onDisk); // no temporary file: said, not silent
      entries.forEach((e) => spool.add(e.id, e.key, e.text));
      const expected = entries.map((e, i) => ({ ...e, i })).sort((a, b) => a.key - b.key || a.id - b.id || a.i - b.i);
      const order = spool.order(limit);
      const got = Array.from(order, (i) => Buffer.from(spool.read(i)).toString('utf8'));
      const want = expected.slice(0, limit ?? expected.length);
      expect(got.length).toBe(want.length);
      // Equal (key, id) pairs may come in either order; their texts as a multiset must match.
      expect(Array.from(order, (i) => [entries[i].key, entries[i].id])).toEqual(want.map((e) => [e.key, e.id]));
      expect([...got].sort()).toEqual(want.map((e) => e.text).sort());
      spool.close();
    },
  );

  test.prop([fc.array(fc.nat({ max: 3000 }), { minLength: 1, maxLength: 400 }), fc.nat({ max: 400_000 }), fc.boolean()], { numRuns: 40 })(
    'a disk that fills up (ENOSPC after any byte, after a partial write or not): later texts stay in memory, nothing is lost',
    (sizes, capacity, bigOne) => {
      let written = 0;
      const write = (fd: number, b: Uint8Array, off: number, len: number): number => {
        if (written >= capacity) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        const n = Math.min(len, capacity - written);
        written += n;
        return writeSync(fd, b, off, n);
      };
      const spool = new ConnectionSpool({ dir, write });
      const texts = sizes.map((n, i) => (bigOne && i === 1 ? 'b'.repeat(1_200_000) : `${i}:${'x'.repeat(n)}`));
      texts.forEach((t, i) => spool.add(i, 0, t));
      const order = spool.order(null);
      expect(Array.from(order, (i) => Buffer.from(spool.read(i)).toString('utf8'))).toEqual(texts);
      const total = texts.reduce((a, t) => a + t.length, 0);
      expect(spool.diskFailure !== null).toBe(total > capacity);
      spool.close();
    },
  );

  test('texts larger than a write batch, and many small ones around them', () => {
    const spool = new ConnectionSpool({ dir });
    const big = 'é'.repeat(700_000); // 1.4 MB of UTF-8, beyond the 1 MiB batch
    const texts = Array.from({ length: 5000 }, (_, i) => (i === 2500 ? big : `{"id":${i},"x":"${'a'.repeat(i % 97)}"}`));
    texts.forEach((t, i) => spool.add(i, -i, t));
    const order = spool.order(null);
    expect(order[0]).toBe(4999);
    for (const i of order) expect(Buffer.from(spool.read(i)).toString('utf8')).toBe(texts[i]);
    spool.close();
  });

  test('leaves nothing behind in the temporary directory', () => {
    const own = mkdtempSync(join(dir, 'own-'));
    const spool = new ConnectionSpool({ dir: own });
    spool.add(1, 1, 'x');
    expect(readdirSync(own)).toEqual([]);
    expect(Buffer.from(spool.read(spool.order(null)[0])).toString()).toBe('x');
    spool.close();
  });
});
