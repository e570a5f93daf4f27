// Primary-key tables: writes are upserts, every read sees the latest row per
// key.
//
// Versions of a key are not replaced in place. A table's rows have an order
// — its files in manifest order, each file's rows, then the memtable in LSN
// order — and the latest row of a key is its last one in that order. Every
// file of a primary-key table holds at most one row per key (each write
// keeps only its own last row per key before it writes a file), so a read
// needs only the rank of each file, not of each row in it: readers number
// the files 1, 2, ... and the memtable rows after them, and keep per key the
// row with the highest number (LatestRowsSql). Compaction merges the
// versions of a run of files into one row per key.
//
// Ordering file ranks by position rather than by file name leaves the
// manifest free to put compacted files where the files they replace were.
#pragma once

#include <string>
#include <vector>

#include "arrow/record_batch_source.h"

namespace hangar::store {

// A key must name distinct fields of `schema` whose types compare as keys
// (numbers, strings, binaries, decimals, dates, times and timestamps, bools);
// INVALID_ARGUMENT naming what is wrong otherwise.
Status CheckPrimaryKey(const arrow::Schema& schema, const std::vector<std::string>& key);

// A key column holds no null (a row without a key cannot be upserted).
Status CheckKeyNotNull(const arrow::RecordBatch& batch, const std::vector<std::string>& key);

// The name of the rank column readers and writers add: "__hangar_rank", with
// more underscores if the table has a column of that name.
std::string RankColumn(const arrow::Schema& schema);

// `source`'s batches with a rank column appended (RankColumn of its schema,
// int64): first_rank for its first row, one more for each next row.
std::unique_ptr<arrow::RecordBatchSource> WithRank(std::unique_ptr<arrow::RecordBatchSource> source,
                                                   int64_t first_rank);

// "a", "b": the columns quoted for SQL (a PARTITION BY, an ORDER BY).
std::string QuotedColumns(const std::vector<std::string>& columns);

// A SELECT keeping the last row per `key` of `ranked`, a relation (table
// function call or subquery) with the table's columns and a rank column
// `rank`; the result has the table's columns only.
std::string LatestRowsSql(const std::vector<std::string>& key, const std::string& rank, const std::string& ranked);

}  // namespace hangar::store
