// Mirror: every table of the store kept as an Iceberg table in an object
// store (store/table_mirror.h is the store's side of it).
//
// The store tells the mirror of each committed change with the snapshot it
// made; the mirror queues the table's state (its files kept on disk while
// queued) and a worker thread brings the Iceberg table to each state in
// turn (IcebergTable::Commit: the new files uploaded, then a snapshot
// committed): a snapshot per commit. A table more than kMaxQueued changes
// behind (a slow or unreachable bucket) has its newest changes folded into
// one snapshot, so the queue stays bounded; the Iceberg table always holds
// a state the Hangar table had. A failure (the bucket unreachable) is
// retried; the table's waiters are answered with an error once their
// deadline passes. A table whose schema has no Iceberg form is not mirrored:
// its waiters are told why at once.
//
// Where a table goes: <namespace>/<name>-<table id, hex>/ under the store's
// root, the id telling apart a table dropped and created again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "iceberg/iceberg_table.h"
#include "store/table_mirror.h"

namespace hangar::iceberg {

struct MirrorOptions {
  std::shared_ptr<objstore::ObjectStore> store;
  std::shared_ptr<duckdb::Database> db;
  std::filesystem::path scratch;  // local room for position-delete files
  ExpiryPolicy expiry;
  // How long a batch waits for object_storage or iceberg_committed while
  // the bucket fails before its ack is an error.
  std::chrono::milliseconds ack_timeout{60000};
  std::chrono::milliseconds retry_delay{1000};
  // In a cluster sharing its tables through the bucket: the writer the
  // definitions name, and the fence asked before every change reaches the
  // bucket (a node that may no longer write its tables changes nothing
  // there; the change is retried, and its waiters fail at their deadline).
  std::function<DefinitionWriter()> writer;
  std::function<Status()> fence;
};

class Mirror : public store::TableMirror {
 public:
  static std::shared_ptr<Mirror> Start(MirrorOptions options);
  ~Mirror() override;
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  void Committed(uint64_t table_id, Change change, const store::SnapshotPtr& snapshot) override;
  void WhenReached(uint64_t table_id, uint64_t lsn, store::MirrorLevel level,
                   std::function<void(const Status&)> done) override;

  // Waits until every change told so far is mirrored (or has failed), at
  // most `timeout`; false if some is still pending then.
  bool Drain(std::chrono::milliseconds timeout);
  // Stops the worker; waiters left are answered UNAVAILABLE.
  void Stop();

  static std::string PrefixOf(const store::QualifiedName& name, uint64_t table_id);

  struct TableInfo {
    std::string name;
    std::string prefix;
    int64_t metadata_version = 0;  // 0: nothing committed yet
    std::string metadata_key;      // of that version
    int64_t hangar_version = 0;    // the Hangar manifest version it holds
    uint64_t uploaded_lsn = 0;
    uint64_t committed_lsn = 0;
    bool pending = false;
    std::string error;  // the last failure, if the table is behind because of it
  };
  std::vector<TableInfo> Tables() const;
  // Changes not yet mirrored, all tables together.
  int64_t backlog() const;
  objstore::ObjectStore& store() const { return *options_.store; }

 private:
  explicit Mirror(MirrorOptions options) : options_(std::move(options)) {}
  void Loop();

  struct Waiter {
    std::function<void(const Status&)> done;
    std::chrono::steady_clock::time_point deadline;
  };
  static constexpr size_t kMaxQueued = 64;

  // A committed state waiting for the worker.
  struct Pending {
    Change change;
    TableState state;
    std::vector<std::shared_ptr<store::Deletable>> files;  // kept on disk until uploaded
    std::filesystem::path folder;                          // the table's, for its manifest's next file number
  };
  struct Entry {
    store::QualifiedName name;
    std::unique_ptr<IcebergTable> table;  // opened at its first change
    std::deque<Pending> pending;
    bool busy = false;  // the worker is on it
    bool dropped = false;
    uint64_t reached[2] = {0, 0};  // by MirrorLevel
    Status failure;                // the last attempt's, OK after a success
    bool permanent = false;        // the failure needs a new change (the schema has no Iceberg form)
    std::multimap<uint64_t, Waiter> waiters[2];
    std::chrono::steady_clock::time_point retry_at{};
    int64_t metadata_version = 0;  // what the table holds, for Tables()
    std::string metadata_key;
    int64_t hangar_version = 0;
  };

  // Raises `level` of `entry` to `lsn` and answers the waiters it satisfies.
  void Reach(uint64_t table_id, store::MirrorLevel level, uint64_t lsn);
  // Answers with `status` the waiters of a table: all of them, or those
  // past their deadline (and the later ones of their level).
  void Fail(uint64_t table_id, const Status& status, bool all_waiters);
  Status Process(uint64_t table_id, Entry& entry, const Pending& pending);

  MirrorOptions options_;
  std::recursive_mutex fire_mu_;  // answers in order: taken before mu_
  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::condition_variable_any idle_;
  std::map<uint64_t, Entry> tables_;  // by table id; guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::thread worker_;
};

}  // namespace hangar::iceberg
