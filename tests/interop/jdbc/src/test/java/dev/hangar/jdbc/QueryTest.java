package dev.hangar.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Queries, prepared statements with parameters, and INSERTs through the driver. */
class QueryTest extends ServerTest {
  /** A column of each kind of type a Hangar table stores and SQL reads. */
  private static final String KINDS_SCHEMA = "{\"fields\": ["
      + "{\"name\": \"id\", \"type\": \"int64\", \"nullable\": false}, {\"name\": \"b\", \"type\": \"bool\"}, "
      + "{\"name\": \"i8\", \"type\": \"int8\"}, {\"name\": \"i16\", \"type\": \"int16\"}, "
      + "{\"name\": \"i32\", \"type\": \"int32\"}, {\"name\": \"u8\", \"type\": \"uint8\"}, "
      + "{\"name\": \"u16\", \"type\": \"uint16\"}, {\"name\": \"u32\", \"type\": \"uint32\"}, "
      + "{\"name\": \"u64\", \"type\": \"uint64\"}, {\"name\": \"f32\", \"type\": \"float32\"}, "
      + "{\"name\": \"f64\", \"type\": \"float64\"}, {\"name\": \"dec\", \"type\": \"decimal128(10, 2)\"}, "
      + "{\"name\": \"s\", \"type\": \"utf8\"}, {\"name\": \"bin\", \"type\": \"binary\"}, "
      + "{\"name\": \"d\", \"type\": \"date32\"}, {\"name\": \"t\", \"type\": \"time64[us]\"}, "
      + "{\"name\": \"ts\", \"type\": \"timestamp[us]\"}, {\"name\": \"tstz\", \"type\": \"timestamp[us, UTC]\"}, "
      + "{\"name\": \"l\", \"type\": \"list<int32>\"}, {\"name\": \"st\", \"type\": \"struct<a: int32, b: utf8>\"}, "
      + "{\"name\": \"m\", \"type\": \"map<utf8, int64>\"}]}";

  private static final String KINDS_ROWS = "INSERT INTO kinds SELECT 1, true, -8, -16, -32, 8, 16, 32, 64, 1.5, 2.25, "
      + "12.34, 'héllo', '\\xCA\\xFE'::BLOB, DATE '2024-02-29', TIME '12:34:56.789', "
      + "TIMESTAMP '2024-02-29 12:34:56.789', TIMESTAMPTZ '2024-02-29 12:34:56.789+00', [1, 2, 3], "
      + "{'a': 7, 'b': 'x'}, MAP {'k': 42} "
      + "UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      + "NULL, NULL, NULL, NULL, NULL, NULL";

  @Override
  protected HangarServer startServer(Path dir) throws Exception {
    HangarServer s = HangarServer.start(dir, new HangarServer.Access());
    s.action("CreateTable", "{\"name\": \"kinds\", \"schema_json\": " + KINDS_SCHEMA + "}");
    s.action("CreateTable", "{\"name\": \"people\", \"schema_json\": {\"fields\": ["
        + "{\"name\": \"id\", \"type\": \"int64\", \"nullable\": false}, {\"name\": \"name\", \"type\": \"utf8\"}]}}");
    try (Connection c = DriverManagerHolder.connect(s); Statement st = c.createStatement()) {
      assertEquals(2, st.executeUpdate(KINDS_ROWS));
    }
    return s;
  }

  /** Opens a connection before the test class's server field is set. */
  private static final class DriverManagerHolder {
    static Connection connect(HangarServer s) throws SQLException {
      return java.sql.DriverManager.getConnection(s.jdbcUrl(""));
    }
  }

  @Test
  void everyStoredTypeReadsBackThroughTheGetters() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM kinds ORDER BY id")) {
      assertTrue(rs.next());
      assertEquals(1L, rs.getLong("id"));
      assertTrue(rs.getBoolean("b"));
      assertEquals((byte) -8, rs.getByte("i8"));
      assertEquals((short) -16, rs.getShort("i16"));
      assertEquals(-32, rs.getInt("i32"));
      assertEquals(8, rs.getInt("u8"));
      assertEquals(16, rs.getInt("u16"));
      assertEquals(32L, rs.getLong("u32"));
      assertEquals(64L, rs.getLong("u64"));
      assertEquals(1.5f, rs.getFloat("f32"));
      assertEquals(2.25, rs.getDouble("f64"));
      assertEquals(new BigDecimal("12.34"), rs.getBigDecimal("dec"));
      assertEquals("héllo", rs.getString("s"));
      assertArrayEquals(new byte[] {(byte) 0xCA, (byte) 0xFE}, rs.getBytes("bin"));
      assertEquals(LocalDate.of(2024, 2, 29), rs.getDate("d").toLocalDate());
      assertEquals(LocalTime.of(12, 34, 56), rs.getTime("t").toLocalTime());
      assertEquals(LocalDateTime.of(2024, 2, 29, 12, 34, 56, 789_000_000), rs.getTimestamp("ts").toLocalDateTime());
      assertEquals(Instant.parse("2024-02-29T12:34:56.789Z"), rs.getTimestamp("tstz").toInstant());
      Array list = rs.getArray("l");
      assertEquals(List.of(1, 2, 3), Arrays.asList((Object[]) list.getArray()));
      Map<?, ?> struct = (Map<?, ?>) rs.getObject("st");
      assertEquals(7, struct.get("a"));
      assertEquals("x", String.valueOf(struct.get("b")));
      Map<?, ?> map = (Map<?, ?>) rs.getObject("m");
      assertEquals(1, map.size(), map.toString());
      assertEquals("42", String.valueOf(map.values().iterator().next()));

      assertTrue(rs.next());
      assertEquals(2L, rs.getLong("id"));
      for (String col : List.of("b", "i8", "i16", "i32", "u8", "u16", "u32", "u64", "f32", "f64", "dec", "s", "bin",
          "d", "t", "ts", "tstz", "l", "st", "m")) {
        assertNull(rs.getObject(col), col);
        assertTrue(rs.wasNull(), col);
      }
      assertEquals(0, rs.getInt("i32"));
      assertTrue(rs.wasNull());
      assertFalse(rs.next());
    }
  }

  @Test
  void resultSetMetaDataNamesAndTypesTheColumns() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, s, dec, d, tstz, 1 + 1 AS two FROM kinds")) {
      ResultSetMetaData md = rs.getMetaData();
      assertEquals(6, md.getColumnCount());
      assertEquals(List.of("id", "s", "dec", "d", "tstz", "two"),
          List.of(md.getColumnName(1), md.getColumnName(2), md.getColumnName(3), md.getColumnName(4),
              md.getColumnName(5), md.getColumnLabel(6)));
      assertEquals(Types.BIGINT, md.getColumnType(1));
      assertEquals(Types.VARCHAR, md.getColumnType(2));
      assertEquals(Types.DECIMAL, md.getColumnType(3));
      assertEquals(Types.DATE, md.getColumnType(4));
      assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, md.getColumnType(5));
      assertEquals(Types.INTEGER, md.getColumnType(6));
    }
  }

  @Test
  void resultSetMetaDataNamesTheTableOfEachColumn() throws Exception {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT id, s FROM kinds")) {
      ResultSetMetaData md = ps.getMetaData();
      assertEquals("kinds", md.getTableName(1));
      assertEquals("default", md.getSchemaName(1));
      assertEquals("BIGINT", md.getColumnTypeName(1));
      assertEquals("VARCHAR", md.getColumnTypeName(2));
      assertTrue(md.isSearchable(2));
    }
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT dec FROM kinds")) {
      assertEquals(10, ps.getMetaData().getPrecision(1));
      assertEquals(2, ps.getMetaData().getScale(1));
    }
  }

  @Test
  void preparedQueriesTakeParametersAndRunAgain() throws Exception {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement("SELECT id, s FROM kinds WHERE id >= ? AND s <> ? ORDER BY id")) {
      assertEquals(2, ps.getParameterMetaData().getParameterCount());
      ps.setLong(1, 0);
      ps.setString(2, "nope");
      assertEquals(List.of(Map.of("id", 1L, "s", "héllo")), rows(ps.executeQuery()));
      ps.setLong(1, 2);
      ps.setString(2, "nope");
      assertEquals(List.of(), rows(ps.executeQuery()), "row 2's s is NULL");
      ps.setLong(1, 1);
      ps.setString(2, "héllo");
      assertEquals(List.of(), rows(ps.executeQuery()));
    }
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) AS n FROM kinds WHERE d = ? OR dec > ?")) {
      ps.setDate(1, java.sql.Date.valueOf(LocalDate.of(2024, 2, 29)));
      ps.setBigDecimal(2, new BigDecimal("100.00"));
      assertEquals(List.of(Map.of("n", 1L)), rows(ps.executeQuery()));
    }
  }

  @Test
  void insertsThroughExecuteUpdate() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      assertEquals(5, st.executeUpdate("INSERT INTO people SELECT range, 'n' || range FROM range(10, 15)"));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO people VALUES (20, 'ada'), (21, NULL)")) {
        assertEquals(2, ps.executeUpdate());
      }
      List<Map<String, Object>> rows = rows(st.executeQuery("SELECT id, name FROM people WHERE id >= 20 ORDER BY id"));
      assertEquals(List.of("20", "21"), column(rows, "id"));
      assertEquals(Arrays.asList("ada", null), column(rows, "name"));
      assertEquals(List.of(Map.of("n", 5L)),
          rows(st.executeQuery("SELECT count(*) AS n FROM people WHERE id BETWEEN 10 AND 14")));
    }
  }

  @Test
  void preparedInsertsTakeParameters() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO people VALUES (?, ?)")) {
        ps.setLong(1, 100);
        ps.setString(2, "ada");
        assertEquals(1, ps.executeUpdate());
        ps.setLong(1, 101);
        ps.setNull(2, Types.VARCHAR);
        assertEquals(1, ps.executeUpdate());
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO people (name, id) SELECT ?, ?")) {
        ps.setString(1, "grace");
        ps.setLong(2, 102);
        assertEquals(1, ps.executeUpdate());
      }
      List<Map<String, Object>> rows = rows(st.executeQuery("SELECT id, name FROM people WHERE id BETWEEN 100 AND 102 ORDER BY id"));
      assertEquals(List.of("100", "101", "102"), column(rows, "id"));
      assertEquals(Arrays.asList("ada", null, "grace"), column(rows, "name"));
    }
  }

  @Test
  void executeTellsQueriesFromUpdates() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      assertTrue(st.execute("SELECT 42 AS answer"));
      assertEquals(List.of(Map.of("answer", 42)), rows(st.getResultSet()));
      assertFalse(st.execute("INSERT INTO people VALUES (200, 'x'), (201, 'y')"));
      assertEquals(2, st.getUpdateCount());
    }
  }

  @Test
  void sqlErrorsComeBackAsSqlExceptionsWithTheServersMessage() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      SQLException e = assertThrows(SQLException.class, () -> rows(st.executeQuery("SELECT * FROM missing")));
      assertTrue(String.valueOf(e.getMessage()).contains("missing"), e.getMessage());
      SQLException typo = assertThrows(SQLException.class, () -> st.executeQuery("SELEC 1"));
      assertTrue(String.valueOf(typo.getMessage()).toLowerCase().contains("syntax"), typo.getMessage());
      // The connection still works.
      assertEquals(List.of(Map.of("one", 1)), rows(st.executeQuery("SELECT 1 AS one")));
    }
  }

  @Test
  void cancelStopsALongQuery() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      ResultSet rs = st.executeQuery(
          "SELECT a.range * b.range AS x FROM range(100000) a, range(100000) b");
      assertTrue(rs.next());
      Thread canceller = new Thread(() -> {
        try {
          Thread.sleep(200);
          st.cancel();
        } catch (Exception ignored) {
          // the assertion below tells
        }
      });
      canceller.start();
      // The 18.3.0 driver frees the batch under a reader it cancels, so what
      // the loop throws is its own; what matters is that it stops.
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        assertThrows(Exception.class, () -> {
          while (rs.next()) {
            rs.getLong(1);
          }
        });
      });
      canceller.join();
    }
    try (Connection c = connect(); Statement st = c.createStatement()) {
      assertEquals(List.of(Map.of("one", 1)), rows(st.executeQuery("SELECT 1 AS one")), "the server still answers");
    }
  }
}
