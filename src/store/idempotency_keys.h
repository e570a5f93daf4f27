// The idempotency keys of one table: which batch (LSN) each key wrote, so
// that a batch sent again after a lost connection or a crash is answered with
// its original LSN and writes nothing.
//
// A key is taken when its batch is appended to the write-ahead log, whose
// record carries it; while the record is in the log, replay brings the key
// back. Once the batch is flushed to Parquet the log record goes, so before
// that happens Persist() appends the key to the table's key file:
//
//   <table dir>/idempotency_keys.log, records of
//   u32 key length | u32 CRC-32 of the rest | u64 LSN | i64 time (µs) | key
//
// (little-endian; a torn or corrupt tail — a crash during an append — is cut
// on open: those keys are still in the log, which is truncated only after the
// append is synced). Keys are kept for `window` after their batch was
// written; the file is rewritten without the expired ones once they are most
// of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/file_util.h"

namespace hangar::store {

class IdempotencyKeys {
 public:
  static constexpr const char* kFileName = "idempotency_keys.log";

  // Reads dir/idempotency_keys.log if there is one.
  static Result<std::unique_ptr<IdempotencyKeys>> Open(const fs::path& dir, std::chrono::seconds window, bool fsync);

  // The LSN of the batch `key` wrote, if it is known (and not expired).
  std::optional<uint64_t> Find(const std::string& key) const;
  // Takes `key` for batch `lsn`, written at `time_us` (a key already known keeps its batch).
  void Add(const std::string& key, uint64_t lsn, int64_t time_us);

  // Makes the keys of batches up to `upto` durable in the key file and
  // forgets the expired ones.
  Status Persist(uint64_t upto, int64_t now_us);
  // The lowest LSN whose key is only in the write-ahead log (0: none): the
  // log must keep that record.
  uint64_t first_unpersisted() const { return unpersisted_.empty() ? 0 : unpersisted_.begin()->first; }
  size_t size() const { return keys_.size(); }

 private:
  IdempotencyKeys(fs::path file, std::chrono::seconds window, bool fsync)
      : file_(std::move(file)), window_us_(window.count() * 1000000), fsync_(fsync) {}
  // Takes `key` for batch `lsn` unless it is known; false if it was.
  bool Remember(const std::string& key, uint64_t lsn, int64_t time_us);
  void Expire(int64_t now_us);
  Status Rewrite(uint64_t upto);

  struct Entry {
    uint64_t lsn;
    int64_t time_us;
  };
  fs::path file_;
  int64_t window_us_;
  bool fsync_;
  // Each key's text is kept once, in keys_ (whose nodes do not move): the
  // other two point at it. A key may be a kilobyte, and a stream of small
  // batches may take one per batch.
  std::unordered_map<std::string, Entry> keys_;
  std::map<uint64_t, const std::string*> unpersisted_;  // by LSN
  std::deque<const std::string*> by_age_;               // keys in the order they were taken
  int64_t file_records_ = 0;                            // records in the file, expired ones included
};

}  // namespace hangar::store
