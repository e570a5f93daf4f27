// One IPC message: FlatBuffers metadata plus a body, and the framing that
// puts messages on a byte stream.
//
// Framing (format version 1.0+): 0xFFFFFFFF, int32 metadata length (padded so
// the body starts 8-byte aligned), metadata, body. Before 1.0 the
// continuation marker was absent; both are read. A length of 0 is the
// end-of-stream marker.
#pragma once

#include <cstdint>
#include <optional>

#include "arrow/buffer.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/metadata.h"
#include "arrow/ipc/options.h"

namespace hangar::arrow::ipc {

class Message {
 public:
  // Verifies the metadata flatbuffer and that the body has the declared size.
  // Metadata that is not 8-byte aligned in memory is copied (it is small).
  static Result<Message> Open(BufferPtr metadata, BufferPtr body);

  const fb::Message* header() const { return header_; }
  fb::MessageHeader type() const { return header_->header_type(); }
  fb::MetadataVersion version() const { return header_->version(); }
  const BufferPtr& metadata() const { return metadata_; }
  const BufferPtr& body() const { return body_; }

 private:
  BufferPtr metadata_;
  BufferPtr body_;
  const fb::Message* header_ = nullptr;
};

// Reads the next framed message; std::nullopt at the end-of-stream marker or
// at a clean end of input. Bodies read from a BufferInputStream are slices of
// its buffer.
Result<std::optional<Message>> ReadMessage(InputStream* in, const ReadOptions& options);

// Frame prefix for `metadata_size` bytes of flatbuffer: returns the padded
// metadata length to write after the continuation marker.
int32_t PaddedMetadataLength(int64_t metadata_size, int32_t alignment);

inline constexpr uint32_t kContinuation = 0xFFFFFFFFu;

}  // namespace hangar::arrow::ipc
