// The `hangar` executable: one binary for the server and its client commands.
//
//   hangar serve [options]      the Flight server (serve_command.cc)
//   hangar ls|info|get|put|actions|action   Flight client commands (client_commands.cc)
//   hangar sql [QUERY]          Flight SQL client (sql_command.cc)
//   hangar status               the server's state (status_command.cc)
//   hangar user add|list|remove users file management (user_command.cc)
//   hangar version | demo | cat   local tools
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "flight/malloc_tuning.h"

namespace {

void PrintUsage(FILE* out) {
  std::fputs(
      "usage: hangar <command> [options]\n"
      "\n"
      "commands:\n"
      "  serve                   run the Flight server (hangar serve --help)\n"
      "  ls                      list flights (tables and topics)\n"
      "  info NAME               schema, size and endpoints of a flight\n"
      "  get NAME [-o FILE]      download a flight: columns on the terminal, or .arrow/.arrows/.csv/.json\n"
      "  put FILE TABLE          upload Arrow IPC, Parquet or CSV into a table\n"
      "  sql [QUERY] [-o FILE]   run SQL over tables and topics (a prompt without QUERY)\n"
      "  status                  the server's version, uptime, tables, topics, streams and metrics\n"
      "  cluster status          a cluster's nodes, their load and the partitions each owns\n"
      "  actions                 list the server's actions\n"
      "  action TYPE [BODY]      run an action\n"
      "  user add|list|remove    manage a users file\n"
      "  version                 print the version\n"
      "  demo [--data-dir DIR]   write a demo table to DIR/demo.arrow (default: data) and print it\n"
      "  cat FILE                print an Arrow IPC file or stream: schema, then each batch\n"
      "  help                    this text\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  hangar::flight::TuneMallocForLargeMessages();
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
  if (command == "serve") return hangar::cli::RunServe(args);
  if (command == "ls") return hangar::cli::RunLs(args);
  if (command == "info") return hangar::cli::RunInfo(args);
  if (command == "get") return hangar::cli::RunGet(args);
  if (command == "put") return hangar::cli::RunPut(args);
  if (command == "actions") return hangar::cli::RunActions(args);
  if (command == "action") return hangar::cli::RunAction(args);
  if (command == "user") return hangar::cli::RunUser(args);
  if (command == "sql") return hangar::cli::RunSql(args);
  if (command == "status") return hangar::cli::RunStatus(args);
  if (command == "cluster") return hangar::cli::RunCluster(args);
  std::fprintf(stderr, "hangar: unknown command '%.*s'\n\n", static_cast<int>(command.size()), command.data());
  PrintUsage(stderr);
  return 2;
}
