// Command-line flags of the `hangar` subcommands: `--name value`,
// `--name=value`, `-x value` for one-letter names, and boolean `--switch`, plus positional arguments. Each
// command declares its flags, so a typo is an error instead of being ignored.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/commands.h"

namespace hangar::cli {

class Flags {
 public:
  static Result<Flags> Parse(const Args& args, const std::set<std::string>& value_flags,
                             const std::set<std::string>& switches);

  // Adds settings from a config file where the command line has none. The
  // file holds `name = value` lines (TOML's key/value subset: values may be
  // "quoted", `true` sets a switch, # starts a comment); names are the
  // flags' names without dashes.
  Status MergeConfigFile(const std::string& path, const std::set<std::string>& value_flags,
                         const std::set<std::string>& switches);

  // Adds a value (a switch) unless the flag already has one: the layers
  // below the command line (environment, file, defaults) fill in only what
  // a higher layer left out.
  void SetIfAbsent(const std::string& name, const std::string& value) {
    if (values_.count(name) == 0) values_.emplace(name, value);
  }
  void SetSwitch(const std::string& name) { switches_.insert(name); }

  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, std::string fallback) const { return Get(name).value_or(fallback); }
  // Every value of a flag that may repeat.
  std::vector<std::string> GetAll(const std::string& name) const;
  bool Has(const std::string& name) const { return switches_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

// The contents of a file a flag names (certificates, keys, secrets).
Result<std::string> ReadFlagFile(const std::string& path);

}  // namespace hangar::cli
