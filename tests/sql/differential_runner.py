#!/usr/bin/python3
"""Differential SQL test runner: PostgreSQL 15 is the oracle, Strata must agree.

Runs every record of tests/sql/differential/*.test on a private PostgreSQL 15
cluster and on a real strata-server, and compares

  * statement records: success on both (same command tag), or failure on both
    with the SQLSTATE the record names;
  * query records: the rows, as the text PostgreSQL's output functions print
    (sorted as a multiset for `rowsort`, in order for `nosort`), and the
    command tag.

Column names and result types are compared too and reported as warnings
(failures with --strict-meta). See tests/sql/README.md for the file format.

Run with Debian's /usr/bin/python3 (it sees python3-psycopg2).
"""
import argparse
import fnmatch
import glob
import json
import os
import re
import select
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # do not leave __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import psycopg2  # noqa: E402
import psycopg2.extensions  # noqa: E402

TEST_DIR = os.path.join(HERE, "differential")
STATEMENT_TIMEOUT = 20.0  # seconds one record may take on either server
MAX_LOST_IN_A_ROW = 3  # then the rest of the file is skipped on Strata (a hung server)
MAX_SHOWN_ROWS = 12
MAX_SHOWN_CHARS = 300

# Every value comes back exactly as the server's text output printed it.
RAW_TEXT = psycopg2.extensions.new_type(tuple(range(0, 20000)), "STRATA_RAW_TEXT",
                                        lambda value, cursor: value)


class FileError(Exception):
    pass


class Record:
    """One `statement` or `query` record of a .test file."""

    def __init__(self, path, line, kind, sql, expect_error=None, sort=None, label=None):
        self.path = path
        self.line = line
        self.kind = kind  # "statement" or "query"
        self.sql = sql
        self.expect_error = expect_error  # SQLSTATE or None
        self.sort = sort  # "rowsort" / "nosort" for queries
        self.label = label

    def where(self):
        return "%s:%d" % (os.path.basename(self.path), self.line)

    def header(self):
        if self.expect_error:
            return "%s error %s" % (self.kind, self.expect_error)
        if self.kind == "statement":
            return "statement ok"
        return "query %s" % self.sort


def parse_file(path):
    records = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        words = stripped.split()
        line_no = i + 1
        if words[0] not in ("statement", "query"):
            raise FileError("%s:%d: expected 'statement' or 'query', got %r" % (path, line_no, raw))
        kind = words[0]
        expect_error = None
        sort = None
        label = None
        args = words[1:]
        if not args:
            raise FileError("%s:%d: record header needs arguments" % (path, line_no))
        if args[0] == "ok" and kind == "statement":
            args = args[1:]
        elif args[0] == "error":
            if len(args) < 2 or len(args[1]) != 5:
                raise FileError("%s:%d: 'error' needs a 5-character SQLSTATE" % (path, line_no))
            expect_error = args[1].upper()
            args = args[2:]
        elif kind == "query" and args[0] in ("rowsort", "nosort"):
            sort = args[0]
            args = args[1:]
        else:
            raise FileError("%s:%d: bad record header %r" % (path, line_no, raw))
        if args:
            label = " ".join(args)
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            body.append(lines[i])
            i += 1
        if i < len(lines) and lines[i].strip() == "----":
            raise FileError("%s:%d: expected results ('----') are not used: PostgreSQL is the "
                            "oracle" % (path, i + 1))
        sql = "\n".join(body).strip()
        if not sql:
            raise FileError("%s:%d: record without SQL" % (path, line_no))
        if sql.rstrip().endswith(";"):
            sql = sql.rstrip()[:-1].rstrip()
        records.append(Record(path, line_no, kind, sql, expect_error, sort, label))
    return records


class Outcome:
    def __init__(self, error=None, message=None, tag=None, rows=None, names=None, types=None,
                 lost=False):
        self.error = error  # SQLSTATE, or None on success
        self.message = message
        self.tag = tag
        self.rows = rows
        self.names = names
        self.types = types
        self.lost = lost  # connection lost / timed out: the server must be reconnected

    def describe(self):
        if self.lost:
            return "connection lost or timed out: %s" % (self.message or "")
        if self.error:
            return "ERROR %s: %s" % (self.error, (self.message or "").strip().split("\n")[0])
        return "OK %s" % self.tag


class Conn:
    """An asynchronous psycopg2 connection, so a hung server cannot hang the runner."""

    def __init__(self, dsn, timeout=STATEMENT_TIMEOUT):
        self.dsn = dsn
        self.timeout = timeout
        self.conn = None

    def open(self):
        self.conn = psycopg2.connect(self.dsn, async_=1, connect_timeout=10)
        self._wait(self.timeout)
        psycopg2.extensions.register_type(RAW_TEXT, self.conn)
        return self

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001 - best effort on a broken connection
                pass
            self.conn = None

    def _wait(self, timeout):
        deadline = time.time() + timeout
        while True:
            state = self.conn.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError("no answer within %.0fs" % timeout)
            if state == psycopg2.extensions.POLL_READ:
                select.select([self.conn.fileno()], [], [], min(remaining, 1.0))
            elif state == psycopg2.extensions.POLL_WRITE:
                select.select([], [self.conn.fileno()], [], min(remaining, 1.0))

    def run(self, sql):
        if self.conn is None or self.conn.closed:
            try:
                self.open()
            except Exception as e:  # noqa: BLE001
                self.close()
                return Outcome(lost=True, message="cannot connect: %s" % e)
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            self._wait(self.timeout)
        except psycopg2.Error as e:
            if e.pgcode:
                # Drain: the async connection must be idle before the next command.
                try:
                    self._wait(self.timeout)
                except Exception:  # noqa: BLE001
                    pass
                return Outcome(error=e.pgcode, message=str(e.pgerror or e))
            self.close()
            return Outcome(lost=True, message=str(e).strip())
        except (TimeoutError, OSError) as e:
            self.close()
            return Outcome(lost=True, message=str(e))
        rows = None
        names = types = None
        if cur.description is not None:
            try:
                rows = [tuple(v for v in row) for row in cur.fetchall()]
            except psycopg2.Error as e:
                return Outcome(error=e.pgcode or "XXXXX", message="fetch failed: %s" % e)
            names = [d.name for d in cur.description]
            types = [d.type_code for d in cur.description]
        return Outcome(tag=cur.statusmessage, rows=rows, names=names, types=types)


def sort_key(row):
    return tuple((v is None, v or "") for v in row)


def show_rows(rows):
    if rows is None:
        return "(no result set)"
    out = []
    for row in rows[:MAX_SHOWN_ROWS]:
        text = " | ".join("NULL" if v is None else repr(v)[1:-1] for v in row)
        out.append("    " + (text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "..."))
    if len(rows) > MAX_SHOWN_ROWS:
        out.append("    ... (%d rows)" % len(rows))
    if not rows:
        out.append("    (0 rows)")
    return "\n".join(out)


def check_expectation(rec, out):
    """Checks one outcome against what the record itself says. Returns a problem or None."""
    if out.lost:
        return out.describe()
    if rec.expect_error:
        if out.error is None:
            return "expected ERROR %s, got %s" % (rec.expect_error, out.describe())
        if out.error != rec.expect_error:
            return "expected ERROR %s, got %s" % (rec.expect_error, out.describe())
        return None
    if out.error:
        return "expected success, got %s" % out.describe()
    if rec.kind == "query" and out.rows is None:
        return "query returned no result set (%s)" % out.tag
    return None


def compare(rec, ref, got):
    """Returns (problem or None, warning or None) for Strata's outcome `got` vs PG's `ref`."""
    problem = check_expectation(rec, got)
    if problem:
        return problem, None
    if rec.expect_error:
        return None, None
    if ref.tag != got.tag:
        return "command tag: expected %r, got %r" % (ref.tag, got.tag), None
    if rec.kind == "query":
        ref_rows, got_rows = ref.rows, got.rows
        if ref_rows and got_rows and len(ref_rows[0]) != len(got_rows[0]):
            return ("column count: expected %d, got %d\n  expected:\n%s\n  actual:\n%s" % (
                len(ref_rows[0]), len(got_rows[0]), show_rows(ref_rows), show_rows(got_rows))), None
        if rec.sort == "rowsort":
            ref_rows = sorted(ref_rows, key=sort_key)
            got_rows = sorted(got_rows, key=sort_key)
        if ref_rows != got_rows:
            return "rows differ\n  expected:\n%s\n  actual:\n%s" % (show_rows(ref_rows),
                                                                     show_rows(got_rows)), None
        warnings = []
        if ref.names != got.names:
            warnings.append("column names: expected %s, got %s" % (ref.names, got.names))
        if ref.types != got.types:
            warnings.append("column type oids: expected %s, got %s" % (ref.types, got.types))
        return None, "; ".join(warnings) or None
    return None, None


def test_files(pattern, directory=TEST_DIR):
    files = sorted(glob.glob(os.path.join(directory, "*.test")))
    if pattern:
        files = [f for f in files if fnmatch.fnmatch(os.path.basename(f), pattern)
                 or pattern in os.path.basename(f)]
    return files


def validate_static(records):
    problems = []
    for rec in records:
        if rec.kind == "query" and not rec.expect_error and rec.sort == "nosort":
            text = " ".join(rec.sql.lower().split())
            # EXECUTE runs a prepared statement whose ORDER BY is in its PREPARE.
            if "order by" not in text and not text.startswith("execute "):
                problems.append("%s: nosort query without ORDER BY" % rec.where())
    return problems


class StrataTarget:
    """A strata-server that is restarted (on a new data directory) if it dies."""

    def __init__(self, binary):
        import harness
        harness.SERVER_BINARY = binary
        self.harness = harness
        self.server = None
        self.restarts = 0
        self.start_error = None

    def start(self):
        self.server = self.harness.StrataServer()
        try:
            self.server.start()
            self.start_error = None
        except Exception as e:  # noqa: BLE001
            self.start_error = str(e)
        return self

    def alive(self):
        return self.server is not None and self.server.proc.poll() is None

    def ensure_alive(self):
        if not self.alive():
            log_tail = self.server.log()[-3000:] if self.server else ""
            if self.server:
                self.server.cleanup()
            self.restarts += 1
            self.start()
            return log_tail
        return None

    def stop(self):
        if self.server:
            self.server.stop()
            self.server.cleanup()


STRATA_ORIENTATION = None
CREATE_TABLE = re.compile(r"^(\s*(?:--[^\n]*\n\s*)*)create\s+(?:(?:temp|temporary|unlogged)\s+)?table\s",
                          re.I)


def with_orientation(sql, orientation):
    """Adds WITH (orientation = ...) after the column list of a CREATE TABLE
    record (unless it has its own WITH or is CREATE TABLE AS)."""
    if not CREATE_TABLE.match(sql):
        return sql
    start = sql.find("(")
    if start < 0 or re.search(r"\sas\s", sql[:start], re.I):
        return sql
    depth = 0
    quote = None
    for i in range(start, len(sql)):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in ("'", '"'):
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                rest = sql[i + 1:]
                if re.match(r"\s*(with|as|inherits|partition|using|tablespace)\b", rest, re.I):
                    return sql
                return sql[:i + 1] + " WITH (orientation = '%s')" % orientation + rest
    return sql


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="differential",
                    help="directory of .test files, relative to tests/sql (default differential; "
                    "differential_extra holds features beyond the SQL issue's scope)")
    ap.add_argument("--file", help="only files whose name matches this glob or substring")
    ap.add_argument("--list-failures", action="store_true",
                    help="print every failure in full (SQL, expected vs actual)")
    ap.add_argument("--min-pass-rate", type=float, default=1.0,
                    help="exit non-zero when passed/records is below this (default 1.0)")
    ap.add_argument("--strata-server", help="strata-server binary (default: $STRATA_SERVER or "
                    "build/bin/strata-server)")
    ap.add_argument("--postgres-only", action="store_true",
                    help="validate the test files against PostgreSQL alone")
    ap.add_argument("--strict-meta", action="store_true",
                    help="column name / type differences fail the record")
    ap.add_argument("--show", action="store_true",
                    help="print every record with PostgreSQL's result (for writing tests)")
    ap.add_argument("--report", help="write a JSON report of every record's result here")
    ap.add_argument("--timeout", type=float, default=STATEMENT_TIMEOUT,
                    help="seconds one record may take (default %(default)s)")
    ap.add_argument("--orientation", choices=["default", "column", "row,column"], default="default",
                    help="on the Strata side, give every CREATE TABLE with a column list "
                    "WITH (orientation = ...) (the column replica then answers the scans)")
    args = ap.parse_args()
    global STRATA_ORIENTATION
    STRATA_ORIENTATION = None if args.orientation == "default" else args.orientation

    directory = args.dir if os.path.isabs(args.dir) else os.path.join(HERE, args.dir)
    files = test_files(args.file, directory)
    if not files:
        print("no test files match %r" % args.file)
        return 2
    parsed = []
    static_problems = []
    for path in files:
        try:
            recs = parse_file(path)
        except FileError as e:
            print("FILE ERROR: %s" % e)
            return 2
        static_problems += validate_static(recs)
        parsed.append((path, recs))
    if static_problems:
        for p in static_problems:
            print("FILE ERROR: %s" % p)
        return 2

    import harness
    pg = harness.PostgresServer()
    strata = None
    t0 = time.time()
    try:
        pg.start()
        use_c_utf8_database(pg)
        if not args.postgres_only:
            binary = args.strata_server or os.environ.get("STRATA_SERVER") or harness.SERVER_BINARY
            if not os.path.exists(binary):
                print("strata-server binary not found: %s" % binary)
                return 2
            strata = StrataTarget(binary).start()
            if strata.start_error:
                print("WARNING: strata-server did not start: %s" % strata.start_error[:2000])
        return run_all(args, parsed, pg, strata, t0)
    finally:
        if strata:
            strata.stop()
        pg.stop()


def use_c_utf8_database(pg):
    """Recreates PostgreSQL's `strata` database with the C.UTF-8 locale.

    Strata behaves like a PostgreSQL database created with LOCALE 'C.UTF-8'
    (Debian's and most containers' default): Unicode case mapping in
    lower/upper/initcap, code point order for text (the same as C's byte order
    for UTF-8). The harness initdb's with --locale=C, whose lower()/upper() only
    map ASCII, so the reference database is recreated here.
    """
    conn = psycopg2.connect(pg.dsn(user="postgres", dbname="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE strata")
        cur.execute("CREATE DATABASE strata OWNER strata TEMPLATE template0 ENCODING 'UTF8' "
                    "LOCALE 'C.UTF-8'")
    conn.close()


def run_all(args, parsed, pg, strata, t0):
    total = passed = warned = 0
    report = []
    summary = []
    for path, records in parsed:
        name = os.path.basename(path)
        pg_conn = Conn(pg.dsn(), args.timeout)
        st_conn = Conn(strata.server.dsn(), args.timeout) if strata else None
        file_passed = 0
        failures = []
        lost_in_a_row = 0
        for rec in records:
            ref = pg_conn.run(rec.sql)
            if args.show:
                print("%s  %s\n  %s\n  -> %s\n%s" % (
                    rec.where(), rec.header(), rec.sql.replace("\n", "\n  "), ref.describe(),
                    show_rows(ref.rows) if ref.rows is not None else ""))
            problem = None
            warning = None
            ref_problem = check_expectation(rec, ref)
            if ref_problem:
                problem = "INVALID TEST (PostgreSQL disagrees with the record): " + ref_problem
            elif st_conn is not None and lost_in_a_row >= MAX_LOST_IN_A_ROW:
                problem = "skipped: strata-server lost the connection %d times in a row" % (
                    lost_in_a_row)
            elif st_conn is not None:
                got = st_conn.run(with_orientation(rec.sql, STRATA_ORIENTATION)
                                  if STRATA_ORIENTATION else rec.sql)
                problem, warning = compare(rec, ref, got)
                lost_in_a_row = lost_in_a_row + 1 if got.lost else 0
                if got.lost:
                    crash_log = strata.ensure_alive()
                    if crash_log is not None:
                        problem += "\n  strata-server died; restarted. Log tail:\n" + crash_log
                        st_conn = Conn(strata.server.dsn(), args.timeout)
                if warning and args.strict_meta:
                    problem, warning = warning, None
            total += 1
            if problem is None:
                passed += 1
                file_passed += 1
                if warning:
                    warned += 1
                    if args.list_failures:
                        print("WARN %s: %s\n  %s" % (rec.where(), warning, rec.sql.replace("\n", " ")[:200]))
            else:
                failures.append((rec, problem))
            report.append({"file": name, "line": rec.line, "record": rec.header(), "sql": rec.sql,
                           "passed": problem is None, "problem": problem, "warning": warning})
        pg_conn.close()
        if st_conn:
            st_conn.close()
        summary.append((name, len(records), file_passed))
        print("%-36s records %4d  passed %4d  failed %4d" % (name, len(records), file_passed,
                                                           len(records) - file_passed))
        for rec, problem in failures:
            if args.list_failures:
                print("  FAIL %s  %s\n    %s\n  %s" % (rec.where(), rec.header(),
                                                     rec.sql.replace("\n", "\n    "), problem))
            else:
                first = problem.split("\n")[0]
                print("  FAIL %s  %s  -- %s" % (rec.where(), rec.sql.replace("\n", " ")[:90],
                                                first[:160]))
        sys.stdout.flush()
    rate = passed / total if total else 0.0
    mode = "PostgreSQL-only validation" if args.postgres_only else "PostgreSQL 15 vs strata-server"
    print("TOTAL (%s): %d files, %d records, %d passed, %d failed, pass rate %.4f "
          "(%d with column name/type warnings)%s, %.1fs" % (
              mode, len(parsed), total, passed, total - passed, rate, warned,
              (", strata restarts %d" % strata.restarts) if strata else "", time.time() - t0))
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)
    if rate + 1e-12 < args.min_pass_rate:
        print("pass rate %.4f is below --min-pass-rate %.4f" % (rate, args.min_pass_rate))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
