"""Serving and write speed, side by side with PostgreSQL 15 (issue 9).

    /usr/bin/python3 bench/serving.py [--seconds 10] [--runs 3] [--rows 1000000]

Builds nothing: needs build/bin/strata-server and build/bin/strata-bench
(cmake --build build). Installs the bench packages (scripts/packages-bench.txt:
redis for the ceiling) when they are missing. Starts Strata (default
durability: sync on commit) and PostgreSQL 15 (default durability,
shared_buffers large enough for the data), loads the same
feat(id bigint primary key, f1 int, f2 bigint, f3 double precision, f4 text)
rows into both, and runs, alternating the two servers within each run:

  1. pgbench point lookups, 16 clients, -M prepared and -M simple (p99 from
     pgbench's per-transaction log)
  2. the same lookups pipelined, depth 16, strata-bench (each connection takes
     every reply that has arrived, then refills the pipeline with one send)
  3. 100-key IN (...) lookups, rows/s, strata-bench
  4. full-row and one-column upserts, pgbench, 8 clients, -M prepared
  5. COPY FROM STDIN of all rows, rows/s
  6. strata-bench at a fixed rate (half of PostgreSQL's item-1 prepared QPS):
     p50/p99/p999
  7. the unpipelined ceiling: redis-benchmark -t get, 16 clients

Writes the "serving" section of bench/RESULTS.md (medians of --runs runs).
"""
import argparse
import datetime
import glob
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

from benchlib import (ROOT, PostgresServer, StrataServer, machine_line, median, replace_section)

STRATA_BENCH = os.path.join(ROOT, "build", "bin", "strata-bench")
WARMUP_SECONDS = 15
SCHEMA = "CREATE TABLE %s (id bigint PRIMARY KEY, f1 int, f2 bigint, f3 double precision, f4 text)"
LOOKUP = "\\set id random(1, {rows})\nSELECT * FROM feat WHERE id = :id;\n"
UPSERT_FULL = ("\\set id random(1, {rows})\n\\set v random(1, 1000000000)\n"
               "INSERT INTO feat (id, f1, f2, f3, f4) VALUES (:id, :v, :v, :v * 0.5, 'upserted row ' || :v) "
               "ON CONFLICT (id) DO UPDATE SET f1 = EXCLUDED.f1, f2 = EXCLUDED.f2, f3 = EXCLUDED.f3, "
               "f4 = EXCLUDED.f4;\n")
UPSERT_PARTIAL = ("\\set id random(1, {rows})\n\\set v random(1, 1000000000)\n"
                  "INSERT INTO feat (id, f1) VALUES (:id, :v) ON CONFLICT (id) DO UPDATE SET f1 = EXCLUDED.f1;\n")


def ensure_bench_packages():
    needed = []
    with open(os.path.join(ROOT, "scripts", "packages-bench.txt")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line and subprocess.run(["dpkg", "-s", line], capture_output=True).returncode != 0:
                needed.append(line)
    if needed:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + needed, check=True)


def write_data(path, rows):
    rng = random.Random(42)
    with open(path, "w") as f:
        for i in range(1, rows + 1):
            f.write("%d\t%d\t%d\t%r\tfeature row %d %s\n" %
                    (i, rng.randint(-2**31, 2**31 - 1), rng.randint(-2**62, 2**62), rng.random() * 1000, i,
                     "x" * rng.randint(0, 40)))


def settle(pid, limit_s=240):
    """Waits until process `pid` is idle (under 5% of a core in four 3 s windows in a row): the
    background work a bulk load leaves behind (Strata: column-replica flushes
    and RocksDB compactions) must not be measured as serving latency.
    Returns the seconds waited."""
    def cpu():
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    start = time.time()
    idle_windows = 0
    while time.time() - start < limit_s and idle_windows < 4:
        before = cpu()
        time.sleep(3)
        idle_windows = idle_windows + 1 if cpu() - before < 0.15 else 0
    return time.time() - start


def conn_params(server):
    return dict(p.split("=") for p in server.dsn().split())


def pgbench(server, script, clients, seconds, mode):
    """Returns (tps, p99 ms) from a pgbench run with a per-transaction log."""
    params = conn_params(server)
    workdir = tempfile.mkdtemp(prefix="pgbench-")
    script_path = os.path.join(workdir, "script.sql")
    with open(script_path, "w") as f:
        f.write(script)
    cmd = ["pgbench", "-n", "-M", mode, "-f", script_path, "-c", str(clients), "-j", "2", "-T", str(seconds),
           "-l", "--log-prefix=" + os.path.join(workdir, "log"), "-h", params["host"], "-p", params["port"],
           "-U", params["user"], params["dbname"]]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 120)
        if result.returncode != 0:
            raise RuntimeError("pgbench failed: " + result.stderr + result.stdout)
        for line in result.stdout.splitlines():
            if line.startswith("number of failed transactions") and not line.split(":")[1].strip().startswith("0"):
                raise RuntimeError("pgbench reported failed transactions:\n" + result.stdout)
        tps = None
        for line in result.stdout.splitlines():
            if line.startswith("tps ="):
                tps = float(line.split()[2])
        latencies = []
        for path in glob.glob(os.path.join(workdir, "log*")):
            with open(path) as f:
                for line in f:
                    latencies.append(int(line.split()[2]))
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1] / 1000.0 if latencies else float("nan")
        return tps, p99
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def strata_bench(server, seconds, *args):
    cmd = [STRATA_BENCH, "--conninfo", server.dsn(), "--duration", str(seconds)] + [str(a) for a in args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 4 + 60)
    if result.returncode != 0:
        raise RuntimeError("strata-bench failed: " + result.stderr + result.stdout)
    return {k: float(v) for k, v in (kv.split("=") for kv in result.stdout.split())}


def copy_rows(server, table, data_path):
    for sql in ("DROP TABLE IF EXISTS " + table, SCHEMA % table):
        r = server.psql("-c", sql)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
    start = time.time()
    r = server.psql("-c", "\\copy %s FROM '%s'" % (table, data_path), timeout=1800)
    elapsed = time.time() - start
    if r.returncode != 0:
        raise RuntimeError("COPY failed: " + r.stderr)
    return elapsed


def redis_ceiling(rows, requests):
    port = str(20000 + random.randint(0, 20000))
    workdir = tempfile.mkdtemp(prefix="redis-")
    proc = subprocess.Popen(["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        # The same number of keys, written pipelined (not measured).
        subprocess.run(["redis-benchmark", "-p", port, "-t", "set", "-r", str(rows), "-n", str(rows * 2),
                        "-P", "64", "-q"], check=True, capture_output=True)
        out = subprocess.run(["redis-benchmark", "-p", port, "-t", "get", "-c", "16", "-r", str(rows), "-n",
                              str(requests), "--csv"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            fields = [x.strip('"') for x in line.split(",")]
            if fields[0] == "GET":
                return float(fields[1])
        raise RuntimeError("no GET line in redis-benchmark output: " + out)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1000000)
    parser.add_argument("--items", default="1,2,3,4,5,6,7")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave RESULTS.md alone")
    args = parser.parse_args()
    items = set(int(i) for i in args.items.split(","))
    ensure_bench_packages()
    if not os.path.exists(STRATA_BENCH):
        raise SystemExit("build first: cmake --build build (needs %s)" % STRATA_BENCH)

    workdir = tempfile.mkdtemp(prefix="serving-bench-")
    data_path = os.path.join(workdir, "feat.tsv")
    os.chmod(workdir, 0o755)
    write_data(data_path, args.rows)
    os.chmod(data_path, 0o644)

    strata = StrataServer(config_text="max_connections = 200\n").start()
    postgres = PostgresServer(settings={"shared_buffers": "'1GB'"}).start()
    servers = (("strata", strata), ("postgres", postgres))
    res = {}  # (item, server) -> list of dicts

    def record(item, name, **values):
        res.setdefault((item, name), []).append(values)
        print("%-9s %-8s %s" % (item, name, " ".join("%s=%.3f" % kv for kv in values.items())), flush=True)

    try:
        for name, server in servers:
            copy_rows(server, "feat", data_path)
            r = server.psql("-c", "VACUUM ANALYZE feat" if name == "postgres" else "SELECT count(*) FROM feat")
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
        print("strata settled after load in %.0f s" % settle(strata.proc.pid), flush=True)
        # Both servers serve warm, as a feature store does: one unmeasured
        # pass of 100-key IN lookups (about every key read several times)
        # fills PostgreSQL's buffers and Strata's row and block caches alike.
        for name, server in servers:
            strata_bench(server, WARMUP_SECONDS, "--connections", 16, "--in", 100, "--keys", args.rows)
        lookup = LOOKUP.format(rows=args.rows)
        for run in range(args.runs):
            for name, server in servers:
                if 1 in items or 6 in items:
                    tps, p99 = pgbench(server, lookup, 16, args.seconds, "prepared")
                    record("1-prep", name, qps=tps, p99_ms=p99)
                if 1 in items:
                    tps, p99 = pgbench(server, lookup, 16, args.seconds, "simple")
                    record("1-simple", name, qps=tps, p99_ms=p99)
                if 2 in items:
                    r = strata_bench(server, args.seconds, "--connections", 16, "--depth", 16, "--keys", args.rows)
                    record("2-pipe", name, qps=r["qps"], p99_ms=r["p99_ms"])
                if 3 in items:
                    r = strata_bench(server, args.seconds, "--connections", 16, "--in", 100, "--keys", args.rows)
                    record("3-in100", name, rows_s=r["rows_per_s"], qps=r["qps"])
            if 6 in items:
                pg_qps = median([v["qps"] for v in res[("1-prep", "postgres")]])
                rate = int(pg_qps / 2)
                for name, server in servers:
                    r = strata_bench(server, args.seconds, "--connections", 16, "--rate", rate, "--keys", args.rows)
                    record("6-fixed", name, rate=rate, qps=r["qps"], p50_ms=r["p50_ms"], p99_ms=r["p99_ms"],
                           p999_ms=r["p999_ms"])
            if 4 in items:
                for name, server in servers:
                    tps, p99 = pgbench(server, UPSERT_FULL.format(rows=args.rows), 8, args.seconds, "prepared")
                    record("4-full", name, tps=tps, p99_ms=p99)
                    tps, p99 = pgbench(server, UPSERT_PARTIAL.format(rows=args.rows), 8, args.seconds, "prepared")
                    record("4-partial", name, tps=tps, p99_ms=p99)
            if 5 in items:
                for name, server in servers:
                    # A COPY is measured on quiet servers, not beside the
                    # background work of what ran before it (the upserts
                    # above, the other server's COPY): Strata settles
                    # (compactions, column-replica flushes) and PostgreSQL
                    # writes its dirty buffers (CHECKPOINT).
                    settle(strata.proc.pid)
                    r = postgres.psql("-c", "CHECKPOINT")
                    if r.returncode != 0:
                        raise RuntimeError(r.stderr)
                    elapsed = copy_rows(server, "feat_copy", data_path)
                    record("5-copy", name, rows_s=args.rows / elapsed)
                    server.psql("-c", "DROP TABLE feat_copy")
                settle(strata.proc.pid)
            if 7 in items:
                record("7-redis", "redis", qps=redis_ceiling(args.rows, 300000))
    finally:
        strata.cleanup()
        postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def med(item, name, key):
        values = [v[key] for v in res.get((item, name), [])]
        return median(values) if values else None

    def fmt(x, unit=""):
        if x is None:
            return "—"
        return ("%.0f" % x if x >= 100 else "%.2f" % x) + unit

    lines = ["| # | measure | Strata | PostgreSQL | Strata / PostgreSQL | target |", "|---|---|---|---|---|---|"]

    def row(num, label, item, key, target, unit="", lower_is_better=False):
        s, p = med(item, "strata", key), med(item, "postgres", key)
        ratio = "—" if s is None or p is None or p == 0 else "%.2f×" % (s / p)
        lines.append("| %s | %s | %s | %s | %s | %s |" % (num, label, fmt(s, unit), fmt(p, unit), ratio, target))

    row(1, "point lookups `-M prepared`, 16 clients (QPS)", "1-prep", "qps", "≥ 1.3×")
    row(1, "… p99 latency", "1-prep", "p99_ms", "≤ 0.6×", " ms")
    row(1, "point lookups `-M simple`, 16 clients (QPS)", "1-simple", "qps", "≥ 1.8×")
    row(2, "pipelined lookups, depth 16 (QPS)", "2-pipe", "qps", "≥ 2×")
    row(3, "100-key `IN (...)` lookups (rows/s)", "3-in100", "rows_s", "≥ 2×")
    row(4, "full-row upsert, 8 clients (TPS)", "4-full", "tps", "≥ 2×")
    row(4, "one-column upsert, 8 clients (TPS)", "4-partial", "tps", "≥ 2×")
    row(5, "COPY %d rows (rows/s)" % args.rows, "5-copy", "rows_s", "≥ 1.5×")
    rate = med("6-fixed", "postgres", "rate")
    row(6, "fixed rate %s/s: p50" % fmt(rate), "6-fixed", "p50_ms", "", " ms")
    row(6, "… p99", "6-fixed", "p99_ms", "≤ 1×", " ms")
    row(6, "… p999", "6-fixed", "p999_ms", "≤ 1×", " ms")
    redis = med("7-redis", "redis", "qps")
    s1 = med("1-prep", "strata", "qps")
    lines.append("| 7 | `redis-benchmark -t get -c 16` ceiling (QPS) | %s of it (prepared) | %s of it | %s | |" % (
        "%.0f%%" % (100 * s1 / redis) if redis and s1 else "—",
        "%.0f%%" % (100 * med("1-prep", "postgres", "qps") / redis) if redis and s1 else "—", fmt(redis)))

    body = """## Serving and write speed (issue 9)

`/usr/bin/python3 bench/serving.py --seconds %d --runs %d --rows %d` — %s, %s.
Both servers on this machine in the same run, alternating; medians of %d runs.
After loading (PostgreSQL: `VACUUM ANALYZE`) and after each COPY run the script
waits until strata-server is idle (column-replica flushes and compactions
done) before measuring, and before each COPY it also has PostgreSQL write its
dirty buffers (`CHECKPOINT`); then both servers get the same unmeasured %d s pass
of 100-key IN lookups, so both are measured warm.
Data: `feat(id bigint primary key, f1 int, f2 bigint, f3 double precision, f4 text)`,
%d rows loaded with COPY. PostgreSQL 15 with `shared_buffers = 1GB` and default
durability; Strata with its defaults (`storage.sync_commit = true`). Latency
ratios: lower is better. Item 6 runs 16 connections at half of PostgreSQL's
item-1 prepared QPS, latency counted from each request's scheduled time.

%s
""" % (args.seconds, args.runs, args.rows, machine_line(), datetime.date.today().isoformat(), args.runs, WARMUP_SECONDS, args.rows,
       "\n".join(lines))
    if not args.no_write:
        replace_section("serving", body)
    print(body)


if __name__ == "__main__":
    main()
