"""Golden-output tests of the real psql binary against the real strata-server.

Each psql/<name>.sql script runs in a fresh server with `psql -X -f`, stdout
and stderr together, in a scratch directory holding psql/items.csv (for
\\copy). The output must equal psql/<name>.out exactly, after replacing
psql's \\timing figures ("Time: 0.213 ms") by "Time: <ms>".

The expected files were produced by running the same scripts against a real
PostgreSQL 15 (harness.PostgresServer, role and database "strata") and
reviewed by hand; psql/README.md lists where Strata's output legitimately
differs. `python3 psql_golden_test.py --postgres` prints the PostgreSQL 15
output of every script, for that review.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import PostgresServer, StrataServer

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "psql")


def run_script(server, name):
    work = tempfile.mkdtemp(prefix="psql-golden-")
    try:
        shutil.copy(os.path.join(SCRIPTS, name + ".sql"), work)
        shutil.copy(os.path.join(SCRIPTS, "items.csv"), work)
        result = subprocess.run(["psql", "-X", "-f", name + ".sql", server.dsn()], cwd=work,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
                                env=dict(os.environ, PGCONNECT_TIMEOUT="10", PAGER="", COLUMNS="200"))
        out = re.sub(r"^Time: [0-9.]+ ms$", "Time: <ms>", result.stdout, flags=re.M)
        return out + "[psql exit code %d]\n" % result.returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


def script_names():
    return sorted(f[:-4] for f in os.listdir(SCRIPTS) if f.endswith(".sql"))


class PsqlGoldenTest(unittest.TestCase):
    maxDiff = None

    def check(self, name):
        server = StrataServer().start()
        try:
            actual = run_script(server, name)
        finally:
            server.cleanup()
        with open(os.path.join(SCRIPTS, name + ".out")) as f:
            expected = f.read()
        if actual != expected and os.environ.get("STRATA_UPDATE_GOLDEN"):
            with open(os.path.join(SCRIPTS, name + ".out"), "w") as f:
                f.write(actual)
        self.assertEqual(actual, expected)


for _name in script_names():
    setattr(PsqlGoldenTest, "test_" + _name, lambda self, n=_name: self.check(n))


if __name__ == "__main__":
    if "--postgres" in sys.argv:
        pg = PostgresServer().start()
        try:
            for n in script_names():
                print("==== %s (PostgreSQL 15)" % n)
                print(run_script(pg, n), end="")
        finally:
            pg.stop()
        sys.exit(0)
    unittest.main(verbosity=2)
