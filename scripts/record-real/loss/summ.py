import json,sys
for line in open(sys.argv[1]):
    d=json.loads(line)
    if d.get("type") not in (None,"connection") and "client" not in d: continue
    if "client" not in d: continue
    o={k:d.get(k) for k in ("id","handshake","close","zeek","wireshark")}
    print(json.dumps(o,separators=(",",":"))[:3000])
    for s in ("client","server"):
        e=d[s]; print(s, e.get("finalState"), {k:e.get(k) for k in e if k in ("packets","bytes","retransmissions","retransmittedBytes")})
    for a in d.get("anomalies",[]): print("  A", a.get("code"), a.get("endpoint"), a.get("frame"), json.dumps(a.get("details")), a.get("message","")[:200])
    for s in ("client","server"):
        for t in d[s].get("transitions",[]): print("  T", s, t["from"],"->",t["to"], t.get("frame"), t.get("evidence"), t.get("arc"))
