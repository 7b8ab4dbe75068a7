#!/usr/bin/env bash
# Records fixtures/real/time-wait-syn.pcap: Linux's TIME_WAIT refusing a SYN whose ISN is below the
# old connection's sequence space (RFC 6191), and what follows.
#
#   scripts/record-real/time-wait-syn.sh        # as root; tcpdump, node, python3; ~10 s
#
# 1. A connection on loopback (node): ping, pong, the server closes first, so its socket is in
#    TIME_WAIT (ss shows it; the script checks).
# 2. raw-syn.py sends a bare SYN from the client's port with ISN = the old client ISN + 6 - 1,000,000
#    (behind the old RCV.NXT): TIME_WAIT answers with an ACK of the old connection; the client's
#    kernel, which has no socket there, answers that with a RST (seq = the ACK's ack), which ends
#    the TIME_WAIT (net.ipv4.tcp_rfc1337 = 0, the default).
# 3. The same SYN again 1.5 s later (plus the script's own steps): the listener answers with a SYN,ACK, which the client's kernel resets.
# tcpflow-analyze reads connection 2 with SYN_CHALLENGE_ACK {timeWait: true, reset: true}
# (test/real/kernel-states.test.ts). Unlike record.sh's scenarios the final states are not the
# kernel's (the client side is a raw socket), so there is no .ss.txt.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/time-wait-syn.pcap"
P=29111
CP=29179
RR_NAME=time-wait-syn.sh
. "$HERE/lib.sh"
rr_tcpdump_start - lo "tcp port $P"
node -e "
const net = require('node:net');
const srv = net.createServer((s) => s.once('data', () => { s.write('pong'); s.end(); }));
srv.listen($P, '127.0.0.1', () => {
  const c = net.connect({ host: '127.0.0.1', port: $P, localAddress: '127.0.0.1', localPort: $CP });
  c.on('data', () => {}); c.write('ping');
  c.on('close', () => setTimeout(() => { console.log('closed'); }, 300));
});
setTimeout(() => srv.close(), 5000);
" > "$TMP/node.out" &
NPID=$!
RR_PIDS+=("$NPID")
sleep 1
ss -Htan state time-wait "( sport = :$P and dport = :$CP )" | grep -q . || rr_die "no TIME-WAIT on the server side"
isn=$(tcpdump -nr "$TMP/cap.pcap" 2>/dev/null | awk -v cp="$CP" '$3 ~ "\\."cp"$" && /Flags \[S\]/ { for (i = 1; i <= NF; i++) if ($i == "seq") { gsub(",", "", $(i + 1)); print $(i + 1); exit } }' || true)
[[ -n "$isn" ]] || rr_die "the first SYN is not in the capture"
low=$(( (isn + 6 - 1000000 + 4294967296) % 4294967296 ))
python3 "$HERE/raw-syn.py" "$CP" "$P" "$low"
sleep 1.5
python3 "$HERE/raw-syn.py" "$CP" "$P" "$low"
sleep 1
wait "$NPID"
rr_tcpdump_stop "$OUT"
