"""pg_catalog and information_schema over Strata's catalog, read with psycopg2
through the real strata-server: rows come from the catalog at the statement's
snapshot (own DDL in a transaction included), and ordinary SQL (joins,
filters, ORDER BY, subqueries) works over them."""
import unittest

from harness import StrataServer


def psycopg2():
    import psycopg2 as module  # python3-psycopg2 (Debian), hence /usr/bin/python3
    return module


class CatalogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = StrataServer(config_text='[role.alice]\npassword = "secret"\n').start()
        cls.conn = psycopg2().connect(cls.server.dsn())
        cls.conn.autocommit = True
        cur = cls.conn.cursor()
        cur.execute("CREATE SCHEMA app")
        cur.execute("CREATE TABLE app.orders (id bigint PRIMARY KEY, customer varchar(40) NOT NULL, "
                    "amount numeric(12,2) DEFAULT 0, note text, created timestamptz)")
        cur.execute("CREATE TABLE events (a int, b int, payload jsonb, PRIMARY KEY (b, a))")
        cur.execute("CREATE TABLE logs (msg text)")

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()
        cls.server.cleanup()

    def query(self, sql, params=None):
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur.fetchall()

    def test_pg_namespace_and_pg_class(self):
        ns = dict(self.query("SELECT nspname, oid FROM pg_namespace"))
        self.assertEqual(ns["pg_catalog"], 11)
        self.assertEqual(ns["public"], 2200)
        self.assertGreaterEqual(ns["app"], 16384)
        rows = self.query("SELECT c.relname, c.relkind, n.nspname, c.relnatts, c.relhasindex "
                          "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname IN ('app', 'public') ORDER BY n.nspname, c.relname")
        self.assertEqual(rows, [("orders", "r", "app", 5, True), ("orders_pkey", "i", "app", 1, False),
                                ("events", "r", "public", 3, True), ("events_pkey", "i", "public", 2, False),
                                ("logs", "r", "public", 1, False)])
        # System relations are in pg_class too, with PostgreSQL's OIDs.
        self.assertEqual(self.query("SELECT oid, relkind FROM pg_class WHERE relname = 'pg_class'"), [(1259, "r")])
        self.assertEqual(self.query("SELECT relkind FROM pg_class WHERE relname = 'pg_roles'"), [("v",)])

    def test_pg_attribute_and_pg_type(self):
        rows = self.query(
            "SELECT a.attnum, a.attname, t.typname, a.atttypmod, a.attnotnull, a.atthasdef "
            "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "                    WHERE n.nspname = 'app' AND c.relname = 'orders') AND a.attnum > 0 "
            "ORDER BY a.attnum")
        self.assertEqual(rows, [(1, "id", "int8", -1, True, False),
                                (2, "customer", "varchar", 44, True, False),
                                (3, "amount", "numeric", (12 << 16 | 2) + 4, False, True),
                                (4, "note", "text", -1, False, False),
                                (5, "created", "timestamptz", -1, False, False)])
        types = dict(self.query("SELECT typname, oid FROM pg_type"))
        for name, oid in [("bool", 16), ("int4", 23), ("int8", 20), ("text", 25), ("varchar", 1043),
                          ("numeric", 1700), ("timestamptz", 1184), ("jsonb", 3802), ("_int4", 1007),
                          ("oid", 26), ("name", 19), ("regclass", 2205)]:
            self.assertEqual(types[name], oid, name)
        self.assertEqual(self.query("SELECT typelem, typcategory FROM pg_type WHERE oid = 1007"), [(23, "A")])

    def test_primary_key_index_constraint_and_default(self):
        rows = self.query(
            "SELECT ic.relname, i.indisprimary, i.indisunique, i.indkey, con.conname, con.contype, con.conkey "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid "
            "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid "
            "WHERE c.relname = 'events'")
        self.assertEqual(rows, [("events_pkey", True, True, [2, 1], "events_pkey", "p", [2, 1])])
        rows = self.query("SELECT d.adnum, d.adbin FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid "
                          "WHERE c.relname = 'orders'")
        self.assertEqual(rows, [(3, "0")])
        # logs has no primary key: no index, no constraint.
        self.assertEqual(self.query("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                                    "WHERE c.relname = 'logs'"), [(0,)])

    def test_database_and_roles(self):
        self.assertEqual(self.query("SELECT datname, encoding FROM pg_database"), [("strata", 6)])
        self.assertEqual(self.query("SELECT rolname, rolsuper, rolcanlogin FROM pg_roles ORDER BY rolname"),
                         [("alice", False, True), ("pg_database_owner", False, False), ("strata", True, True)])
        self.assertEqual(self.query("SELECT n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n "
                                    "WHERE nspname IN ('public', 'app') ORDER BY 1"),
                         [("app", "strata"), ("public", "pg_database_owner")])
        self.assertEqual(self.query("SELECT oid FROM pg_roles WHERE rolname = 'strata'"), [(10,)])
        self.assertEqual(self.query("SELECT usename FROM pg_user WHERE usesuper"), [("strata",)])

    def test_information_schema(self):
        rows = self.query("SELECT table_schema, table_name, table_type FROM information_schema.tables "
                          "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                          "ORDER BY 1, 2")
        self.assertEqual(rows, [("app", "orders", "BASE TABLE"), ("public", "events", "BASE TABLE"),
                                ("public", "logs", "BASE TABLE")])
        rows = self.query("SELECT column_name, ordinal_position, is_nullable, data_type, "
                          "character_maximum_length, numeric_precision, numeric_scale, column_default, udt_name "
                          "FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'orders' "
                          "ORDER BY ordinal_position")
        self.assertEqual(rows, [
            ("id", 1, "NO", "bigint", None, 64, 0, None, "int8"),
            ("customer", 2, "NO", "character varying", 40, None, None, None, "varchar"),
            ("amount", 3, "YES", "numeric", None, 12, 2, "0", "numeric"),
            ("note", 4, "YES", "text", None, None, None, None, "text"),
            ("created", 5, "YES", "timestamp with time zone", None, None, None, None, "timestamptz")])
        rows = self.query("SELECT k.column_name, k.ordinal_position FROM information_schema.table_constraints c "
                          "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
                          "WHERE c.table_name = 'events' AND c.constraint_type = 'PRIMARY KEY' "
                          "ORDER BY k.ordinal_position")
        self.assertEqual(rows, [("b", 1), ("a", 2)])
        self.assertIn(("app",), self.query("SELECT schema_name FROM information_schema.schemata"))

    def test_own_ddl_is_visible_in_the_transaction_only(self):
        other = psycopg2().connect(self.server.dsn())
        try:
            cur = other.cursor()  # not autocommit: one transaction
            cur.execute("CREATE TABLE pending_t (x int)")
            cur.execute("SELECT count(*) FROM pg_class WHERE relname = 'pending_t'")
            self.assertEqual(cur.fetchone(), (1,))
            self.assertEqual(self.query("SELECT count(*) FROM pg_class WHERE relname = 'pending_t'"), [(0,)])
            other.rollback()
            self.assertEqual(self.query("SELECT count(*) FROM pg_class WHERE relname = 'pending_t'"), [(0,)])
        finally:
            other.close()

    def test_name_resolution(self):
        # pg_catalog is searched first; information_schema only when named.
        self.assertEqual(self.query("SELECT count(*) > 0 FROM pg_type"), [(True,)])
        with self.assertRaises(psycopg2().errors.UndefinedTable):
            self.query("SELECT * FROM tables")
        self.conn.rollback()
        self.assertEqual(self.query("SET search_path = information_schema, public; "
                                    "SELECT count(*) FROM tables WHERE table_name = 'logs'"), [(1,)])
        self.query("RESET search_path; SELECT 1")
        with self.assertRaises(psycopg2().errors.UndefinedTable):
            self.query("SELECT * FROM pg_catalog.no_such_catalog")

    def test_catalog_functions(self):
        oid = self.query("SELECT 'app.orders'::regclass")[0][0]
        self.assertEqual(self.query("SELECT oid FROM pg_class WHERE relname = 'orders'"), [(oid,)])
        self.assertEqual(self.query("SELECT 'pg_catalog.pg_class'::regclass, 'pg_type'::regclass, "
                                    "'integer'::regtype, 'pg_catalog.array_in'::regproc"),
                         [(1259, 1247, 23, 750)])
        self.assertEqual(self.query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid, true) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = %s ORDER BY a.attnum", (oid,)),
            [("id", "bigint", None), ("customer", "character varying(40)", None),
             ("amount", "numeric(12,2)", "0"), ("note", "text", None),
             ("created", "timestamp with time zone", None)])
        self.assertEqual(self.query(
            "SELECT pg_get_indexdef(i.indexrelid), pg_get_indexdef(i.indexrelid, 2, true), "
            "pg_get_constraintdef(c.oid, true) FROM pg_index i JOIN pg_constraint c ON c.conindid = i.indexrelid "
            "WHERE i.indrelid = 'events'::regclass"),
            [("CREATE UNIQUE INDEX events_pkey ON public.events USING btree (b, a)", "a", "PRIMARY KEY (b, a)")])
        # Visibility follows the search path: app is not on it.
        self.assertEqual(self.query("SELECT relname, pg_table_is_visible(oid) FROM pg_class "
                                    "WHERE relname IN ('orders', 'events', 'pg_class') ORDER BY 1"),
                         [("events", True), ("orders", False), ("pg_class", True)])
        self.assertEqual(self.query("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'events'"),
                         [("strata",)])
        self.assertEqual(self.query("SELECT current_schemas(true), current_schemas(false), current_database(), "
                                    "current_user, session_user, pg_backend_pid() > 0"),
                         [(["pg_catalog", "public"], ["public"], "strata", "strata", "strata", True)])
        self.assertEqual(self.query("SELECT quote_ident('plain'), quote_ident('Mixed'), quote_ident('a b'), "
                                    "quote_ident('select'), pg_encoding_to_char(6), "
                                    "pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), "
                                    "pg_size_pretty(123456789::bigint), pg_size_pretty(5000000000000::bigint)"),
                         [("plain", '"Mixed"', '"a b"', '"select"', "UTF8", "10239 bytes", "10 kB", "118 MB",
                           "4657 GB")])
        self.assertEqual(self.query("SELECT has_table_privilege('events', 'SELECT'), "
                                    "has_schema_privilege('app', 'USAGE'), obj_description(%s, 'pg_class'), "
                                    "col_description(%s, 1)", (oid, oid)),
                         [(True, True, None, None)])
        self.assertEqual(self.query("SELECT x FROM unnest(ARRAY[3, 1, 2]) AS x ORDER BY x"), [(1,), (2,), (3,)])
        self.assertEqual(self.query("SELECT c.relname, (SELECT count(*) FROM unnest(c.reloptions) o) > 0 "
                                    "FROM pg_class c WHERE c.relname = 'logs'"), [("logs", True)])
        self.assertEqual(self.query("SELECT relname FROM pg_class WHERE relname OPERATOR(pg_catalog.~) '^(ev.*)$' "
                                    "COLLATE pg_catalog.default ORDER BY 1"), [("events",), ("events_pkey",)])
        self.assertGreater(self.query("SELECT pg_relation_size('events'::regclass)")[0][0], -1)
        with self.assertRaises(psycopg2().errors.UndefinedTable) as cm:
            self.query("SELECT 'no_such_table'::regclass")
        self.assertIn('relation "no_such_table" does not exist', str(cm.exception))
        self.conn.rollback()

    def test_pg_proc(self):
        rows = self.query("SELECT p.proname, p.proargtypes, p.prorettype, p.prokind, n.nspname, "
                          "pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) "
                          "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                          "WHERE p.proname IN ('lower', 'sum') ORDER BY p.proname, p.proargtypes")
        self.assertIn(("lower", [25], 25, "f", "pg_catalog", "text", "text"), rows)
        self.assertIn(("sum", [23], 20, "a", "pg_catalog", "integer", "bigint"), rows)

    def test_pg_stat_activity(self):
        other = psycopg2().connect(self.server.dsn(application_name="watcher"))
        try:
            other.cursor().execute("SELECT 42")
            rows = self.query("SELECT pid, usename, datname, application_name, state, query, "
                              "pid = pg_backend_pid(), backend_start IS NOT NULL, client_addr "
                              "FROM pg_stat_activity ORDER BY pid")
            mine = [r for r in rows if r[6]]
            self.assertEqual(len(mine), 1)
            self.assertEqual(mine[0][1:6], ("strata", "strata", "", "active", mine[0][5]))
            self.assertIn("FROM pg_stat_activity", mine[0][5])
            watcher = [r for r in rows if r[3] == "watcher"]
            self.assertEqual(len(watcher), 1)
            # psycopg2 opened a transaction block (BEGIN) before the query.
            self.assertEqual(watcher[0][4:6], ("idle in transaction", "SELECT 42"))
            self.assertTrue(watcher[0][7])
            self.assertEqual(watcher[0][8], "127.0.0.1")
        finally:
            other.close()

    def test_unanswerable_statement_is_logged_with_its_text(self):
        with self.assertRaises(psycopg2().errors.UndefinedFunction):
            self.query("SELECT pg_no_such_catalog_function(42)")
        self.conn.rollback()
        log = self.server.log()
        self.assertRegex(log, r"\[warning\].*42883.*SELECT pg_no_such_catalog_function\(42\)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
