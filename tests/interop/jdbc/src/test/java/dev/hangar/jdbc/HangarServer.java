package dev.hangar.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real {@code hangar serve} on a free loopback port with a data directory of
 * its own, as the Python interop suite starts it: ready once it answers
 * ListFlights (asked with {@code hangar ls}), stopped with SIGTERM, after which
 * it must exit with status 0. Its output goes to a log file the tests read:
 * the access log has one line per call, with the gRPC status and the error.
 */
final class HangarServer {
  private static final long START_TIMEOUT_MS = 60_000;
  private static final long STOP_TIMEOUT_S = 30;

  /** How clients reach the server: credentials and TLS roots, for the CLI and for JDBC. */
  static final class Access {
    String user;
    String password;
    Path tlsCa;

    Access login(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    Access tls(Path ca) {
      this.tlsCa = ca;
      return this;
    }
  }

  final Path workDir;
  final Path dataDir;
  final Path log;
  final Access access;
  private final List<String> extraArgs;
  private Process process;
  private int port;

  private HangarServer(Path workDir, Access access, List<String> extraArgs) {
    this.workDir = workDir;
    this.dataDir = workDir.resolve("data");
    this.log = workDir.resolve("hangar-serve.log");
    this.access = access;
    this.extraArgs = extraArgs;
  }

  static Path binDir() {
    String dir = System.getenv("HANGAR_BIN_DIR");
    if (dir == null || dir.isEmpty()) dir = System.getenv("HANGAR_BIN_DIR_DEFAULT");
    if (dir == null || dir.isEmpty()) dir = "../../../build/bin";
    return Paths.get(dir).toAbsolutePath().normalize();
  }

  static Path hangar() {
    return binDir().resolve("hangar");
  }

  /** Starts {@code hangar serve} with {@code extraArgs} and waits until it answers ListFlights. */
  static HangarServer start(Path workDir, Access access, String... extraArgs) throws Exception {
    HangarServer server = new HangarServer(workDir, access, Arrays.asList(extraArgs));
    server.start();
    return server;
  }

  private void start() throws Exception {
    if (!Files.isExecutable(hangar())) {
      throw new IllegalStateException(hangar() + " is missing: build it first (make build), or set HANGAR_BIN_DIR");
    }
    StringBuilder failures = new StringBuilder();
    for (int attempt = 0; attempt < 3; attempt++) {
      // A port found free may be taken before the server binds it; then another one.
      port = freePort();
      List<String> cmd = new ArrayList<>(List.of(hangar().toString(), "serve", "--listen", "127.0.0.1:" + port,
          "--data-dir", dataDir.toString(), "--metrics-listen", "off"));
      cmd.addAll(extraArgs);
      note(String.join(" ", cmd));
      long offset = logSize();
      process = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
      while (System.currentTimeMillis() < deadline && process.isAlive()) {
        if (runCli(List.of("ls")).exitCode == 0) return;
        Thread.sleep(100);
      }
      if (process.isAlive()) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("hangar serve did not answer ListFlights within " + START_TIMEOUT_MS
            + " ms; its log:\n" + logSince(offset));
      }
      failures.append("exit status ").append(process.exitValue()).append(" on port ").append(port).append(":\n")
          .append(logSince(offset));
    }
    throw new IllegalStateException("hangar serve did not start:\n" + failures);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  String location() {
    return (access.tlsCa != null ? "grpc+tls://" : "grpc://") + "127.0.0.1:" + port;
  }

  /** The driver's URL for this server; {@code properties} ("a=b&c=d") are added to the query string. */
  String jdbcUrl(String properties) {
    String url = "jdbc:arrow-flight-sql://127.0.0.1:" + port + "/?"
        + (access.tlsCa != null ? "useEncryption=true" : "useEncryption=false");
    return properties == null || properties.isEmpty() ? url : url + "&" + properties;
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGTERM; the exit status (the process is killed after 30 s, and that throws). */
  int stop() throws Exception {
    if (process == null) return 0;
    Process p = process;
    process = null;
    p.destroy();  // SIGTERM
    if (!p.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("hangar serve did not exit within " + STOP_TIMEOUT_S
          + " s of SIGTERM (killed); its log:\n" + tail());
    }
    note("exited with status " + p.exitValue());
    return p.exitValue();
  }

  static final class CliResult {
    final int exitCode;
    final String output;

    CliResult(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  private CliResult runCli(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(hangar().toString());
    cmd.addAll(args);
    cmd.addAll(List.of("--server", location()));
    if (access.user != null) cmd.addAll(List.of("--user", access.user, "--password", access.password));
    if (access.tlsCa != null) cmd.addAll(List.of("--tls-ca", access.tlsCa.toString()));
    Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new CliResult(-1, out + "\n(timed out)");
    }
    return new CliResult(p.exitValue(), out);
  }

  /** Runs {@code hangar args...} in {@code dir} with extra environment variables; its output. Fails on a non-zero exit. */
  static String run(Path dir, java.util.Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(hangar().toString());
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError("hangar " + String.join(" ", args) + " failed:\n" + out);
    }
    return out;
  }

  /** Runs a client command of the {@code hangar} CLI against this server; its output. Fails on a non-zero exit. */
  String cli(String... args) throws Exception {
    CliResult r = runCli(Arrays.asList(args));
    if (r.exitCode != 0) {
      throw new AssertionError("hangar " + String.join(" ", args) + " exited with " + r.exitCode + ":\n" + r.output);
    }
    return r.output;
  }

  /** Runs a Flight action through the CLI, e.g. CreateTable with its JSON body. */
  String action(String type, String body) throws Exception {
    return cli("action", type, body);
  }

  long logSize() {
    try {
      return Files.exists(log) ? Files.size(log) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logSince(long offset) {
    try {
      if (!Files.exists(log)) return "";
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String tail() {
    String all = logSince(0);
    return all.length() > 20000 ? "...\n" + all.substring(all.length() - 20000) : all;
  }

  /** Access-log lines since {@code offset} of calls that did not end OK, and any warning or error line. */
  List<String> problemsSince(long offset) {
    return logSince(offset).lines()
        .filter(l -> (l.contains(" status=") && !l.contains(" status=OK"))
            || l.matches("(?i).*\\b(level=)?(error|warn(ing)?)\\b.*") && !l.contains(" status=OK"))
        .collect(Collectors.toList());
  }

  private void note(String text) {
    try {
      Files.writeString(log, "==== " + LocalTime.now().withNano(0) + " " + text + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
