// Entry points of the `hangar` subcommands; each returns the process exit code.
#pragma once

#include <string_view>
#include <vector>

namespace hangar::cli {

using Args = std::vector<std::string_view>;

int RunVersion(const Args& args);
int RunDemo(const Args& args);
int RunCat(const Args& args);
int RunServe(const Args& args);
int RunLs(const Args& args);
int RunInfo(const Args& args);
int RunGet(const Args& args);
int RunPut(const Args& args);
int RunActions(const Args& args);
int RunAction(const Args& args);
int RunUser(const Args& args);
int RunSql(const Args& args);
int RunStatus(const Args& args);
int RunCluster(const Args& args);
int RunTail(const Args& args);
int RunHelp(const Args& args);
int RunCompletion(const Args& args);

}  // namespace hangar::cli
