"""boto3's side of bench_objstore: the same uploads, downloads and small PUTs into the same server.

    objstore_baseline.py ENDPOINT BUCKET FILE REPS SMALL_COUNT SMALL_SIZE PART_SIZE

The keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Prints one
line per measurement, `NAME VALUE...`: the seconds of each repetition for the
transfers, every latency in seconds for the small PUTs.
"""

import os
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config


def main(endpoint, bucket, path, reps, small_count, small_size, part_size):
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    data = open(path, "rb").read()

    def timed(name, action):
        seconds = []
        for rep in range(reps):
            start = time.perf_counter()
            action(rep)
            seconds.append(time.perf_counter() - start)
        print(name, *(f"{s:.6f}" for s in seconds), flush=True)

    # One PUT of the whole file, as Hangar's Put does it.
    timed("put_object", lambda rep: client.put_object(Bucket=bucket, Key=f"boto3/put-{rep}", Body=data))
    # The transfer manager in parts of the same size: one at a time (as Hangar sends
    # them), then with its default ten threads.
    for name, threads in (("upload_file_1", 1), ("upload_file_10", 10)):
        config = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size,
                                max_concurrency=threads, use_threads=threads > 1)
        timed(name, lambda rep: client.upload_file(path, bucket, f"boto3/{name}-{rep}", Config=config))
    config = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=1,
                            use_threads=False)
    timed("download_file_1", lambda rep: client.download_file(bucket, "boto3/put-0", path + ".down", Config=config))
    os.unlink(path + ".down")

    body = os.urandom(small_size)
    latencies = []
    for i in range(small_count):
        start = time.perf_counter()
        client.put_object(Bucket=bucket, Key=f"boto3/small/{i:06d}", Body=body)
        latencies.append(time.perf_counter() - start)
    print("small_put", *(f"{s:.6f}" for s in latencies), flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]))
