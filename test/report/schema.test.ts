/**
 * The schema file, the TypeScript model and the JSON output must agree. The fixture is typed as
 * RunReport, so TypeScript guarantees it has every required field of the model; the strict
 * validator then demands that each of those keys is declared in the schema, in the model's order,
 * and that everything the schema requires is present. test/cli/e2e.test.ts runs the same check
 * on real output of the binary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { nullablePaths, validate } from './schema-validator.js';
import { sampleReport } from './fixtures.js';
import { renderNdjson } from '../../src/report/ndjson.js';
import { analyze } from '../../src/analyze.js';
import { HANDSHAKE_OUTCOMES } from '../../src/cli/expect.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { ROTATED_NAMES, rotatedCapture } from '../helpers/rotated.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/tcpflow-analyze.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('schema/tcpflow-analyze.schema.json', () => {
  test('is draft 2020-12 and describes schemaVersion 1', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect((schema.properties as Record<string, { const?: number }>).schemaVersion.const).toBe(1);
  });

  test('a complete report (every model field, ladder and selection included) validates strictly', () => {
    const r = sampleReport();
    r.selection = { criteria: ['limit=6'], matched: 6, shown: 6 };
    r.connections[1].anomalies[0].details = { rstSeq: 12, note: 'x', inWindow: true, other: null };
    expect(validate(schema, r)).toEqual([]);
  });

  test('a connection that goes on into later inputs validates: each frame\'s input after the frame (lastInput, synInput..., input in transitions, anomalies, ladder rows)', async () => {
    const { parts } = rotatedCapture();
    const r = await analyze(parts.map((p, i) => ({ name: ROTATED_NAMES[i], bytes: fromBytes(p) })), { ladder: true });
    const json = JSON.stringify(r);
    for (const k of ['lastInput', 'synAckInput', 'ackInput', 'firstFinInput']) expect(json).toContain(`"${k}":`);
    expect(validate(schema, JSON.parse(json))).toEqual([]);
    // Out of place, it is caught.
    const moved = JSON.parse(json) as { connections: Array<{ handshake: Record<string, unknown> }> };
    const { ackInput, ...h } = moved.connections[0].handshake;
    moved.connections[0].handshake = { ...h, ackInput };
    expect(validate(schema, moved).map((e) => e.message).join('\n')).toMatch(/key order/);
  });

  test('the reports of every real capture in fixtures/real validate, ladders included (helper-82 review: `unreachable` was left out)', async () => {
    const dir = new URL('../../fixtures/real/', import.meta.url);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.pcap'))) {
      const bytes = (async function* () { yield readFileSync(new URL(name, dir)); })();
      const r = await analyze([{ name, bytes }], { ladder: true });
      expect({ name, errors: validate(schema, JSON.parse(JSON.stringify(r))) }).toEqual({ name, errors: [] });
    }
  });

  test('docs/json-schema.md lists exactly the fields the schema lets be null (helper-108 audit: it listed none)', () => {
    const doc = readFileSync(new URL('../../docs/json-schema.md', import.meta.url), 'utf8');
    const section = /\n## Fields that may be null\n([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
    const listed = section.split('\n').filter((l) => l.startsWith('| `')).flatMap((l) => [...l.split(' | ')[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    expect(listed.length).toBeGreaterThan(40);
    expect([...listed].sort()).toEqual(nullablePaths(schema).sort());
    // And the walk finds what it should: a nullable field behind a $ref, and none of the rest.
    expect(nullablePaths(schema)).toContain('connections[].handshake.rtt.total');
    expect(nullablePaths(schema)).not.toContain('connections[].handshake.outcome');
  });

  test('the handshake outcomes are the ones --expect takes', () => {
    const defs = schema.$defs as Record<string, { enum: string[] }>;
    expect(defs.handshakeOutcome.enum).toEqual([...HANDSHAKE_OUTCOMES]);
  });

  test('NDJSON lines validate as connections and as the summary', () => {
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    const lines = renderNdjson(sampleReport()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const { type, ...rest } of lines) {
      if (type === 'connection') expect(validate({ ...defs.connection, $defs: defs }, rest)).toEqual([]);
      else expect(validate({ ...schema, required: (schema.required as string[]).filter((k) => k !== 'connections') }, rest)).toEqual([]);
    }
  });

  // These prove the check above can fail: each breaks the report in one way the schema must catch.
  // Reports are broken at arbitrary depths here, which typed access cannot express.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Loose = Record<string, any>;
  test.each<[string, (r: Loose) => void, RegExp]>([
    ['a missing required field', (r) => delete r.connections[0].handshake.rtt, /missing required "rtt"/],
    ['an undeclared field', (r) => (r.connections[0].extra = 1), /undeclared property "extra"/],
    ['keys out of model order', (r) => { const { id, ...rest } = r.connections[0]; r.connections[0] = { ...rest, id }; }, /key order/],
    ['a state outside the 11 + UNKNOWN', (r) => (r.connections[0].client.finalState = 'FIN-WAIT-2'), /not in enum/],
    ['a time without Z', (r) => (r.connections[0].firstSeen = '2024-03-01 10:00:00'), /does not match/],
    ['a string duration', (r) => (r.connections[0].duration = '1.25'), /expected number/],
  ])('rejects %s', (_name, breakIt, message) => {
    const r = sampleReport() as unknown as Loose;
    breakIt(r);
    const errors = validate(schema, r);
    expect(errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(message);
  });
});
