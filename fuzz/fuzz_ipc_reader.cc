// libFuzzer target: arbitrary bytes through the IPC stream and file readers,
// with full validation, then through the writer and the pretty printer (which
// trust validated arrays). Anything but a clean Status is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "arrow/buffer.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hangar::arrow;
  auto bytes = Buffer::CopyOf(std::string_view(reinterpret_cast<const char*>(data), size));
  // A server bounds what one message may claim; so does the fuzzer, or a
  // 40-byte input claiming a 4 GiB buffer would only measure the allocator.
  ipc::ReadOptions options;
  options.max_message_size = int64_t{64} << 20;
  for (auto result : {ipc::ReadStream(bytes, options), ipc::ReadFile(bytes, options)}) {
    if (!result.ok()) continue;
    for (const auto& batch : result->batches) (void)PrettyPrint(*batch);
    (void)ipc::WriteStream(result->schema, result->batches);
  }
  return 0;
}
