#!/usr/bin/env bash
# run.sh NAME MODE [app args]   (helper-95, 2026-12-07; writes to $OUT_DIR/NAME, default /tmp/record-queued)   env: DAB DBA (s, bridge delays), TBF_AB TBF_BA (tbf rate on the path to B / to A),
#  TBF_LAT (tbf latency, default 2s), DROPFIN (seconds: B drops client FINs for that long after AT), DROPFIN_A (A drops server FINs),
#  CROSS=1 (a sink on port 9001 for crossbulk's A->B cross traffic), DUR (s after AT before stopping, default 3)
set -euo pipefail
NAME=$1; MODE=$2; shift 2; ARGS=("$@")
HERE=$(cd "$(dirname "$0")" && pwd); OUT=${OUT_DIR:-/tmp/record-queued}/$NAME; mkdir -p "$OUT"; rm -f "$OUT"/*
# Without ethtool the veths keep segmentation offloads on and the bridge meets frames over the MTU.
command -v ethtool >/dev/null || { echo "run.sh: needs ethtool (apt-get install ethtool)" >&2; exit 2; }
S=h95; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; sleep 0.3; for n in A B R; do ip netns del $S$n 2>/dev/null || true; done; }
trap cleanup EXIT
for n in A B R; do ip netns del $S$n 2>/dev/null || true; ip netns add $S$n; ip -n $S$n link set lo up; done
ip link add ${S}a type veth peer name ${S}ra; ip link set ${S}a netns ${S}A; ip link set ${S}ra netns ${S}R
ip link add ${S}b type veth peer name ${S}rb; ip link set ${S}b netns ${S}B; ip link set ${S}rb netns ${S}R
ip -n ${S}A addr add 10.99.95.1/24 dev ${S}a; ip -n ${S}B addr add 10.99.95.2/24 dev ${S}b
ip -n ${S}A link set ${S}a up; ip -n ${S}B link set ${S}b up
ip -n ${S}R link set ${S}ra up promisc on; ip -n ${S}R link set ${S}rb up promisc on
for x in "A a" "B b" "R ra" "R rb"; do read -r ns ifc <<<"$x"; ip netns exec $S$ns ethtool -K $S$ifc tso off gso off gro off >/dev/null 2>&1 || true; done
ip -n ${S}A link set ${S}a mtu 1500; 
[[ -n "${TBF_AB:-}" ]] && ip netns exec ${S}R tc qdisc add dev ${S}rb root tbf rate $TBF_AB burst 3000 latency ${TBF_LAT:-2s}
[[ -n "${TBF_BA:-}" ]] && ip netns exec ${S}R tc qdisc add dev ${S}ra root tbf rate $TBF_BA burst 3000 latency ${TBF_LAT:-2s}
ip netns exec ${S}R python3 $HERE/bridge2.py ${S}ra ${S}rb ${DAB:-0} ${DBA:-0} 2>$OUT/bridge.err & PIDS+=($!)
sleep 0.3
AT=$(python3 -c 'import time; print(time.time() + 5.0)')
if [[ -n "${DROPFIN:-}" ]]; then ip netns exec ${S}B nft add table inet d; ip netns exec ${S}B nft add chain inet d in '{ type filter hook input priority 0; }'; ip netns exec ${S}B nft add rule inet d in ip saddr 10.99.95.1 tcp dport 9000 tcp flags '&' fin == fin counter drop; fi
if [[ -n "${DROPFIN_A:-}" ]]; then ip netns exec ${S}A nft add table inet d; ip netns exec ${S}A nft add chain inet d in '{ type filter hook input priority 0; }'; ip netns exec ${S}A nft add rule inet d in ip saddr 10.99.95.2 tcp sport 9000 tcp flags '&' fin == fin counter drop; fi
ip netns exec ${S}A tcpdump -i ${S}a -nn -U -s 128 -w $OUT/near-client.pcap tcp port 9000 2>$OUT/td1.err & PIDS+=($!)
ip netns exec ${S}B tcpdump -i ${S}b -nn -U -s 128 -w $OUT/near-server.pcap tcp port 9000 2>$OUT/td2.err & PIDS+=($!)
ip netns exec ${S}A python3 $HERE/sswatch.py 9000 $OUT/ss-client.log $(( ${DUR:-3} + 3 )) & PIDS+=($!)
ip netns exec ${S}B python3 $HERE/sswatch.py 9000 $OUT/ss-server.log $(( ${DUR:-3} + 3 )) & PIDS+=($!)
sleep 0.5
ip netns exec ${S}B python3 $HERE/app.py server $MODE $AT "${ARGS[@]}" 2>>$OUT/app.log & PIDS+=($!)
if [[ -n "${CROSS:-}" ]]; then
  ip netns exec ${S}B python3 $HERE/app.py bulks x $AT 2>>$OUT/app.log & PIDS+=($!)
fi
ip netns exec ${S}A python3 $HERE/app.py client $MODE $AT "${ARGS[@]}" 2>>$OUT/app.log & PIDS+=($!)
if [[ -n "${DROPFIN:-}" ]]; then python3 -c "import time; time.sleep(max(0,$AT+$DROPFIN-time.time()))"; ip netns exec ${S}B nft list ruleset > $OUT/nft-server.txt; ip netns exec ${S}B nft delete table inet d; fi
if [[ -n "${DROPFIN_A:-}" ]]; then python3 -c "import time; time.sleep(max(0,$AT+$DROPFIN_A-time.time()))"; ip netns exec ${S}A nft list ruleset > $OUT/nft-client.txt; ip netns exec ${S}A nft delete table inet d; fi
python3 -c "import time; time.sleep(max(0,$AT+${DUR:-3}-time.time()))"
{ echo "# client ns"; ip netns exec ${S}A ss -tanoi state all; echo "# server ns"; ip netns exec ${S}B ss -tanoi state all; } > $OUT/ss-end.txt
echo "AT=$AT NAME=$NAME MODE=$MODE ARGS=${ARGS[*]} DAB=${DAB:-0} DBA=${DBA:-0} TBF_AB=${TBF_AB:-} TBF_BA=${TBF_BA:-} TBF_LAT=${TBF_LAT:-} DROPFIN=${DROPFIN:-} DROPFIN_A=${DROPFIN_A:-} CROSS=${CROSS:-} CROSS_PRE=${CROSS_PRE:-} DUR=${DUR:-3}" > $OUT/params.txt
