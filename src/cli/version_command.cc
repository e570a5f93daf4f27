#include <cstdio>

#include "cli/commands.h"

namespace hangar::cli {

int RunVersion(const Args&) {
  std::printf("hangar %s\n", HANGAR_VERSION);
  return 0;
}

}  // namespace hangar::cli
