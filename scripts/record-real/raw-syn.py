#!/usr/bin/env python3
"""Sends one bare SYN from 127.0.0.1:<sport> to 127.0.0.1:<dport> with sequence number <seq>, through
a raw socket (root), with no socket of the kernel's behind it: time-wait-syn.sh uses it to put a SYN
with a chosen ISN into a TIME_WAIT, which no connect() can do (Linux picks ISNs above the old ones).
An optional fourth argument `fin` sets the FIN bit too (syn-fin.sh: a SYN+FIN probe)."""
import socket
import struct
import sys

from inet_checksum import checksum


def main() -> None:
    sport, dport, seq = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    flags = 0x03 if sys.argv[4:] == ['fin'] else 0x02
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack('!4s4sBBH', socket.inet_aton('127.0.0.1'), socket.inet_aton('127.0.0.1'), 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', checksum(pseudo + tcp)) + tcp[18:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.sendto(tcp, ('127.0.0.1', 0))


main()
