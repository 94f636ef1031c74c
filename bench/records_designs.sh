#!/usr/bin/env bash
# records_designs.sh - builds bench/records_designs.c and runs every design
# on the same generated load (issue 14: measure the candidate layouts of the
# records table before choosing). One JSON line per run on stdout, the
# machine's load before each run on stderr.
#   bash bench/records_designs.sh                 # 5M records, each design, with and without fsync
#   bash bench/records_designs.sh 20000000        # another size
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
gcc -O2 -Wall -Wextra -o bench/out/records_designs bench/records_designs.c -lsqlite3 -lz -lm
n=${1:-5000000}
for d in sqlite-series sqlite-hot log-segments; do
  for f in "" --fsync; do
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg) before $d $f" >&2
    bench/out/records_designs "$d" --records "$n" $f
  done
done
