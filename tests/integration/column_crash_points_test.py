"""A crash at every step of a column-replica flush, compaction and garbage
collection loses nothing and leaves no orphan that is never cleaned.

For each crash point (common/crash_point.h) the server runs with
STRATA_CRASH_POINT=<point>, a client upserts and deletes rows and runs
VACUUM (flush + compaction; the background thread collects garbage) until
the server kills itself at that point. After a restart without the crash
point: the row replica and the column replica (forced) both hold exactly the
acknowledged rows, no .tmp file is left, and the segment files on disk are
exactly the segments strata_tables reports (the manifest's), before and
after more writes and maintenance.

Run: /usr/bin/python3 tests/integration/column_crash_points_test.py
"""
import os
import random
import sys
import time
import unittest

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import StrataServer, results_on_both_replicas  # noqa: E402

# Only VACUUM flushes (the delta threshold is never reached) and every
# segment counts as small, so the second VACUUM compacts; the background
# thread runs garbage collection every 50 ms.
CONFIG = """
[storage]
column_flush_rows = 100000000
column_compact_small_rows = 100000
column_background_interval_ms = 50
"""

POINTS = [
    "column_segment.tmp_written",
    "column_flush.segment_written",
    "column_flush.committed",
    "column_compaction.segment_written",
    "column_compaction.committed",
    "column_gc.unlinked_one",
]

KEYS = 300
QUERY = "SELECT k, v, s FROM t ORDER BY k"


def files(server, suffix):
    return sorted(f for _, _, names in os.walk(server.data_dir) for f in names if f.endswith(suffix))


class ColumnCrashPointsTest(unittest.TestCase):

    def connect(self, server):
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        return conn

    def run_until_crash(self, server, point, rng):
        """Writes and VACUUMs until the server dies at `point`. Returns the
        acknowledged rows {k: (v, s)} and the effect of the statement that
        was in flight when it died (None, or the rows it would have left)."""
        model = {}
        conn = self.connect(server)
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (k int PRIMARY KEY, v int, s text) "
                    "WITH (orientation = 'row,column')")
        for round_no in range(12):
            statements = []
            keys = rng.sample(range(KEYS), 60)
            rows = [(k, rng.randrange(1000), "r%d-%d" % (round_no, k)) for k in keys]
            after = dict(model)
            after.update({k: (v, s) for k, v, s in rows})
            statements.append(("INSERT INTO t VALUES " + ",".join(cur.mogrify("(%s,%s,%s)", r).decode()
                                                                  for r in rows)
                               + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, s = EXCLUDED.s", after))
            doomed = rng.sample(sorted(after), 10)
            after = {k: row for k, row in after.items() if k not in doomed}
            statements.append(("DELETE FROM t WHERE k IN (%s)" % ",".join(map(str, doomed)), after))
            statements.append(("VACUUM t", after))
            for sql, result in statements:
                try:
                    cur.execute(sql)
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    in_flight = result if result != model else None
                    server.proc.wait(timeout=30)
                    return model, in_flight
                model = result
            time.sleep(0.2)  # garbage collection of what the compaction replaced
            if server.proc.poll() is not None:
                return model, None
        self.fail("crash point %s was never reached" % point)

    def check_recovered(self, server, model, in_flight):
        conn = self.connect(server)
        cur = conn.cursor()
        results = results_on_both_replicas(cur, [QUERY])
        self.assertEqual(results["row"], results["column"], "replicas differ after the crash")
        recovered = {k: (v, s) for k, v, s in results["row"][0]}
        if recovered != model:
            self.assertIsNotNone(in_flight, "acknowledged rows lost or changed")
            self.assertEqual(recovered, in_flight, "neither the state before nor after the "
                                                   "statement that was in flight")
            model = in_flight
        self.assertEqual(files(server, ".tmp"), [])
        self.wait_for_no_orphans(server, cur)
        conn.close()
        return model

    def wait_for_no_orphans(self, server, cur):
        """The segment files on disk become exactly the manifest's segments
        (obsolete ones are collected once no snapshot reads them)."""
        deadline = time.time() + 60  # garbage collection runs at nice 10
        while True:
            cur.execute("SELECT column_segments FROM strata_tables WHERE table_name = 't'")
            named = cur.fetchone()[0]
            on_disk = len(files(server, ".seg"))
            if on_disk == named:
                return
            self.assertLess(time.time(), deadline, "%d segment files on disk, %d named by the "
                                                   "manifest" % (on_disk, named))
            time.sleep(0.1)

    def test_every_crash_point(self):
        for i, point in enumerate(POINTS):
            with self.subTest(point=point):
                rng = random.Random(i)
                server = StrataServer(config_text=CONFIG)
                try:
                    server.start(env={"STRATA_CRASH_POINT": point})
                    model, in_flight = self.run_until_crash(server, point, rng)
                    server.kill()
                    self.assertIn("crash point %s reached" % point, server.log())
                    server.start()
                    model = self.check_recovered(server, model, in_flight)
                    # It goes on working: more changes, flush and compaction,
                    # still consistent and without orphans.
                    conn = self.connect(server)
                    cur = conn.cursor()
                    cur.execute("INSERT INTO t SELECT g, g, 'after' FROM generate_series(1, %s) g "
                                "ON CONFLICT (k) DO UPDATE SET s = EXCLUDED.s", (KEYS // 2,))
                    for k in range(1, KEYS // 2 + 1):
                        model[k] = (model[k][0] if k in model else k, "after")
                    cur.execute("VACUUM t")
                    cur.execute("VACUUM t")
                    conn.close()
                    self.check_recovered(server, model, None)
                    print("%s: recovered %d rows" % (point, len(model)), flush=True)
                finally:
                    server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
