// Avro decoding: N records of a typical event schema (long, string, double,
// enum, timestamp, array of strings, optional string) in an Avro container
// file, decoded into Arrow record batches by Hangar's compiled decoder, and,
// in the same run, read by the Avro project's own Python library (Debian's
// python3-avro, what data engineers' consumer loops use) and fastavro (PyPI,
// the fast C-accelerated reader) as the baselines.
//
//   bench_avro [--records N] [--quick]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "avro/object_container.h"
#include "avro/varint.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kSchema = R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
  {"name": "id", "type": "long"},
  {"name": "customer", "type": "string"},
  {"name": "amount", "type": "double"},
  {"name": "currency", "type": {"type": "enum", "name": "Currency", "symbols": ["EUR", "USD", "GBP", "CHF"]}},
  {"name": "created", "type": {"type": "long", "logicalType": "timestamp-micros"}},
  {"name": "tags", "type": {"type": "array", "items": "string"}},
  {"name": "note", "type": ["null", "string"], "default": null}]})";

// The record encoder of this benchmark's one schema, over avro/varint.h.
struct Encoder {
  std::string out;
  void Long(int64_t v) { hangar::avro::WriteLong(v, &out); }
  void Str(const std::string& s) {
    Long(static_cast<int64_t>(s.size()));
    out += s;
  }
};

// An Avro container file of `records` orders (null codec, blocks of 10,000),
// written by Hangar's container writer.
std::string MakeFile(int64_t records) {
  std::vector<std::string> datums;
  datums.reserve(static_cast<size_t>(records));
  uint64_t h = 88172645463325252ull;
  for (int64_t i = 0; i < records; ++i) {
    h ^= h << 13, h ^= h >> 7, h ^= h << 17;
    Encoder record;
    record.Long(i);
    record.Str("customer-" + std::to_string(h % 50000));
    const double amount = static_cast<double>(h % 100000) / 100.0;
    record.out.append(reinterpret_cast<const char*>(&amount), 8);
    record.Long(static_cast<int64_t>(h % 4));
    record.Long(1705314600000000 + i * 1000);
    const int tags = static_cast<int>(h % 3);
    if (tags) {
      record.Long(tags);
      for (int t = 0; t < tags; ++t) record.Str(t ? "priority" : "web");
    }
    record.Long(0);
    if (h % 5 == 0) {
      record.Long(1);
      record.Str("leave at the door");
    } else {
      record.Long(0);
    }
    datums.push_back(std::move(record.out));
  }
  return hangar::avro::WriteContainerFile(kSchema, datums, 10000);
}

// The Python baselines print "<records> <seconds>" for the file in argv[1].
const char* const kAvroPython = R"(
import sys, time
from avro.datafile import DataFileReader
from avro.io import DatumReader
start = time.perf_counter()
n = 0
with DataFileReader(open(sys.argv[1], 'rb'), DatumReader()) as reader:
    for record in reader:
        n += 1
print(n, time.perf_counter() - start)
)";

// fastavro (C-accelerated, what a data engineer picks today for speed).
const char* const kFastavro = R"(
import sys, time
import fastavro
start = time.perf_counter()
n = 0
with open(sys.argv[1], 'rb') as f:
    for record in fastavro.reader(f):
        n += 1
print(n, time.perf_counter() - start)
)";

struct Baseline {
  const char* label;
  std::string python;  // the interpreter
  const char* script;
  const char* missing;  // what to say when it cannot run
};

// Runs `b` on `avro_file`; the seconds it took, or a negative number.
double RunBaseline(const Baseline& b, const fs::path& dir, const fs::path& avro_file, int64_t records) {
  const fs::path script = dir / "read.py";
  std::ofstream(script, std::ios::trunc) << b.script;
  const std::string command = b.python + " " + script.string() + " " + avro_file.string() + " 2>/dev/null";
  FILE* p = popen(command.c_str(), "r");
  long long n = 0;
  double seconds = 0;
  const bool ran = p && std::fscanf(p, "%lld %lf", &n, &seconds) == 2 && n == records;
  if (p) pclose(p);
  return ran ? seconds : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t records = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      records = 200'000;
    else if (std::strcmp(argv[i], "--records") == 0 && i + 1 < argc)
      records = std::atoll(argv[++i]);
  }
  const std::string bytes = MakeFile(records);
  std::printf(
      "bench_avro: %lld records (long, string, double, enum, timestamp, array<string>, optional string), "
      "%.1f MB of Avro\n",
      static_cast<long long>(records), static_cast<double>(bytes.size()) / 1e6);

  double best = 1e9;
  for (int run = 0; run < 3; ++run) {
    const auto start = Clock::now();
    auto file = hangar::avro::ReadContainerFile(bytes);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (!file.ok()) {
      std::fprintf(stderr, "bench_avro: %s\n", file.status().ToString().c_str());
      return 1;
    }
    int64_t rows = 0;
    for (const auto& b : file->batches) rows += b->num_rows;
    if (rows != records) return 1;
    best = std::min(best, s);
  }
  const double hangar_rate = static_cast<double>(records) / best;
  std::printf("  %-44s %8.3f s %10.0f records/s %7.0f ns/record\n", "Hangar: decode into Arrow batches", best,
              hangar_rate, best / static_cast<double>(records) * 1e9);

  // The baselines, on the same file.
  const fs::path dir = fs::temp_directory_path() / ("hangar-bench-avro-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "orders.avro", std::ios::binary) << bytes;
  const fs::path venv_python = fs::path(HANGAR_SOURCE_DIR) / "third_party/venv/bin/python";
  const Baseline baselines[] = {
      {"Python avro 1.11: DataFileReader to dicts", "/usr/bin/python3", kAvroPython,
       "/usr/bin/python3 with python3-avro is not available (scripts/setup.sh installs it)"},
      {"fastavro 1.13: reader to dicts", venv_python.string(), kFastavro,
       "third_party/venv/ with fastavro is not available (scripts/setup.sh installs it)"},
  };
  for (const auto& b : baselines) {
    const double seconds = RunBaseline(b, dir, dir / "orders.avro", records);
    if (seconds < 0) {
      std::printf("  baseline: %s\n", b.missing);
      continue;
    }
    const double rate = static_cast<double>(records) / seconds;
    std::printf("  %-44s %8.3f s %10.0f records/s %7.0f ns/record\n", b.label, seconds, rate,
                seconds / static_cast<double>(records) * 1e9);
    std::printf("  Hangar decodes %.1fx faster than %s\n", hangar_rate / rate, b.label);
  }
  fs::remove_all(dir);
  return 0;
}
