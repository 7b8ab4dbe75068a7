#!/usr/bin/env node
// One TCP scenario on loopback, client and server in this process (no dependencies).
//
//   node scripts/record-real/scenario.mjs <scenario> <server-port> [client-port]
//
// It drives the Linux TCP stack into the scenario's final state, prints the line `READY` on
// stdout, and then holds every socket as it is (so `ss` sees the kernel's states) until it gets
// SIGTERM or SIGINT. On the way out it resets whatever is still open
// (resetAndDestroy: SO_LINGER 0), so a re-run does not trip over leftovers. Those RSTs come
// after record.sh has stopped tcpdump, so they are not in the capture.
//
// Diagnostics go to stderr. Exit status 0 = the scenario reached its end state.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearTimeout, setTimeout as timer } from 'node:timers';

/** Sockets (and servers) to reset/close on exit. */
const open = new Set();
const servers = new Set();

function log(...args) {
  console.error('[scenario]', ...args);
}

function track(sock) {
  open.add(sock);
  sock.on('close', () => open.delete(sock));
  return sock;
}

function closed(sock) {
  return new Promise((resolve) => (sock.destroyed && !open.has(sock) ? resolve() : sock.once('close', resolve)));
}

function listen(host, port, opts, onConn) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(opts, (s) => onConn(track(s)));
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true }, () => {
      servers.add(srv);
      resolve(srv);
    });
  });
}

function connect(opts) {
  return new Promise((resolve, reject) => {
    const s = track(net.connect(opts));
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function once(emitter, ev) {
  return new Promise((resolve) => emitter.once(ev, resolve));
}

/** Resolve with the next chunk (as a string) read on `sock`. */
function nextData(sock) {
  return once(sock, 'data').then((b) => b.toString());
}

function describe(s) {
  return `${s.localAddress}:${s.localPort} -> ${s.remoteAddress}:${s.remotePort}`;
}

/** Server side of the ping/pong exchange used by most scenarios. */
function pongServer(host, port, opts, after) {
  const accepted = [];
  let notify;
  const first = new Promise((r) => (notify = r));
  return listen(host, port, opts, (s) => {
    s.on('error', (e) => log('server socket error:', e.code));
    accepted.push(s);
    s.once('data', () => {
      s.write('pong');
      after?.(s);
    });
    notify(s);
  }).then((srv) => ({ srv, accepted, first }));
}

// Each scenario resolves once the kernel is in the state the capture should end in.
const scenarios = {
  // (1) Normal close by the client: client FIN first -> client TIME_WAIT, server CLOSED.
  async 'client-close'(port) {
    const { first } = await pongServer('127.0.0.1', port, {});
    const c = await connect({ host: '127.0.0.1', port });
    log('connected', describe(c));
    c.write('ping');
    await nextData(c);
    c.end();
    const s = await first; // allowHalfOpen false: the server ends when the client's FIN arrives
    await Promise.all([closed(c), closed(s)]);
  },

  // (2) Normal close by the server: server FIN first -> server TIME_WAIT, client CLOSED.
  async 'server-close'(port) {
    const { first } = await pongServer('127.0.0.1', port, {}, (s) => s.end());
    const c = await connect({ host: '127.0.0.1', port });
    log('connected', describe(c));
    c.write('ping');
    await nextData(c);
    await Promise.all([closed(c), closed(await first)]);
  },

  // (3) Refused: SYN to a port nobody listens on, answered by RST/ACK.
  async refused(port) {
    try {
      await connect({ host: '127.0.0.1', port });
    } catch (e) {
      if (e.code !== 'ECONNREFUSED') throw e;
      log('refused as expected');
      return;
    }
    throw new Error('connect() succeeded on a port that should be closed');
  },

  // (4) Abortive close: the client closes with SO_LINGER 0 (resetAndDestroy) -> RST, both CLOSED.
  async reset(port) {
    const { first } = await pongServer('127.0.0.1', port, {});
    const c = await connect({ host: '127.0.0.1', port });
    log('connected', describe(c));
    c.write('ping');
    await nextData(c);
    const s = await first;
    c.resetAndDestroy();
    await Promise.all([closed(c), closed(s)]);
  },

  // (5) Half-close left open: the client shuts down its sending side and keeps the socket;
  // the server never closes. Client FIN_WAIT_2 (not orphaned, so no tcp_fin_timeout), server CLOSE_WAIT.
  async 'half-close'(port) {
    const { first } = await pongServer('127.0.0.1', port, { allowHalfOpen: true });
    const c = await connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    log('connected', describe(c));
    c.write('ping');
    await nextData(c);
    const s = await first;
    const gotEnd = once(s, 'end');
    c.end();
    await gotEnd;
  },

  // (6) IPv6 on ::1, normal close by the client.
  async ipv6(port) {
    const { first } = await pongServer('::1', port, {});
    const c = await connect({ host: '::1', port, family: 6 });
    log('connected', describe(c));
    c.write('ping');
    await nextData(c);
    c.end();
    await Promise.all([closed(c), closed(await first)]);
  },

  // (7) Port reuse: two successive connections on the same 4-tuple. The server closes the first
  // one (so its TIME_WAIT sits on the server side, and Linux accepts a new SYN into it); the second
  // connection, from the same client port, is left ESTABLISHED.
  async 'port-reuse'(port, clientPort) {
    if (!clientPort) throw new Error('port-reuse needs a client port');
    const { accepted } = await pongServer('127.0.0.1', port, {}, (s) => {
      if (accepted.length === 1) s.end();
    });
    const c1 = await connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: clientPort });
    log('connected #1', describe(c1));
    c1.write('ping');
    await nextData(c1);
    await closed(c1);
    await closed(accepted[0]);
    await sleep(300); // let the last ACK land; the server side now holds TIME_WAIT
    const c2 = await connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: clientPort });
    log('connected #2', describe(c2));
    c2.write('ping');
    await nextData(c2);
  },

  // (8) Simultaneous close: both ends shut down before either has received the other's FIN.
  // On loopback a segment is delivered inside the sender's own system call, so two shutdown()s can
  // never race reliably; record.sh runs this scenario in a private network namespace whose nft
  // input hook drops FINs on the port while both sides close. tcpdump sees both FINs (its tap is
  // before the input hook), neither peer does, so both sockets go FIN_WAIT_1 with their FINs
  // crossing on the wire. We print FINS-SENT; record.sh lifts the drop and the retransmitted FINs
  // finish the close (kernel: both TIME_WAIT).
  async 'sim-close'(port) {
    const { first } = await pongServer('127.0.0.1', port, { allowHalfOpen: true });
    const c = await connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    log('connected', describe(c));
    c.write('ping');
    await nextData(c);
    const s = await first;
    c.end();
    await sleep(20);
    s.end();
    await sleep(20);
    console.log('FINS-SENT');
    c.resume();
    s.resume();
    await Promise.all([closed(c), closed(s)]);
  },

  // (10) A half-open connection, then a reconnect on its tuple. The client's socket vanishes without
  // a word: it resets (SO_LINGER 0) while record.sh drops the client's RSTs at the output hook,
  // before tcpdump's tap, so neither the capture nor the server sees it; we print RST-DROPPED and
  // record.sh lifts the drop. The server still holds ESTABLISHED. After 31 s of quiet (past
  // REUSE_AFTER_IDLE_SECONDS, so the capture reads a new connection) the client connects again
  // from the same port: the server answers the SYN with a challenge ACK (RFC 5961 §4), the client's
  // kernel answers that with a RST (SYN_SENT, unacceptable ACK), which resets the server's old
  // socket, and the SYN resent soon after (Linux: TCP_TIMEOUT_MIN) opens the new connection. Both ESTABLISHED.
  async 'half-open-reconnect'(port, clientPort) {
    if (!clientPort) throw new Error('half-open-reconnect needs a client port');
    const { accepted } = await pongServer('127.0.0.1', port, {});
    const c1 = await connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: clientPort });
    log('connected #1', describe(c1));
    c1.write('ping');
    await nextData(c1);
    c1.resetAndDestroy();
    await closed(c1);
    console.log('RST-DROPPED');
    await sleep(31_000);
    if (accepted[0].destroyed) throw new Error('the server heard of the client\'s reset');
    const c2 = await connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: clientPort });
    log('connected #2', describe(c2));
    c2.write('ping');
    await nextData(c2);
    if (!accepted[0].destroyed) throw new Error('the old server socket was not reset by the challenge ACK\'s RST');
  },

  // (9) Data flowing during a half-close: the client sends a request and shuts down its sending
  // side; the server keeps writing 8 KiB in 1 KiB chunks, then closes. Client TIME_WAIT, server CLOSED.
  async 'half-close-data'(port) {
    await listen('127.0.0.1', port, { allowHalfOpen: true }, (s) => {
      s.on('error', (e) => log('server socket error:', e.code));
      s.on('data', () => {});
      s.once('end', async () => {
        for (let i = 0; i < 8; i++) {
          s.write(Buffer.alloc(1024, 0x41 + i));
          await sleep(5);
        }
        s.end();
      });
    });
    const c = await connect({ host: '127.0.0.1', port });
    log('connected', describe(c));
    let got = 0;
    c.on('data', (b) => (got += b.length));
    c.write('GET /8k');
    c.end();
    await closed(c);
    log('client got', got, 'bytes');
    if (got !== 8192) throw new Error(`expected 8192 bytes, got ${got}`);
  },
};

async function main() {
  const [name, portArg, clientPortArg] = process.argv.slice(2);
  const run = scenarios[name];
  if (!run || !portArg) {
    console.error(`usage: scenario.mjs <${Object.keys(scenarios).join('|')}> <server-port> [client-port]`);
    process.exit(2);
  }
  const watchdog = timer(() => {
    log('timed out before reaching the end state');
    process.exit(1);
  }, name === 'half-open-reconnect' ? 45_000 : 15_000);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const s of open) s.resetAndDestroy();
    for (const srv of servers) srv.close();
    timer(() => process.exit(0), 100).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await run(Number(portArg), clientPortArg ? Number(clientPortArg) : undefined);
  } catch (e) {
    log('failed:', e.stack ?? e);
    process.exit(1);
  }
  clearTimeout(watchdog);
  // The listener stays open (ss prints it as LISTEN; it is not a connection).
  console.log('READY');
  // Hold everything until a signal (the listener keeps the event loop alive; this covers `refused`).
  timer(() => {}, 2 ** 31 - 1);
}

main();
