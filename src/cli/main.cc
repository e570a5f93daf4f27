// The `hangar` executable: one binary for the server and its client
// commands. Every command is an entry of the command table
// (command_table.h), which also answers `--help` and `hangar help`.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command_table.h"
#include "cli/help.h"
#include "flight/malloc_tuning.h"

int main(int argc, char** argv) {
  using namespace hangar::cli;
  hangar::flight::TuneMallocForLargeMessages();
  Args args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(MainUsage().c_str(), stderr);
    return 2;
  }
  std::string_view name = args[0];
  args.erase(args.begin());
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version") name = "version";
  const CommandSpec* command = FindCommand(name);
  if (command == nullptr) {
    std::fprintf(stderr, "hangar: unknown command '%.*s'\n\n%s", static_cast<int>(name.size()), name.data(),
                 MainUsage().c_str());
    return 2;
  }
  if (AsksForHelp(args)) {
    std::fputs(CommandUsage(*command).c_str(), stdout);
    return 0;
  }
  return command->run(args);
}
