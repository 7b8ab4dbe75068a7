#!/usr/bin/env bash
# Records fixtures/real/close-wait-slow-reader.pcap: a server that reads slowly (a 4 KiB receive
# buffer, 2000 bytes every 0.5 s) while its client sends 40,000 bytes and shuts down its side, so
# every ACK of the transfer's end waits for the server's delayed-ACK timer (~40 ms), and the server
# closes once it has read to the end, ~1.5 s after the FIN arrived.
#
#   scripts/record-real/close-wait-slow-reader.sh        # as root; tcpdump, python3, iproute2; ~14 s
#
# Two network namespaces on a veth pair (client 10.99.14.1, server 10.99.14.2:9009), tcpdump on the
# client's veth: the FIN reaches the server microseconds after its capture. The server writes the
# wall-clock time of its close() (the clock tcpdump stamps with, on the same host) into
# close-wait-slow-reader.server.txt; close.closeWait is read against close() minus the FIN's
# capture (test/real/kernel-states.test.ts "close-wait-slow-reader"; helper-80 audit: the round
# trip taken from those delayed ACKs made it read 41 ms short).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/close-wait-slow-reader.pcap"
LOG="$HERE/../../fixtures/real/close-wait-slow-reader.server.txt"
RR_NAME=close-wait-slow-reader.sh
. "$HERE/lib.sh"
S=cwsr
rr_netns_pair $S 14
rr_tcpdump_start ${S}A ${S}a 'tcp port 9009'
B python3 -c '
import socket, time
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
ls.bind(("10.99.14.2", 9009)); ls.listen(1)
c, a = ls.accept()
got = 0
while True:
    time.sleep(0.5)
    d = c.recv(2000)
    if not d: break
    got += len(d)
c.close()
print("# client port, bytes read, wall-clock time of close() (seconds since the epoch, as tcpdump stamps)")
print(a[1], got, "%.6f" % time.time())
' > "$TMP/server.txt" &
RR_PIDS+=($!)
sleep 0.5
A python3 -c '
import socket
s = socket.create_connection(("10.99.14.2", 9009), 5)
s.settimeout(None)
s.sendall(b"a" * 40000)
s.shutdown(socket.SHUT_WR)
s.recv(10)
s.close()
'
wait "${RR_PIDS[0]}"
sleep 0.5
rr_tcpdump_stop "$OUT"
cp "$TMP/server.txt" "$LOG"
cat "$LOG"
