// The prompt of `hangar sql` without a query: statements read line by line
// (with libedit on a terminal), run as each `;` ends one, and the
// meta-commands below, in the spirit of psql's and duckdb's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flight/client.h"

namespace hangar::cli {

struct MetaCommand {
  std::string_view name;  // "\\d"
  std::string_view args;  // "NAME"
  std::string_view help;
};
const std::vector<MetaCommand>& MetaCommands();

// Runs the prompt until \q or the end of input; `format` is --format's.
// Returns the exit code: 0 on a terminal, else 1 when a statement failed.
int RunPrompt(flight::FlightClient& client, const std::string& format);

// Where `text` holds a `;` outside quotes and comments (the end of a
// statement), or npos.
size_t StatementEnd(const std::string& text);

}  // namespace hangar::cli
