"""CREATE_REPLICATION_SLOT exports a snapshot that SET TRANSACTION SNAPSHOT
adopts: an initial full read at it plus the slot's stream give exactly the
table's final contents while writers commit throughout (issue 7)."""

import random
import re
import threading
import time
import unittest

from harness import PostgresServer, StrataServer

CHANGE = re.compile(r"^table public\.t: (INSERT|UPDATE|DELETE): (.*)$")
FIELD = re.compile(r"(\w+)\[[^\]]+\]:(\S+)")


def connect(server, **kw):
    import psycopg2
    conn = psycopg2.connect(server.dsn(), **kw)
    conn.autocommit = True
    return conn


def repl_connect(server):
    import psycopg2
    import psycopg2.extras
    return psycopg2.connect(server.dsn(),
                            connection_factory=psycopg2.extras.LogicalReplicationConnection)


def sqlstate_of(conn, statements):
    """Runs statements in order on a fresh transaction; the SQLSTATE and message
    of the first failure (None when all pass). Rolls back afterwards."""
    import psycopg2
    cur = conn.cursor()
    try:
        for s in statements:
            cur.execute(s)
        return None
    except psycopg2.Error as e:
        return (e.pgcode, e.diag.message_primary)
    finally:
        cur.execute("ROLLBACK")


class SnapshotExportTest(unittest.TestCase):
    def test_initial_read_and_stream_meet(self):
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        setup = connect(server)
        setup.cursor().execute(
            "CREATE TABLE t (id int PRIMARY KEY, v int) WITH (binlog_level='replica')")
        setup.cursor().execute("INSERT INTO t SELECT g, g FROM generate_series(1, 200) g")

        stop = threading.Event()
        errors = []
        commits = [0]

        def writer(seed):
            rng = random.Random(seed)
            conn = connect(server)
            cur = conn.cursor()
            try:
                while not stop.is_set():
                    k = rng.randint(1, 400)
                    op = rng.random()
                    if op < 0.4:
                        cur.execute("INSERT INTO t VALUES (%s, %s) ON CONFLICT (id) DO UPDATE "
                                    "SET v = EXCLUDED.v", (k, rng.randint(0, 10**6)))
                    elif op < 0.7:
                        cur.execute("UPDATE t SET v = v + 1 WHERE id = %s", (k,))
                    else:
                        cur.execute("DELETE FROM t WHERE id = %s", (k,))
                    commits[0] += 1
            except Exception as e:  # surfaced by the assertion below
                errors.append(e)
            finally:
                conn.close()

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        time.sleep(0.5)
        before = commits[0]

        repl = repl_connect(server)
        rcur = repl.cursor()
        rcur.execute("CREATE_REPLICATION_SLOT s LOGICAL test_decoding EXPORT_SNAPSHOT")
        slot, consistent, snapshot, plugin = rcur.fetchone()
        self.assertEqual((slot, plugin), ("s", "test_decoding"))
        self.assertIsNotNone(snapshot)

        # Adopt the snapshot while writers keep committing.
        time.sleep(0.3)
        reader = connect(server)
        rd = reader.cursor()
        rd.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        rd.execute("SET TRANSACTION SNAPSHOT %s", (snapshot,))
        rd.execute("SELECT id, v FROM t")
        copy = dict(rd.fetchall())
        time.sleep(0.2)
        # Still the same state later in the transaction.
        rd.execute("SELECT id, v FROM t")
        self.assertEqual(dict(rd.fetchall()), copy)
        rd.execute("COMMIT")

        time.sleep(0.5)
        stop.set()
        for th in threads:
            th.join()
        self.assertEqual(errors, [])
        self.assertGreater(before, 0)
        self.assertGreater(commits[0], before)

        rd.execute("SELECT pg_current_wal_lsn()")
        end_lsn = rd.fetchone()[0]
        end = tuple(int(x, 16) for x in end_lsn.split("/"))
        end = (end[0] << 32) | end[1]
        rd.execute("SELECT id, v FROM t")
        final = dict(rd.fetchall())

        rcur.start_replication(slot_name="s", decode=True)
        streamed = 0
        deadline = time.time() + 60
        last = 0
        while last < end and time.time() < deadline:
            msg = rcur.read_message()
            if msg is None:
                time.sleep(0.02)
                continue
            m = CHANGE.match(msg.payload)
            if msg.payload.startswith("COMMIT"):
                last = msg.data_start
                # Every streamed transaction committed after the consistent point.
                cp = tuple(int(x, 16) for x in consistent.split("/"))
                self.assertGreater(msg.data_start, (cp[0] << 32) | cp[1])
            if m is None:
                continue
            streamed += 1
            fields = dict(FIELD.findall(m.group(2)))
            key = int(fields["id"])
            if m.group(1) == "DELETE":
                self.assertIn(key, copy, "delete of a row the copy lacks: duplicate or gap")
                del copy[key]
            elif m.group(1) == "INSERT":
                self.assertNotIn(key, copy, "insert of a row the copy has: duplicate or gap")
                copy[key] = int(fields["v"])
            else:
                self.assertIn(key, copy)
                copy[key] = int(fields["v"])
        self.assertGreaterEqual(last, end, "stream did not reach the end of the workload")
        self.assertGreater(streamed, 0)
        self.assertEqual(copy, final)
        repl.close()
        reader.close()
        setup.close()

    def error_cases(self, server, strata):
        """SQLSTATEs of the import error cases; the same on PostgreSQL."""
        out = {}
        repl = repl_connect(server)
        rcur = repl.cursor()
        rcur.execute("CREATE_REPLICATION_SLOT e LOGICAL test_decoding (SNAPSHOT 'export')")
        name = rcur.fetchone()[2]
        out["pg15_syntax_exports"] = name is not None
        conn = connect(server)
        out["read_committed"] = sqlstate_of(conn, [
            "BEGIN ISOLATION LEVEL READ COMMITTED", "SET TRANSACTION SNAPSHOT '%s'" % name])
        out["after_query"] = sqlstate_of(conn, [
            "BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT 1", "SET TRANSACTION SNAPSHOT '%s'" % name])
        out["unknown"] = sqlstate_of(conn, [
            "BEGIN ISOLATION LEVEL REPEATABLE READ", "SET TRANSACTION SNAPSHOT 'nosuch'"])
        out["valid"] = sqlstate_of(conn, [
            "BEGIN ISOLATION LEVEL REPEATABLE READ", "SET TRANSACTION SNAPSHOT '%s'" % name,
            "SELECT 1"])
        # The exporting connection runs another command: the name is gone.
        rcur.execute("IDENTIFY_SYSTEM")
        rcur.fetchall()
        out["expired"] = sqlstate_of(conn, [
            "BEGIN ISOLATION LEVEL REPEATABLE READ", "SET TRANSACTION SNAPSHOT '%s'" % name])[0]
        rcur.execute("CREATE_REPLICATION_SLOT n LOGICAL test_decoding NOEXPORT_SNAPSHOT")
        out["noexport"] = rcur.fetchone()[2]
        rcur.execute("CREATE_REPLICATION_SLOT n2 LOGICAL test_decoding (SNAPSHOT 'nothing')")
        out["nothing"] = rcur.fetchone()[2]
        try:
            rcur.execute("CREATE_REPLICATION_SLOT u LOGICAL test_decoding USE_SNAPSHOT")
            out["use_outside_txn"] = None
        except Exception as e:
            out["use_outside_txn"] = e.diag.message_primary
        repl.close()
        conn.close()
        return out

    def test_error_cases_as_postgres(self):
        strata = StrataServer().start()
        self.addCleanup(strata.cleanup)
        got = self.error_cases(strata, True)
        self.assertEqual(got["read_committed"][0], "0A000")
        self.assertEqual(got["after_query"][0], "25001")
        self.assertEqual(got["unknown"], ("22023", 'invalid snapshot identifier: "nosuch"'))
        self.assertIsNone(got["valid"])
        self.assertEqual(got["expired"], "22023")
        pg = PostgresServer(settings={"wal_level": "logical"}).start()
        self.addCleanup(pg.stop)
        self.maxDiff = None
        self.assertEqual(got, self.error_cases(pg, False))

    def test_use_snapshot_in_transaction(self):
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        conn = connect(server)
        conn.cursor().execute(
            "CREATE TABLE t (id int PRIMARY KEY, v int) WITH (binlog_level='replica')")
        conn.cursor().execute("INSERT INTO t VALUES (1, 1)")
        repl = repl_connect(server)
        rcur = repl.cursor()
        rcur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        rcur.execute("CREATE_REPLICATION_SLOT u LOGICAL test_decoding (SNAPSHOT 'use')")
        self.assertIsNone(rcur.fetchone()[2])
        conn.cursor().execute("INSERT INTO t VALUES (2, 2)")
        rcur.execute("SELECT count(*) FROM t")
        self.assertEqual(rcur.fetchone()[0], 1)
        rcur.execute("COMMIT")
        rcur.execute("SELECT count(*) FROM t")
        self.assertEqual(rcur.fetchone()[0], 2)
        repl.close()
        conn.close()


if __name__ == "__main__":
    unittest.main()
