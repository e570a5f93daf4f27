// FlightData, the message that carries Arrow IPC over Flight, and its
// zero-copy wire form.
//
// A FlightData holds one IPC message split in two (data_header: the Message
// flatbuffer; data_body: the body) plus optional app_metadata and, on the
// first message of DoPut/DoExchange, a descriptor. Protobuf would copy the
// body into a std::string on each side, so Hangar serializes FlightData
// itself (the grpc::SerializationTraits specialization below):
//  - sending, each large body piece becomes a gRPC slice that points at the
//    Arrow buffer and keeps it alive; small pieces and the header fields are
//    packed into one copied slice;
//  - receiving, the body becomes a Buffer viewing the gRPC slice it arrived
//    in. Only a body that gRPC delivered in several slices is gathered into
//    one allocation, because arrays need contiguous memory, and a small one
//    (under 32 KiB) is copied, so that it does not keep gRPC's whole slice
//    alive.
// Both produce exactly the bytes protobuf would (field order 1, 2, 3, 1000),
// so any Flight implementation reads them.
#pragma once

#include <grpcpp/impl/codegen/serialization_traits.h>
#include <grpcpp/support/byte_buffer.h>

#include <optional>
#include <vector>

#include "arrow/buffer.h"
#include "flight/types.h"

namespace hangar::flight {

struct FlightData {
  std::optional<FlightDescriptor> descriptor;
  arrow::BufferPtr data_header;        // null: no IPC message (metadata-only)
  arrow::BufferPtr app_metadata;       // null: none
  std::vector<arrow::BufferPtr> body;  // in order; a received body is one piece
  // Set on receipt when the bytes were not a valid FlightData. gRPC's
  // synchronous Read() then returns false exactly as at the end of the
  // stream, so readers must check this to tell the two apart.
  Status wire_status;

  int64_t body_size() const;
  // The body as one buffer (an empty buffer if none); pieces are gathered
  // only if there are several.
  arrow::BufferPtr ContiguousBody() const;
};

// Statistics of the receive path, for the benchmark and tests: how many bodies
// arrived in one slice (viewed) or in several (gathered), or were small
// enough to copy.
struct ReceiveStats {
  int64_t bodies_viewed = 0;
  int64_t bodies_gathered = 0;
  int64_t bytes_gathered = 0;
  int64_t slices = 0;         // slices of the messages that carried a body
  int64_t bodies_copied = 0;  // small bodies copied out of their slice
};
ReceiveStats GetReceiveStats();

}  // namespace hangar::flight

template <>
class grpc::SerializationTraits<hangar::flight::FlightData> {
 public:
  static grpc::Status Serialize(const hangar::flight::FlightData& message, grpc::ByteBuffer* out, bool* own_buffer);
  static grpc::Status Deserialize(grpc::ByteBuffer* in, hangar::flight::FlightData* message);
};
