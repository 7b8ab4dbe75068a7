"""python3 app.py client|server|bulks MODE AT [args]: the applications of run.sh's scenarios (helper-95,
2026-12-07; fixtures/real/PROVENANCE.md, sim-close-queued). bulkc is unused: crossbulk's client sends the cross traffic."""
import socket, sys, time, os
role, mode, AT = sys.argv[1], sys.argv[2], float(sys.argv[3])
P = dict(a.split('=') for a in sys.argv[4:])
SRV = ('10.99.95.2', 9000)
def until(t): time.sleep(max(0, t - time.time()))
def log(*a): print('%.6f' % time.time(), role, *a, file=sys.stderr, flush=True)
def drain(c):
    n = 0
    while True:
        d = c.recv(65536)
        if not d: return n
        n += len(d)
if role == 'bulks':   # cross traffic sink on 9001
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('10.99.95.2', 9001)); s.listen(5)
    c, _ = s.accept(); drain(c); time.sleep(300)
if role == 'bulkc':
    until(AT - float(P.get('pre', '0.5')))
    c = socket.create_connection(('10.99.95.2', 9001)); end = time.time() + float(P.get('dur', '3'))
    buf = b'x' * 16384
    while time.time() < end: c.sendall(buf)
    c.close(); time.sleep(300)
if role == 'server':
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(SRV); s.listen(5)
    c, _ = s.accept()
    if mode in ('sim', 'crossbulk'):
        c.recv(100); c.sendall(b'pong')
        until(AT + float(P.get('sdelay', '0'))); c.shutdown(socket.SHUT_WR); log('shutdown')
        log('eof after', drain(c))
    elif mode == 'uploadsim':
        n, N, X = 0, int(P['n']), int(P['x'])
        while n < N - X:
            d = c.recv(65536); n += len(d)
        c.shutdown(socket.SHUT_WR); log('shutdown at', n); log('eof, total', n + drain(c))
    elif mode == 'downloadsim':
        c.recv(100); c.sendall(b'y' * int(P['n'])); c.shutdown(socket.SHUT_WR); log('shutdown (sent all)'); log('eof', drain(c))
    elif mode == 'halfclose':
        req = c.recv(100); log('req', req)
        for i in range(int(P.get('k', '3'))):
            time.sleep(float(P.get('gap', '0.1'))); c.sendall(b'r' * int(P.get('sz', '1000')))
        log('eof', drain(c)); time.sleep(float(P.get('linger', '0'))); c.close(); log('closed')
    elif mode == 'srvfirst':   # server half-closes first, client keeps uploading then closes
        c.recv(100); c.shutdown(socket.SHUT_WR); log('shutdown'); log('eof', drain(c)); c.close()
    time.sleep(300)
if role == 'client':
    time.sleep(0.8)
    c = socket.create_connection(SRV)
    log('connected')
    if mode in ('sim', 'crossbulk'):
        c.sendall(b'ping'); c.recv(100); log('pong')
        if mode == 'crossbulk':
            import threading
            def bulk():
                until(AT - float(P.get('pre', '1')))
                b = socket.create_connection(('10.99.95.2', 9001)); end = time.time() + float(P.get('dur', '3')); buf = b'x' * 16384
                log('bulk start')
                while time.time() < end: b.sendall(buf)
                b.close()
            threading.Thread(target=bulk, daemon=True).start()
        until(AT); c.shutdown(socket.SHUT_WR); log('shutdown'); log('eof after', drain(c))
    elif mode == 'uploadsim':
        until(AT); c.sendall(b'u' * int(P['n'])); c.shutdown(socket.SHUT_WR); log('shutdown (sent all)'); log('eof', drain(c))
    elif mode == 'downloadsim':
        c.sendall(b'g'); n, N, X = 0, int(P['n']), int(P['x'])
        while n < N - X:
            d = c.recv(65536); n += len(d)
        c.shutdown(socket.SHUT_WR); log('shutdown at', n); log('eof, total', n + drain(c))
    elif mode == 'halfclose':
        c.sendall(b'GET'); c.shutdown(socket.SHUT_WR); log('shutdown'); log('got', drain(c)); c.close()
    elif mode == 'srvfirst':
        c.sendall(b'hi'); c.recv(100); until(AT); c.sendall(b'u' * int(P['n'])); c.shutdown(socket.SHUT_WR); log('shutdown'); c.close()
    time.sleep(300)
