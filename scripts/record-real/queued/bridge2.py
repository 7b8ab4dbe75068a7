"""Two-port bridge with a fixed delay each way: python3 bridge2.py IF_A IF_B DELAY_AB_S DELAY_BA_S
(frames in on IF_A go out on IF_B DELAY_AB later, in order; and the reverse). TCP checksums redone
(veth checksum offload). Based on scripts/record-real/delay-bridge.py."""
import heapq, os, select, socket, struct, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))  # scripts/record-real/inet_checksum.py
from inet_checksum import checksum
ETH_P_ALL = 3
PACKET_OUTGOING = 4
def fix_tcp(frame):
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
def port(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0)); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20); return s
a, b = port(sys.argv[1]), port(sys.argv[2])
dab, dba = float(sys.argv[3]), float(sys.argv[4])
due = []; order = 0
while True:
    timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
    ready, _, _ = select.select([a, b], [], [], timeout)
    for s in ready:
        while True:
            try:
                frame, addr = s.recvfrom(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            frame = fix_tcp(frame)
            order += 1
            if s is a:
                heapq.heappush(due, (time.monotonic() + dab, order, b, frame))
            else:
                heapq.heappush(due, (time.monotonic() + dba, order, a, frame))
    now = time.monotonic()
    while due and due[0][0] <= now:
        _, _, out, fr = heapq.heappop(due)
        try:
            out.send(fr)
        except OSError as e:
            print('drop', e, file=sys.stderr)
