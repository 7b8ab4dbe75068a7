#!/usr/bin/env bash
# ./analyze.sh NAME: our tool (table, ndjson ladder) and tshark on out/NAME.pcap -> out/NAME.*.txt
cd "$(dirname "$0")"; F=out/$1.pcap; T="node ../../../bin/tcpflow-analyze.js"
COLUMNS=120 $T "$F" > out/$1.table.txt 2>&1
COLUMNS=120 $T --ladder --all "$F" > out/$1.ladder.txt 2>&1
$T -f ndjson --ladder --all "$F" > out/$1.ndjson 2>&1
{ tshark -r "$F" -q -z conv,tcp 2>/dev/null | sed -n '/<->/p'
  tshark -r "$F" -Y tcp.analysis.flags -T fields -e frame.number -e _ws.expert.message 2>/dev/null
  tshark -r "$F" -T fields -e frame.number -e frame.time_relative -e tcp.srcport -e tcp.flags.str -e tcp.seq -e tcp.ack -e tcp.len -e tcp.options.sack_le -e tcp.options.sack_re -e tcp.completeness 2>/dev/null ; } > out/$1.tshark.txt
