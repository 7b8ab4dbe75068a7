#!/usr/bin/env bash
# Records fixtures/real/zero-window.pcap: a receiver that never reads, and the sender's persist timer.
#
#   scripts/record-real/zero-window.sh        # as root; tcpdump, python3, iproute2; ~22 s
#
# Two network namespaces joined by a veth pair (client 10.99.7.1, server 10.99.7.2:9004). The
# server accepts with SO_RCVBUF 4096 and never reads; the client sends 200 KB, the window closes,
# and Linux probes it at SND.UNA - 1 with no data (tcp_xmit_probe_skb), each persist timeout with
# exponential backoff. ss at the end is saved as zero-window.at-end.txt (the server's Recv-Q holds
# what it took; the client has a persist timer). tcpflow-analyze reads ZERO_WINDOW (server) and
# ZERO_WINDOW_PROBE (client), not KEEP_ALIVE (test/real/kernel-states.test.ts "zero-window").
# Made by the helper-72 audit (2026-12-06) as /tmp/sre/s6-zerowin.sh; the capture in the repository
# was cut at the ss snapshot (editcap -B) because that first run's tcpdump outlived it.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/zero-window.pcap"
SNAP="$HERE/../../fixtures/real/zero-window.at-end.txt"
[[ $(id -u) == 0 ]] || { echo "zero-window.sh: needs root (netns, tcpdump)" >&2; exit 1; }
S=zwn
TMP=$(mktemp -d)
TPID=""
SPID=""
CPID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null
  [[ -n "$CPID" ]] && kill "$CPID" 2>/dev/null
  [[ -n "$TPID" ]] && kill -INT "$TPID" 2>/dev/null
  ip netns del ${S}A 2>/dev/null || true
  ip netns del ${S}B 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
ip netns del ${S}A 2>/dev/null || true; ip netns del ${S}B 2>/dev/null || true
ip netns add ${S}A; ip netns add ${S}B
ip link add ${S}a type veth peer name ${S}b
ip link set ${S}a netns ${S}A; ip link set ${S}b netns ${S}B
ip -n ${S}A addr add 10.99.7.1/24 dev ${S}a; ip -n ${S}B addr add 10.99.7.2/24 dev ${S}b
for n in ${S}A ${S}B; do ip -n $n link set lo up; done
ip -n ${S}A link set ${S}a up; ip -n ${S}B link set ${S}b up
ip netns exec ${S}A ethtool -K ${S}a tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec ${S}B ethtool -K ${S}b tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec ${S}B python3 -c '
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,4096); s.bind(("10.99.7.2",9004)); s.listen(5)
c,_=s.accept(); time.sleep(300)' &
SPID=$!
sleep 0.5
ip netns exec ${S}A tcpdump -i ${S}a -s 256 -U -w "$TMP/cap.pcap" tcp 2>"$TMP/tcpdump.err" &
TPID=$!
sleep 1
ip netns exec ${S}A python3 -c '
import socket,time
c=socket.create_connection(("10.99.7.2",9004)); c.settimeout(25)
try: c.sendall(b"y"*200000)
except Exception: pass
time.sleep(300)' &
CPID=$!
sleep 20
{ echo "# ss in ${S}A (client 10.99.7.1)"; ip netns exec ${S}A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.7.2)"; ip netns exec ${S}B ss -tanoi state all; } > "$SNAP"
sleep 0.2
kill -INT "$TPID"; wait "$TPID" || true
TPID=""
cp "$TMP/cap.pcap" "$OUT"
echo "zero-window.sh: $(tcpdump -nr "$OUT" 2>/dev/null | grep -c .) packets -> $OUT"
