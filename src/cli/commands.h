// Entry points of the `hangar` subcommands; each returns the process exit code.
#pragma once

#include <string_view>
#include <vector>

namespace hangar::cli {

using Args = std::vector<std::string_view>;

int RunVersion();
int RunDemo(const Args& args);
int RunCat(const Args& args);

}  // namespace hangar::cli
