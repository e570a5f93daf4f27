// A table's state on disk: manifest.json in the table's folder. The
// manifest is the single source of truth: a Parquet file belongs to the
// table exactly when the manifest names it, so switching the manifest (an
// atomic rename, fsynced) switches snapshots, and a crash at any instant
// leaves the old or the new one. Files the manifest does not name are
// leftovers of interrupted writes, removed when the store opens.
//
//   {"format": 1, "name": "default.users", "namespace": "default",
//    "table": "users", "version": 3,
//    "schema": "<base64 of the Arrow IPC Schema message>",
//    "schema_text": "id: int64 not null, ...",        (for people; ignored on read)
//    "files": [{"name": "00000001.parquet", "rows": 3, "bytes": 1024}],
//    "next_file": 2, "dropped": false, "flushed_lsn": 0,
//    "primary_key": ["id"],                            (primary-key tables only)
//    "partition_spec": {...}}                           (partitioned tables only; their
//                                                      files carry "partition": "<path>")
//
// The files are in the table's order (primary_key.h): a compaction puts its
// output where the files it replaces were, so names do not give the order.
// flushed_lsn: every write-ahead-log record of this table up to this LSN is
// in the files (or superseded by an overwrite); replay skips them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arrow/type.h"
#include "store/file_util.h"
#include "store/names.h"
#include "store/partition_spec.h"

namespace hangar::store {

struct ManifestFile {
  std::string name;  // within its partition's folder (the table's folder if unpartitioned)
  int64_t rows = 0;
  int64_t bytes = 0;      // on disk
  std::string partition;  // its partition path ("at_day=2024-01-15"), empty if the table has no partition spec
  bool operator==(const ManifestFile&) const = default;
  // Its path relative to the table's folder.
  fs::path relative_path() const { return partition.empty() ? fs::path(name) : fs::path(partition) / name; }
};

struct Manifest {
  static constexpr int kFormat = 1;
  static constexpr const char* kFileName = "manifest.json";

  QualifiedName name;
  int64_t version = 0;  // +1 per committed change
  arrow::SchemaPtr schema;
  std::vector<ManifestFile> files;
  int64_t next_file = 1;  // the number of the next data file
  bool dropped = false;   // a drop is committed; the folder goes once no reader needs it
  uint64_t flushed_lsn = 0;
  std::vector<std::string> primary_key;  // empty: an append-only table
  PartitionSpec partition_spec;          // empty: an unpartitioned table

  int64_t rows() const;
  int64_t bytes() const;

  Result<std::string> Serialize() const;
  static Result<Manifest> Parse(std::string_view json);

  // Atomic, durable replacement of dir/manifest.json.
  Status Write(const fs::path& dir) const;
  static Result<Manifest> Read(const fs::path& dir);
};

}  // namespace hangar::store
