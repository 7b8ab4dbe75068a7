import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { analyze, analyzeConnections, renderers, SCHEMA_VERSION, type ConnectionReport } from '../../src/index.js';

const SAMPLE = new URL('../../fixtures/sample/pop3.pcap', import.meta.url);

/** The capture as a byte source cut into small chunks, so the run takes many turns. */
async function* chunks(size = 512): AsyncGenerator<Uint8Array> {
  const b = readFileSync(SAMPLE);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

test('analyzeConnections yields the same connections as analyze(), then the report', async () => {
  const full = await analyze([{ name: 'pop3.pcap', bytes: chunks() }]);
  const stream = analyzeConnections([{ name: 'pop3.pcap', bytes: chunks() }]);
  const seen: ConnectionReport[] = [];
  for await (const c of stream) seen.push(c);
  expect(seen.map((c) => c.id).sort((a, b) => a - b)).toEqual(full.connections.map((c) => c.id));
  expect([...seen].sort((a, b) => a.id - b.id)).toEqual(full.connections);
  const report = await stream.report;
  expect(report.schemaVersion).toBe(SCHEMA_VERSION);
  expect(report.connections).toEqual([]);
  expect(report.summary).toEqual(full.summary);
});

test('leaving the loop early stops reading the capture', async () => {
  let chunksRead = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of chunks(64)) {
      chunksRead++;
      yield c;
    }
  }
  const stream = analyzeConnections([{ name: 'pop3.pcap', bytes: counted() }]);
  for await (const c of stream) {
    expect(c.id).toBeGreaterThan(0);
    break;
  }
  const report = await stream.report;
  expect(chunksRead).toBeLessThan(Math.ceil(readFileSync(SAMPLE).length / 64));
  expect(report.stats.records).toBeLessThan(125);
});

test('the library exports the renderers by format', async () => {
  const r = await analyze([{ name: 'pop3.pcap', bytes: chunks() }]);
  expect(JSON.parse(renderers.json(r, undefined as never)).connections).toHaveLength(7);
});
