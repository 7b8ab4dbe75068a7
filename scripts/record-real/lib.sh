# Shared by the standalone recorders (syn-fin.sh, time-wait-syn.sh, close-wait-leak.sh,
# zero-window.sh, lost-connection.sh, keepalive-timeout.sh, vanished-peer.sh, sim-close-lost.sh,
# close-wait-delay.sh, close-wait-slow-reader.sh);
# record.sh keeps its own. Source it after setting RR_NAME.
#
# What it gives: a temp dir ($TMP), a cleanup on every exit (the background jobs in RR_PIDS and
# their children killed, tcpdump stopped, the namespaces in RR_NETNS deleted, tcpdump's errors
# shown if we failed), rr_die, rr_netns_pair (two namespaces on a veth pair) with A / B to run a
# command in either, rr_need_nft, rr_blackhole and rr_tcpdump_start / rr_tcpdump_stop.

[[ $(id -u) == 0 ]] || { echo "$RR_NAME: needs root (tcpdump, raw sockets or network namespaces)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "$RR_NAME: needs python3" >&2; exit 1; }
TMP=$(mktemp -d)
RR_TPID=""
RR_PIDS=()
RR_NETNS=()

rr_cleanup() {
  local rc=$?
  local pid ns
  # Children too: a job started as `B python3 ... &` is a subshell whose child runs the program.
  for pid in "${RR_PIDS[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  [[ -n "$RR_TPID" ]] && kill -INT "$RR_TPID" 2>/dev/null
  for ns in "${RR_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  ((rc == 0)) || cat "$TMP/tcpdump.err" >&2 2>/dev/null
  rm -rf "$TMP"
}
trap rr_cleanup EXIT

rr_die() { echo "$RR_NAME: $*" >&2; exit 1; }

# rr_netns_pair S NET: namespaces ${S}A (10.99.NET.1 on ${S}a) and ${S}B (10.99.NET.2 on ${S}b),
# joined by a veth pair, offloads off (so the capture shows the segments the stacks sent).
rr_netns_pair() {
  local s=$1 net=$2 n
  ip netns del "${s}A" 2>/dev/null || true; ip netns del "${s}B" 2>/dev/null || true
  ip netns add "${s}A"; ip netns add "${s}B"
  RR_NETNS+=("${s}A" "${s}B")
  ip link add "${s}a" type veth peer name "${s}b"
  ip link set "${s}a" netns "${s}A"; ip link set "${s}b" netns "${s}B"
  ip -n "${s}A" addr add "10.99.$net.1/24" dev "${s}a"; ip -n "${s}B" addr add "10.99.$net.2/24" dev "${s}b"
  for n in "${s}A" "${s}B"; do ip -n "$n" link set lo up; done
  ip -n "${s}A" link set "${s}a" up; ip -n "${s}B" link set "${s}b" up
  ip netns exec "${s}A" ethtool -K "${s}a" tso off gso off gro off >/dev/null 2>&1 || true
  ip netns exec "${s}B" ethtool -K "${s}b" tso off gso off gro off >/dev/null 2>&1 || true
}

# A / B: run a command in ${S}A (the client's side) or ${S}B (the server's) of rr_netns_pair's pair.
A() { ip netns exec "${S}A" "$@"; }
B() { ip netns exec "${S}B" "$@"; }

rr_need_nft() { command -v nft >/dev/null || rr_die "needs nftables"; }

# rr_blackhole NETNS TABLE PORT: in NETNS, drop every TCP segment to or from PORT, input and
# output, before tcpdump on the other side sees any answer: a host that went silent.
rr_blackhole() {
  local ns=$1 t=$2 p=$3
  ip netns exec "$ns" nft add table inet "$t"
  ip netns exec "$ns" nft add chain inet "$t" in '{ type filter hook input priority 0; }'
  ip netns exec "$ns" nft add chain inet "$t" out '{ type filter hook output priority 0; }'
  ip netns exec "$ns" nft add rule inet "$t" in tcp dport "$p" drop
  ip netns exec "$ns" nft add rule inet "$t" out tcp sport "$p" drop
}

# rr_tcpdump_start NETNS|- IFACE FILTER: tcpdump into $TMP/cap.pcap, returning once it listens.
rr_tcpdump_start() {
  local ns=$1 iface=$2 filter=$3
  if [[ $ns == - ]]; then
    tcpdump -i "$iface" -nn -U -s 256 -w "$TMP/cap.pcap" "$filter" 2>"$TMP/tcpdump.err" &
  else
    ip netns exec "$ns" tcpdump -i "$iface" -nn -U -s 256 -w "$TMP/cap.pcap" "$filter" 2>"$TMP/tcpdump.err" &
  fi
  RR_TPID=$!
  for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.err" && break; sleep 0.1; done
  grep -q 'listening on' "$TMP/tcpdump.err" || rr_die "tcpdump did not start"
  sleep 0.3
}

# rr_tcpdump_stop OUT: stops tcpdump and copies the capture to OUT.
rr_tcpdump_stop() {
  kill -INT "$RR_TPID"; wait "$RR_TPID" || true
  RR_TPID=""
  cp "$TMP/cap.pcap" "$1"
  echo "$RR_NAME: $(tcpdump -nr "$1" 2>/dev/null | grep -c .) packets -> $1"
}
