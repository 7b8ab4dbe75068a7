/**
 * Reads standard input, when it is a pipe, on a thread of its own and hands it over in chunks of
 * up to 1 MiB (stdin-pipe.ts is the other side). Reading a pipe is mostly kernel time: on these
 * machines `cat 1GB | node` spends 1.3-2.2 s of system time in 64 KiB reads. Done through
 * process.stdin that time was the analysing thread's, and `cat capture | tcpflow-analyze -` took
 * 1.13-1.43x the time of reading the file (issue 6); here it overlaps with the analysis.
 *
 * The descriptor (workerData.fd) is the main thread's own non-blocking reopening of the pipe
 * (stdin-pipe.ts): closing it never closes fd 0, and a non-blocking read never keeps this thread
 * (and so the process, which joins it at exit) waiting in the kernel.
 *
 * Protocol (stdin-protocol.ts): 'chunk's, each transferred, then 'end' or 'error'. The main
 * thread answers every chunk with a StdinReply, giving back the chunk's memory when it still has
 * it, and at most MAX_IN_FLIGHT chunks are ever unanswered.
 */
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { CHUNK_BYTES, MAX_IN_FLIGHT, SETTLE_MS, type StdinMessage, type StdinReply } from './stdin-protocol.js';

const port = parentPort!;
const post = (m: StdinMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const spare: ArrayBuffer[] = [];
// The chunk being filled: bytes [sent, pos) are new. The socket reads into it at `pos`.
let buf = new Uint8Array(CHUNK_BYTES);
let pos = 0;
let sent = 0;
let inFlight = 0;
let paused = false;
let settle: NodeJS.Timeout | null = null;
let done = false;

/**
 * Sends the new bytes. Only from the read callback (or once reading is over) may the chunk itself
 * be handed over: the socket takes the buffer for its next read right after the callback returns,
 * and until then still holds the one it read into. Elsewhere (the settle timer) the new bytes go
 * out as a copy and the chunk goes on filling.
 */
function send(mayHandOver: boolean): void {
  if (settle !== null) { clearTimeout(settle); settle = null; }
  if (pos === sent) return;
  inFlight++;
  if (mayHandOver) {
    const chunk = buf.buffer as ArrayBuffer;
    post({ t: 'chunk', buffer: chunk, offset: sent, length: pos - sent }, [chunk]);
    buf = new Uint8Array(spare.pop() ?? new ArrayBuffer(CHUNK_BYTES));
    pos = 0;
    sent = 0;
    return;
  }
  const copy = buf.slice(sent, pos);
  sent = pos;
  post({ t: 'chunk', buffer: copy.buffer, offset: 0, length: copy.length }, [copy.buffer]);
}

// `onread` is accepted by the constructor as by connect() (Node >= 12), though @types/node
// lists it only for connect().
const sock = new Socket({
  fd: (workerData as { fd: number }).fd,
  readable: true,
  writable: false,
  // Reads land in the chunk being filled, at its end: no copy, no buffer per read.
  onread: {
    buffer: () => buf.subarray(pos),
    callback: (nread: number): boolean => {
      pos += nread;
      if (pos === buf.length) send(true);
      // A partly filled chunk goes out (as a copy) at most SETTLE_MS after its first unsent byte
      // came: a live capture (tcpdump -U -w - | ...) is seen at once however it trickles, while
      // a writer that keeps up fills whole MiBs before the timer fires.
      else if (settle === null) settle = setTimeout(() => send(false), SETTLE_MS);
      if (inFlight >= MAX_IN_FLIGHT) {
        paused = true;
        return false; // stops reading until the main thread takes a chunk
      }
      return true;
    },
  },
} as ConstructorParameters<typeof Socket>[0]);

sock.on('end', () => {
  done = true;
  send(true);
  post({ t: 'end' });
  sock.destroy();
});
sock.on('error', (err: NodeJS.ErrnoException) => {
  if (done) return;
  done = true;
  send(true);
  post({ t: 'error', message: err.message, code: err.code ?? null });
  sock.destroy();
});

port.on('message', (m: StdinReply) => {
  inFlight--;
  if (m.buffer !== null && m.buffer.byteLength === CHUNK_BYTES && spare.length < MAX_IN_FLIGHT) spare.push(m.buffer);
  if (paused && inFlight < MAX_IN_FLIGHT && !done) {
    paused = false;
    sock.resume();
  }
});
