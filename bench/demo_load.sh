#!/bin/bash
# demo_load.sh BIN RECORDS - seconds from starting `zhizhi demo --no-live`
# to "listening on" (history generated and loaded), records and data size.
# PACK=DIR picks another pack (e.g. an older checkout's). Run from the repo root.
BIN=$1; N=$2; D=$(mktemp -d /tmp/zzb-XXXX)

s=$(date +%s.%N)
$BIN demo ${PACK:+--pack $PACK} --data $D --listen 127.0.0.1:0 --records $N --no-live > $D.out 2>&1 &
P=$!
until grep -q "listening on" $D.out 2>/dev/null; do sleep 0.2; if ! kill -0 $P 2>/dev/null; then echo died; cat $D.out | tail -3; exit 1; fi; done
e=$(date +%s.%N)
recs=$(grep -o "100.0%  [0-9]* records" $D.out | awk '{print $2}')
kill $P; wait $P 2>/dev/null
echo "$BIN $N: $(echo "$e - $s" | bc) s, $recs records, $(du -sm $D | cut -f1) MB"
rm -rf $D $D.out
