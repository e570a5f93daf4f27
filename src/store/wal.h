// The write-ahead log: what streaming ingest acknowledges at `disk`.
//
// Every record gets the next log sequence number (LSN) and is appended to
// the current segment file; a writer thread gathers whatever was appended
// meanwhile, writes it and fsyncs once (group commit), so one fsync covers
// every concurrent writer and throughput grows with concurrency. A record is
// durable, and its callback runs, only after the fsync that covers it.
//
//   <dir>/<first LSN, 20 digits>.wal     segments, in LSN order
//
// A record on disk:
//
//   u32 payload length | u32 CRC-32 of the rest | u64 LSN | u64 table id |
//   u32 key length | key | payload
//
// (little-endian; the key is the batch's idempotency key, often empty). On open every segment is read in order and each
// valid record is handed to the replay callback. The first record that is torn (the file ends inside it) or corrupt
// (its checksum, length or LSN is wrong) ends the log: the segment is cut there, later segments are removed, and the
// open report says what was cut — nothing after it is replayed as data.
//
// Truncate(lsn) removes segments all of whose records are at most `lsn`
// (their batches are in Parquet now). The newest segment always stays, and
// segment names carry their first LSN, so LSNs keep growing across restarts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "store/file_util.h"

namespace hangar::store {

struct WalOptions {
  fs::path dir;
  // A new segment starts once the current one holds this many bytes.
  int64_t segment_bytes = 64 << 20;
  // Off only in tests and benchmarks that measure everything but the disk.
  bool fsync = true;
};

// A segment file, open for reading while anything refers to a record in it:
// a record stays readable after Truncate removed its segment's name.
class WalSegmentFile {
 public:
  WalSegmentFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  ~WalSegmentFile();
  WalSegmentFile(const WalSegmentFile&) = delete;
  WalSegmentFile& operator=(const WalSegmentFile&) = delete;
  int fd() const { return fd_; }
  const fs::path& path() const { return path_; }

 private:
  int fd_;
  fs::path path_;
};

// Where a record is: enough to read it back when its batch is held nowhere
// else (the memtable's overflow, see ingest.h).
struct WalRecordRef {
  std::shared_ptr<const WalSegmentFile> segment;
  int64_t offset = 0;  // of the record's header in the segment
  int64_t size = 0;    // header, key and payload
};

struct WalRecord {
  uint64_t lsn = 0;
  uint64_t table_id = 0;
  std::string key;
  std::string payload;
  WalRecordRef ref;  // set by replay
};

// Reads the record at `ref` again, checking its checksum.
Result<WalRecord> ReadWalRecord(const WalRecordRef& ref);

// What opening the log found.
struct WalOpenReport {
  int64_t records = 0;     // valid records replayed
  uint64_t last_lsn = 0;   // of the last valid record (or the floor the segment names give)
  int64_t bytes_cut = 0;   // torn or corrupt bytes removed from the end
  std::string cut_reason;  // empty if nothing was cut
};

class WriteAheadLog {
 public:
  using Replay = std::function<Status(WalRecord)>;
  // Opens (or creates) the log in options.dir, replaying every valid record
  // in LSN order into `replay` (may be null).
  static Result<std::unique_ptr<WriteAheadLog>> Open(WalOptions options, const Replay& replay,
                                                     WalOpenReport* report = nullptr);
  ~WriteAheadLog();  // writes and syncs what was appended, then stops
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  // Appends a record and returns its LSN at once. `on_durable` runs on the
  // writer thread once the record is fsynced (or with the error that kept it
  // from being): keep it short.
  using Durable = std::function<void(uint64_t lsn, const Status&)>;
  // `on_located`, if given, runs on the writer thread once the record is
  // durable, before `on_durable`, with where it is (or with no segment if
  // the log failed to write it).
  using Located = std::function<void(WalRecordRef)>;
  uint64_t Append(uint64_t table_id, std::string_view key, std::string_view payload, Durable on_durable = nullptr);
  // The same with a payload in pieces, written one after the other (e.g. a
  // header made here and a body as it arrived: nothing is joined first).
  uint64_t Append(uint64_t table_id, std::string_view key, std::span<const std::string_view> payload,
                  Durable on_durable = nullptr, Located on_located = nullptr);

  // Runs `on_durable` once record `lsn` (appended earlier) is durable: at
  // once if it is, else on the writer thread after the fsync that covers it.
  void AfterDurable(uint64_t lsn, Durable on_durable);

  // Blocks until every record up to `lsn` is durable, or the log failed.
  Status WaitDurable(uint64_t lsn);
  uint64_t durable_lsn() const;
  uint64_t last_lsn() const;

  // Removes segments holding only records <= lsn (the newest one stays).
  Status Truncate(uint64_t lsn);
  // The bytes of every segment still kept, and of records not yet written.
  int64_t bytes() const;

  // Counters for tests and metrics.
  int64_t syncs() const;

 private:
  explicit WriteAheadLog(WalOptions options) : options_(std::move(options)) {}
  void WriterLoop();
  Status OpenSegment(uint64_t first_lsn);
  Status WriteGroup(const std::string& bytes);

  struct Pending {
    uint64_t lsn;
    Durable on_durable;
    Located on_located;
    int64_t offset = 0;  // of the record in the buffer it was appended to
    int64_t size = 0;
  };
  struct Segment {
    uint64_t first_lsn;
    fs::path path;
    int64_t bytes;
  };

  WalOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_;     // the writer waits for records
  std::condition_variable durable_;  // WaitDurable waits for syncs
  std::string buffer_;               // encoded records not yet written; guarded by mu_
  std::vector<Pending> pending_;     // their callbacks; guarded by mu_
  std::vector<Pending> waiting_;     // AfterDurable callbacks of records not yet durable; guarded by mu_
  uint64_t next_lsn_ = 1;            // guarded by mu_
  uint64_t durable_lsn_ = 0;         // guarded by mu_
  Status failed_;                    // a write or sync failed: the log takes nothing more; guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  int64_t syncs_ = 0;                // guarded by mu_

  int64_t bytes_ = 0;  // of the kept segments and buffer_; guarded by mu_

  // Touched by the writer thread only (and by Open).
  std::shared_ptr<WalSegmentFile> segment_;
  int64_t segment_size_ = 0;
  std::vector<Segment> segments_;  // guarded by mu_

  std::thread writer_;
};

}  // namespace hangar::store
