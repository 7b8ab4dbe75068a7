/**
 * Writes the report into the pipe on stdout from a thread of its own (stdout-pipe.ts is the other
 * side): writing a pipe is mostly kernel time (copying into a 64 KiB pipe, waiting for the reader
 * to make room), ~0.7-2 s of system time for the 300 MB of NDJSON of the 1 GB benchmark capture,
 * which process.stdout spent on the analysing thread (`| cat` took 1.1-1.4x the time of
 * `> /dev/null`, issue 6).
 *
 * The descriptor (workerData.fd) is the main thread's own non-blocking reopening of the pipe, so
 * this thread never waits in the kernel: terminating it (and so ending the process) is never held
 * by a reader that stopped reading.
 *
 * Protocol (stdout-protocol.ts): 'write' messages carry transferred buffers, written in order;
 * each is answered with 'written', giving the buffer back. 'end' is answered with 'ended' once
 * everything before it is written. The first failure is sent as 'error' (EPIPE when the reader
 * went away); later writes are dropped and still answered.
 */
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromStdoutWriter, ToStdoutWriter } from './stdout-protocol.js';

const port = parentPort!;
const post = (m: FromStdoutWriter, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let failed = false;
let pending = 0;
let ending = false;

function fail(err: NodeJS.ErrnoException): void {
  if (failed) return;
  failed = true;
  post({ t: 'error', message: err.message, code: err.code ?? null });
}

const sock = new Socket({ fd: (workerData as { fd: number }).fd, readable: false, writable: true });
sock.on('error', fail);

function written(buffer: ArrayBuffer, length: number): void {
  pending--;
  post({ t: 'written', buffer, length }, [buffer]);
  if (ending && pending === 0) post({ t: 'ended' });
}

port.on('message', (m: ToStdoutWriter) => {
  if (m.t === 'end') {
    ending = true;
    if (pending === 0) post({ t: 'ended' });
    return;
  }
  pending++;
  if (failed) {
    written(m.buffer, m.length);
    return;
  }
  sock.write(new Uint8Array(m.buffer, 0, m.length), (err?: Error | null) => {
    if (err) fail(err as NodeJS.ErrnoException);
    written(m.buffer, m.length);
  });
});
