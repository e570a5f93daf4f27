#include "cli/flags.h"

#include <fstream>
#include <sstream>

namespace hangar::cli {

Result<Flags> Flags::Parse(const Args& args, const std::set<std::string>& value_flags,
                           const std::set<std::string>& switches) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg(args[i]);
    // One-letter flags take one dash: -o FILE.
    if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-' && value_flags.count(arg.substr(1))) arg = "-" + arg;
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      flags.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.count(name)) {
      if (value) return Status::Invalid("--" + name + " takes no value");
      flags.switches_.insert(name);
      continue;
    }
    if (!value_flags.count(name)) return Status::Invalid("unknown option --" + name);
    if (!value) {
      if (i + 1 >= args.size()) return Status::Invalid("--" + name + " needs a value");
      value = std::string(args[++i]);
    }
    flags.values_.emplace(name, *value);
  }
  return flags;
}

Status Flags::MergeConfigFile(const std::string& path, const std::set<std::string>& value_flags,
                              const std::set<std::string>& switches) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read the config file '" + path + "'");
  auto trim = [](std::string t) {
    const size_t b = t.find_first_not_of(" \t\r");
    const size_t e = t.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
  };
  // Settings given above the file keep their values; a repeatable one may
  // appear on several lines of the file.
  std::set<std::string> given;
  for (const auto& [name, value] : values_) given.insert(name);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = path + ":" + std::to_string(number);
    if (size_t hash = line.find('#'); hash != std::string::npos && line.find('"') > hash) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) return Status::Invalid(where + ": expected name = value");
    std::string name = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (switches.count(name)) {
      if (value != "true" && value != "false") return Status::Invalid(where + ": " + name + " is true or false");
      if (value == "true") switches_.insert(name);
      continue;
    }
    if (!value_flags.count(name)) return Status::Invalid(where + ": unknown setting '" + name + "'");
    if (given.count(name) == 0) values_.emplace(name, value);
  }
  return Status::OK();
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  return std::prev(range.second)->second;  // the last one wins
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

Result<std::string> ReadFlagFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid("cannot read '" + path + "'");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace hangar::cli
