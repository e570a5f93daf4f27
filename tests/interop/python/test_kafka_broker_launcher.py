"""The Kafka broker launcher as a program (tests/support/kafka_broker.py DIR ...), as bench_topics and
tests in other languages run it: one JSON line once the broker, its topics and the Schema Registry are
ready; closing its standard input stops the broker and the launcher."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from confluent_kafka.admin import AdminClient

LAUNCHER = Path(__file__).resolve().parents[2] / "support" / "kafka_broker.py"


def test_launcher_prints_ready_line_and_stops_when_stdin_closes(tmp_path):
    proc = subprocess.Popen([sys.executable, str(LAUNCHER), str(tmp_path / "broker"), "--topic", "events:3",
                             "--topic", "other:1", "--schema-registry"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line, f"the launcher exited without a ready line: {proc.stderr.read()}"
        ready = json.loads(line)
        assert set(ready) == {"bootstrap", "pid", "schema_registry"}, ready

        topics = AdminClient({"bootstrap.servers": ready["bootstrap"]}).list_topics(timeout=30).topics
        assert len(topics["events"].partitions) == 3
        assert len(topics["other"].partitions) == 1
        with urllib.request.urlopen(ready["schema_registry"] + "/subjects", timeout=30) as answer:
            assert json.loads(answer.read()) == []

        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        # The broker went with it: its process is gone (a zombie would still be its parent's).
        assert not os.path.exists(f"/proc/{ready['pid']}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
