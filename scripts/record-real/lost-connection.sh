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
RR_NAME=lost-connection.sh
. "$HERE/lib.sh"
rr_need_nft
S=lcn
rr_netns_pair $S 8
B python3 -c '
import socket,time
s=socket.socket(); s.bind(("10.99.8.2",9005)); s.listen(5)
c,_=s.accept(); c.recv(100); c.sendall(b"pong"); time.sleep(300)' &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
ip netns exec ${S}A python3 -c '
import socket,time
c=socket.create_connection(("10.99.8.2",9005)); c.sendall(b"ping"); c.recv(100)
time.sleep(6); c.sendall(b"ping2")
try: c.recv(100)
except Exception: pass
time.sleep(300)' &
RR_PIDS+=($!)
sleep 1.5
B nft add table inet lcn; B nft add chain inet lcn out '{ type filter hook output priority 0; }'
B nft add rule inet lcn out tcp sport 9005 tcp flags \& rst == rst drop
B ss -K -tn state established '( sport = :9005 )' >/dev/null
B nft delete table inet lcn
sleep 7.5
{ echo "# ss in ${S}A (client 10.99.8.1)"; ip netns exec ${S}A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.8.2)"; B ss -tanoi state all; } > "$SNAP"
sleep 0.2
rr_tcpdump_stop "$OUT"
