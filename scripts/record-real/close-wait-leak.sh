#!/usr/bin/env bash
# Records fixtures/real/close-wait-leak.pcap: a server that never calls close() (a socket leak).
#
#   scripts/record-real/close-wait-leak.sh        # as root; tcpdump, python3, iproute2; ~75 s
#
# Two network namespaces joined by a veth pair (client 10.99.10.1, server 10.99.10.2:8080). The
# client sends a request, reads the answer and closes; the server reads EOF and never closes, so it
# sits in CLOSE_WAIT while the client's orphan FIN_WAIT_2 expires (tcp_fin_timeout, 60 s). At 62 s
# ss is saved (close-wait-leak.at-62s.txt: the server in CLOSE-WAIT, the client's socket gone); at
# 65 s the server writes again and the client's kernel, with no socket, answers with a bare RST
# (RFC 9293 §3.10.7.1). tcpflow-analyze reads LINGERING_CLOSE_WAIT and LINGERING_FIN_WAIT_2 (65 s
# quiet in the state) and the RESET (test/real/kernel-states.test.ts "close-wait-leak").
# Made by the helper-72 audit (2026-12-06) as /tmp/sre/s1c-closewait-65s.sh.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/close-wait-leak.pcap"
SNAP="$HERE/../../fixtures/real/close-wait-leak.at-62s.txt"
RR_NAME=close-wait-leak.sh
. "$HERE/lib.sh"
S=cwl
rr_netns_pair $S 10
ip netns exec ${S}B python3 -c '
import socket,time
s=socket.socket(); s.bind(("10.99.10.2",8080)); s.listen(5)
c,_=s.accept(); d=c.recv(100); c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello")
while c.recv(100): pass
time.sleep(65); c.sendall(b"late data"); time.sleep(300)' &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
ip netns exec ${S}A python3 -c '
import socket
c=socket.create_connection(("10.99.10.2",8080)); c.sendall(b"GET / HTTP/1.0\r\n\r\n"); c.recv(100); c.close()'
sleep 62
{ echo "# ss at 62 s (after fin_timeout, before the server writes)"; ip netns exec ${S}A ss -tanoi state all; ip netns exec ${S}B ss -tanoi state all; } > "$SNAP"
sleep 7
rr_tcpdump_stop "$OUT"
