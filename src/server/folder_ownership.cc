#include "server/folder_ownership.h"

#include <algorithm>
#include <thread>

#include "base/log.h"
#include "cluster/rendezvous.h"

namespace hangar::server {

namespace {

constexpr const char* kEpochFile = "epoch";

}  // namespace

Result<int64_t> ReadFolderEpoch(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder / kEpochFile, ec)) return int64_t{0};
  HANGAR_ASSIGN_OR_RETURN(auto text, store::ReadWholeFile(folder / kEpochFile));
  return static_cast<int64_t>(std::strtoll(text.c_str(), nullptr, 10));
}

Status WriteFolderEpoch(const fs::path& folder, int64_t epoch) {
  HANGAR_RETURN_NOT_OK(store::CreateDirectories(folder));
  return store::WriteFileAtomic(folder / kEpochFile, std::to_string(epoch) + "\n");
}

Result<std::shared_ptr<FolderOwnership>> FolderOwnership::Acquire(std::shared_ptr<cluster::Membership> membership,
                                                                  FolderOwnershipOptions options,
                                                                  std::chrono::milliseconds wait) {
  std::shared_ptr<FolderOwnership> ownership(new FolderOwnership(std::move(membership), std::move(options)));
  // After a session expired, the node rejoins only once it holds its folder
  // again (or learns it was adopted, and exits).
  ownership->membership_->SetRejoinGate([weak = std::weak_ptr<FolderOwnership>(ownership)] {
    auto self = weak.lock();
    if (!self) return true;  // closing: nothing to hold
    auto held = self->HoldOwnFolder(false);
    return held.ok() && *held;
  });
  const auto until = std::chrono::steady_clock::now() + wait;
  bool said = false;
  while (true) {
    auto held = ownership->HoldOwnFolder(true);
    if (held.ok() && *held) return ownership;
    if (std::chrono::steady_clock::now() > until)
      return Status::Unavailable("another node holds this node's folder " + ownership->folder().string() +
                                 " (adopting it) and did not let it go in time" +
                                 (held.ok() ? "" : ": " + held.status().ToString()));
    if (!said)
      log::Info("waiting for this node's folder: another node is adopting it",
                {{"folder", ownership->folder().string()}});
    said = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

FolderOwnership::~FolderOwnership() {
  Stop();
  membership_->SetRejoinGate(nullptr);
}

void FolderOwnership::Stop() {
  if (periodic_) periodic_->Stop();
}

Result<bool> FolderOwnership::HoldOwnFolder(bool starting) {
  // The background thread and the membership's rejoin gate both call this.
  std::lock_guard holding(hold_mu_);
  const int64_t session = membership_->session_id();
  {
    std::lock_guard lock(mu_);
    if (lost_) return false;
    if (session != 0 && session == locked_session_) return true;
  }
  if (session == 0) return false;
  HANGAR_ASSIGN_OR_RETURN(auto epoch, membership_->Lock(LockName(membership_->self_id())));
  if (!epoch) {
    if (starting) return false;  // adopted right now: wait for it
    // Another node holds the folder while this process still runs on it.
  } else {
    HANGAR_ASSIGN_OR_RETURN(const int64_t found, ReadFolderEpoch(folder()));
    bool still = true;
    if (!starting && options_.still_writes) {
      HANGAR_ASSIGN_OR_RETURN(still, options_.still_writes());
    }
    std::unique_lock lock(mu_);
    // Starting, the folder is whatever it is (an adopter left it empty).
    // Running, it must still hold the epoch this process wrote: else another
    // node held it meanwhile, and this process's memory is stale.
    if (starting || (found == epoch_ && still)) {
      HANGAR_RETURN_NOT_OK(WriteFolderEpoch(folder(), *epoch));
      if (!starting) log::Info("holds its folder again after a new ZooKeeper session");
      epoch_ = *epoch;
      writer_epoch_ = std::max(writer_epoch_, *epoch);
      locked_session_ = session;
      return true;
    }
  }
  std::string why = "this node's folder " + folder().string() +
                    " was adopted by another node while this node was cut off from ZooKeeper";
  {
    std::lock_guard lock(mu_);
    if (lost_) return false;
    lost_ = true;
  }
  log::Error(why);
  if (options_.on_lost) options_.on_lost(why);
  return false;
}

Status FolderOwnership::Fence() const {
  if (!membership_->session_alive())
    return Status::Unavailable("this node is cut off from ZooKeeper: it writes no table until it is back");
  int64_t epoch;
  {
    std::lock_guard lock(mu_);
    if (lost_ || membership_->session_id() != locked_session_)
      return Status::Unavailable(
          "this node's ZooKeeper session changed: it writes no table until it holds its folder again");
    epoch = epoch_;
  }
  // The file, not memory: an adopter writes its own epoch there first.
  HANGAR_ASSIGN_OR_RETURN(const int64_t found, ReadFolderEpoch(folder()));
  if (found != epoch) return Status::Unavailable("this node's folder was taken over by another node");
  return Status::OK();
}

void FolderOwnership::Start(std::shared_ptr<store::TableStore> store, std::shared_ptr<store::Ingest> ingest,
                            std::shared_ptr<duckdb::Database> db) {
  store_ = store;
  ingest_ = ingest;
  db_ = std::move(db);
  periodic_ = std::make_unique<Periodic>(std::chrono::milliseconds(250), [this] { Tick(); });
}

int64_t FolderOwnership::adopted() const {
  std::lock_guard lock(mu_);
  return adopted_;
}

int64_t FolderOwnership::writer_epoch() const {
  std::lock_guard lock(mu_);
  return writer_epoch_;
}

void FolderOwnership::Tick() {
  auto held = HoldOwnFolder(false);
  if (!held.ok()) log::Warn("cannot take this node's folder lock (will retry)", {{"error", held.status().ToString()}});
  if (!held.ok() || !*held || !membership_->registered()) {
    gone_since_.clear();  // what was seen gone is seen afresh once back
    return;
  }
  if (options_.refresh_peers) options_.refresh_peers(false);
  std::vector<std::string> live;
  for (const auto& m : membership_->members()) live.push_back(m.id);
  const auto now = std::chrono::steady_clock::now();
  std::error_code ec;
  std::map<std::string, std::chrono::steady_clock::time_point> gone;
  for (const auto& entry : fs::directory_iterator(options_.shared_dir / "nodes", ec)) {
    const std::string id = entry.path().filename().string();
    if (std::find(live.begin(), live.end(), id) != live.end()) continue;
    std::error_code tables_ec;
    if (fs::is_empty(entry.path() / "tables", tables_ec) || tables_ec) continue;  // nothing to adopt
    auto since = gone_since_.find(id);
    gone[id] = since == gone_since_.end() ? now : since->second;
    // Seen gone for a whole session timeout, by a node that was a member all
    // along: not a node that is only reconnecting after a ZooKeeper restart.
    if (now - gone[id] < options_.session_timeout) continue;
    if (cluster::RankMembers(LockName(id), live).front() != membership_->self_id()) continue;
    if (Status st = Adopt(id); !st.ok())
      log::Warn("adopting a gone node's folder failed (will retry)", {{"node", id}, {"error", st.ToString()}});
  }
  gone_since_.swap(gone);
}

Status FolderOwnership::Adopt(const std::string& node_id) {
  auto store = store_.lock();
  auto ingest = ingest_.lock();
  if (!store || !ingest) return Status::OK();  // closing
  HANGAR_ASSIGN_OR_RETURN(auto epoch, membership_->Lock(LockName(node_id)));
  if (!epoch) return Status::OK();  // its node is back, or another node adopts it
  // From the bucket: once more under the lock, as another node may have
  // adopted the tables just before (they are then its, no longer these).
  if (options_.refresh_peers) options_.refresh_peers(true);
  const fs::path their = options_.shared_dir / "nodes" / node_id;
  log::Info("adopting a gone node's folder", {{"node", node_id}, {"folder", their.string()}});
  // Our epoch in their folder first: if that node is alive somewhere and
  // comes back, its fence refuses from now on.
  Status st = WriteFolderEpoch(their, *epoch);
  {
    std::lock_guard lock(mu_);
    writer_epoch_ = std::max(writer_epoch_, *epoch);
  }
  const int64_t session = membership_->session_id();
  auto fence = [this, their, session, epoch = *epoch]() -> Status {
    if (!membership_->session_alive() || membership_->session_id() != session)
      return Status::Unavailable("lost the lock of the folder being adopted");
    HANGAR_ASSIGN_OR_RETURN(const int64_t found, ReadFolderEpoch(their));
    return found == epoch ? Status::OK() : Status::Unavailable("another node adopts the folder now");
  };
  if (st.ok() && options_.replay_logs) st = store::RecoverFolder(their, db_, options_.recover, fence);
  if (st.ok()) st = store->Adopt(their, ingest->wal().last_lsn());
  if (st.ok() && options_.after_adopt) st = options_.after_adopt();
  if (st.ok()) {
    std::lock_guard lock(mu_);
    ++adopted_;
  }
  Status unlocked = membership_->Unlock(LockName(node_id));
  HANGAR_RETURN_NOT_OK(st);
  log::Info("adopted a gone node's tables", {{"node", node_id}});
  return unlocked;
}

std::map<std::string, std::vector<std::string>> FolderOwnership::TablesByNode() const {
  std::map<std::string, std::vector<std::string>> out;
  auto store = store_.lock();
  if (!store) return out;
  // One look at the peers' folders (PeerOf per table would read them all each time).
  for (const auto& [name, node] : store->PeerTables()) out[node].push_back(name.ToString());
  for (const auto& table : store->Tables()) out[membership_->self_id()].push_back(table->snapshot()->name.ToString());
  return out;
}

Result<std::optional<std::string>> FolderOwnership::WriterOf(const store::QualifiedName& name) const {
  auto store = store_.lock();
  if (!store) return Status::Unavailable("the server is shutting down");
  const auto members = membership_->members();
  auto location_of = [&](const std::string& id) -> std::optional<std::string> {
    for (const auto& m : members)
      if (m.id == id) return m.location;
    return std::nullopt;
  };
  if (auto peer = store->PeerOf(name)) {
    if (auto location = location_of(*peer)) return location;
    return Status::Unavailable("table '" + name.ToString() + "' is written by node " + *peer +
                               ", which is not in the cluster now; another node takes its tables over within about "
                               "two session timeouts: retry then");
  }
  if (store->Snapshot(name).ok() || members.empty()) return std::optional<std::string>();  // ours
  std::vector<std::string> ids;
  for (const auto& m : members) ids.push_back(m.id);
  const std::string first = cluster::RankMembers("table:" + name.ToString(), ids).front();
  if (first == membership_->self_id()) return std::optional<std::string>();
  return location_of(first);
}

}  // namespace hangar::server
