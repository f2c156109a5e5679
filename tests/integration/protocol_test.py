"""PostgreSQL wire protocol v3 against the real strata-server, with real clients:
psql, pgbench, libpq (pipeline mode, binary formats), psycopg2, and raw sockets
for what no driver sends. A real PostgreSQL 15 is the reference for binary
encodings."""
import os
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (PostgresServer, StrataServer, error_fields, read_messages, startup_packet)

LIBPQ_CHECK = os.environ.get("LIBPQ_CHECK", os.path.join(os.path.dirname(__file__), "..", "..",
                                                           "build", "tests", "libpq_check"))


def psycopg2():
    import psycopg2 as module  # python3-psycopg2 (Debian), hence /usr/bin/python3
    return module


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StrataServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def psql(self, *args, **kwargs):
        result = self.server.psql(*args, **kwargs)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_psql_one_and_several_statements(self):
        self.psql("-c", "CREATE TABLE p1 (id int PRIMARY KEY, v text)")
        out = self.psql("-c", "INSERT INTO p1 VALUES (1, 'a'); INSERT INTO p1 VALUES (2, 'b'); "
                              "SELECT count(*) FROM p1")
        self.assertEqual(out.strip().splitlines()[-1], "(1 row)")
        self.assertIn(" 2\n", out)
        self.assertEqual(self.psql("-At", "-c", "SELECT v FROM p1 WHERE id = 2").strip(), "b")

    def test_error_in_a_multi_statement_message_aborts_the_rest(self):
        self.psql("-c", "CREATE TABLE p2 (id int PRIMARY KEY)")
        result = self.server.psql("-c", "INSERT INTO p2 VALUES (1); SELECT 1/0; INSERT INTO p2 VALUES (2)")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("division by zero", result.stderr)
        # One implicit transaction: the first insert is rolled back too.
        self.assertEqual(self.psql("-At", "-c", "SELECT count(*) FROM p2").strip(), "0")

    def test_psql_script_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write("CREATE TABLE p3 (k int PRIMARY KEY, name text);\n"
                    "BEGIN;\nINSERT INTO p3 VALUES (1, 'one'), (2, 'two');\nCOMMIT;\n"
                    "UPDATE p3 SET name = 'zwei' WHERE k = 2;\n"
                    "SELECT k, name FROM p3 ORDER BY k;\n")
        try:
            out = self.psql("-At", "-f", f.name)
        finally:
            os.unlink(f.name)
        self.assertIn("1|one\n2|zwei", out)

    def test_syntax_error_carries_position_for_the_caret(self):
        result = self.server.psql("-c", "SELECT * FORM p1")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('syntax error at or near "FORM"', result.stderr)
        self.assertIn("LINE 1: SELECT * FORM p1", result.stderr)
        self.assertIn("^", result.stderr)

    def test_pgbench_custom_script_in_every_query_mode(self):
        self.psql("-c", "CREATE TABLE bench_acct (id int PRIMARY KEY, balance bigint)")
        self.psql("-c", "INSERT INTO bench_acct VALUES " + ",".join("(%d, 0)" % i for i in range(1, 101)))
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write("\\set id random(1, 100)\n"
                    "UPDATE bench_acct SET balance = balance + 1 WHERE id = :id;\n"
                    "SELECT balance FROM bench_acct WHERE id = :id;\n")
        try:
            total = 0
            for mode in ("simple", "extended", "prepared"):
                result = subprocess.run(
                    ["pgbench", "-n", "-M", mode, "-f", f.name, "-c", "4", "-t", "50",
                     "-h", "127.0.0.1", "-p", str(self.server.port), "-U", "strata", "strata"],
                    capture_output=True, text=True, timeout=300)
                self.assertEqual(result.returncode, 0, mode + ": " + result.stderr + result.stdout)
                self.assertIn("number of transactions actually processed: 200/200", result.stdout)
                self.assertIn("number of failed transactions: 0", result.stdout)
                total += 200
        finally:
            os.unlink(f.name)
        # Every update happened exactly once.
        self.assertEqual(self.psql("-At", "-c", "SELECT sum(balance) FROM bench_acct").strip(),
                         str(total))

    def test_prepared_upserts_on_contended_keys_lose_no_increment(self):
        # Prepared single-row upserts run inline on the I/O thread and commit
        # asynchronously; on 4 keys among 8 clients most commits conflict and
        # are re-run in the write pool. Every increment must land exactly once.
        self.psql("-c", "CREATE TABLE up_ctr (id int PRIMARY KEY, n bigint)")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write("\\set id random(1, 4)\n"
                    "INSERT INTO up_ctr VALUES (:id, 1) ON CONFLICT (id) DO UPDATE SET n = up_ctr.n + 1;\n")
        try:
            result = subprocess.run(
                ["pgbench", "-n", "-M", "prepared", "-f", f.name, "-c", "8", "-j", "2", "-t", "150",
                 "-h", "127.0.0.1", "-p", str(self.server.port), "-U", "strata", "strata"],
                capture_output=True, text=True, timeout=300)
        finally:
            os.unlink(f.name)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("number of transactions actually processed: 1200/1200", result.stdout)
        self.assertIn("number of failed transactions: 0", result.stdout)
        self.assertEqual(self.psql("-At", "-c", "SELECT sum(n), count(*) FROM up_ctr").strip(), "1200|4")

    def test_libpq_pipeline_mode(self):
        result = subprocess.run([LIBPQ_CHECK, "pipeline", self.server.dsn(), "500"],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("500 queries, 0 mismatches", result.stdout)

    def test_binary_formats_match_postgres_15(self):
        reference = PostgresServer().start()
        try:
            result = subprocess.run([LIBPQ_CHECK, "binary", self.server.dsn(), reference.dsn()],
                                    capture_output=True, text=True, timeout=120)
        finally:
            reference.stop()
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("0 mismatches", result.stdout)

    def test_copy_in_and_out_with_psql_backslash_copy(self):
        self.psql("-c", "CREATE TABLE p_copy (id int PRIMARY KEY, name text, score float8)")
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "in.csv")
            with open(source, "w") as f:
                f.write("id,name,score\n")
                for i in range(1, 1001):
                    f.write('%d,"name, %d",%s\n' % (i, i, "" if i % 10 == 0 else "%d.5" % i))
            self.psql("-c", "\\copy p_copy FROM '%s' WITH (FORMAT csv, HEADER)" % source)
            self.assertEqual(self.psql("-At", "-c", "SELECT count(*), count(score), sum(id) FROM p_copy").strip(),
                             "1000|900|500500")
            self.assertEqual(self.psql("-At", "-c", "SELECT name FROM p_copy WHERE id = 7").strip(),
                             "name, 7")
            target = os.path.join(tmp, "out.txt")
            self.psql("-c", "\\copy (SELECT id, name FROM p_copy WHERE id <= 3 ORDER BY id) TO '%s'" % target)
            with open(target) as f:
                self.assertEqual(f.read(), "1\tname, 1\n2\tname, 2\n3\tname, 3\n")
            # Text format in, with NULL and an escaped tab.
            text = os.path.join(tmp, "in.txt")
            with open(text, "w") as f:
                f.write("2001\ttab\\there\t\\N\n2002\tplain\t1.25\n")
            self.psql("-c", "\\copy p_copy FROM '%s'" % text)
            self.assertEqual(self.psql("-At", "-c", "SELECT name, score IS NULL FROM p_copy WHERE id = 2001").strip(),
                             "tab\there|t")
        # A COPY that fails half-way leaves nothing behind.
        bad = self.server.psql("-c", "\\copy p_copy FROM STDIN", input="3001\ta\t1\n3002\tb\tnot-a-number\n\\.\n")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("invalid input syntax for type double precision", bad.stderr)
        self.assertEqual(self.psql("-At", "-c", "SELECT count(*) FROM p_copy WHERE id > 3000").strip(), "0")

    def test_cancel_request_stops_only_that_backend(self):
        pg = psycopg2()
        self.psql("-c", "CREATE TABLE p_big (id int PRIMARY KEY)")
        self.psql("-c", "INSERT INTO p_big VALUES " + ",".join("(%d)" % i for i in range(1, 4001)))
        victim = pg.connect(self.server.dsn())
        bystander = pg.connect(self.server.dsn())
        errors = []

        def run():
            try:
                with victim.cursor() as cur:
                    cur.execute("SELECT count(*) FROM p_big a, p_big b, p_big c")
            except Exception as e:  # noqa: BLE001 - we inspect it below
                errors.append(e)

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(1.0)
        victim.cancel()  # libpq PQcancel: a CancelRequest on a new connection
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0].pgcode, "57014")
        self.assertIn("canceling statement due to user request", str(errors[0]))
        # The victim's connection is usable again, the bystander never noticed.
        victim.rollback()
        with victim.cursor() as cur:
            cur.execute("SELECT 1")
            self.assertEqual(cur.fetchone(), (1,))
        with bystander.cursor() as cur:
            cur.execute("SELECT count(*) FROM p_big")
            self.assertEqual(cur.fetchone(), (4000,))
        victim.close()
        bystander.close()

    def test_statement_timeout(self):
        pg = psycopg2()
        self.psql("-c", "CREATE TABLE IF NOT EXISTS p_big2 (id int PRIMARY KEY)")
        self.psql("-c", "INSERT INTO p_big2 VALUES " + ",".join("(%d)" % i for i in range(1, 4001)) +
                  " ON CONFLICT DO NOTHING")
        conn = pg.connect(self.server.dsn())
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = 300")
            started = time.time()
            with self.assertRaises(pg.Error) as ctx:
                cur.execute("SELECT count(*) FROM p_big2 a, p_big2 b, p_big2 c")
            self.assertEqual(ctx.exception.pgcode, "57014")
            self.assertLess(time.time() - started, 30)
        conn.close()

    def test_extended_protocol_errors_skip_to_sync_and_keep_the_session(self):
        pg = psycopg2()
        conn = pg.connect(self.server.dsn())
        conn.autocommit = True
        with conn.cursor() as cur:
            with self.assertRaises(pg.Error) as ctx:
                cur.execute("SELECT * FROM no_such_table WHERE x = %s", (1,))
            self.assertEqual(ctx.exception.pgcode, "42P01")
            cur.execute("SELECT %s::int + %s::int", (40, 2))
            self.assertEqual(cur.fetchone(), (42,))
        conn.close()

    def test_transaction_status_in_ready_for_query(self):
        with socket.create_connection(("127.0.0.1", self.server.port)) as sock:
            sock.sendall(startup_packet())
            read_messages(sock)

            def query(sql):
                sock.sendall(b"Q" + struct.pack("!i", 4 + len(sql) + 1) + sql.encode() + b"\0")
                return read_messages(sock)

            self.assertEqual(query("BEGIN")[-1], (b"Z", b"T"))
            messages = query("SELECT 1/0")
            self.assertEqual(error_fields(messages[0][1])["C"], "22012")
            self.assertEqual(messages[-1], (b"Z", b"E"))
            messages = query("SELECT 1")
            self.assertEqual(error_fields(messages[0][1])["C"], "25P02")
            self.assertEqual(query("ROLLBACK")[-1], (b"Z", b"I"))
            self.assertEqual([m[0] for m in query("")], [b"I", b"Z"])  # EmptyQueryResponse


def frontend(kind, body=b""):
    return kind + struct.pack("!i", 4 + len(body)) + body


def parse(name, sql):
    return frontend(b"P", name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!h", 0))


def bind(statement, result_formats=()):
    return frontend(b"B", b"\0" + statement.encode() + b"\0" + struct.pack("!hh", 0, 0)
                    + struct.pack("!h", len(result_formats))
                    + b"".join(struct.pack("!h", f) for f in result_formats))


def describe_and_execute_portal():
    return frontend(b"D", b"P\0") + frontend(b"E", b"\0" + struct.pack("!i", 0))


def row_description_shapes(messages):
    """(field name, type oid, format) of every RowDescription, in order."""
    shapes = []
    for kind, payload in messages:
        if kind != b"T":
            continue
        count = struct.unpack("!h", payload[:2])[0]
        pos, fields = 2, []
        for _ in range(count):
            end = payload.index(b"\0", pos)
            name = payload[pos:end].decode()
            table_oid, attnum, type_oid, size, typmod, fmt = struct.unpack(
                "!ihihih", payload[end + 1:end + 19])
            fields.append((name, type_oid, fmt))
            pos = end + 19
        shapes.append(fields)
    return shapes


class PortalDescriptionTest(unittest.TestCase):
    """A pipeline describing many portals gets each portal's own shape, also
    when statements, formats and reused statement names alternate (the
    server keeps the last description it encoded)."""

    def test_alternating_statements_formats_and_redefined_names(self):
        pipeline = (
            parse("s1", "SELECT 1 AS a") + parse("s2", "SELECT 'x'::text AS b, 2::bigint AS c")
            + bind("s1") + describe_and_execute_portal()
            + bind("s1") + describe_and_execute_portal()
            + bind("s2", (1, 0)) + describe_and_execute_portal()
            + bind("s2") + describe_and_execute_portal()
            + bind("s1", (1,)) + describe_and_execute_portal()
            + bind("s2", (1,)) + describe_and_execute_portal()
            + bind("s1", (1,)) + describe_and_execute_portal()
            + frontend(b"C", b"Ss1\0") + parse("s1", "SELECT 3.5::float8 AS z")
            + bind("s1", (1,)) + describe_and_execute_portal()
            + frontend(b"S"))
        expected = [
            [("a", 23, 0)], [("a", 23, 0)],
            [("b", 25, 1), ("c", 20, 0)], [("b", 25, 0), ("c", 20, 0)],
            [("a", 23, 1)], [("b", 25, 1), ("c", 20, 1)], [("a", 23, 1)],
            [("z", 701, 1)],
        ]
        server = StrataServer().start()
        self.addCleanup(server.cleanup)
        postgres = PostgresServer().start()
        self.addCleanup(postgres.stop)
        for port in (server.port, postgres.port):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(startup_packet())
                read_messages(sock)
                sock.sendall(pipeline)
                messages = read_messages(sock)
                self.assertNotIn(b"E", [m[0] for m in messages], messages)
                self.assertEqual(row_description_shapes(messages), expected)


class TimeoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StrataServer(config_text="authentication_timeout_ms = 300\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        self.addCleanup(sock.close)
        sock.sendall(startup_packet())
        read_messages(sock)
        return sock

    def query(self, sock, sql):
        sock.sendall(b"Q" + struct.pack("!i", 4 + len(sql) + 1) + sql.encode() + b"\0")
        return read_messages(sock)

    def test_idle_in_transaction_session_timeout(self):
        sock = self.connect()
        self.assertEqual(self.query(sock, "SET idle_in_transaction_session_timeout = 300")[-1], (b"Z", b"I"))
        # Idle outside a transaction block is fine.
        time.sleep(0.6)
        self.assertEqual(self.query(sock, "BEGIN")[-1], (b"Z", b"T"))
        # Activity keeps it alive...
        for _ in range(3):
            time.sleep(0.15)
            self.assertEqual(self.query(sock, "SELECT 1")[-1], (b"Z", b"T"))
        # ...idling past the timeout ends the session.
        started = time.time()
        messages = read_messages(sock, until=b"E", timeout=10)
        fields = error_fields(messages[-1][1])
        self.assertEqual((fields["S"], fields["C"]), ("FATAL", "25P03"))
        self.assertLess(time.time() - started, 5)
        self.assertEqual(sock.recv(1), b"")

    def test_authentication_timeout_closes_silent_connections(self):
        for partial in (b"", startup_packet()[:6]):
            with socket.create_connection(("127.0.0.1", self.server.port)) as sock:
                sock.sendall(partial)
                sock.settimeout(10)
                started = time.time()
                self.assertEqual(sock.recv(1), b"")  # closed by the server
                self.assertLess(time.time() - started, 5)
        # A client that authenticates in time is unaffected.
        self.assertEqual(self.query(self.connect(), "SELECT 1")[-1], (b"Z", b"I"))


class AuthenticationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StrataServer(config_text="""
[auth]
method = "scram-sha-256"
[role.strata]
password = "root-pw"
[role.alice]
password = "alice-pw"
[role.bob]
password = "bob-pw"
auth_method = "md5"
[role.carol]
password = "carol-pw"
auth_method = "password"
[role.dave]
auth_method = "trust"
""").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def login(self, user, password):
        env = dict(os.environ)
        env.pop("PGPASSWORD", None)
        if password is not None:
            env["PGPASSWORD"] = password
        return subprocess.run(["psql", "-X", "-w", "-At", self.server.dsn(user=user), "-c",
                               "SELECT current_user"],
                              capture_output=True, text=True, env=env, timeout=60)

    def test_each_method_accepts_the_right_password(self):
        for user, password in (("strata", "root-pw"), ("alice", "alice-pw"), ("bob", "bob-pw"),
                               ("carol", "carol-pw"), ("dave", None)):
            result = self.login(user, password)
            self.assertEqual(result.returncode, 0, user + ": " + result.stderr)
            self.assertEqual(result.stdout.strip(), user)

    def test_wrong_passwords_fail_with_28P01(self):
        pg = psycopg2()
        for user in ("strata", "alice", "bob", "carol"):
            result = self.login(user, "wrong")
            self.assertNotEqual(result.returncode, 0, user)
            self.assertIn('password authentication failed for user "%s"' % user, result.stderr)
            # psycopg2 goes through libpq's SCRAM/md5 code too.
            with self.assertRaises(pg.OperationalError) as ctx:
                pg.connect(self.server.dsn(user=user, password="wrong"))
            self.assertIn('password authentication failed for user "%s"' % user, str(ctx.exception))

    def test_scram_is_what_libpq_uses_and_unknown_roles_fail(self):
        result = self.login("mallory", "whatever")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('password authentication failed for user "mallory"', result.stderr)
        # The server offered SCRAM-SHA-256 to a client that sent nothing yet.
        with socket.create_connection(("127.0.0.1", self.server.port)) as sock:
            sock.sendall(startup_packet(user="alice"))
            kind, payload = read_messages(sock, until=b"R")[-1]
            self.assertEqual(kind, b"R")
            self.assertEqual(struct.unpack("!i", payload[:4])[0], 10)  # AuthenticationSASL
            self.assertIn(b"SCRAM-SHA-256", payload)


class TlsTest(unittest.TestCase):
    def test_sslmode_require_with_a_certificate_and_prefer_without(self):
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = os.path.join(tmp, "server.crt"), os.path.join(tmp, "server.key")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                            key, "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                           check=True, capture_output=True)
            tls = StrataServer(config_text='[tls]\ncert_file = "%s"\nkey_file = "%s"\n' % (cert, key))
            tls.start()
            plain = StrataServer().start()
            try:
                secure = subprocess.run(["psql", "-X", "-At", tls.dsn(sslmode="require"), "-c",
                                         "SELECT 1"], capture_output=True, text=True, timeout=60)
                self.assertEqual(secure.returncode, 0, secure.stderr)
                info = subprocess.run(["psql", "-X", tls.dsn(sslmode="require"), "-c", "\\conninfo"],
                                      capture_output=True, text=True, timeout=60)
                self.assertIn("SSL connection (protocol: TLSv1.", info.stdout)
                prefer = subprocess.run(["psql", "-X", "-At", plain.dsn(sslmode="prefer"), "-c",
                                         "SELECT 2"], capture_output=True, text=True, timeout=60)
                self.assertEqual(prefer.returncode, 0, prefer.stderr)
                self.assertEqual(prefer.stdout.strip(), "2")
                refused = subprocess.run(["psql", "-X", plain.dsn(sslmode="require"), "-c", "SELECT 3"],
                                         capture_output=True, text=True, timeout=60)
                self.assertNotEqual(refused.returncode, 0)
                self.assertIn("server does not support SSL", refused.stderr)
            finally:
                tls.cleanup()
                plain.cleanup()


class ConnectionLimitTest(unittest.TestCase):
    def test_1000_idle_connections_and_the_next_gets_53300(self):
        server = StrataServer(config_text="max_connections = 1000\n").start()
        sockets = []
        try:
            for i in range(1000):
                sock = socket.create_connection(("127.0.0.1", server.port))
                sock.sendall(startup_packet())
                sockets.append(sock)
            for i, sock in enumerate(sockets):
                messages = read_messages(sock)
                self.assertEqual(messages[-1], (b"Z", b"I"), "connection %d" % i)
            with socket.create_connection(("127.0.0.1", server.port)) as extra:
                extra.sendall(startup_packet())
                messages = read_messages(extra, until=b"E")
                self.assertEqual(error_fields(messages[-1][1])["C"], "53300")
            # All 1000 are still alive and usable.
            for sock in sockets[::100]:
                sock.sendall(b"Q" + struct.pack("!i", 4 + 9) + b"SELECT 1\0")
                self.assertEqual(read_messages(sock)[-1], (b"Z", b"I"))
        finally:
            for sock in sockets:
                sock.close()
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
