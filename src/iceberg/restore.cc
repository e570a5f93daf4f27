#include "iceberg/restore.h"

#include <algorithm>
#include <map>
#include <optional>
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

// Downloads the files of `bucket` into a folder aside (linking those an
// older local copy in `older` has) and writes its manifest there; returns
// that folder.
Result<fs::path> Download(objstore::ObjectStore& store, const fs::path& tables_dir, const BucketTable& bucket,
                          bool log_is_new, const fs::path& older) {
  const fs::path aside = tables_dir / (".new-" + store::UniqueId());
  HANGAR_RETURN_NOT_OK(store::CreateDirectories(aside));
  auto fetch = [&]() -> Status {
    std::set<fs::path> folders{aside};
    for (const auto& f : bucket.definition.manifest.files) {
      const fs::path local = aside / f.relative_path();
      HANGAR_RETURN_NOT_OK(store::CreateDirectories(local.parent_path()));
      folders.insert(local.parent_path());
      std::error_code link_ec;
      if (!older.empty() && fs::exists(older / f.relative_path(), link_ec)) {
        fs::create_hard_link(older / f.relative_path(), local, link_ec);
        if (!link_ec) continue;
      }
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

// The newest whole definition of the table under `prefix` among `list`
// (its versions there); `why` says why there is none; `superseded`: every
// one listed was gone when read.
Result<std::optional<BucketTable>> NewestDefinition(objstore::ObjectStore& store, const std::string& prefix,
                                                    uint64_t id, std::vector<int64_t>& list,
                                                    const std::set<std::string>& keys, std::string* why,
                                                    bool* superseded) {
  std::sort(list.rbegin(), list.rend());
  *why = "no definition names a table there";
  *superseded = !list.empty();
  // An older definition is left only when a commit's cleanup failed; the
  // newest whole one is the table's latest state in the bucket. Newest by
  // its writer's epoch first: in a cluster, a writer whose tables another
  // node adopted (under a later epoch) may still have saved a definition
  // of a higher version before it learnt so, and that one is not the
  // table's (docs/cluster.md).
  std::optional<BucketTable> best;
  for (int64_t version : list) {
    auto text = store.Get(DefinitionKey(prefix, version));
    if (!text.ok() && text.status().code() == StatusCode::kNotFound) continue;  // superseded meanwhile
    if (!text.ok()) return text.status();
    *superseded = false;
    auto definition = DecodeDefinition(*text);
    if (!definition.ok()) {
      *why = "its definition v" + std::to_string(version) + " cannot be read: " + definition.status().message();
      continue;
    }
    if (id == 0 || Mirror::PrefixOf(definition->manifest.name, id) != prefix) {
      *why = "its definition names table " + definition->manifest.name.ToString() + ", which is not kept there";
      break;
    }
    std::string missing;
    for (const auto& f : definition->manifest.files)
      if (!keys.count(prefix + "/data/" + f.relative_path().generic_string()))
        missing = f.relative_path().generic_string();
    if (!missing.empty()) {
      *why = "data file " + missing + " of its version " + std::to_string(version) + " is not in the object store";
      continue;
    }
    if (!best || best->definition.writer.epoch < definition->writer.epoch)
      best = BucketTable{prefix, id, std::move(*definition)};
    // Without a writer's epoch (one node writes the prefix) the newest
    // version is the state.
    if (best->definition.writer.epoch == 0) break;
  }
  return best;
}

}  // namespace

Result<BucketScan> ScanBucket(objstore::ObjectStore& store) {
  BucketScan scan;
  std::map<store::QualifiedName, BucketTable>& bucket = scan.tables;

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
  for (auto& [prefix, list] : versions) {
    const uint64_t id = IdOfPrefix(prefix);
    if (id != 0) scan.listed.insert(id);
    std::string why;
    std::optional<BucketTable> best;
    for (int attempt = 0;; ++attempt) {
      bool superseded = false;
      HANGAR_ASSIGN_OR_RETURN(best, NewestDefinition(store, prefix, id, list, keys, &why, &superseded));
      if (best || !superseded || attempt >= 2) break;
      // Every definition listed was superseded since: the table's writer
      // committed meanwhile. Its folder is listed again, the new
      // definition and its data files with it.
      HANGAR_ASSIGN_OR_RETURN(auto again, store.List(prefix + "/"));
      list.clear();
      for (const auto& o : again) {
        if (int64_t v = DefinitionVersionOf(o.key); v > 0)
          list.push_back(v);
        else
          keys.insert(o.key);
      }
    }
    if (best) {
      const store::QualifiedName name = best->definition.manifest.name;
      auto [it, fresh] = bucket.try_emplace(name, *best);
      if (!fresh && it->second.definition.saved_at_ms < best->definition.saved_at_ms) it->second = std::move(*best);
    } else {
      scan.skipped.push_back(prefix + ": " + why);
    }
  }
  return scan;
}

Result<RestoreReport> RestoreTables(const RestoreOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto scan, ScanBucket(*options.store));
  return RestoreScanned(options, scan);
}

Result<RestoreReport> RestoreScanned(const RestoreOptions& options, const BucketScan& scan) {
  objstore::ObjectStore& store = *options.store;
  RestoreReport report;
  report.skipped = scan.skipped;

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

  for (const auto& [name, table] : scan.tables) {
    if (options.want && !options.want(table)) continue;
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
    HANGAR_ASSIGN_OR_RETURN(fs::path aside, Download(store, options.tables_dir, table, options.log_is_new,
                                                     same_table ? here->second.dir : fs::path()));
    // An older local copy goes first: a crash in between leaves the table
    // missing here, and the next start restores it again.
    if (same_table) HANGAR_RETURN_NOT_OK(store::RemoveAll(here->second.dir));
    HANGAR_RETURN_NOT_OK(store::DurableRename(aside, options.tables_dir / store::TableFolderName(name, table.id)));
    if (!options.quiet)
      log::Info("table restored from the object store",
                {{"table", name.ToString()},
                 {"version", std::to_string(table.definition.manifest.version)},
                 {"files", std::to_string(table.definition.manifest.files.size())}});
    report.restored.push_back(name.ToString());
  }
  return report;
}

}  // namespace hangar::iceberg
