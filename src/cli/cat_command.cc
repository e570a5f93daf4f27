// `hangar cat FILE`: prints an Arrow IPC file or stream, schema first, then
// each record batch. FILE may be `-` for standard input.
#include <unistd.h>
#include <cstdio>
#include <string>

#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/pretty_print.h"
#include "cli/commands.h"

namespace hangar::cli {

int RunCat(const Args& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "usage: hangar cat FILE   (an Arrow IPC file or stream; - reads standard input)\n");
    return 2;
  }
  std::string path(args[0]);
  auto bytes = path == "-" ? arrow::ipc::ReadAllFromFd(STDIN_FILENO) : arrow::ipc::ReadWholeFile(path);
  if (!bytes.ok()) {
    std::fprintf(stderr, "hangar cat: %s\n", bytes.status().message().c_str());
    return 1;
  }
  auto data = arrow::ipc::ReadAny(*bytes);
  if (!data.ok()) {
    std::fprintf(stderr, "hangar cat: %s: %s\n", path.c_str(), data.status().message().c_str());
    return 1;
  }
  std::printf("schema:\n%s", data->schema->ToString().c_str());
  int64_t rows = 0;
  for (size_t i = 0; i < data->batches.size(); ++i) {
    const auto& batch = data->batches[i];
    rows += batch->num_rows;
    std::printf("\nbatch %zu (%lld rows):\n%s", i, static_cast<long long>(batch->num_rows),
                arrow::PrettyPrint(*batch).c_str());
  }
  std::printf("\n%zu batches, %lld rows\n", data->batches.size(), static_cast<long long>(rows));
  return 0;
}

}  // namespace hangar::cli
