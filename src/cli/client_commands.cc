// The client subcommands: `hangar ls`, `info`, `get`, `put`, `actions` and
// `action`. Each connects (client_connection.h), makes its calls and prints
// results for people; errors are one line on stderr and exit code 1.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"
#include "cli/batch_sinks.h"
#include "cli/client_connection.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "duckdb/database.h"

namespace hangar::cli {

namespace {

std::string DescriptorText(const flight::FlightDescriptor& d) {
  if (d.type != flight::FlightDescriptor::Type::kPath) return d.ToString();
  std::string out;
  for (const auto& p : d.path) out += (out.empty() ? "" : "/") + p;
  return out;
}

void PrintInfo(const flight::FlightInfo& info) {
  std::printf("flight:   %s\n", DescriptorText(info.descriptor).c_str());
  std::printf("records:  %lld\n", static_cast<long long>(info.total_records));
  std::printf("bytes:    %lld\n", static_cast<long long>(info.total_bytes));
  std::printf("schema:\n");
  if (info.schema) {
    std::string text = info.schema->ToString();
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::printf("  %s\n", text.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
  std::printf("endpoints:\n");
  for (const auto& e : info.endpoints) {
    std::printf("  ticket %s", e.ticket.ticket.c_str());
    for (const auto& l : e.locations) std::printf(" at %s", l.uri.c_str());
    std::printf("\n");
  }
}

}  // namespace

int RunLs(const Args& args) {
  int exit = 0;
  auto s = OpenSession("ls", "usage: hangar ls [options]   list the flights (tables and topics)", args, {}, {}, 0, 0, &exit);
  if (!s) return exit;
  auto infos = s->client->ListFlights();
  if (!infos.ok()) return Fail("ls", infos.status());
  for (const auto& info : *infos)
    std::printf("%-40s %12lld rows %14s\n", DescriptorText(info.descriptor).c_str(),
                static_cast<long long>(info.total_records),
                info.total_bytes >= 0 ? FormatBytes(static_cast<double>(info.total_bytes)).c_str() : "?");
  return 0;
}

int RunInfo(const Args& args) {
  int exit = 0;
  auto s = OpenSession("info", "usage: hangar info NAME [options]   schema, size and endpoints of a flight", args, {}, {}, 1,
                1, &exit);
  if (!s) return exit;
  auto info = s->client->GetFlightInfo(DescriptorFromName(s->flags.positional()[0]));
  if (!info.ok()) return Fail("info", info.status());
  PrintInfo(*info);
  return 0;
}

int RunGet(const Args& args) {
  int exit = 0;
  auto s = OpenSession("get",
                "usage: hangar get NAME [-o FILE] [--format arrow|arrows|csv|json|table|pretty] [--ticket TICKET] [options]\n"
                "  downloads every endpoint of a flight (or one raw ticket). Without -o the columns are printed\n"
                "  (pretty); with -o the format follows the extension (.arrow: IPC file, .arrows: IPC stream,\n"
                "  .csv, .json: one object per line)",
                args, {"o", "format", "ticket"}, {}, 0, 1, &exit);
  if (!s) return exit;
  std::vector<flight::Ticket> tickets;
  if (auto t = s->flags.Get("ticket")) {
    tickets.push_back({*t});
  } else if (s->flags.positional().size() == 1) {
    auto info = s->client->GetFlightInfo(DescriptorFromName(s->flags.positional()[0]));
    if (!info.ok()) return Fail("get", info.status());
    for (const auto& e : info->endpoints) tickets.push_back(e.ticket);
  } else {
    std::fprintf(stderr, "hangar get: give a flight NAME or --ticket\n");
    return 2;
  }
  const std::string path = s->flags.GetOr("o", "");
  const std::string format = s->flags.GetOr("format", FormatForPath(path, path.empty() ? "pretty" : "arrow"));
  auto output = Output::Open(path);
  if (!output.ok()) return Fail("get", output.status());
  auto made = MakeSink(format, output->fd(), output->file());
  if (!made.ok()) return Fail("get", made.status());
  std::unique_ptr<BatchSink> sink = std::move(*made);

  Status status;
  {
    Progress progress("get");
    bool begun = false;
    for (const auto& ticket : tickets) {
      auto reader = s->client->DoGet(ticket);
      if (!reader.ok()) { status = reader.status(); break; }
      auto schema = (*reader)->GetSchema();
      if (!schema.ok()) { status = schema.status(); break; }
      if (!begun) {
        status = sink->Begin(*schema);
        begun = true;
        if (!status.ok()) break;
      }
      while (status.ok()) {
        auto chunk = (*reader)->Next();
        if (!chunk.ok()) { status = chunk.status(); break; }
        if (chunk->end()) break;
        if (!chunk->data) continue;
        progress.Add(chunk->data->num_rows, arrow::TotalBufferSize(*chunk->data));
        status = sink->Write(*chunk->data);
      }
      if (!status.ok()) break;
    }
    if (status.ok() && begun) status = sink->End();
  }
  if (!status.ok()) return Fail("get", status);
  return 0;
}

namespace {

// The batches of a file to upload: Arrow IPC (file or stream, read here),
// or Parquet and CSV read by DuckDB and streamed as Arrow.
Result<std::unique_ptr<arrow::RecordBatchSource>> OpenUpload(const std::string& file, std::string format) {
  if (format.empty()) {
    if (file.ends_with(".parquet")) format = "parquet";
    else if (file.ends_with(".csv") || file.ends_with(".tsv") || file.ends_with(".csv.gz")) format = "csv";
    else format = "arrow";
  }
  if (format == "parquet" || format == "csv") {
    if (file == "-") return Status::Invalid("Parquet and CSV are read from a file, not from stdin");
    HANGAR_ASSIGN_OR_RETURN(auto engine, duckdb::Database::Open());
    const std::string reader = format == "parquet" ? "read_parquet" : "read_csv";
    auto source = duckdb::StreamQuery(engine, "SELECT * FROM " + reader + "(" + duckdb::QuoteLiteral(file) + ")");
    if (!source.ok()) return source.status().WithContext(file);
    return source;
  }
  if (format != "arrow") return Status::Invalid("unknown format '" + format + "' (arrow, parquet or csv)");
  HANGAR_ASSIGN_OR_RETURN(auto bytes, file == "-" ? arrow::ipc::ReadAllFromFd(STDIN_FILENO) : arrow::ipc::ReadWholeFile(file));
  auto data = arrow::ipc::ReadAny(bytes);
  if (!data.ok()) return Status::Invalid(file + ": " + data.status().message());
  return std::unique_ptr<arrow::RecordBatchSource>(
      std::make_unique<arrow::VectorSource>(data->schema, std::move(data->batches)));
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return path == "-" || std::filesystem::is_regular_file(path, ec);
}

}  // namespace

int RunPut(const Args& args) {
  int exit = 0;
  auto s = OpenSession("put",
                "usage: hangar put FILE TABLE [--format arrow|parquet|csv] [--mode append|create|overwrite] [options]\n"
                "  uploads a file into a table: Arrow IPC (file or stream; - for stdin), Parquet or CSV (read by\n"
                "  DuckDB, streamed). The format follows the extension unless --format says. The table is created\n"
                "  if needed and appended to (--mode create: must not exist; overwrite: replace it).",
                args, {"format", "mode"}, {}, 2, 2, &exit);
  if (!s) return exit;
  // FILE TABLE; the older TABLE FILE order is still understood.
  std::string file = s->flags.positional()[0], table = s->flags.positional()[1];
  if (!IsFile(file) && IsFile(table)) std::swap(file, table);
  auto source = OpenUpload(file, s->flags.GetOr("format", ""));
  if (!source.ok()) return Fail("put", source.status());
  flight::FlightDescriptor descriptor = DescriptorFromName(table);
  if (auto mode = s->flags.Get("mode")) {
    std::string qualified;
    for (const auto& part : descriptor.path) qualified += (qualified.empty() ? "" : ".") + part;
    descriptor = flight::FlightDescriptor::Command(nlohmann::json{{"table", qualified}, {"mode", *mode}}.dump());
  }
  auto writer = s->client->DoPut(descriptor, (*source)->schema());
  if (!writer.ok()) return Fail("put", writer.status());
  {
    Progress progress("put");
    while (true) {
      auto batch = (*source)->Next();
      if (!batch.ok()) return Fail("put", batch.status().WithContext(file));
      if (*batch == nullptr) break;
      Status written = (*writer)->WriteRecordBatch(**batch);
      if (!written.ok()) return Fail("put", written);
      progress.Add((*batch)->num_rows, arrow::TotalBufferSize(**batch));
    }
  }
  Status closed = (*writer)->Close();
  if (!closed.ok()) return Fail("put", closed);
  return 0;
}

int RunActions(const Args& args) {
  int exit = 0;
  auto s = OpenSession("actions", "usage: hangar actions [options]   list the server's actions", args, {}, {}, 0, 0, &exit);
  if (!s) return exit;
  auto actions = s->client->ListActions();
  if (!actions.ok()) return Fail("actions", actions.status());
  for (const auto& a : *actions) std::printf("%-20s %s\n", a.type.c_str(), a.description.c_str());
  return 0;
}

int RunAction(const Args& args) {
  int exit = 0;
  auto s = OpenSession("action", "usage: hangar action TYPE [BODY] [options]   run an action, print each result", args, {},
                {}, 1, 2, &exit);
  if (!s) return exit;
  const auto& p = s->flags.positional();
  auto results = s->client->DoAction(flight::Action{p[0], p.size() > 1 ? p[1] : ""});
  if (!results.ok()) return Fail("action", results.status());
  for (const auto& r : *results) std::printf("%s\n", r.body.c_str());
  return 0;
}

}  // namespace hangar::cli
