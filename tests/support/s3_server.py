"""A real S3-compatible server for tests and benchmarks: SeaweedFS on loopback.

SeaweedFS (`weed server` with its filer and S3 gateway) is built from the Go
module proxy by scripts/setup.sh into third_party/seaweedfs/weed. Each server
gets free loopback ports, a fresh data directory under `workdir` and one
identity (an access key and secret made up per server) allowed everything;
`start()` creates the bucket with boto3 and returns once it takes writes. The
server's output goes to `workdir/weed.log`. tests/support/s3_server.h is the
same launcher for C++.

    with S3Server(tmp_path) as s3:
        s3.client().put_object(Bucket=s3.bucket, Key="k", Body=b"v")
        s3.env()        # AWS_* variables for another client of the server

As a program, `python3 s3_server.py DIR [--bucket NAME]` starts a server,
prints one JSON line once it is ready (`endpoint`, `bucket`, `access_key`,
`secret_key`, `pid`) and stops it when its standard input closes.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kafka_broker import _accepts, free_ports  # noqa: E402  (the loopback helpers of every launcher)

ROOT = Path(__file__).resolve().parents[2]
WEED = ROOT / "third_party" / "seaweedfs" / "weed"
# SeaweedFS makes its first volumes at start; on a loaded 2-core machine that
# has taken over a minute.
START_TIMEOUT_S = 120


class S3Server:
    def __init__(self, workdir, bucket="hangar", weed=WEED, tls=None):
        """`tls`: (certificate, key) PEM files; the gateway then also serves HTTPS (`https_endpoint`)."""
        self.workdir = Path(workdir)
        self.tls = tls
        self.bucket = bucket
        self.weed = Path(weed)
        self.access_key = "HANGARTEST" + secrets.token_hex(6).upper()
        self.secret_key = secrets.token_urlsafe(24)
        names = ("s3", "s3.https", "s3.grpc", "master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc")
        self.ports = dict(zip(names, free_ports(len(names))))
        self.proc = None
        self.log_path = self.workdir / "weed.log"

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def https_endpoint(self):
        return f"https://127.0.0.1:{self.ports['s3.https']}"

    def env(self):
        """The AWS_* variables a client of this server needs (with the rest of the environment)."""
        return dict(os.environ, AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key,
                    AWS_REGION="us-east-1")

    def client(self):
        """A boto3 S3 client of this server: path-style, the server's keys."""
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def _args(self):
        p = self.ports
        return [str(self.weed), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.workdir / 'data'}",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
                "-master.volumeSizeLimitMB=64", "-master.telemetry=false",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}", "-volume.max=64",
                "-volume.preStopSeconds=0",
                "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}",
                "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3.grpc']}", "-s3.port.iceberg=0",
                "-s3.port.lance=0", f"-s3.config={self.workdir / 's3.json'}",
                # BUCKET.localhost names the bucket too (virtual-host addressing).
                "-s3.domainName=localhost"] + (
                    [f"-s3.port.https={p['s3.https']}", f"-s3.cert.file={self.tls[0]}", f"-s3.key.file={self.tls[1]}"]
                    if self.tls else [])

    def start(self):
        """Starts the server and creates the bucket; returns once the bucket takes writes."""
        assert self.proc is None, "already running"
        if not os.access(self.weed, os.X_OK):
            raise RuntimeError(f"{self.weed} is missing: run scripts/setup.sh (make setup)")
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        identity = {"name": "hangar", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
        (self.workdir / "s3.json").write_text(json.dumps({"identities": [identity]}))
        self._launch()
        deadline = time.monotonic() + START_TIMEOUT_S
        client = None
        error = None
        relaunches = 0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code, self.proc = self.proc.returncode, None
                # A port found free may be taken before the server binds it (by another test's
                # server): then it exits at once, and new ports are tried.
                if relaunches < 2:
                    relaunches += 1
                    self.ports = dict(zip(self.ports, free_ports(len(self.ports))))
                    client = None
                    self._launch()
                    continue
                raise RuntimeError(f"SeaweedFS exited with status {code}; its log:\n{self.log_tail()}")
            if _accepts(self.ports["s3"]):
                # The gateway accepts before the filer behind it is ready.
                client = client or self.client()
                try:
                    try:
                        client.create_bucket(Bucket=self.bucket)
                    except client.exceptions.BucketAlreadyOwnedByYou:
                        pass
                    # SeaweedFS makes its first volumes and finds its lock server seconds after it
                    # starts; the first write waits for both. One here, so that no test's is the slow one.
                    client.put_object(Bucket=self.bucket, Key="warm-up", Body=b"x")
                    client.delete_object(Bucket=self.bucket, Key="warm-up")
                    return self
                except Exception as e:  # the filer is not ready yet: 5xx; tried again until the deadline
                    error = e
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"SeaweedFS was not ready within {START_TIMEOUT_S} s ({error}); its log:\n{self.log_tail()}")

    def _launch(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self._args(), stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def log_tail(self, chars=6000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def kill(self):
        """SIGKILL: the server is gone at once."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait()

    stop = kill  # its data dir is thrown away: nothing to shut down cleanly

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Runs SeaweedFS's S3 gateway until stdin closes.")
    parser.add_argument("dir")
    parser.add_argument("--bucket", default="hangar")
    args = parser.parse_args(argv)
    with S3Server(args.dir, bucket=args.bucket) as server:
        print(json.dumps({"endpoint": server.endpoint, "bucket": server.bucket, "access_key": server.access_key,
                          "secret_key": server.secret_key, "pid": server.proc.pid}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main(sys.argv[1:])
