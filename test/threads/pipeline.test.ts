/**
 * The two-thread run (threads/pipeline.ts) reports exactly what the in-process run reports: the
 * same RunReport, the same onConnection sequence, the same input errors at the same points, for
 * every fixture and corpus capture, several inputs at once, inputs that fail early or midway, and
 * sources that throw. The worker script exists only in the build, so this runs against dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import type * as Lib from '../../src/index.js';
import type { AnalyzeInput } from '../../src/core.js';
import type { RunReport } from '../../src/report/model.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { allCaptureFiles, generatedMix } from './capture-files.js';

let lib: typeof Lib;
let workerAvailable: () => boolean;

beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'dist/threads/analysis-worker.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  }
  lib = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/index.js')).href)) as typeof Lib;
  ({ workerAvailable } = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/threads/pipeline.js')).href)) as typeof import('../../src/threads/pipeline.js'));
});

type Source = () => AsyncIterable<Uint8Array>;

/** Chunks of `size` bytes (the worker sees the same chunk boundaries the in-process run does). */
function chunked(bytes: Uint8Array, size: number): Source {
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  };
}

function failingAfter(bytes: Uint8Array, size: number, failAt: number, err: () => Error): Source {
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) {
      if (i >= failAt) throw err();
      yield bytes.subarray(i, i + size);
    }
  };
}

interface Run {
  report: RunReport;
  events: string[];
}

async function run(inputs: Array<[string, Source]>, worker: boolean, opts: Partial<Lib.AnalyzeOptions> = {}): Promise<Run> {
  const events: string[] = [];
  const report = await lib.analyze(
    inputs.map(([name, src]): AnalyzeInput => ({ name, bytes: src() })),
    {
      ...opts,
      worker,
      onConnection: (c) => events.push(`c${c.id}`),
      onInputError: (file, err) => events.push(`error ${file} ${err.code} @${err.byteOffset}: ${err.message}`),
    },
  );
  return { report, events };
}

async function expectSame(inputs: Array<[string, Source]>, opts: Partial<Lib.AnalyzeOptions> = {}): Promise<Run> {
  const single = await run(inputs, false, opts);
  const two = await run(inputs, true, opts);
  expect(two.events).toEqual(single.events);
  expect(JSON.stringify(two.report)).toBe(JSON.stringify(single.report));
  return two;
}

describe('two threads, same report', () => {
  test('the worker script is built', () => {
    expect(workerAvailable()).toBe(true);
  });

  test('every fixture and corpus capture, 64 KiB chunks', async () => {
    let connections = 0;
    for (const file of [...allCaptureFiles(), generatedMix()]) {
      const bytes = readFileSync(file);
      const r = await expectSame([[path.basename(file), chunked(bytes, 65536)]]);
      connections += r.report.summary.connections;
    }
    expect(connections).toBeGreaterThan(800);
  }, 240_000); // 70 s in a full npm test at load 10: a guard against a hang, not a measure

  test('all of them as one run (connection ids and port reuse across inputs)', async () => {
    const files = allCaptureFiles().slice(0, 60);
    await expectSame(files.map((f) => [path.basename(f), chunked(readFileSync(f), 4096)]));
  }, 60_000);

  test('tiny chunks, and settings that retire connections early (timeouts, the cap)', async () => {
    const bytes = readFileSync(generatedMix());
    await expectSame([['mix.pcap', chunked(bytes, 1000)]], { maxConnections: 7, idleTimeoutSeconds: 1, mslSeconds: 1 });
  }, 60_000);

  test('inputs that fail: missing, not a capture, cut short, throwing midway; the others still count', async () => {
    const good = readFileSync(path.join(REPO_ROOT, 'fixtures/sample/pop3.pcap'));
    const mix = readFileSync(generatedMix());
    const garbage = new Uint8Array(3 << 20).fill(0x41); // not a capture, many chunks: the worker stops it early
    const r = await expectSame([
      ['first.pcap', chunked(good, 512)],
      ['missing.pcap', () => failingAfter(good, 512, 0, () => new lib.CaptureError('IO_ERROR', 0, 'no such file or directory'))()],
      ['garbage.bin', chunked(garbage, 65536)],
      ['cut.pcap', chunked(mix.subarray(0, Math.floor(mix.length / 2) + 7), 65536)],
      ['throws.pcap', failingAfter(mix, 65536, 5 * 65536, () => new Error('disk on fire'))],
      ['last.pcap', chunked(good, 100_000)],
    ]);
    expect(r.events.filter((e) => e.startsWith('error')).length).toBe(3);
    expect(r.report.inputs.map((i) => i.error?.code ?? 'ok')).toEqual(['ok', 'IO_ERROR', 'NOT_A_CAPTURE', 'ok', 'IO_ERROR', 'ok']);
  }, 60_000);

  test('chunks the source gives away are transferred, not copied, and read the same', async () => {
    const bytes = readFileSync(generatedMix());
    const given: Uint8Array[] = [];
    const fresh = async function* (): AsyncIterable<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 65536) {
        const chunk = Uint8Array.prototype.slice.call(bytes, i, i + 65536);
        given.push(chunk);
        yield chunk;
      }
    };
    const single = await lib.analyze([{ name: 'mix.pcap', bytes: chunked(bytes, 65536)() }]);
    const two = await lib.analyze([{ name: 'mix.pcap', bytes: fresh(), chunksTransferable: true }], { worker: true });
    expect(JSON.stringify(two)).toBe(JSON.stringify(single));
    expect(given.length).toBeGreaterThan(3);
    expect(given.every((c) => c.byteLength === 0)).toBe(true); // detached: the worker owns them now
  });

  test('keepConnections: false, and empty input lists', async () => {
    await expectSame([['mix.pcap', chunked(readFileSync(generatedMix()), 65536)]], { keepConnections: false });
    await expectSame([]);
  }, 60_000);

  test('in-process, what onConnection throws is what the run rejects with, even null, wherever the chunks end', async () => {
    // The core drains its batch of decoded segments both inside the source's iterator (after a
    // chunk) and outside it (a full batch): the value must come through unchanged either way.
    const bytes = readFileSync(generatedMix());
    for (const size of [512, 65536, bytes.length]) {
      const run = lib.analyze([{ name: 'mix.pcap', bytes: chunked(bytes, size)() }], {
        worker: false,
        onConnection: (c) => { if (c.id === 5) throw null; },
      });
      await expect(run, `chunks of ${size}`).rejects.toBeNull();
    }
  });

  test.each([true, false])('a byte source that is not async-iterable rejects the run (worker: %s), not an input error', async (worker) => {
    const bytes = readFileSync(generatedMix());
    const errors: string[] = [];
    for (const source of [[bytes], bytes]) {
      const run = lib.analyze([{ name: 'mix.pcap', bytes: source as unknown as AsyncIterable<Uint8Array> }], {
        worker,
        onInputError: (file, err) => errors.push(`${file} ${err.code}`),
      });
      await expect(run).rejects.toThrow(TypeError);
    }
    expect(errors).toEqual([]);
  });

  test.each([true, false])('a throwing onConnection rejects the run with its error (worker: %s), not hangs it or blames the input', async (worker) => {
    // In-process, connections are finished while the core drains a batch of decoded segments, which
    // may run inside the source's iterator (core.ts): an error there must not become an IO_ERROR.
    const bytes = readFileSync(generatedMix());
    const errors: string[] = [];
    const boom = lib.analyze([{ name: 'mix.pcap', bytes: chunked(bytes, 65536)() }], {
      worker,
      onConnection: (c) => { if (c.id === 5) throw new Error('consumer failed'); },
      onInputError: (file, err) => errors.push(`${file} ${err.code}`),
    });
    await expect(boom).rejects.toThrow('consumer failed');
    expect(errors).toEqual([]);
  });
});
