/**
 * The byte writer (src/report/ndjson-bytes.ts) against the reference, `ndjsonConnectionLine`
 * (JSON.stringify): the same bytes for every connection of every capture we have, with and without
 * ladder rows, and for real reports mutated into odd strings, odd numbers and odd shapes, where the
 * writer either produces the same bytes or declines (and the batcher falls back to JSON.stringify).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test as vtest } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { analyze } from '../../src/index.js';
import type { ConnectionReport } from '../../src/report/model.js';
import { NdjsonLineBatcher, ndjsonConnectionLine } from '../../src/report/ndjson.js';
import { LINE_NO_ROOM, LINE_UNEXPECTED_SHAPE, writeConnectionLine } from '../../src/report/ndjson-bytes.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { ROTATED_NAMES, rotatedCapture } from '../helpers/rotated.js';

const FIXTURES = path.join(REPO_ROOT, 'fixtures');

function fixtureCaptures(): string[] {
  const dir = (d: string): string[] => readdirSync(path.join(FIXTURES, d)).filter((f) => f.endsWith('.pcap')).map((f) => path.join(FIXTURES, d, f));
  return [...dir('real'), ...dir('generated'), path.join(FIXTURES, 'sample', 'pop3.pcap')];
}

function corpusCaptures(): string[] {
  const root = sharedPath('corpus');
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => path.join(root, f));
}

async function connectionsOf(file: string, ladder: boolean, name = path.basename(file)): Promise<ConnectionReport[]> {
  const bytes = readFileSync(file);
  const report = await analyze([{ name, bytes: (async function* () { yield bytes; })() }], { ladder });
  return report.connections;
}

const scratch = Buffer.alloc(4 << 20);

/** The writer's line for `c` at `offset` of a scratch batch, or its refusal. */
function written(c: ConnectionReport, offset = 0, buf: Buffer = scratch): { end: number; bytes: Buffer | null } {
  const end = writeConnectionLine(c, buf, offset);
  return { end, bytes: end >= 0 ? Buffer.from(buf.subarray(offset, end)) : null };
}

/** What the batcher writes for these connections, in batches of `batchBytes`. */
function batched(cs: ConnectionReport[], batchBytes?: number): { out: Buffer; chunks: number[] } {
  const parts: Buffer[] = [];
  const chunks: number[] = [];
  const b = new NdjsonLineBatcher((chunk) => {
    const x = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    parts.push(x);
    chunks.push(x.length);
    return true; // copied: the batcher may write into the chunk again
  }, batchBytes);
  for (const c of cs) b.connection(c);
  b.flush();
  return { out: Buffer.concat(parts), chunks };
}

const reference = (c: ConnectionReport): Buffer => Buffer.from(ndjsonConnectionLine(c), 'utf8');

/** Same bytes as the reference, from the writer itself (not its fallback). */
function expectWrittenSame(c: ConnectionReport, where: string): void {
  const w = written(c);
  if (w.end < 0) throw new Error(`${where}: the writer declined (${w.end}) a report analyze() built`);
  const want = reference(c);
  if (!w.bytes!.equals(want)) {
    let i = 0;
    while (w.bytes![i] === want[i]) i++;
    expect.fail(`${where}: bytes differ at ${i}:\n  got  ${w.bytes!.subarray(Math.max(0, i - 60), i + 60).toString()}\n  want ${want.subarray(Math.max(0, i - 60), i + 60).toString()}`);
  }
}

describe('byte writer = JSON.stringify on real reports', () => {
  for (const ladder of [false, true]) {
    vtest(`every connection of fixtures/ (real, generated, sample)${ladder ? ', with ladder rows' : ''}`, async () => {
      let n = 0;
      for (const file of fixtureCaptures()) {
        const cs = await connectionsOf(file, ladder);
        for (const c of cs) expectWrittenSame(c, `${path.relative(FIXTURES, file)} #${c.id}`);
        if (ladder) expect(cs.every((c) => Array.isArray(c.ladder))).toBe(true);
        n += cs.length;
      }
      expect(n).toBeGreaterThan(40);
    });

    vtest(`every connection of the shared corpus${ladder ? ', with ladder rows' : ''}`, async () => {
      const files = corpusCaptures();
      expect(files.length).toBeGreaterThan(100);
      let n = 0;
      for (const file of files) {
        const cs = await connectionsOf(file, ladder);
        for (const c of cs) expectWrittenSame(c, `${path.basename(file)} #${c.id}`);
        n += cs.length;
      }
      expect(n).toBeGreaterThan(100);
    });
  }

  vtest('an input name that needs escaping, and non-ASCII, as the reports carry it', async () => {
    const file = path.join(FIXTURES, 'sample', 'pop3.pcap');
    for (const name of ['we"ird\\name\n.pcap', 'caf\u00e9 \u2028 \ud83d\ude00.pcap', 'lone \ud800 surrogate.pcap', '\u007f\u0000\u001f.pcap']) {
      for (const c of await connectionsOf(file, false, name)) expectWrittenSame(c, JSON.stringify(name));
    }
  });
});

describe('batches', () => {
  vtest('the batcher writes the reference lines, whatever the batch size; a line larger than a batch goes alone', async () => {
    const cs = [
      ...(await connectionsOf(path.join(FIXTURES, 'sample', 'pop3.pcap'), true)),
      ...(await connectionsOf(path.join(FIXTURES, 'real', 'port-reuse.pcap'), false)),
    ];
    const want = Buffer.from(cs.map(ndjsonConnectionLine).join(''), 'utf8');
    const longest = Math.max(...cs.map((c) => reference(c).length));
    for (const batchBytes of [undefined, 1 << 16, 4096, longest + 3, longest, 700, 64]) {
      const { out, chunks } = batched(cs, batchBytes);
      expect(out.equals(want), `batchBytes ${batchBytes}`).toBe(true);
      // A chunk over the batch size is a single line written on its own.
      if (batchBytes !== undefined) for (const n of chunks) expect(n <= batchBytes || n <= longest).toBe(true);
    }
  });

  vtest('a batch the writer still holds is never written into again; one it is done with is', async () => {
    const cs = (await connectionsOf(path.join(FIXTURES, 'sample', 'pop3.pcap'), true)).concat(
      await connectionsOf(path.join(FIXTURES, 'real', 'port-reuse.pcap'), false));
    const want = Buffer.from(cs.map(ndjsonConnectionLine).join(''), 'utf8');
    // Every other chunk is "queued" (the writer keeps the view and copies it only at the end, as a
    // lagging pipe would); the others are "written at once" (copied now, memory handed back).
    const out: Array<{ view: Uint8Array; copy: Buffer | null }> = [];
    const memories = new Set<ArrayBufferLike>();
    const b = new NdjsonLineBatcher((chunk) => {
      const view = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      memories.add(view.buffer);
      const keep = out.length % 2 === 0;
      out.push({ view, copy: keep ? null : Buffer.from(view) });
      return !keep;
    }, 4096);
    for (let round = 0; round < 3; round++) for (const c of cs) b.connection(c);
    b.flush();
    expect(Buffer.concat(out.map((o) => o.copy ?? Buffer.from(o.view))).equals(Buffer.concat([want, want, want]))).toBe(true);
    const large = out.filter((o) => o.view.length >= 1024).length;
    expect(memories.size).toBeLessThan(large); // batches handed back were written into again
  });

  vtest('at the end of a batch: the line, or LINE_NO_ROOM, never a cut line or a write past the end', async () => {
    const [c] = await connectionsOf(path.join(FIXTURES, 'real', 'client-close.pcap'), true);
    const want = reference(c);
    for (let size = want.length - 40; size <= want.length + 8; size++) {
      for (const offset of [0, 5]) {
        const buf = Buffer.alloc(offset + size);
        const w = written(c, offset, buf);
        if (size >= want.length + 3) expect(w.end).toBe(offset + want.length); // room for the last word's padding
        if (size < want.length) expect(w.end).toBe(LINE_NO_ROOM);
        if (w.end >= 0) expect(w.bytes!.equals(want)).toBe(true);
        else expect(w.end).toBe(LINE_NO_ROOM);
      }
    }
  });
});

// ---------------------------------------------------------------- mutated reports

const pool: ConnectionReport[] = [];
async function reportPool(): Promise<ConnectionReport[]> {
  if (pool.length === 0) {
    for (const f of ['sample/pop3.pcap', 'real/port-reuse.pcap', 'generated/syn-long-backoff.pcap', 'generated/lingering-fin-wait-2.pcap', 'generated/out-of-window-rst.pcap']) {
      pool.push(...(await connectionsOf(path.join(FIXTURES, f), f.startsWith('sample'))));
    }
  }
  return pool;
}

/** Every (container, key) in a report: the places a mutation can touch. */
function slots(root: unknown): Array<{ at: Record<string | number, unknown>; key: string | number }> {
  const out: Array<{ at: Record<string | number, unknown>; key: string | number }> = [];
  const walk = (o: unknown): void => {
    if (typeof o !== 'object' || o === null) return;
    const at = o as Record<string | number, unknown>;
    const keys: Array<string | number> = Array.isArray(o) ? o.map((_, i) => i) : Object.keys(o);
    for (const k of keys) {
      out.push({ at, key: k });
      walk(at[k]);
    }
  };
  walk(root);
  return out;
}

/** Strings made of the code units most likely to go wrong: escapes, controls, non-ASCII, lone surrogates. */
const oddString = fc.array(
  fc.oneof(
    fc.constantFrom('"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u0080', '\u00e9', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', '\ud83d\ude00', 'a', 'Z', ' ', '0'),
    fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
    fc.string({ maxLength: 8 }),
  ),
  { maxLength: 40 },
).map((parts) => parts.join(''));

const oddNumber = fc.oneof(
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 1e21, 1e21 - 65536, 999999999999999900000, 1e-6, 1e-7, 9.999999e-7, 5e-324, 2 ** 20, 2 ** 20 - 1e-9,
    2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -1, -(2 ** 31), 0.1 + 0.2, 1.5, 123456.789, 0.000001234, 1048575.999999999),
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 + 5 }),
  fc.integer({ min: 0, max: 2 ** 50 }).map((n) => n / 1e9), // durations as analyze() makes them
  fc.integer({ min: 0, max: 2 ** 40 }).map((n) => n / 1e6),
  fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 })).map(([a, b]) => (a - b) / 1e9),
);

const leafValue = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));

/** Leaves JSON.stringify prints: the writer must print them too, without falling back. */
const printable = fc.oneof({ weight: 3, arbitrary: leafValue }, fc.constantFrom('CLOSED', 'observed', 'rcv FIN / snd ACK', '2023-11-14T22:13:20.001571Z'));

function clone(c: ConnectionReport): ConnectionReport {
  return structuredClone(c);
}

/** Same bytes through the batcher, or the same exception as the reference. */
function expectBatcherSame(c: ConnectionReport): void {
  let want: Buffer | null = null;
  let err: unknown = null;
  try {
    want = reference(c);
  } catch (e) {
    err = e;
  }
  if (err !== null) {
    expect(() => batched([c])).toThrow((err as Error).constructor as new () => Error);
    return;
  }
  expect(batched([c]).out.equals(want!)).toBe(true);
  // The writer on its own: the same bytes, or it declines.
  const w = written(c);
  if (w.end >= 0) expect(w.bytes!.equals(want!)).toBe(true);
  else expect(w.end).toBe(LINE_UNEXPECTED_SHAPE);
}

describe('mutated reports: the same bytes as JSON.stringify, or a fallback', () => {
  test.prop([fc.nat(), fc.nat(), printable], { numRuns: 400 })('any leaf replaced by a string, number, boolean or null: written, same bytes', async (ri, si, v) => {
    const cs = await reportPool();
    const c = clone(cs[ri % cs.length]);
    const leaves = slots(c).filter((s) => typeof s.at[s.key] !== 'object' || s.at[s.key] === null);
    const s = leaves[si % leaves.length];
    s.at[s.key] = v;
    // Leaves keep the shape, so the writer must not fall back here.
    const w = written(c);
    expect(w.end).toBeGreaterThanOrEqual(0);
    expect(w.bytes!.equals(reference(c))).toBe(true);
  });

  test.prop([fc.nat(), oddString, fc.dictionary(oddString, leafValue, { maxKeys: 6 })], { numRuns: 300 })('odd input names and anomaly details', async (ri, input, details) => {
    const cs = await reportPool();
    const c = clone(cs[ri % cs.length]);
    c.input = input;
    c.anomalies.push({ code: 'X', severity: 'warn', endpoint: null, frame: 1, time: c.firstSeen, message: input, details: details as ConnectionReport['anomalies'][number]['details'] });
    expectBatcherSame(c);
  });

  test.prop([fc.nat(), fc.array(oddNumber, { maxLength: 300 }), fc.nat({ max: 200 }), fc.nat({ max: 200 })], { numRuns: 100 })('empty and long arrays', async (ri, backoff, nTransitions, nAnomalies) => {
    const cs = await reportPool();
    const c = clone(cs[ri % cs.length]);
    c.handshake.synBackoff = backoff;
    const t = c.client.transitions;
    c.client.transitions = t.length === 0 ? [] : Array.from({ length: nTransitions }, (_, i) => structuredClone(t[i % t.length]));
    c.server.transitions = [];
    const a = cs.flatMap((x) => x.anomalies);
    c.anomalies = Array.from({ length: a.length === 0 ? 0 : nAnomalies }, (_, i) => structuredClone(a[i % a.length]));
    if (c.ladder) c.ladder = c.ladder.concat(c.ladder, c.ladder);
    const w = written(c);
    expect(w.end).toBeGreaterThanOrEqual(0);
    expect(w.bytes!.equals(reference(c))).toBe(true);
  });

  // Shape changes: the writer must decline, or (where the shape stays JSON-equivalent) match.
  const shapeChange = fc.oneof(
    fc.record({ op: fc.constant('add' as const), key: fc.oneof(oddString, fc.constantFrom('type', 'ladder', 'toJSON', 'id', '0', '10', '__proto__')), value: leafValue }),
    fc.record({ op: fc.constant('delete' as const) }),
    fc.record({ op: fc.constant('move-to-end' as const) }),
    fc.record({ op: fc.constantFrom('undefined', 'function', 'symbol', 'bigint', 'date', 'null-proto', 'class', 'nested', 'empty-object', 'array', 'holey-array', 'getter', 'toJSON', 'own-toJSON-hidden') }),
  );

  test.prop([fc.nat(), fc.nat(), shapeChange], { numRuns: 600 })('keys added, removed, reordered; values of other kinds', async (ri, si, change) => {
    const cs = await reportPool();
    const c = clone(cs[ri % cs.length]);
    const all = slots(c);
    const s = all[si % all.length];
    const at = s.at;
    const key = s.key;
    const target = typeof at[key] === 'object' && at[key] !== null && !Array.isArray(at[key]) ? (at[key] as Record<string, unknown>) : (at as Record<string, unknown>);
    switch (change.op) {
      case 'add': target[change.key] = change.value; break;
      case 'delete': delete at[key]; break;
      case 'move-to-end': { const v = at[key]; delete at[key]; at[key] = v; break; }
      case 'undefined': at[key] = undefined; break;
      case 'function': at[key] = () => 1; break;
      case 'symbol': at[key] = Symbol('s'); break;
      case 'bigint': at[key] = 1n; break;
      case 'date': at[key] = new Date(0); break;
      case 'null-proto': at[key] = Object.assign(Object.create(null) as object, { a: 1 }); break;
      case 'class': at[key] = new (class Point { x = 1; })(); break;
      case 'nested': at[key] = { a: { b: [1, 'x', null] } }; break;
      case 'empty-object': at[key] = {}; break;
      case 'array': at[key] = [1, 'two', null, true]; break;
      case 'holey-array': { const arr: unknown[] = [1]; arr[3] = 2; at[key] = arr; break; }
      case 'getter': { const v = at[key]; Object.defineProperty(at, key, { get: () => v, enumerable: true, configurable: true }); break; }
      case 'toJSON': target.toJSON = () => ({ replaced: true }); break;
      case 'own-toJSON-hidden': Object.defineProperty(target, 'toJSON', { value: () => 'hidden', enumerable: false }); break;
    }
    expectBatcherSame(c);
  });

  vtest('extra keys and reordered keys on the report itself', async () => {
    const [c0] = await reportPool();
    const withType = { type: 'x', ...clone(c0) } as ConnectionReport;
    const { id, ...rest } = clone(c0);
    const reordered = { ...rest, id } as ConnectionReport;
    const noLadderKey = clone(c0);
    delete noLadderKey.ladder;
    const undefinedLadder = { ...clone(c0), ladder: undefined } as ConnectionReport;
    const extraAfterLadder = { ...clone(c0), extra: 1 } as ConnectionReport;
    for (const c of [withType, reordered, extraAfterLadder]) {
      expect(written(c).end).toBe(LINE_UNEXPECTED_SHAPE);
      expectBatcherSame(c);
    }
    // JSON.stringify leaves out a key whose value is undefined: so does the writer.
    for (const c of [noLadderKey, undefinedLadder]) {
      expect(written(c).end).toBeGreaterThanOrEqual(0);
      expectBatcherSame(c);
    }
    expect(reference(undefinedLadder).equals(reference(noLadderKey))).toBe(true);
  });

  vtest('lastInput: written after lastFrame (names to escape too); anywhere else declined', async () => {
    const [c0] = await reportPool();
    const withLastInput = (name: string): ConnectionReport => {
      const c = clone(c0);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c)) {
        out[k] = v;
        if (k === 'lastFrame') out.lastInput = name;
      }
      return out as unknown as ConnectionReport;
    };
    for (const name of ['two.pcap', 'we"ird\\name\n.pcap', 'caf\u00e9 \u2028.pcap']) {
      const c = withLastInput(name);
      expectWrittenSame(c, JSON.stringify(name));
      expect(reference(c).toString()).toContain(`"lastFrame":${c0.lastFrame},"lastInput":${JSON.stringify(name)},"ended"`);
    }
    const atTheEnd = { ...clone(c0), lastInput: 'two.pcap' } as ConnectionReport;
    const { input: _i, ...noInput } = withLastInput('two.pcap');
    for (const c of [atTheEnd, noInput as ConnectionReport]) {
      expect(written(c).end).toBe(LINE_UNEXPECTED_SHAPE);
      expectBatcherSame(c);
    }
  });

  vtest('the input of a frame in a later input: after its frame (transitions, anomalies, ladder rows, handshake and close frames; names to escape too); anywhere else declined', async () => {
    const { parts } = rotatedCapture();
    const [c0] = (await analyze(parts.map((p, i) => ({ name: ROTATED_NAMES[i], bytes: fromBytes(p) })), { ladder: true })).connections;
    expectWrittenSame(c0, 'rotated');
    const line = reference(c0).toString();
    for (const part of ['"frame":2,"input":"b.pcap","time":', '"synAckFrame":2,"synAckInput":"b.pcap","ackFrame":3,"ackInput":"b.pcap","synCount"',
      '"firstFinFrame":1,"firstFinInput":"c.pcap","completed"', '"code":"RESET","severity":"warn","endpoint":"server","frame":3,"input":"c.pcap","time"',
      '{"frame":3,"input":"c.pcap","t":']) expect(line).toContain(part);
    // Odd names, by renaming the later inputs wherever the report names them.
    for (const name of ['we"ird\\name\n.pcap', 'caf\u00e9 \u2028.pcap']) {
      const c = JSON.parse(JSON.stringify(c0).replaceAll('"c.pcap"', JSON.stringify(name))) as ConnectionReport;
      expectWrittenSame(c, JSON.stringify(name));
    }
    // A SYN,ACK in a later input and no ACK captured: synAckInput without ackInput (helper-58: unguarded).
    const noAck = clone(c0);
    const hs = noAck.handshake as unknown as Record<string, unknown>;
    delete hs.ackInput;
    hs.ack = null;
    hs.ackFrame = null;
    expectWrittenSame(noAck, 'synAckInput without ackInput');
    expect(reference(noAck).toString()).toContain('"synAckFrame":2,"synAckInput":"b.pcap","ackFrame":null,"synCount"');
    // A value JSON.stringify leaves out: the writer too.
    const undefinedInput = clone(c0);
    (undefinedInput.client.transitions[2] as { input?: string }).input = undefined;
    expectWrittenSame(undefinedInput, 'undefined input');
    // Moved away from its frame, or on an object that has no frame: declined, the batcher falls back.
    const moved = clone(c0);
    const { input, ...rest } = moved.anomalies[2];
    moved.anomalies[2] = { ...rest, input } as typeof rest;
    const twice = clone(c0);
    const h = twice.handshake as unknown as Record<string, unknown>;
    twice.handshake = Object.fromEntries(Object.entries(h).flatMap(([k, v]) => (k === 'synFrame' ? [[k, v], ['synAckInput', 'x.pcap']] : [[k, v]]))) as unknown as typeof twice.handshake;
    const onData = clone(c0);
    (onData.data as unknown as Record<string, unknown>) = { input: 'b.pcap', ...onData.data };
    for (const c of [moved, twice, onData]) {
      expect(written(c).end).toBe(LINE_UNEXPECTED_SHAPE);
      expectBatcherSame(c);
    }
  });

  vtest('a toJSON on a prototype: the writer declines, JSON.stringify decides', async () => {
    const [c] = await reportPool();
    for (const proto of [Number.prototype, String.prototype, Object.prototype, Array.prototype, Boolean.prototype] as object[]) {
      Object.defineProperty(proto, 'toJSON', { value: () => 'patched', configurable: true, writable: true });
      try {
        expect(written(c).end).toBe(LINE_UNEXPECTED_SHAPE);
        expectBatcherSame(c);
      } finally {
        delete (proto as { toJSON?: unknown }).toJSON;
      }
    }
    expectWrittenSame(c, 'after');
  });
});
