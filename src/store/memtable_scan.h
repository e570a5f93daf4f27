// hangar_memtable('<snapshot id>'): the rows of a table snapshot's memtable
// as a DuckDB relation, so that SQL — the store's own reads of primary-key
// tables and compaction as much as Flight SQL's views — can read a table's
// files and its rows still in memory in one query.
//
// The rows come in their storage form (storage_types.h), the form DuckDB
// reads back from the table's Parquet files, so that files and memtable
// line up in a UNION ALL. For a primary-key table a rank column follows the
// table's columns (primary_key.h), numbering the rows after the files.
//
// hangar_read_copies('<snapshot id>'): the rows of an append-only snapshot's
// files read from their read copies (read_copy.h) instead of decoding
// Parquet, a file at a time, only the columns the query uses converted. The
// batches are in the table's exact schema, not the storage form: the reader
// names it only for tables whose columns DuckDB reads from Parquet as it
// reads them from Arrow (TableReader::SelectAll).
#pragma once

#include <map>
#include <mutex>

#include "duckdb/database.h"
#include "store/table.h"

namespace hangar::store {

class MemtableScan {
 public:
  // Registers hangar_memtable on `db` (once: later stores on it share it).
  static Result<std::shared_ptr<MemtableScan>> Register(std::shared_ptr<duckdb::Database> db);

  // The relation of `snapshot`'s memtable rows: "hangar_memtable('17')". A
  // query naming it must run while the caller holds `snapshot`; one that
  // starts after the snapshot is gone fails UNAVAILABLE ("run it again").
  std::string Relation(const SnapshotPtr& snapshot);
  // The relation of `snapshot`'s files read from their read copies:
  // "hangar_read_copies('17')", held as Relation's. A query fails if a read
  // copy is missing or unusable when it comes to the file.
  std::string ReadCopiesRelation(const SnapshotPtr& snapshot);

  struct Snapshots;

 private:
  std::shared_ptr<Snapshots> snapshots_;
};

}  // namespace hangar::store
