#!/usr/bin/env bash
# Record real captures of the Linux TCP stack on loopback, with the kernel's own socket states.
#
#   sudo scripts/record-real/record.sh              # every scenario
#   sudo scripts/record-real/record.sh reset ipv6   # some of them
#
# For each scenario: start tcpdump on lo filtered to the scenario's server port, run
# scenario.mjs (client and server in one Node process) until it prints READY (the kernel has
# reached the scenario's end state and every socket is held as it is), let late ACKs land,
# snapshot `ss -tanop state all` for the port, stop tcpdump (SIGINT, wait), snapshot again and
# insist nothing moved, then let the scenario go. Writes, replacing older versions:
#   fixtures/real/<name>.pcap      the capture (snaplen 256, LINKTYPE_ETHERNET as lo gives it)
#   fixtures/real/<name>.ss.txt    ss's output at the moment the capture stopped
#   fixtures/real/PROVENANCE.md    one row per capture (kernel, date, tcpdump version, commands)
#   fixtures/real/expected-states.json   regenerated from every .ss.txt by expected-states.mjs
#
# Idempotent: a re-run waits until no socket is left on the scenario's ports (a TIME-WAIT from
# the previous run lasts 60 s), and a capture is only replaced when its recording succeeded.
# Needs root (tcpdump on lo, netns + nft for sim-close), tcpdump, iproute2 (ss, ip), nftables, node.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/fixtures/real"
SNAPLEN=256
SETTLE=1          # seconds between READY and the ss snapshot (delayed ACKs are <= 200 ms)
ALL=(client-close server-close refused reset half-close ipv6 port-reuse sim-close half-close-data half-open-reconnect)

# name -> "server-port [client-port]". Below the ephemeral range (32768-60999) so nothing else
# picks them by chance; one port per scenario.
ports() {
  case "$1" in
    client-close) echo 29101 ;;
    server-close) echo 29102 ;;
    refused) echo 29103 ;;
    reset) echo 29104 ;;
    half-close) echo 29105 ;;
    ipv6) echo 29106 ;;
    port-reuse) echo "29107 29177" ;;
    sim-close) echo 29108 ;;
    half-close-data) echo 29109 ;;
    half-open-reconnect) echo "29110 29178" ;;
    *) return 1 ;;
  esac
}

die() { echo "record.sh: $*" >&2; exit 1; }
log() { echo "[record] $*" >&2; }

[[ $(id -u) == 0 ]] || die "needs root (tcpdump on lo, network namespaces)"
for t in tcpdump ss ip node; do command -v "$t" >/dev/null || die "missing $t"; done

NSNAME=""
TPID=""
SPID=""
TMP=""
cleanup() {
  [[ -n "$SPID" ]] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
  [[ -n "$TPID" ]] && kill -INT "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null || true
  [[ -n "$NSNAME" ]] && ip netns del "$NSNAME" 2>/dev/null || true
  [[ -n "$TMP" ]] && rm -rf "$TMP"
  SPID="" TPID="" NSNAME="" TMP=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Run "$@" inside the scenario's network namespace when it has one (foreground commands only).
inns() {
  if [[ -n "$NSNAME" ]]; then ip netns exec "$NSNAME" "$@"; else "$@"; fi
}

ss_filter() { echo "( sport = :$1 or dport = :$1 )"; }

# Wait (up to 75 s) until no socket at all uses port $1: leftovers from a previous run.
wait_clear() {
  local p=$1 i
  for ((i = 0; i < 150; i++)); do
    [[ -z "$(inns ss -Htan state all "$(ss_filter "$p")")" ]] && return 0
    ((i == 0)) && log "waiting for old sockets on port $p to go (TIME-WAIT lasts 60 s)..."
    sleep 0.5
  done
  inns ss -tan state all "$(ss_filter "$p")" >&2
  die "port $p still in use"
}

# Wait until file $1 has a line matching $2, while pid $3 lives; $4 = timeout in seconds.
wait_line() {
  local f=$1 re=$2 pid=$3 t=$4 i
  for ((i = 0; i < t * 20; i++)); do
    grep -q -- "$re" "$f" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { grep -q -- "$re" "$f" 2>/dev/null && return 0; return 1; }
    sleep 0.05
  done
  return 1
}

# The state and both addresses of each socket: what must not move while tcpdump stops.
ss_core() { grep -v '^#' "$1" | awk 'NR > 1 { print $1, $4, $5 }' | sort; }

record_one() {
  local name=$1 p cp
  read -r p cp <<<"$(ports "$name")" || die "unknown scenario: $name"
  TMP=$(mktemp -d)

  # Scenarios that need packets dropped where only nftables can: a private network namespace.
  if [[ $name == sim-close || $name == half-open-reconnect ]]; then
    command -v nft >/dev/null || die "$name needs nftables (apt-get install nftables)"
    NSNAME="tfa-rec-$$"
    ip netns add "$NSNAME"
    inns ip link set lo up
    inns nft add table inet tfa_rec
  fi
  if [[ $name == sim-close ]]; then
    # Drop FINs on the port at the input hook: tcpdump still sees them, the peers do not.
    inns nft add chain inet tfa_rec input '{ type filter hook input priority 0; }'
    inns nft add rule inet tfa_rec input tcp dport "$p" tcp flags \& fin == fin drop
    inns nft add rule inet tfa_rec input tcp sport "$p" tcp flags \& fin == fin drop
  elif [[ $name == half-open-reconnect ]]; then
    # Drop the client's RSTs at the output hook: neither tcpdump nor the server sees them.
    inns nft add chain inet tfa_rec output '{ type filter hook output priority 0; }'
    inns nft add rule inet tfa_rec output tcp sport "$cp" tcp flags \& rst == rst drop
  fi

  wait_clear "$p"
  [[ -n "$cp" ]] && wait_clear "$cp"

  local tcpdump_cmd=(tcpdump -i lo -nn -U -s "$SNAPLEN" -Z root -w "$TMP/cap.pcap" "tcp port $p")
  # exec, so that $! is tcpdump itself (SIGINT must reach it, not a subshell).
  if [[ -n "$NSNAME" ]]; then
    (exec ip netns exec "$NSNAME" "${tcpdump_cmd[@]}") 2>"$TMP/tcpdump.err" &
  else
    (exec "${tcpdump_cmd[@]}") 2>"$TMP/tcpdump.err" &
  fi
  TPID=$!
  wait_line "$TMP/tcpdump.err" 'listening on' "$TPID" 5 || { cat "$TMP/tcpdump.err" >&2; die "$name: tcpdump did not start"; }
  sleep 0.3

  local scenario_cmd=(node scripts/record-real/scenario.mjs "$name" "$p" ${cp:+"$cp"})
  if [[ -n "$NSNAME" ]]; then
    (cd "$ROOT" && exec ip netns exec "$NSNAME" "${scenario_cmd[@]}") >"$TMP/scenario.out" 2>"$TMP/scenario.err" &
  else
    (cd "$ROOT" && exec "${scenario_cmd[@]}") >"$TMP/scenario.out" 2>"$TMP/scenario.err" &
  fi
  SPID=$!

  if [[ $name == sim-close ]]; then
    wait_line "$TMP/scenario.out" '^FINS-SENT' "$SPID" 15 || { cat "$TMP/scenario.err" >&2; die "$name: FINs were not sent"; }
    sleep 0.1
    inns nft delete table inet tfa_rec   # the retransmitted FINs now get through
  fi
  if [[ $name == half-open-reconnect ]]; then
    wait_line "$TMP/scenario.out" '^RST-DROPPED' "$SPID" 15 || { cat "$TMP/scenario.err" >&2; die "$name: the first connection was not reset"; }
    inns nft delete table inet tfa_rec   # the RST answering the challenge ACK must get through
  fi
  wait_line "$TMP/scenario.out" '^READY' "$SPID" 45 || { cat "$TMP/scenario.err" >&2; die "$name: scenario failed"; }
  sleep "$SETTLE"

  local filter taken
  filter=$(ss_filter "$p")
  taken=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  {
    echo "# ss -tanop state all '$filter'"
    echo "# taken $taken, just before tcpdump was stopped; no socket changed state or address by the time it had stopped"
    inns ss -tanop state all "$filter"
  } >"$TMP/ss.txt"

  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=""
  inns ss -tanop state all "$filter" | sed '1i #' >"$TMP/ss.after.txt"
  if ! diff <(ss_core "$TMP/ss.txt") <(ss_core "$TMP/ss.after.txt") >&2; then
    die "$name: socket states moved while tcpdump was stopping; re-run"
  fi
  grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.err" || { cat "$TMP/tcpdump.err" >&2; die "$name: tcpdump dropped packets"; }

  kill -TERM "$SPID"
  wait "$SPID" || true
  SPID=""

  if [[ $name == sim-close ]] && [[ $(grep -c '^TIME-WAIT' "$TMP/ss.txt") != 2 ]]; then
    cat "$TMP/ss.txt" >&2
    die "$name: expected both sockets in TIME-WAIT"
  fi

  mkdir -p "$OUT"
  cp "$TMP/cap.pcap" "$OUT/$name.pcap"
  cp "$TMP/ss.txt" "$OUT/$name.ss.txt"
  local netns=""
  [[ $name == sim-close ]] && netns="private netns: ip netns add; lo up; nft input-hook drop of FINs on port $p, deleted after FINS-SENT"
  [[ $name == half-open-reconnect ]] && netns="private netns: ip netns add; lo up; nft output-hook drop of RSTs from port $cp, deleted after RST-DROPPED"
  node "$HERE/provenance.mjs" "$OUT/PROVENANCE.md" "$name" \
    "$(uname -r)" "$taken" "$(tcpdump --version 2>&1 | head -1 | awk '{ print $3 }')" \
    "tcpdump -i lo -nn -U -s $SNAPLEN -Z root -w fixtures/real/$name.pcap 'tcp port $p'" \
    "${scenario_cmd[*]}" "ss -tanop state all '$filter'" "$netns" \
    "$(tcpdump -nr "$OUT/$name.pcap" 2>/dev/null | grep -c .)"
  log "$name: $(grep -v '^#' "$OUT/$name.ss.txt" | tail -n +2 | awk '{ print $1 }' | sort | tr '\n' ' ')($(stat -c %s "$OUT/$name.pcap") bytes)"
  cleanup
}

names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for n in "${names[@]}"; do ports "$n" >/dev/null || die "unknown scenario: $n (known: ${ALL[*]})"; done
for n in "${names[@]}"; do
  log "recording $n"
  record_one "$n"
done
node "$HERE/expected-states.mjs" "$OUT"
log "done: ${names[*]}"
