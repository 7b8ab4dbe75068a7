#!/usr/bin/env bash
# Records fixtures/real/sim-close-lost.pcap: a simultaneous close whose crossing FINs are both
# lost past the capture point, then resent until they get through.
#
#   scripts/record-real/sim-close-lost.sh        # as root; tcpdump, python3, iproute2, nftables; ~6 s
#
# Two network namespaces joined by a veth pair (client 10.99.12.1, server 10.99.12.2:9007), an nft
# input-hook rule in each dropping every FIN (tcpdump's tap on the client's veth is before it, so
# the capture shows each FIN pass). Ping, pong; both sides shutdown(SHUT_WR) at the same instant, so
# the FINs cross; each kernel stays in FIN-WAIT-1 (its peer's FIN dropped) and resends its FIN with
# its old ACK; 1.2 s later both rules are deleted, the next resends get through, CLOSING, then
# TIME-WAIT on both sides. ss in both namespaces 0.6 s after the close is
# sim-close-lost.at-0.6s.txt (both FIN-WAIT-1); at the end, sim-close-lost.at-end.txt (both TIME-WAIT).
# tcpflow-analyze reads FIN_WAIT_1 until the resends, not CLOSING at the crossing
# (test/real/kernel-states.test.ts "sim-close-lost"). From the helper-74 audit's sim-close-drop.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/sim-close-lost.pcap"
MID="$HERE/../../fixtures/real/sim-close-lost.at-0.6s.txt"
SNAP="$HERE/../../fixtures/real/sim-close-lost.at-end.txt"
RR_NAME=sim-close-lost.sh
. "$HERE/lib.sh"
rr_need_nft
S=scl
rr_netns_pair $S 12
for n in A B; do
  $n nft add table inet scl; $n nft add chain inet scl in '{ type filter hook input priority 0; }'
  $n nft add rule inet scl in tcp flags '&' fin == fin drop
done
AT=$(python3 -c 'import time; print(time.time() + 2.5)') # the close, for both sides
B python3 -c '
import socket,sys,time
s=socket.socket(); s.bind(("10.99.12.2",9007)); s.listen(5)
c,_=s.accept(); c.recv(100); c.sendall(b"pong")
time.sleep(max(0,float(sys.argv[1])-time.time())); c.shutdown(socket.SHUT_WR)
c.recv(100); time.sleep(300)' "$AT" &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
A python3 -c '
import socket,sys,time
c=socket.create_connection(("10.99.12.2",9007)); c.sendall(b"ping"); c.recv(100)
time.sleep(max(0,float(sys.argv[1])-time.time())); c.shutdown(socket.SHUT_WR)
c.recv(100); time.sleep(300)' "$AT" &
RR_PIDS+=($!)
python3 -c "import time; time.sleep(max(0, $AT + 0.6 - time.time()))"
{ echo "# ss in ${S}A (client 10.99.12.1), 0.6 s after both closed"; A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.12.2)"; B ss -tanoi state all; } | sed "s/[[:space:]]*$//" > "$MID"
python3 -c "import time; time.sleep(max(0, $AT + 1.2 - time.time()))"
A nft delete table inet scl; B nft delete table inet scl
sleep 2
{ echo "# ss in ${S}A (client 10.99.12.1)"; A ss -tanoi state all; echo "# ss in ${S}B (server 10.99.12.2)"; B ss -tanoi state all; } | sed "s/[[:space:]]*$//" > "$SNAP"
rr_tcpdump_stop "$OUT"
