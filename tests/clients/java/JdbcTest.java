// pgjdbc (Debian's libpostgresql-jdbc-java 42.5) against strata-server.
// Usage: java -cp <dir>:/usr/share/java/postgresql.jar JdbcTest <port>
// Exits non-zero with the failed check when a returned value is wrong.
import java.math.BigDecimal;
import java.sql.*;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.*;

public class JdbcTest {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError("check failed: " + what);
  }

  static void eq(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) {
      throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
    }
  }

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/strata";
    Properties props = new Properties();
    props.setProperty("user", "strata");
    try (Connection c = DriverManager.getConnection(url, props)) {
      DatabaseMetaData md = c.getMetaData();
      check(md.getDatabaseProductName().equals("PostgreSQL"), "product name");
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS jdbc_t");
        s.execute("CREATE TABLE jdbc_t (id int PRIMARY KEY, name varchar(30) NOT NULL, price numeric(10,2), "
                  + "big bigint, ok boolean, d date, at timestamptz, ratio double precision)");
        s.execute("DROP TABLE IF EXISTS jdbc_batch");
        s.execute("CREATE TABLE jdbc_batch (k int, v text, PRIMARY KEY (k))");
        // Key order differs from column order, so KEY_SEQ is checked for real.
        s.execute("DROP TABLE IF EXISTS jdbc_pk2");
        s.execute("CREATE TABLE jdbc_pk2 (a int, b text, c bigint, d date, PRIMARY KEY (d, a, c))");
      }

      // PreparedStatement with several types; executed often enough that the
      // driver switches to a server-side prepared statement (prepareThreshold 5).
      OffsetDateTime at = OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 123_000_000, ZoneOffset.UTC);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_t VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int i = 1; i <= 8; i++) {
          ps.setInt(1, i);
          ps.setString(2, "name" + i);
          ps.setBigDecimal(3, new BigDecimal(i + ".25"));
          ps.setLong(4, 10_000_000_000L + i);
          ps.setBoolean(5, i % 2 == 0);
          ps.setObject(6, LocalDate.of(2024, 1, i));
          ps.setObject(7, at.plusSeconds(i));
          if (i == 8) ps.setNull(8, Types.DOUBLE); else ps.setDouble(8, i / 4.0);
          eq(1, ps.executeUpdate(), "insert count");
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
               "SELECT id, name, price, big, ok, d, at, ratio FROM jdbc_t WHERE id = ? AND name LIKE ?")) {
        for (int round = 0; round < 7; round++) {
          int id = 1 + round;
          ps.setInt(1, id);
          ps.setString(2, "name%");
          try (ResultSet rs = ps.executeQuery()) {
            check(rs.next(), "row " + id);
            eq(id, rs.getInt(1), "id");
            eq("name" + id, rs.getString(2), "name");
            eq(new BigDecimal(id + ".25"), rs.getBigDecimal(3), "price");
            eq(10_000_000_000L + id, rs.getLong(4), "big");
            eq(id % 2 == 0, rs.getBoolean(5), "ok");
            eq(LocalDate.of(2024, 1, id), rs.getObject(6, LocalDate.class), "date");
            eq(at.plusSeconds(id).toInstant(), rs.getObject(7, OffsetDateTime.class).toInstant(), "timestamptz");
            eq(id / 4.0, rs.getDouble(8), "double");
            check(!rs.next(), "one row");
          }
        }
        ps.setInt(1, 8);
        ps.setString(2, "%");
        try (ResultSet rs = ps.executeQuery()) {
          check(rs.next(), "row 8");
          rs.getDouble(8);
          check(rs.wasNull(), "NULL double");
        }
      }

      // ResultSetMetaData.
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name, price, at FROM jdbc_t WHERE id = 1");
           ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData m = rs.getMetaData();
        eq(4, m.getColumnCount(), "column count");
        eq("id", m.getColumnName(1), "name 1");
        eq(Types.INTEGER, m.getColumnType(1), "type 1");
        eq("int4", m.getColumnTypeName(1), "type name 1");
        eq(Types.VARCHAR, m.getColumnType(2), "type 2");
        eq(30, m.getPrecision(2), "varchar length");
        eq(Types.NUMERIC, m.getColumnType(3), "type 3");
        eq(10, m.getPrecision(3), "numeric precision");
        eq(2, m.getScale(3), "numeric scale");
        eq(Types.TIMESTAMP, m.getColumnType(4), "type 4");
        eq("timestamptz", m.getColumnTypeName(4), "type name 4");
        eq("jdbc_t", m.getTableName(1), "table name");
        eq(ResultSetMetaData.columnNoNulls, m.isNullable(2), "name not null");
        eq(ResultSetMetaData.columnNullable, m.isNullable(3), "price nullable");
      }

      // Batches, without and with reWriteBatchedInserts.
      runBatch(c, 0);
      Properties rewrite = new Properties();
      rewrite.setProperty("user", "strata");
      rewrite.setProperty("reWriteBatchedInserts", "true");
      try (Connection c2 = DriverManager.getConnection(url, rewrite)) {
        runBatch(c2, 1000);
      }
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*), sum(k) FROM jdbc_batch")) {
        rs.next();
        eq(200L, rs.getLong(1), "batch rows");
        eq((long) (99 * 100 / 2 + 100 + 99 * 100 / 2 + 100 + 1000 * 100), rs.getLong(2), "batch key sum");
      }

      // Transactions through the driver.
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE jdbc_t SET name = 'changed' WHERE id = 1");
      }
      c.rollback();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM jdbc_t WHERE id = 1")) {
        rs.next();
        eq("name1", rs.getString(1), "rolled back");
      }

      // Errors carry the SQLSTATE.
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT * FROM jdbc_missing");
        throw new AssertionError("expected an error");
      } catch (SQLException e) {
        eq("42P01", e.getSQLState(), "sqlstate");
      }

      // DatabaseMetaData.
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = md.getTables(null, "public", "jdbc_%", new String[] {"TABLE"})) {
        while (rs.next()) {
          eq("public", rs.getString("TABLE_SCHEM"), "table schema");
          eq("TABLE", rs.getString("TABLE_TYPE"), "table type");
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
      eq(Arrays.asList("jdbc_batch", "jdbc_pk2", "jdbc_t"), tables, "getTables");
      List<String> columns = new ArrayList<>();
      try (ResultSet rs = md.getColumns(null, "public", "jdbc_t", null)) {
        while (rs.next()) {
          columns.add(rs.getInt("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME") + ":"
                      + rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE") + ":"
                      + rs.getInt("COLUMN_SIZE") + ":" + rs.getString("IS_NULLABLE"));
        }
      }
      eq(Arrays.asList("1:id:int4:4:10:NO", "2:name:varchar:12:30:NO", "3:price:numeric:2:10:YES",
                       "4:big:int8:-5:19:YES", "5:ok:bool:-7:1:YES", "6:d:date:91:13:YES",
                       "7:at:timestamptz:93:35:YES", "8:ratio:float8:8:17:YES"),
         columns, "getColumns");

      // getPrimaryKeys: pgjdbc's query expands pg_index.indkey with
      // information_schema._pg_expandarray and selects fields of its records.
      // The expected rows are what PostgreSQL 15 returns for the same tables.
      eq(Arrays.asList("public.jdbc_t.id:1:jdbc_t_pkey"), primaryKeys(md, "jdbc_t"), "getPrimaryKeys single");
      eq(Arrays.asList("public.jdbc_pk2.d:1:jdbc_pk2_pkey", "public.jdbc_pk2.a:2:jdbc_pk2_pkey",
                       "public.jdbc_pk2.c:3:jdbc_pk2_pkey"),
         primaryKeys(md, "jdbc_pk2"), "getPrimaryKeys composite");
      eq(Arrays.asList(), primaryKeys(md, "jdbc_missing"), "getPrimaryKeys of a missing table");

      // getIndexInfo: the primary key's index, one row per key column.
      List<String> index = new ArrayList<>();
      try (ResultSet rs = md.getIndexInfo(null, "public", "jdbc_pk2", false, false)) {
        while (rs.next()) {
          index.add(rs.getString("INDEX_NAME") + ":" + rs.getBoolean("NON_UNIQUE") + ":"
                    + rs.getShort("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME") + ":"
                    + rs.getString("ASC_OR_DESC"));
        }
      }
      eq(Arrays.asList("jdbc_pk2_pkey:false:1:d:A", "jdbc_pk2_pkey:false:2:a:A", "jdbc_pk2_pkey:false:3:c:A"), index,
         "getIndexInfo");
      // Strata has no foreign keys: the driver's queries (which read the
      // max_index_keys setting first) succeed with no rows, as on PostgreSQL
      // for tables without them.
      try (ResultSet rs = md.getImportedKeys(null, "public", "jdbc_pk2")) {
        check(!rs.next(), "getImportedKeys has no rows");
      }
      try (ResultSet rs = md.getExportedKeys(null, "public", "jdbc_t")) {
        check(!rs.next(), "getExportedKeys has no rows");
      }
    }
    System.out.println("pgjdbc: all checks passed");
  }

  // One "schema.table.column:key_seq:pk_name" per row, in the driver's order
  // (by KEY_SEQ); TABLE_CAT must be NULL as on PostgreSQL.
  static List<String> primaryKeys(DatabaseMetaData md, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = md.getPrimaryKeys(null, "public", table)) {
      while (rs.next()) {
        eq(null, rs.getString("TABLE_CAT"), "TABLE_CAT");
        out.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME")
                + ":" + rs.getShort("KEY_SEQ") + ":" + rs.getString("PK_NAME"));
      }
    }
    return out;
  }

  static void runBatch(Connection c, int base) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_batch (k, v) VALUES (?, ?)")) {
      for (int i = 1; i <= 100; i++) {
        ps.setInt(1, base + i);
        ps.setString(2, "v" + i);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      int total = 0;
      for (int n : counts) total += (n == Statement.SUCCESS_NO_INFO ? 0 : n);
      // Rewritten batches report SUCCESS_NO_INFO per statement.
      check(counts.length == 100, "batch result count");
      check(total == 100 || total == 0, "batch update counts " + total);
    }
  }
}
