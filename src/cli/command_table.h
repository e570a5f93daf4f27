// Every `hangar` subcommand, in one table.
//
// The table is the single source of the command line's surface: main.cc
// dispatches through it, each command parses the flags it declares here,
// and `--help`, `hangar help`, the reference page docs/cli.md (written by
// `hangar help --markdown`, checked against it by a test) and the shell
// completion scripts (`hangar completion bash|zsh`) are all generated from
// it, so none of them can drift from what the commands accept.
//
// `hangar serve` keeps its settings in serve_settings.h (they also come from
// the environment and config files); its entry here points there.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"

namespace hangar::cli {

struct FlagSpec {
  std::string_view name;   // without dashes; a one-letter name is written -o
  std::string_view value;  // what the value is ("FILE", "csv|json"); empty for a switch
  std::string_view help;
};

struct CommandSpec {
  std::string_view name;
  std::string_view synopsis;     // the arguments after the name: "NAME [-o FILE]"
  std::string_view summary;      // one line for `hangar help`
  std::string_view description;  // what --help and the reference add; may be empty
  std::vector<FlagSpec> flags;
  bool connects = false;  // takes the connection flags (ConnectionFlags())
  size_t min_positional = 0;
  size_t max_positional = 0;
  std::vector<std::string_view> words;  // the choices of the first argument, if fixed
  int (*run)(const Args& args) = nullptr;
};

const std::vector<CommandSpec>& Commands();
// The command called `name`, or null.
const CommandSpec* FindCommand(std::string_view name);
// The flags every client command takes: --server, --user, TLS.
const std::vector<FlagSpec>& ConnectionFlagSpecs();

// The names of a command's value flags and switches (with the connection
// flags when it connects), as Flags::Parse takes them.
std::set<std::string> ValueFlagNames(const CommandSpec& command);
std::set<std::string> SwitchNames(const CommandSpec& command);

// How a flag is written: "-o FILE", "--format FORMAT".
std::string FlagText(const FlagSpec& flag);

}  // namespace hangar::cli
