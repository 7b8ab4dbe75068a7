"""A two-port Ethernet bridge that holds the frames coming in on one port for a fixed time:
netem's delay where the kernel has no sch_netem (close-wait-delay.sh).

    python3 delay-bridge.py IF_NEAR IF_FAR SECONDS

Frames in on IF_NEAR go out on IF_FAR at once; frames in on IF_FAR go out on IF_NEAR SECONDS
later, in order. A veth hands over a TCP segment with its checksum left for the device to finish
(checksum offload), which a frame sent on as it is would carry to its receiver, who drops it: the
TCP checksum of every IPv4 frame is computed again here.
"""
import heapq
import select
import socket
import sys
import time

from inet_checksum import fix_tcp

ETH_P_ALL = 3
PACKET_OUTGOING = 4


def port(name: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    return s


near, far, delay = port(sys.argv[1]), port(sys.argv[2]), float(sys.argv[3])
due = []  # (time, order, frame) for near
order = 0
while True:
    timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
    ready, _, _ = select.select([near, far], [], [], timeout)
    for s in ready:
        frame, addr = s.recvfrom(65536)
        if addr[2] == PACKET_OUTGOING:
            continue
        frame = fix_tcp(frame)
        if s is near:
            far.send(frame)
        else:
            order += 1
            heapq.heappush(due, (time.monotonic() + delay, order, frame))
    now = time.monotonic()
    while due and due[0][0] <= now:
        near.send(heapq.heappop(due)[2])
