#include "iceberg/mirror.h"

#include <cstdio>
#include <cstdlib>

#include "base/log.h"
#include "metrics/registry.h"

namespace hangar::iceberg {
namespace {

// The mirror's figures: how far the bucket is behind, and how it fares.
struct MirrorMetrics {
  metrics::Gauge& backlog = metrics::DefaultRegistry()
                                .Gauge("hangar_iceberg_backlog", "Committed table changes not yet in the object store")
                                .WithLabels({});
  metrics::Counter& commits =
      metrics::DefaultRegistry()
          .Counter("hangar_iceberg_commits_total", "Table changes brought into the object store")
          .WithLabels({});
  metrics::Counter& failures =
      metrics::DefaultRegistry()
          .Counter("hangar_iceberg_failures_total", "Attempts to bring an Iceberg table up to date that failed")
          .WithLabels({});
};

MirrorMetrics& Metrics() {
  static MirrorMetrics m;
  return m;
}

int Index(store::MirrorLevel level) { return level == store::MirrorLevel::kObjectStorage ? 0 : 1; }

TableState StateOf(const store::TableSnapshot& snapshot, store::TableMirror::Change change) {
  TableState state;
  state.name = snapshot.name.ToString();
  state.schema = snapshot.schema;
  state.primary_key = snapshot.primary_key;
  state.partition_spec = snapshot.partition_spec;
  for (const auto& f : snapshot.files)
    state.files.push_back({f.meta.relative_path().string(), f.path(), f.meta.rows, f.meta.bytes, f.meta.partition});
  state.version = snapshot.version;
  state.flushed_lsn = snapshot.flushed_lsn;
  if (change == store::TableMirror::Change::kCompaction) state.operation = "replace";
  auto definition = std::make_shared<store::Manifest>();
  definition->name = snapshot.name;
  definition->version = snapshot.version;
  definition->schema = snapshot.schema;
  for (const auto& f : snapshot.files) definition->files.push_back(f.meta);
  // The files' numbers say at least this much; Process reads the manifest's.
  for (const auto& f : snapshot.files)
    definition->next_file =
        std::max<int64_t>(definition->next_file, std::strtoll(f.meta.name.c_str(), nullptr, 10) + 1);
  definition->flushed_lsn = snapshot.flushed_lsn;
  definition->primary_key = snapshot.primary_key;
  definition->partition_spec = snapshot.partition_spec;
  state.definition = std::move(definition);
  return state;
}

}  // namespace

std::shared_ptr<Mirror> Mirror::Start(MirrorOptions options) {
  std::shared_ptr<Mirror> mirror(new Mirror(std::move(options)));
  mirror->worker_ = std::thread([m = mirror.get()] { m->Loop(); });
  return mirror;
}

Mirror::~Mirror() { Stop(); }

std::string Mirror::PrefixOf(const store::QualifiedName& name, uint64_t table_id) {
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(table_id));
  return name.ns + "/" + name.name + "-" + id;
}

void Mirror::Committed(uint64_t table_id, Change change, const store::SnapshotPtr& snapshot) {
  Pending next{
      change, StateOf(*snapshot, change), {}, snapshot->folder ? snapshot->folder->path() : std::filesystem::path()};
  for (const auto& f : snapshot->files) next.files.push_back(f.file);
  // A dropped table's folder, which records the drop, stays until the
  // bucket's copy is purged: a start before then must not restore the table
  // from the bucket (restore.h), and hands the drop to the mirror again.
  if (change == Change::kDropped && snapshot->folder) next.files.push_back(snapshot->folder);
  std::lock_guard lock(mu_);
  Entry& entry = tables_[table_id];
  entry.name = snapshot->name;
  if (entry.pending.size() >= kMaxQueued && change != Change::kDropped) {
    // Folded into the newest queued state: described by what changed,
    // unless both were compactions.
    Pending& last = entry.pending.back();
    if (last.change != change) next.state.operation.clear();
    last = std::move(next);
  } else {
    entry.pending.push_back(std::move(next));
    Metrics().backlog.Add(1);
  }
  entry.retry_at = {};
  wake_.notify_all();
}

void Mirror::WhenReached(uint64_t table_id, uint64_t lsn, store::MirrorLevel level,
                         std::function<void(const Status&)> done) {
  std::lock_guard fire(fire_mu_);
  Status answer;
  {
    std::lock_guard lock(mu_);
    Entry& entry = tables_[table_id];
    if (stopping_) {
      answer = Status::Unavailable("the server stopped before the batch reached the object store");
    } else if (entry.dropped) {
      answer = Status::NotFound("the table was dropped before the batch reached the object store");
    } else if (entry.reached[Index(level)] >= lsn) {
      answer = Status::OK();
    } else if (entry.permanent) {
      answer = Status::FailedPrecondition("the table is not kept in the object store: " + entry.failure.message());
    } else {
      entry.waiters[Index(level)].emplace(
          lsn, Waiter{std::move(done), std::chrono::steady_clock::now() + options_.ack_timeout});
      return;
    }
  }
  done(answer);
}

void Mirror::Reach(uint64_t table_id, store::MirrorLevel level, uint64_t lsn) {
  std::lock_guard fire(fire_mu_);
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mu_);
    Entry& entry = tables_[table_id];
    auto& reached = entry.reached[Index(level)];
    reached = std::max(reached, lsn);
    auto& waiters = entry.waiters[Index(level)];
    auto end = waiters.upper_bound(reached);
    for (auto it = waiters.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    waiters.erase(waiters.begin(), end);
  }
  for (auto& w : ready) w.done(Status::OK());
}

void Mirror::Fail(uint64_t table_id, const Status& status, bool all_waiters) {
  std::lock_guard fire(fire_mu_);
  std::vector<Waiter> failed;
  {
    std::lock_guard lock(mu_);
    auto found = tables_.find(table_id);
    if (found == tables_.end()) return;
    const auto now = std::chrono::steady_clock::now();
    for (auto& waiters : found->second.waiters) {
      // In LSN order; a waiter past its deadline takes the later ones with
      // it, so that a level is never answered out of order.
      auto it = waiters.begin();
      if (!all_waiters) {
        auto late =
            std::find_if(waiters.begin(), waiters.end(), [&](const auto& w) { return w.second.deadline <= now; });
        if (late == waiters.end()) continue;
        it = late;
        // Everything from the first late one on would be answered after it.
      }
      for (auto j = it; j != waiters.end(); ++j) failed.push_back(std::move(j->second));
      waiters.erase(it, waiters.end());
    }
  }
  for (auto& w : failed) w.done(status);
}

Status Mirror::Process(uint64_t table_id, Entry& entry, const Pending& pending) {
  if (!entry.table) {
    HANGAR_ASSIGN_OR_RETURN(entry.table, IcebergTable::Open(options_.store.get(), PrefixOf(entry.name, table_id),
                                                            options_.db, options_.scratch));
    entry.table->set_writer(options_.writer);
  }
  if (options_.fence) HANGAR_RETURN_NOT_OK(options_.fence());
  if (pending.change == Change::kDropped) {
    HANGAR_RETURN_NOT_OK(entry.table->Purge());
    {
      std::lock_guard lock(mu_);
      entry.dropped = true;
    }
    Fail(table_id, Status::NotFound("the table was dropped before the batch reached the object store"), true);
    return Status::OK();
  }
  TableState state = pending.state;
  if (state.definition && !pending.folder.empty()) {
    // The number the table's next file takes: never one a file it had
    // before took (the bucket may keep that one for older snapshots). The
    // manifest on disk may be newer than the state; its number only grows.
    if (auto manifest = store::Manifest::Read(pending.folder);
        manifest.ok() && manifest->next_file > state.definition->next_file) {
      auto definition = std::make_shared<store::Manifest>(*state.definition);
      definition->next_file = manifest->next_file;
      state.definition = std::move(definition);
    }
  }
  HANGAR_RETURN_NOT_OK(
      entry.table->Commit(state, [&] { Reach(table_id, store::MirrorLevel::kObjectStorage, state.flushed_lsn); }));
  {
    std::lock_guard lock(mu_);
    entry.metadata_version = entry.table->metadata_version();
    entry.metadata_key = entry.table->MetadataKey(entry.metadata_version);
    entry.hangar_version = entry.table->hangar_version();
  }
  Reach(table_id, store::MirrorLevel::kObjectStorage, state.flushed_lsn);
  Reach(table_id, store::MirrorLevel::kIcebergCommitted, state.flushed_lsn);
  if (Status st = entry.table->ExpireSnapshots(options_.expiry); !st.ok())
    log::Warn("expiring Iceberg snapshots failed", {{"table", state.name}, {"error", st.ToString()}});
  return Status::OK();
}

void Mirror::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    uint64_t id = 0;
    Entry* entry = nullptr;
    for (auto& [table_id, e] : tables_) {
      if (!e.pending.empty() && !e.busy && e.retry_at <= now) {
        id = table_id;
        entry = &e;
        break;
      }
    }
    if (entry == nullptr) {
      wake_.wait_for(lock, std::chrono::milliseconds(200));
      // Waiters of tables the bucket keeps failing give up at their deadline.
      std::vector<std::pair<uint64_t, Status>> behind;
      for (auto& [table_id, e] : tables_)
        if (!e.failure.ok() && !e.permanent) behind.emplace_back(table_id, e.failure);
      lock.unlock();
      for (const auto& [table_id, failure] : behind)
        Fail(table_id,
             Status::Unavailable("the object store has not taken the batch within " +
                                 std::to_string(options_.ack_timeout.count() / 1000) + " s: " + failure.message()),
             false);
      lock.lock();
      continue;
    }
    Pending pending = std::move(entry->pending.front());
    entry->pending.pop_front();
    entry->busy = true;
    lock.unlock();
    Status st = Process(id, *entry, pending);
    lock.lock();
    entry->busy = false;
    entry->failure = st;
    entry->permanent = st.code() == StatusCode::kInvalidArgument;
    if (st.ok()) {
      Metrics().backlog.Add(-1);
      if (pending.change != Change::kDropped) Metrics().commits.Add();
    } else {
      Metrics().failures.Add();
      if (entry->permanent) Metrics().backlog.Add(-1);
      log::Warn("mirroring a table into the object store failed",
                {{"table", entry->name.ToString()}, {"error", st.ToString()}});
      // Tried again (unless it cannot succeed), before the changes after it.
      if (!entry->permanent) entry->pending.push_front(std::move(pending));
      entry->retry_at = std::chrono::steady_clock::now() + options_.retry_delay;
    }
    const bool permanent = entry->permanent;
    idle_.notify_all();
    lock.unlock();
    pending.files.clear();  // they may go now, outside the lock: deleting takes time
    if (permanent)
      Fail(id, Status::FailedPrecondition("the table is not kept in the object store: " + st.message()), true);
    lock.lock();
  }
}

bool Mirror::Drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] {
    // A table the bucket keeps failing does not hold the drain up.
    for (const auto& [id, e] : tables_)
      if (e.busy || (!e.pending.empty() && e.failure.ok())) return false;
    return true;
  });
}

void Mirror::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : tables_) ids.push_back(id);
  }
  for (uint64_t id : ids)
    Fail(id, Status::Unavailable("the server stopped before the batch reached the object store"), true);
}

std::vector<Mirror::TableInfo> Mirror::Tables() const {
  std::lock_guard lock(mu_);
  std::vector<TableInfo> out;
  for (const auto& [id, e] : tables_) {
    if (e.dropped) continue;
    TableInfo info;
    info.name = e.name.ToString();
    info.prefix = PrefixOf(e.name, id);
    info.metadata_version = e.metadata_version;
    info.hangar_version = e.hangar_version;
    if (e.metadata_version > 0) info.metadata_key = e.metadata_key;
    info.uploaded_lsn = e.reached[0];
    info.committed_lsn = e.reached[1];
    info.pending = !e.pending.empty() || e.busy;
    if (!e.failure.ok()) info.error = e.failure.message();
    out.push_back(std::move(info));
  }
  return out;
}

int64_t Mirror::backlog() const {
  std::lock_guard lock(mu_);
  int64_t n = 0;
  for (const auto& [id, e] : tables_) n += static_cast<int64_t>(e.pending.size()) + (e.busy ? 1 : 0);
  return n;
}

}  // namespace hangar::iceberg
