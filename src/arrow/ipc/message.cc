#include "arrow/ipc/message.h"

#include <cstring>
#include <string>

namespace hangar::arrow::ipc {

Result<Message> Message::Open(BufferPtr metadata, BufferPtr body) {
  if (reinterpret_cast<uintptr_t>(metadata->data()) % 8 != 0) metadata = Buffer::CopyOf(metadata->view());
  HANGAR_ASSIGN_OR_RETURN(const fb::Message* header, VerifyMessage(metadata->data(), metadata->size()));
  if (header->bodyLength() < 0) return Status::Invalid("IPC message has a negative body length");
  int64_t body_size = body ? body->size() : 0;
  if (header->bodyLength() > body_size)
    return Status::Invalid("IPC message body is truncated: " + std::to_string(body_size) + " of " +
                           std::to_string(header->bodyLength()) + " bytes");
  if (header->version() < fb::MetadataVersion::V4)
    return Status::Invalid("IPC metadata version V" + std::to_string(static_cast<int>(header->version()) + 1) +
                           " (Arrow before 0.8) is not supported; V4 and V5 are");
  Message m;
  m.metadata_ = std::move(metadata);
  m.body_ = body ? body->Slice(0, header->bodyLength()) : Buffer::CopyOf("");
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
  int32_t length = static_cast<int32_t>(word);
  if (length == 0) return std::optional<Message>();
  if (length < 0 || length > options.max_message_size)
    return Status::Invalid("IPC message metadata length " + std::to_string(length) + " is invalid");
  HANGAR_ASSIGN_OR_RETURN(auto metadata, in->Read(length));
  if (metadata->size() < length)
    return Status::Invalid("IPC stream is truncated: message metadata has " + std::to_string(metadata->size()) +
                           " of " + std::to_string(length) + " bytes");
  if (reinterpret_cast<uintptr_t>(metadata->data()) % 8 != 0) metadata = Buffer::CopyOf(metadata->view());
  HANGAR_ASSIGN_OR_RETURN(const fb::Message* header, VerifyMessage(metadata->data(), metadata->size()));
  int64_t body_length = header->bodyLength();
  if (body_length < 0 || body_length > options.max_message_size)
    return Status::Invalid("IPC message body length " + std::to_string(body_length) + " is invalid");
  HANGAR_ASSIGN_OR_RETURN(auto body, in->Read(body_length));
  if (body->size() < body_length)
    return Status::Invalid("IPC stream is truncated: message body has " + std::to_string(body->size()) + " of " +
                           std::to_string(body_length) + " bytes");
  HANGAR_ASSIGN_OR_RETURN(auto message, Message::Open(std::move(metadata), std::move(body)));
  return std::optional<Message>(std::move(message));
}

int32_t PaddedMetadataLength(int64_t metadata_size, int32_t alignment) {
  // The prefix (marker + length = 8 bytes) plus metadata must end aligned.
  return static_cast<int32_t>(RoundUp(8 + metadata_size, alignment) - 8);
}

}  // namespace hangar::arrow::ipc
