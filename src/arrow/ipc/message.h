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

// A verified message. This is also the entry point of the Flight layer, whose
// FlightData carries the metadata (data_header) and the body (data_body)
// separately: Message::Open(header, body) then StreamDecoder::Consume.
class Message {
 public:
  // Verifies the metadata flatbuffer (with depth and table limits), its
  // version (V4 or V5) and that the body has at least the declared size; a
  // longer body is cut to the declared size. Metadata that is not 8-byte
  // aligned in memory is copied (it is small); the body never is.
  static Result<Message> Open(BufferPtr metadata, BufferPtr body);

  const fb::Message* header() const { return header_; }
  fb::MessageHeader type() const { return header_->header_type(); }
  fb::MetadataVersion version() const { return header_->version(); }
  const BufferPtr& metadata() const { return metadata_; }
  const BufferPtr& body() const { return body_; }
  int64_t body_length() const { return body_->size(); }

 private:
  friend Result<std::optional<Message>> ReadMessage(InputStream* in, const ReadOptions& options);
  // Checks what Open checks, given an already verified header of `metadata`.
  static Result<Message> FromVerified(BufferPtr metadata, const fb::Message* header, BufferPtr body);

  BufferPtr metadata_;
  BufferPtr body_;
  const fb::Message* header_ = nullptr;
};

// Reads the next framed message (either framing); std::nullopt at the
// end-of-stream marker or at a clean end of input. Bodies read from a
// BufferInputStream are slices of its buffer. Lengths above
// options.max_message_size are refused before anything is allocated.
Result<std::optional<Message>> ReadMessage(InputStream* in, const ReadOptions& options);

inline constexpr uint32_t kContinuation = 0xFFFFFFFFu;

// Bytes of the frame prefix: 8 (marker + length), or 4 in the legacy framing.
inline int64_t FramePrefixSize(bool legacy) { return legacy ? 4 : 8; }

// The metadata length to put in the prefix of a message that starts at stream
// position `position`: `metadata_size` rounded up so that the body starts at
// a multiple of `alignment` (8 or 64) in the stream.
int32_t PaddedMetadataLength(int64_t metadata_size, int32_t alignment, int64_t position = 0, bool legacy = false);

}  // namespace hangar::arrow::ipc
