// Restore: the tables an object store holds, brought into a local data
// directory that lacks them (a node started on an empty or lost disk, or
// one whose copy of a table is older than the bucket's).
//
// For every table in the bucket the newest Hangar definition
// (table_definition.h) whose data files are all there is taken; its files
// are downloaded into a folder prepared aside and fsynced, its manifest
// written, and the folder renamed into <data dir>/tables/ under the table's
// own id, so that the mirror goes on committing to the same Iceberg table.
// Data files are fetched eagerly, before the node serves: reads then stay
// local Parquet reads, as without a bucket. A table is left as it is when
// the local copy is as new or newer (same id, same or later version: not
// yet uploaded), when the local table of that name is another one (another
// id: created or dropped here since), or when its local folder records its
// drop. Of several tables of one name in the bucket (one dropped and
// created again, the purge cut short), the definition saved last wins.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "objstore/object_store.h"

namespace hangar::iceberg {

struct RestoreOptions {
  objstore::ObjectStore* store = nullptr;
  std::filesystem::path tables_dir;  // <data dir>/tables
  // The write-ahead log holds nothing (it was lost with the disk): the
  // flushed LSNs the bucket recorded counted in a log that is gone, so the
  // restored tables start from 0 with the new one.
  bool log_is_new = false;
};

struct RestoreReport {
  std::vector<std::string> restored;  // table names, brought from the bucket
  std::vector<std::string> kept;      // table names whose local copy stays
  std::vector<std::string> skipped;   // "name: why" for tables the bucket cannot give whole
};

// An error (the bucket unreachable, a download or the local disk failing)
// leaves the data directory as it was, but for the tables already restored.
Result<RestoreReport> RestoreTables(const RestoreOptions& options);

}  // namespace hangar::iceberg
