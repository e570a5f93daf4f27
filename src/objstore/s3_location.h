// Where a store's objects live in S3: a bucket and a key prefix, written
// s3://BUCKET/PREFIX, and the percent-encoding of keys in request URLs.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::objstore {

struct S3Location {
  std::string bucket;
  // Without leading or trailing '/'; empty: the bucket's root. Store key K
  // is the object PREFIX/K.
  std::string prefix;

  // The object key of a store key.
  std::string ObjectKey(std::string_view key) const;
  // "s3://bucket/prefix/key" (or "s3://bucket/key").
  std::string Uri(std::string_view key) const;
};

// s3://BUCKET[/PREFIX[/]]: a bucket name of 3 to 63 lower-case letters,
// digits, dots and dashes (S3's rule, which makes it a valid host name for
// virtual-host addressing), and any prefix.
Result<S3Location> ParseS3Uri(std::string_view uri);

// Percent-encodes everything but RFC 3986's unreserved characters
// (A-Z a-z 0-9 - _ . ~) and, when `keep_slash`, '/': the encoding SigV4's
// canonical request uses, so a URL built with it is already canonical.
std::string UriEncode(std::string_view text, bool keep_slash);
// The inverse, for keys S3 lists with encoding-type=url ('+' is a space).
Result<std::string> UriDecode(std::string_view text);

}  // namespace hangar::objstore
