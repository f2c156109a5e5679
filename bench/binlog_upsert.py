"""What the binlog costs writers, side by side: partial upserts per second on a
Strata table with binlog_level 'replica' vs the same table without binlog, and
the same workload on PostgreSQL 15 with wal_level = logical for reference.

    /usr/bin/python3 bench/binlog_upsert.py [--seconds 10] [--runs 3] [--clients 8]

Each run measures the three targets back to back (Strata binlog off, Strata
binlog on, PostgreSQL), so machine noise hits all of them alike; the table
reports medians. Two durability settings: durable commits (both servers sync
the WAL on every commit) and synchronous_commit off on both (where the CPU
cost of writing the records is not hidden behind the fsync).

Needs a built build/bin/strata-server. Writes the "binlog-upsert" section of
bench/RESULTS.md.
"""
import argparse
import datetime

from benchlib import PostgresServer, StrataServer, machine_line, median, pgbench, replace_section

ROWS = 100000
TABLE = ("CREATE TABLE {name} (id bigint PRIMARY KEY, a bigint, b bigint, c text, "
         "d double precision){with_}")
LOAD = ("INSERT INTO {name} SELECT g, g, g, 'row ' || g, g * 0.5 "
        "FROM generate_series(1, %d) g" % ROWS)
# A partial upsert: names a and b, keeps c and d; mostly hits existing rows,
# so the binlog gets UPDATE_BEFORE/UPDATE_AFTER pairs with full images.
SCRIPT = ("\\set id random(1, %d)\n"
          "\\set v random(1, 1000000000)\n"
          "INSERT INTO {name} (id, a, b, c, d) VALUES (:id, :v, :v, 'new', 0) "
          "ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b;\n" % (ROWS * 11 // 10))


def setup(server, name, binlog):
    with_ = " WITH (binlog_level = 'replica')" if binlog else ""
    for sql in (TABLE.format(name=name, with_=with_), LOAD.format(name=name)):
        result = server.psql("-c", sql)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)


def measure(args, sync):
    strata_conf = "max_connections = 200\n[storage]\nsync_commit = %s\n" % ("true" if sync else "false")
    pg_settings = {"wal_level": "logical"}
    if not sync:
        pg_settings["synchronous_commit"] = "off"
    strata = StrataServer(config_text=strata_conf).start()
    postgres = PostgresServer(settings=pg_settings).start()
    results = {"off": [], "on": [], "pg": []}
    try:
        setup(strata, "up_off", False)
        setup(strata, "up_on", True)
        setup(postgres, "up_pg", False)
        targets = (("off", strata, "up_off"), ("on", strata, "up_on"), ("pg", postgres, "up_pg"))
        for run in range(args.runs):
            for key, server, table in targets:
                params = dict(p.split("=") for p in server.dsn().split())
                tps = pgbench(params, SCRIPT.format(name=table), args.clients, args.seconds)
                results[key].append(tps)
                print("sync=%s run %d %-3s upserts/s=%.0f" % (sync, run, key, tps), flush=True)
        # The binlog really holds the changes (sanity check of the setup).
        check = strata.psql("-At", "-c", "SELECT count(*) FROM up_on WHERE hg_binlog_event_type = 7")
        updates = int(check.stdout.strip())
        if updates == 0:
            raise RuntimeError("no UPDATE_AFTER records in up_on's binlog")
    finally:
        strata.cleanup()
        postgres.stop()
    return {k: median(v) for k, v in results.items()}, results, updates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    rows = ["| commits | Strata binlog off | Strata binlog on | binlog cost | PostgreSQL (wal_level logical) | Strata on / PostgreSQL |",
            "|---|---|---|---|---|---|"]
    raw = []
    for sync in (True, False):
        med, runs, updates = measure(args, sync)
        cost = 1 - med["on"] / med["off"]
        rows.append("| %s | %.0f | %.0f | %.1f%% | %.0f | %.2f× |" % (
            "durable (sync)" if sync else "synchronous_commit off", med["off"], med["on"],
            cost * 100, med["pg"], med["on"] / med["pg"]))
        raw.append("- %s: off %s; on %s; PostgreSQL %s (binlog held %d UPDATE_AFTER records)" % (
            "sync" if sync else "no sync",
            ", ".join("%.0f" % r for r in runs["off"]), ", ".join("%.0f" % r for r in runs["on"]),
            ", ".join("%.0f" % r for r in runs["pg"]), updates))
    body = """## Binlog: upsert throughput with binlog on vs off

`/usr/bin/python3 bench/binlog_upsert.py --seconds %d --runs %d --clients %d` — %s, %s.
Table `(id bigint PRIMARY KEY, a bigint, b bigint, c text, d double precision)`
preloaded with %d rows; pgbench `-M prepared`, %d clients, one partial upsert per
transaction (`INSERT ... ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b =
EXCLUDED.b`, ~91%% hit existing rows, so most commits write an
UPDATE_BEFORE/UPDATE_AFTER pair with full row images plus a commit index
entry). Binlog off and on are two tables on the same Strata server, measured
alternately with PostgreSQL 15 (`wal_level = logical`) in every run; medians of
%d runs. Target: the binlog costs at most 30%%.

%s

Runs (upserts/s):
%s
""" % (args.seconds, args.runs, args.clients, machine_line(), datetime.date.today().isoformat(),
       ROWS, args.clients, args.runs, "\n".join(rows), "\n".join(raw))
    replace_section("binlog-upsert", body)
    print(body)


if __name__ == "__main__":
    main()
