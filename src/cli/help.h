// The texts generated from the command table (command_table.h): the list of
// commands, one command's usage (its --help), the markdown reference
// (docs/cli.md) and the shell completion scripts.
#pragma once

#include <string>

#include "cli/command_table.h"

namespace hangar::cli {

std::string MainUsage();                               // `hangar help`
std::string CommandUsage(const CommandSpec& command);  // `hangar COMMAND --help`
std::string CliReference();                            // `hangar help --markdown`: docs/cli.md
std::string BashCompletion();                          // `hangar completion bash`
std::string ZshCompletion();                           // `hangar completion zsh`

// `text` broken into lines of at most `width` columns, each after `indent` spaces.
std::string WrapText(std::string_view text, size_t indent, size_t width = 100);

// Whether args ask for help (--help or -h); each command answers it through
// the table before it runs.
bool AsksForHelp(const Args& args);

}  // namespace hangar::cli
