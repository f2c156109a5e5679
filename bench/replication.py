"""Logical replication, side by side with PostgreSQL 15 in one run:

  1. events/s delivered to pg_recvlogical (test_decoding) for a backlog of
     200,000 changes (2,000 transactions of 100 inserted rows);
  2. commit-to-receive latency of single-row commits (autocommit INSERTs,
     paced): the time from sending the INSERT (an upper bound: the commit
     happens later) and from its acknowledgement (a lower bound; negative
     when the stream beats the acknowledgement) to the change's line arriving
     on pg_recvlogical's stdout, p50 and p99;
  3. Strata only: pgbench upsert throughput with binlog_level 'replica' vs
     'none' on the same table shape.

    /usr/bin/python3 bench/replication.py [--changes 200000] [--runs 3]

Needs built build/bin/strata-server. Writes the "replication" section of
bench/RESULTS.md.
"""
import argparse
import datetime
import os
import subprocess
import tempfile
import threading
import time

from benchlib import PostgresServer, StrataServer, machine_line, median, pgbench, replace_section

PG_RECVLOGICAL = "/usr/lib/postgresql/15/bin/pg_recvlogical"


def sql(server, *statements):
    for statement in statements:
        result = server.psql("-c", statement)
        if result.returncode != 0:
            raise RuntimeError(statement + ": " + result.stderr)


def table_ddl(name, strata, binlog=True):
    suffix = " WITH (binlog_level = 'replica')" if strata and binlog else ""
    return "CREATE TABLE %s (id bigint PRIMARY KEY, a int, b text)%s" % (name, suffix)


def throughput(server, strata, changes, run):
    """Seconds for pg_recvlogical to deliver `changes` backlogged inserts."""
    table, slot = "tp%d" % run, "tp%d" % run
    sql(server, table_ddl(table, strata))
    created = subprocess.run([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", slot, "--create-slot",
                              "-P", "test_decoding"], capture_output=True, text=True)
    if created.returncode != 0:
        raise RuntimeError(created.stderr)
    per_txn = 100
    values_sql = []
    for t in range(changes // per_txn):
        rows = ",".join("(%d, %d, 'payload-%d')" % (t * per_txn + i, i, t) for i in range(per_txn))
        values_sql.append("INSERT INTO %s VALUES %s;" % (table, rows))
    load = server.psql("-q", input="\n".join(values_sql), timeout=1200)
    if load.returncode != 0:
        raise RuntimeError(load.stderr)
    out = tempfile.mktemp(prefix="recv-")
    start = time.time()
    proc = subprocess.Popen([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", slot, "--start",
                             "-o", "skip-empty-xacts=1", "-f", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = 0
    for line in proc.stdout:
        if line.startswith(b"table "):
            seen += 1
            if seen == changes:
                break
    elapsed = time.time() - start
    proc.terminate()
    proc.wait()
    sql(server, "DROP TABLE %s" % table)
    subprocess.run([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", slot, "--drop-slot"],
                   capture_output=True)
    if os.path.exists(out):
        os.unlink(out)
    return elapsed


def latency(server, strata, commits, run):
    """Per-commit latency (ms) from INSERT acknowledgement to receipt."""
    import psycopg2
    table, slot = "lat%d" % run, "lat%d" % run
    sql(server, table_ddl(table, strata))
    subprocess.run([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", slot, "--create-slot",
                    "-P", "test_decoding"], capture_output=True, check=True)
    proc = subprocess.Popen([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", slot, "--start",
                             "-o", "skip-empty-xacts=1", "-f", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    received = {}
    done = threading.Event()

    def reader():
        prefix = ("table public.%s: INSERT: id[bigint]:" % table).encode()
        for line in proc.stdout:
            if line.startswith(prefix):
                i = int(line[len(prefix):].split(b" ", 1)[0])
                received[i] = time.perf_counter()
                if len(received) == commits:
                    break
        done.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(1.0)
    conn = psycopg2.connect(server.dsn())
    conn.autocommit = True
    cur = conn.cursor()
    acked = {}
    sent = {}
    for i in range(commits):
        sent[i] = time.perf_counter()
        cur.execute("INSERT INTO " + table + " VALUES (%s, 1, 'x')", (i,))
        acked[i] = time.perf_counter()
        time.sleep(0.004)
    done.wait(60)
    proc.terminate()
    proc.wait()
    conn.close()
    sql(server, "DROP TABLE %s" % table)
    subprocess.run([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", slot, "--drop-slot"],
                   capture_output=True)
    if len(received) != commits:
        raise RuntimeError("received %d of %d changes" % (len(received), commits))
    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * q))]

    from_ack = [(received[i] - acked[i]) * 1000 for i in range(commits)]
    from_send = [(received[i] - sent[i]) * 1000 for i in range(commits)]
    return pct(from_send, 0.5), pct(from_send, 0.99), pct(from_ack, 0.5), pct(from_ack, 0.99)


UPSERT = ("\\set id random(1, 100000)\n"
          "INSERT INTO {t} (id, a, b) VALUES (:id, 1, 'v') "
          "ON CONFLICT (id) DO UPDATE SET a = {t}.a + 1;\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=200000)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--upsert-seconds", type=int, default=10)
    args = parser.parse_args()

    strata = StrataServer(config_text="max_connections = 200\n").start()
    postgres = PostgresServer(settings={"wal_level": "logical", "max_wal_senders": "10",
                                        "max_replication_slots": "10"}).start()
    results = {}
    try:
        for run in range(args.runs):
            for name, server, is_strata in (("strata", strata, True),
                                            ("postgres", postgres, False)):
                secs = throughput(server, is_strata, args.changes, run)
                results.setdefault((name, "eps"), []).append(args.changes / secs)
                p50, p99, a50, a99 = latency(server, is_strata, args.commits, run)
                for key, value in (("p50", p50), ("p99", p99), ("ack50", a50), ("ack99", a99)):
                    results.setdefault((name, key), []).append(value)
                print("%-8s run %d: %.0f events/s, send->receive p50 %.2f ms p99 %.2f ms, "
                      "ack->receive p50 %.2f ms p99 %.2f ms" %
                      (name, run, args.changes / secs, p50, p99, a50, a99), flush=True)
        sql(strata, table_ddl("up_on", True, True), table_ddl("up_off", True, False))
        params = dict(p.split("=") for p in strata.dsn().split())
        for run in range(args.runs):
            for t in ("up_on", "up_off"):
                tps = pgbench(params, UPSERT.format(t=t), 8, args.upsert_seconds)
                results.setdefault((t, "tps"), []).append(tps)
                print("strata %s: %.0f upserts/s" % (t, tps), flush=True)
    finally:
        strata.cleanup()
        postgres.stop()

    m = {k: median(v) for k, v in results.items()}
    body = [
        "## Logical replication: delivery to pg_recvlogical",
        "",
        "`/usr/bin/python3 bench/replication.py --changes %d --commits %d --runs %d` — %s, %s." %
        (args.changes, args.commits, args.runs, machine_line(), datetime.date.today()),
        "Both servers in one run, test_decoding through the real `pg_recvlogical` "
        "(`-o skip-empty-xacts=1`, output to a pipe). Medians of %d runs." % args.runs,
        "",
        "| measure | Strata | PostgreSQL 15 | Strata / PostgreSQL |",
        "|---|---|---|---|",
        "| events/s delivered, backlog of %d inserts (100 per transaction) | %.0f | %.0f | %.2f× |" %
        (args.changes, m[("strata", "eps")], m[("postgres", "eps")],
         m[("strata", "eps")] / m[("postgres", "eps")]),
        "| single-row commit, INSERT sent -> change received, p50 (ms) | %.2f | %.2f | %.2f× |" %
        (m[("strata", "p50")], m[("postgres", "p50")], m[("strata", "p50")] / m[("postgres", "p50")]),
        "| same, p99 (ms) | %.2f | %.2f | %.2f× |" %
        (m[("strata", "p99")], m[("postgres", "p99")], m[("strata", "p99")] / m[("postgres", "p99")]),
        "| single-row commit, commit acknowledged -> change received, p50 (ms) | %.2f | %.2f | |" %
        (m[("strata", "ack50")], m[("postgres", "ack50")]),
        "| same, p99 (ms) | %.2f | %.2f | |" % (m[("strata", "ack99")], m[("postgres", "ack99")]),
        "",
        "Strata upserts (pgbench, 8 clients, `INSERT ... ON CONFLICT DO UPDATE` over 100,000 "
        "keys, %d s): binlog on %.0f/s, off %.0f/s — the binlog costs %.0f%%." %
        (args.upsert_seconds, m[("up_on", "tps")], m[("up_off", "tps")],
         100 * (1 - m[("up_on", "tps")] / m[("up_off", "tps")])),
        "",
        "Per-run figures: " + "; ".join(
            "%s %s %s" % (k[0], k[1], ", ".join("%.1f" % x for x in v))
            for k, v in sorted(results.items())),
    ]
    replace_section("replication", "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
