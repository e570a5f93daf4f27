// IPC stream benchmark: write and read ~1 GiB of mixed columns through the Arrow
// IPC stream format in memory, against a plain memcpy of the same bytes
// measured in the same run.
//
//   build/bin/bench_ipc [--mib N] [--reps R]
//
// Targets (issue "Foundation"): reading takes at most 0.1x the time of a
// memcpy of the stream's bytes (bodies are referenced, not copied); writing
// into memory runs at >= 0.5x memcpy speed. LZ4_FRAME and ZSTD rates are
// reported too. The program prints figures and verdicts; it never fails on
// timing, because the machines are noisy.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "arrow/array.h"
#include "arrow/buffer.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"

namespace hangar::arrow {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(const std::function<void()>& fn) {
  auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Median of `reps` timings of `fn`.
double Median(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) t.push_back(Seconds(fn));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

// One batch of `rows` rows: id int64, price float64 (10% null), name utf8
// (4..36 bytes), qty int32 (nullable), tags list<int32> (0..8 items).
RecordBatchPtr MakeBatch(int64_t rows, std::mt19937_64& rng) {
  auto sch = schema({field("id", int64(), false), field("price", float64()), field("name", utf8()),
                     field("qty", int32()), field("tags", list(int32()))});
  MutableBuffer ids, prices, price_valid, name_offsets, name_data, qtys, qty_valid, tag_offsets, tag_values;
  price_valid.Resize(bit::BytesFor(rows));
  qty_valid.Resize(bit::BytesFor(rows));
  ids.Reserve(rows * 8);
  prices.Reserve(rows * 8);
  qtys.Reserve(rows * 4);
  name_offsets.Reserve((rows + 1) * 4);
  tag_offsets.Reserve((rows + 1) * 4);
  int32_t name_pos = 0, tag_pos = 0;
  name_offsets.AppendValue(name_pos);
  tag_offsets.AppendValue(tag_pos);
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  char name[40];
  for (int64_t i = 0; i < rows; ++i) {
    uint64_t r = rng();
    ids.AppendValue<int64_t>(i);
    prices.AppendValue<double>(static_cast<double>(r % 100000) / 100.0);
    if (r % 10 != 0) bit::Set(price_valid.data(), i);
    int len = 4 + static_cast<int>((r >> 8) % 33);
    for (int k = 0; k < len; ++k) name[k] = kLetters[(r >> (k % 50)) % 62];
    name_data.Append(name, len);
    name_pos += len;
    name_offsets.AppendValue(name_pos);
    qtys.AppendValue<int32_t>(static_cast<int32_t>(r >> 20) % 1000);
    if ((r >> 30) % 20 != 0) bit::Set(qty_valid.data(), i);
    int ntags = static_cast<int>((r >> 40) % 9);
    for (int k = 0; k < ntags; ++k) tag_values.AppendValue<int32_t>(static_cast<int32_t>((r >> k) & 0xffff));
    tag_pos += ntags;
    tag_offsets.AppendValue(tag_pos);
  }
  auto tag_child = MakeArray(int32(), tag_pos, {nullptr, tag_values.Finish()}, {}, 0);
  return MakeRecordBatch(sch, rows,
                         {MakeArray(int64(), rows, {nullptr, ids.Finish()}, {}, 0),
                          MakeArray(float64(), rows, {price_valid.Finish(), prices.Finish()}),
                          MakeArray(utf8(), rows, {nullptr, name_offsets.Finish(), name_data.Finish()}, {}, 0),
                          MakeArray(int32(), rows, {qty_valid.Finish(), qtys.Finish()}),
                          MakeArray(sch->field(4)->type(), rows, {nullptr, tag_offsets.Finish()}, {tag_child}, 0)});
}

struct Row {
  std::string name;
  double seconds;
  int64_t bytes;
};

int Main(int argc, char** argv) {
  int64_t target_mib = 1024;
  int reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mib") == 0) target_mib = std::atoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
  }
  const int64_t rows_per_batch = 256 * 1024;
  std::mt19937_64 rng(42);
  std::vector<RecordBatchPtr> batches;
  SchemaPtr sch;
  // Measure one batch's encoded size to pick the batch count.
  {
    auto b = MakeBatch(rows_per_batch, rng);
    sch = b->schema;
    batches.push_back(b);
  }
  auto one = ipc::WriteStream(sch, batches);
  Check(one.status(), "write");
  const int64_t per_batch = static_cast<int64_t>(one->size());
  const int64_t num_batches = std::max<int64_t>(1, target_mib * 1024 * 1024 / per_batch);
  for (int64_t i = 1; i < num_batches; ++i) batches.push_back(MakeBatch(rows_per_batch, rng));
  std::printf(
      "data: %lld batches x %lld rows, columns int64, float64 (nullable), utf8, int32 (nullable), list<int32>\n",
      static_cast<long long>(num_batches), static_cast<long long>(rows_per_batch));

  // Reference stream, and the memcpy baseline over the same number of bytes.
  auto stream = ipc::WriteStream(sch, batches);
  Check(stream.status(), "write");
  const int64_t bytes = static_cast<int64_t>(stream->size());
  std::vector<uint8_t> src(bytes), dst(bytes);
  std::memcpy(src.data(), stream->data(), bytes);
  std::memset(dst.data(), 1, bytes);  // fault the pages in before timing
  double memcpy_s = Median(reps, [&] { std::memcpy(dst.data(), src.data(), bytes); });

  std::vector<Row> rows;
  rows.push_back({"memcpy (baseline)", memcpy_s, bytes});

  // Write: serialize every batch into one in-memory stream (bodies copied once).
  ipc::StringOutputStream out;
  out.str().reserve(bytes + (1 << 20));
  auto write_once = [&](const ipc::WriteOptions& options) {
    out.str().clear();
    auto w = ipc::StreamWriter::Open(&out, sch, options);
    Check(w.status(), "open writer");
    for (const auto& b : batches) Check((*w)->WriteBatch(*b), "write batch");
    Check((*w)->Close(), "close writer");
  };
  write_once({});  // warm-up: faults the output pages in
  double write_s = Median(reps, [&] { write_once({}); });
  rows.push_back({"write stream", write_s, bytes});

  // Read: parse the stream from memory; arrays point into it (validation on).
  auto input = Buffer::CopyOf(*stream);
  int64_t rows_read = 0;
  auto read_once = [&](const BufferPtr& buf, const ipc::ReadOptions& options = {}) {
    auto r = ipc::ReadStream(buf, options);
    Check(r.status(), "read");
    rows_read = 0;
    for (const auto& b : r->batches) rows_read += b->num_rows;
  };
  double read_s = Median(reps, [&] { read_once(input); });
  rows.push_back({"read stream (zero-copy, validated)", read_s, bytes});
  ipc::ReadOptions trusted;
  trusted.validate = false;
  rows.push_back({"read stream (zero-copy, trusted input)", Median(reps, [&] { read_once(input, trusted); }), bytes});
  if (rows_read != num_batches * rows_per_batch) {
    std::fprintf(stderr, "read %lld rows, expected %lld\n", static_cast<long long>(rows_read),
                 static_cast<long long>(num_batches * rows_per_batch));
    return 1;
  }

  // Compressed variants: rates are relative to the uncompressed bytes.
  for (auto [codec, label] :
       {std::pair{ipc::Compression::kLz4Frame, "lz4"}, std::pair{ipc::Compression::kZstd, "zstd"}}) {
    ipc::WriteOptions options;
    options.compression = codec;
    double cw = Median(std::min(reps, 3), [&] { write_once(options); });
    auto compressed = Buffer::CopyOf(out.str());
    double cr = Median(std::min(reps, 3), [&] { read_once(compressed); });
    char size_note[64];
    std::snprintf(size_note, sizeof size_note, " (%.0f%% of raw)", 100.0 * compressed->size() / bytes);
    rows.push_back({std::string("write stream ") + label + size_note, cw, bytes});
    rows.push_back({std::string("read stream ") + label, cr, bytes});
  }

  std::printf("\n%-44s %10s %10s %14s\n", "operation", "seconds", "GB/s", "time/memcpy");
  for (const auto& r : rows) {
    std::printf("%-44s %10.4f %10.2f %14.3f\n", r.name.c_str(), r.seconds, r.bytes / r.seconds / 1e9,
                r.seconds / memcpy_s);
  }
  std::printf("\nstream size %.1f MiB, %d repetitions, medians\n", bytes / 1048576.0, reps);
  double read_ratio = read_s / memcpy_s;
  double write_speed_ratio = memcpy_s / write_s;
  std::printf("target read  <= 0.10x memcpy time : %.3fx  %s\n", read_ratio, read_ratio <= 0.10 ? "MET" : "MISSED");
  std::printf("target write >= 0.50x memcpy speed: %.3fx  %s\n", write_speed_ratio,
              write_speed_ratio >= 0.5 ? "MET" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace hangar::arrow

int main(int argc, char** argv) { return hangar::arrow::Main(argc, argv); }
