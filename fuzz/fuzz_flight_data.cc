// libFuzzer target: the hand-written FlightData parser, the first code that
// reads a client's DoPut and DoExchange bytes.
//
// Input: byte 0 chooses where the rest is cut into gRPC slices (a message
// arrives in as many slices as gRPC likes, and the parser must gather fields
// that straddle them); the rest is the wire message.
//
// Protobuf's own parser of Flight.proto's FlightData is the oracle: whatever
// Hangar accepts, protobuf accepts too, with the same fields. What Hangar
// accepts also survives its serializer and a second parse unchanged.
#include <grpcpp/grpcpp.h>

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "flight/flight_data.h"
#include "flight/proto/Flight.pb.h"

namespace {

using hangar::flight::FlightData;
using Traits = grpc::SerializationTraits<FlightData>;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

void Expect(bool condition, const char* what) {
  if (!condition) Fail(what);
}

std::string_view View(const hangar::arrow::BufferPtr& buffer) { return buffer ? buffer->view() : std::string_view(); }

std::string Body(const FlightData& data) {
  auto body = data.ContiguousBody();
  return std::string(View(body));
}

// Cuts `wire` into slices: the bits of `shape` say after which of the first
// eight sixteenths a cut falls, so fields straddle slices in many ways.
grpc::ByteBuffer Sliced(std::string_view wire, uint8_t shape) {
  std::vector<grpc::Slice> slices;
  size_t start = 0;
  for (int bit = 0; bit < 8; ++bit) {
    if (!(shape & (1u << bit))) continue;
    const size_t cut = wire.size() * static_cast<size_t>(bit + 1) / 16;
    if (cut <= start) continue;
    slices.emplace_back(wire.data() + start, cut - start);
    start = cut;
  }
  slices.emplace_back(wire.data() + start, wire.size() - start);
  return grpc::ByteBuffer(slices.data(), slices.size());
}

void CompareWithProtobuf(const FlightData& ours, std::string_view wire) {
  ::arrow::flight::protocol::FlightData theirs;
  Expect(theirs.ParseFromArray(wire.data(), static_cast<int>(wire.size())), "protobuf parses what Hangar parsed");
  Expect(View(ours.data_header) == theirs.data_header(), "data_header as protobuf reads it");
  Expect(View(ours.app_metadata) == theirs.app_metadata(), "app_metadata as protobuf reads it");
  Expect(Body(ours) == theirs.data_body(), "data_body as protobuf reads it");
  Expect(ours.descriptor.has_value() == theirs.has_flight_descriptor(), "descriptor presence as protobuf reads it");
  if (!ours.descriptor) return;
  const auto& d = theirs.flight_descriptor();
  Expect(static_cast<int>(ours.descriptor->type) == static_cast<int>(d.type()), "descriptor type");
  Expect(ours.descriptor->cmd == d.cmd(), "descriptor cmd");
  Expect(ours.descriptor->path.size() == static_cast<size_t>(d.path_size()), "descriptor path length");
  for (int i = 0; i < d.path_size(); ++i) Expect(ours.descriptor->path[static_cast<size_t>(i)] == d.path(i), "path");
}

void CheckRoundTrip(const FlightData& first) {
  grpc::ByteBuffer wire;
  bool own = false;
  Expect(Traits::Serialize(first, &wire, &own).ok(), "what parsed serializes");
  FlightData second;
  Expect(Traits::Deserialize(&wire, &second).ok(), "what Hangar wrote parses");
  Expect(View(first.data_header) == View(second.data_header), "data_header round trip");
  Expect(View(first.app_metadata) == View(second.app_metadata), "app_metadata round trip");
  Expect(Body(first) == Body(second), "body round trip");
  Expect(first.descriptor == second.descriptor, "descriptor round trip");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Protobuf logs every string that is not UTF-8; the fuzzer makes many.
  google::protobuf::SetLogHandler(nullptr);
  grpc_init();  // slices allocate through gRPC's core
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  grpc::ByteBuffer buffer = Sliced(wire, data[0]);
  FlightData message;
  const grpc::Status status = Traits::Deserialize(&buffer, &message);
  Expect(status.ok() == message.wire_status.ok(), "wire_status mirrors the returned status");
  if (!status.ok()) {
    Expect(!status.error_message().empty(), "a refusal says why");
    return 0;
  }
  CompareWithProtobuf(message, wire);
  CheckRoundTrip(message);
  return 0;
}
