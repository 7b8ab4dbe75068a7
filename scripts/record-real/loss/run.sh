#!/usr/bin/env bash
# Generic recorder: two namespaces on a veth pair (client 10.99.NET.1 = ${S}A, server 10.99.NET.2:PORT = ${S}B),
# tcpdump on the client's veth (in ${S}A: it taps after A's output hook and before A's input hook),
# nft rules set up by SETUP (a function of the scenario script), the server then the client running
# app.py steps; ss -tanoi of both namespaces at the app's snap: steps and at the end.
#   NAME= NET= PORT= SERVER_STEPS= CLIENT_STEPS= DURATION= [SETUP=fn] run.sh
set -euo pipefail
LOSS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RR_NAME=$NAME
. "$LOSS/../lib.sh"
rr_need_nft
S=${S:-l$NET}
rr_netns_pair $S $NET
export SNAPDIR=${LOSS_OUT:-$LOSS/out} SNAPNAME=$NAME NSA=${S}A NSB=${S}B
mkdir -p "$SNAPDIR"; rm -f "$SNAPDIR/$NAME".*
for n in A B; do $n nft add table inet loss; for h in input output; do $n nft add chain inet loss $h "{ type filter hook $h priority 0; }"; done; done
[[ -n "${SETUP:-}" ]] && eval "$SETUP"
B python3 "$LOSS/app.py" server 10.99.$NET.2 $PORT "$SERVER_STEPS" > "$TMP/server.log" 2>&1 &
RR_PIDS+=($!)
sleep 0.5
rr_tcpdump_start ${S}A ${S}a tcp
A python3 "$LOSS/app.py" client 10.99.$NET.2 $PORT "$CLIENT_STEPS" > "$TMP/client.log" 2>&1 &
RR_PIDS+=($!)
sleep "$DURATION"
python3 "$LOSS/app.py" snap end > /dev/null
{ echo "# nft counters at the end"; for n in A B; do echo "## ${S}$n"; $n nft list table inet loss; done; } > "$SNAPDIR/$NAME.nft.txt"
rr_tcpdump_stop "$SNAPDIR/$NAME.pcap"
sort -n "$TMP/server.log" "$TMP/client.log" > "$SNAPDIR/$NAME.app.log"
cat "$SNAPDIR/$NAME.app.log"
