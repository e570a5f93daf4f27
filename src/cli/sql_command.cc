// `hangar sql`: Flight SQL from the command line. A query prints its rows
// (an aligned table on a terminal; csv, json or Arrow with --format or -o);
// an INSERT prints the rows it wrote. Without a query it opens the prompt
// (sql_prompt.h). Ctrl-C cancels a running query (sql_statement.h).
#include <unistd.h>

#include "cli/batch_sinks.h"
#include "cli/client_connection.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/sql_prompt.h"
#include "cli/sql_statement.h"

namespace hangar::cli {

int RunSql(const Args& args) {
  int exit = 0;
  auto s = OpenSession("sql", args, &exit);
  if (!s) return exit;
  const std::string path = s->flags.GetOr("o", "");
  const std::string format = s->flags.GetOr("format", FormatForPath(path, path.empty() ? "table" : "arrow"));
  if (s->flags.positional().empty()) return RunPrompt(*s->client, format);
  auto output = Output::Open(path);
  if (!output.ok()) return Fail("sql", output.status());
  StatementRun run(*s->client);
  InterruptWatch watch([&run] { run.Cancel(); }, true);
  Status st = run.Run(s->flags.positional()[0], [&] { return MakeSink(format, output->fd(), output->file()); });
  return st.ok() ? 0 : Fail("sql", st);
}

}  // namespace hangar::cli
