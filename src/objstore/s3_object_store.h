// A bucket of an S3-compatible service as an ObjectStore.
//
// Requests go through S3Client (signed with SigV4 by libcurl, retried with
// backoff). What each operation sends, and what it checks:
//   Put          one PUT whose SHA-256 is signed (x-amz-content-sha256) and
//                sent as its checksum (x-amz-checksum-sha256): the server
//                refuses a damaged body and answers the checksum back, which
//                must be the one sent.
//   PutFile      a file up to options.part_size as a Put; a larger one as a
//                multipart upload, each part with its SHA-256 checksum as a
//                Put's, and the upload aborted if any step fails (no
//                orphaned parts billed forever).
//   PutIfAbsent  a PUT with If-None-Match: *, which S3 and the servers the
//                tests run honour: 412 means another writer won. When an
//                earlier attempt of the same PUT may have landed (a retry
//                after a lost answer), the object is read back: our own
//                bytes there are success, not a lost race.
//   Get/GetFile  a GET streamed into memory or a file; the body's MD5 is
//                checked against a single-part ETag.
//   List         ListObjectsV2 pages, following continuation tokens, keys
//                URL-encoded on the wire (encoding-type=url).
//   Delete       DELETE; a missing key is success, as S3 itself says.
//
// Keys are store keys: the location's prefix is added on the way out and
// taken off listed keys. A key with an empty, "." or ".." segment, or a
// leading or trailing '/', is refused: URL normalisation and file-backed
// servers would not keep it distinct.
#pragma once

#include <memory>
#include <string_view>

#include "objstore/object_store.h"
#include "objstore/s3_location.h"
#include "objstore/s3_options.h"

namespace hangar::objstore {

// Opens the store and checks that the bucket answers and the credentials
// are accepted (one ListObjectsV2 of a single key under the prefix):
// kNotFound for a missing bucket, kPermissionDenied for refused
// credentials, kUnavailable when the endpoint cannot be reached.
Result<std::unique_ptr<ObjectStore>> OpenS3ObjectStore(const S3Location& location, const S3Options& options);

// Creates a bucket (tests, benchmarks and first setups; an existing bucket
// owned by the same credentials is success).
Status CreateS3Bucket(std::string_view bucket, const S3Options& options);

}  // namespace hangar::objstore
