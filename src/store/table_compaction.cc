// TableStore's compaction: runs of small files (or, asked for, every
// partition's files) rewritten into one file each and swapped in by one
// commit; a primary-key table keeps its latest row per key.
#include "store/crash_point.h"
#include "store/primary_key.h"
#include "store/table_store.h"

namespace hangar::store {

Result<TableStore::CompactResult> TableStore::Compact(const std::shared_ptr<Table>& table, bool all) {
  auto snapshot = table->snapshot();
  CompactResult result;
  result.files_before = result.files_after = static_cast<int>(snapshot->files.size());
  std::vector<std::vector<const DataFile*>> runs;
  for (const auto& files : FilesByPartition(*snapshot, {})) {
    if (all) {
      // One file is as compact as it gets (a primary-key table's files hold one row per key).
      if (files.size() >= 2) runs.push_back(files);
      continue;
    }
    // The first run of small files, up to about one target file's worth.
    std::vector<const DataFile*> current;
    int64_t bytes = 0;
    for (const auto* f : files) {
      if (f->meta.bytes >= options_.compact_small_bytes || bytes + f->meta.bytes > options_.target_file_bytes) {
        if (static_cast<int>(current.size()) >= options_.compact_min_files) break;
        current.clear();
        bytes = 0;
        if (f->meta.bytes >= options_.compact_small_bytes) continue;
      }
      current.push_back(f);
      bytes += f->meta.bytes;
    }
    if (static_cast<int>(current.size()) >= options_.compact_min_files) {
      runs.push_back(std::move(current));
      break;  // one run per call
    }
  }
  for (const auto& f : snapshot->files) result.rows_before += f.meta.rows;
  result.rows_after = result.rows_before;
  for (const auto& run : runs) {
    HANGAR_ASSIGN_OR_RETURN(auto rows, CompactRun(table, snapshot, run));
    for (const auto* f : run) result.rows_after -= f->meta.rows;
    result.rows_after += rows;
    result.files_after -= static_cast<int>(run.size()) - 1;
  }
  return result;
}

Result<int64_t> TableStore::CompactRun(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                                       const std::vector<const DataFile*>& run) {
  const std::string select = snapshot->primary_key.empty()
                                 ? SelectFiles(run)
                                 : LatestRowsSql(snapshot->primary_key, RankColumn(*snapshot->schema),
                                                 reader_->RankedRows(snapshot, run, false));
  // One file: the run is small.
  Staging staging;
  HANGAR_ASSIGN_OR_RETURN(auto staged, writer_.WriteOne(select, run.front()->meta.partition, &staging));
  const int64_t rows = staged.rows;
  staging.files.push_back(std::move(staged));
  CrashPoint("compact-staged");
  std::vector<std::string> names;
  for (const auto* f : run) names.push_back(f->meta.name);
  HANGAR_RETURN_NOT_OK(table->ReplaceFiles(names, std::move(staging.files)).status());
  return rows;
}

}  // namespace hangar::store
