"""One fixed ingest, to compare two builds of zhizhi run by run (the ingest
section of bench/RESULTS.md runs for a time instead, so its figures move
with the machine's load). Each run: a fresh copy of a data directory with
the Gongshu pack and a source token, `BINARY serve` on 127.0.0.1, the same
RECORDS records (every series of the pack in turn, 100 ms apart per series,
ending now, so minute, hour, day and month rollups are all written) posted
as NDJSON bodies of 100,000 over 4 connections, then a clean stop. Prints
one JSON line: seconds, records/s, the server's CPU seconds.

    python3 bench/ingest_fixed.py BINARY [RECORDS]     # RECORDS: 2,000,000

Compare two builds by running them in turn (A B A B ...) and taking the
median of each and of the ratios pair by pair, e.g. with /usr/bin/time:

    for i in 1 2 3 4 5; do for b in old/zhizhi build/zhizhi; do
      /usr/bin/time -f "$b %e s wall %U s user %S s sys" python3 bench/ingest_fixed.py $b; done; done

The records file (bench/out/fixed-N.ndjson) and the data directory template
(bench/out/fixed-template/) are made on the first run and reused; the
records file is remade when it is over an hour old (its records must stay
recent for the minute rollups).
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402  (the benchmark suite's helpers)


def records_file(n):
    path = os.path.join(B.OUT, f"fixed-{n}.ndjson")
    if os.path.exists(path) and time.time() - os.path.getmtime(path) < 3600:
        return path
    sfile = B.series_file()[0]
    series = [line.rstrip("\n").split("\t") for line in open(sfile) if line.strip()]
    rng = random.Random(5)
    rounds = (n + len(series) - 1) // len(series)
    start = int(time.time() * 1000) - rounds * 100
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for i in range(n):
            ent, met, lo, hi, dec = series[i % len(series)]
            v = round(rng.uniform(float(lo), float(hi)), int(dec))
            f.write(f'{{"entity":"{ent}","metric":"{met}","ts":{start + (i // len(series)) * 100},"value":{v}}}\n')
    os.replace(tmp, path)
    return path


def template(binary):
    path = os.path.join(B.OUT, "fixed-template")
    if not os.path.exists(os.path.join(path, "bench-token")):
        B.ZBIN = binary
        token = B.fresh_store(path)
        with open(os.path.join(path, "bench-token"), "w") as f:
            f.write(token)
    return path, open(os.path.join(path, "bench-token")).read().strip()


def main():
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    os.makedirs(B.OUT, exist_ok=True)
    if not os.path.exists(B.LOADGEN):
        subprocess.run(["gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-pthread", "-o", B.LOADGEN,
                        os.path.join(B.BENCH, "loadgen.c"), "-lm"], check=True)
    rec = records_file(n)
    tpl, token = template(binary)
    data = os.path.join(B.OUT, f"fixed-run-{os.getpid()}")
    shutil.copytree(tpl, data)
    B.ZBIN = binary
    srv = B.Server(data, name="fixed").start()
    try:
        cpu0 = srv.cpu_s()
        res, _ = B.loadgen("file", "--port", srv.port, "--token", token, "--file", rec, "--clients", 4,
                           "--batch", 100000, "--format", "ndjson", stderr_name="loadgen-fixed.err")
        cpu = srv.cpu_s() - cpu0
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps({"binary": binary, "records": res["accepted"], "errors": res["errors"],
                      "seconds": res["seconds"], "records_per_s": round(res["records_per_s"]),
                      "server_cpu_s": round(cpu, 2)}))


if __name__ == "__main__":
    main()
