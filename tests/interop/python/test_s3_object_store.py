"""Hangar's S3 store checked by an independent S3 client, and `hangar serve` against a bucket.

A real S3-compatible server (SeaweedFS, tests/support/s3_server.py) runs for
the module. boto3 reads what Hangar's store wrote (through the small
`hangar-objstore` tool) and Hangar's store reads what boto3 wrote: small
objects, keys with spaces and UTF-8, multipart objects both ways, conditional
writes, deletes. Then `hangar serve --object-store s3://...` starts against
the bucket with credentials from flags, AWS's variables or a config file, and
refuses to start with a wrong secret, a missing bucket or no server.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from boto3.s3.transfer import TransferConfig

from hangar_paths import BIN_DIR, HANGAR

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
from s3_server import S3Server  # noqa: E402

OBJSTORE = BIN_DIR / "hangar-objstore"
MIB = 1 << 20
UTF8_KEY = "d\u00e9j\u00e0 vu/\u65e5\u672c\u8a9e \u2713 file.parquet"


def objstore(s3, *args, part_size_mib=None):
    """Runs hangar-objstore on the test server with its keys (AWS_* variables)."""
    cmd = [str(OBJSTORE), "--endpoint", s3.endpoint, "--addressing", "path"]
    if part_size_mib:
        cmd += ["--part-size-mib", str(part_size_mib)]
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, env=s3.env(), timeout=120,
                          stdin=subprocess.DEVNULL)


def write(path, size, seed):
    data = bytes((i * seed + (i >> 8)) & 0xFF for i in range(size)) if size < MIB else os.urandom(size)
    path.write_bytes(data)
    return data


def test_boto3_reads_what_hangar_wrote(s3, tmp_path):
    small = write(tmp_path / "small.bin", 1000, 7)
    large = write(tmp_path / "large.bin", 12 * MIB + 5, 3)
    uri = f"s3://{s3.bucket}/from-hangar"
    for key, source in (("t/small.bin", "small.bin"), (UTF8_KEY, "small.bin"), ("t/large.parquet", "large.bin")):
        done = objstore(s3, "put", uri, key, tmp_path / source, part_size_mib=5)
        assert done.returncode == 0, done.stderr.decode()

    client = s3.client()
    assert client.get_object(Bucket=s3.bucket, Key="from-hangar/t/small.bin")["Body"].read() == small
    assert client.get_object(Bucket=s3.bucket, Key="from-hangar/" + UTF8_KEY)["Body"].read() == small
    head = client.head_object(Bucket=s3.bucket, Key="from-hangar/t/large.parquet")
    assert head["ContentLength"] == len(large)
    # Three parts of 5 MiB, 5 MiB and 2 MiB + 5 bytes: a multipart object's ETag.
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]
    assert client.get_object(Bucket=s3.bucket, Key="from-hangar/t/large.parquet")["Body"].read() == large
    listed = client.list_objects_v2(Bucket=s3.bucket, Prefix="from-hangar/")
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(
        ["from-hangar/t/small.bin", "from-hangar/" + UTF8_KEY, "from-hangar/t/large.parquet"])


def test_hangar_reads_what_boto3_wrote(s3, tmp_path):
    client = s3.client()
    small = b"written by boto3 \x00\xff" * 50
    large = os.urandom(11 * MIB + 17)
    (tmp_path / "large.bin").write_bytes(large)
    client.put_object(Bucket=s3.bucket, Key="from-boto3/a b.bin", Body=small)
    client.put_object(Bucket=s3.bucket, Key="from-boto3/" + UTF8_KEY, Body=small)
    client.upload_file(str(tmp_path / "large.bin"), s3.bucket, "from-boto3/large.bin",
                       Config=TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB))
    assert client.head_object(Bucket=s3.bucket, Key="from-boto3/large.bin")["ETag"].strip('"').endswith("-3")

    uri = f"s3://{s3.bucket}/from-boto3"
    for key, expected in (("a b.bin", small), (UTF8_KEY, small), ("large.bin", large)):
        done = objstore(s3, "get", uri, key, tmp_path / "copy")
        assert done.returncode == 0, done.stderr.decode()
        assert (tmp_path / "copy").read_bytes() == expected, key
    cat = objstore(s3, "cat", uri, "a b.bin")
    assert cat.returncode == 0 and cat.stdout == small

    listed = objstore(s3, "ls", uri)
    assert listed.returncode == 0, listed.stderr.decode()
    lines = listed.stdout.decode().splitlines()
    assert lines == sorted(lines, key=lambda line: line.split(" ", 1)[1].encode())
    assert {tuple(line.split(" ", 1)) for line in lines} == {
        (str(len(small)), "a b.bin"), (str(len(small)), UTF8_KEY), (str(len(large)), "large.bin")}


def test_conditional_writes_and_deletes_agree_across_clients(s3, tmp_path):
    client = s3.client()
    uri = f"s3://{s3.bucket}/commits"
    client.put_object(Bucket=s3.bucket, Key="commits/v1.metadata.json", Body=b'{"by": "boto3"}')
    (tmp_path / "mine.json").write_bytes(b'{"by": "hangar"}')
    lost = objstore(s3, "put-if-absent", uri, "v1.metadata.json", tmp_path / "mine.json")
    assert lost.returncode == 1 and lost.stderr.decode().startswith("AlreadyExists"), lost.stderr.decode()
    assert client.get_object(Bucket=s3.bucket, Key="commits/v1.metadata.json")["Body"].read() == b'{"by": "boto3"}'
    won = objstore(s3, "put-if-absent", uri, "v2.metadata.json", tmp_path / "mine.json")
    assert won.returncode == 0, won.stderr.decode()
    assert client.get_object(Bucket=s3.bucket, Key="commits/v2.metadata.json")["Body"].read() == b'{"by": "hangar"}'

    assert objstore(s3, "rm", uri, "v1.metadata.json").returncode == 0
    assert "Contents" not in client.list_objects_v2(Bucket=s3.bucket, Prefix="commits/v1")
    client.delete_object(Bucket=s3.bucket, Key="commits/v2.metadata.json")
    gone = objstore(s3, "cat", uri, "v2.metadata.json")
    assert gone.returncode == 1 and gone.stderr.decode().startswith("NotFound"), gone.stderr.decode()


def test_tls_endpoints_are_verified(tmp_path_factory, tls_files, tmp_path):
    server = S3Server(tmp_path_factory.mktemp("s3-tls"), tls=(tls_files.server_cert, tls_files.server_key))
    with server:
        (tmp_path / "v.bin").write_bytes(b"over TLS")
        cmd = [str(OBJSTORE), "--endpoint", server.https_endpoint, "--addressing", "path"]
        run = lambda *args: subprocess.run(cmd + [str(a) for a in args], capture_output=True, env=server.env(),
                                           timeout=120, stdin=subprocess.DEVNULL)
        uri = f"s3://{server.bucket}/tls"
        done = run("--ca", tls_files.ca, "put", uri, "v", tmp_path / "v.bin")
        assert done.returncode == 0, done.stderr.decode()
        assert run("--ca", tls_files.ca, "cat", uri, "v").stdout == b"over TLS"
        # Another CA, or the system's roots: the server's certificate is refused.
        for ca in (["--ca", str(tls_files.other_ca)], []):
            refused = run(*ca, "cat", uri, "v")
            assert refused.returncode == 1 and refused.stderr.decode().startswith("Unavailable"), refused.stderr
            assert "certificate" in refused.stderr.decode().lower(), refused.stderr


# --- hangar serve --object-store -----------------------------------------------------

def secret_file(s3, tmp_path, secret=None):
    path = tmp_path / "s3-secret"
    path.write_text((secret or s3.secret_key) + "\n")
    return path


def test_serve_starts_against_the_bucket(s3, hangar_factory, tmp_path):
    server = hangar_factory("s3-flags", args=[
        "--object-store", f"s3://{s3.bucket}/node-flags", "--s3-endpoint", s3.endpoint,
        "--s3-access-key-id", s3.access_key, "--s3-secret-access-key-file", str(secret_file(s3, tmp_path))])
    assert f"objects in s3://{s3.bucket}/node-flags" in server.log_text()
    assert s3.secret_key not in server.log_text()


def test_serve_takes_aws_variables_and_the_environment(s3, hangar_factory, monkeypatch):
    for name, value in s3.env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("HANGAR_OBJECT_STORE", f"s3://{s3.bucket}/node-env")
    monkeypatch.setenv("HANGAR_S3_ENDPOINT", s3.endpoint)
    monkeypatch.setenv("HANGAR_S3_ADDRESSING", "path")
    server = hangar_factory("s3-env")
    assert f"objects in s3://{s3.bucket}/node-env" in server.log_text()


def test_serve_takes_a_config_file(s3, hangar_factory, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    config = tmp_path / "hangar.toml"
    config.write_text(f'object-store = "s3://{s3.bucket}/node-config"\n'
                      f's3-endpoint = "{s3.endpoint}"\n'
                      f's3-region = "us-east-1"\n'
                      f's3-access-key-id = "{s3.access_key}"\n'
                      f's3-secret-access-key-file = "{secret_file(s3, tmp_path)}"\n')
    server = hangar_factory("s3-config", args=["--config", str(config)])
    assert f"objects in s3://{s3.bucket}/node-config" in server.log_text()


def serve_refused(args, tmp_path, env=None):
    """Runs `hangar serve` expecting it to refuse to start; returns its stderr."""
    done = subprocess.run([str(HANGAR), "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off",
                           "--data-dir", str(tmp_path / "data"), *args],
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL,
                          env=env or {k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    assert done.returncode == 1, f"hangar serve exited {done.returncode}: {done.stderr}"
    return done.stderr


def test_serve_refuses_a_wrong_secret(s3, tmp_path):
    wrong = "wrong-secret-" + "Q" * 20
    err = serve_refused(["--object-store", f"s3://{s3.bucket}/x", "--s3-endpoint", s3.endpoint,
                         "--s3-access-key-id", s3.access_key,
                         "--s3-secret-access-key-file", str(secret_file(s3, tmp_path, wrong))], tmp_path)
    assert "cannot open the object store" in err and "PermissionDenied" in err, err
    assert f"'{s3.bucket}'" in err, err
    assert wrong not in err and s3.secret_key not in err, err


def test_serve_refuses_a_missing_bucket_and_a_missing_server(s3, tmp_path):
    common = ["--s3-endpoint", s3.endpoint, "--s3-access-key-id", s3.access_key,
              "--s3-secret-access-key-file", str(secret_file(s3, tmp_path))]
    err = serve_refused(["--object-store", "s3://no-such-bucket/x", *common], tmp_path)
    assert "NotFound" in err and "no-such-bucket" in err, err
    # A port nobody listens on: refused connections, retried, then Unavailable.
    from kafka_broker import free_port
    err = serve_refused(["--object-store", f"s3://{s3.bucket}/x", "--s3-endpoint",
                         f"http://127.0.0.1:{free_port()}", *common[2:]], tmp_path)
    assert "Unavailable" in err and "cannot reach" in err, err
    err = serve_refused(["--s3-endpoint", s3.endpoint], tmp_path)
    assert "--s3-endpoint needs --object-store" in err, err
