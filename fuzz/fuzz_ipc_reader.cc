// libFuzzer target: arbitrary bytes through the IPC readers — ReadAny (stream
// or file by magic), the lazy file reader, and the message-level decoder the
// Flight layer uses — with full validation. Whatever is accepted must then be
// safe to traverse (printing touches every value) and must survive a round
// trip through the writer unchanged. Anything but a clean Status is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "arrow/buffer.h"
#include "arrow/compare.h"
#include "arrow/ipc/decoder.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"

namespace {

using namespace hangar::arrow;

// A server bounds what one message may claim; so does the fuzzer, or a
// 40-byte input claiming a 1 GiB buffer would only measure the allocator.
ipc::ReadOptions Options() {
  ipc::ReadOptions options;
  options.max_message_size = int64_t{64} << 20;
  return options;
}

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

// Accepted data: print it, write it, read it back, and compare.
void Exercise(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches) {
  for (const auto& batch : batches) (void)PrettyPrint(*batch);
  auto written = ipc::WriteStream(schema, batches);
  Check(written.ok(), "an accepted stream cannot be written back");
  auto back = ipc::ReadStream(Buffer::FromString(std::move(written).value()), Options());
  Check(back.ok(), "what the writer wrote does not read back");
  Check(back->batches.size() == batches.size(), "batch count changed in a round trip");
  for (size_t i = 0; i < batches.size(); ++i)
    Check(BatchDiff(*batches[i], *back->batches[i]).empty(), "values changed in a round trip");
}

// The messages of a stream fed one by one to the decoder, the way FlightData
// arrives: metadata and body as separate buffers, the metadata at an odd
// address and the body followed by unrelated bytes.
void FeedDecoder(const BufferPtr& bytes) {
  ipc::BufferInputStream in(bytes);
  ipc::StreamDecoder decoder(Options());
  for (int i = 0; i < 64; ++i) {
    auto message = ipc::ReadMessage(&in, Options());
    if (!message.ok() || !message->has_value()) return;
    std::string odd = "x" + std::string((*message)->metadata()->view());
    auto metadata = Buffer::FromString(std::move(odd));
    std::string body((*message)->body()->view());
    body += "trailing";
    auto decoded = decoder.Consume(metadata->Slice(1, metadata->size() - 1), Buffer::FromString(std::move(body)));
    if (!decoded.ok()) return;
    if (decoded->batch) (void)PrettyPrint(*decoded->batch);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = Buffer::CopyOf(std::string_view(reinterpret_cast<const char*>(data), size));
  auto any = ipc::ReadAny(bytes, Options());
  if (any.ok()) Exercise(any->schema, any->batches);

  auto file = ipc::FileReader::Open(bytes, Options());
  if (file.ok()) {
    // Batches in reverse: the reader must not depend on reading in order.
    for (int i = (*file)->num_record_batches() - 1; i >= 0; --i) {
      auto batch = (*file)->ReadRecordBatch(i);
      if (batch.ok()) (void)PrettyPrint(**batch);
    }
  }

  FeedDecoder(bytes);
  return 0;
}
