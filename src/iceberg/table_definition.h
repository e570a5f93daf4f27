// The Hangar table definition kept beside an Iceberg table's metadata: what
// a node needs to serve the table again from the bucket alone.
//
//   <prefix>/metadata/hangar-state-<version, 20 digits>.json
//
// The object is the Hangar manifest of one committed Hangar version
// (store/manifest.h: the Arrow schema as an IPC message, field and schema
// metadata included; the primary key; the partition spec; the data files
// in the table's order with their partitions; the next file number; the
// flushed LSN) plus "saved_at_ms". It is written once the version's data
// files are in the bucket and before anything is acknowledged at
// `object_storage` or committed as an Iceberg snapshot, so the newest one
// names files that are all there. Iceberg's own metadata cannot carry the
// Arrow schema's metadata or the order of a primary-key table's files
// (which rows supersede which), and readers of Iceberg need none of it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/manifest.h"

namespace hangar::iceberg {

// The key of version `version`'s definition of the table under `prefix`.
std::string DefinitionKey(std::string_view prefix, int64_t version);
// What every definition key of the table under `prefix` starts with.
std::string DefinitionKeyPrefix(std::string_view prefix);
// The Hangar version a definition key names; 0 if `key` is none.
int64_t DefinitionVersionOf(std::string_view key);
// The table prefix a definition key is under; empty if `key` is none.
std::string TablePrefixOfDefinition(std::string_view key);

// The object's text for `manifest`, saved at `saved_at_ms` (Unix ms).
// Who saved a definition, in a cluster sharing its tables through the
// bucket (docs/cluster.md): the writing node's id and the epoch of its
// ZooKeeper lock. Empty outside such a cluster.
struct DefinitionWriter {
  std::string node;
  int64_t epoch = 0;
};

Result<std::string> EncodeDefinition(const store::Manifest& manifest, int64_t saved_at_ms,
                                     const DefinitionWriter& writer = {});

struct TableDefinition {
  store::Manifest manifest;
  int64_t saved_at_ms = 0;
  DefinitionWriter writer;
};
Result<TableDefinition> DecodeDefinition(std::string_view text);

}  // namespace hangar::iceberg
