#!/usr/bin/env bash
# Records fixtures/real/syn-fin.pcap: how Linux answers a SYN+FIN probe (raw socket, root).
#
#   scripts/record-real/syn-fin.sh        # as root; tcpdump, node, python3; ~4 s
#
# 1. A SYN+FIN to a port nobody listens on (29112): the kernel answers RST,ACK acknowledging
#    ISN + 2 (RFC 9293 §3.10.7.1: <ACK=SEG.SEQ+SEG.LEN>, the FIN counted).
# 2. A SYN+FIN to a listening port (29113): Linux drops it (tcp_rcv_state_process discards a SYN
#    with FIN in LISTEN), so it reads as a SYN never answered.
# tcpflow-analyze takes each as its client's SYN, the FIN ignored (INVALID_FLAGS, details.synTaken):
# 1 is REFUSED, 2 HALF_OPEN (test/real/kernel-states.test.ts "syn-fin").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/syn-fin.pcap"
CLOSED=29112
LISTENING=29113
CP=29180
RR_NAME=syn-fin.sh
. "$HERE/lib.sh"
ss -Htln "( sport = :$CLOSED )" | grep -q . && rr_die "port $CLOSED is in use"
rr_tcpdump_start - lo "tcp port $CLOSED or tcp port $LISTENING"
node -e "require('node:net').createServer(() => {}).listen($LISTENING, '127.0.0.1'); setTimeout(() => process.exit(0), 3000);" &
RR_PIDS+=($!)
sleep 0.5
python3 "$HERE/raw-syn.py" "$CP" "$CLOSED" 1000000 fin
sleep 0.3
python3 "$HERE/raw-syn.py" "$CP" "$LISTENING" 2000000 fin
sleep 1
rr_tcpdump_stop "$OUT"
