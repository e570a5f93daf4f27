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
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "iceberg/table_definition.h"
#include "objstore/object_store.h"

namespace hangar::iceberg {

// A table the bucket holds: its prefix, id and newest whole definition.
struct BucketTable {
  std::string prefix;
  uint64_t id = 0;
  TableDefinition definition;
};

struct BucketScan {
  std::map<store::QualifiedName, BucketTable> tables;  // the newest table of each name
  std::vector<std::string> skipped;                    // "prefix: why" for tables the bucket cannot give whole
  std::set<uint64_t> listed;                           // the ids of every table with a definition listed
};

// Lists the bucket once and reads the definitions of its tables.
Result<BucketScan> ScanBucket(objstore::ObjectStore& store);

struct RestoreOptions {
  objstore::ObjectStore* store = nullptr;
  std::filesystem::path tables_dir;  // <data dir>/tables
  // The write-ahead log holds nothing (it was lost with the disk): the
  // flushed LSNs the bucket recorded counted in a log that is gone, so the
  // restored tables start from 0 with the new one.
  bool log_is_new = false;
  // Which of the bucket's tables to consider (default: all); the others are
  // left out as if the bucket did not hold them.
  std::function<bool(const BucketTable&)> want;
  bool quiet = false;  // no log line per table restored (copies kept up to date)
};

struct RestoreReport {
  std::vector<std::string> restored;  // table names, brought from the bucket
  std::vector<std::string> kept;      // table names whose local copy stays
  std::vector<std::string> skipped;   // "name: why" for tables the bucket cannot give whole
};

// An error (the bucket unreachable, a download or the local disk failing)
// leaves the data directory as it was, but for the tables already restored.
Result<RestoreReport> RestoreTables(const RestoreOptions& options);
// The same, from a scan made before (`options.store` is still where the
// files come from). An older local copy's data files that the newer
// version still names are linked, not downloaded again (data files never
// change once written).
Result<RestoreReport> RestoreScanned(const RestoreOptions& options, const BucketScan& scan);

}  // namespace hangar::iceberg
