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
#include "base/json_text.h"
#include "cli/batch_sinks.h"
#include "cli/client_connection.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/terminal.h"
#include "duckdb/database.h"

namespace hangar::cli {

namespace {

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
  auto s = OpenSession("ls", args, &exit);
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
  auto s = OpenSession("info", args, &exit);
  if (!s) return exit;
  auto info = s->client->GetFlightInfo(DescriptorFromName(s->flags.positional()[0]));
  if (!info.ok()) return Fail("info", info.status());
  PrintInfo(*info);
  return 0;
}

int RunGet(const Args& args) {
  int exit = 0;
  auto s = OpenSession("get", args, &exit);
  if (!s) return exit;
  std::vector<flight::Ticket> tickets;
  int64_t total_rows = -1;  // what FlightInfo promises; unknown for a raw ticket
  if (auto t = s->flags.Get("ticket")) {
    tickets.push_back({*t});
  } else if (s->flags.positional().size() == 1) {
    auto info = s->client->GetFlightInfo(DescriptorFromName(s->flags.positional()[0]));
    if (!info.ok()) return Fail("get", info.status());
    for (const auto& e : info->endpoints) tickets.push_back(e.ticket);
    total_rows = info->total_records;
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
    // Rows printed on the terminal need no bar drawn over them.
    Progress progress("get", s->flags.Has("quiet") || (path.empty() && IsTerminal(STDOUT_FILENO)));
    progress.SetTotalRows(total_rows);
    bool begun = false;
    for (const auto& ticket : tickets) {
      auto reader = s->client->DoGet(ticket);
      if (!reader.ok()) {
        status = reader.status();
        break;
      }
      auto schema = (*reader)->GetSchema();
      if (!schema.ok()) {
        status = schema.status();
        break;
      }
      if (!begun) {
        status = sink->Begin(*schema);
        begun = true;
        if (!status.ok()) break;
      }
      while (status.ok()) {
        auto chunk = (*reader)->Next();
        if (!chunk.ok()) {
          status = chunk.status();
          break;
        }
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

// The rows of a Parquet file, from its footer (no data is read).
Result<int64_t> ParquetRows(const std::shared_ptr<duckdb::Database>& engine, const std::string& file) {
  HANGAR_ASSIGN_OR_RETURN(auto source,
                          duckdb::StreamQuery(engine, "SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata(" +
                                                          duckdb::QuoteLiteral(file) + ")"));
  HANGAR_ASSIGN_OR_RETURN(auto batch, source->Next());
  if (batch == nullptr || batch->num_rows != 1 || !arrow::IsLogicallyValid(*batch->column(0), 0)) return int64_t{-1};
  return arrow::LoadInteger(*batch->column(0), 0);
}

// The batches of a file to upload: Arrow IPC (file or stream, read here),
// or Parquet and CSV read by DuckDB and streamed as Arrow. *total_rows is
// the row count when known beforehand (IPC, Parquet), else -1.
Result<std::unique_ptr<arrow::RecordBatchSource>> OpenUpload(const std::string& file, std::string format,
                                                             int64_t* total_rows) {
  *total_rows = -1;
  if (format.empty()) {
    if (file.ends_with(".parquet"))
      format = "parquet";
    else if (file.ends_with(".csv") || file.ends_with(".tsv") || file.ends_with(".csv.gz"))
      format = "csv";
    else
      format = "arrow";
  }
  if (format == "parquet" || format == "csv") {
    if (file == "-") return Status::Invalid("Parquet and CSV are read from a file, not from stdin");
    HANGAR_ASSIGN_OR_RETURN(auto engine, duckdb::Database::Open());
    const std::string reader = format == "parquet" ? "read_parquet" : "read_csv";
    if (format == "parquet") {
      auto rows = ParquetRows(engine, file);
      if (!rows.ok()) return rows.status().WithContext(file);
      *total_rows = *rows;
    }
    auto source = duckdb::StreamQuery(engine, "SELECT * FROM " + reader + "(" + duckdb::QuoteLiteral(file) + ")");
    if (!source.ok()) return source.status().WithContext(file);
    return source;
  }
  if (format != "arrow") return Status::Invalid("unknown format '" + format + "' (arrow, parquet or csv)");
  HANGAR_ASSIGN_OR_RETURN(auto bytes,
                          file == "-" ? arrow::ipc::ReadAllFromFd(STDIN_FILENO) : arrow::ipc::ReadWholeFile(file));
  auto data = arrow::ipc::ReadAny(bytes);
  if (!data.ok()) return Status::Invalid(file + ": " + data.status().message());
  *total_rows = 0;
  for (const auto& batch : data->batches) *total_rows += batch->num_rows;
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
  auto s = OpenSession("put", args, &exit);
  if (!s) return exit;
  // FILE TABLE; the older TABLE FILE order is still understood.
  std::string file = s->flags.positional()[0], table = s->flags.positional()[1];
  if (!IsFile(file) && IsFile(table)) std::swap(file, table);
  int64_t total_rows = -1;
  auto source = OpenUpload(file, s->flags.GetOr("format", ""), &total_rows);
  if (!source.ok()) return Fail("put", source.status());
  flight::FlightDescriptor descriptor = DescriptorFromName(table);
  if (auto mode = s->flags.Get("mode")) {
    std::string qualified;
    for (const auto& part : descriptor.path) qualified += (qualified.empty() ? "" : ".") + part;
    descriptor = flight::FlightDescriptor::Command(JsonText(nlohmann::json{{"table", qualified}, {"mode", *mode}}));
  }
  auto writer = s->client->DoPut(descriptor, (*source)->schema());
  if (!writer.ok()) return Fail("put", writer.status());
  {
    Progress progress("put", s->flags.Has("quiet"));
    progress.SetTotalRows(total_rows);
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
  auto s = OpenSession("actions", args, &exit);
  if (!s) return exit;
  auto actions = s->client->ListActions();
  if (!actions.ok()) return Fail("actions", actions.status());
  for (const auto& a : *actions) std::printf("%-20s %s\n", a.type.c_str(), a.description.c_str());
  return 0;
}

int RunAction(const Args& args) {
  int exit = 0;
  auto s = OpenSession("action", args, &exit);
  if (!s) return exit;
  const auto& p = s->flags.positional();
  auto results = s->client->DoAction(flight::Action{p[0], p.size() > 1 ? p[1] : ""});
  if (!results.ok()) return Fail("action", results.status());
  for (const auto& r : *results) std::printf("%s\n", r.body.c_str());
  return 0;
}

}  // namespace hangar::cli
