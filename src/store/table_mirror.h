// TableMirror: whoever keeps a copy of the store's tables elsewhere (an
// object store, as Iceberg tables: src/iceberg/mirror.h). The store only
// tells it what was committed and asks it when a record is safe there; it
// knows nothing of buckets or Iceberg, so the layers stay one way (the
// mirror sits above the store and is handed to it by the node).
#pragma once

#include <cstdint>
#include <functional>

#include "base/status.h"
#include "store/table.h"

namespace hangar::store {

// The levels a mirror adds to ingest's (ingest.h: memory, disk, committed).
enum class MirrorLevel {
  kObjectStorage,     // the file holding the record is in the object store
  kIcebergCommitted,  // an Iceberg snapshot containing it is committed
};

class TableMirror {
 public:
  virtual ~TableMirror() = default;

  using Change = TableChange;  // table.h
  // Called right after the change is committed, in commit order per table,
  // with the table's writer lock held: it must only take note, never wait
  // for I/O. The snapshot keeps its files on disk for as long as it is held;
  // after a drop it is the table's last.
  virtual void Committed(uint64_t table_id, Change change, const SnapshotPtr& snapshot) = 0;

  // Calls `done` once every record of table `table_id` up to `lsn` (counted
  // as the table's flushed_lsn counts) has reached `level`, or with the
  // error that keeps it from doing so. Calls for one table and level are
  // answered in the order of their LSNs.
  virtual void WhenReached(uint64_t table_id, uint64_t lsn, MirrorLevel level,
                           std::function<void(const Status&)> done) = 0;
};

}  // namespace hangar::store
