// Every setting of `hangar serve`, in one table.
//
// The table is the single source of the server's configuration surface: the
// flags it parses, `--help`, the environment variables it reads, what
// `--print-config` shows and docs/configuration.md (written by
// `hangar serve --config-reference`, and checked against it by a test) all
// come from it, so none of them can drift from the others.
//
// Precedence, highest first: the command line, the environment
// (HANGAR_<NAME> with dashes as underscores: --max-streams is
// HANGAR_MAX_STREAMS), the config file (--config or HANGAR_CONFIG), the
// default.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/flags.h"

namespace hangar::cli {

struct Setting {
  std::string_view name;      // the flag without dashes
  std::string_view value;     // what the value is ("HOST:PORT"); empty for a switch
  std::string_view fallback;  // the default as text; empty: unset
  std::string_view help;      // one sentence or two
  std::string_view section;   // groups --help and the reference
  bool repeatable = false;
};

const std::vector<Setting>& ServeSettings();

// The environment variable of a setting: HANGAR_MAX_STREAMS.
std::string EnvironmentName(std::string_view name);

// Where each effective value came from.
enum class SettingSource { kCommandLine, kEnvironment, kConfigFile, kDefault };

// The command line, environment and config file merged by precedence.
// `sources` maps each setting that has a value (or a set switch) to where
// it came from.
struct ServeConfig {
  Flags flags;
  std::map<std::string, SettingSource> sources;
};
Result<ServeConfig> LoadServeConfig(const Args& args);

std::string ServeUsage();                            // --help
std::string PrintConfig(const ServeConfig& config);  // --print-config: a config file
std::string ConfigReference();                       // --config-reference: docs/configuration.md

}  // namespace hangar::cli
