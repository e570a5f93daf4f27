package dev.hangar.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.RowIdLifetime;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * DatabaseMetaData as BI tools use it: every method answers, the values that
 * describe Hangar are right, and schemas, tables, columns, keys and types can
 * be browsed the way DBeaver browses them.
 */
class MetadataTest extends ServerTest {
  @Override
  protected HangarServer startServer(Path dir) throws Exception {
    HangarServer s = HangarServer.start(dir, new HangarServer.Access(), "--dev-kafka");
    s.action("CreateTable", "{\"name\": \"users\", \"primary_key\": [\"id\"], \"schema_json\": {\"fields\": ["
        + "{\"name\": \"id\", \"type\": \"int64\", \"nullable\": false}, {\"name\": \"name\", \"type\": \"utf8\"}]}}");
    s.action("CreateTable", "{\"name\": \"sales.orders\", \"primary_key\": [\"region\", \"id\"], \"schema_json\": "
        + "{\"fields\": [{\"name\": \"region\", \"type\": \"utf8\", \"nullable\": false}, "
        + "{\"name\": \"id\", \"type\": \"int32\", \"nullable\": false}, {\"name\": \"amount\", \"type\": \"decimal128(10, 2)\"}, "
        + "{\"name\": \"placed\", \"type\": \"timestamp[us, UTC]\"}]}}");
    s.action("CreateTable", "{\"name\": \"sales.notes\", \"schema_json\": {\"fields\": [{\"name\": \"text\", \"type\": \"utf8\"}]}}");
    return s;
  }

  /** Arguments a tool would pass, by parameter type; ints chosen per method where the int is an enum. */
  private static Object[] typicalArguments(Method m) {
    Class<?>[] types = m.getParameterTypes();
    Object[] args = new Object[types.length];
    int ints = 0;
    for (int i = 0; i < types.length; i++) {
      Class<?> t = types[i];
      if (t == String.class) {
        args[i] = i == 0 ? null : "%";  // no catalog, any schema, table, column, ...
      } else if (t == String[].class) {
        args[i] = null;
      } else if (t == int[].class) {
        args[i] = null;
      } else if (t == boolean.class) {
        args[i] = false;
      } else if (t == int.class) {
        args[i] = typicalInt(m.getName(), ints++);
      } else if (t == Class.class) {
        args[i] = DatabaseMetaData.class;
      } else {
        throw new IllegalArgumentException("no typical argument for " + m);
      }
    }
    // Methods whose first String is not a catalog but a name.
    if (m.getName().equals("getCrossReference")) args = new Object[] {null, "default", "users", null, "default", "users"};
    if (m.getName().matches("get(Primary|Imported|Exported)Keys|getBestRowIdentifier|getVersionColumns|getIndexInfo"
        + "|getTablePrivileges|getColumnPrivileges")) {
      args[1] = "default";
      args[2] = "users";
    }
    return args;
  }

  private static int typicalInt(String method, int index) {
    if (method.equals("supportsConvert")) return index == 0 ? Types.INTEGER : Types.VARCHAR;
    if (method.equals("supportsTransactionIsolationLevel")) return Connection.TRANSACTION_NONE;
    if (method.equals("supportsResultSetHoldability")) return ResultSet.CLOSE_CURSORS_AT_COMMIT;
    if (method.equals("getBestRowIdentifier")) return DatabaseMetaData.bestRowSession;
    if (method.equals("supportsResultSetConcurrency") && index == 1) return ResultSet.CONCUR_READ_ONLY;
    return ResultSet.TYPE_FORWARD_ONLY;  // supportsResultSetType, ...AreVisible, ...AreDetected
  }

  /**
   * Methods the 18.3.0 driver itself leaves unimplemented (Avatica's "todo:
   * implement this method"), whatever the server says.
   */
  private static final java.util.Set<String> DRIVER_STUBS = java.util.Set.of("deletesAreDetected", "insertsAreDetected",
      "updatesAreDetected", "othersDeletesAreVisible", "othersInsertsAreVisible", "othersUpdatesAreVisible",
      "ownDeletesAreVisible", "ownInsertsAreVisible", "ownUpdatesAreVisible", "supportsResultSetHoldability");

  @Test
  void everyDatabaseMetaDataMethodAnswers() throws Exception {
    long offset = server.logSize();
    Map<String, String> failures = new TreeMap<>();
    int called = 0;
    try (Connection c = connect()) {
      DatabaseMetaData md = c.getMetaData();
      for (Method m : DatabaseMetaData.class.getMethods()) {
        if (Modifier.isStatic(m.getModifiers()) || m.getName().equals("unwrap")) continue;
        if (DRIVER_STUBS.contains(m.getName())) continue;
        String name = m.getName() + Arrays.toString(m.getParameterTypes());
        try {
          Object result = m.invoke(md, typicalArguments(m));
          called++;
          if (result instanceof ResultSet) {
            try (ResultSet rs = (ResultSet) result) {
              rows(rs);  // every value of every row read
            }
          }
        } catch (InvocationTargetException e) {
          Throwable cause = e.getCause();
          failures.put(name, cause.getClass().getName() + ": " + cause.getMessage());
        }
      }
    }
    assertEquals(Map.of(), failures, "DatabaseMetaData methods that threw");
    assertTrue(called > 160, "only " + called + " methods called");
    assertEquals(List.of(), server.problemsSince(offset), "calls that failed on the server");
  }

  @Test
  void theValuesThatDescribeHangar() throws Exception {
    try (Connection c = connect()) {
      DatabaseMetaData md = c.getMetaData();
      assertEquals("Hangar", md.getDatabaseProductName());
      assertFalse(md.getDatabaseProductVersion().isEmpty());
      assertEquals("\"", md.getIdentifierQuoteString());
      assertEquals("\\", md.getSearchStringEscape());
      assertEquals("schema", md.getSchemaTerm());
      assertEquals("", md.getCatalogTerm());
      assertFalse(md.isReadOnly());
      // Limits: names are at most 255 characters; 0 is "no limit or unknown".
      assertEquals(255, md.getMaxTableNameLength());
      assertEquals(255, md.getMaxSchemaNameLength());
      assertEquals(0, md.getMaxUserNameLength());
      assertEquals(0, md.getMaxStatements());
      assertEquals(0, md.getMaxColumnNameLength());
      assertEquals(0, md.getMaxConnections());
      // No transactions: every statement commits on its own.
      assertFalse(md.supportsTransactions());
      assertEquals(Connection.TRANSACTION_NONE, md.getDefaultTransactionIsolation());
      assertTrue(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_NONE));
      assertFalse(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_SERIALIZABLE));
      assertFalse(md.supportsSavepoints());
      assertFalse(md.supportsBatchUpdates());
      assertFalse(md.dataDefinitionCausesTransactionCommit());
      // Results are read once, forward.
      assertTrue(md.supportsResultSetType(ResultSet.TYPE_FORWARD_ONLY));
      assertFalse(md.supportsResultSetType(ResultSet.TYPE_SCROLL_INSENSITIVE));
      assertFalse(md.supportsResultSetType(ResultSet.TYPE_SCROLL_SENSITIVE));
      // DuckDB's SQL.
      assertTrue(md.supportsFullOuterJoins());
      assertTrue(md.supportsOuterJoins());
      assertTrue(md.supportsLimitedOuterJoins());
      assertTrue(md.supportsUnion());
      assertTrue(md.supportsUnionAll());
      assertTrue(md.supportsCorrelatedSubqueries());
      assertTrue(md.supportsSubqueriesInExists());
      assertTrue(md.supportsSubqueriesInIns());
      assertTrue(md.supportsGroupBy());
      assertTrue(md.supportsGroupByUnrelated());
      assertTrue(md.supportsLikeEscapeClause());
      assertTrue(md.supportsColumnAliasing());
      assertTrue(md.supportsExpressionsInOrderBy());
      assertTrue(md.supportsANSI92FullSQL());
      assertTrue(md.nullPlusNonNullIsNull());
      assertTrue(md.nullsAreSortedAtEnd());
      assertFalse(md.supportsSelectForUpdate());
      assertFalse(md.supportsStoredProcedures());
      assertTrue(md.getSQLKeywords().toUpperCase().contains("PIVOT"), md.getSQLKeywords());
      assertTrue(Arrays.asList(md.getNumericFunctions().split(", ")).contains("ABS"), md.getNumericFunctions());
      assertTrue(Arrays.asList(md.getStringFunctions().split(", ")).contains("UPPER"), md.getStringFunctions());
      assertTrue(Arrays.asList(md.getTimeDateFunctions().split(", ")).contains("YEAR"), md.getTimeDateFunctions());
      assertTrue(Arrays.asList(md.getSystemFunctions().split(", ")).contains("IFNULL"), md.getSystemFunctions());
      assertTrue(md.supportsConvert());
      assertTrue(md.supportsConvert(Types.INTEGER, Types.VARCHAR));
      assertTrue(md.supportsConvert(Types.VARCHAR, Types.DATE));
      assertTrue(md.supportsConvert(Types.DATE, Types.TIMESTAMP));
      assertFalse(md.supportsConvert(Types.DATE, Types.INTEGER));
      assertEquals(RowIdLifetime.ROWID_UNSUPPORTED, md.getRowIdLifetime());
    }
  }

  @Test
  void browsingSchemasTablesColumnsAndKeysAsDbeaverDoes() throws Exception {
    try (Connection c = connect()) {
      DatabaseMetaData md = c.getMetaData();
      assertEquals(List.of(), rows(md.getCatalogs()), "Hangar has no catalogs");

      List<Map<String, Object>> schemas = rows(md.getSchemas());
      assertEquals(List.of("default", "kafka", "sales"), column(schemas, "TABLE_SCHEM"));
      assertEquals(Arrays.asList(null, null, null), column(schemas, "TABLE_CATALOG"));
      assertEquals(List.of("sales"), column(rows(md.getSchemas(null, "sa%")), "TABLE_SCHEM"));
      assertEquals(List.of("default"), column(rows(md.getSchemas(null, "d_fault")), "TABLE_SCHEM"));

      assertEquals(List.of("TABLE", "TOPIC"), column(rows(md.getTableTypes()), "TABLE_TYPE"));

      List<Map<String, Object>> all = rows(md.getTables(null, null, "%", null));
      List<Object> names = new ArrayList<>();
      for (Map<String, Object> t : all) names.add(t.get("TABLE_SCHEM") + "." + t.get("TABLE_NAME") + ":" + t.get("TABLE_TYPE"));
      assertTrue(names.containsAll(List.of("default.users:TABLE", "sales.notes:TABLE", "sales.orders:TABLE",
          "kafka.orders:TOPIC")), names.toString());
      assertEquals(List.of("orders"),
          column(rows(md.getTables(null, "sales", "ord%", new String[] {"TABLE", "VIEW"})), "TABLE_NAME"));
      assertEquals(List.of("kafka"),
          column(rows(md.getTables(null, null, "orders", new String[] {"TOPIC"})), "TABLE_SCHEM"));
      assertEquals(List.of(), rows(md.getTables("somecatalog", null, "%", null)), "a catalog matches nothing");

      // Columns from the tables' Arrow schemas (GetTables with include_schema).
      List<Map<String, Object>> columns = rows(md.getColumns(null, "sales", "orders", "%"));
      assertEquals(List.of("region", "id", "amount", "placed"), column(columns, "COLUMN_NAME"));
      assertEquals(List.of("1", "2", "3", "4"), column(columns, "ORDINAL_POSITION"));
      assertEquals(List.of(String.valueOf(Types.VARCHAR), String.valueOf(Types.INTEGER), String.valueOf(Types.DECIMAL),
          String.valueOf(Types.TIMESTAMP_WITH_TIMEZONE)), column(columns, "DATA_TYPE"));
      assertEquals(List.of("NO", "NO", "YES", "YES"), column(columns, "IS_NULLABLE"));
      assertEquals("10", columns.get(2).get("COLUMN_SIZE").toString());
      assertEquals("2", columns.get(2).get("DECIMAL_DIGITS").toString());
      assertEquals(List.of("name"), column(rows(md.getColumns(null, "default", "users", "na%")), "COLUMN_NAME"));
      List<Map<String, Object>> topic = rows(md.getColumns(null, "kafka", "orders", "%"));
      assertFalse(topic.isEmpty(), "a topic's columns");

      // Keys: the primary key's columns in key order; no foreign keys.
      List<Map<String, Object>> keys = rows(md.getPrimaryKeys(null, "sales", "orders"));
      assertEquals(List.of("region", "id"), column(keys, "COLUMN_NAME"));
      assertEquals(List.of("1", "2"), column(keys, "KEY_SEQ"));
      assertEquals(List.of("sales", "sales"), column(keys, "TABLE_SCHEM"));
      assertEquals(List.of("orders", "orders"), column(keys, "TABLE_NAME"));
      assertEquals(List.of("id"), column(rows(md.getPrimaryKeys(null, "default", "users")), "COLUMN_NAME"));
      assertEquals(List.of(), rows(md.getPrimaryKeys(null, "sales", "notes")), "a table without a key");
      assertEquals(List.of(), rows(md.getPrimaryKeys(null, "kafka", "orders")), "topics have no keys");
      assertEquals(List.of(), rows(md.getImportedKeys(null, "sales", "orders")));
      assertEquals(List.of(), rows(md.getExportedKeys(null, "sales", "orders")));
      assertEquals(List.of(), rows(md.getCrossReference(null, "sales", "orders", null, "default", "users")));
    }
  }

  @Test
  void typeInfoAnswers() throws Exception {
    // The 18.3.0 driver answers getTypeInfo itself (Avatica's empty result)
    // without asking the server's GetXdbcTypeInfo; the unit tests check that.
    try (Connection c = connect()) {
      List<Map<String, Object>> types = rows(c.getMetaData().getTypeInfo());
      List<Integer> dataTypes = new ArrayList<>();
      for (Map<String, Object> t : types) dataTypes.add(((Number) t.get("DATA_TYPE")).intValue());
      List<Integer> sorted = new ArrayList<>(dataTypes);
      sorted.sort(null);
      assertEquals(sorted, dataTypes, "ordered by DATA_TYPE");
    }
  }

  @Test
  void aCleanConnectAndCloseLeavesNoErrorOnTheServer() throws Exception {
    long offset = server.logSize();
    for (int i = 0; i < 3; i++) {
      try (Connection c = connect()) {
        assertTrue(c.isValid(5));
        c.getMetaData().getDatabaseProductName();
      }
    }
    assertEquals(List.of(), server.problemsSince(offset));
  }
}
