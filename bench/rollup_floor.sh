#!/usr/bin/env bash
# The least time any bulk load that keeps zhizhi's rollups in SQLite can
# take: the rollup rows of a loaded store, copied in key order into empty
# tables with the same schema, in one transaction, from another SQLite file
# (no parsing, no records, no accumulation). Compare with PostgreSQL's COPY
# of the same records (bench/run.sh compare). docs/architecture.md, "Bulk
# loads against PostgreSQL's COPY".
#
#   bash bench/rollup_floor.sh DATA [RUNS]
#
# DATA: a stopped store's data directory (e.g. the compare load's, kept with
# the load script of your choice); RUNS: 3 by default. Prints each run's
# three steps and their total in seconds. Needs sqlite3.
set -euo pipefail
data=${1:?usage: bash bench/rollup_floor.sh DATA [RUNS]}
runs=${2:-3}
db=$data/zhizhi.db
[ -f "$db" ] || { echo "rollup_floor: $db does not exist" >&2; exit 1; }
out=$(mktemp -d /tmp/zz-rollup-floor-XXXXXX)
trap 'rm -rf "$out"' EXIT
rows=$(sqlite3 -readonly "$db" "SELECT (SELECT count(*) FROM rollup) || ' region rows, ' || (SELECT count(*) FROM srollup) || ' series rows'")
echo "rollup_floor: $rows in $db"
cat > "$out/floor.sql" <<EOF
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-262144;
$(sqlite3 -readonly "$db" ".schema rollup")
$(sqlite3 -readonly "$db" ".schema srollup")
ATTACH '$db' AS src;
CREATE TEMP TABLE warm AS SELECT count(*), sum(n) FROM src.rollup;
CREATE TEMP TABLE warm2 AS SELECT count(*), sum(n) FROM src.srollup;
.timer on
BEGIN;
INSERT INTO rollup SELECT * FROM src.rollup ORDER BY metric, node, grain, bucket;
INSERT INTO srollup SELECT * FROM src.srollup ORDER BY metric, grain, bucket, series;
COMMIT;
EOF
for i in $(seq "$runs"); do
  rm -f "$out"/floor.db*
  sqlite3 "$out/floor.db" < "$out/floor.sql" | awk -v run="$i" '
    /^Run Time/ { t[++k] = $4 }
    END { printf "run %d: region rows %.2f s, series rows and their index %.2f s, commit %.2f s, total %.2f s\n",
                 run, t[2], t[3], t[4], t[1] + t[2] + t[3] + t[4] }'
done
