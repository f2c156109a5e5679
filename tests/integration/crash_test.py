"""kill -9 at random moments: nothing acknowledged is lost, nothing is half-applied,
the catalog survives, and LSNs keep rising (issue: storage engine and row replica)."""
import random
import re
import time
import unittest

from harness import StrataServer

ROWS_PER_STATEMENT = 5


def psycopg2():
    import psycopg2 as module
    return module


def opened_lsn(log):
    """LSNs the server reported at each start ("database open at LSN X/Y")."""
    return [int(hi, 16) << 32 | int(lo, 16)
            for hi, lo in re.findall(r"database open at LSN ([0-9A-F]+)/([0-9A-F]+)", log)]


class CrashTest(unittest.TestCase):
    def test_sigkill_loses_no_acknowledged_commit(self):
        pg = psycopg2()
        rng = random.Random(20261122)
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        setup = pg.connect(server.dsn())
        setup.autocommit = True
        with setup.cursor() as cur:
            cur.execute("CREATE TABLE crash_rows (batch int, seq int, payload text, "
                        "PRIMARY KEY (batch, seq))")
            cur.execute("CREATE TABLE crash_counter (id int PRIMARY KEY, n bigint)")
            cur.execute("INSERT INTO crash_counter VALUES (1, 0)")
        setup.close()

        acknowledged = set()     # batches whose INSERT returned
        counter_acks = [0]       # increments whose UPDATE returned
        next_batch = [0]

        def writer(stop):
            while not stop.is_set():
                try:
                    conn = pg.connect(server.dsn(), connect_timeout=2)
                    conn.autocommit = True
                except pg.Error:
                    time.sleep(0.05)
                    continue
                try:
                    with conn.cursor() as cur:
                        while not stop.is_set():
                            batch = next_batch[0]
                            next_batch[0] += 1
                            values = ",".join("(%d, %d, 'payload %d/%d')" % (batch, s, batch, s)
                                              for s in range(ROWS_PER_STATEMENT))
                            cur.execute("INSERT INTO crash_rows VALUES " + values)
                            acknowledged.add(batch)
                            cur.execute("UPDATE crash_counter SET n = n + 1 WHERE id = 1")
                            counter_acks[0] += 1
                except pg.Error:
                    pass  # the server died under us; reconnect after the restart
                finally:
                    try:
                        conn.close()
                    except pg.Error:
                        pass

        kills = 0
        for round_number in range(22):
            self.assertTrue(server.kill_while(writer, rng.uniform(0.2, 1.2)))  # SIGKILL mid-stream
            kills += 1

            check = pg.connect(server.dsn())
            with check.cursor() as cur:
                cur.execute("SELECT batch, count(*) FROM crash_rows GROUP BY batch")
                present = dict(cur.fetchall())
                cur.execute("SELECT n FROM crash_counter WHERE id = 1")
                (n,) = cur.fetchone()
            check.close()
            missing = acknowledged - set(present)
            self.assertFalse(missing, "round %d: acknowledged batches lost: %s" % (round_number, sorted(missing)[:10]))
            partial = {b: c for b, c in present.items() if c != ROWS_PER_STATEMENT}
            self.assertFalse(partial, "round %d: half-applied statements: %s" % (round_number, partial))
            # A commit may be durable yet unacknowledged (killed before the reply), never the reverse.
            self.assertGreaterEqual(n, counter_acks[0])
            self.assertLessEqual(n, counter_acks[0] + 1 + round_number)

        lsns = opened_lsn(server.log())
        self.assertEqual(len(lsns), kills + 1)
        self.assertEqual(lsns, sorted(lsns), "LSN went backwards across restarts")
        self.assertGreater(lsns[-1], lsns[1])
        self.assertGreater(len(acknowledged), 100)

    def test_sigkill_loses_no_acknowledged_prepared_upsert(self):
        # psycopg 3 with prepare=True sends Bind/Execute/Sync of a named
        # statement: the server runs these upserts inline and acknowledges
        # each after its asynchronous commit is durable.
        import psycopg
        rng = random.Random(20261207)
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        with psycopg.connect(server.dsn(), autocommit=True) as setup:
            setup.execute("CREATE TABLE up_rows (id bigint PRIMARY KEY, v text)")
            setup.execute("CREATE TABLE up_counter (id int PRIMARY KEY, n bigint)")
        acknowledged = set()
        counter_acks = [0]
        next_id = [0]

        def writer(stop):
            while not stop.is_set():
                try:
                    conn = psycopg.connect(server.dsn(), autocommit=True, connect_timeout=2)
                except psycopg.Error:
                    time.sleep(0.05)
                    continue
                try:
                    while not stop.is_set():
                        row = next_id[0]
                        next_id[0] += 1
                        conn.execute("INSERT INTO up_rows VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
                                     (row, "row %d" % row), prepare=True)
                        acknowledged.add(row)
                        conn.execute("INSERT INTO up_counter VALUES (1, 1) ON CONFLICT (id) DO UPDATE "
                                     "SET n = up_counter.n + 1", prepare=True)
                        counter_acks[0] += 1
                except psycopg.Error:
                    pass  # the server died under us
                finally:
                    try:
                        conn.close()
                    except psycopg.Error:
                        pass

        for round_number in range(8):
            self.assertTrue(server.kill_while(writer, rng.uniform(0.3, 1.0)))
            with psycopg.connect(server.dsn(), autocommit=True) as check:
                present = {r[0] for r in check.execute("SELECT id FROM up_rows").fetchall()}
                n = check.execute("SELECT coalesce(max(n), 0) FROM up_counter").fetchone()[0]
            missing = acknowledged - present
            self.assertFalse(missing, "round %d: acknowledged upserts lost: %s" % (round_number, sorted(missing)[:10]))
            self.assertGreaterEqual(n, counter_acks[0])
            self.assertLessEqual(n, counter_acks[0] + 1 + round_number)
        self.assertGreater(len(acknowledged), 100)


if __name__ == "__main__":
    unittest.main(verbosity=2)
