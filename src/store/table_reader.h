// Reading a table's snapshot: its Parquet files through DuckDB and its
// memtable rows, as Arrow batches of the table's exact schema
// (storage_types.h), or as SQL text for the views SQL reads; the latest row
// per key of a primary-key table (primary_key.h); only some partitions
// (partition_spec.h). The read half of the table store (table_store.h):
// it holds no state of its own beyond the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arrow/record_batch_source.h"
#include "duckdb/database.h"
#include "store/memtable_scan.h"
#include "store/table.h"

namespace hangar::store {

class TableReader {
 public:
  // `file_group_bytes`: the most bytes of files one group of FileGroups
  // holds. With `read_copies`, a scan of an append-only table reads each
  // file's read copy where it has a usable one (read_copy.h).
  TableReader(std::shared_ptr<duckdb::Database> db, std::shared_ptr<MemtableScan> memtable_scan,
              int64_t file_group_bytes, bool read_copies = false);

  // What TableStore::Scan, CountRows, SelectAll and FileGroups answer (table_store.h).
  Result<std::unique_ptr<arrow::RecordBatchSource>> Scan(const SnapshotPtr& snapshot,
                                                         const std::vector<std::string>& files,
                                                         const std::vector<std::string>& partitions) const;
  Result<int64_t> CountRows(const SnapshotPtr& snapshot, const std::vector<std::string>& partitions) const;
  std::string SelectAll(const SnapshotPtr& snapshot) const;
  std::vector<std::vector<std::string>> FileGroups(const TableSnapshot& snapshot,
                                                   const std::vector<std::string>& partitions) const;
  // Files then memtable rows of `snapshot`, ranked (primary_key.h): the
  // relation LatestRowsSql reads (a compaction reads a run of files so).
  std::string RankedRows(const SnapshotPtr& snapshot, const std::vector<const DataFile*>& files, bool memtable) const;

 private:
  // The files of `snapshot` named `files` (all if empty), also among those
  // a compaction retired lately.
  Result<std::vector<const DataFile*>> FindFiles(const TableSnapshot& snapshot,
                                                 const std::vector<std::string>& files) const;
  // Whether SQL reads `snapshot`'s files from their read copies: see SelectAll.
  bool SqlReadsCopies(const TableSnapshot& snapshot) const;
  // The latest row per key of a primary-key table's snapshot; "" if it has no rows.
  std::string LatestRowsQuery(const SnapshotPtr& snapshot) const;

  std::shared_ptr<duckdb::Database> db_;
  std::shared_ptr<MemtableScan> memtable_scan_;
  int64_t file_group_bytes_;
  bool read_copies_;
};

// A snapshot's files per partition (of `partitions` only, if given), each
// partition's in the table's order, partitions in order of first appearance
// (an unpartitioned table: one partition, "").
std::vector<std::vector<const DataFile*>> FilesByPartition(const TableSnapshot& snapshot,
                                                           const std::vector<std::string>& partitions);
// Every row of `files`, in order (DuckDB keeps the files' order and the rows').
std::string SelectFiles(const std::vector<const DataFile*>& files);
// INVALID_ARGUMENT unless `partitions` are partition paths of a partitioned table.
Status CheckPartitions(const TableSnapshot& snapshot, const std::vector<std::string>& partitions);

}  // namespace hangar::store
