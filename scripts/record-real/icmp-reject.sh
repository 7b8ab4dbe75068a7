#!/usr/bin/env bash
# Records fixtures/real/icmp-reject.pcap: connect() attempts a firewall rejects with ICMP errors,
# beside one it rejects with a TCP reset, over IPv4 and IPv6, and what each connect() returned.
#
#   scripts/record-real/icmp-reject.sh        # as root; tcpdump, python3, iproute2, nftables; ~5 s
#
# Two network namespaces on a veth pair (client 10.99.15.1 / fd99:15::1, server 10.99.15.2 /
# fd99:15::2), tcpdump on the client's veth, an nftables input chain on the server: port 9011
# `reject with tcp reset`, 9012 `reject with icmp port-unreachable` (iptables' REJECT default), 9013
# `reject with icmp admin-prohibited`, and over IPv6 9014 `reject with icmpv6 port-unreachable`.
# Listeners behind all four, so only the firewall answers. icmp-reject.client.txt holds each
# connect()'s port and outcome. tcpflow-analyze reports the ICMP-rejected attempts as handshake
# `unreachable` with ICMP_ERROR, not as HALF_OPEN "never answered" (helper-80 audit;
# test/real/kernel-states.test.ts "icmp-reject").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$HERE/../../fixtures/real/icmp-reject.pcap"
LOG="$HERE/../../fixtures/real/icmp-reject.client.txt"
RR_NAME=icmp-reject.sh
. "$HERE/lib.sh"
rr_need_nft
S=icrj
rr_netns_pair $S 15
ip -n ${S}A addr add fd99:15::1/64 dev ${S}a nodad; ip -n ${S}B addr add fd99:15::2/64 dev ${S}b nodad
B nft -f - <<'NFT'
table inet rejecting {
  chain in { type filter hook input priority 0;
    tcp dport 9011 reject with tcp reset
    meta nfproto ipv4 tcp dport 9012 reject with icmp type port-unreachable
    meta nfproto ipv4 tcp dport 9013 reject with icmp type admin-prohibited
    meta nfproto ipv6 tcp dport 9014 reject with icmpv6 type port-unreachable
  }
}
NFT
B python3 -c '
import socket, time
ls = []
for fam, host, port in ((socket.AF_INET, "10.99.15.2", 9011), (socket.AF_INET, "10.99.15.2", 9012),
                        (socket.AF_INET, "10.99.15.2", 9013), (socket.AF_INET6, "fd99:15::2", 9014)):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((host, port)); s.listen(8); ls.append(s)
time.sleep(30)
' &
RR_PIDS+=($!)
rr_tcpdump_start ${S}A ${S}a 'tcp or icmp or icmp6'
A python3 -c '
import socket
print("# server port, what connect() returned (errno name)")
for fam, host, port in ((socket.AF_INET, "10.99.15.2", 9011), (socket.AF_INET, "10.99.15.2", 9012),
                        (socket.AF_INET, "10.99.15.2", 9013), (socket.AF_INET6, "fd99:15::2", 9014)):
    s = socket.socket(fam); s.settimeout(10)
    try:
        s.connect((host, port)); print(port, "connected")
    except OSError as e:
        import errno; print(port, errno.errorcode.get(e.errno, str(e.errno)))
    s.close()
' > "$TMP/client.txt"
sleep 0.5
rr_tcpdump_stop "$OUT"
cp "$TMP/client.txt" "$LOG"
cat "$LOG"
