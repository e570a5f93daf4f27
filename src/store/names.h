// Names of tables and topics as clients write them (see the design brief,
// "Names"): a descriptor path [name] (namespace "default") or [namespace,
// name]; in SQL and permissions "namespace.name". Every name is checked here
// before anything else sees it, so a name never reaches a file path unchecked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::store {

inline constexpr std::string_view kDefaultNamespace = "default";
inline constexpr std::string_view kKafkaNamespace = "kafka";

struct QualifiedName {
  std::string ns;
  std::string name;
  std::string ToString() const { return ns + "." + name; }
  bool operator==(const QualifiedName&) const = default;
  auto operator<=>(const QualifiedName&) const = default;
};

// 1-255 characters of [A-Za-z0-9._-], not starting with '.'.
Status CheckName(std::string_view name, std::string_view what);
// A namespace: as CheckName, without dots, and none of the names DuckDB
// keeps for itself (information_schema, pg_catalog, main, temp, system; in
// any case). Without dots "namespace.name" is one name only: a table name
// may hold dots, the namespace ends at the first one, and permission
// patterns such as "default.*" cannot reach into another namespace.
Status CheckNamespace(std::string_view ns);
// [name] or [namespace, name].
Result<QualifiedName> NameFromPath(const std::vector<std::string>& path);
// "name" or "namespace.name" (the first dot separates).
Result<QualifiedName> ParseQualifiedName(std::string_view text);
// The name with letters folded to lower case: two tables whose names differ
// only by case cannot both exist, as SQL (DuckDB) does not tell them apart.
std::string FoldCase(std::string_view text);

}  // namespace hangar::store
