#!/usr/bin/env bash
# Loss at the handshake and the close, real Linux recovery. As root: ./scenarios.sh NAME...
# (all when none). Output per NAME in out/: NAME.pcap (tcpdump on the CLIENT's veth, inside its
# namespace: after the client's nft output hook, before its input hook), NAME.*.ss.txt (ss -tanoi
# of both namespaces at snap points and at the end), NAME.nft.txt (rule counters: which packet was
# dropped how often), NAME.app.log (the two applications' log, wall clock = tcpdump's clock).
# Drop point vs. capture: a drop in the client's (A) input hook or the server's (B) input hook is
# VISIBLE in the capture (lost after the capture point); in A's output hook or B's output hook it is
# NOT (lost before the capture point).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=9100
PURE_ACK='tcp flags & (syn|ack|fin|rst|psh) == ack'
rule() { printf '%s nft add rule inet loss %s %q; ' "$1" "$2" "$3"; }   # NS(A|B) HOOK EXPR -> SETUP snippet
once() { echo "quota until $1 bytes counter drop"; }  # drop the first packet of <$1 bytes matched
r() { NAME=$1 NET=$2 PORT=$P SERVER_STEPS=$3 CLIENT_STEPS=$4 DURATION=$5 SETUP=${6:-} "$HERE/run.sh"; }
# nft step for app.py: NS:CMD with _ for spaces
n() { echo "nft:$1:$(echo "$2" | tr ' ' _)"; }
NSPFX=l
scenario() {
case $1 in
# 1. the server's SYN,ACK dropped once
synack-drop-vis)  # dropped at the client's input: visible
  r $1 31 'recv:10,send:20,recveof,close' 'send:10,recv:20,shut,recveof' 4 "$(rule A input "tcp flags & (syn|ack) == syn|ack $(once 61)")";;
synack-drop-invis) # dropped at the server's output: not captured
  r $1 32 'recv:10,send:20,recveof,close' 'send:10,recv:20,shut,recveof' 4 "$(rule B output "tcp flags & (syn|ack) == syn|ack $(once 61)")";;
syn-drop-vis)     # the client's first SYN dropped at the server's input: visible
  r $1 33 'recv:10,send:20,recveof,close' 'send:10,recv:20,shut,recveof' 3 "$(rule B input "tcp flags & (syn|ack) == syn $(once 61)")";;
# 2. the client's handshake ACK dropped once
ack3-drop-vis-srvfirst)   # server speaks first: server resends SYN,ACK after 1 s; visible
  r $1 34 'send:20,recveof,close' 'snap:synrecv,recv:20,send:10,shut,recveof' 4 "$(rule B input "$PURE_ACK ip length 52 $(once 53)")";;
ack3-drop-invis-srvfirst) # same, dropped at the client's output: not captured
  r $1 35 'send:20,recveof,close' 'snap:synrecv,recv:20,send:10,shut,recveof' 4 "$(rule A output "$PURE_ACK ip length 52 $(once 53)")";;
ack3-drop-vis-clifirst)   # client sends data at once: its data completes the handshake; visible
  r $1 36 'recv:10,send:20,recveof,close' 'send:10,recv:20,shut,recveof' 3 "$(rule B input "$PURE_ACK ip length 52 $(once 53)")";;
ack3-drop-invis-clifirst)
  r $1 37 'recv:10,send:20,recveof,close' 'send:10,recv:20,shut,recveof' 3 "$(rule A output "$PURE_ACK ip length 52 $(once 53)")";;
# 3. the first FIN dropped once
fin-drop-vis)     # client's bare FIN (its data acked) dropped at the server's input: visible
  r $1 38 'recv:10,send:20,recveof,close' 'send:10,recv:20,sleep:0.1,shut,recveof' 4 "$(rule B input "tcp flags & fin == fin $(once 53)")";;
fin-drop-invis)
  r $1 39 'recv:10,send:20,recveof,close' 'send:10,recv:20,sleep:0.1,shut,recveof' 4 "$(rule A output "tcp flags & fin == fin $(once 53)")";;
fin-data-drop-vis) # client's data and its FIN right behind it, both dropped once at the server's input: visible
  r $1 40 'recveof,send:20,close' 'send:100,shut,recveof' 4 "$(rule B input "ip length 152 $(once 153)") $(rule B input "tcp flags & fin == fin $(once 53)")";;
fin-data-drop-invis)
  r $1 41 'recveof,send:20,close' 'send:100,shut,recveof' 4 "$(rule A output "ip length 152 $(once 153)") $(rule A output "tcp flags & fin == fin $(once 53)")";;
srvfin-drop-vis)  # the server's FIN (second FIN, LAST_ACK side) dropped at the client's input: visible
  r $1 42 'recv:10,send:20,recveof,sleep:0.2,close' 'send:10,recv:20,shut,recveof' 4 "$(rule A input "tcp flags & fin == fin $(once 53)")";;
# 4. the last ACK of the close dropped once (added after the client's FIN went out)
lastack-drop-vis)
  r $1 43 'recv:10,send:20,recveof,sleep:0.2,close' "send:10,recv:20,shut,$(n B "add rule inet loss input $PURE_ACK $(once 53)"),recveof" 4;;
lastack-drop-invis)
  r $1 44 'recv:10,send:20,recveof,sleep:0.2,close' "send:10,recv:20,shut,$(n A "add rule inet loss output $PURE_ACK $(once 53)"),recveof" 4;;
lastack3way-drop-vis) # server closes at once: FIN,ACK (three-way close); the client's last ACK dropped
  r $1 45 'recv:10,send:20,recveof,close' "send:10,recv:20,$(n B "add rule inet loss input $PURE_ACK $(once 53)"),shut,recveof" 4;;
# 5. half-close with loss: the server keeps sending after the client's FIN; everything from the
#    server dropped for 0.6 s from just before that FIN
halfclose-loss-vis)   # at the client's input: visible
  r $1 46 "recv:10$(for i in $(seq 20); do printf ',send:100,sleep:0.05'; done),close" "send:10,sleep:0.2,$(n A "add rule inet loss input tcp sport $P counter drop"),shut,sleep:0.3,snap:mid,sleep:0.3,$(n A "flush chain inet loss input"),recveof" 4;;
halfclose-loss-invis) # at the server's output: not captured
  r $1 47 "recv:10$(for i in $(seq 20); do printf ',send:100,sleep:0.05'; done),close" "send:10,sleep:0.2,$(n B "add rule inet loss output tcp sport $P counter drop"),shut,sleep:0.3,snap:mid,sleep:0.3,$(n B "flush chain inet loss output"),recveof" 4;;
# 6. data dropped right before a FIN: 100, 200, 300 bytes then the FIN; the 200 dropped once
finhole-sack-vis)
  r $1 48 'recveof,send:20,close' 'send:100,send:200,send:300,shut,recveof' 4 "$(rule B input "ip length 252 $(once 253)")";;
finhole-sack-invis)
  r $1 49 'recveof,send:20,close' 'send:100,send:200,send:300,shut,recveof' 4 "$(rule A output "ip length 252 $(once 253)")";;
finhole-nosack-vis)
  r $1 50 'recveof,send:20,close' 'send:100,send:200,send:300,shut,recveof' 4 "A sysctl -qw net.ipv4.tcp_sack=0; B sysctl -qw net.ipv4.tcp_sack=0; $(rule B input "ip length 252 $(once 253)")";;
finhole-nosack-invis)
  r $1 51 'recveof,send:20,close' 'send:100,send:200,send:300,shut,recveof' 4 "A sysctl -qw net.ipv4.tcp_sack=0; B sysctl -qw net.ipv4.tcp_sack=0; $(rule A output "ip length 252 $(once 253)")";;
# 7. the client's RST (abort) dropped once at the server's input (visible); the server writes 1 s later
rst-drop-vis)
  r $1 52 'recv:10,send:20,sleep:1,snap:before-write,send:30,sleep:0.5,snap:after-write' "send:10,recv:20,$(n B "add rule inet loss input tcp flags & rst == rst $(once 53)"),abort" 3;;
rst-drop-silent-vis) # same, the server never writes again: it keeps the connection
  r $1 53 'recv:10,send:20' "send:10,recv:20,$(n B "add rule inet loss input tcp flags & rst == rst $(once 53)"),abort" 2;;
rst-drop-stream-vis) # the server streams 100 B every 50 ms; the client aborts; its RST dropped once
  r $1 54 "recv:10$(for i in $(seq 10); do printf ',send:100,sleep:0.05'; done)" "send:10,sleep:0.2,$(n B "add rule inet loss input tcp flags & rst == rst $(once 53)"),abort" 2;;
# 8. timers under loss
syn-retries-exhausted) # every SYN dropped at the server's input (visible), tcp_syn_retries=2: 1,2,4 s then ETIMEDOUT
  r $1 55 'recveof,close' 'send:10,shut,recveof' 9 "A sysctl -qw net.ipv4.tcp_syn_retries=2; $(rule B input "tcp flags & (syn|ack) == syn counter drop")";;
synack-retries-exhausted) # every pure ACK from the client dropped at the server's input (visible), tcp_synack_retries=2; a silent client
  r $1 56 'send:20,recveof,close' 'recv:20' 9 "B sysctl -qw net.ipv4.tcp_synack_retries=2; $(rule B input "$PURE_ACK counter drop")";;
synack-retries-then-data) # as above, the client writes 8 s later (the server's request gone: RST)
  r $1 57 'recveof,close' 'sleep:8,snap:before-write,send:10,sleep:0.5' 10 "B sysctl -qw net.ipv4.tcp_synack_retries=2; $(rule B input "$PURE_ACK counter drop")";;
finwait1-orphan-lost) # client close()s with the server's input dropping everything (visible), tcp_orphan_retries=1
  r $1 58 'recv:10,send:20' "send:10,recv:20,$(n B "add rule inet loss input tcp dport $P counter drop"),close" 8 "A sysctl -qw net.ipv4.tcp_orphan_retries=1";;
finwait2-timeout) # client close()s, the server stays in CLOSE_WAIT silent, tcp_fin_timeout=3
  r $1 59 'recv:10,send:20' 'send:10,recv:20,close' 5 "A sysctl -qw net.ipv4.tcp_fin_timeout=3";;
*) echo "unknown scenario $1" >&2; return 1;;
esac
}
ALL=$(grep -oE '^[a-z0-9-]+\)' "$0" | tr -d ')')
for s in ${@:-$ALL}; do echo "=== $s"; scenario "$s"; done
