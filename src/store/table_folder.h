// The name of a table's folder under <data dir>/tables/: the table's name
// (for people browsing the folder; the manifest holds the real one) and
// its id, 16 hex digits, random when the table is created. The id tells a
// table dropped and created again from the old one: the write-ahead log
// and the object store name tables by it.
#pragma once

#include <cstdint>
#include <filesystem>

#include "store/names.h"

namespace hangar::store {

std::filesystem::path TableFolderName(const QualifiedName& name, uint64_t id);
// The id a folder's name carries (0 if none).
uint64_t TableIdOfFolder(const std::filesystem::path& dir);

}  // namespace hangar::store
