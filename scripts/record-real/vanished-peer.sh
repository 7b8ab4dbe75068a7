#!/usr/bin/env bash
# Records fixtures/real/vanished-peer.pcap: a peer that vanishes mid-transfer, and a sender that
# gives up on it without a segment.
#
#   scripts/record-real/vanished-peer.sh        # as root; tcpdump, python3, iproute2, nftables; ~20 s
#
# Two network namespaces joined by a veth pair (client 10.99.11.1, server 10.99.11.2:9006), the
# client with net.ipv4.tcp_retries2=5 (~13 s of retries instead of ~15 min). Two connections: one
# streams 1000 bytes every 50 ms, one is idle. 1 s in, nft drops everything of the server's port in
# its namespace (a peer powered off or partitioned); 0.5 s later the client shuts the idle one down
# for writing (its FIN). The client resends the data and the FIN with exponential backoff, never
# acknowledged, until both sockets fail with ETIMEDOUT, and no RST goes out. ss in the client's
# namespace 4 s after the drop is vanished-peer.at-4s.txt (the first in ESTAB with unacknowledged
# data and a backed-off retransmission timer, the second in FIN-WAIT-1); at the end,
# vanished-peer.at-end.txt (no client socket left; the server still holds both in ESTAB).
# tcpflow-analyze reads UNANSWERED_RETRANSMISSIONS for both (test/real/kernel-states.test.ts
# "vanished-peer"). helper-72's audit made the first half as /tmp/sre/s2-vanish.sh.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/vanished-peer.pcap"
MID="$HERE/../../fixtures/real/vanished-peer.at-4s.txt"
SNAP="$HERE/../../fixtures/real/vanished-peer.at-end.txt"
RR_NAME=vanished-peer.sh
. "$HERE/lib.sh"
rr_need_nft
S=vpr
rr_netns_pair $S 11
A sysctl -qw net.ipv4.tcp_retries2=5
B python3 -c '
import socket,threading,time
s=socket.socket(); s.bind(("10.99.11.2",9006)); s.listen(5)
def drain(c):
  while c.recv(65536): pass
for _ in range(2):
  c,_=s.accept(); threading.Thread(target=drain,args=(c,),daemon=True).start()
time.sleep(300)' &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
A python3 -c '
import socket,threading,time
def log(m): print("%.3f %s"%(time.time(),m),flush=True)
def stream():
  c=socket.create_connection(("10.99.11.2",9006))
  try:
    while True: c.sendall(b"x"*1000); time.sleep(0.05)
  except Exception as e: log("stream error: %r"%e)
threading.Thread(target=stream,daemon=True).start()
time.sleep(0.1)
idle=socket.create_connection(("10.99.11.2",9006))
time.sleep(1.4)
idle.shutdown(socket.SHUT_WR); log("idle shut down for writing")
try: idle.recv(100); log("idle recv returned")
except Exception as e: log("idle error: %r"%e)
time.sleep(300)' > "$TMP/client.log" 2>&1 &
RR_PIDS+=($!)
sleep 1.1
rr_blackhole ${S}B vpr 9006
sleep 4
{ echo "# ss in ${S}A (client 10.99.11.1), 4 s after the drop"; A ss -tanoi state all; } | sed "s/[[:space:]]*$//" > "$MID"
for _ in $(seq 60); do (($(grep -c error "$TMP/client.log") == 2)) && break; sleep 1; done
(($(grep -c error "$TMP/client.log") == 2)) || { cat "$TMP/client.log" >&2; rr_die "the client never gave up on both connections"; }
cat "$TMP/client.log"
sleep 1
{ echo "# ss in ${S}A (client 10.99.11.1)"; A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.11.2)"; B ss -tanoi state all; } | sed "s/[[:space:]]*$//" > "$SNAP"
rr_tcpdump_stop "$OUT"
