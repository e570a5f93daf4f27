package dev.hangar.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server with --tls-cert/--tls-key (a self-signed certificate made for the test). */
class TlsTest extends ServerTest {
  private Path certificate;
  private Path trustStore;

  private static void exec(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
    }
  }

  @Override
  protected HangarServer startServer(Path dir) throws Exception {
    certificate = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    exec(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
        certificate.toString(), "-days", "2", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    trustStore = dir.resolve("truststore.p12");
    exec(dir, "keytool", "-importcert", "-noprompt", "-alias", "hangar", "-file", certificate.toString(),
        "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
    HangarServer s = HangarServer.start(dir, new HangarServer.Access().tls(certificate),
        "--tls-cert", certificate.toString(), "--tls-key", key.toString());
    s.action("CreateTable", "{\"name\": \"people\", \"schema_json\": {\"fields\": ["
        + "{\"name\": \"id\", \"type\": \"int64\"}, {\"name\": \"name\", \"type\": \"utf8\"}]}}");
    s.cli("sql", "INSERT INTO people VALUES (1, 'ada')");
    return s;
  }

  private static List<Map<String, Object>> count(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      return rows(st.executeQuery("SELECT count(*) AS n FROM people"));
    }
  }

  @Test
  void encryptedWithoutVerifyingTheCertificate() throws Exception {
    long offset = server.logSize();
    try (Connection c = connect("disableCertificateVerification=true")) {
      assertEquals(List.of(Map.of("n", 1L)), count(c));
      assertEquals("Hangar", c.getMetaData().getDatabaseProductName());
    }
    assertEquals(List.of(), server.problemsSince(offset));
  }

  @Test
  void encryptedAndVerifiedWithATrustStore() throws Exception {
    try (Connection c = connect("useSystemTrustStore=false&trustStore=" + trustStore + "&trustStorePassword=changeit")) {
      assertEquals(List.of(Map.of("n", 1L)), count(c));
    }
  }

  @Test
  void plaintextToATlsServerFails() {
    assertThrows(SQLException.class, () -> {
      try (Connection c = DriverManager.getConnection(
          "jdbc:arrow-flight-sql://127.0.0.1:" + server.port() + "/?useEncryption=false")) {
        count(c);
      }
    });
  }
}
