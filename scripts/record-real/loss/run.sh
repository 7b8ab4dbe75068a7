#!/usr/bin/env bash
# Generic recorder: two namespaces on a veth pair (client 10.99.NET.1 = ${S}A, server 10.99.NET.2:PORT = ${S}B),
# tcpdump on the client's veth (in ${S}A: it taps after A's output hook and before A's input hook),
# nft rules set up by SETUP (a function of the scenario script), the server then the client running
# app.py steps; ss -tanoi of both namespaces at the app's snap: steps and at the end.
# BRIDGE=1: a third namespace ${S}R bridges the client's and the server's veths instead, and drops in
# its nft bridge forward hook (table bridge loss, chain fw), so no sender's TCP learns of the drop
# (an output-hook drop returns EPERM to the sender, which then keeps the segment unsent); there
# CAPTURE=A (default: tcpdump on the client's veth) or B (on the server's veth).
#   NAME= NET= PORT= SERVER_STEPS= CLIENT_STEPS= DURATION= [SETUP=fn] [BRIDGE=1 [CAPTURE=A|B]] run.sh
set -euo pipefail
LOSS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RR_NAME=$NAME
. "$LOSS/../lib.sh"
rr_need_nft
br_setup() {
  local n
  for n in A B R; do ip netns del "${S}$n" 2>/dev/null || true; ip netns add "${S}$n"; RR_NETNS+=("${S}$n"); ip -n "${S}$n" link set lo up; done
  ip link add "${S}a" type veth peer name "${S}ra"; ip link add "${S}b" type veth peer name "${S}rb"
  ip link set "${S}a" netns "${S}A"; ip link set "${S}ra" netns "${S}R"; ip link set "${S}b" netns "${S}B"; ip link set "${S}rb" netns "${S}R"
  ip -n "${S}R" link add br0 type bridge; ip -n "${S}R" link set "${S}ra" master br0; ip -n "${S}R" link set "${S}rb" master br0
  for n in "${S}ra" "${S}rb" br0; do ip -n "${S}R" link set $n up; done
  ip -n "${S}A" addr add "10.99.$NET.1/24" dev "${S}a"; ip -n "${S}B" addr add "10.99.$NET.2/24" dev "${S}b"
  ip -n "${S}A" link set "${S}a" up; ip -n "${S}B" link set "${S}b" up
  for n in A B R; do for i in $(ip -n "${S}$n" -o link | awk -F': ' '{print $2}' | cut -d@ -f1); do ip netns exec "${S}$n" ethtool -K "$i" tso off gso off gro off >/dev/null 2>&1 || true; done; done
  R nft add table bridge loss; R nft add chain bridge loss fw '{ type filter hook forward priority 0; }'
  sleep 1 # bridge ports forwarding
}
R() { ip netns exec "${S}R" "$@"; }
S=${S:-l$NET}
if [[ -n ${BRIDGE:-} ]]; then br_setup; export NSR=${S}R; else rr_netns_pair $S $NET; fi
export SNAPDIR=${LOSS_OUT:-$LOSS/out} SNAPNAME=$NAME NSA=${S}A NSB=${S}B
mkdir -p "$SNAPDIR"; rm -f "$SNAPDIR/$NAME".*
for n in A B; do $n nft add table inet loss; for h in input output; do $n nft add chain inet loss $h "{ type filter hook $h priority 0; }"; done; done
[[ -n "${SETUP:-}" ]] && eval "$SETUP"
B python3 "$LOSS/app.py" server 10.99.$NET.2 $PORT "$SERVER_STEPS" > "$TMP/server.log" 2>&1 &
RR_PIDS+=($!)
sleep 0.5
if [[ ${CAPTURE:-A} == B ]]; then rr_tcpdump_start ${S}B ${S}b tcp; else rr_tcpdump_start ${S}A ${S}a tcp; fi
A python3 "$LOSS/app.py" client 10.99.$NET.2 $PORT "$CLIENT_STEPS" > "$TMP/client.log" 2>&1 &
RR_PIDS+=($!)
sleep "$DURATION"
python3 "$LOSS/app.py" snap end > /dev/null
{ echo "# nft counters at the end"; for n in A B; do echo "## ${S}$n"; $n nft list table inet loss; done
  if [[ -n ${BRIDGE:-} ]]; then echo "## ${S}R"; R nft list table bridge loss; fi; } > "$SNAPDIR/$NAME.nft.txt"
rr_tcpdump_stop "$SNAPDIR/$NAME.pcap"
sort -n "$TMP/server.log" "$TMP/client.log" > "$SNAPDIR/$NAME.app.log"
cat "$SNAPDIR/$NAME.app.log"
