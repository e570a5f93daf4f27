// hangar-integration: the cross-implementation test tool every Arrow
// implementation provides (Arrow's archery harness drives these), speaking
// Arrow's integration JSON and the IPC file and stream formats.
//
//   --mode validate        JSON vs Arrow file (or stream): exit 0 when equal,
//                          1 naming the first field / batch / row that differs
//   --mode json-to-arrow   JSON -> Arrow IPC file
//   --mode arrow-to-json   Arrow IPC file (or stream) -> JSON
//   --mode stream-to-file  IPC stream on stdin -> IPC file --arrow (or stdout)
//   --mode file-to-stream  IPC file --arrow -> IPC stream on stdout
//
// Option spellings of the other implementations' tools are accepted too
// (--mode=VALIDATE, JSON_TO_ARROW, --json=FILE, --integration), so a harness
// written for Arrow C++ can call this binary unchanged.

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arrow/compare.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/json/integration_json.h"

namespace {

using hangar::Result;
using hangar::Status;
namespace arrow = hangar::arrow;
namespace ipc = hangar::arrow::ipc;

constexpr char kUsage[] = R"(usage: hangar-integration --mode MODE [--json FILE] [--arrow FILE] [--compression lz4|zstd]

Arrow's cross-implementation integration tool.

modes:
  validate        compare the JSON file with the Arrow IPC file (a stream is accepted too);
                  exit status 0 when they hold the same schema and data, 1 otherwise,
                  printing the first field, batch and row that differ
  json-to-arrow   read --json, write the Arrow IPC file --arrow
  arrow-to-json   read the Arrow IPC file (or stream) --arrow, write --json
  stream-to-file  read an IPC stream on standard input, write the IPC file --arrow
                  (standard output without --arrow)
  file-to-stream  read the IPC file --arrow (or a lone FILE argument), write an IPC
                  stream to standard output

options:
  --json FILE           integration JSON (plain or gzip-compressed when reading)
  --arrow FILE          Arrow IPC file
  --compression CODEC   compress written record batch bodies: lz4 (LZ4_FRAME) or zstd
  --verbose             say what was done on standard error
  --help                print this help

Spellings used by other Arrow implementations are accepted: --mode=VALIDATE,
JSON_TO_ARROW, ARROW_TO_JSON, --json=FILE, --arrow=FILE, and --integration (ignored).
)";

struct Options {
  std::string mode;
  std::string json;
  std::string arrow;
  std::optional<std::string> compression;
  bool verbose = false;
  bool help = false;
};

// "JSON_TO_ARROW", "json-to-arrow" and "Json_To_Arrow" are one mode.
std::string NormalizeMode(std::string_view m) {
  std::string out;
  for (char c : m) out.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

Result<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--verbose" || arg == "-v") {
      o.verbose = true;
      continue;
    }
    if (arg == "--integration") continue;
    std::string key = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (key != "--mode" && key != "--json" && key != "--arrow" && key != "--compression") {
      // A lone path is the Arrow file, as arrow-file-to-stream takes it.
      if (arg.rfind("-", 0) != 0 && o.arrow.empty()) {
        o.arrow = arg;
        continue;
      }
      return Status::Invalid("unknown argument '" + arg + "'");
    }
    if (!value) {
      if (i + 1 >= argc) return Status::Invalid(key + " needs a value");
      value = argv[++i];
    }
    if (key == "--mode") o.mode = NormalizeMode(*value);
    if (key == "--json") o.json = *value;
    if (key == "--arrow") o.arrow = *value;
    if (key == "--compression") o.compression = *value;
  }
  return o;
}

Result<ipc::WriteOptions> WriteOptionsFor(const Options& o) {
  ipc::WriteOptions w;
  if (!o.compression) return w;
  const std::string c = NormalizeMode(*o.compression);
  if (c == "lz4" || c == "lz4-frame") {
    w.compression = ipc::Compression::kLz4Frame;
  } else if (c == "zstd") {
    w.compression = ipc::Compression::kZstd;
  } else if (c != "none" && !c.empty()) {
    return Status::Invalid("unknown compression '" + *o.compression + "' (use lz4 or zstd)");
  }
  return w;
}

Status WriteBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError("cannot create " + path);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::IOError("error writing " + path);
  return Status::OK();
}

Result<std::string> ReadStdin() {
  std::string bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) return Status::IOError("error reading standard input");
  return bytes;
}

// An Arrow IPC file or stream, recognised by its leading magic bytes.
Result<arrow::json::JsonFile> ReadArrow(const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(arrow::BufferPtr bytes, ipc::ReadWholeFile(path));
  auto data = ipc::ReadAny(bytes);
  if (!data.ok()) return data.status().WithContext(path);
  return arrow::json::JsonFile{data->schema, data->batches};
}

// Returns "" when equal, else the first difference.
std::string Difference(const arrow::json::JsonFile& expected, const arrow::json::JsonFile& actual) {
  if (std::string d = expected.schema->Diff(*actual.schema); !d.empty()) return "schema: " + d;
  if (expected.batches.size() != actual.batches.size()) {
    return "JSON has " + std::to_string(expected.batches.size()) + " record batches, the Arrow file " +
           std::to_string(actual.batches.size());
  }
  for (size_t b = 0; b < expected.batches.size(); ++b) {
    if (std::string d = arrow::BatchDiff(*expected.batches[b], *actual.batches[b]); !d.empty()) {
      return "batch " + std::to_string(b) + ": " + d;
    }
  }
  return "";
}

int Fail(const Status& st) {
  std::cerr << "hangar-integration: " << st.ToString() << "\n";
  return 1;
}

int WriteStdout(std::string_view bytes) {
  std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::cout.flush();
  if (!std::cout) return Fail(Status::IOError("error writing standard output"));
  return 0;
}

int Run(const Options& o) {
  auto need = [&](const std::string& value, const char* flag) -> Status {
    if (value.empty()) return Status::Invalid("--mode " + o.mode + " needs " + flag);
    return Status::OK();
  };
  auto say = [&](const std::string& what) {
    if (o.verbose) std::cerr << what << "\n";
  };
  auto write_options = WriteOptionsFor(o);
  if (!write_options.ok()) return Fail(write_options.status());

  if (o.mode == "validate") {
    if (Status st = need(o.json, "--json"); !st.ok()) return Fail(st);
    if (Status st = need(o.arrow, "--arrow"); !st.ok()) return Fail(st);
    auto json = arrow::json::ReadJsonFile(o.json);
    if (!json.ok()) return Fail(json.status());
    auto data = ReadArrow(o.arrow);
    if (!data.ok()) return Fail(data.status());
    if (std::string d = Difference(*json, *data); !d.empty()) {
      std::cerr << "hangar-integration: " << o.json << " and " << o.arrow << " differ: " << d << "\n";
      return 1;
    }
    say("validated " + std::to_string(json->batches.size()) + " record batch(es): " + o.json + " == " + o.arrow);
    return 0;
  }
  if (o.mode == "json-to-arrow") {
    if (Status st = need(o.json, "--json"); !st.ok()) return Fail(st);
    if (Status st = need(o.arrow, "--arrow"); !st.ok()) return Fail(st);
    auto json = arrow::json::ReadJsonFile(o.json);
    if (!json.ok()) return Fail(json.status());
    auto bytes = ipc::WriteFile(json->schema, json->batches, *write_options);
    if (!bytes.ok()) return Fail(bytes.status());
    if (Status st = WriteBytes(o.arrow, *bytes); !st.ok()) return Fail(st);
    say("wrote " + o.arrow);
    return 0;
  }
  if (o.mode == "arrow-to-json") {
    if (Status st = need(o.json, "--json"); !st.ok()) return Fail(st);
    if (Status st = need(o.arrow, "--arrow"); !st.ok()) return Fail(st);
    auto data = ReadArrow(o.arrow);
    if (!data.ok()) return Fail(data.status());
    auto text = arrow::json::WriteJson(data->schema, data->batches);
    if (!text.ok()) return Fail(text.status());
    if (Status st = WriteBytes(o.json, *text); !st.ok()) return Fail(st);
    say("wrote " + o.json);
    return 0;
  }
  if (o.mode == "stream-to-file") {
    auto in = ReadStdin();
    if (!in.ok()) return Fail(in.status());
    auto data = ipc::ReadAny(arrow::Buffer::FromString(std::move(*in)));
    if (!data.ok()) return Fail(data.status().WithContext("standard input"));
    auto bytes = ipc::WriteFile(data->schema, data->batches, *write_options);
    if (!bytes.ok()) return Fail(bytes.status());
    // Without --arrow the file goes to standard output, as arrow-stream-to-file does.
    if (o.arrow.empty()) return WriteStdout(*bytes);
    if (Status st = WriteBytes(o.arrow, *bytes); !st.ok()) return Fail(st);
    say("wrote " + o.arrow);
    return 0;
  }
  if (o.mode == "file-to-stream") {
    if (Status st = need(o.arrow, "--arrow"); !st.ok()) return Fail(st);
    auto data = ReadArrow(o.arrow);
    if (!data.ok()) return Fail(data.status());
    auto bytes = ipc::WriteStream(data->schema, data->batches, *write_options);
    if (!bytes.ok()) return Fail(bytes.status());
    return WriteStdout(*bytes);
  }
  std::cerr << "hangar-integration: " << (o.mode.empty() ? "no --mode given" : "unknown mode '" + o.mode + "'")
            << "\n\n"
            << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  auto options = ParseArgs(argc, argv);
  if (!options.ok()) {
    std::cerr << "hangar-integration: " << options.status().message() << "\n\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  return Run(*options);
}
