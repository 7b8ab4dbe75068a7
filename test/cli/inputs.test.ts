/**
 * Capture files as byte sources: a file still being written is read, with `limit`, to the size it
 * had when the run began. Shards each read the whole file; without the limit a capture growing
 * under `tcpdump -w` gave each shard a different capture, and the merge mixed them.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openInput, READ_CHUNK_BYTES } from '../../src/cli/inputs.js';

const tmp = mkdtempSync(join(tmpdir(), 'tfa-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every byte the source yields, with `grow` called after the first chunk. */
async function readAll(file: string, limit: number | undefined, grow: () => void = () => {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  let first = true;
  for await (const chunk of openInput(file, { limit }).bytes) {
    parts.push(Buffer.from(chunk)); // the reader reuses its buffer
    if (first) grow();
    first = false;
  }
  return Buffer.concat(parts);
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

test('a file growing while it is read: with a limit, the bytes it had; without, the bytes it grew to', async () => {
  const file = join(tmp, 'growing.bin');
  const start = pattern(2 * READ_CHUNK_BYTES + 12345, 1);
  const more = pattern(READ_CHUNK_BYTES + 77, 2);
  writeFileSync(file, start);
  expect((await readAll(file, start.length, () => appendFileSync(file, more))).equals(start)).toBe(true);
  writeFileSync(file, start);
  expect((await readAll(file, undefined, () => appendFileSync(file, more))).equals(Buffer.concat([start, more]))).toBe(true);
});

test('limits at, inside and past chunk boundaries; a file shorter than its limit is read whole', async () => {
  const file = join(tmp, 'fixed.bin');
  const all = pattern(3 * READ_CHUNK_BYTES + 5, 3);
  writeFileSync(file, all);
  for (const limit of [0, 1, READ_CHUNK_BYTES - 1, READ_CHUNK_BYTES, READ_CHUNK_BYTES + 1, 3 * READ_CHUNK_BYTES, all.length, all.length + 1000]) {
    const got = await readAll(file, limit);
    expect(got.length).toBe(Math.min(limit, all.length));
    expect(got.equals(all.subarray(0, got.length))).toBe(true);
  }
});
