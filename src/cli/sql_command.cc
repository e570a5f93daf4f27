// `hangar sql`: Flight SQL from the command line. A query prints its rows
// (an aligned table on a terminal; csv, json or Arrow with --format or -o);
// an INSERT prints the rows it wrote. Without a query it reads statements
// from stdin, each ended by `;`, with a prompt on a terminal.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/batch_sinks.h"
#include "cli/client_connection.h"
#include "cli/commands.h"
#include "sql/insert_statement.h"
#include "sql/flight_sql_client.h"

namespace hangar::cli {

namespace {

Status RunStatement(flight::FlightClient& client, const std::string& sql, const std::string& format, int fd,
                    FILE* out) {
  HANGAR_ASSIGN_OR_RETURN(auto insert, sql::ParseInsert(sql));
  if (insert) {
    HANGAR_ASSIGN_OR_RETURN(auto rows, sql::RunClientUpdate(client, sql));
    std::fprintf(stderr, "%lld row%s inserted\n", static_cast<long long>(rows), rows == 1 ? "" : "s");
    return Status::OK();
  }
  HANGAR_ASSIGN_OR_RETURN(auto sink, MakeSink(format, fd, out));
  HANGAR_RETURN_NOT_OK(sql::RunClientQuery(
      client, sql, [&](const arrow::SchemaPtr& schema) { return sink->Begin(schema); },
      [&](const arrow::RecordBatch& batch) { return sink->Write(batch); }));
  return sink->End();
}

// Whether `text` holds a `;` outside quotes and comments (where it ends a statement).
size_t StatementEnd(const std::string& text) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      const size_t end = text.find('\n', i);
      if (end == std::string::npos) return std::string::npos;
      i = end;
    } else if (c == ';') {
      return i;
    }
  }
  return std::string::npos;
}

int Interactive(flight::FlightClient& client, const std::string& format) {
  const bool terminal = isatty(STDIN_FILENO);
  if (terminal) std::fprintf(stderr, "Hangar SQL (DuckDB's dialect). End statements with ';', quit with \\q or Ctrl-D.\n");
  std::string pending, line;
  int exit = 0;
  while (true) {
    if (terminal) std::fprintf(stderr, pending.empty() ? "hangar> " : "   ...> ");
    if (!std::getline(std::cin, line)) break;
    if (pending.empty() && (line == "\\q" || line == "quit" || line == "exit")) break;
    pending += line + "\n";
    size_t end;
    while ((end = StatementEnd(pending)) != std::string::npos) {
      const std::string statement = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (statement.find_first_not_of(" \t\r\n") == std::string::npos) continue;
      Status st = RunStatement(client, statement, format, STDOUT_FILENO, stdout);
      std::fflush(stdout);
      if (!st.ok()) {
        std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
        exit = 1;
      }
    }
  }
  if (pending.find_first_not_of(" \t\r\n") != std::string::npos) {
    Status st = RunStatement(client, pending, format, STDOUT_FILENO, stdout);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      exit = 1;
    }
  }
  return terminal ? 0 : exit;
}

}  // namespace

int RunSql(const Args& args) {
  int exit = 0;
  auto s = OpenSession("sql",
                       "usage: hangar sql [QUERY] [-o FILE] [--format table|csv|json|arrow|arrows] [options]\n"
                       "  runs a Flight SQL statement (DuckDB's dialect; tables as default.t, topics as kafka.t) and\n"
                       "  prints its rows, an aligned table by default; -o picks the format from the extension.\n"
                       "  INSERT INTO t SELECT/VALUES ... appends to a table. Without QUERY: statements from stdin,\n"
                       "  each ended by ';'",
                       args, {"o", "format"}, {}, 0, 1, &exit);
  if (!s) return exit;
  const std::string path = s->flags.GetOr("o", "");
  const std::string format = s->flags.GetOr("format", FormatForPath(path, path.empty() ? "table" : "arrow"));
  if (s->flags.positional().empty()) return Interactive(*s->client, format);
  auto output = Output::Open(path);
  if (!output.ok()) return Fail("sql", output.status());
  Status st = RunStatement(*s->client, s->flags.positional()[0], format, output->fd(), output->file());
  return st.ok() ? 0 : Fail("sql", st);
}

}  // namespace hangar::cli
