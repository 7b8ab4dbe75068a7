/**
 * Standard output written from the writer thread (src/cli/stdout-pipe.ts, stdout-worker.ts): the
 * built binary with its stdout a shell pipe, which is the only case that takes the thread (Node's
 * own child_process gives children sockets, which the e2e tests cover through process.stdout).
 * The bytes must be those written to a file, whatever the format and however slow the reader; a
 * reader that goes away ends the run quietly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { sharedPath } from '../helpers/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpflow-analyze.js');
// `timeout`: a hang kills node itself (spawnSync's timeout would only kill the shell).
const node = `timeout 60 "${process.execPath}"`;

let dir = '';
let capture = '';

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/stdout-pipe.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'tcpflow-stdout-'));
  capture = join(dir, 'flows.pcap');
  // ~3,000 connections: ~10 MB of NDJSON, more than the 4 MiB the writer thread may hold.
  execFileSync(process.execPath, [join(sharedPath('bench'), 'gen-capture'), '--flows', '3000', '--seed', 'stdout', '--out', capture], { stdio: 'ignore' });
});

function sh(cmd: string): { code: number | null; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', cmd], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', CI: '', CAP: capture, DIR: dir },
  });
  return { code: r.status, stderr: r.stderr };
}

const md5 = (file: string): string => createHash('md5').update(readFileSync(file)).digest('hex');

describe('stdout a pipe: the writer thread', () => {
  test.each(['ndjson', 'json', 'table', 'zeek'])('%s: the same bytes as to a file', (format) => {
    expect(sh(`${node} "${BIN}" -f ${format} "$CAP" > "$DIR/file.${format}"`)).toEqual({ code: 0, stderr: '' });
    expect(sh(`${node} "${BIN}" -f ${format} "$CAP" | cat > "$DIR/pipe.${format}"`)).toEqual({ code: 0, stderr: '' });
    expect(md5(join(dir, `pipe.${format}`))).toBe(md5(join(dir, `file.${format}`)));
  });

  test('a small report (under the 1 MiB the thread waits for) and a big one switching mid-way: the same bytes', () => {
    const small = join(ROOT, 'fixtures/sample/pop3.pcap');
    expect(sh(`${node} "${BIN}" -f ndjson "${small}" > "$DIR/small.file"`)).toEqual({ code: 0, stderr: '' });
    expect(sh(`${node} "${BIN}" -f ndjson "${small}" | cat > "$DIR/small.pipe"`)).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'small.pipe'), 'utf8')).toBe(readFileSync(join(dir, 'small.file'), 'utf8'));
    expect(readFileSync(join(dir, 'small.pipe')).length).toBeLessThan(1 << 20);
    expect(readFileSync(join(dir, 'file.ndjson')).length).toBeGreaterThan(4 << 20); // from the test above
  });

  test('a reader that starts late and reads slowly: every byte, in order', () => {
    // The writer thread fills the pipe and its 4 MiB, write() says wait, 'drain' resumes the run.
    expect(sh(`${node} "${BIN}" -f ndjson "$CAP" > "$DIR/file.slow"`)).toEqual({ code: 0, stderr: '' });
    const slow = `${node} "${BIN}" -f ndjson "$CAP" | (sleep 1; dd bs=4096 status=none) > "$DIR/pipe.slow"`;
    expect(sh(slow)).toEqual({ code: 0, stderr: '' });
    expect(md5(join(dir, 'pipe.slow'))).toBe(md5(join(dir, 'file.slow')));
    // The shards (--threads 2) wait for the merge's credit, which waits for the pipe.
    const shards = `${node} "${BIN}" -f ndjson --threads 2 "$CAP" | (sleep 1; dd bs=4096 status=none) > "$DIR/shards.slow"`;
    expect(sh(shards)).toEqual({ code: 0, stderr: '' });
    expect(md5(join(dir, 'shards.slow'))).toBe(md5(join(dir, 'file.slow')));
  });

  test.each(['ndjson', 'json', 'table'])('%s, a reader that goes away (| head): exit 0, nothing on stderr', (format) => {
    const r = spawnSync('/bin/bash', ['-c', `${node} "${BIN}" -f ${format} "$CAP" | head -c 1000 > /dev/null; echo "\${PIPESTATUS[0]}"`],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', CAP: capture } });
    expect(r.stdout.trim()).toBe('0');
    expect(r.stderr).toBe('');
  });
});
