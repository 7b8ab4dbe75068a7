"""Logs every change of the ss lines of port PORT in this netns: python3 sswatch.py PORT OUT SECONDS"""
import subprocess, sys, time
port, out, dur = sys.argv[1], sys.argv[2], float(sys.argv[3])
last = None; end = time.time() + dur
with open(out, 'w') as f:
    while time.time() < end:
        t = time.time()
        r = subprocess.run(['ss', '-tanH', 'state', 'all', f'( sport = :{port} or dport = :{port} )'], capture_output=True, text=True).stdout
        lines = sorted(' '.join(l.split()[:1] + l.split()[3:5]) for l in r.splitlines() if 'LISTEN' not in l)
        if lines != last:
            f.write('%.6f %s\n' % (t, ' | '.join(lines))); f.flush(); last = lines
