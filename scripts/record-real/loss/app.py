#!/usr/bin/env python3
"""Tiny scripted TCP endpoint for the loss recordings.
  app.py server IP PORT STEPS      (accepts one connection, runs STEPS on it)
  app.py client IP PORT STEPS      (connects, runs STEPS)
  app.py snap LABEL                (ss of both namespaces now, into SNAPDIR/SNAPNAME.LABEL.ss.txt)
STEPS, comma separated: send:N  recv:N  recveof  sleep:S  shut  close  abort  hold  snap:LABEL
  nft:NS:CMD...  (run `ip netns exec NS nft CMD`, '_' for spaces)   log:TEXT
Environment: SNAPDIR, SNAPNAME, NSA, NSB (for snap), SOCKOPT_RCVBUF."""
import os, socket, subprocess, sys, time, struct
T0 = time.time()
def log(m): print("%.6f %s %s" % (time.time(), sys.argv[1], m), flush=True)
def snap(label):
    out = os.path.join(os.environ["SNAPDIR"], "%s.%s.ss.txt" % (os.environ["SNAPNAME"], label))
    with open(out, "w") as f:
        for ns, who in ((os.environ["NSA"], "client"), (os.environ["NSB"], "server")):
            r = subprocess.run(["ip", "netns", "exec", ns, "ss", "-tanoi", "state", "all"], capture_output=True, text=True)
            f.write("# %.6f ss in %s (%s)\n" % (time.time(), ns, who))
            f.write("\n".join(l.rstrip() for l in r.stdout.splitlines()) + "\n")
    log("snap " + label)
def run(c, steps):
    for st in steps.split(","):
        k, _, a = st.partition(":")
        try:
            if k == "send": c.sendall(b"x" * int(a)); log("sent %s" % a)
            elif k == "recv":
                n = int(a); got = 0
                while got < n:
                    d = c.recv(n - got)
                    if not d: break
                    got += len(d)
                log("recv %d" % got)
            elif k == "recveof":
                got = 0
                while True:
                    d = c.recv(65536)
                    if not d: break
                    got += len(d)
                log("eof after %d" % got)
            elif k == "sleep": time.sleep(float(a))
            elif k == "shut": c.shutdown(socket.SHUT_WR); log("shutdown wr")
            elif k == "close": c.close(); log("closed")
            elif k == "abort":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close(); log("aborted")
            elif k == "hold": time.sleep(float(a or 300))
            elif k == "snap": snap(a)
            elif k == "nft":
                ns, cmd = a.split(":", 1)
                ns = {"A": os.environ["NSA"], "B": os.environ["NSB"], "R": os.environ.get("NSR", "")}.get(ns, ns)
                subprocess.run(["ip", "netns", "exec", ns, "nft"] + cmd.replace("_", " ").split(), check=True); log("nft %s %s" % (ns, cmd))
            elif k == "log": log(a)
            elif k == "cork": c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1); log("cork")
            else: raise SystemExit("bad step " + st)
        except OSError as e:
            log("step %s: %r" % (st, e))
    time.sleep(300)
if sys.argv[1] == "snap":  # app.py snap LABEL: a snapshot alone (run.sh takes "end" with it)
    snap(sys.argv[2])
    sys.exit(0)
role, ip, port, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if role == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port)); s.listen(5); log("listening")
    c, peer = s.accept(); log("accepted %s" % (peer,))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    run(c, steps)
else:
    c = socket.socket(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if os.environ.get("CLIENT_MAXSEG"): c.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(os.environ["CLIENT_MAXSEG"]))
    try:
        c.connect((ip, port)); log("connected %s" % (c.getsockname(),))
    except OSError as e:
        log("connect: %r" % e); time.sleep(300)
    run(c, steps)
