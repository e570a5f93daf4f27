#include "iceberg/snapshot_reader.h"

#include "avro/object_container.h"

namespace hangar::iceberg {
namespace {

// The column (or struct field) named `name`, or null.
const arrow::Array* Field(const arrow::Schema& schema, const std::vector<arrow::ArrayPtr>& columns,
                          std::string_view name) {
  const int i = schema.GetFieldIndex(name);
  return i < 0 ? nullptr : columns[static_cast<size_t>(i)].get();
}

const arrow::Array* Child(const arrow::Array& parent, std::string_view name) {
  for (int i = 0; i < parent.type->num_children(); ++i)
    if (parent.type->child(static_cast<size_t>(i))->name() == name)
      return parent.children[static_cast<size_t>(i)].get();
  return nullptr;
}

Result<int64_t> IntAt(const arrow::Array* a, int64_t i, const char* what) {
  if (a == nullptr || a->IsNull(i)) return Status::Invalid(std::string("a manifest has no ") + what);
  switch (a->type->id()) {
    case arrow::TypeId::kInt32: return a->raw<int32_t>(1)[a->offset + i];
    case arrow::TypeId::kInt64: return a->raw<int64_t>(1)[a->offset + i];
    default: return Status::Invalid(std::string("a manifest's ") + what + " is not an integer");
  }
}

Result<std::string> TextAt(const arrow::Array* a, int64_t i, const char* what) {
  if (a == nullptr || a->IsNull(i) || !a->type->is_binary_like())
    return Status::Invalid(std::string("a manifest has no ") + what);
  return std::string(a->GetBinary(i));
}

}  // namespace

std::string CanonicalUri(std::string_view uri) {
  if (uri.substr(0, 5) == "file:") {
    std::string_view path = uri.substr(5);
    if (path.substr(0, 12) == "//localhost/") {
      path.remove_prefix(11);
    } else if (path.substr(0, 3) == "///") {
      path.remove_prefix(2);
    } else if (path.substr(0, 2) == "//" || path.substr(0, 1) != "/") {
      return std::string(uri);  // another host, or not a path: no other spelling
    }
    return "file://" + std::string(path);
  }
  if (uri.substr(0, 6) == "s3a://" || uri.substr(0, 6) == "s3n://") return "s3://" + std::string(uri.substr(6));
  return std::string(uri);
}

Result<std::string> KeyOfUri(const objstore::ObjectStore& store, std::string_view uri) {
  const std::string root = CanonicalUri(store.UriOf(""));
  const std::string location = CanonicalUri(uri);
  if (location.compare(0, root.size(), root) != 0 || location.size() == root.size())
    return Status::Invalid("location '" + std::string(uri) + "' is not in this server's object store");
  return location.substr(root.size());
}

Result<AddedFiles> ReadAddedFiles(objstore::ObjectStore& store, std::string_view manifest_list_uri,
                                  int64_t snapshot_id) {
  AddedFiles out;
  HANGAR_ASSIGN_OR_RETURN(std::string list_key, KeyOfUri(store, manifest_list_uri));
  HANGAR_ASSIGN_OR_RETURN(std::string list_bytes, store.Get(list_key));
  out.metadata.push_back(list_key);
  HANGAR_ASSIGN_OR_RETURN(auto list, avro::ReadContainerFile(list_bytes));
  for (const auto& batch : list.batches) {
    const auto& s = *batch->schema;
    for (int64_t row = 0; row < batch->num_rows; ++row) {
      HANGAR_ASSIGN_OR_RETURN(int64_t added_by,
                              IntAt(Field(s, batch->columns, "added_snapshot_id"), row, "added_snapshot_id"));
      if (added_by != snapshot_id) continue;  // an earlier snapshot's manifest, carried over
      if (const arrow::Array* content = Field(s, batch->columns, "content")) {
        HANGAR_ASSIGN_OR_RETURN(int64_t kind, IntAt(content, row, "content"));
        if (kind != 0) return Status::Invalid("the snapshot adds delete files, which this catalog does not take");
      }
      HANGAR_ASSIGN_OR_RETURN(std::string manifest_uri,
                              TextAt(Field(s, batch->columns, "manifest_path"), row, "manifest_path"));
      HANGAR_ASSIGN_OR_RETURN(std::string manifest_key, KeyOfUri(store, manifest_uri));
      HANGAR_ASSIGN_OR_RETURN(std::string manifest_bytes, store.Get(manifest_key));
      out.metadata.push_back(manifest_key);
      HANGAR_ASSIGN_OR_RETURN(auto manifest, avro::ReadContainerFile(manifest_bytes));
      for (const auto& entries : manifest.batches) {
        const auto& es = *entries->schema;
        const arrow::Array* status = Field(es, entries->columns, "status");
        const arrow::Array* data_file = Field(es, entries->columns, "data_file");
        if (data_file == nullptr) return Status::Invalid("a manifest entry has no data_file");
        for (int64_t e = 0; e < entries->num_rows; ++e) {
          HANGAR_ASSIGN_OR_RETURN(int64_t st, IntAt(status, e, "status"));
          if (st != 1) continue;  // only what this snapshot added
          HANGAR_ASSIGN_OR_RETURN(std::string path,
                                  TextAt(Child(*data_file, "file_path"), data_file->offset + e, "file_path"));
          HANGAR_ASSIGN_OR_RETURN(std::string key, KeyOfUri(store, path));
          out.data_files.push_back(std::move(key));
        }
      }
    }
  }
  return out;
}

}  // namespace hangar::iceberg
