// The `hangar` executable: one binary for the server and its client commands.
//
//   hangar version              print the version
//   hangar demo [--data-dir D]  write a small demo table as an Arrow IPC file and print it back
//   hangar cat FILE             print an Arrow IPC file or stream (schema and rows)
//
// The Flight server (`hangar serve`) and the client commands of the design
// brief arrive with the Flight layer.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"

namespace {

void PrintUsage(FILE* out) {
  std::fputs(
      "usage: hangar <command> [options]\n"
      "\n"
      "commands:\n"
      "  version                 print the version\n"
      "  demo [--data-dir DIR]   write a demo table to DIR/demo.arrow (default: data) and print it\n"
      "  cat FILE                print an Arrow IPC file or stream: schema, then each batch\n"
      "  help                    this text\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string_view command = args[0];
  args.erase(args.begin());
  if (command == "version" || command == "--version") return hangar::cli::RunVersion();
  if (command == "demo") return hangar::cli::RunDemo(args);
  if (command == "cat") return hangar::cli::RunCat(args);
  std::fprintf(stderr, "hangar: unknown command '%.*s'\n\n", static_cast<int>(command.size()), command.data());
  PrintUsage(stderr);
  return 2;
}
