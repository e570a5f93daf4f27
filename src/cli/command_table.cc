#include "cli/command_table.h"

namespace hangar::cli {

namespace {

const FlagSpec kQuiet{"quiet", "", "No progress display (it is shown only when standard error is a terminal)."};

}  // namespace

const std::vector<FlagSpec>& ConnectionFlagSpecs() {
  static const std::vector<FlagSpec> flags = {
      {"server", "LOCATION",
       "grpc://host:port or grpc+tls://host:port (default $HANGAR_SERVER, else grpc://127.0.0.1:8815)."},
      {"user", "NAME", "Log in as NAME (default $HANGAR_USER)."},
      {"password", "PASS", "The password of --user (default $HANGAR_PASSWORD)."},
      {"tls-ca", "FILE", "PEM roots to verify the server with."},
      {"tls-cert", "FILE", "Client certificate (PEM) for mutual TLS; needs --tls-key."},
      {"tls-key", "FILE", "The client certificate's private key (PEM)."},
      {"tls-server-name", "NAME", "The name expected in the server certificate, instead of the host."},
  };
  return flags;
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      {"serve",
       "[options]",
       "run the Flight server",
       "Every option can also come from the environment or a config file; `hangar serve --help` lists them all "
       "and docs/configuration.md describes each.",
       {},
       false,
       0,
       0,
       {},
       RunServe},
      {"ls", "[options]", "list the flights: tables and topics, with rows and size", "", {}, true, 0, 0, {}, RunLs},
      {"info",
       "NAME [options]",
       "a flight's schema, size and endpoints",
       "NAME is a table (`flights`, `sales.orders`) or a topic (`kafka.orders`).",
       {},
       true,
       1,
       1,
       {},
       RunInfo},
      {"get",
       "NAME [-o FILE] [--format FORMAT] [--ticket TICKET] [options]",
       "download a flight: columns on the terminal, or a file",
       "Reads every endpoint of a flight (or one raw ticket). Without -o the columns are printed (pretty); with -o "
       "the format follows the extension (.arrow: IPC file, .arrows: IPC stream, .csv, .json: one object per "
       "line). A topic is read up to its end when the call starts; `hangar tail` follows one. On a terminal a "
       "progress bar (percent, rate, time left) shows on standard error.",
       {{"o", "FILE", "Write to FILE instead of standard output."},
        {"format", "arrow|arrows|csv|json|table|pretty", "The output format (default: from -o's extension)."},
        {"ticket", "TICKET", "Read this ticket instead of a flight's endpoints."},
        kQuiet},
       true,
       0,
       1,
       {},
       RunGet},
      {"put",
       "FILE TABLE [--format FORMAT] [--mode MODE] [options]",
       "upload Arrow IPC, Parquet or CSV into a table",
       "Uploads a file into a table, or a topic (`kafka.orders`): Arrow IPC (file or stream; - for standard "
       "input), Parquet or CSV (read by DuckDB, streamed). The format follows the extension unless --format says. "
       "A table is created if needed and appended to. On a terminal a progress bar shows on standard error, with "
       "percent and time left when the row count is known beforehand (Arrow IPC, Parquet).",
       {{"format", "arrow|parquet|csv", "The input format (default: from the extension)."},
        {"mode", "append|create|overwrite",
         "append (default); create: the table must not exist; overwrite: replace it."},
        kQuiet},
       true,
       2,
       2,
       {},
       RunPut},
      {"tail",
       "kafka.TOPIC [--partition P] [--from-beginning|--offset N|--since TIME] [--format FORMAT] [options]",
       "print a topic's records as they arrive, until Ctrl-C",
       "Follows a topic live (the server's follow mode), every partition at once, and prints each record with "
       "its partition and offset as it arrives. Starts at the end of each partition unless told otherwise. "
       "Ctrl-C (SIGINT) or SIGTERM stops it cleanly.",
       {{"partition", "P", "Only this partition."},
        {"from-beginning", "", "Start at the first record still in each partition."},
        {"offset", "N", "Start at offset N (of every partition read)."},
        {"since", "TIME",
         "Start at records written since TIME: ISO-8601, milliseconds since the epoch, or an age "
         "such as 90s, 15m, 2h, 1d."},
        {"format", "json|table|csv", "How records are printed (default json: one object per line)."}},
       true,
       1,
       1,
       {},
       RunTail},
      {"sql",
       "[QUERY] [-o FILE] [--format FORMAT] [options]",
       "run SQL over tables and topics (a prompt without QUERY)",
       "Runs a Flight SQL statement (DuckDB's dialect; tables as default.t, topics as kafka.t) and prints its "
       "rows, an aligned table by default; -o picks the format from the extension. INSERT INTO t SELECT/VALUES "
       "appends to a table. Without QUERY on a terminal it opens a prompt with line editing, history "
       "(~/.hangar_history, or $HANGAR_HISTORY) and the meta-commands below; Ctrl-C cancels the running query or "
       "clears the line, Ctrl-D quits. Without QUERY and not on a terminal it runs the statements of standard "
       "input, each ended by ';'.",
       {{"o", "FILE", "Write results to FILE instead of standard output."},
        {"format", "table|csv|json|arrow|arrows", "The output format (default: table, or from -o's extension)."}},
       true,
       0,
       1,
       {},
       RunSql},
      {"status",
       "[--json] [options]",
       "the server's version, uptime, tables, topics, streams and metrics",
       "",
       {{"json", "", "Print the server's answer as JSON."}},
       true,
       0,
       0,
       {},
       RunStatus},
      {"cluster",
       "status [--json] [options]",
       "a cluster's nodes, their load and the partitions each owns",
       "",
       {{"json", "", "Print the server's answer as JSON."}},
       true,
       1,
       1,
       {"status"},
       RunCluster},
      {"actions", "[options]", "list the server's actions", "", {}, true, 0, 0, {}, RunActions},
      {"action", "TYPE [BODY] [options]", "run an action, print each result", "", {}, true, 1, 2, {}, RunAction},
      {"user",
       "add|list|remove --users FILE [--name NAME] [options]",
       "manage a users file",
       "`add` needs --name and the password from --password-stdin or --password-env (never on the command "
       "line); `remove` needs --name. ACCESS is read, write or admin (each implies the ones before); PATTERN a "
       "name glob such as default.*, kafka.orders or * (everything). Without --permission a user gets read:* . "
       "The file is created if missing and always written with mode 0600.",
       {{"users", "FILE", "The users file."},
        {"name", "NAME", "The user to add or remove."},
        {"password-stdin", "", "Read the password from the first line of standard input."},
        {"password-env", "VAR", "Take the password from environment variable VAR."},
        {"permission", "ACCESS:PATTERN", "A permission of the user; repeatable."},
        {"replace", "", "Replace a user that exists."}},
       false,
       1,
       1,
       {"add", "list", "remove"},
       RunUser},
      {"version", "", "print the version", "", {}, false, 0, 0, {}, RunVersion},
      {"demo",
       "[--data-dir DIR]",
       "write a demo table to DIR/demo.arrow and print it",
       "",
       {{"data-dir", "DIR", "Where demo.arrow goes (default: data)."}},
       false,
       0,
       0,
       {},
       RunDemo},
      {"cat",
       "FILE",
       "print an Arrow IPC file or stream: schema, then each batch",
       "FILE may be - for standard input.",
       {},
       false,
       1,
       1,
       {},
       RunCat},
      {"completion",
       "bash|zsh",
       "print a shell completion script",
       "Load it with `source <(hangar completion bash)` (in ~/.bashrc), or for zsh `source <(hangar completion "
       "zsh)` in ~/.zshrc after compinit.",
       {},
       false,
       1,
       1,
       {"bash", "zsh"},
       RunCompletion},
      {"help",
       "[COMMAND] [--markdown]",
       "the commands, or one command's usage",
       "`hangar help --markdown` prints the command-line reference (docs/cli.md).",
       {{"markdown", "", "Print the reference of every command as markdown."}},
       false,
       0,
       1,
       {},
       RunHelp},
  };
  return commands;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const auto& c : Commands())
    if (c.name == name) return &c;
  return nullptr;
}

namespace {

void AddNames(const std::vector<FlagSpec>& flags, bool switches, std::set<std::string>* out) {
  for (const auto& f : flags)
    if (f.value.empty() == switches) out->insert(std::string(f.name));
}

}  // namespace

std::set<std::string> ValueFlagNames(const CommandSpec& command) {
  std::set<std::string> out;
  AddNames(command.flags, false, &out);
  if (command.connects) AddNames(ConnectionFlagSpecs(), false, &out);
  return out;
}

std::set<std::string> SwitchNames(const CommandSpec& command) {
  std::set<std::string> out;
  AddNames(command.flags, true, &out);
  return out;
}

std::string FlagText(const FlagSpec& flag) {
  std::string out = (flag.name.size() == 1 ? "-" : "--") + std::string(flag.name);
  if (flag.value.empty()) return out;
  // A choice of words is shown whole: --format arrow|csv.
  return out + " " + std::string(flag.value);
}

}  // namespace hangar::cli
