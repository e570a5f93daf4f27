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

/**
 * Connection-level state: a catalog named in the URL becomes a session option
 * (SetSessionOptions on connect, CloseSession on close). Hangar has no
 * catalogs: the only one is "", and naming another fails the connect with the
 * server's answer rather than being ignored.
 */
class SessionTest extends ServerTest {
  @Override
  protected HangarServer startServer(Path dir) throws Exception {
    return HangarServer.start(dir, new HangarServer.Access());
  }

  @Test
  void theEmptyCatalogInTheUrlIsASessionOption() throws Exception {
    long offset = server.logSize();
    Connection c = connect("catalog=");
    try (Statement st = c.createStatement()) {
      assertEquals(List.of(Map.of("one", 1)), rows(st.executeQuery("SELECT 1 AS one")));
    }
    // Driver 18.3.0 shuts its channel down while its CloseSession call waits
    // for the answer the server has already sent, and reports that as the
    // close's failure: its own error, tolerated here by its exact words.
    try {
      c.close();
    } catch (SQLException e) {
      assertTrue(String.valueOf(e.getMessage()).contains("Channel shutdown invoked"), e.getMessage());
    }
    String log = server.logSince(offset);
    assertTrue(log.contains("action:SetSessionOptions status=OK"), log);
    assertTrue(log.contains("action:CloseSession status=OK"), log);
    assertEquals(List.of(), server.problemsSince(offset));
  }

  @Test
  void aCatalogHangarDoesNotHaveFailsTheConnect() {
    SQLException e = assertThrows(SQLException.class, () -> connect("catalog=warehouse").close());
    assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("catalog"), e.getMessage());
  }
}
