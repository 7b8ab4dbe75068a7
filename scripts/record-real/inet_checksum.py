"""The Internet checksum (RFC 1071) the recorders' raw segments need: raw-syn.py builds a SYN's,
delay-bridge.py and queued/bridge2.py recompute a forwarded one's with fix_tcp (imported beside
them: a script's own directory is on sys.path; bridge2.py adds this one)."""
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def fix_tcp(frame: bytes) -> bytes:
    """An Ethernet frame with its IPv4 TCP segment's checksum computed again (a veth leaves it to
    the device: checksum offload); anything else as it is."""
    if len(frame) < 34 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
        return frame
    ihl = (frame[14] & 15) * 4
    total = struct.unpack('!H', frame[16:18])[0]
    seg = bytearray(frame[14 + ihl:14 + total])
    if len(seg) < 20:
        return frame
    seg[16:18] = b'\0\0'
    pseudo = frame[26:34] + struct.pack('!BBH', 0, 6, len(seg))
    struct.pack_into('!H', seg, 16, checksum(pseudo + bytes(seg)))
    return frame[:14 + ihl] + bytes(seg) + frame[14 + total:]
