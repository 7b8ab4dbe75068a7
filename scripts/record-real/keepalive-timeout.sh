#!/usr/bin/env bash
# Records fixtures/real/keepalive-timeout.pcap: Linux's keep-alive timer giving up on a dead peer.
#
#   scripts/record-real/keepalive-timeout.sh        # as root; tcpdump, python3, iproute2, nftables; ~12 s
#
# Two network namespaces joined by a veth pair (client 10.99.3.1, server 10.99.3.2:9001). Ping,
# pong on a client socket with SO_KEEPALIVE (TCP_KEEPIDLE 3 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 3);
# 1 s in, nft rules in the server's namespace drop everything of port 9001, as a dead peer or path.
# The client probes three times (SND.NXT - 1, no data), then resets (RST,ACK) and its recv() fails
# with ETIMEDOUT. tcpflow-analyze reads KEEP_ALIVE (3) and RESET by the client with
# details.keepAlivesUnanswered 3 (test/real/kernel-states.test.ts "keepalive-timeout").
# Made by the helper-72 audit (2026-12-06) as /tmp/sre/s3-keepalive.sh.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/keepalive-timeout.pcap"
RR_NAME=keepalive-timeout.sh
. "$HERE/lib.sh"
rr_need_nft
S=kat
rr_netns_pair $S 3
B python3 -c '
import socket,time
s=socket.socket(); s.bind(("10.99.3.2",9001)); s.listen(5)
c,_=s.accept(); c.recv(100); c.sendall(b"pong")
time.sleep(300)' &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
ip netns exec ${S}A python3 -c '
import socket,time
c=socket.create_connection(("10.99.3.2",9001))
c.setsockopt(socket.SOL_SOCKET,socket.SO_KEEPALIVE,1)
c.setsockopt(socket.IPPROTO_TCP,socket.TCP_KEEPIDLE,3)
c.setsockopt(socket.IPPROTO_TCP,socket.TCP_KEEPINTVL,1)
c.setsockopt(socket.IPPROTO_TCP,socket.TCP_KEEPCNT,3)
c.sendall(b"ping"); c.recv(100); t=time.time()
try: c.recv(100)
except Exception as e: print("client error after %.3f s: %r"%(time.time()-t,e),flush=True)
time.sleep(300)' > "$TMP/client.log" 2>&1 &
RR_PIDS+=($!)
sleep 1
rr_blackhole ${S}B kat 9001
for _ in $(seq 60); do grep -q "client error" "$TMP/client.log" && break; sleep 1; done
grep -q "client error" "$TMP/client.log" || rr_die "the client's keep-alive never gave up"
sleep 1
rr_tcpdump_stop "$OUT"
