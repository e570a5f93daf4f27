package dev.hangar.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One {@code hangar serve} per test class, in target/hangar/CLASS (kept for a
 * look after a failure): alive at the class's end, and exit status 0 on SIGTERM.
 * A failing test prints what the server logged while it ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(ServerTest.LogOnFailure.class)
abstract class ServerTest {
  protected HangarServer server;
  private long testLogOffset;

  /** Starts the class's server in {@code dir}. */
  protected abstract HangarServer startServer(Path dir) throws Exception;

  @BeforeAll
  void startHangar() throws Exception {
    Path dir = Paths.get("target", "hangar", getClass().getSimpleName()).toAbsolutePath();
    deleteRecursively(dir);
    Files.createDirectories(dir);
    server = startServer(dir);
  }

  @AfterAll
  void stopHangar() throws Exception {
    if (server == null) return;
    boolean alive = server.isAlive();
    int code = server.stop();
    assertTrue(alive, "hangar serve died during " + getClass().getSimpleName() + "; its log:\n" + server.tail());
    assertEquals(0, code, "hangar serve exited with status " + code + " on SIGTERM; its log:\n" + server.tail());
  }

  Connection connect(String properties) throws SQLException {
    return DriverManager.getConnection(server.jdbcUrl(properties), new Properties());
  }

  Connection connect() throws SQLException {
    return connect("");
  }

  /** Every row of a result set as column label to value, read with getObject; the result set is closed. */
  static List<Map<String, Object>> rows(ResultSet rs) throws SQLException {
    try (rs) {
      List<Map<String, Object>> rows = new ArrayList<>();
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnLabel(i), rs.getObject(i));
        rows.add(row);
      }
      return rows;
    }
  }

  /** The values of one column of every row. */
  static List<Object> column(List<Map<String, Object>> rows, String label) {
    List<Object> values = new ArrayList<>();
    for (Map<String, Object> row : rows) values.add(row.get(label) == null ? null : row.get(label).toString());
    return values;
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  static final class LogOnFailure implements BeforeEachCallback, TestWatcher {
    @Override
    public void beforeEach(ExtensionContext context) {
      ServerTest test = (ServerTest) context.getRequiredTestInstance();
      test.testLogOffset = test.server == null ? 0 : test.server.logSize();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      ServerTest test = (ServerTest) context.getRequiredTestInstance();
      if (test.server == null) return;
      String text = test.server.logSince(test.testLogOffset);
      if (text.length() > 20000) text = "...\n" + text.substring(text.length() - 20000);
      System.err.println("---- hangar serve log during " + context.getDisplayName() + " ----\n" + text);
    }
  }
}
