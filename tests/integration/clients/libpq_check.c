/*
 * libpq_check: drives a server through libpq features psql does not use.
 *
 *   libpq_check pipeline CONNINFO N
 *       Pipeline mode: N parameterized queries sent before one Sync, then
 *       every result checked in order.
 *   libpq_check binary CONNINFO_A CONNINFO_B
 *       Runs the same queries with binary parameters and binary results on
 *       both servers and compares every value byte for byte (and every
 *       column's type OID).
 *
 * Exit 0 when every check passed; prints what differed otherwise.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

static PGconn* Connect(const char* conninfo) {
  PGconn* conn = PQconnectdb(conninfo);
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "connect %s: %s", conninfo, PQerrorMessage(conn));
    exit(2);
  }
  return conn;
}

static int Pipeline(const char* conninfo, int n) {
  PGconn* conn = Connect(conninfo);
  if (!PQenterPipelineMode(conn)) {
    fprintf(stderr, "cannot enter pipeline mode\n");
    return 1;
  }
  for (int i = 0; i < n; ++i) {
    char value[16];
    snprintf(value, sizeof value, "%d", i);
    const char* params[1] = {value};
    if (!PQsendQueryParams(conn, "SELECT $1::int8 * 2, 'row ' || $1", 1, NULL, params, NULL,
                           NULL, 0)) {
      fprintf(stderr, "send %d: %s", i, PQerrorMessage(conn));
      return 1;
    }
  }
  if (!PQpipelineSync(conn)) {
    fprintf(stderr, "sync: %s", PQerrorMessage(conn));
    return 1;
  }
  int failures = 0;
  for (int i = 0; i < n; ++i) {
    PGresult* res = PQgetResult(conn);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
      fprintf(stderr, "result %d: %s %s", i, PQresStatus(PQresultStatus(res)),
              PQresultErrorMessage(res));
      return 1;
    }
    char expect0[32], expect1[32];
    snprintf(expect0, sizeof expect0, "%d", 2 * i);
    snprintf(expect1, sizeof expect1, "row %d", i);
    if (strcmp(PQgetvalue(res, 0, 0), expect0) != 0 || strcmp(PQgetvalue(res, 0, 1), expect1) != 0) {
      fprintf(stderr, "result %d: got (%s, %s)\n", i, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
      ++failures;
    }
    PQclear(res);
    res = PQgetResult(conn); /* NULL ends each query's results */
    if (res != NULL) {
      fprintf(stderr, "result %d: expected end of results\n", i);
      return 1;
    }
  }
  PGresult* sync = PQgetResult(conn);
  if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
    fprintf(stderr, "expected PIPELINE_SYNC, got %s\n", PQresStatus(PQresultStatus(sync)));
    return 1;
  }
  PQclear(sync);
  PQexitPipelineMode(conn);
  PQfinish(conn);
  printf("pipeline: %d queries, %d mismatches\n", n, failures);
  return failures == 0 ? 0 : 1;
}

/* One query with binary parameters (already in binary form) and binary results. */
struct BinaryCase {
  const char* sql;
  int nparams;
  Oid types[3];
  const char* values[3];
  int lengths[3];
};

static int CompareResults(const char* sql, PGresult* a, PGresult* b) {
  if (PQresultStatus(a) != PQresultStatus(b)) {
    fprintf(stderr, "%s: status %s vs %s (%s|%s)\n", sql, PQresStatus(PQresultStatus(a)),
            PQresStatus(PQresultStatus(b)), PQresultErrorMessage(a), PQresultErrorMessage(b));
    return 1;
  }
  if (PQresultStatus(a) != PGRES_TUPLES_OK) {
    const char* sa = PQresultErrorField(a, PG_DIAG_SQLSTATE);
    const char* sb = PQresultErrorField(b, PG_DIAG_SQLSTATE);
    if (sa && sb && strcmp(sa, sb) != 0) {
      fprintf(stderr, "%s: SQLSTATE %s vs %s\n", sql, sa, sb);
      return 1;
    }
    return 0;
  }
  if (PQntuples(a) != PQntuples(b) || PQnfields(a) != PQnfields(b)) {
    fprintf(stderr, "%s: shape %dx%d vs %dx%d\n", sql, PQntuples(a), PQnfields(a), PQntuples(b),
            PQnfields(b));
    return 1;
  }
  int failures = 0;
  for (int c = 0; c < PQnfields(a); ++c) {
    if (PQftype(a, c) != PQftype(b, c)) {
      fprintf(stderr, "%s: column %d type %u vs %u\n", sql, c, PQftype(a, c), PQftype(b, c));
      ++failures;
    }
  }
  for (int r = 0; r < PQntuples(a); ++r) {
    for (int c = 0; c < PQnfields(a); ++c) {
      const int la = PQgetlength(a, r, c), lb = PQgetlength(b, r, c);
      const int na = PQgetisnull(a, r, c), nb = PQgetisnull(b, r, c);
      if (na != nb || la != lb || memcmp(PQgetvalue(a, r, c), PQgetvalue(b, r, c), la) != 0) {
        fprintf(stderr, "%s: row %d column %d differs (len %d vs %d, null %d vs %d)\n", sql, r, c,
                la, lb, na, nb);
        ++failures;
      }
    }
  }
  return failures;
}

static int Binary(const char* conninfo_a, const char* conninfo_b) {
  PGconn* a = Connect(conninfo_a);
  PGconn* b = Connect(conninfo_b);
  /* Binary parameter encodings, built by hand as PostgreSQL defines them. */
  uint32_t int4_42 = htonl(42);
  uint32_t int8_hi = htonl(0x00000001), int8_lo = htonl(0x00000002);
  char int8_val[8];
  memcpy(int8_val, &int8_hi, 4);
  memcpy(int8_val + 4, &int8_lo, 4);
  uint16_t int2_7 = htons(7);
  char bool_true = 1;
  uint64_t float8_bits;
  double pi = 3.141592653589793;
  memcpy(&float8_bits, &pi, 8);
  uint32_t f_hi = htonl((uint32_t)(float8_bits >> 32)), f_lo = htonl((uint32_t)float8_bits);
  char float8_val[8];
  memcpy(float8_val, &f_hi, 4);
  memcpy(float8_val + 4, &f_lo, 4);
  const char bytea_val[3] = {0, 1, (char)255};

  struct BinaryCase cases[] = {
      {"SELECT $1::int4 + 1, $1::int4 * -3", 1, {23}, {(const char*)&int4_42}, {4}},
      {"SELECT $1::int8, -$1::int8", 1, {20}, {int8_val}, {8}},
      {"SELECT $1::int2", 1, {21}, {(const char*)&int2_7}, {2}},
      {"SELECT $1::bool, NOT $1::bool", 1, {16}, {&bool_true}, {1}},
      {"SELECT $1::float8, $1::float8 * 2", 1, {701}, {float8_val}, {8}},
      {"SELECT $1::text || '!', upper($1::text)", 1, {25}, {"héllo wörld"}, {13}},
      {"SELECT $1::bytea", 1, {17}, {bytea_val}, {3}},
      {"SELECT 12345.678::numeric, -0.00012::numeric, 0::numeric, 1e20::numeric", 0, {0}, {0}, {0}},
      {"SELECT 'a'::varchar(5), 'b'::char(3), NULL::text", 0, {0}, {0}, {0}},
      {"SELECT DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.678901'", 0, {0}, {0}, {0}},
      {"SELECT TIMESTAMPTZ '2024-01-02 03:04:05+00', TIME '13:14:15.5'", 0, {0}, {0}, {0}},
      {"SELECT INTERVAL '1 year 2 mons 3 days 04:05:06'", 0, {0}, {0}, {0}},
      {"SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", 0, {0}, {0}, {0}},
      {"SELECT '{\"b\": 1, \"a\": [1, 2]}'::json, '{\"b\": 1, \"a\": [1, 2]}'::jsonb", 0, {0}, {0}, {0}},
      {"SELECT 1.5::float4, 2147483647::int4, -9223372036854775808::int8", 0, {0}, {0}, {0}},
      {"SELECT true, false, NULL::bool", 0, {0}, {0}, {0}},
  };
  const int formats[3] = {1, 1, 1};
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    const struct BinaryCase* c = &cases[i];
    PGresult* ra = PQexecParams(a, c->sql, c->nparams, c->types, c->values, c->lengths, formats, 1);
    PGresult* rb = PQexecParams(b, c->sql, c->nparams, c->types, c->values, c->lengths, formats, 1);
    failures += CompareResults(c->sql, ra, rb);
    PQclear(ra);
    PQclear(rb);
  }
  PQfinish(a);
  PQfinish(b);
  printf("binary: %zu queries, %d mismatches\n", sizeof cases / sizeof cases[0], failures);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "pipeline") == 0) return Pipeline(argv[2], atoi(argv[3]));
  if (argc == 4 && strcmp(argv[1], "binary") == 0) return Binary(argv[2], argv[3]);
  fprintf(stderr, "usage: libpq_check pipeline CONNINFO N | binary CONNINFO_A CONNINFO_B\n");
  return 2;
}
