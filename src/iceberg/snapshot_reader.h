// Reading a snapshot another Iceberg writer made (a client committing
// through the REST catalog): which data files it added, from its manifest
// list and manifests (Avro, read with Hangar's own reader).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "objstore/object_store.h"

namespace hangar::iceberg {

// The key in `store` of `uri` (a location the store's UriOf gives, or
// another writer's spelling of it: Hadoop's `file:/path` and
// `file://localhost/path` for `file:///path`, `s3a://` and `s3n://` for
// `s3://`); INVALID_ARGUMENT if the location is not in this store.
Result<std::string> KeyOfUri(const objstore::ObjectStore& store, std::string_view uri);

// `uri` in the spelling UriOf uses (the forms above made `file:///...` and
// `s3://...`); any other location as it is.
std::string CanonicalUri(std::string_view uri);

struct AddedFiles {
  std::vector<std::string> data_files;  // keys of the data files the snapshot added
  std::vector<std::string> metadata;    // keys of its manifest list and the manifests it wrote
};

// The data files snapshot `snapshot_id` added, from its manifest list at
// `manifest_list_uri`. Delete files are refused (INVALID_ARGUMENT): a
// client's deletes are not taken.
Result<AddedFiles> ReadAddedFiles(objstore::ObjectStore& store, std::string_view manifest_list_uri,
                                  int64_t snapshot_id);

}  // namespace hangar::iceberg
