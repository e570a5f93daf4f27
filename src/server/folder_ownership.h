// Tables in a cluster (docs/cluster.md#tables).
//
// The nodes share one data directory (--shared-data-dir). Each keeps its
// tables and its write-ahead log in a folder of its own, <shared>/nodes/<node
// id>, and reads the others' tables there (committed snapshots; the store's
// peers). A table is written by the node whose folder holds it — created on
// the member rendezvous hashing ranks first for its name — and writes that
// reach another node are forwarded there (table_forwarding.h).
//
// A node writes into its folder only while it holds the ZooKeeper lock
// "folder-<node id>" and the folder's epoch file holds that lock's epoch
// (the fence every manifest switch and every streamed batch asks). When a
// node has been gone for a session timeout as seen by a live node, the live
// node that rendezvous hashing ranks first for the folder takes its lock,
// writes its own epoch into the folder (fencing out the old owner for good),
// replays the folder's log and flushes it (every batch acknowledged at
// `disk` is then in Parquet), moves its tables into its own folder, and lets
// the lock go. A node whose own folder was adopted while it was cut off (it
// finds another epoch there when it holds its lock again) cannot trust what
// it has in memory: it reports that through on_lost and its process exits.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/periodic.h"
#include "cluster/membership.h"
#include "store/ingest.h"
#include "store/table_store.h"

namespace hangar::server {

namespace fs = std::filesystem;

struct FolderOwnershipOptions {
  fs::path shared_dir;  // <shared>/nodes/<node id> are the nodes' folders
  // How long a node must be seen gone before its folder is adopted.
  std::chrono::milliseconds session_timeout{6000};
  store::IngestOptions recover;  // how an adopted folder's log is replayed
  // Called (once) when this node's folder turns out to be another's now.
  std::function<void(const std::string& why)> on_lost;
  // A cluster sharing its tables through the bucket (docs/cluster.md):
  // shared_dir is this node's own, the other nodes' folders there hold
  // copies of their tables as the bucket has them (no log: what the bucket
  // lacks of a gone node is not replayed), `refresh_peers` brings them up
  // to date before adoptions are considered (`force`: now, not only if
  // it has not lately), and
  // `after_adopt` waits until the adopted tables are in the bucket under
  // this node's name before the gone node's lock is let go.
  bool replay_logs = true;
  std::function<void(bool force)> refresh_peers;
  std::function<Status()> after_adopt;
  // Asked when this node holds its lock again after its session expired:
  // false if another node adopted its tables meanwhile (when that leaves no
  // trace in its own folder, which it alone writes).
  std::function<Result<bool>()> still_writes;
};

class FolderOwnership : public std::enable_shared_from_this<FolderOwnership> {
 public:
  // Takes this node's folder's lock (waiting, up to `wait`, while another
  // node adopts the folder) and stamps the folder with its epoch. Call before
  // the store opens the folder.
  static Result<std::shared_ptr<FolderOwnership>> Acquire(std::shared_ptr<cluster::Membership> membership,
                                                          FolderOwnershipOptions options,
                                                          std::chrono::milliseconds wait);
  ~FolderOwnership();

  static std::string LockName(const std::string& node_id) { return "folder-" + node_id; }
  // This node's folder.
  fs::path folder() const { return options_.shared_dir / "nodes" / membership_->self_id(); }
  // OK while this node may write into its folder: a member, its lock held
  // by the current session, its epoch in the folder.
  Status Fence() const;

  // From now on: holds the folder again after a new session, and adopts
  // dead nodes' folders into `store` (whose streaming ingest is `ingest`).
  void Start(std::shared_ptr<store::TableStore> store, std::shared_ptr<store::Ingest> ingest,
             std::shared_ptr<duckdb::Database> db);
  // Ends that background work (before the store closes).
  void Stop();

  // Where a write to table `name` goes: nullopt if this node writes it (it
  // holds it, or nobody does and this node ranks first for a new one), else
  // the location of the node that does. UNAVAILABLE if that node is gone
  // and its folder not adopted yet.
  Result<std::optional<std::string>> WriterOf(const store::QualifiedName& name) const;

  // The tables each node writes (by node id), as the folders hold them now.
  std::map<std::string, std::vector<std::string>> TablesByNode() const;

  // Folders this node adopted since it started.
  int64_t adopted() const;
  // The largest epoch of the locks this node has held (its own folder's
  // and those of folders it adopted): what it stamps on what it writes in
  // the bucket, larger than the stamp of every earlier writer of its tables.
  int64_t writer_epoch() const;

 private:
  FolderOwnership(std::shared_ptr<cluster::Membership> membership, FolderOwnershipOptions options)
      : membership_(std::move(membership)), options_(std::move(options)) {}
  // Takes the own folder's lock if the current session does not hold it;
  // true once it does.
  Result<bool> HoldOwnFolder(bool starting);
  // One round of the background work: the own lock, then adoptions.
  void Tick();
  Status Adopt(const std::string& node_id);

  const std::shared_ptr<cluster::Membership> membership_;
  const FolderOwnershipOptions options_;
  // Weak: the store's fence holds this object, and the store outlives it.
  std::weak_ptr<store::TableStore> store_;
  std::weak_ptr<store::Ingest> ingest_;
  std::shared_ptr<duckdb::Database> db_;

  std::mutex hold_mu_;  // one HoldOwnFolder at a time
  mutable std::mutex mu_;
  int64_t epoch_ = 0;           // of the own folder's lock; guarded by mu_
  int64_t locked_session_ = 0;  // the session holding it; guarded by mu_
  bool lost_ = false;           // guarded by mu_
  int64_t adopted_ = 0;         // guarded by mu_
  int64_t writer_epoch_ = 0;    // guarded by mu_
  // Nodes with a folder and no znode, since when (this node registered all along).
  std::map<std::string, std::chrono::steady_clock::time_point> gone_since_;  // touched by Tick only
  std::unique_ptr<Periodic> periodic_;
};

// The epoch file of a node's folder: the epoch of the lock whose holder
// writes there.
Result<int64_t> ReadFolderEpoch(const fs::path& folder);
Status WriteFolderEpoch(const fs::path& folder, int64_t epoch);

}  // namespace hangar::server
