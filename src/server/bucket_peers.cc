#include "server/bucket_peers.h"

#include <map>
#include <set>
#include <vector>

#include "iceberg/restore.h"
#include "store/file_util.h"
#include "store/table_folder.h"

namespace hangar::server {

namespace fs = std::filesystem;

namespace {

// A node id as a folder name: one path segment (the bucket is trusted, but
// a damaged definition must not name a folder elsewhere).
bool PlainNodeId(const std::string& id) {
  return !id.empty() && id.find('/') == std::string::npos && !id.starts_with(".");
}

}  // namespace

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
  // name may come in their place): a dropped table's, and one another node
  // adopted, which moves to that node's folder (its files are linked into
  // the newer version there). A table the bucket did not give whole this
  // round (its writer committed while it was read) keeps its copy.
  std::vector<fs::path> entries;
  for (const auto& node : fs::directory_iterator(nodes_dir, ec)) {
    if (node.path().filename() == self_id) continue;
    std::error_code tables_ec;
    for (const auto& entry : fs::directory_iterator(node.path() / "tables", tables_ec)) entries.push_back(entry.path());
  }
  for (const auto& dir : entries) {
    const std::string node = dir.parent_path().parent_path().filename().string();
    const uint64_t table_id = store::TableIdOfFolder(dir);
    auto writer = writer_of.find(table_id);
    if (dir.filename().string().starts_with(".new-") || !scan.listed.count(table_id)) {
      HANGAR_RETURN_NOT_OK(store::RemoveAll(dir));
    } else if (writer != writer_of.end() && writer->second != node) {
      const fs::path moved = nodes_dir / writer->second / "tables" / dir.filename();
      std::error_code move_ec;
      if (PlainNodeId(writer->second) && writer->second != self_id && !own.count(table_id) &&
          !fs::exists(moved, move_ec) && store::CreateDirectories(moved.parent_path()).ok() &&
          store::DurableRename(dir, moved).ok())
        continue;
      HANGAR_RETURN_NOT_OK(store::RemoveAll(dir));
    }
  }
  for (const auto& writer : writers) {
    if (writer == self_id || !PlainNodeId(writer)) continue;
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
