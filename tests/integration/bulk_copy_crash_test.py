"""kill -9 around large COPYs, which commit by SST ingestion instead of the WAL
(storage.ingest_commit): a COPY is all there or not there at all after a restart
-- never part of it, never on one replica only -- an acknowledged one is always
there, and commits before and after it keep their order."""
import io
import random
import unittest

from harness import StrataServer, results_on_both_replicas

ROWS = 20000


def psycopg2():
    import psycopg2 as module
    return module


class BulkCopyCrashTest(unittest.TestCase):
    def test_sigkill_around_ingested_copies(self):
        pg = psycopg2()
        rng = random.Random(20261207)
        # 1MB: each COPY below (~2.5 MB of rows, delta and index) is ingested.
        server = StrataServer(config_text='[storage]\ningest_commit = "1MB"\n').start()
        self.addCleanup(server.cleanup)
        setup = pg.connect(server.dsn())
        setup.autocommit = True
        with setup.cursor() as cur:
            cur.execute("CREATE TABLE loads (load int, id int, payload text, PRIMARY KEY (load, id))")
            cur.execute("CREATE TABLE marks (id int PRIMARY KEY, load int)")
        setup.close()

        acknowledged = set()  # loads whose COPY returned
        marked = set()        # small commits after an acknowledged load

        def loader(first_load, stop):
            load = first_load
            try:
                conn = pg.connect(server.dsn(), connect_timeout=2)
                conn.autocommit = True
                with conn.cursor() as cur:
                    while not stop.is_set():
                        data = "".join("%d\t%d\tpayload %d of load %d %s\n" % (load, i, i, load, "x" * (i % 40))
                                       for i in range(ROWS))
                        cur.copy_expert("COPY loads FROM STDIN", io.StringIO(data))
                        acknowledged.add(load)
                        cur.execute("INSERT INTO marks VALUES (%s, %s)", (load, load))
                        marked.add(load)
                        load += 1
            except pg.Error:
                pass  # killed under us

        next_load = 0
        for round_number in range(6):
            first = next_load
            self.assertTrue(server.kill_while(lambda stop: loader(first, stop), rng.uniform(0.3, 2.0),
                                              join_timeout=60))
            next_load += 1000

            conn = pg.connect(server.dsn())
            conn.autocommit = True
            with conn.cursor() as cur:
                both = results_on_both_replicas(cur, [
                    "SELECT load, count(*), sum(id) FROM loads GROUP BY load ORDER BY load",
                    "SELECT id FROM marks ORDER BY id"])
            conn.close()
            self.assertEqual(both["row"], both["column"], "round %d: replicas differ" % round_number)
            per_load = {load: (n, s) for load, n, s in both["row"][0]}
            for load, (n, s) in per_load.items():
                self.assertEqual((n, s), (ROWS, ROWS * (ROWS - 1) // 2),
                                 "round %d: load %d is partly there" % (round_number, load))
            self.assertFalse(acknowledged - set(per_load),
                             "round %d: acknowledged loads lost" % round_number)
            marks = {m for (m,) in both["row"][1]}
            self.assertFalse(marked - marks, "round %d: acknowledged marks lost" % round_number)
            # A mark is committed after its load: never without it.
            self.assertFalse(marks - set(per_load), "round %d: a mark outlived its load" % round_number)
        self.assertGreater(len(acknowledged), 3)
        self.assertIn("written by SST ingestion", server.log())

    def test_truncate_and_reload_in_one_transaction_is_ingested(self):
        # The common full-reload pattern: TRUNCATE's range deletions of the old
        # relfilenode go into the same ingestion as the new rows.
        pg = psycopg2()
        server = StrataServer(config_text='[storage]\ningest_commit = "1MB"\n').start()
        self.addCleanup(server.cleanup)
        conn = pg.connect(server.dsn())
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("CREATE TABLE reload (id int PRIMARY KEY, v text)")

        def rows(tag):
            return io.StringIO("".join("%d\t%s %d %s\n" % (i, tag, i, "y" * (i % 50)) for i in range(ROWS)))

        cur.copy_expert("COPY reload FROM STDIN", rows("first"))
        cur.execute("BEGIN")
        cur.execute("TRUNCATE reload")
        cur.copy_expert("COPY reload FROM STDIN", rows("second"))
        cur.execute("COMMIT")
        self.assertEqual(server.log().count("written by SST ingestion"), 2)

        def check():
            c = pg.connect(server.dsn())
            c.autocommit = True
            both = results_on_both_replicas(c.cursor(), [
                "SELECT count(*), count(*) FILTER (WHERE v LIKE 'second %') FROM reload",
                "SELECT v FROM reload WHERE id = 4242"])
            c.close()
            self.assertEqual(both["row"], both["column"])
            self.assertEqual(both["row"][0], [(ROWS, ROWS)])
            self.assertEqual(both["row"][1], [("second 4242 " + "y" * (4242 % 50),)])

        check()
        conn.close()
        server.kill()
        server.start()
        check()


if __name__ == "__main__":
    unittest.main(verbosity=2)
