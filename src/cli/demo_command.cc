// `hangar demo [--data-dir DIR]`: writes a small table of flights as an Arrow
// IPC file, reads it back through the IPC reader, checks it is unchanged and
// prints it. A first look at the Arrow core with nothing else running.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "arrow/compare.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"
#include "cli/commands.h"

namespace hangar::cli {

namespace {

using namespace hangar::arrow;

template <typename T>
ArrayPtr Column(TypePtr type, const std::vector<T>& values) {
  MutableBuffer data;
  for (const T& v : values) data.AppendValue(v);
  return MakeArray(std::move(type), static_cast<int64_t>(values.size()), {nullptr, data.Finish()}, {}, 0);
}

ArrayPtr Strings(const std::vector<std::string>& values) {
  MutableBuffer offsets, data;
  int32_t pos = 0;
  offsets.AppendValue(pos);
  for (const auto& v : values) {
    data.Append(v.data(), static_cast<int64_t>(v.size()));
    pos += static_cast<int32_t>(v.size());
    offsets.AppendValue(pos);
  }
  return MakeArray(utf8(), static_cast<int64_t>(values.size()), {nullptr, offsets.Finish(), data.Finish()}, {}, 0);
}

RecordBatchPtr DemoBatch() {
  auto sch = schema({field("flight", utf8(), false), field("departure", timestamp(TimeUnit::kMicro, "UTC"), false),
                     field("passengers", int32(), false), field("load_factor", float64(), false)},
                    {{"source", "hangar demo"}});
  const int64_t t0 = 1763798400000000;  // 2025-11-22 08:00:00 UTC
  return MakeRecordBatch(
      sch, 4,
      {Strings({"HG101", "HG202", "HG303", "HG404"}),
       Column<int64_t>(sch->field(1)->type(), {t0, t0 + 5400000000, t0 + 9000000000, t0 + 14400000000}),
       Column<int32_t>(int32(), {142, 87, 203, 165}), Column<double>(float64(), {0.79, 0.52, 0.94, 0.88})});
}

}  // namespace

int RunDemo(const Args& args) {
  std::string dir = "data";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--data-dir" && i + 1 < args.size()) {
      dir = std::string(args[++i]);
    } else {
      std::fprintf(stderr, "usage: hangar demo [--data-dir DIR]\n");
      return 2;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "hangar demo: cannot create '%s': %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  auto batch = DemoBatch();
  auto bytes = ipc::WriteFile(batch->schema, {batch});
  const std::string path = dir + "/demo.arrow";
  Status st = bytes.ok() ? ipc::WriteWholeFile(path, *bytes) : bytes.status();
  if (!st.ok()) {
    std::fprintf(stderr, "hangar demo: %s\n", st.ToString().c_str());
    return 1;
  }
  auto back = ipc::ReadWholeFile(path);
  auto read = back.ok() ? ipc::ReadFile(*back) : Result<ipc::ReadResult>(back.status());
  if (!read.ok() || read->batches.size() != 1) {
    std::fprintf(stderr, "hangar demo: reading back failed: %s\n", read.status().ToString().c_str());
    return 1;
  }
  std::string diff = BatchDiff(*batch, *read->batches[0]);
  if (!diff.empty()) {
    std::fprintf(stderr, "hangar demo: round trip changed the data: %s\n", diff.c_str());
    return 1;
  }
  std::printf("Hangar wrote %s (%zu bytes, Arrow IPC file format) and read it back unchanged:\n\n%s\n%s\n",
              path.c_str(), bytes->size(), read->schema->ToString().c_str(), PrettyPrint(*read->batches[0]).c_str());
  std::printf("Inspect it again with: build/bin/hangar cat %s\n", path.c_str());
  return 0;
}

}  // namespace hangar::cli
