"""psycopg 3 against strata-server. Usage: /usr/bin/python3 psycopg3_check.py '<dsn>'
Exits non-zero (AssertionError with the failed check) when a value is wrong."""
import datetime
import decimal
import sys
import uuid

import psycopg
from psycopg.types.json import Jsonb

with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("DROP TABLE IF EXISTS pg3_t")
    conn.execute("CREATE TABLE pg3_t (id int PRIMARY KEY, name text, price numeric(10,2), big bigint, ok boolean, "
                 "at timestamptz, u uuid, doc jsonb, iv interval)")

    # Server-side parameters (extended protocol), text and binary.
    at = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc)
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    conn.execute("INSERT INTO pg3_t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                 (1, "one", decimal.Decimal("1.10"), -2 ** 62, False, at, u, Jsonb({"a": 1}),
                  datetime.timedelta(days=1, seconds=5)))
    for binary in (False, True):
        cur = conn.cursor(binary=binary)
        cur.execute("SELECT id, name, price, big, ok, at, u, doc, iv FROM pg3_t WHERE id = %s", (1,))
        assert cur.fetchone() == (1, "one", decimal.Decimal("1.10"), -2 ** 62, False, at, u, {"a": 1},
                                  datetime.timedelta(days=1, seconds=5)), binary

    # executemany (pipelined extended protocol).
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO pg3_t (id, name, price) VALUES (%s, %s, %s)",
                        [(i, "n%d" % i, decimal.Decimal(i)) for i in range(2, 102)])
        cur.execute("SELECT count(*), sum(price) FROM pg3_t")
        assert cur.fetchone() == (101, decimal.Decimal("1.10") + sum(range(2, 102)))
        # A prepared statement reused (prepare_threshold) returns the same rows.
        for i in range(2, 12):
            cur.execute("SELECT name FROM pg3_t WHERE id = %s", (i,), prepare=True)
            assert cur.fetchone() == ("n%d" % i,)

    # fetchmany over a result, in a transaction.
    with conn.transaction():
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM pg3_t WHERE id >= %s ORDER BY id", (2,))
            got = []
            while True:
                rows = cur.fetchmany(30)
                if not rows:
                    break
                assert len(rows) <= 30
                got.extend(r[0] for r in rows)
            assert got == list(range(2, 102))

    # COPY in (rows and text) and out.
    conn.execute("CREATE TABLE pg3_copy (k int PRIMARY KEY, v text, at timestamptz)")
    with conn.cursor() as cur:
        with cur.copy("COPY pg3_copy (k, v, at) FROM STDIN") as copy:
            for k in range(1, 6):
                copy.write_row((k, "v%d" % k, at))
        with cur.copy("COPY pg3_copy FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write("6,six,\n")
        rows = []
        with cur.copy("COPY (SELECT k, v FROM pg3_copy ORDER BY k) TO STDOUT") as copy:
            for row in copy.rows():
                rows.append(row)
        assert rows == [(str(k), "v%d" % k) for k in range(1, 6)] + [("6", "six")], rows
        cur.execute("SELECT count(*) FROM pg3_copy WHERE at = %s", (at,))
        assert cur.fetchone() == (5,)

    # Errors carry the SQLSTATE.
    try:
        conn.execute("SELECT 1 / 0")
        raise AssertionError("expected division by zero")
    except psycopg.errors.DivisionByZero as e:
        assert e.sqlstate == "22012"
    assert conn.execute("SELECT current_database(), current_user").fetchone() == ("strata", "strata")
print("psycopg 3: all checks passed")
