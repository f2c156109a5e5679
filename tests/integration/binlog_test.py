"""Binlog through SQL (issue 7): hg_binlog_* columns read a binlog-enabled table's
change records, resumable from an LSN, with heartbeats on request, retention by
binlog_ttl, and crash consistency of records and rows under kill -9."""
import random
import threading
import time
import unittest
from decimal import Decimal

from harness import StrataServer

INSERT, DELETE, BEFORE, AFTER, HEARTBEAT = 5, 2, 3, 7, 27

BINLOG_QUERY = ("SELECT hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us, * FROM {} "
                "WHERE hg_binlog_lsn > %s ORDER BY hg_binlog_lsn LIMIT %s")


def psycopg2():
    import psycopg2 as module
    return module


def read_binlog(cur, table, after=0, page=1000):
    cur.execute(BINLOG_QUERY.format(table), (after, page))
    return cur.fetchall()


def read_all(cur, table, page=4):
    """Reads the whole binlog the way a consumer resumes: page by page, each page
    starting after the last LSN it has seen completely."""
    out = []
    after = 0
    while True:
        rows = read_binlog(cur, table, after, page)
        if not rows:
            return out
        if len(rows) == page and rows[0][0] != rows[-1][0]:
            # The last LSN may continue beyond the page: take it next time.
            last = rows[-1][0]
            rows = [r for r in rows if r[0] != last]
        elif len(rows) == page:
            # One commit larger than the page: read it whole.
            cur.execute("SELECT hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us, * "
                        "FROM {} WHERE hg_binlog_lsn = %s".format(table), (rows[0][0],))
            rows = cur.fetchall()
        out.extend(rows)
        after = rows[-1][0]


class BinlogSqlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = psycopg2()
        cls.server = StrataServer(config_text=(
            "[storage]\nbinlog_heartbeat_interval_ms = 100\nbinlog_retention_interval_ms = 200\n"))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def connect(self):
        conn = self.pg.connect(self.server.dsn())
        conn.autocommit = True
        self.addCleanup(conn.close)
        return conn

    def test_changes_read_back_with_full_images_and_resume(self):
        cur = self.connect().cursor()
        cur.execute("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric) "
                    "WITH (binlog_level = 'replica', shard_count = 3)")
        cur.execute("CREATE TABLE audit (k bigint PRIMARY KEY, note text)")
        cur.execute("ALTER TABLE audit SET (binlog.level = 'replica', binlog.ttl = '3600')")
        cur.execute("INSERT INTO items VALUES (1, 'a', 1.5), (2, 'b', 2), (3, 'c', 3)")
        cur.execute("INSERT INTO items VALUES (1, 'ignored', 9) "
                    "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name")  # partial upsert
        cur.execute("INSERT INTO items VALUES (1, 'x', 1.5) "
                    "ON CONFLICT (id) DO UPDATE SET price = EXCLUDED.price")  # changes nothing
        cur.execute("UPDATE items SET price = 1.50 WHERE id = 1")  # visible scale change
        cur.execute("DELETE FROM items WHERE id = 2")
        cur.execute("BEGIN")
        cur.execute("UPDATE items SET id = 30 WHERE id = 3")
        cur.execute("INSERT INTO audit VALUES (100, 'moved 3')")
        cur.execute("INSERT INTO items VALUES (4, 'd', 4)")
        cur.execute("COMMIT")

        rows = read_all(cur, "items")
        got = [(r[1], r[3], r[4], r[5]) for r in rows]
        self.assertEqual(got, [
            (INSERT, 1, "a", Decimal("1.5")), (INSERT, 2, "b", Decimal("2")),
            (INSERT, 3, "c", Decimal("3")),
            (BEFORE, 1, "a", Decimal("1.5")), (AFTER, 1, "ignored", Decimal("1.5")),
            (BEFORE, 1, "ignored", Decimal("1.5")), (AFTER, 1, "ignored", Decimal("1.50")),
            (DELETE, 2, "b", Decimal("2")),
            (BEFORE, 3, "c", Decimal("3")), (AFTER, 30, "c", Decimal("3")),
            (INSERT, 4, "d", Decimal("4")),
        ])
        self.assertEqual(str(rows[6][5]), "1.50")
        lsns = [r[0] for r in rows]
        # One LSN per commit: the three-row INSERT, the pairs, the transaction.
        self.assertEqual(len({lsns[0], lsns[1], lsns[2]}), 1)
        self.assertEqual(lsns[3], lsns[4])
        self.assertEqual(lsns[8], lsns[9])
        self.assertEqual(lsns[9], lsns[10])
        self.assertEqual(lsns, sorted(lsns))
        self.assertEqual(len(set(lsns)), 5)
        # Commit timestamps are microseconds now-ish and rise with the LSN.
        stamps = [r[2] for r in rows]
        self.assertTrue(all(abs(s / 1e6 - time.time()) < 120 for s in stamps))
        for a, b in zip(rows, rows[1:]):
            if a[0] < b[0]:
                self.assertLess(a[2], b[2])
        # The transaction's audit row carries the same LSN.
        audit = read_binlog(cur, "audit")
        self.assertEqual([(r[0], r[1], r[3], r[4]) for r in audit],
                         [(lsns[9], INSERT, 100, "moved 3")])
        # Resume from the middle: exactly the suffix.
        self.assertEqual(read_binlog(cur, "items", lsns[4]), rows[5:])
        # The table itself still reads its current state.
        cur.execute("SELECT * FROM items ORDER BY id")
        self.assertEqual(cur.fetchall(), [(1, "ignored", Decimal("1.50")), (4, "d", Decimal("4")),
                                          (30, "c", Decimal("3"))])
        # The LSN filter is pushed into the seek, and ORDER BY needs no sort.
        cur.execute("EXPLAIN " + BINLOG_QUERY.format("items"), (lsns[4], 1000))
        plan = "\n".join(r[0] for r in cur.fetchall())
        self.assertIn("Binlog Scan on items [binlog, seek: hg_binlog_lsn > ", plan)
        self.assertNotIn("Sort", plan)
        # Prepared, with the bound as a parameter (what drivers send).
        cur.execute("PREPARE page(bigint) AS SELECT hg_binlog_lsn, * FROM items "
                    "WHERE hg_binlog_lsn > $1 ORDER BY hg_binlog_lsn LIMIT 2")
        cur.execute("EXECUTE page(%s)", (lsns[4],))
        self.assertEqual([(r[0], r[1]) for r in cur.fetchall()], [(lsns[5], 1), (lsns[6], 1)])
        cur.execute("EXPLAIN EXECUTE page(%s)", (lsns[4],))
        self.assertIn("seek: hg_binlog_lsn > $1", "\n".join(r[0] for r in cur.fetchall()))

    def test_binlog_properties_and_errors(self):
        conn = self.connect()
        cur = conn.cursor()
        cur.execute("CREATE TABLE nobin (id int PRIMARY KEY)")
        with self.assertRaises(self.pg.Error) as err:
            cur.execute("SELECT hg_binlog_lsn, * FROM nobin")
        self.assertEqual(err.exception.pgcode, "42703")
        # Hologres' way: set_table_property inside the creating transaction.
        cur.execute("BEGIN")
        cur.execute("CREATE TABLE holo (id int PRIMARY KEY, v text)")
        cur.execute("CALL set_table_property('holo', 'binlog.level', 'replica')")
        cur.execute("CALL set_table_property('holo', 'binlog.ttl', '86400')")
        cur.execute("COMMIT")
        cur.execute("INSERT INTO holo VALUES (1, 'one')")
        self.assertEqual([(r[1], r[3], r[4]) for r in read_binlog(cur, "holo")],
                         [(INSERT, 1, "one")])
        with self.assertRaises(self.pg.Error) as err:
            cur.execute("ALTER TABLE holo SET (binlog.level = 'sometimes')")
        self.assertEqual(err.exception.pgcode, "22023")
        cur.execute("SELECT hg_binlog_lsn FROM holo")  # the server is still fine
        self.assertEqual(len(cur.fetchall()), 1)

    def test_heartbeats_on_request(self):
        cur = self.connect().cursor()
        cur.execute("CREATE TABLE beats (id int PRIMARY KEY, v int) "
                    "WITH (binlog_level = 'replica', shard_count = 2)")
        for i in range(5):
            cur.execute("INSERT INTO beats VALUES (%s, %s)", (i, i))
            time.sleep(0.08)
        time.sleep(0.3)
        cur.execute("SELECT hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us, * "
                    "FROM beats WHERE hg_binlog_event_type = 27 ORDER BY hg_binlog_lsn")
        beats = cur.fetchall()
        self.assertGreaterEqual(len(beats), 4)
        self.assertTrue(all(r[3] is None and r[4] is None for r in beats))
        cur.execute("SELECT hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us "
                    "FROM beats ORDER BY hg_binlog_lsn")
        data = cur.fetchall()
        self.assertEqual([r[1] for r in data], [INSERT] * 5)
        # "Everything up to this timestamp has been delivered": a record with a
        # timestamp at or below a heartbeat's is at a lower LSN.
        for lsn, _, ts in [(b[0], b[1], b[2]) for b in beats]:
            for d in data:
                if d[2] <= ts:
                    self.assertLess(d[0], lsn)
        cur.execute("EXPLAIN SELECT * FROM beats WHERE hg_binlog_event_type IN (5, 27)")
        self.assertIn("with heartbeats", "\n".join(r[0] for r in cur.fetchall()))

    def test_retention_by_ttl(self):
        cur = self.connect().cursor()
        cur.execute("CREATE TABLE shortlived (id int PRIMARY KEY) "
                    "WITH (binlog_level = 'replica', binlog_ttl = 1)")
        cur.execute("INSERT INTO shortlived VALUES (1), (2)")
        self.assertEqual(len(read_binlog(cur, "shortlived")), 2)
        deadline = time.time() + 15
        while time.time() < deadline and read_binlog(cur, "shortlived"):
            time.sleep(0.2)
        self.assertEqual(read_binlog(cur, "shortlived"), [])
        cur.execute("SELECT count(*) FROM shortlived")
        self.assertEqual(cur.fetchone()[0], 2)
        cur.execute("INSERT INTO shortlived VALUES (3)")
        self.assertEqual([r[3] for r in read_binlog(cur, "shortlived")], [3])


class BinlogCrashTest(unittest.TestCase):
    """kill -9 during writes: after restart, replaying each table's binlog gives
    exactly its rows, every update's before image is the previous after image of
    its key, every acknowledged write is in the binlog, and LSNs keep rising."""

    def test_sigkill_keeps_rows_and_binlog_together(self):
        pg = psycopg2()
        rng = random.Random(7)
        server = StrataServer()
        server.start()
        self.addCleanup(server.cleanup)
        conn = pg.connect(server.dsn())
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE kv (k int PRIMARY KEY, v bigint, note text) "
                        "WITH (binlog_level = 'replica', shard_count = 4)")
        conn.close()
        acked = {}  # k -> last acknowledged v (None: deleted)
        lock = threading.Lock()
        counter = [0]

        def writer(stop, seed):
            local = random.Random(seed)
            while not stop.is_set():
                try:
                    c = pg.connect(server.dsn(), connect_timeout=2)
                    c.autocommit = True
                except pg.Error:
                    time.sleep(0.05)
                    continue
                try:
                    with c.cursor() as cur:
                        while not stop.is_set():
                            k = local.randrange(40)
                            with lock:
                                counter[0] += 1
                                v = counter[0]
                            op = local.random()
                            if op < 0.6:
                                cur.execute("INSERT INTO kv VALUES (%s, %s, 'n') ON CONFLICT (k) "
                                            "DO UPDATE SET v = EXCLUDED.v", (k, v))
                                result = v
                            elif op < 0.8:
                                cur.execute("BEGIN")
                                cur.execute("INSERT INTO kv VALUES (%s, %s, 't') ON CONFLICT (k) "
                                            "DO UPDATE SET v = EXCLUDED.v, note = 't'", (k, v))
                                cur.execute("UPDATE kv SET v = v + 1 WHERE k = %s", (k,))
                                cur.execute("COMMIT")
                                result = v + 1
                            else:
                                cur.execute("DELETE FROM kv WHERE k = %s", (k,))
                                result = None
                            with lock:
                                acked[k] = (v, result)
                except pg.Error:
                    pass
                finally:
                    try:
                        c.close()
                    except pg.Error:
                        pass

        last_max_lsn = 0
        for round_ in range(3):
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(stop, round_ * 10 + i)) for i in range(3)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.8, 1.5))
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            server.start()
            c = pg.connect(server.dsn())
            c.autocommit = True
            cur = c.cursor()
            cur.execute("SELECT hg_binlog_lsn, hg_binlog_event_type, k, v, note FROM kv "
                        "ORDER BY hg_binlog_lsn")
            records = cur.fetchall()
            cur.execute("SELECT k, v, note FROM kv")
            table = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
            replay = {}
            pending_before = None
            for lsn, typ, k, v, note in records:
                if typ == INSERT:
                    self.assertNotIn(k, replay, "insert of an existing key at %s" % lsn)
                    replay[k] = (v, note)
                elif typ == DELETE:
                    self.assertEqual(replay.pop(k), (v, note))
                elif typ == BEFORE:
                    self.assertEqual(replay.get(k), (v, note), "stale before image at %s" % lsn)
                    pending_before = (lsn, k)
                elif typ == AFTER:
                    self.assertEqual(pending_before[0], lsn)
                    replay.pop(pending_before[1])
                    replay[k] = (v, note)
                    pending_before = None
            self.assertEqual(replay, table)
            # Every acknowledged write is in the binlog (a later write to the
            # same key may have followed it, acknowledged or not).
            written = {(r[2], r[3]) for r in records}
            with lock:
                for k, (v, result) in acked.items():
                    if result is not None:
                        self.assertIn((k, result), written)
            lsns = [r[0] for r in records]
            self.assertEqual(lsns, sorted(lsns))
            if records:
                self.assertGreaterEqual(max(lsns), last_max_lsn)
                last_max_lsn = max(lsns)
            c.close()
        self.assertGreater(len(records), 50)


if __name__ == "__main__":
    unittest.main()
