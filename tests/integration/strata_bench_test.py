"""strata-bench, the load generator of bench/serving.py, against Strata and
PostgreSQL alike: every mode counts the requests and rows it got back, so
a benchmark figure means what it says (issue 9)."""

import os
import subprocess
import unittest

from harness import PostgresServer, StrataServer

STRATA_BENCH = os.environ.get("STRATA_BENCH", "build/bin/strata-bench")
ROWS = 2000
PRESENT = ROWS // 2  # rows 1..PRESENT exist, keys PRESENT+1..ROWS do not


def run_bench(dsn, *args):
    result = subprocess.run(
        [STRATA_BENCH, "--conninfo", dsn, "--warmup", "0.2", "--duration", "1"]
        + [str(a) for a in args],
        capture_output=True, text=True, timeout=60)
    return result


def report(dsn, *args):
    result = run_bench(dsn, *args)
    if result.returncode != 0:
        raise AssertionError("strata-bench failed: " + result.stderr + result.stdout)
    return {k: float(v) for k, v in (kv.split("=") for kv in result.stdout.split())}


def load(psql):
    psql("-c", "CREATE TABLE feat (id bigint PRIMARY KEY, f1 int, f2 bigint, "
               "f3 double precision, f4 text)")
    psql("-c", "INSERT INTO feat SELECT g, g, g * 10, g * 0.5, 'row ' || g "
               "FROM generate_series(1, %d) g" % PRESENT)


class StrataBenchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.strata = StrataServer().start()
        cls.postgres = PostgresServer().start()
        load(cls.strata.psql)
        load(cls.postgres.psql)
        cls.servers = {"strata": cls.strata.dsn(), "postgres": cls.postgres.dsn()}

    @classmethod
    def tearDownClass(cls):
        cls.postgres.stop()
        cls.strata.cleanup()

    def check_counts(self, r, keys_per_request, present_fraction):
        self.assertGreater(r["requests"], 50)
        self.assertAlmostEqual(r["qps"] * 1.0, r["requests"] / 1.0, delta=r["requests"] * 0.2)
        # Uniform keys over 1..ROWS, half of which exist.
        expected = r["requests"] * keys_per_request * present_fraction
        self.assertGreater(r["rows_per_s"], 0)
        self.assertAlmostEqual(r["rows_per_s"], expected, delta=expected * 0.25)
        self.assertLessEqual(r["p50_ms"], r["p99_ms"])
        self.assertLessEqual(r["p99_ms"], r["p999_ms"])
        self.assertLessEqual(r["p999_ms"], r["max_ms"])

    def test_point_lookups_count_found_rows(self):
        for name, dsn in self.servers.items():
            with self.subTest(server=name):
                self.check_counts(report(dsn, "--connections", 4, "--keys", ROWS), 1, 0.5)
                self.check_counts(
                    report(dsn, "--connections", 2, "--keys", ROWS, "--simple"), 1, 0.5)

    def test_pipelined_lookups_get_every_reply(self):
        for name, dsn in self.servers.items():
            with self.subTest(server=name):
                r = report(dsn, "--connections", 4, "--depth", 16, "--keys", ROWS)
                self.check_counts(r, 1, 0.5)

    def test_in_lists_count_rows_not_requests(self):
        for name, dsn in self.servers.items():
            with self.subTest(server=name):
                r = report(dsn, "--connections", 2, "--in", 10, "--keys", ROWS)
                self.check_counts(r, 10, 0.5)

    def test_fixed_rate_holds_the_rate(self):
        for name, dsn in self.servers.items():
            with self.subTest(server=name):
                r = report(dsn, "--connections", 4, "--rate", 400, "--keys", PRESENT,
                           "--dist", "zipfian")
                self.assertAlmostEqual(r["qps"], 400, delta=80)
                self.assertAlmostEqual(r["rows_per_s"], r["qps"], delta=r["qps"] * 0.01 + 1)

    def test_a_failing_query_fails_the_run(self):
        for name, dsn in self.servers.items():
            with self.subTest(server=name):
                result = run_bench(dsn, "--connections", 2, "--depth", 4, "--table", "missing")
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("missing", result.stderr)


if __name__ == "__main__":
    unittest.main()
