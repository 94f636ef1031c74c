#!/usr/bin/env bash
# Server memory for one big ingest body (issue 10): starts `zhizhi serve` on a
# fresh data directory with the Gongshu pack, sends one CSV body of SIZE
# bytes (default 1 GiB) of visitors records to POST /api/v1/records in each
# MODE, and prints the server's VmRSS before and VmRSS/VmHWM after
# (/proc/PID/status). A fresh server per mode, so each peak is its own.
#   bash bench/spool.sh [SIZE_BYTES] [MODES]   MODES: "atomic chunked plain" (default)
# atomic: ?atomic=1 with Content-Length; chunked: no Content-Length
# (Transfer-Encoding: chunked, spooled then replayed); plain: Content-Length,
# streamed and committed batch by batch (the baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1073741824}
MODES=${2:-"atomic chunked plain"}
BIN=${ZHIZHI_BIN:-$PWD/build/zhizhi}
OUT=bench/out/spool
mkdir -p "$OUT"
BODY=$OUT/body-$SIZE.csv
if [ ! -s "$BODY" ]; then
  # the 46 counters of the pack, timestamps 100 ms apart per counter, ending a minute ago
  python3 - "$BODY" "$SIZE" <<'PY'
import json, sys, time
path, size = sys.argv[1], int(sys.argv[2])
ents = [e["id"] for e in map(json.loads, open("scenarios/gongshu/entities.ndjson")) if e["type"] == "counter"]
line_len = 44
n = size // line_len
per = n // len(ents) + 1
t0 = int(time.time() * 1000) - per * 100 - 60000
with open(path, "w") as f:
    f.write("entity,metric,ts,value\n")
    written = len("entity,metric,ts,value\n")
    k = 0
    while True:
        rows = []
        for _ in range(100000):
            e = ents[k % len(ents)]
            rows.append(f"{e},visitors,{t0 + (k // len(ents)) * 100},{k % 997}\n")
            k += 1
        chunk = "".join(rows)
        if written + len(chunk) > size:
            rest = size - written
            chunk = chunk[:chunk.rfind("\n", 0, rest) + 1]
            f.write(chunk)
            break
        f.write(chunk)
        written += len(chunk)
PY
fi
LINES=$(($(wc -l < "$BODY") - 1))
status() { awk -v k="$2" '$1==k":" {print int($2/1024)}' "/proc/$1/status"; }
for mode in $MODES; do
  DATA=$(mktemp -d "$OUT/data-XXXXXX")
  "$BIN" pack load scenarios/gongshu --data "$DATA" >/dev/null 2>&1
  TOKEN=$("$BIN" token create --source wenlv_flow --data "$DATA")
  "$BIN" serve --data "$DATA" --listen 127.0.0.1:0 >"$OUT/serve-$mode.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$OUT/serve-$mode.log" | head -1 | sed 's/.*://') || true
    [ -n "${PORT:-}" ] && break
    sleep 0.1
  done
  sleep 1
  BEFORE=$(status $PID VmRSS)
  q=""; hdr=()
  [ "$mode" = atomic ] && q="?atomic=1"
  [ "$mode" = chunked ] && hdr=(-H "Transfer-Encoding: chunked")
  START=$(date +%s.%N)
  ANSWER=$(curl -s -S --max-time 3600 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
    "${hdr[@]}" -X POST -T "$BODY" "http://127.0.0.1:$PORT/api/v1/records$q" | head -c 300)
  END=$(date +%s.%N)
  AFTER=$(status $PID VmRSS)
  HWM=$(status $PID VmHWM)
  printf '%s: %d bytes, %d records, %.1f s; VmRSS before %d MiB, after %d MiB; VmHWM %d MiB (growth %d MiB); answer %s\n' \
    "$mode" "$SIZE" "$LINES" "$(echo "$END - $START" | bc)" "$BEFORE" "$AFTER" "$HWM" "$((HWM - BEFORE))" "$ANSWER"
  kill "$PID"
  wait "$PID" || true
  rm -rf "$DATA"
done
