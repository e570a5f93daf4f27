#include "arrow/ipc/message.h"

#include <cstring>
#include <string>

namespace hangar::arrow::ipc {

namespace {

// FlatBuffers accessors read 8-byte fields in place, so the metadata must be
// 8-byte aligned in memory (the verifier only checks alignment relative to
// the buffer start). The legacy 4-byte prefix, or a FlightData header at an
// arbitrary address, may leave it misaligned: copy it then (it is small).
BufferPtr AlignedMetadata(BufferPtr metadata) {
  if (reinterpret_cast<uintptr_t>(metadata->data()) % 8 != 0) return Buffer::CopyOf(metadata->view());
  return metadata;
}

std::string VersionName(fb::MetadataVersion v) { return "V" + std::to_string(static_cast<int>(v) + 1); }

}  // namespace

Result<Message> Message::Open(BufferPtr metadata, BufferPtr body) {
  if (metadata == nullptr || metadata->size() == 0) return Status::Invalid("IPC message has no metadata");
  metadata = AlignedMetadata(std::move(metadata));
  HANGAR_ASSIGN_OR_RETURN(const fb::Message* header, VerifyMessage(metadata->data(), metadata->size()));
  return FromVerified(std::move(metadata), header, std::move(body));
}

Result<Message> Message::FromVerified(BufferPtr metadata, const fb::Message* header, BufferPtr body) {
  // V4 is Arrow 0.8 to 0.17, V5 is 1.0 on; both describe the same layouts
  // (except unions' validity bitmap, which the decoder handles). Older ones
  // predate the stable format and newer ones do not exist yet.
  if (header->version() < fb::MetadataVersion::V4)
    return Status::Invalid("IPC metadata version " + VersionName(header->version()) +
                           " (Arrow before 0.8) is not supported; V4 and V5 are");
  if (header->version() > fb::MetadataVersion::V5)
    return Status::Invalid("IPC metadata version " + VersionName(header->version()) +
                           " is newer than this reader; V4 and V5 are supported");
  const int64_t declared = header->bodyLength();
  if (declared < 0) return Status::Invalid("IPC message has a negative body length " + std::to_string(declared));
  const int64_t have = body ? body->size() : 0;
  if (declared > have)
    return Status::Invalid("IPC message body is truncated: " + std::to_string(have) + " of " +
                           std::to_string(declared) + " bytes");
  Message m;
  m.metadata_ = std::move(metadata);
  m.body_ = body ? (have == declared ? std::move(body) : body->Slice(0, declared)) : Buffer::CopyOf("");
  m.header_ = header;
  return m;
}

Result<std::optional<Message>> ReadMessage(InputStream* in, const ReadOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto prefix, in->Read(4));
  if (prefix->size() == 0) return std::optional<Message>();  // clean end of input
  if (prefix->size() < 4) return Status::Invalid("IPC stream ends inside a message length prefix");
  uint32_t word;
  std::memcpy(&word, prefix->data(), 4);
  if (word == kContinuation) {
    HANGAR_ASSIGN_OR_RETURN(prefix, in->Read(4));
    if (prefix->size() == 0) return std::optional<Message>();  // some writers end on a bare marker
    if (prefix->size() < 4) return Status::Invalid("IPC stream ends inside a message length prefix");
    std::memcpy(&word, prefix->data(), 4);
  }
  // Without the marker this is the pre-1.0 framing, where the length comes first.
  const int32_t length = static_cast<int32_t>(word);
  if (length == 0) return std::optional<Message>();  // end-of-stream marker
  if (length < 0 || length > options.max_message_size)
    return Status::Invalid("IPC message metadata length " + std::to_string(length) + " is invalid");
  HANGAR_ASSIGN_OR_RETURN(auto metadata, in->Read(length));
  if (metadata->size() < length)
    return Status::Invalid("IPC stream is truncated: message metadata has " + std::to_string(metadata->size()) +
                           " of " + std::to_string(length) + " bytes");
  metadata = AlignedMetadata(std::move(metadata));
  HANGAR_ASSIGN_OR_RETURN(const fb::Message* header, VerifyMessage(metadata->data(), metadata->size()));
  const int64_t body_length = header->bodyLength();
  if (body_length < 0 || body_length > options.max_message_size)
    return Status::Invalid("IPC message body length " + std::to_string(body_length) + " is invalid (limit " +
                           std::to_string(options.max_message_size) + ")");
  HANGAR_ASSIGN_OR_RETURN(auto body, in->Read(body_length));
  if (body->size() < body_length)
    return Status::Invalid("IPC stream is truncated: message body has " + std::to_string(body->size()) + " of " +
                           std::to_string(body_length) + " bytes");
  HANGAR_ASSIGN_OR_RETURN(auto message, Message::FromVerified(std::move(metadata), header, std::move(body)));
  return std::optional<Message>(std::move(message));
}

int32_t PaddedMetadataLength(int64_t metadata_size, int32_t alignment, int64_t position, bool legacy) {
  const int64_t start = position + FramePrefixSize(legacy);
  return static_cast<int32_t>(RoundUp(start + metadata_size, alignment) - start);
}

}  // namespace hangar::arrow::ipc
