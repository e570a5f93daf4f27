#include "server/bucket_peers.h"

#include <map>
#include <set>

#include "iceberg/restore.h"
#include "store/file_util.h"
#include "store/table_folder.h"

namespace hangar::server {

namespace fs = std::filesystem;

Status SyncBucketPeers(objstore::ObjectStore& store, const fs::path& nodes_dir, const std::string& self_id) {
  HANGAR_ASSIGN_OR_RETURN(auto scan, iceberg::ScanBucket(store));
  std::map<uint64_t, std::string> writer_of;  // by table id
  std::set<std::string> writers;
  for (const auto& [name, table] : scan.tables) {
    if (table.definition.writer.node.empty()) continue;  // saved outside a cluster: nobody's
    writer_of[table.id] = table.definition.writer.node;
    writers.insert(table.definition.writer.node);
  }
  std::set<uint64_t> own;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(nodes_dir / self_id / "tables", ec))
    own.insert(store::TableIdOfFolder(entry.path()));

  // Copies that are no longer their node's go first (a table of the same
  // name may come in their place).
  for (const auto& node : fs::directory_iterator(nodes_dir, ec)) {
    const std::string id = node.path().filename().string();
    if (id == self_id) continue;
    std::error_code tables_ec;
    for (const auto& entry : fs::directory_iterator(node.path() / "tables", tables_ec)) {
      auto writer = writer_of.find(store::TableIdOfFolder(entry.path()));
      const bool aside = entry.path().filename().string().starts_with(".new-");
      if (aside || writer == writer_of.end() || writer->second != id)
        HANGAR_RETURN_NOT_OK(store::RemoveAll(entry.path()));
    }
  }
  for (const auto& writer : writers) {
    if (writer == self_id || writer.find('/') != std::string::npos || writer.starts_with(".")) continue;
    iceberg::RestoreOptions options;
    options.store = &store;
    options.tables_dir = nodes_dir / writer / "tables";
    options.quiet = true;
    options.want = [&](const iceberg::BucketTable& table) {
      return table.definition.writer.node == writer && !own.count(table.id);
    };
    HANGAR_RETURN_NOT_OK(iceberg::RestoreScanned(options, scan).status());
  }
  return Status::OK();
}

Result<bool> BucketNamesWriter(objstore::ObjectStore& store, const fs::path& own_tables, const std::string& self_id) {
  HANGAR_ASSIGN_OR_RETURN(auto scan, iceberg::ScanBucket(store));
  std::set<uint64_t> own;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(own_tables, ec)) own.insert(store::TableIdOfFolder(entry.path()));
  for (const auto& [name, table] : scan.tables)
    if (own.count(table.id) && !table.definition.writer.node.empty() && table.definition.writer.node != self_id)
      return false;
  return true;
}

}  // namespace hangar::server
