// Metrics of the write path: write-ahead log groups (records per fsync, the
// write + fsync time, bytes), acknowledgement latency per durability level,
// and memtable bytes (hangar_wal_*, hangar_ingest_*, in
// metrics::DefaultRegistry()).
#pragma once

#include <cstdint>
#include <string_view>

namespace hangar::store {

class StoreMetrics {
 public:
  static StoreMetrics& Get();
  // One group commit: `records` records, `bytes` bytes, written and synced in `seconds`.
  void WalGroup(int64_t records, int64_t bytes, double seconds);
  // A batch reached `level` (memory, disk, committed) `seconds` after it arrived.
  void Acked(std::string_view level, double seconds);
  // Held in memory, and kept in the log only (the overflow).
  void MemtableBytes(int64_t bytes, int64_t logged);

 private:
  StoreMetrics() = default;
};

}  // namespace hangar::store
