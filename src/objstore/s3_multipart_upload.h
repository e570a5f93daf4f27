// A file uploaded to S3 in parts (CreateMultipartUpload, UploadPart for each
// part, CompleteMultipartUpload).
//
// Each part is read into memory and sent with its Content-MD5; its ETag
// must be that MD5. The object the completion makes must carry the ETag S3
// gives multipart objects, the MD5 of the parts' MD5s with "-N" (N parts),
// where the server answers one of that shape. Any failure aborts the upload
// (AbortMultipartUpload), so its parts do not linger in the bucket, and
// returns the failure (with the abort's own, if that failed too).
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
