"""The Internet checksum (RFC 1071) the recorders' raw segments need: raw-syn.py builds a SYN's,
delay-bridge.py recomputes a forwarded one's (imported beside them: a script's own directory is
on sys.path)."""
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
