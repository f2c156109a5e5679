"""Row replica and column replica agree at every snapshot, under concurrent
writes, flushes and compactions, and after a SIGKILL.

Writers run random inserts, full upserts, partial upserts (one column),
updates and deletes on an overlapping key range of a `row,column` table.
A maintenance thread runs VACUUM (flush the column delta into a segment,
compact) continuously, and the server itself flushes every few rows
(storage.column_flush_rows) and compacts in the background. Readers open one
REPEATABLE READ transaction per round and run the same queries with
strata.read_replica = 'row' and = 'column' (the column side includes the
vectorized aggregation path); the result sets must be identical. Then the
server is SIGKILLed mid-write, restarted on the same data directory, and
the same check runs again, plus a final full comparison.

Run: /usr/bin/python3 tests/integration/column_consistency_test.py
"""
import os
import random
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import StrataServer, results_on_both_replicas  # noqa: E402

KEYS = 400
PHASE_SECONDS = float(os.environ.get("CONSISTENCY_SECONDS", "60"))
CONFIG = """
[storage]
column_flush_rows = 200
column_compact_small_rows = 600
column_background_interval_ms = 20
sync_commit = false
"""

QUERIES = [
    "SELECT k, a, b, c, d FROM t ORDER BY k",
    "SELECT count(*), sum(a), sum(c), avg(c), min(k), max(k), count(b), min(d), max(d) FROM t",
    "SELECT b, count(*), sum(a), sum(c * (1 - 0.5)), avg(a), max(c) FROM t WHERE a > 20 GROUP BY b ORDER BY b",
    "SELECT count(DISTINCT a), count(DISTINCT b) FROM t WHERE c >= 10.5",
    "SELECT a % 7, count(*) FROM t GROUP BY 1 ORDER BY 1",
    "SELECT k, c FROM t WHERE d BETWEEN DATE '2020-01-10' AND DATE '2020-02-10' ORDER BY k",
]


def connect(server):
    conn = psycopg2.connect(server.dsn())
    conn.autocommit = True
    return conn


def row_values(rng):
    return (rng.randrange(100), rng.choice(["x", "y", "z", None, "long string value " + str(rng.randrange(5))]),
            "%d.%02d" % (rng.randrange(50), rng.randrange(100)), "2020-01-%02d" % rng.randint(1, 28)
            if rng.random() < 0.5 else "2020-02-%02d" % rng.randint(1, 28))


def writer(server, seed, stop, counts, errors):
    rng = random.Random(seed)
    try:
        conn = connect(server)
        cur = conn.cursor()
        while not stop.is_set():
            k = rng.randint(1, KEYS)
            op = rng.random()
            a, b, c, d = row_values(rng)
            try:
                if op < 0.25:
                    cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s) ON CONFLICT (k) DO NOTHING",
                                (k, a, b, c, d))
                elif op < 0.45:
                    cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s) ON CONFLICT (k) DO UPDATE "
                                "SET a = EXCLUDED.a, b = EXCLUDED.b, c = EXCLUDED.c, d = EXCLUDED.d",
                                (k, a, b, c, d))
                elif op < 0.65:
                    cur.execute("INSERT INTO t (k, a) VALUES (%s, %s) ON CONFLICT (k) DO UPDATE "
                                "SET a = EXCLUDED.a", (k, a))
                elif op < 0.75:
                    cur.execute("UPDATE t SET c = c + 1 WHERE k BETWEEN %s AND %s", (k, k + 3))
                elif op < 0.9:
                    cur.execute("DELETE FROM t WHERE k = %s", (k,))
                else:
                    # A multi-row transaction: several keys change atomically.
                    cur.execute("BEGIN")
                    for _ in range(5):
                        kk = rng.randint(1, KEYS)
                        cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s) ON CONFLICT (k) DO UPDATE "
                                    "SET c = EXCLUDED.c", (kk,) + row_values(rng))
                    cur.execute("COMMIT")
                counts["writes"] += 1
            except psycopg2.errors.SerializationFailure:
                cur.execute("ROLLBACK")
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                if stop.is_set():
                    return
                raise
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
        if not stop.is_set() and not counts.get("killing"):
            errors.append("writer: %r" % e)
    except Exception as e:  # noqa: BLE001
        errors.append("writer: %r" % e)


def vacuumer(server, stop, counts, errors):
    try:
        conn = connect(server)
        cur = conn.cursor()
        while not stop.is_set():
            cur.execute("VACUUM t")
            counts["vacuums"] += 1
            time.sleep(0.05)
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
        if not stop.is_set() and not counts.get("killing"):
            errors.append("vacuum: %r" % e)
    except Exception as e:  # noqa: BLE001
        errors.append("vacuum: %r" % e)


def check_round(cur):
    results = results_on_both_replicas(cur, QUERIES)
    for i, q in enumerate(QUERIES):
        if results["row"][i] != results["column"][i]:
            return "replicas differ on %s\nrow:    %s\ncolumn: %s" % (q, results["row"][i][:20],
                                                                   results["column"][i][:20])
    return None


def reader(server, stop, counts, errors):
    try:
        conn = connect(server)
        cur = conn.cursor()
        while not stop.is_set():
            problem = check_round(cur)
            if problem:
                errors.append(problem)
                stop.set()
                return
            counts["rounds"] += 1
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
        if not stop.is_set() and not counts.get("killing"):
            errors.append("reader: %r" % e)
    except Exception as e:  # noqa: BLE001
        errors.append("reader: %r" % e)


def run_phase(server, seconds, seed, kill_at_end=False, min_rounds=0):
    """Runs writers, readers and VACUUM for `seconds`, longer (up to four
    times as long) until the readers completed `min_rounds`: a loaded
    machine gets the same amount of checking, not less."""
    stop = threading.Event()
    counts = {"writes": 0, "rounds": 0, "vacuums": 0}
    errors = []
    threads = [threading.Thread(target=writer, args=(server, seed + i, stop, counts, errors))
               for i in range(2)]
    threads += [threading.Thread(target=reader, args=(server, stop, counts, errors)) for _ in range(3)]
    threads.append(threading.Thread(target=vacuumer, args=(server, stop, counts, errors)))
    for t in threads:
        t.start()
    start = time.time()
    while not stop.is_set():
        elapsed = time.time() - start
        if elapsed >= seconds and (counts["rounds"] >= min_rounds or elapsed >= 4 * seconds):
            break
        time.sleep(0.1)
    if kill_at_end:
        counts["killing"] = True
        server.kill()  # SIGKILL while writers, readers and VACUUM run
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return counts, errors


def main():
    server = StrataServer(config_text=CONFIG)
    try:
        server.start()
        conn = connect(server)
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (k int PRIMARY KEY, a int, b text, c numeric(12,2), d date) "
                    "WITH (orientation = 'row,column')")
        cur.execute("EXPLAIN " + QUERIES[1])
        plan = " ".join(r[0] for r in cur.fetchall())
        assert "column replica" in plan and "Vectorized" in plan, plan
        cur.execute("SET strata.read_replica = 'row'")
        cur.execute("EXPLAIN " + QUERIES[1])
        plan = " ".join(r[0] for r in cur.fetchall())
        assert "row replica" in plan and "Vectorized" not in plan, plan
        conn.close()

        counts, errors = run_phase(server, PHASE_SECONDS, 1000, kill_at_end=True, min_rounds=1100)
        print("phase 1 (ends with SIGKILL): %s" % counts, flush=True)
        if errors:
            raise AssertionError("\n".join(errors[:5]))
        assert counts["rounds"] >= 1000, counts
        assert counts["vacuums"] >= 5, counts

        server.start()
        counts2, errors = run_phase(server, PHASE_SECONDS / 2, 2000, min_rounds=900)
        print("phase 2 (after restart): %s" % counts2, flush=True)
        if errors:
            raise AssertionError("\n".join(errors[:5]))
        conn = connect(server)
        cur = conn.cursor()
        cur.execute("VACUUM t")
        problem = check_round(cur)
        assert problem is None, problem
        cur.execute("SELECT count(*) FROM t")
        live = cur.fetchone()[0]
        assert 0 < live <= KEYS, live
        total = counts["rounds"] + counts2["rounds"]
        print("OK: %d consistent rounds (%d queries each way), %d writes, %d VACUUMs, %d live rows"
              % (total, len(QUERIES), counts["writes"] + counts2["writes"],
                 counts["vacuums"] + counts2["vacuums"], live))
        assert total >= 2000, total
        conn.close()
        # Segment files: none orphaned after the crash (every .seg on disk is
        # named by the manifest -- Open() removes the others; VACUUM + GC
        # bound the count).
        segs = [f for _, _, files in os.walk(server.data_dir) for f in files if f.endswith(".seg")]
        tmps = [f for _, _, files in os.walk(server.data_dir) for f in files if f.endswith(".tmp")]
        print("segment files: %d, leftover .tmp files: %d" % (len(segs), len(tmps)))
        assert not tmps, tmps
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
