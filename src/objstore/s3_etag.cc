#include "objstore/s3_etag.h"

#include "objstore/digest.h"

namespace hangar::objstore {
namespace {

bool IsHexMd5(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string Unquoted(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  // Some servers send the quotes XML-escaped in listing and completion bodies.
  if (etag.starts_with("&quot;") && etag.ends_with("&quot;") && etag.size() >= 12)
    etag = etag.substr(6, etag.size() - 12);
  return std::string(etag);
}

bool IsSinglePartEtag(std::string_view etag) { return IsHexMd5(Unquoted(etag)); }

Status CheckSinglePartEtag(std::string_view etag, std::string_view md5, std::string_view what) {
  const std::string bare = Unquoted(etag);
  if (!IsHexMd5(bare)) return Status::OK();
  const std::string expected = Hex(md5);
  if (Lower(bare) == expected) return Status::OK();
  return Status::DataLoss(std::string(what) + ": the bucket's ETag " + bare + " is not the MD5 of the bytes (" +
                          expected + ")");
}

Status CheckEchoedSha256(std::string_view echoed, std::string_view sent, std::string_view what) {
  if (echoed.empty() || echoed == sent) return Status::OK();
  return Status::DataLoss(std::string(what) + ": the bucket's SHA-256 " + std::string(echoed) +
                          " is not that of the bytes sent (" + std::string(sent) + ")");
}

}  // namespace hangar::objstore
