"""Real client programs against the real strata-server, each checking the
values it gets back: psycopg2 and psycopg 3 (tests/clients/python), pgjdbc
42.5 compiled with javac at test time (tests/clients/java), node-postgres
from npm (tests/clients/node, installed into the build directory with
`npm ci` on first use) and pgbench with a custom script
(tests/clients/pgbench)."""
import os
import shutil
import subprocess
import unittest

from harness import StrataServer

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.join(os.path.dirname(HERE), "clients")
WORK = os.environ.get("STRATA_CLIENTS_BUILD_DIR",
                      os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "tests", "clients"))
JDBC_JAR = "/usr/share/java/postgresql.jar"


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=kwargs.pop("timeout", 300), **kwargs)
    return result


class DriversTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StrataServer().start()
        os.makedirs(WORK, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def check_program(self, cmd, marker, **kwargs):
        result = run(cmd, **kwargs)
        self.assertEqual(result.returncode, 0, "%s\nstdout:\n%s\nstderr:\n%s\nserver log tail:\n%s" % (
            " ".join(cmd), result.stdout, result.stderr, self.server.log()[-3000:]))
        self.assertIn(marker, result.stdout)

    def test_psycopg2(self):
        self.check_program(["/usr/bin/python3", os.path.join(CLIENTS, "python", "psycopg2_check.py"),
                            self.server.dsn()], "psycopg2: all checks passed")

    def test_psycopg3(self):
        self.check_program(["/usr/bin/python3", os.path.join(CLIENTS, "python", "psycopg3_check.py"),
                            self.server.dsn()], "psycopg 3: all checks passed")

    def test_node_postgres(self):
        node_dir = os.path.join(WORK, "node")
        src = os.path.join(CLIENTS, "node")
        os.makedirs(node_dir, exist_ok=True)
        lock = os.path.join(src, "package-lock.json")
        installed = os.path.join(node_dir, "package-lock.json")
        if (not os.path.isdir(os.path.join(node_dir, "node_modules", "pg")) or not os.path.exists(installed)
                or open(installed).read() != open(lock).read()):
            for f in ("package.json", "package-lock.json"):
                shutil.copy(os.path.join(src, f), node_dir)
            result = run(["npm", "ci", "--no-audit", "--no-fund"], cwd=node_dir)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.check_program(["node", os.path.join(src, "node_pg_test.js"), str(self.server.port)],
                           "node-postgres: all checks passed",
                           env=dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules")))

    def test_jdbc(self):
        classes = os.path.join(WORK, "java")
        os.makedirs(classes, exist_ok=True)
        result = run(["javac", "-d", classes, "-cp", JDBC_JAR, os.path.join(CLIENTS, "java", "JdbcTest.java")])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.check_program(["java", "-cp", classes + ":" + JDBC_JAR, "JdbcTest", str(self.server.port)],
                           "pgjdbc: all checks passed")

    def test_pgbench_custom_script(self):
        setup = ("DROP TABLE IF EXISTS bench_accounts, bench_history; "
                 "CREATE TABLE bench_accounts (aid int PRIMARY KEY, balance bigint NOT NULL); "
                 "INSERT INTO bench_accounts SELECT g, 0 FROM generate_series(1, 100) g; "
                 "CREATE TABLE bench_history (aid int, delta int, client int)")
        result = self.server.psql("-c", setup)
        self.assertEqual(result.returncode, 0, result.stderr)
        clients, per_client = 4, 50
        for mode in ("simple", "prepared"):
            result = run(["pgbench", "-n", "-M", mode, "-c", str(clients), "-j", "2", "-t", str(per_client),
                          "--max-tries=100", "-f", os.path.join(CLIENTS, "pgbench", "transfer.sql"),
                          "-h", "127.0.0.1", "-p", str(self.server.port), "-U", "strata", "strata"])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            total = clients * per_client
            self.assertIn("number of transactions actually processed: %d/%d" % (total, total), result.stdout)
            self.assertIn("number of failed transactions: 0 (0.000%)", result.stdout)
        check = self.server.psql("-At", "-c",
                                 "SELECT (SELECT count(*) FROM bench_history), "
                                 "(SELECT sum(balance) FROM bench_accounts) = (SELECT sum(delta) FROM bench_history), "
                                 "(SELECT count(DISTINCT client) FROM bench_history)")
        self.assertEqual(check.stdout.strip(), "%d|t|%d" % (2 * clients * per_client, clients))


if __name__ == "__main__":
    unittest.main(verbosity=2)
