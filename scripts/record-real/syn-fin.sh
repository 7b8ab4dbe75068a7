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
[[ $(id -u) == 0 ]] || { echo "syn-fin.sh: needs root (tcpdump, a raw socket)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "syn-fin.sh: needs python3" >&2; exit 1; }
TMP=$(mktemp -d)
TPID=""
NPID=""
cleanup() {
  local rc=$?
  [[ -n "$NPID" ]] && kill "$NPID" 2>/dev/null
  [[ -n "$TPID" ]] && kill -INT "$TPID" 2>/dev/null
  ((rc == 0)) || cat "$TMP/tcpdump.err" >&2 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
die() { echo "syn-fin.sh: $*" >&2; exit 1; }
ss -Htln "( sport = :$CLOSED )" | grep -q . && die "port $CLOSED is in use"
tcpdump -i lo -nn -U -s 256 -w "$TMP/cap.pcap" "tcp port $CLOSED or tcp port $LISTENING" 2>"$TMP/tcpdump.err" &
TPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.err" && break; sleep 0.1; done
grep -q 'listening on' "$TMP/tcpdump.err" || die "tcpdump did not start"
node -e "require('node:net').createServer(() => {}).listen($LISTENING, '127.0.0.1'); setTimeout(() => process.exit(0), 3000);" &
NPID=$!
sleep 0.5
python3 "$HERE/raw-syn.py" "$CP" "$CLOSED" 1000000 fin
sleep 0.3
python3 "$HERE/raw-syn.py" "$CP" "$LISTENING" 2000000 fin
sleep 1
kill -INT "$TPID"; wait "$TPID" || true
TPID=""
cp "$TMP/cap.pcap" "$OUT"
echo "syn-fin.sh: $(tcpdump -nr "$OUT" 2>/dev/null | grep -c .) packets -> $OUT"
