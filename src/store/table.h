// One table: its folder, its committed state and the snapshots readers hold.
//
// Readers never lock: they take the current snapshot (a shared_ptr) and read
// its files. Writers are serialized per table by Commit, which moves staged
// Parquet files into the folder, switches the manifest and publishes the new
// snapshot. Files a change removes (overwrite) and the folder of a dropped
// table are deleted only when the last snapshot that can still read them is
// gone, so a reader always finishes on the snapshot it started with.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "store/manifest.h"

namespace hangar::store {

// A file or folder deleted when the last reference goes, if by then it has
// been marked obsolete.
class Deletable {
 public:
  explicit Deletable(fs::path path) : path_(std::move(path)) {}
  ~Deletable();
  Deletable(const Deletable&) = delete;
  Deletable& operator=(const Deletable&) = delete;
  const fs::path& path() const { return path_; }
  void MarkObsolete() { obsolete_ = true; }

 private:
  fs::path path_;
  std::atomic<bool> obsolete_ = false;
};

struct DataFile {
  ManifestFile meta;
  std::shared_ptr<Deletable> file;
  const fs::path& path() const { return file->path(); }
};

struct TableSnapshot {
  QualifiedName name;
  int64_t version = 0;
  arrow::SchemaPtr schema;
  std::vector<DataFile> files;
  std::shared_ptr<Deletable> folder;  // keeps a dropped table's folder until its readers finish
  int64_t rows = 0;
  int64_t bytes = 0;
};
using SnapshotPtr = std::shared_ptr<const TableSnapshot>;

// A Parquet file written outside the table, waiting to be committed.
struct StagedFile {
  fs::path path;
  int64_t rows = 0;
  int64_t bytes = 0;
};

enum class CommitMode { kAppend, kOverwrite };

class Table {
 public:
  // Creates the table's folder with an empty version-1 manifest, atomically:
  // the folder is prepared under a temporary name and renamed into place.
  static Result<std::shared_ptr<Table>> Create(const fs::path& tables_dir, const QualifiedName& name,
                                               arrow::SchemaPtr schema);
  // Opens an existing folder, removing files its manifest does not name.
  static Result<std::shared_ptr<Table>> Open(const fs::path& dir, Manifest manifest);

  SnapshotPtr snapshot() const;
  const fs::path& dir() const { return folder_->path(); }

  // Adds `staged` to the table (kAppend: `schema` must be the table's) or
  // replaces its contents and schema (kOverwrite). The staged files are
  // moved into the folder. Returns the new snapshot.
  Result<SnapshotPtr> Commit(CommitMode mode, const arrow::SchemaPtr& schema, std::vector<StagedFile> staged);
  // Commits the drop (the manifest says so); the folder goes with the last snapshot.
  Status Drop();

 private:
  Table(std::shared_ptr<Deletable> folder, Manifest manifest);
  SnapshotPtr MakeSnapshot() const;  // of manifest_; needs write_mu_

  std::shared_ptr<Deletable> folder_;
  std::mutex write_mu_;  // serializes Commit and Drop
  Manifest manifest_;    // guarded by write_mu_
  std::vector<DataFile> files_;  // manifest_.files with their lifetimes; guarded by write_mu_
  mutable std::mutex snapshot_mu_;
  SnapshotPtr snapshot_;  // guarded by snapshot_mu_
};

// The first difference between a table's schema and a stream's, in words
// ("field 'id' is int64 in the table but int32 in the stream"); empty if none.
std::string SchemaMismatch(const arrow::Schema& table, const arrow::Schema& stream);

}  // namespace hangar::store
