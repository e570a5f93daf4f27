// TableStore in a cluster sharing tables (docs/cluster.md): the tables in
// other nodes' folders, read as peers (found again on each lookup), the
// check before a write that the table is this node's own and its folder
// still held, and a gone node's folder adopted.
#include <algorithm>

#include "store/file_util.h"
#include "store/table_store.h"

namespace hangar::store {

void TableStore::RefreshPeers() const {
  if (options_.peers_dir.empty()) return;
  // Called on every lookup: a few directory listings and small reads, each
  // manifest parsed only when its text changed. (Not its inode and mtime:
  // a switch may reuse the inode the one before freed, within the same
  // clock tick.)
  std::lock_guard lock(peers_mu_);
  std::map<QualifiedName, PeerTable> found;
  std::error_code ec;
  const fs::path own = fs::weakly_canonical(options_.data_dir, ec);
  for (const auto& node : fs::directory_iterator(options_.peers_dir, ec)) {
    std::error_code node_ec;
    if (!node.is_directory(node_ec) || fs::weakly_canonical(node.path(), node_ec) == own) continue;
    for (const auto& entry : fs::directory_iterator(node.path() / "tables", node_ec)) {
      const fs::path dir = entry.path();
      if (dir.filename().string().starts_with(".new-") || !entry.is_directory(node_ec)) continue;
      auto text = ReadWholeFile(dir / Manifest::kFileName);
      if (!text.ok()) continue;  // being created, or gone
      auto known =
          std::find_if(peers_.begin(), peers_.end(), [&](const auto& p) { return p.second.table->dir() == dir; });
      if (known != peers_.end() && known->second.manifest_text == *text) {
        found.insert(*known);
        continue;
      }
      auto manifest = Manifest::Parse(*text);
      if (!manifest.ok() || manifest->dropped) continue;
      const QualifiedName name = manifest->name;
      found[name] =
          PeerTable{node.path().filename().string(), Table::OpenPeer(dir, std::move(*manifest)), std::move(*text)};
    }
  }
  peers_.swap(found);
}

std::optional<std::string> TableStore::PeerOf(const QualifiedName& name) const {
  {
    std::lock_guard lock(mu_);
    if (tables_.count(name)) return std::nullopt;
  }
  RefreshPeers();
  std::lock_guard lock(peers_mu_);
  auto it = peers_.find(name);
  if (it == peers_.end()) return std::nullopt;
  return it->second.node;
}

std::map<QualifiedName, std::string> TableStore::PeerTables() const {
  RefreshPeers();
  std::map<QualifiedName, std::string> out;
  {
    std::lock_guard lock(peers_mu_);
    for (const auto& [name, peer] : peers_) out[name] = peer.node;
  }
  std::lock_guard lock(mu_);
  for (const auto& [name, table] : tables_) out.erase(name);  // this store's own, as PeerOf says
  return out;
}

Status TableStore::CheckWritable(const QualifiedName& name) const {
  if (options_.fence) HANGAR_RETURN_NOT_OK(options_.fence());
  if (auto peer = PeerOf(name))
    return Status::FailedPrecondition("table '" + name.ToString() + "' belongs to cluster node " + *peer +
                                      ": write to it there");
  return Status::OK();
}

Status TableStore::Adopt(const fs::path& peer_folder, uint64_t log_position) {
  if (options_.fence) HANGAR_RETURN_NOT_OK(options_.fence());
  Status first_error;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(peer_folder / "tables", ec)) {
    const fs::path dir = entry.path();
    if (!entry.is_directory()) continue;
    if (dir.filename().string().starts_with(".new-")) {
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    HANGAR_ASSIGN_OR_RETURN(auto manifest, Manifest::Read(dir));
    if (manifest.dropped) {
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    std::lock_guard lock(mu_);
    if (tables_.count(manifest.name)) {
      if (first_error.ok())
        first_error = Status::AlreadyExists("cannot adopt table " + manifest.name.ToString() + " from " + dir.string() +
                                            ": this node has a table of that name");
      continue;
    }
    // Every row is in its files (recovered); LSNs from now on are this log's.
    manifest.flushed_lsn = log_position;
    manifest.version += 1;
    HANGAR_RETURN_NOT_OK(manifest.Write(dir));
    const fs::path target = tables_dir() / dir.filename();
    HANGAR_RETURN_NOT_OK(DurableRename(dir, target));
    const QualifiedName name = manifest.name;
    HANGAR_ASSIGN_OR_RETURN(auto table, Table::Open(target, std::move(manifest)));
    AddTable(name, std::move(table));
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return IoError("cannot list", peer_folder / "tables", ec.value());
  return first_error;
}

}  // namespace hangar::store
