// A file uploaded to S3 in parts (CreateMultipartUpload, UploadPart for each
// part, CompleteMultipartUpload).
//
// The upload declares SHA-256 checksums; each part is read into memory and
// sent with its SHA-256 (signed, and as x-amz-checksum-sha256, which the
// server checks and answers back), and the completion lists every part's
// ETag and checksum. Two parts are in flight at a time. Any failure aborts
// the upload (AbortMultipartUpload), so its parts do not linger in the
// bucket, and returns the failure (with the abort's own, if that failed too).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/status.h"
#include "objstore/s3_client.h"

namespace hangar::objstore {

// Uploads `source` (`size` bytes) as the object `object_key`, in parts of
// `part_size` (grown when the file would need more than S3's 10,000 parts).
Status UploadInParts(S3Client& client, const std::string& object_key, const std::filesystem::path& source,
                     uint64_t size, uint64_t part_size);

}  // namespace hangar::objstore
