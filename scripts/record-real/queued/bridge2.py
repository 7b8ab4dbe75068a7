"""Two-port bridge with a fixed delay each way: python3 bridge2.py IF_A IF_B DELAY_AB_S DELAY_BA_S
(frames in on IF_A go out on IF_B DELAY_AB later, in order; and the reverse). TCP checksums redone
(veth checksum offload). Based on scripts/record-real/delay-bridge.py."""
import heapq, os, select, socket, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))  # scripts/record-real/inet_checksum.py
from inet_checksum import fix_tcp
ETH_P_ALL = 3
PACKET_OUTGOING = 4
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
