// Background compaction. Streaming ingest flushes a memtable every few
// seconds under steady load, and small puts make small files: a table would
// collect thousands of them, each costing an open and a footer read per
// scan. The compactor looks at every table now and then and rewrites its
// first run of small consecutive files as one file (TableStore::Compact),
// which also merges the versions of a key within the run in a primary-key
// table. It never blocks readers (they keep their snapshots, and tickets
// naming replaced files keep working for a while) nor writers (the switch
// takes the table's commit lock for a moment; files flushed meanwhile stay
// after the compacted one).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "base/periodic.h"
#include "store/table_store.h"

namespace hangar::store {

class Compactor {
 public:
  // `busy` (may be empty) says when to leave the disk and the cores to
  // writers: a round it answers true for is skipped (compaction catches up
  // when ingest slows down).
  Compactor(std::shared_ptr<TableStore> store, std::chrono::milliseconds interval, std::function<bool()> busy = {});
  // Stops, after the compaction under way if any.
  ~Compactor() = default;
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  // Compacts every table that has a run to compact, until none has (also
  // what the thread does every interval).
  void CompactDue();

 private:
  std::shared_ptr<TableStore> store_;
  std::function<bool()> busy_;
  std::mutex compact_mu_;  // one compaction at a time
  Periodic rounds_;        // last: it stops before the rest goes
};

}  // namespace hangar::store
