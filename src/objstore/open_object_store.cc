#include "objstore/open_object_store.h"

#include "objstore/s3_object_store.h"

namespace hangar::objstore {

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri, const S3Options& s3) {
  if (uri.empty()) return Status::Invalid("no object store given");
  if (uri.starts_with("s3://")) {
    HANGAR_ASSIGN_OR_RETURN(S3Location location, ParseS3Uri(uri));
    return OpenS3ObjectStore(location, s3);
  }
  constexpr std::string_view kFile = "file://";
  if (uri.starts_with(kFile)) {
    const std::string_view path = uri.substr(kFile.size());
    // file:///dir: only the local host's (empty) authority is understood.
    if (!path.starts_with("/"))
      return Status::Invalid("a file URI is file:///ABSOLUTE/PATH, not '" + std::string(uri) + "'");
    return OpenLocalObjectStore(std::string(path));
  }
  const size_t scheme = uri.find("://");
  if (scheme != std::string_view::npos)
    return Status::Invalid("unknown object store '" + std::string(uri) +
                           "': s3://BUCKET/PREFIX, file:///DIR or a folder");
  return OpenLocalObjectStore(std::string(uri));
}

}  // namespace hangar::objstore
