#!/usr/bin/env node
// Rewrite fixtures/real/PROVENANCE.md with one table row per capture, replacing the row of the
// capture just recorded and keeping the others. Called by record.sh:
//   provenance.mjs <PROVENANCE.md> <name> <kernel> <date> <tcpdump-version> <tcpdump-cmd>
//                  <scenario-cmd> <ss-cmd> <netns-note> <packets>
import fs from 'node:fs';

const ORDER = ['client-close', 'server-close', 'refused', 'reset', 'half-close', 'ipv6', 'port-reuse', 'sim-close', 'half-close-data', 'half-open-reconnect'];

const WHAT = {
  'client-close': 'normal close by the client: ping/pong, client end(), server ends on EOF; client TIME-WAIT, server closed',
  'server-close': 'normal close by the server: ping/pong, server end(), client ends on EOF; server TIME-WAIT, client closed',
  refused: 'connect to a port nobody listens on: SYN answered by RST/ACK (ECONNREFUSED)',
  reset: 'abortive close: ping/pong, then the client resetAndDestroy() (SO_LINGER 0) sends RST; both closed',
  'half-close': 'half-close left open: client end() (FIN) and keeps the socket, server never closes; client FIN-WAIT-2, server CLOSE-WAIT',
  ipv6: 'IPv6 on ::1, normal close by the client',
  'port-reuse': 'two connections from client port 29177 to the same server: the server closes the first (its TIME-WAIT takes the new SYN), the second stays ESTABLISHED',
  'sim-close': 'simultaneous close: both sides end() while their FINs are held back after the capture point, so the FINs cross; retransmitted FINs finish it; both TIME-WAIT',
  'half-close-data': 'data during half-close: client sends a request and end()s, the server then writes 8 KiB in 1 KiB chunks and ends; client TIME-WAIT',
  'half-open-reconnect': 'half-open, then a reconnect on the tuple: the client resets silently (its RST dropped before the capture), 31 s later connects from the same port; the server\'s challenge ACK, the client kernel\'s RST, the SYN resent; both ESTABLISHED',
};

const HEADER = `# Real loopback captures: provenance

Small captures of the Linux TCP stack talking to itself on loopback, each with the kernel's own
socket states (\`ss\`) at the moment the capture stopped. \`test/real/kernel-states.test.ts\` checks
that the final state tcpflow-analyze infers for each endpoint equals the kernel's.

Per capture \`<name>\`:
- \`<name>.pcap\`: tcpdump on \`lo\` (LINKTYPE_ETHERNET), snaplen 256, filtered to the scenario's server port.
  Snaplen 256 cuts half-close-data's 1 KiB segments (the records keep their original length;
  the sequence space comes from the IP header).
- \`<name>.ss.txt\`: \`ss -tanop state all '( sport = :P or dport = :P )'\`, taken after the scenario
  reached its end state (plus 1 s for late ACKs) and just before tcpdump got SIGINT; record.sh takes it
  again once tcpdump has exited and refuses the capture if any socket's state or address moved.
  \`#\` lines are comments. LISTEN lines are the server's listener, not a connection. TIME-WAIT
  sockets belong to no process (ss prints their timer instead).
- \`expected-states.json\`: generated from the \`.ss.txt\` files (and the SYNs in the \`.pcap\`s, to know
  each connection's 4-tuple) by \`node scripts/record-real/expected-states.mjs\`: for each
  connection, the kernel's state of the client socket and of the server socket in our spelling
  (ESTAB → ESTABLISHED, FIN-WAIT-2 → FIN_WAIT_2, ...; a socket ss does not list is CLOSED).
  When several connections share a 4-tuple (port reuse), ss shows the last one.

## Re-recording

As root, on Linux with tcpdump, iproute2, nftables and Node ≥ 20:

    apt-get install -y tcpdump iproute2 nftables
    scripts/record-real/record.sh                 # all scenarios (≈ 65 s; half-open-reconnect waits 31 s)
    scripts/record-real/record.sh reset ipv6      # only some

\`record.sh\` replaces \`<name>.pcap\`, \`<name>.ss.txt\` and this file's row for each scenario it
recorded, then regenerates \`expected-states.json\`. It is idempotent: it first waits until no
socket uses the scenario's ports (a TIME-WAIT left by a previous run lasts 60 s). Client ports are
ephemeral (except port-reuse's and half-open-reconnect's), so a re-recording changes 4-tuples, sequence numbers and times,
not the states. The scenarios are in \`scripts/record-real/scenario.mjs\` (client and server in one
Node process, no dependencies). \`sim-close\` runs in a private network namespace: loopback delivers
a segment inside the sender's own system call, so two \`shutdown()\`s never cross by themselves; an
nft input-hook rule drops FINs on the port (tcpdump's tap is before that hook, so the capture shows
both FINs crossing) until both sides have closed, then is deleted and the retransmitted FINs
complete the close.
\`half-open-reconnect\` runs in one too, with an nft output-hook rule dropping the client port's RSTs
(before tcpdump's tap, so the capture does not show them either) until the client's first socket
is reset, so the server keeps a connection its client forgot.

\`time-wait-syn.pcap\` is not one of record.sh's scenarios: \`scripts/record-real/time-wait-syn.sh\` records it
(root, tcpdump, node, python3) with a raw socket (\`raw-syn.py\`), which is the only way to put a SYN
with a chosen ISN into a TIME_WAIT. A connection whose server closed first (its TIME-WAIT checked
with ss), then a bare SYN from the client's port with an ISN 1,000,000 behind the old connection's
end (999,994 behind its ISN): Linux
answers from TIME_WAIT with an ACK of the old connection, the client's kernel (no socket there)
resets it, which ends the TIME_WAIT, and the same SYN sent again (1.9 s later in this capture) gets a
SYN,ACK from the listener,
which the client's kernel resets too. Its final states are not the kernel's (the client is a raw
socket), so it has no \`.ss.txt\` and no row below; recorded 2026-12-06 on kernel 6.18.44, 16 packets.

## Captures

| capture | what | kernel (\`uname -r\`) | recorded (UTC) | tcpdump | packets | how |
|---|---|---|---|---|---|---|
`;

const [file, name, kernel, date, tcpdumpVersion, tcpdumpCmd, scenarioCmd, ssCmd, netns, packets] = process.argv.slice(2);
if (!packets || !WHAT[name]) {
  console.error('usage: provenance.mjs <PROVENANCE.md> <name> <kernel> <date> <tcpdump-version> <tcpdump-cmd> <scenario-cmd> <ss-cmd> <netns-note> <packets>');
  process.exit(2);
}

const rows = new Map();
if (fs.existsSync(file)) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\| `([a-z0-9-]+)` \|/.exec(line);
    if (m) rows.set(m[1], line);
  }
}
const how = [`\`${tcpdumpCmd}\``, `\`${scenarioCmd}\``, `\`${ssCmd}\``, netns].filter(Boolean).join('; ');
rows.set(name, `| \`${name}\` | ${WHAT[name]} | ${kernel} | ${date} | ${tcpdumpVersion} | ${packets} | ${how} |`);
const ordered = [...rows.keys()].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
fs.writeFileSync(file, HEADER + ordered.map((k) => rows.get(k)).join('\n') + '\n');
