// ETags as checksums.
//
// For an object written by one PUT (without server-side encryption by a
// KMS key) S3 answers the hex MD5 of its bytes as its ETag; for a multipart
// object, the hex MD5 of the parts' raw MD5s followed by "-N". Hangar checks
// what it can against these: an ETag of another shape (a server that makes
// them up otherwise) is not checked, one of the right shape that differs is
// damage (kDataLoss).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::objstore {

// The ETag without its quotes (and a weak "W/" mark).
std::string Unquoted(std::string_view etag);

// Whether the ETag has the shape of a single-part object's (a hex MD5):
// only then is the MD5 of a body worth computing.
bool IsSinglePartEtag(std::string_view etag);

// `etag` against the raw MD5 of the bytes sent or received.
Status CheckSinglePartEtag(std::string_view etag, std::string_view md5, std::string_view what);

// `etag` against the raw MD5s of the parts, concatenated, and their count.
Status CheckMultipartEtag(std::string_view etag, std::string_view part_md5s, size_t parts, std::string_view what);

}  // namespace hangar::objstore
