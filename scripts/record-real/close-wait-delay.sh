#!/usr/bin/env bash
# Records fixtures/real/close-wait-delay.pcap: servers that close a known time after their client's
# FIN, captured at the client with a 50 ms round trip to the server, and what the servers measured.
#
#   scripts/record-real/close-wait-delay.sh        # as root; tcpdump, python3, iproute2 (tc netem); ~5 s
#
# Two network namespaces joined by a veth pair (client 10.99.13.1, server 10.99.13.2:9008), netem
# delaying the server's side 50 ms (its egress), tcpdump on the client's veth: the capture point is
# 50 ms of round trip away from the server, as on a client host or a tap near it. Three connections,
# one after the other: the client sends "n", reads the answer and shuts down its side; the server
# reads to the end of the stream, sleeps 0.2 s, 0 s and 0.5 s, then closes. The server's kernel
# enters CLOSE-WAIT as the FIN arrives and acknowledges it with a delayed ACK (40 ms or more later),
# so the capture shows that ACK ~90 ms after the FIN and the server's FIN ~50 ms + the sleep after
# it. close-wait-delay.server.txt holds each server's own measure, from recv() returning the end of
# the stream to close(). tcpflow-analyze's close.closeWait is read against it
# (test/real/kernel-states.test.ts "close-wait-delay"; helper-74 audit: timed from the ACK it read
# 0.159 s for an application that closed 0.2005 s after the FIN).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/close-wait-delay.pcap"
LOG="$HERE/../../fixtures/real/close-wait-delay.server.txt"
RR_NAME=close-wait-delay.sh
. "$HERE/lib.sh"
S=cwd
# Namespaces ${S}A (client 10.99.13.1) and ${S}B (server 10.99.13.2), each on a veth pair to ${S}R,
# where delay-bridge.py joins the two and holds what the server sends for 50 ms (tc netem would do
# where the kernel has sch_netem; the machines here have not).
for n in A B R; do ip netns del ${S}$n 2>/dev/null || true; ip netns add ${S}$n; RR_NETNS+=(${S}$n); done
ip link add ${S}a type veth peer name ${S}ra; ip link set ${S}a netns ${S}A; ip link set ${S}ra netns ${S}R
ip link add ${S}b type veth peer name ${S}rb; ip link set ${S}b netns ${S}B; ip link set ${S}rb netns ${S}R
ip -n ${S}A addr add 10.99.13.1/24 dev ${S}a; ip -n ${S}B addr add 10.99.13.2/24 dev ${S}b
for n in A B R; do ip -n ${S}$n link set lo up; done
ip -n ${S}A link set ${S}a up; ip -n ${S}B link set ${S}b up
ip -n ${S}R link set ${S}ra up promisc on; ip -n ${S}R link set ${S}rb up promisc on
ip netns exec ${S}R python3 "$HERE/delay-bridge.py" ${S}ra ${S}rb 0.05 &
RR_PIDS+=($!)
sleep 0.3
A python3 -c '
import socket,sys
try: socket.create_connection(("10.99.13.2", 9), 2)
except ConnectionRefusedError: sys.exit(0)
sys.exit(1)' || rr_die "the bridge does not carry the server's answers"
B python3 -c '
import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.13.2",9008)); s.listen(5)
out=open(sys.argv[1],"w")
out.write("# per connection, in order: client port, the sleep asked, seconds from recv() returning b\"\" (the FIN arrived) to close()\n")
for delay in (0.2, 0.0, 0.5):
    c,peer=s.accept(); c.recv(100); c.sendall(b"y")
    while c.recv(100): pass
    eof=time.monotonic(); time.sleep(delay); c.close(); closed=time.monotonic()
    out.write("%d %.1f %.6f\n" % (peer[1], delay, closed-eof)); out.flush()
time.sleep(300)' "$TMP/server.txt" &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
A python3 -c '
import socket,time
for _ in range(3):
    c=socket.create_connection(("10.99.13.2",9008)); c.sendall(b"n"); c.recv(100)
    c.shutdown(socket.SHUT_WR); c.recv(100); c.close(); time.sleep(0.3)'
sleep 0.5
rr_tcpdump_stop "$OUT"
sed "s/[[:space:]]*$//" "$TMP/server.txt" > "$LOG"
cat "$LOG"
