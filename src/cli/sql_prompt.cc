#include "cli/sql_prompt.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "cli/batch_sinks.h"
#include "cli/client_connection.h"
#include "cli/interrupt.h"
#include "cli/line_editor.h"
#include "cli/pager.h"
#include "cli/progress.h"
#include "cli/sql_statement.h"
#include "cli/terminal.h"

namespace hangar::cli {

const std::vector<MetaCommand>& MetaCommands() {
  static const std::vector<MetaCommand> commands = {
      {"\\dt", "", "List the tables and topics, with rows and size."},
      {"\\d", "NAME", "Describe a table or topic: columns, rows, endpoints, primary key, partitions."},
      {"\\timing", "[on|off]", "Print how long each statement took (toggles without an argument)."},
      {"\\o", "[FILE]", "Send results to FILE (in --format's format); without FILE, back to the terminal."},
      {"\\x", "[on|off]", "Expanded rows: one 'column | value' line per column (toggles without an argument)."},
      {"\\?", "", "This list."},
      {"\\q", "", "Quit (also: quit, exit, Ctrl-D)."},
  };
  return commands;
}

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

namespace {

constexpr const char* kPrompt = "hangar> ";
constexpr const char* kContinuation = "   ...> ";

std::string Trimmed(const std::string& text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
}

// One history entry per statement, however many lines it took.
std::string OneLine(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

// A switch meta-command's new value: "on", "off", or the other one.
Result<bool> Toggle(const std::string& arg, bool now) {
  if (arg.empty()) return !now;
  if (arg == "on") return true;
  if (arg == "off") return false;
  return Status::Invalid("expected on or off, not '" + arg + "'");
}

class Prompt {
 public:
  Prompt(flight::FlightClient& client, std::string format)
      : client_(client), format_(std::move(format)), run_(client), terminal_(IsTerminal(STDIN_FILENO)) {
    if (terminal_) editor_ = std::make_unique<LineEditor>("hangar", HistoryPath());
  }

  int Loop() {
    // Ctrl-C during a statement cancels it; while typing, the editor sees it.
    InterruptWatch watch([this] { run_.Cancel(); }, false);
    if (terminal_)
      std::fprintf(stderr,
                   "Hangar SQL (DuckDB's dialect). End statements with ';'. \\? lists the meta-commands; "
                   "quit with \\q or Ctrl-D.\n");
    std::string pending, line;
    while (true) {
      const LineEditor::Read read = ReadLine(pending.empty() ? kPrompt : kContinuation, &line);
      if (read == LineEditor::Read::kEnd) break;
      if (read == LineEditor::Read::kInterrupted) {
        pending.clear();
        continue;
      }
      if (pending.empty()) {
        const std::string command = Trimmed(line);
        if (command == "\\q" || command == "quit" || command == "exit") break;
        if (!command.empty() && command[0] == '\\') {
          Remember(command);
          Report(Meta(command));
          continue;
        }
      }
      pending += line + "\n";
      size_t end;
      while ((end = StatementEnd(pending)) != std::string::npos) {
        const std::string statement = Trimmed(pending.substr(0, end));
        // Whatever follows the `;` starts the next statement; blanks do not.
        const std::string rest = Trimmed(pending.substr(end + 1));
        pending = rest.empty() ? "" : rest + "\n";
        if (statement.empty()) continue;
        Remember(statement + ";");
        Report(Run(statement));
      }
    }
    if (!Trimmed(pending).empty()) Report(Run(Trimmed(pending)));
    if (terminal_) std::fputc('\n', stderr);
    return terminal_ ? 0 : exit_;
  }

 private:
  LineEditor::Read ReadLine(const char* prompt, std::string* line) {
    if (editor_) return editor_->ReadLine(prompt, line);
    return std::getline(std::cin, *line) ? LineEditor::Read::kLine : LineEditor::Read::kEnd;
  }

  void Remember(const std::string& entry) {
    if (editor_) editor_->Remember(OneLine(entry));
  }

  void Report(const Status& st) {
    if (st.ok()) return;
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    exit_ = 1;
  }

  Status Run(const std::string& statement) {
    const auto start = std::chrono::steady_clock::now();
    Status st;
    {
      // Text on a terminal: cut to its width, paged when longer than it.
      const bool text = format_ != "arrow" && format_ != "arrows";
      const auto screen = output_ ? std::nullopt : TerminalSizeOf(STDOUT_FILENO);
      std::optional<PagedOutput> paged;
      if (screen && text) paged.emplace(screen->rows);
      FILE* out = output_ ? output_->file() : paged ? paged->file() : stdout;
      const int fd = output_ ? output_->fd() : STDOUT_FILENO;
      TableLayout layout;
      layout.expanded = expanded_;
      if (screen) layout.max_width = static_cast<size_t>(screen->columns);
      st = run_.Run(statement, [&] { return MakeSink(format_, fd, out, layout); });
      std::fflush(out);
    }
    std::fflush(stdout);
    if (timing_) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::printf("Time: %.3f ms\n", ms);
      std::fflush(stdout);
    }
    return st;
  }

  Status Meta(const std::string& command) {
    const size_t space = command.find_first_of(" \t");
    const std::string name = command.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : Trimmed(command.substr(space));
    FILE* out = output_ ? output_->file() : stdout;
    Status st;
    if (name == "\\?") {
      for (const auto& m : MetaCommands()) {
        std::string head = std::string(m.name) + (m.args.empty() ? "" : " " + std::string(m.args));
        head.resize(std::max<size_t>(head.size() + 2, 18), ' ');
        std::fprintf(out, "%s%s\n", head.c_str(), std::string(m.help).c_str());
      }
    } else if (name == "\\dt") {
      st = ListFlights(out);
    } else if (name == "\\d") {
      st = arg.empty() ? ListFlights(out) : Describe(arg, out);
    } else if (name == "\\timing") {
      HANGAR_ASSIGN_OR_RETURN(timing_, Toggle(arg, timing_));
      std::fprintf(out, "Timing is %s.\n", timing_ ? "on" : "off");
    } else if (name == "\\x") {
      HANGAR_ASSIGN_OR_RETURN(expanded_, Toggle(arg, expanded_));
      std::fprintf(out, "Expanded display is %s.\n", expanded_ ? "on" : "off");
    } else if (name == "\\o") {
      output_.reset();
      if (!arg.empty()) {
        auto opened = Output::Open(arg);
        if (!opened.ok()) return opened.status();
        output_.emplace(std::move(opened).value());
      }
    } else {
      return Status::Invalid("unknown meta-command '" + name + "' (\\? lists them)");
    }
    std::fflush(out);
    return st;
  }

  // \dt: every flight, its kind, rows and size.
  Status ListFlights(FILE* out) {
    HANGAR_ASSIGN_OR_RETURN(auto infos, client_.ListFlights());
    size_t width = 4;
    for (const auto& info : infos) width = std::max(width, DescriptorText(info.descriptor).size());
    std::fprintf(out, "%-*s | kind  | %12s | %10s\n", static_cast<int>(width), "name", "rows", "size");
    std::fprintf(out, "%s-+-------+-%s-+-%s\n", std::string(width, '-').c_str(), std::string(12, '-').c_str(),
                 std::string(10, '-').c_str());
    for (const auto& info : infos) {
      const auto& path = info.descriptor.path;
      const bool topic = path.size() == 2 && path[0] == "kafka";
      std::fprintf(out, "%-*s | %-5s | %12lld | %10s\n", static_cast<int>(width),
                   DescriptorText(info.descriptor).c_str(), topic ? "topic" : "table",
                   static_cast<long long>(info.total_records),
                   info.total_bytes >= 0 ? FormatBytes(static_cast<double>(info.total_bytes)).c_str() : "?");
    }
    std::fprintf(out, "(%zu flight%s)\n", infos.size(), infos.size() == 1 ? "" : "s");
    return Status::OK();
  }

  // \d NAME: what GetFlightInfo says, and for a table what DescribeTable adds.
  Status Describe(const std::string& name, FILE* out) {
    const flight::FlightDescriptor descriptor = DescriptorFromName(name);
    HANGAR_ASSIGN_OR_RETURN(auto info, client_.GetFlightInfo(descriptor));
    const bool topic = descriptor.path.size() == 2 && descriptor.path[0] == "kafka";
    std::fprintf(out, "%s %s\n", topic ? "Topic" : "Table", DescriptorText(info.descriptor).c_str());
    if (info.schema) {
      size_t width = 6;
      for (const auto& f : info.schema->fields()) width = std::max(width, f->name().size());
      std::fprintf(out, "  %-*s | type\n", static_cast<int>(width), "column");
      for (const auto& f : info.schema->fields())
        std::fprintf(out, "  %-*s | %s%s\n", static_cast<int>(width), f->name().c_str(), f->type()->ToString().c_str(),
                     f->nullable() ? "" : " not null");
    }
    std::fprintf(out, "rows: %lld   size: %s\n", static_cast<long long>(info.total_records),
                 info.total_bytes >= 0 ? FormatBytes(static_cast<double>(info.total_bytes)).c_str() : "?");
    if (topic) {
      std::fprintf(out, "partitions: %zu\n", info.endpoints.size());
    } else {
      auto described = client_.DoAction({"DescribeTable", JsonText(nlohmann::json{{"name", name}})});
      if (described.ok() && !described->empty()) {
        auto table = nlohmann::json::parse((*described)[0].body, nullptr, false);
        if (table.is_object()) {
          std::string key;
          for (const auto& k : table.value("primary_key", nlohmann::json::array()))
            key += (key.empty() ? "" : ", ") + k.get<std::string>();
          std::fprintf(out, "primary key: %s\n", key.empty() ? "none (append-only)" : key.c_str());
          std::fprintf(out, "partitions: %s\n",
                       table.contains("partition_spec") ? JsonText(table["partition_spec"]).c_str() : "none");
          std::fprintf(out, "version: %lld   files: %zu\n", static_cast<long long>(table.value("version", 0LL)),
                       table.value("files", nlohmann::json::array()).size());
        }
      }
    }
    std::fprintf(out, "endpoints:\n");
    for (const auto& e : info.endpoints) {
      std::fprintf(out, "  ticket %s", e.ticket.ticket.c_str());
      for (const auto& l : e.locations) std::fprintf(out, " at %s", l.uri.c_str());
      std::fprintf(out, "\n");
    }
    return Status::OK();
  }

  flight::FlightClient& client_;
  std::string format_;
  StatementRun run_;
  bool terminal_;
  std::unique_ptr<LineEditor> editor_;
  std::optional<Output> output_;  // \o FILE
  bool timing_ = false;
  bool expanded_ = false;
  int exit_ = 0;
};

}  // namespace

int RunPrompt(flight::FlightClient& client, const std::string& format) { return Prompt(client, format).Loop(); }

}  // namespace hangar::cli
