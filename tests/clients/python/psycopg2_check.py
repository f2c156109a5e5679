"""psycopg2 against strata-server. Usage: /usr/bin/python3 psycopg2_check.py '<dsn>'
Exits non-zero (AssertionError with the failed check) when a value is wrong."""
import datetime
import decimal
import io
import sys

import psycopg2
import psycopg2.extras

conn = psycopg2.connect(sys.argv[1])
conn.autocommit = True
cur = conn.cursor()
cur.execute("DROP TABLE IF EXISTS pg2_t")
cur.execute("CREATE TABLE pg2_t (id int PRIMARY KEY, name text, price numeric(10,2), big bigint, ok boolean, "
            "d date, at timestamptz, ratio float8, tags text[], doc jsonb, raw bytea)")

# Parameterized queries with several types (psycopg2 interpolates client-side).
at = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.timezone.utc)
cur.execute("INSERT INTO pg2_t VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (1, "it's", decimal.Decimal("12.34"), 2 ** 40, True, datetime.date(2024, 2, 29), at, 0.5,
             ["a", "b"], psycopg2.extras.Json({"k": [1, 2]}), psycopg2.Binary(b"\x00\xffab")))
cur.execute("SELECT id, name, price, big, ok, d, at, ratio, tags, doc, raw FROM pg2_t WHERE id = %s", (1,))
row = cur.fetchone()
assert row[:9] == (1, "it's", decimal.Decimal("12.34"), 2 ** 40, True, datetime.date(2024, 2, 29), at, 0.5,
                   ["a", "b"]), row
assert row[9] == {"k": [1, 2]}, row[9]
assert bytes(row[10]) == b"\x00\xffab", row[10]
assert [d.type_code for d in cur.description] == [23, 25, 1700, 20, 16, 1082, 1184, 701, 1009, 3802, 17]

# executemany.
cur.executemany("INSERT INTO pg2_t (id, name, price) VALUES (%s, %s, %s)",
                [(i, "n%d" % i, decimal.Decimal(i) / 4) for i in range(2, 202)])
cur.execute("SELECT count(*), sum(price) FROM pg2_t")
assert cur.fetchone() == (201, decimal.Decimal("12.34") + sum(decimal.Decimal(i) / 4 for i in range(2, 202)))
psycopg2.extras.execute_values(cur, "INSERT INTO pg2_t (id, name) VALUES %s", [(i, "v") for i in range(300, 310)])
cur.execute("SELECT count(*) FROM pg2_t WHERE name = %s", ("v",))
assert cur.fetchone() == (10,)

conn.autocommit = False
# fetchmany on a client cursor.
cur = conn.cursor()
cur.execute("SELECT id FROM pg2_t WHERE id < 12 ORDER BY id")
assert [r[0] for r in cur.fetchmany(4)] == [1, 2, 3, 4]
assert [r[0] for r in cur.fetchmany(100)] == list(range(5, 12))
conn.commit()

# COPY in and out.
cur.execute("CREATE TABLE pg2_copy (k int PRIMARY KEY, v text, n numeric)")
cur.copy_expert("COPY pg2_copy FROM STDIN WITH (FORMAT csv)", io.StringIO('1,one,1.5\n2,"t,wo",\n3,,3\n'))
conn.commit()
out = io.StringIO()
cur.copy_expert("COPY (SELECT k, v, n FROM pg2_copy ORDER BY k) TO STDOUT WITH (FORMAT csv, HEADER)", out)
assert out.getvalue() == 'k,v,n\n1,one,1.5\n2,"t,wo",\n3,,3\n', out.getvalue()
buf = io.StringIO("4\tfour\t4.25\n")
cur.copy_from(buf, "pg2_copy", columns=("k", "v", "n"))
conn.commit()
cur.execute("SELECT v, n FROM pg2_copy WHERE k = 4")
assert cur.fetchone() == ("four", decimal.Decimal("4.25"))

# Errors carry the SQLSTATE; the connection recovers after rollback.
try:
    cur.execute("INSERT INTO pg2_copy VALUES (1, 'dup', 0)")
    raise AssertionError("expected a unique violation")
except psycopg2.errors.UniqueViolation as e:
    assert e.pgcode == "23505"
conn.rollback()
cur.execute("SELECT count(*) FROM pg2_copy")
assert cur.fetchone() == (4,)
conn.close()
print("psycopg2: all checks passed")
