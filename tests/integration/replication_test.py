"""Logical replication (issue 7): pg_recvlogical and psycopg2 against Strata and
PostgreSQL 15 with the same workload; the decoded streams must match after
normalizing xids, LSNs and commit times."""
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

from harness import PG_BIN, PostgresServer, StrataServer

PG_RECVLOGICAL = os.path.join(PG_BIN, "pg_recvlogical")

# Tables as each server spells them: Strata publishes a table's changes when
# its binlog is on; PostgreSQL publishes every table (wal_level = logical).
TABLES = [
    ("acc", "id int PRIMARY KEY, name text, bal numeric(12,2), active boolean"),
    ("orders", "shop int, seq bigint, item text, qty int, at timestamptz, "
               "PRIMARY KEY (shop, seq)"),
    ("misc", "k text PRIMARY KEY, f8 float8, d date, j jsonb, tags text[], b bytea"),
    ("fullid", "id int PRIMARY KEY, v varchar(10), c char(3)"),
]

# Inserts, full and partial upserts, deletes, key changes, multi-statement
# transactions (committed and rolled back), truncate, several tables. Upserts
# and updates here always change the row: PostgreSQL logs an update that
# changes nothing, Strata (by design, issue 7) emits nothing for it.
WORKLOAD = [
    "INSERT INTO acc VALUES (1, 'alice', 10.50, true), (2, 'bob', NULL, false)",
    "INSERT INTO acc VALUES (3, 'carol', 1, true) ON CONFLICT (id) DO UPDATE "
    "SET name = EXCLUDED.name, bal = EXCLUDED.bal, active = EXCLUDED.active",
    "INSERT INTO acc VALUES (1, 'alice2', 11, true) ON CONFLICT (id) DO UPDATE "
    "SET name = EXCLUDED.name, bal = EXCLUDED.bal, active = EXCLUDED.active",
    "INSERT INTO acc (id, bal) VALUES (2, 99.25) ON CONFLICT (id) DO UPDATE SET bal = EXCLUDED.bal",
    "UPDATE acc SET active = NOT active WHERE id = 3",
    "UPDATE acc SET id = 30 WHERE id = 3",
    "DELETE FROM acc WHERE id = 1",
    "BEGIN; INSERT INTO orders VALUES (1, 1, 'apple', 3, '2024-05-06 07:08:09.5+00'); "
    "INSERT INTO orders VALUES (1, 2, 'pear''s', 1, NULL); "
    "UPDATE acc SET bal = bal - 1 WHERE id = 2; "
    "INSERT INTO misc VALUES ('a', 1.25, '2024-02-29', '{\"x\": [1, 2]}', '{red,\"dark blue\"}', "
    "'\\x00ff'); COMMIT",
    "BEGIN; INSERT INTO acc VALUES (99, 'ghost', 0, false); ROLLBACK",
    "INSERT INTO misc VALUES ('b', -0.5, NULL, 'null', '{}', NULL), ('c', 1e300, '2000-01-01', "
    "'{\"k\": \"v\"}', NULL, '\\x')",
    "UPDATE misc SET f8 = f8 * 2 WHERE k IN ('a', 'b')",
    "INSERT INTO orders VALUES (2, 1, 'fig', 7, '1999-12-31 23:59:59+00') ON CONFLICT (shop, seq) "
    "DO UPDATE SET qty = EXCLUDED.qty",
    "INSERT INTO orders VALUES (2, 1, 'fig', 8, NULL) ON CONFLICT (shop, seq) "
    "DO UPDATE SET qty = EXCLUDED.qty",
    "DELETE FROM orders WHERE shop = 1 AND seq = 2",
    "TRUNCATE orders",
    "INSERT INTO orders VALUES (3, 1, 'kiwi', 1, NULL)",
    "BEGIN; DELETE FROM misc WHERE k = 'c'; INSERT INTO acc VALUES (4, 'dan', 4, true); "
    "UPDATE acc SET name = 'bobby' WHERE id = 2; COMMIT",
    "INSERT INTO fullid VALUES (1, 'one', 'a'), (2, 'two', NULL)",
    "UPDATE fullid SET v = 'uno' WHERE id = 1",
    "UPDATE fullid SET id = 3 WHERE id = 2",
    "DELETE FROM fullid WHERE id = 1",
]
# Transactions with changes in WORKLOAD (the rolled back one has none).
EXPECTED_COMMITS = 20


def create_tables(conn, strata):
    with conn.cursor() as cur:
        for name, columns in TABLES:
            suffix = " WITH (binlog_level = 'replica')" if strata else ""
            cur.execute("CREATE TABLE %s (%s)%s" % (name, columns, suffix))
        cur.execute("ALTER TABLE fullid REPLICA IDENTITY FULL")


def run_workload(conn):
    for sql in WORKLOAD:
        with conn.cursor() as cur:
            cur.execute(sql)


def normalize_test_decoding(lines):
    """xids become their order of appearance; commit times are checked and dropped."""
    xids = {}
    out = []
    for line in lines:
        m = re.match(r"^(BEGIN|COMMIT) (\d+)(.*)$", line)
        if m:
            xid = xids.setdefault(m.group(2), len(xids) + 1)
            rest = m.group(3)
            if rest:
                assert re.match(r"^ \(at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00\)$", rest), line
            line = "%s x%d" % (m.group(1), xid)
        out.append(line)
    return out


def pg_recvlogical(dsn_args, *args):
    return [PG_RECVLOGICAL] + dsn_args + list(args)


class RecvLogical:
    """pg_recvlogical --start writing to a file, stopped with SIGINT."""

    def __init__(self, dsn, slot, options, path):
        self.path = path
        self.proc = subprocess.Popen(
            [PG_RECVLOGICAL, "-d", dsn, "--slot", slot, "--start", "-f", path,
             "--no-loop", "-s", "1", "-F", "1"] + sum([["-o", o] for o in options], []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def lines(self):
        try:
            with open(self.path) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def wait_for(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            lines = self.lines()
            if predicate(lines):
                return lines
            if self.proc.poll() is not None:
                raise AssertionError("pg_recvlogical exited: %s" % self.proc.stderr.read())
            time.sleep(0.1)
        raise AssertionError("timed out; got:\n" + "\n".join(self.lines()))

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


def commits(lines):
    return sum(1 for line in lines if line.startswith("COMMIT"))


class TestDecodingDifferentialTest(unittest.TestCase):
    def capture(self, server, strata, tmp):
        import psycopg2
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        create_tables(conn, strata)
        dsn = server.dsn()
        created = subprocess.run(pg_recvlogical([], "-d", dsn, "--slot", "diff", "--create-slot",
                                                "-P", "test_decoding"),
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(created.returncode, 0, created.stderr)
        recv = RecvLogical(dsn, "diff", ["skip-empty-xacts=1", "include-timestamp=1"],
                           os.path.join(tmp, "strata.txt" if strata else "pg.txt"))
        try:
            time.sleep(0.5)
            run_workload(conn)
            lines = recv.wait_for(lambda l: commits(l) >= EXPECTED_COMMITS)
            time.sleep(0.5)  # nothing more may come
            lines = recv.lines()
        finally:
            code, err = recv.stop()
        self.assertEqual(code, 0, err)
        conn.close()
        return lines

    def test_same_output_as_postgres(self):
        tmp = tempfile.mkdtemp(prefix="repl-diff-")
        pg = PostgresServer(settings={"wal_level": "logical"}).start()
        self.addCleanup(pg.stop)
        strata = StrataServer().start()
        self.addCleanup(strata.cleanup)
        expected = normalize_test_decoding(self.capture(pg, False, tmp))
        got = normalize_test_decoding(self.capture(strata, True, tmp))
        self.assertEqual(commits(expected), EXPECTED_COMMITS)
        self.maxDiff = None
        self.assertEqual(got, expected)


def decode_pgoutput(messages):
    """pgoutput messages (data_start, payload) -> comparable tuples. Relation
    oids become names, xids their order of appearance; LSNs and times are
    checked for consistency and dropped."""
    import struct

    relations = {}
    xids = {}
    out = []
    begin_lsn = None
    last_commit = 0

    def cstring(buf, pos):
        end = buf.index(b"\0", pos)
        return buf[pos:end].decode(), end + 1

    def tuple_data(buf, pos):
        (n,) = struct.unpack_from("!h", buf, pos)
        pos += 2
        cols = []
        for _ in range(n):
            kind = chr(buf[pos])
            pos += 1
            if kind in "tb":
                (length,) = struct.unpack_from("!i", buf, pos)
                pos += 4
                cols.append((kind, buf[pos:pos + length].decode()))
                pos += length
            else:
                cols.append((kind,))
        return cols, pos

    for data_start, buf in messages:
        kind = chr(buf[0])
        if kind == "B":
            final_lsn, _, xid = struct.unpack_from("!qqI", buf, 1)
            begin_lsn = final_lsn
            out.append(("B", xids.setdefault(xid, len(xids) + 1)))
        elif kind == "C":
            flags, commit_lsn, end_lsn, _ = struct.unpack_from("!bqqq", buf, 1)
            assert commit_lsn == begin_lsn, (commit_lsn, begin_lsn)
            assert commit_lsn > last_commit and end_lsn >= commit_lsn
            assert data_start == end_lsn, (data_start, end_lsn)
            last_commit = commit_lsn
            out.append(("C", flags))
        elif kind == "R":
            (relid,) = struct.unpack_from("!I", buf, 1)
            ns, pos = cstring(buf, 5)
            name, pos = cstring(buf, pos)
            ident = chr(buf[pos])
            (natts,) = struct.unpack_from("!h", buf, pos + 1)
            pos += 3
            cols = []
            for _ in range(natts):
                flags = buf[pos]
                col, pos = cstring(buf, pos + 1)
                typ, typmod = struct.unpack_from("!Ii", buf, pos)
                pos += 8
                cols.append((flags, col, typ, typmod))
            relations[relid] = name
            out.append(("R", ns, name, ident, tuple(cols)))
        elif kind == "I":
            (relid,) = struct.unpack_from("!I", buf, 1)
            assert chr(buf[5]) == "N"
            new, _ = tuple_data(buf, 6)
            out.append(("I", relations[relid], new))
        elif kind in "UD":
            (relid,) = struct.unpack_from("!I", buf, 1)
            pos = 5
            old = None
            if chr(buf[pos]) in "KO":
                old_kind = chr(buf[pos])
                old, pos = tuple_data(buf, pos + 1)
                old = (old_kind, old)
            new = None
            if kind == "U":
                assert chr(buf[pos]) == "N"
                new, pos = tuple_data(buf, pos + 1)
            out.append((kind, relations[relid], old, new))
        elif kind == "T":
            n, flags = struct.unpack_from("!ib", buf, 1)
            ids = struct.unpack_from("!%dI" % n, buf, 6)
            out.append(("T", flags, tuple(relations[i] for i in ids)))
        else:
            raise AssertionError("unexpected pgoutput message %r" % buf[:1])
    return out


class PgOutputDifferentialTest(unittest.TestCase):
    """The same workload decoded from pgoutput (proto_version 1 and 2) through
    psycopg2's LogicalReplicationConnection."""

    def capture(self, server, strata, proto):
        import psycopg2
        import psycopg2.extras
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        create_tables(conn, strata)
        with conn.cursor() as cur:
            cur.execute("CREATE PUBLICATION p FOR TABLE acc, orders, misc, fullid")
        repl = psycopg2.connect(server.dsn(),
                                connection_factory=psycopg2.extras.LogicalReplicationConnection)
        rcur = repl.cursor()
        rcur.create_replication_slot("pgo", output_plugin="pgoutput")
        rcur.start_replication(slot_name="pgo", decode=False,
                               options={"proto_version": str(proto), "publication_names": "p"})
        run_workload(conn)
        messages = []
        deadline = time.time() + 30
        while time.time() < deadline:
            msg = rcur.read_message()
            if msg is None:
                if sum(1 for _, m in messages if m[:1] == b"C") >= EXPECTED_COMMITS:
                    # Quiet for a moment: nothing more may come.
                    time.sleep(0.5)
                    if rcur.read_message() is None:
                        break
                time.sleep(0.05)
                continue
            messages.append((msg.data_start, bytes(msg.payload)))
            rcur.send_feedback(flush_lsn=msg.data_start)
        repl.close()
        conn.close()
        return messages

    def test_same_messages_as_postgres(self):
        pg = PostgresServer(settings={"wal_level": "logical"}).start()
        self.addCleanup(pg.stop)
        for proto in (1, 2):
            strata = StrataServer().start()
            self.addCleanup(strata.cleanup)
            if proto == 1:
                expected = decode_pgoutput(self.capture(pg, False, proto))
                self.assertEqual(sum(1 for m in expected if m[0] == "C"), EXPECTED_COMMITS)
            got = decode_pgoutput(self.capture(strata, True, proto))
            self.maxDiff = None
            self.assertEqual(got, expected, "proto_version %d" % proto)


STRATA_BINLOG = os.environ.get(
    "STRATA_BINLOG", os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "build", "bin", "strata-binlog"))


class StrataBinlogCliTest(unittest.TestCase):
    """tools/strata-binlog: JSON lines from a slot (--slot) or from SQL binlog
    access (--table); both follow new changes and exit 0 on SIGINT; a slot
    consumer confirms what it printed and resumes after it."""

    def run_cli(self, server, *args):
        return subprocess.Popen([STRATA_BINLOG, "--port", str(server.port)] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def read_lines(self, proc, count, timeout=30.0):
        """The next `count` JSON lines the CLI prints (it flushes per batch).
        Reads the pipe's descriptor directly: a buffered readline could hold
        lines that select() then no longer reports."""
        import json
        import select
        fd = proc.stdout.fileno()
        pending = getattr(proc, "pending_bytes", b"")
        lines = []
        deadline = time.time() + timeout
        while True:
            while b"\n" in pending and len(lines) < count:
                line, pending = pending.split(b"\n", 1)
                lines.append(json.loads(line))
            if len(lines) == count:
                break
            remaining = deadline - time.time()
            self.assertGreater(remaining, 0, "only %d of %d lines: %r" % (len(lines), count, lines))
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.fail("strata-binlog exited after %d lines: %s" % (len(lines), proc.stderr.read()))
                pending += chunk
        proc.pending_bytes = pending
        return lines

    def stop(self, proc):
        """SIGINT; returns the JSON lines printed after those already read."""
        import json
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        out = getattr(proc, "pending_bytes", b"").decode() + out
        return [json.loads(line) for line in out.splitlines()]

    def wait_for_slot(self, cur, name):
        deadline = time.time() + 30
        while time.time() < deadline:
            cur.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (name,))
            if cur.fetchone()[0] == 1:
                return
            time.sleep(0.05)
        self.fail("slot %s was not created" % name)

    def test_slot_json_lines_and_resume(self):
        import psycopg2
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id int PRIMARY KEY, name text, score float8, ok boolean) "
                    "WITH (binlog_level = 'replica')")
        cli = self.run_cli(server, "--slot", "cli", "--create-slot")
        self.wait_for_slot(cur, "cli")
        cur.execute("INSERT INTO t VALUES (1, 'a \"q\" ''s', 1.5, true), (2, NULL, NULL, false)")
        cur.execute("UPDATE t SET id = 3 WHERE id = 2")
        cur.execute("DELETE FROM t WHERE id = 1")
        lines = self.read_lines(cli, 4)
        self.assertEqual(self.stop(cli), [])
        self.assertEqual([(l["event_type"], l["table"]) for l in lines],
                         [("INSERT", "public.t"), ("INSERT", "public.t"), ("UPDATE", "public.t"),
                          ("DELETE", "public.t")])
        self.assertEqual(lines[0]["row"], {"id": 1, "name": "a \"q\" 's", "score": 1.5,
                                           "ok": True})
        self.assertEqual(lines[1]["row"], {"id": 2, "name": None, "score": None, "ok": False})
        self.assertEqual(lines[2]["old"], {"id": 2})
        self.assertEqual(lines[2]["row"]["id"], 3)
        self.assertEqual(lines[3]["row"], {"id": 1})
        self.assertEqual(lines[0]["lsn"], lines[1]["lsn"])  # one transaction
        self.assertRegex(lines[0]["timestamp"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
        # Changes made while it is stopped come next time, nothing twice.
        cur.execute("INSERT INTO t VALUES (10, 'later', 0, true)")
        again = self.run_cli(server, "--slot", "cli")
        first = self.read_lines(again, 1)
        cur.execute("INSERT INTO t VALUES (11, 'live', 0, true)")
        second = self.read_lines(again, 1)
        self.assertEqual(self.stop(again), [])
        self.assertEqual([l["row"]["id"] for l in first + second], [10, 11])
        conn.close()
        self.assertNotEqual(subprocess.run([STRATA_BINLOG, "--port", str(server.port)],
                                           capture_output=True).returncode, 0)

    def test_table_json_lines_follow_and_from_lsn(self):
        import psycopg2
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id int PRIMARY KEY, name text, score numeric(6,2), ok boolean) "
                    "WITH (binlog_level = 'replica')")
        cur.execute("INSERT INTO t VALUES (1, 'one', 1.50, true), (2, NULL, NULL, false)")
        cur.execute("INSERT INTO t (id, name) VALUES (1, 'uno') ON CONFLICT (id) DO UPDATE "
                    "SET name = EXCLUDED.name")
        cli = self.run_cli(server, "--table", "t", "--poll-ms", "20")
        lines = self.read_lines(cli, 4)
        self.assertEqual([l["event_type"] for l in lines],
                         ["INSERT", "INSERT", "UPDATE_BEFORE", "UPDATE_AFTER"])
        self.assertEqual(lines[0]["row"], {"id": 1, "name": "one", "score": 1.5, "ok": True})
        self.assertEqual(lines[1]["row"], {"id": 2, "name": None, "score": None, "ok": False})
        # A partial upsert still shows whole before and after rows.
        self.assertEqual(lines[2]["row"], {"id": 1, "name": "one", "score": 1.5, "ok": True})
        self.assertEqual(lines[3]["row"], {"id": 1, "name": "uno", "score": 1.5, "ok": True})
        # Follows: a change made now is printed without restarting.
        cur.execute("DELETE FROM t WHERE id = 2")
        live = self.read_lines(cli, 1)
        self.assertEqual(live[0]["event_type"], "DELETE")
        self.assertEqual(live[0]["row"]["id"], 2)
        self.assertEqual(self.stop(cli), [])
        # The LSNs printed match SQL binlog access, and --from-lsn starts after one.
        cur.execute("SELECT hg_binlog_lsn FROM t ORDER BY hg_binlog_lsn")
        lsns = [r[0] for r in cur.fetchall()]
        self.assertEqual(len(lsns), 5)
        after = lines[1]["lsn"]
        tail = self.run_cli(server, "--table", "t", "--from-lsn", after, "--poll-ms", "20")
        rest = self.read_lines(tail, 3)
        self.assertEqual(self.stop(tail), [])
        self.assertEqual([l["event_type"] for l in rest], ["UPDATE_BEFORE", "UPDATE_AFTER", "DELETE"])
        conn.close()


class KeepaliveTest(unittest.TestCase):
    """Raw protocol: an idle slot's position follows commits that are not for
    it (announced in keepalives), a status update asking for a reply gets a
    keepalive at once, and CopyDone ends the stream cleanly."""

    def test_idle_slot_advances_and_replies(self):
        import socket
        import struct

        from harness import read_messages, startup_packet
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        self.assertEqual(server.psql("-c", "CREATE TABLE plain (id int PRIMARY KEY)").returncode, 0)
        created = subprocess.run([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", "ka",
                                  "--create-slot", "-P", "test_decoding"],
                                 capture_output=True, text=True)
        self.assertEqual(created.returncode, 0, created.stderr)

        def connect():
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(startup_packet(replication="database"))
            self.assertEqual(read_messages(sock)[-1][0], b"Z")
            return sock

        def query(sock, text):
            body = text.encode() + b"\0"
            sock.sendall(b"Q" + struct.pack("!i", len(body) + 4) + body)

        def copy_data(sock, payload):
            sock.sendall(b"d" + struct.pack("!i", len(payload) + 4) + payload)

        def next_copy(sock, timeout):
            """The next CopyData payload (or another message type) within timeout."""
            messages = read_messages(sock, until=b"d", timeout=timeout)
            self.assertTrue(messages, "connection closed")
            return messages[-1]

        info = connect()
        query(info, "IDENTIFY_SYSTEM")
        rows = [m for m in read_messages(info) if m[0] == b"D"]
        self.assertEqual(len(rows), 1)
        info.close()

        sock = connect()
        query(sock, "START_REPLICATION SLOT ka LOGICAL 0/0")
        self.assertEqual(read_messages(sock, until=b"W")[-1][0], b"W")
        for i in range(5):
            self.assertEqual(server.psql("-c", "INSERT INTO plain VALUES (%d)" % i).returncode, 0)
        info = connect()
        query(info, "IDENTIFY_SYSTEM")
        row = [m for m in read_messages(info) if m[0] == b"D"][0][1]
        info.close()
        # DataRow: int16 count, then (int32 len, bytes) per column; xlogpos is the 3rd.
        pos, cols = 2, []
        for _ in range(4):
            (n,) = struct.unpack_from("!i", row, pos)
            cols.append(row[pos + 4:pos + 4 + n].decode())
            pos += 4 + n
        hi, lo = cols[2].split("/")
        after_commits = int(hi, 16) << 32 | int(lo, 16)

        deadline = time.time() + 15
        wal_end = 0
        while time.time() < deadline and wal_end < after_commits:
            kind, payload = next_copy(sock, timeout=15)
            self.assertEqual(kind, b"d")
            self.assertEqual(payload[:1], b"k", "nothing but keepalives: no change was for it")
            (wal_end,) = struct.unpack_from("!q", payload, 1)
        self.assertGreaterEqual(wal_end, after_commits)

        # Status update with reply requested -> an immediate keepalive.
        now = int((time.time() - 946684800) * 1e6)
        copy_data(sock, b"r" + struct.pack("!qqqqb", 0, 0, 0, now, 1))
        start = time.time()
        kind, payload = next_copy(sock, timeout=5)
        self.assertEqual((kind, payload[:1]), (b"d", b"k"))
        self.assertLess(time.time() - start, 2.0)

        # CopyDone ends the stream: CopyDone back, then the command completes.
        sock.sendall(b"c" + struct.pack("!i", 4))
        messages = read_messages(sock, until=b"Z", timeout=10)
        kinds = [m[0] for m in messages if m[0] != b"d"]
        self.assertEqual(kinds, [b"c", b"C", b"C", b"Z"])
        sock.close()


class SqlFunctionsTest(unittest.TestCase):
    """pg_create_logical_replication_slot & co. on an ordinary connection."""

    def test_slot_functions(self):
        import psycopg2
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        cur = conn.cursor()

        def one(sql, *params):
            cur.execute(sql, params)
            return cur.fetchone()[0]

        def sqlstate(sql):
            try:
                cur.execute(sql)
            except psycopg2.Error as e:
                return e.pgcode
            return None

        def lsn(text):
            hi, lo = text.split("/")
            return int(hi, 16) << 32 | int(lo, 16)

        self.assertIs(one("SELECT pg_is_in_recovery()"), False)
        self.assertEqual(one("SHOW wal_level"), "logical")
        cur.execute("CREATE TABLE t (id int PRIMARY KEY) WITH (binlog_level = 'replica')")
        before = lsn(one("SELECT pg_current_wal_lsn()"))
        cur.execute("INSERT INTO t VALUES (1)")
        self.assertGreater(lsn(one("SELECT pg_current_wal_lsn()")), before)
        conn.autocommit = False
        x1 = one("SELECT txid_current()")
        self.assertEqual(one("SELECT txid_current()"), x1)
        conn.commit()
        self.assertGreater(one("SELECT txid_current()"), x1)
        conn.rollback()
        conn.autocommit = True

        created = one("SELECT pg_create_logical_replication_slot('sqlslot', 'test_decoding')")
        self.assertRegex(created, r"^\(sqlslot,[0-9A-F]+/[0-9A-F]+\)$")
        self.assertEqual(sqlstate("SELECT pg_create_logical_replication_slot('sqlslot', "
                                  "'test_decoding')"), "42710")
        self.assertEqual(sqlstate("SELECT pg_create_logical_replication_slot('x', 'nope')"),
                         "58P01")
        self.assertEqual(sqlstate("SELECT pg_create_logical_replication_slot('Bad', "
                                  "'pgoutput')"), "42602")
        cur.execute("SELECT slot_name, plugin, slot_type, database, temporary, active, "
                    "confirmed_flush_lsn FROM pg_replication_slots")
        self.assertEqual(cur.fetchall(), [("sqlslot", "test_decoding", "logical", "strata", False,
                                           False, created.split(",")[1][:-1])])
        # Changes before an advance are skipped by the slot.
        cur.execute("INSERT INTO t VALUES (2)")
        target = one("SELECT pg_current_wal_lsn()")
        self.assertEqual(one("SELECT pg_replication_slot_advance('sqlslot', %s)", target),
                         "(sqlslot,%s)" % target)
        cur.execute("INSERT INTO t VALUES (3)")
        out = tempfile.mktemp(prefix="slot-fn-")
        recv = RecvLogical(server.dsn(), "sqlslot", ["include-xids=0"], out)
        lines = recv.wait_for(lambda l: commits(l) >= 1)
        recv.stop()
        os.unlink(out)
        self.assertEqual(lines, ["BEGIN", "table public.t: INSERT: id[integer]:3", "COMMIT"])
        self.assertEqual(one("SELECT confirmed_flush_lsn FROM strata_replication_slots "
                             "WHERE slot_name = 'sqlslot'"), target)
        self.assertIsNone(one("SELECT pg_drop_replication_slot('sqlslot')"))
        self.assertEqual(one("SELECT count(*) FROM pg_replication_slots"), 0)
        self.assertEqual(sqlstate("SELECT pg_drop_replication_slot('sqlslot')"), "42704")

        # Publications and their catalogs.
        cur.execute("CREATE TABLE t2 (id int PRIMARY KEY, v text) WITH (binlog_level = 'replica')")
        cur.execute("CREATE PUBLICATION p FOR TABLE t")
        cur.execute("CREATE PUBLICATION everything FOR ALL TABLES WITH (publish = 'insert')")
        self.assertEqual(sqlstate("CREATE PUBLICATION p FOR TABLE t2"), "42710")
        self.assertEqual(sqlstate("ALTER PUBLICATION p ADD TABLE t"), "42710")
        self.assertEqual(sqlstate("ALTER PUBLICATION everything ADD TABLE t"), "55000")
        self.assertEqual(sqlstate("ALTER PUBLICATION nope ADD TABLE t"), "42704")
        self.assertEqual(sqlstate("CREATE PUBLICATION q FOR TABLE missing"), "42P01")
        self.assertEqual(sqlstate("CREATE PUBLICATION q FOR TABLE t WITH (publish = 'merge')"),
                         "42601")
        cur.execute("ALTER PUBLICATION p ADD TABLE t2")
        cur.execute("SELECT pubname, schemaname, tablename, attnames FROM pg_publication_tables "
                    "ORDER BY 1, 3")
        self.assertEqual(cur.fetchall(), [("everything", "public", "t", ["id"]),
                                          ("everything", "public", "t2", ["id", "v"]),
                                          ("p", "public", "t", ["id"]),
                                          ("p", "public", "t2", ["id", "v"])])
        cur.execute("ALTER PUBLICATION p DROP TABLE t")
        self.assertEqual(sqlstate("ALTER PUBLICATION p DROP TABLE t"), "42704")
        cur.execute("SELECT pubname, puballtables, pubinsert, pubupdate FROM pg_publication "
                    "ORDER BY 1")
        self.assertEqual(cur.fetchall(), [("everything", True, True, False),
                                          ("p", False, True, True)])
        self.assertEqual(one("SELECT count(*) FROM pg_publication_rel"), 1)
        cur.execute("DROP PUBLICATION p, everything")
        self.assertEqual(sqlstate("DROP PUBLICATION p"), "42704")
        cur.execute("DROP PUBLICATION IF EXISTS p")
        self.assertEqual(one("SELECT count(*) FROM pg_publication"), 0)

        # A temporary slot ends with its session.
        other = psycopg2.connect(server.dsn())
        other.autocommit = True
        other.cursor().execute("SELECT pg_create_logical_replication_slot('tmp', 'pgoutput', true)")
        self.assertEqual(sqlstate("SELECT pg_create_logical_replication_slot('tmp', "
                                  "'pgoutput')"), "42710")
        other.close()
        deadline = time.time() + 5
        while time.time() < deadline and sqlstate(
                "SELECT pg_create_logical_replication_slot('tmp', 'pgoutput')") == "42710":
            time.sleep(0.1)
        self.assertEqual(sqlstate("SELECT pg_drop_replication_slot('tmp')"), None)
        conn.close()


CONSUMER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "replication_consumer.py")


class ResumeTest(unittest.TestCase):
    """The consumer is SIGKILLed and restarted, and the server is SIGKILLed and
    restarted, while a writer commits; the consumer (which de-duplicates by
    commit LSN at or below its confirmed position) ends with every committed
    change exactly once."""

    def test_kills_lose_and_duplicate_nothing(self):
        import threading

        import psycopg2
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE feed (id int PRIMARY KEY, grp int, note text) "
                        "WITH (binlog_level = 'replica', shard_count = 4)")
            cur.execute("CREATE TABLE other (id int PRIMARY KEY)")  # not in the binlog
        conn.close()
        created = subprocess.run([PG_RECVLOGICAL, "-d", server.dsn(), "--slot", "resume",
                                  "--create-slot", "-P", "test_decoding"],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(created.returncode, 0, created.stderr)
        state = tempfile.mktemp(prefix="repl-consumer-")
        self.addCleanup(lambda: os.path.exists(state) and os.unlink(state))

        def start_consumer():
            return subprocess.Popen(["/usr/bin/python3", CONSUMER, server.dsn(), "resume", state],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        consumer = start_consumer()
        self.addCleanup(lambda: consumer.poll() is None and consumer.kill())
        total = 400
        stop = threading.Event()

        def writer():
            i = 1
            c = None
            while i <= total and not stop.is_set():
                try:
                    if c is None:
                        c = psycopg2.connect(server.dsn(), connect_timeout=2)
                        c.autocommit = True
                    with c.cursor() as cur:
                        if i % 5 == 0:
                            # Multi-row, multi-shard transactions.
                            cur.execute("BEGIN; INSERT INTO feed VALUES (%s, 1, 'a') ON CONFLICT "
                                        "DO NOTHING; INSERT INTO other VALUES (%s) ON CONFLICT "
                                        "DO NOTHING; INSERT INTO feed VALUES (%s, 2, 'b') ON "
                                        "CONFLICT DO NOTHING; COMMIT", (i, i, -i))
                        else:
                            cur.execute("INSERT INTO feed VALUES (%s, 0, 'x') "
                                        "ON CONFLICT DO NOTHING", (i,))
                    i += 1
                    time.sleep(0.005)
                except psycopg2.Error:
                    c = None
                    time.sleep(0.1)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            for round_ in range(3):
                time.sleep(0.6)
                consumer.kill()
                consumer.wait()
                time.sleep(0.2)
                consumer = start_consumer()
                time.sleep(0.6)
                server.kill()
                server.start()
            thread.join(timeout=120)
            self.assertFalse(thread.is_alive())
        finally:
            stop.set()
            thread.join()

        conn = psycopg2.connect(server.dsn())
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM feed")
            committed = sorted(r[0] for r in cur.fetchall())
        conn.close()
        self.assertGreater(len(committed), total)

        def applied():
            ids, commits, dups = [], [], 0
            with open(state) as f:
                for line in f:
                    kind, rest = line.split(" ", 1)
                    if kind == "R":
                        lsn, change = rest.rstrip("\n").split(" ", 1)
                        m = re.match(r"table public\.feed: INSERT: id\[integer\]:(-?\d+) ", change)
                        self.assertIsNotNone(m, change)
                        ids.append(int(m.group(1)))
                    elif kind == "C":
                        commits.append(int(rest))
                    elif kind == "D":
                        dups += 1
            return ids, commits, dups

        deadline = time.time() + 60
        while time.time() < deadline:
            ids, commits, dups = applied()
            if len(ids) >= len(committed):
                break
            time.sleep(0.2)
        consumer.kill()
        consumer.wait()
        ids, commits, dups = applied()
        self.assertEqual(commits, sorted(set(commits)), "commit LSNs must rise strictly")
        print("applied %d changes in %d transactions, %d re-deliveries skipped" % (len(ids), len(commits), dups))
        self.assertEqual(sorted(ids), committed)  # every change exactly once


if __name__ == "__main__":
    unittest.main(verbosity=2)
