// ETags and checksums the server answers, checked.
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

// The x-amz-checksum-sha256 a server answered to an upload against the one
// sent (base64); a server that answers none is not checked.
Status CheckEchoedSha256(std::string_view echoed, std::string_view sent, std::string_view what);

}  // namespace hangar::objstore
