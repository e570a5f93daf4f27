#!/usr/bin/env python3
"""The `hangar` CLI on a pseudo-terminal, as people use it, against a real
`hangar serve --dev-kafka`:

- the SQL prompt: line editing and history across two runs, the prompt back to
  `hangar>` after a multi-line statement, Ctrl-C clearing the line being typed
  and cancelling a long query while the server keeps serving, the
  meta-commands, results cut to the terminal's width and long ones paged;
- progress bars of `get` and `put`: on a terminal, and absent when stderr is
  piped or with --quiet;
- `hangar tail`: records produced after it started, from the beginning and
  from now on, and a clean stop on SIGINT.

Nothing is timed: every wait is for something to appear, with a generous
deadline for a loaded machine.

usage: cli_terminal_test.py BIN_DIR WORK_DIR [NAME_PART]
"""
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time

BIN = os.path.join(os.path.abspath(sys.argv[1]), "hangar")
WORK = os.path.abspath(sys.argv[2])
DEADLINE = 120  # seconds to wait for anything; a loaded 2-core machine is slow


def fail(message):
    raise AssertionError(message)


TERMINALS = []  # every command started on a terminal, killed at the end if still running


class Terminal:
    """A command on a pseudo-terminal of its own (its controlling terminal,
    so ^C is SIGINT through the line discipline, as at a real keyboard)."""

    def __init__(self, argv, env, rows=24, columns=100):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(WORK)
            os.execve(argv[0], argv, env)
        TERMINALS.append(self.pid)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.text = ""   # everything seen
        self.seen = 0    # where the next expect starts looking

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the other side closed
            return None
        if not data:
            return None
        self.text += data.decode("utf-8", "replace")
        return True

    def expect(self, pattern, what=None):
        """Waits until `pattern` (a regex) appears after what was matched last."""
        if os.environ.get("CLI_TERMINAL_TRACE"):
            print("expect", repr(pattern), flush=True)
        regex = re.compile(pattern)
        deadline = time.monotonic() + DEADLINE
        while True:
            m = regex.search(self.text, self.seen)
            if m:
                self.seen = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self._read(left) is None and not regex.search(self.text, self.seen):
                fail("expected %s (%r); the terminal shows:\n%s" % (what or "output", pattern, self.text[-3000:]))

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait(self):
        """Reads to the end; returns the exit code."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()) is not None:
            pass
        while True:  # the terminal closes as the command exits: allow it a moment to end
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.monotonic() > deadline:
                fail("the command did not end; the terminal shows:\n" + self.text[-3000:])
            time.sleep(0.1)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def run(args, **kwargs):
    return subprocess.run([BIN] + args, cwd=WORK, capture_output=True, text=True, timeout=DEADLINE, env=ENV, **kwargs)


def check(args):
    r = run(args)
    if r.returncode != 0:
        fail("hangar %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
    return r


def wait_for(condition, what):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            fail("gave up waiting for " + what)
        time.sleep(0.1)


def active_streams():
    status = json.loads(check(["status", "--json"]).stdout)
    return status["metrics"].get("active_streams", 0)


def sql_terminal(extra_env=None, rows=24, columns=100):
    env = dict(ENV, **(extra_env or {}))
    return Terminal([BIN, "sql"], env, rows=rows, columns=columns)


PROMPT = r"hangar> "
NEXT_PROMPT = r"(?:hangar|   \.\.\.)> "


def enter(t, line, expected=None, what=None):
    """Types `line` and Enter at the prompt; waits for the editor to echo it
    and for the next prompt; returns what was printed in between, which must
    match `expected` (a regex) if given."""
    t.send(line + "\r")
    output = t.expect(re.escape(line) + r"\r?\n([\s\S]*?)" + NEXT_PROMPT, what or line).group(1)
    if expected is not None and not re.search(expected, output):
        fail("%s: expected %r in the output of %r:\n%s" % (what or "prompt", expected, line, output))
    return output


def ctrl_d(t):
    """Ctrl-D on an empty line, once the editor reads keys: a key typed and
    echoed (only the editor echoes), erased, then Ctrl-D."""
    t.send("x")
    t.expect(r"x", "the editor echoing a key")
    t.send("\x7f\x04")


def test_prompt_editing_history_and_meta_commands():
    t = sql_terminal()
    t.expect(PROMPT, "the first prompt")
    # A statement over two lines: the continuation prompt, then the prompt back.
    enter(t, "SELECT 6 * 7 AS answer,")
    if not t.text.endswith("   ...> "):
        fail("no continuation prompt: %r" % t.text[-200:])
    enter(t, "'two lines' AS how;", r"answer \| how\r?\n-+\+-+\r?\n42 +\| two lines\r?\n\(1 row\)")
    if not t.text.endswith("\nhangar> "):
        fail("the prompt did not come back to hangar> after a statement: %r" % t.text[-200:])
    # Line editing: Ctrl-A goes to the start of the line, Ctrl-E to the end.
    t.send("AS edited;\x01SELECT 'ok' \x05\r")
    t.expect(r"edited\r?\n-+\r?\nok\r?\n\(1 row\)\r?\n" + PROMPT, "the edited line's result")
    # Ctrl-C while typing drops the line (and a statement being continued).
    enter(t, "SELECT 'never run',")
    t.send("'half'")
    t.expect(r"'half'", "the editor echoing 'half'")
    t.send("\x03")
    t.expect(r"\^C\r?\n" + PROMPT, "a fresh prompt after Ctrl-C")
    enter(t, "SELECT 1 AS fresh;", r"fresh\r?\n-+\r?\n1\r?\n\(1 row\)", "a statement after Ctrl-C")
    # Meta-commands.
    enter(t, "\\?", r"\\timing \[on\|off\]")
    enter(t, "\\nonsense", r"unknown meta-command '\\nonsense'")
    listing = enter(t, "\\dt", r"\(2 flights\)")
    if not re.search(r"kafka/orders +\| topic \| +10000", listing) or not re.search(r"prompt_t +\| table \| +3", listing):
        fail("\\dt: " + listing)
    enter(t, "\\d kafka.orders", r"Topic kafka/orders[\s\S]*order_id +\| int64 not null[\s\S]*partitions: 4")
    enter(t, "\\d prompt_t", r"Table prompt_t[\s\S]*rows: 3[\s\S]*primary key: id[\s\S]*endpoints:\r?\n  ticket ")
    enter(t, "\\timing", r"Timing is on\.")
    enter(t, "SELECT 2 AS timed;", r"\(1 row\)\r?\nTime: [0-9.]+ ms")
    enter(t, "\\timing off", r"Timing is off\.")
    enter(t, "\\x", r"Expanded display is on\.")
    enter(t, "SELECT 1 AS a, 'b' AS bee;", r"-\[ RECORD 1 \]-+\r?\na +\| 1\r?\nbee \| b")
    enter(t, "\\x off", r"Expanded display is off\.")
    enter(t, "\\o out.csv")
    if enter(t, "SELECT name FROM prompt_t ORDER BY id;").strip():
        fail("\\o left output on the terminal")
    enter(t, "\\o")
    ctrl_d(t)
    rc = t.wait()
    if rc != 0:
        fail("the prompt exited %d on Ctrl-D" % rc)
    with open(os.path.join(WORK, "out.csv")) as f:
        written = f.read()
    if "ada" not in written or "grace" not in written or "(3 rows)" not in written:
        fail("\\o wrote: %r" % written)
    history = open(HISTORY).read().replace("\\040", " ")
    if "SELECT 6 * 7 AS answer, 'two lines' AS how;" not in history:
        fail("the history file lacks the two-line statement: %r" % history)
    if "never run" in history:
        fail("a statement abandoned with Ctrl-C is in the history")
    if os.stat(HISTORY).st_mode & 0o777 != 0o600:
        fail("the history file's mode is %o, not 600" % (os.stat(HISTORY).st_mode & 0o777))

    # A second run finds the history: Up recalls the last entries.
    t = sql_terminal()
    t.expect(PROMPT)
    t.send("\x1b[A\x1b[A\x1b[A\x1b[A\r")  # up four: \o, SELECT name ..., \o out.csv, \x off
    t.expect(r"Expanded display is off\.\r?\n" + PROMPT, "the recalled \\x off")
    t.send("\x1b[A\x1b[A\x1b[A\r")  # up three: \x off, \o, SELECT name ...
    t.expect(r"ada[\s\S]*grace[\s\S]*\(3 rows\)\r?\n" + PROMPT, "the recalled query's rows, on the terminal this time")
    t.send("\\q\r")
    if t.wait() != 0:
        fail("\\q did not exit 0")


def test_ctrl_c_cancels_a_running_query():
    t = sql_terminal()
    t.expect(PROMPT)
    # Far more work than any machine finishes before the Ctrl-C below.
    query = "SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) % 7 = 3;"
    t.send(query + "\r")
    t.expect(re.escape(query) + r"\r?\n", "the query entered")
    # The query runs when its stream is open on the server.
    wait_for(lambda: active_streams() >= 1, "the long query's stream on the server")
    t.send("\x03")
    t.expect(r"error: .*[Cc]ancel[\s\S]*?" + PROMPT, "the query cancelled, and the prompt back")
    wait_for(lambda: active_streams() == 0, "the server to end the cancelled query's stream")
    # The server and the prompt keep serving.
    enter(t, "SELECT 40 + 2 AS after;", r"after\r?\n-+\r?\n42")
    if "prompt_t" not in check(["ls"]).stdout:
        fail("the server stopped serving after a cancel")
    ctrl_d(t)
    if t.wait() != 0:
        fail("the prompt exited non-zero")


def test_wide_results_fit_and_long_ones_are_paged():
    # 60 columns: the wide value is cut and marked.
    t = sql_terminal(rows=24, columns=60)
    t.expect(PROMPT)
    output = enter(t, "SELECT 7 AS n, repeat('x', 200) AS wide;",
                   r"n +\| wide[\s\S]*?\(1 row; values ending in \u2026 are cut to fit the terminal\)")
    rows = [line for line in output.splitlines() if line.startswith("7")]
    if not rows or not rows[0].rstrip().endswith("\u2026") or len(rows[0].rstrip()) > 60:
        fail("the wide row was not cut to 60 columns: %r" % output)
    ctrl_d(t)
    t.wait()
    # Longer than the screen: through the pager; shorter: not.
    t = sql_terminal({"HANGAR_PAGER": "sed s/^/PAGED:/"}, rows=24)
    t.expect(PROMPT)
    if "PAGED:" in enter(t, "SELECT 1 AS short;", r"short[\s\S]*\(1 row\)"):
        fail("a short result went through the pager")
    enter(t, "SELECT i FROM range(100) t(i);", r"PAGED:99\r?\nPAGED:\(100 rows\)", "the long result through the pager")
    ctrl_d(t)
    t.wait()


def test_progress_on_a_terminal_only():
    get = [BIN, "get", "kafka.orders", "-o", "orders.arrow"]
    t = Terminal(get, ENV)
    t.expect(r"get \[#+\] 100%  10000 rows", "get's progress bar at 100%")
    if t.wait() != 0:
        fail("get on a terminal failed")
    put = [BIN, "put", "orders.arrow", "orders_copy"]
    t = Terminal(put, ENV)
    t.expect(r"put \[#+\] 100%  10000 rows", "put's progress bar at 100%")
    if t.wait() != 0:
        fail("put on a terminal failed")
    t = Terminal(put + ["--quiet"], ENV)
    if t.wait() != 0 or "100%" in t.text or "rows" in t.text:
        fail("put --quiet showed progress: %r" % t.text)
    # Piped or redirected stderr: nothing but errors.
    r = check(["get", "kafka.orders", "-o", "again.arrow"])
    if r.stderr:
        fail("get wrote progress into a pipe: %r" % r.stderr)
    r = check(["put", "orders.arrow", "orders_copy"])
    if r.stderr:
        fail("put wrote progress into a pipe: %r" % r.stderr)


class Tail:
    def __init__(self, args):
        self.out = open(os.path.join(WORK, "tail.out"), "w+")
        self.err = open(os.path.join(WORK, "tail.err"), "w+")
        self.proc = subprocess.Popen([BIN, "tail", "kafka.orders"] + args, cwd=WORK, env=ENV, stdout=self.out,
                                     stderr=self.err)

    def lines(self):
        with open(self.out.name) as f:
            return f.read().splitlines()

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(timeout=DEADLINE)
        if rc != 0:
            fail("hangar tail exited %d on SIGINT: %s" % (rc, self.stderr()))
        return self.lines()


def produce_three():
    """Puts three records of partition 1 back into the topic; returns their order_ids."""
    check(["get", "--ticket", '{"topic": "orders", "partition": 1, "max_records": 3, "metadata": false}',
           "-o", "three.arrow"])
    check(["put", "three.arrow", "kafka.orders"])
    r = check(["get", "--ticket", '{"topic": "orders", "partition": 1, "max_records": 3, "metadata": false}',
               "--format", "json"])
    return [json.loads(line)["order_id"] for line in r.stdout.splitlines()]


def test_tail_follows_and_stops_on_sigint():
    # From the beginning: the history, then what is produced after it.
    tail = Tail(["--from-beginning", "--format", "json"])
    wait_for(lambda: len(tail.lines()) >= 10000, "tail --from-beginning to print the topic's 10000 records")
    before = {(r["_partition"], r["_offset"]) for r in map(json.loads, tail.lines())}
    ids = produce_three()
    wait_for(lambda: len(tail.lines()) >= 10003, "tail to print the three records produced after it started")
    lines = tail.stop()
    if len(lines) != 10003:
        fail("tail printed %d records, not 10003" % len(lines))
    new = [json.loads(line) for line in lines if (json.loads(line)["_partition"], json.loads(line)["_offset"]) not in before]
    if sorted(r["order_id"] for r in new) != sorted(ids) or len(new) != 3:
        fail("the new records are not the three produced: %r" % new)
    if "following kafka.orders, 4 partitions" not in tail.stderr():
        fail("tail's stderr: %r" % tail.stderr())

    # From now on (the default), one partition's worth of CSV.
    tail = Tail(["--format", "csv"])
    wait_for(lambda: "following kafka.orders" in tail.stderr(), "tail to start")
    ids = produce_three()
    wait_for(lambda: len(tail.lines()) >= 4, "tail to print the three new records")
    lines = tail.stop()
    if not lines[0].startswith("order_id,") or "_partition,_offset" not in lines[0] or len(lines) != 4:
        fail("tail's CSV: %r" % lines)
    if sorted(int(line.split(",")[0]) for line in lines[1:]) != sorted(ids):
        fail("tail from now printed other records: %r" % lines)

    r = run(["tail", "orders"])
    if r.returncode != 1 or "not a topic" not in r.stderr:
        fail("tail of a non-topic: %d %r" % (r.returncode, r.stderr))


def main():
    global ENV, HISTORY
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    home = os.path.join(WORK, "home")
    os.makedirs(home)
    HISTORY = os.path.join(home, ".hangar_history")
    log = open(os.path.join(WORK, "serve.log"), "w+")
    server = subprocess.Popen([BIN, "serve", "--dev-kafka", "--data-dir", "data", "--listen", "127.0.0.1:0",
                               "--metrics-listen", "127.0.0.1:0"], cwd=WORK,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        location = None
        deadline = time.monotonic() + DEADLINE
        while location is None and time.monotonic() < deadline and server.poll() is None:
            m = re.search(r"serving Flight on (\S+)", open(log.name).read())
            location = m.group(1) if m else time.sleep(0.1)
        if location is None:
            fail("the server did not start: " + open(log.name).read())
        ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "TERM": "xterm", "LANG": "C.UTF-8",
               "HANGAR_SERVER": location}
        check(["action", "CreateTable", json.dumps({
            "name": "prompt_t", "primary_key": ["id"],
            "schema_json": {"fields": [{"name": "id", "type": "int64", "nullable": False},
                                       {"name": "name", "type": "utf8"}]}})])
        check(["sql", "INSERT INTO prompt_t VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger')"])
        tests = [test_prompt_editing_history_and_meta_commands, test_ctrl_c_cancels_a_running_query,
                 test_wide_results_fit_and_long_ones_are_paged, test_progress_on_a_terminal_only,
                 test_tail_follows_and_stops_on_sigint]
        # A third argument runs only the tests whose names contain it.
        tests = [test for test in tests if len(sys.argv) < 4 or sys.argv[3] in test.__name__]
        for test in tests:
            print("== " + test.__name__, flush=True)
            test()
        print("cli terminal: all %d tests passed" % len(tests))
    finally:
        for pid in TERMINALS:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        server.terminate()
        server.wait(timeout=DEADLINE)


if __name__ == "__main__":
    main()
