#include "objstore/s3_location.h"

namespace hangar::objstore {

std::string S3Location::ObjectKey(std::string_view key) const {
  return prefix.empty() ? std::string(key) : prefix + "/" + std::string(key);
}

std::string S3Location::Uri(std::string_view key) const { return "s3://" + bucket + "/" + ObjectKey(key); }

Result<S3Location> ParseS3Uri(std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (!uri.starts_with(kScheme)) return Status::Invalid("not an s3:// URI: '" + std::string(uri) + "'");
  std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  location.prefix = std::string(prefix);
  const std::string& b = location.bucket;
  bool valid =
      b.size() >= 3 && b.size() <= 63 && b.front() != '.' && b.front() != '-' && b.back() != '.' && b.back() != '-';
  for (char c : b) valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-');
  if (!valid)
    return Status::Invalid("bad bucket name '" + b + "' in '" + std::string(uri) +
                           "': 3 to 63 lower-case letters, digits, dots and dashes");
  return location;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> UriDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return Status::Invalid("bad percent-encoding in '" + std::string(text) + "'");
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return Status::Invalid("bad percent-encoding in '" + std::string(text) + "'");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace hangar::objstore
