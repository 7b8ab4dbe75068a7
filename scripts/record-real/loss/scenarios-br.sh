#!/usr/bin/env bash
# Loss in a bridge between the hosts (run.sh with BRIDGE=1: the sender's TCP never learns of the drop).
# ./scenarios-br.sh NAME... ; NAME ends in -capA (tcpdump on the client's veth) or -capB (server's).
# A drop of a client->server packet is visible in -capA, not in -capB; server->client the reverse.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P=9100
PURE_ACK='tcp flags & (syn|ack|fin|rst|psh) == ack'
rule() { printf 'R nft add rule bridge loss fw %q; ' "$1"; }
once() { echo "quota until $1 bytes counter drop"; }
n() { echo "nft:R:$(echo "$1" | tr ' ' _)"; }
export CLIENT_MAXSEG
r() { local cap=${1##*-cap}; NAME=$1 NET=$2 PORT=$P CAPTURE=$cap SERVER_STEPS=$3 CLIENT_STEPS=$4 DURATION=$5 SETUP=${6:-} BRIDGE=1 "$HERE/run.sh"; }
STREAM20=$(for i in $(seq 20); do printf ',send:100,sleep:0.05'; done)
scenario() {
case ${1%-cap?} in
br-synack-drop)  r $1 60 'recv:10,send:20,recveof,close' 'send:10,recv:20,shut,recveof' 4 "$(rule "ip saddr 10.99.60.2 tcp flags & (syn|ack) == syn|ack $(once 61)")";;
br-fin-drop)     r $1 61 'recv:10,send:20,recveof,close' 'send:10,recv:20,sleep:0.1,shut,recveof' 4 "$(rule "ip saddr 10.99.61.1 tcp flags & fin == fin $(once 53)")";;
br-fin-data-drop) r $1 62 'recveof,send:20,close' 'send:100,shut,recveof' 4 "$(rule "ip saddr 10.99.62.1 ip length 152 $(once 153)") $(rule "ip saddr 10.99.62.1 tcp flags & fin == fin $(once 53)")";;
br-lastack-drop) r $1 63 'recv:10,send:20,recveof,sleep:0.2,close' "send:10,recv:20,shut,$(n "add rule bridge loss fw ip saddr 10.99.63.1 $PURE_ACK $(once 53)"),recveof" 4;;
br-halfclose-loss) r $1 64 "recv:10$STREAM20,close" "send:10,sleep:0.2,$(n "add rule bridge loss fw ip saddr 10.99.64.2 counter drop"),shut,sleep:0.3,snap:mid,sleep:0.3,$(n "flush chain bridge loss fw"),recveof" 4;;
br-finhole-sack) r $1 65 'recveof,send:20,close' 'send:100,send:200,send:300,shut,recveof' 4 "$(rule "ip saddr 10.99.65.1 ip length 252 $(once 253)")";;
br-finhole-nosack) r $1 66 'recveof,send:20,close' 'send:100,send:200,send:300,shut,recveof' 4 "A sysctl -qw net.ipv4.tcp_sack=0; B sysctl -qw net.ipv4.tcp_sack=0; $(rule "ip saddr 10.99.66.1 ip length 252 $(once 253)")";;
br-corkhole-sack) CLIENT_MAXSEG=200 r $1 68 'recveof,send:20,close' 'cork,send:700,shut,recveof' 4 "$(rule "ip saddr 10.99.68.1 ip length 240 quota until 241 bytes counter accept") $(rule "ip saddr 10.99.68.1 ip length 240 $(once 241)")";;
br-corkhole-nosack) CLIENT_MAXSEG=200 r $1 69 'recveof,send:20,close' 'cork,send:700,shut,recveof' 4 "A sysctl -qw net.ipv4.tcp_sack=0; B sysctl -qw net.ipv4.tcp_sack=0; $(rule "ip saddr 10.99.69.1 ip length 240 quota until 241 bytes counter accept") $(rule "ip saddr 10.99.69.1 ip length 240 $(once 241)")";;
br-rst-drop)     r $1 67 'recv:10,send:20,sleep:1,snap:before-write,send:30,sleep:0.5,snap:after-write' "send:10,recv:20,$(n "add rule bridge loss fw ip saddr 10.99.67.1 tcp flags & rst == rst $(once 53)"),abort" 3;;
*) echo "unknown scenario $1" >&2; return 1;;
esac
}
for s in "$@"; do echo "=== $s"; scenario "$s"; done
