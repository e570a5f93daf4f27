#include "iceberg/restore.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/log.h"
#include "iceberg/mirror.h"
#include "iceberg/table_definition.h"
#include "store/file_util.h"
#include "store/table_folder.h"

namespace hangar::iceberg {
namespace {

namespace fs = std::filesystem;

struct LocalTable {
  fs::path dir;
  int64_t version = 0;
  bool dropped = false;
};

// A table the bucket holds: its prefix, id and newest whole definition.
struct BucketTable {
  std::string prefix;
  uint64_t id = 0;
  TableDefinition definition;
};

uint64_t IdOfPrefix(std::string_view prefix) {
  const size_t dash = prefix.rfind('-');
  if (dash == std::string_view::npos || prefix.size() - dash - 1 != 16) return 0;
  uint64_t id = 0;
  for (char c : prefix.substr(dash + 1)) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    id = id << 4 | static_cast<uint64_t>(digit);
  }
  return id;
}

// Downloads the files of `bucket` into a folder aside and writes its
// manifest there; returns that folder.
Result<fs::path> Download(objstore::ObjectStore& store, const fs::path& tables_dir, const BucketTable& bucket,
                          bool log_is_new) {
  const fs::path aside = tables_dir / (".new-" + store::UniqueId());
  HANGAR_RETURN_NOT_OK(store::CreateDirectories(aside));
  auto fetch = [&]() -> Status {
    std::set<fs::path> folders{aside};
    for (const auto& f : bucket.definition.manifest.files) {
      const fs::path local = aside / f.relative_path();
      HANGAR_RETURN_NOT_OK(store::CreateDirectories(local.parent_path()));
      folders.insert(local.parent_path());
      HANGAR_RETURN_NOT_OK(store.GetFile(bucket.prefix + "/data/" + f.relative_path().generic_string(), local));
      HANGAR_RETURN_NOT_OK(store::FsyncFile(local));
    }
    for (const auto& folder : folders) HANGAR_RETURN_NOT_OK(store::FsyncDirectory(folder));
    store::Manifest manifest = bucket.definition.manifest;
    if (log_is_new) manifest.flushed_lsn = 0;
    return manifest.Write(aside);
  };
  Status st = fetch();
  if (!st.ok()) {
    (void)store::RemoveAll(aside);
    return st.WithContext("cannot restore table " + bucket.definition.manifest.name.ToString() +
                          " from the object store");
  }
  return aside;
}

}  // namespace

Result<RestoreReport> RestoreTables(const RestoreOptions& options) {
  objstore::ObjectStore& store = *options.store;
  RestoreReport report;

  // What the bucket holds: definitions by table, and the data files there.
  HANGAR_ASSIGN_OR_RETURN(auto objects, store.List(""));
  std::map<std::string, std::vector<int64_t>> versions;  // by table prefix
  std::set<std::string> keys;
  for (const auto& o : objects) {
    if (int64_t v = DefinitionVersionOf(o.key); v > 0)
      versions[TablePrefixOfDefinition(o.key)].push_back(v);
    else
      keys.insert(o.key);
  }
  std::map<store::QualifiedName, BucketTable> bucket;  // the newest table of each name
  for (auto& [prefix, list] : versions) {
    const uint64_t id = IdOfPrefix(prefix);
    std::sort(list.rbegin(), list.rend());
    std::string why = "no definition names a table there";
    for (int64_t version : list) {
      // An older definition is left only when a commit's cleanup failed;
      // the newest whole one is the table's latest state in the bucket.
      auto text = store.Get(DefinitionKey(prefix, version));
      if (!text.ok() && text.status().code() == StatusCode::kNotFound) continue;  // superseded meanwhile
      if (!text.ok()) return text.status();
      auto definition = DecodeDefinition(*text);
      if (!definition.ok()) {
        why = "its definition v" + std::to_string(version) + " cannot be read: " + definition.status().message();
        continue;
      }
      if (id == 0 || Mirror::PrefixOf(definition->manifest.name, id) != prefix) {
        why = "its definition names table " + definition->manifest.name.ToString() + ", which is not kept there";
        break;
      }
      std::string missing;
      for (const auto& f : definition->manifest.files)
        if (!keys.count(prefix + "/data/" + f.relative_path().generic_string()))
          missing = f.relative_path().generic_string();
      if (!missing.empty()) {
        why = "data file " + missing + " of its version " + std::to_string(version) + " is not in the object store";
        continue;
      }
      BucketTable table{prefix, id, std::move(*definition)};
      const store::QualifiedName name = table.definition.manifest.name;
      auto [it, fresh] = bucket.try_emplace(name, std::move(table));
      if (!fresh && it->second.definition.saved_at_ms < table.definition.saved_at_ms) it->second = std::move(table);
      why.clear();
      break;
    }
    if (!why.empty()) report.skipped.push_back(prefix + ": " + why);
  }

  // What the data directory holds.
  HANGAR_RETURN_NOT_OK(store::CreateDirectories(options.tables_dir));
  std::map<uint64_t, LocalTable> local;
  std::set<store::QualifiedName> local_names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.tables_dir, ec)) {
    if (!entry.is_directory() || entry.path().filename().string().starts_with(".new-")) continue;
    auto manifest = store::Manifest::Read(entry.path());
    if (!manifest.ok()) continue;  // the store moves it aside and reports it
    local[store::TableIdOfFolder(entry.path())] = LocalTable{entry.path(), manifest->version, manifest->dropped};
    if (!manifest->dropped) local_names.insert(manifest->name);
  }
  if (ec) return store::IoError("cannot list", options.tables_dir, ec.value());

  for (const auto& [name, table] : bucket) {
    const auto here = local.find(table.id);
    const bool same_table = here != local.end();
    if (same_table && (here->second.dropped || here->second.version >= table.definition.manifest.version)) {
      if (!here->second.dropped) report.kept.push_back(name.ToString());
      continue;
    }
    if (!same_table && local_names.count(name)) {
      report.kept.push_back(name.ToString());
      continue;
    }
    HANGAR_ASSIGN_OR_RETURN(fs::path aside, Download(store, options.tables_dir, table, options.log_is_new));
    // An older local copy goes first: a crash in between leaves the table
    // missing here, and the next start restores it again.
    if (same_table) HANGAR_RETURN_NOT_OK(store::RemoveAll(here->second.dir));
    HANGAR_RETURN_NOT_OK(store::DurableRename(aside, options.tables_dir / store::TableFolderName(name, table.id)));
    log::Info("table restored from the object store",
              {{"table", name.ToString()},
               {"version", std::to_string(table.definition.manifest.version)},
               {"files", std::to_string(table.definition.manifest.files.size())}});
    report.restored.push_back(name.ToString());
  }
  return report;
}

}  // namespace hangar::iceberg
