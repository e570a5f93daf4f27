// An object store named by a URI: the one place that knows every kind.
//
//   s3://BUCKET/PREFIX    a bucket of an S3-compatible service (S3Options say
//                         how to reach it)
//   file:///DIR or DIR    a local folder (the options are not used)
#pragma once

#include <memory>
#include <string_view>

#include "objstore/object_store.h"
#include "objstore/s3_options.h"

namespace hangar::objstore {

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri, const S3Options& s3);

}  // namespace hangar::objstore
