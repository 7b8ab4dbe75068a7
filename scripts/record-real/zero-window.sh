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
RR_NAME=zero-window.sh
. "$HERE/lib.sh"
S=zwn
rr_netns_pair $S 7
ip netns exec ${S}B python3 -c '
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,4096); s.bind(("10.99.7.2",9004)); s.listen(5)
c,_=s.accept(); time.sleep(300)' &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
ip netns exec ${S}A python3 -c '
import socket,time
c=socket.create_connection(("10.99.7.2",9004)); c.settimeout(25)
try: c.sendall(b"y"*200000)
except Exception: pass
time.sleep(300)' &
RR_PIDS+=($!)
sleep 20
{ echo "# ss in ${S}A (client 10.99.7.1)"; ip netns exec ${S}A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.7.2)"; ip netns exec ${S}B ss -tanoi state all; } > "$SNAP"
sleep 0.2
rr_tcpdump_stop "$OUT"
