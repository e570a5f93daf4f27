package dev.hangar.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A server with --users: the driver logs in with user and password, and permissions hold. */
class AuthTest extends ServerTest {
  private static final String ADMIN_PASSWORD = "admin-secret-1";
  private static final String ALICE_PASSWORD = "alice-secret-2";

  @Override
  protected HangarServer startServer(Path dir) throws Exception {
    Path users = dir.resolve("users.json");
    HangarServer.run(dir, Map.of("PW", ADMIN_PASSWORD), "user", "add", "--users", users.toString(), "--name", "admin",
        "--password-env", "PW", "--permission", "admin:*");
    HangarServer.run(dir, Map.of("PW", ALICE_PASSWORD), "user", "add", "--users", users.toString(), "--name", "alice",
        "--password-env", "PW", "--permission", "read:default.*");
    HangarServer s = HangarServer.start(dir, new HangarServer.Access().login("admin", ADMIN_PASSWORD),
        "--users", users.toString());
    s.action("CreateTable", "{\"name\": \"people\", \"schema_json\": {\"fields\": ["
        + "{\"name\": \"id\", \"type\": \"int64\"}, {\"name\": \"name\", \"type\": \"utf8\"}]}}");
    s.action("CreateTable", "{\"name\": \"secret.codes\", \"schema_json\": {\"fields\": ["
        + "{\"name\": \"code\", \"type\": \"utf8\"}]}}");
    s.cli("sql", "INSERT INTO people VALUES (1, 'ada'), (2, 'grace')");
    s.cli("sql", "INSERT INTO secret.codes VALUES ('x')");
    return s;
  }

  private Connection login(String user, String password) throws SQLException {
    return connect("user=" + user + "&password=" + password);
  }

  @Test
  void userAndPasswordLogIn() throws Exception {
    long offset = server.logSize();
    try (Connection c = login("alice", ALICE_PASSWORD); Statement st = c.createStatement()) {
      assertEquals("Hangar", c.getMetaData().getDatabaseProductName());
      assertEquals(List.of(Map.of("n", 2L)), rows(st.executeQuery("SELECT count(*) AS n FROM people")));
    }
    assertEquals(List.of(), server.problemsSince(offset), "a clean login, query and close");
  }

  @Test
  void aWrongPasswordOrNoCredentialsAreRefused() {
    SQLException wrong = assertThrows(SQLException.class, () -> login("alice", "wrong").close());
    assertTrue(String.valueOf(wrong.getMessage()).toLowerCase().contains("unauthenticated")
        || String.valueOf(wrong.getCause()).toLowerCase().contains("unauthenticated"), String.valueOf(wrong));
    assertThrows(SQLException.class, () -> {
      try (Connection c = connect(); Statement st = c.createStatement()) {
        rows(st.executeQuery("SELECT 1"));
      }
    });
  }

  @Test
  void permissionsHoldForQueriesAndInserts() throws Exception {
    try (Connection c = login("alice", ALICE_PASSWORD); Statement st = c.createStatement()) {
      SQLException read = assertThrows(SQLException.class, () -> rows(st.executeQuery("SELECT * FROM secret.codes")));
      assertTrue(String.valueOf(read.getMessage()).contains("read permission"), read.getMessage());
      SQLException write = assertThrows(SQLException.class,
          () -> st.executeUpdate("INSERT INTO people VALUES (3, 'eve')"));
      assertTrue(String.valueOf(write.getMessage()).contains("permission"), write.getMessage());
    }
    try (Connection c = login("admin", ADMIN_PASSWORD); Statement st = c.createStatement()) {
      assertEquals(1, st.executeUpdate("INSERT INTO secret.codes VALUES ('y')"));
      assertEquals(List.of(Map.of("n", 2L)), rows(st.executeQuery("SELECT count(*) AS n FROM secret.codes")));
    }
  }

  @Test
  void metadataIsOpenToEveryAuthenticatedUser() throws Exception {
    try (Connection c = login("alice", ALICE_PASSWORD)) {
      List<Object> tables = column(rows(c.getMetaData().getTables(null, null, "%", null)), "TABLE_NAME");
      assertTrue(tables.containsAll(List.of("people", "codes")), tables.toString());
      assertEquals(List.of("id", "name"), column(rows(c.getMetaData().getColumns(null, "default", "people", "%")),
          "COLUMN_NAME"));
    }
  }
}
