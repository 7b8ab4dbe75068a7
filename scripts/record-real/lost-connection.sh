#!/usr/bin/env bash
# Records fixtures/real/lost-connection.pcap: a server that loses a connection silently, and the RST
# its kernel answers the client's next request with.
#
#   scripts/record-real/lost-connection.sh        # as root; tcpdump, python3, iproute2, nftables; ~12 s
#
# Two network namespaces joined by a veth pair (client 10.99.8.1, server 10.99.8.2:9005). Ping,
# pong; then the server's socket is destroyed (ss -K) while an nft output rule drops its RST, as a
# NAT or conntrack entry expiring, or a rebooted server, loses a connection without a word. 6 s
# later the client sends again and the server's kernel, with no socket, answers with a RST without
# ACK at the client's ACK number (RFC 9293 §3.10.7.1). ss at the end is saved as
# lost-connection.at-end.txt (neither socket left). tcpflow-analyze reads RESET by the server with
# details.noConnection (test/real/kernel-states.test.ts "lost-connection").
# Made by the helper-72 audit (2026-12-06) as /tmp/sre/s7-idle-rst.sh.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/lost-connection.pcap"
SNAP="$HERE/../../fixtures/real/lost-connection.at-end.txt"
[[ $(id -u) == 0 ]] || { echo "lost-connection.sh: needs root (netns, tcpdump, nft)" >&2; exit 1; }
S=lcn
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
B() { ip netns exec ${S}B "$@"; }
ip netns del ${S}A 2>/dev/null || true; ip netns del ${S}B 2>/dev/null || true
ip netns add ${S}A; ip netns add ${S}B
ip link add ${S}a type veth peer name ${S}b
ip link set ${S}a netns ${S}A; ip link set ${S}b netns ${S}B
ip -n ${S}A addr add 10.99.8.1/24 dev ${S}a; ip -n ${S}B addr add 10.99.8.2/24 dev ${S}b
for n in ${S}A ${S}B; do ip -n $n link set lo up; done
ip -n ${S}A link set ${S}a up; ip -n ${S}B link set ${S}b up
B python3 -c '
import socket,time
s=socket.socket(); s.bind(("10.99.8.2",9005)); s.listen(5)
c,_=s.accept(); c.recv(100); c.sendall(b"pong"); time.sleep(300)' &
SPID=$!
sleep 0.5
ip netns exec ${S}A tcpdump -i ${S}a -s 256 -U -w "$TMP/cap.pcap" tcp 2>"$TMP/tcpdump.err" &
TPID=$!
sleep 1
ip netns exec ${S}A python3 -c '
import socket,time
c=socket.create_connection(("10.99.8.2",9005)); c.sendall(b"ping"); c.recv(100)
time.sleep(6); c.sendall(b"ping2")
try: c.recv(100)
except Exception: pass
time.sleep(300)' &
CPID=$!
sleep 1.5
B nft add table inet lcn; B nft add chain inet lcn out '{ type filter hook output priority 0; }'
B nft add rule inet lcn out tcp sport 9005 tcp flags \& rst == rst drop
B ss -K -tn state established '( sport = :9005 )' >/dev/null
B nft delete table inet lcn
sleep 7.5
{ echo "# ss in ${S}A (client 10.99.8.1)"; ip netns exec ${S}A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.8.2)"; B ss -tanoi state all; } > "$SNAP"
sleep 0.2
kill -INT "$TPID"; wait "$TPID" || true
TPID=""
cp "$TMP/cap.pcap" "$OUT"
echo "lost-connection.sh: $(tcpdump -nr "$OUT" 2>/dev/null | grep -c .) packets -> $OUT"
