#!/usr/bin/env bash
# zhizhi benchmarks. `bash bench/run.sh` runs them all at the default size
# (5M-record demo world, ~4 minutes on this 2-core machine) and rewrites the
# sections of bench/RESULTS.md;
# `bash bench/run.sh NAME` runs one (ingest, world, visibility, query, compare,
# cockpit, cockpit-memory, intake, pack);
# `bash bench/run.sh --full` runs world, visibility and query on the 70M-record
# world (~3 minutes here, 130 s of which generate the world). Extra flags go to
# bench/bench.py (--records N, --reuse-world, --requests N, --bg-rate N).
# Needs build/zhizhi (make build), gcc, python3, sqlite3; compare also needs
# PostgreSQL 15 and ClickHouse (ZZ_DEPS_BENCH=1 bash scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
what=all
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then what=$1; shift; fi
mkdir -p bench/out
exec python3 bench/bench.py "$what" "$@"
