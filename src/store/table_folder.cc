#include "store/table_folder.h"

#include <cstdio>
#include <cstdlib>

namespace hangar::store {

std::filesystem::path TableFolderName(const QualifiedName& name, uint64_t id) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
  // Cut, so that a 255-character name still makes a legal folder name.
  return name.ToString().substr(0, 100) + "-" + hex;
}

uint64_t TableIdOfFolder(const std::filesystem::path& dir) {
  const std::string name = dir.filename().string();
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos) return 0;
  return std::strtoull(name.c_str() + dash + 1, nullptr, 16);
}

}  // namespace hangar::store
