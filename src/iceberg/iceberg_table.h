// One Hangar table kept as an Iceberg table in an object store.
//
//   <prefix>/data/<partition path>/<file>.parquet      Hangar's own files, uploaded as they are
//   <prefix>/metadata/v<N>.metadata.json               table metadata, version N
//   <prefix>/metadata/version-hint.text                N, for readers that look for it
//   <prefix>/metadata/snap-<id>-<uuid>.avro            a snapshot's manifest list
//   <prefix>/metadata/<uuid>-m<k>.avro                 its manifests
//   <prefix>/metadata/snap-<id>.hangar.json            Hangar's index of that snapshot's files
//
// Commit makes the Iceberg table hold exactly the files of a committed
// Hangar snapshot (TableState): the files it does not have yet are
// uploaded, then one manifest lists every live file (the new ones ADDED,
// the others EXISTING with the sequence numbers they were added with, the
// ones gone DELETED), a manifest list points at it, and the new metadata
// is written with PutIfAbsent as v<N+1>.metadata.json: the writer that
// creates version N+1 first has committed; another finds it there, reads it
// and tries again on top of it.
//
// Primary-key tables: Hangar keeps older versions of a key in earlier files
// and reads the latest (store/primary_key.h). Each Iceberg snapshot of such
// a table also carries one position-delete file naming, for every key, the
// rows of earlier files that a later file supersedes, so that an Iceberg
// reader sees one row per key too. See docs/tables.md for why deletes and
// not copy-on-write rewrites.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrow/type.h"
#include "duckdb/database.h"
#include "iceberg/manifest.h"
#include "iceberg/table_definition.h"
#include "iceberg/table_metadata.h"
#include "objstore/object_store.h"
#include "store/manifest.h"
#include "store/partition_spec.h"

namespace hangar::iceberg {

// What a committed Hangar snapshot holds, for the Iceberg commit.
struct TableState {
  std::string name;  // "namespace.table", recorded in the properties
  arrow::SchemaPtr schema;
  std::vector<std::string> primary_key;
  store::PartitionSpec partition_spec;
  struct File {
    std::string relative;  // under data/: "<partition>/<name>" or "<name>"
    std::filesystem::path local;
    int64_t rows = 0;
    int64_t bytes = 0;
    std::string partition;  // its partition path
  };
  std::vector<File> files;  // in the table's order
  int64_t version = 0;      // Hangar's manifest version
  uint64_t flushed_lsn = 0;
  // "replace" for a compaction (the same rows in other files); empty: from
  // what changed ("append" when files were only added, "delete" when only
  // removed, "overwrite" when both).
  std::string operation;
  // Hangar's own definition of this state (its manifest), saved beside the
  // metadata (table_definition.h) so that a node can serve the table from
  // the bucket alone; null: none is saved.
  std::shared_ptr<const store::Manifest> definition;
};

// A snapshot is expired when it is neither among the newest
// `min_snapshots` nor younger than `max_age_ms` (the current one never is).
struct ExpiryPolicy {
  int min_snapshots = 100;
  int64_t max_age_ms = 24LL * 3600 * 1000;  // 0: age keeps none
};

class IcebergTable {
 public:
  // The table under `prefix` in `store`, as its latest metadata says (none
  // yet: an empty table is created by the first Commit). `scratch` is a
  // local folder for the delete files it writes; `db` reads Parquet footers.
  static Result<std::unique_ptr<IcebergTable>> Open(objstore::ObjectStore* store, std::string prefix,
                                                    std::shared_ptr<duckdb::Database> db,
                                                    std::filesystem::path scratch);

  // Makes the Iceberg table hold `state` (see above). Does nothing if the
  // table already holds this Hangar version or a later one (but saves the
  // state's definition if the bucket lacks it). `uploaded` is called once
  // the data files and the definition are in the store, before the
  // metadata commit.
  Status Commit(const TableState& state, const std::function<void()>& uploaded = nullptr);
  // Who the definitions this object saves name as their writer (a cluster
  // sharing its tables through the bucket); by default nobody.
  void set_writer(std::function<DefinitionWriter()> writer) { writer_ = std::move(writer); }

  // Expires snapshots by `policy` and deletes every file no retained
  // snapshot needs (manifest lists, manifests, data and delete files).
  Status ExpireSnapshots(const ExpiryPolicy& policy);

  // Deletes every object of the table (a drop).
  Status Purge();

  // The metadata committed last (nullopt before the first commit), its version and key.
  const std::optional<TableMetadata>& metadata() const { return metadata_; }
  int64_t metadata_version() const { return version_; }
  std::string MetadataKey(int64_t version) const;
  // The Hangar version and flushed LSN of the current snapshot (0 if none).
  int64_t hangar_version() const;
  uint64_t flushed_lsn() const;

 private:
  IcebergTable(objstore::ObjectStore* store, std::string prefix, std::shared_ptr<duckdb::Database> db,
               std::filesystem::path scratch)
      : store_(store), prefix_(std::move(prefix)), db_(std::move(db)), scratch_(std::move(scratch)) {}

  // Reads the newest metadata and its snapshot's index.
  Status Load();
  Status TryCommit(const TableState& state, const std::function<void()>& uploaded);
  DefinitionWriter Writer() const { return writer_ ? writer_() : DefinitionWriter{}; }

  struct IndexedFile {
    std::string relative;  // data files: under data/; delete files: under metadata/ or deletes/
    DataFileInfo info;
    int64_t snapshot_id = 0;
    int64_t sequence_number = 0;
  };
  struct Index {
    int64_t hangar_version = 0;
    uint64_t flushed_lsn = 0;
    std::vector<IndexedFile> files;           // data files
    std::vector<IndexedFile> deletes;         // position-delete files
    std::vector<std::string> metadata_files;  // manifest list and manifests this snapshot wrote
  };
  static nlohmann::json IndexJson(const Index& index);
  static Result<Index> ParseIndex(std::string_view text);
  Result<Index> ReadIndex(int64_t snapshot_id);
  std::string IndexKey(int64_t snapshot_id) const;

  // The position-delete file of a primary-key table over `group` (indices
  // into `files`, one partition's), written and uploaded; nullopt when no
  // row is superseded.
  Result<std::optional<IndexedFile>> WritePositionDeletes(const TableState& state,
                                                          const std::vector<IndexedFile>& files,
                                                          const std::vector<size_t>& group, int64_t snapshot_id,
                                                          int64_t sequence_number);

  objstore::ObjectStore* store_;
  std::string prefix_;
  std::shared_ptr<duckdb::Database> db_;
  std::filesystem::path scratch_;
  std::optional<TableMetadata> metadata_;
  int64_t version_ = 0;
  Index index_;
  std::function<DefinitionWriter()> writer_;
  bool definition_checked_ = false;  // the current version's definition is known to be in the store
};

}  // namespace hangar::iceberg
