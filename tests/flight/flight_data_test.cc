// FlightData's own wire form: byte-identical to protobuf's, parsed correctly
// whatever way gRPC cuts the message into slices, zero-copy when the body
// arrives in one slice, and refusing malformed bytes with a clear error.
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

#include "flight/flight_data.h"
#include "flight/protocol.h"

namespace hangar::flight {
namespace {

std::string Bytes(grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// A message cut into slices at the given offsets.
grpc::ByteBuffer Cut(const std::string& bytes, std::vector<size_t> cuts) {
  std::vector<grpc::Slice> slices;
  size_t start = 0;
  cuts.push_back(bytes.size());
  for (size_t cut : cuts) {
    slices.emplace_back(bytes.data() + start, cut - start);
    start = cut;
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

FlightData Sample(int64_t body_size) {
  FlightData data;
  data.descriptor = FlightDescriptor::Path({"default", "t"});
  data.data_header = arrow::Buffer::CopyOf("header-bytes");
  data.app_metadata = arrow::Buffer::CopyOf("{\"k\":1}");
  std::string body(static_cast<size_t>(body_size), '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 31 + 7);
  // Pieces on both sides of the zero-copy threshold.
  const size_t first = std::min<size_t>(100, body.size());
  const size_t half = std::max(first, body.size() / 2);
  data.body = {arrow::Buffer::CopyOf(body.substr(0, first)), arrow::Buffer::CopyOf(body.substr(first, half - first)),
               arrow::Buffer::CopyOf(body.substr(half))};
  return data;
}

std::string ProtobufBytes(const FlightData& data) {
  pb::FlightData message;
  ToProto(*data.descriptor, message.mutable_flight_descriptor());
  message.set_data_header(std::string(data.data_header->view()));
  message.set_app_metadata(std::string(data.app_metadata->view()));
  message.set_data_body(std::string(data.ContiguousBody()->view()));
  return message.SerializeAsString();
}

TEST(FlightDataTest, SerializesExactlyAsProtobufDoes) {
  for (int64_t size : {0, 10, 5000, 100000}) {
    FlightData data = Sample(size);
    grpc::ByteBuffer buffer;
    bool own = false;
    ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Serialize(data, &buffer, &own).ok());
    EXPECT_TRUE(own);
    EXPECT_EQ(Bytes(buffer), ProtobufBytes(data)) << "body of " << size << " bytes";
  }
}

TEST(FlightDataTest, LargeBodyPiecesAreSentWithoutCopying) {
  FlightData data = Sample(100000);
  grpc::ByteBuffer buffer;
  bool own = false;
  ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Serialize(data, &buffer, &own).ok());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(buffer.Dump(&slices).ok());
  int shared = 0;
  for (const auto& s : slices)
    for (const auto& piece : data.body)
      if (s.begin() == piece->data()) ++shared;
  EXPECT_EQ(shared, 2) << "the two pieces above 4 KiB go out as slices of the Arrow buffers";
}

// The application may drop a batch as soon as its write returns, while gRPC
// still holds the message's slices (queued for the socket): the slices keep
// the Arrow buffers alive, and release them when gRPC lets go of the slices.
TEST(FlightDataTest, SentSlicesKeepTheBodyAliveUntilGrpcReleasesThem) {
  std::string body(200000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 13 + 5);
  grpc::ByteBuffer buffer;
  std::weak_ptr<const arrow::Buffer> watched;
  {
    FlightData data;
    data.data_header = arrow::Buffer::CopyOf("header-bytes");
    data.body = {arrow::Buffer::CopyOf(body.substr(0, 100000)), arrow::Buffer::CopyOf(body.substr(100000))};
    watched = data.body[1];
    bool own = false;
    ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Serialize(data, &buffer, &own).ok());
  }  // the FlightData and every other reference to the body are gone
  ASSERT_FALSE(watched.expired()) << "gRPC's slices hold the body";
  // The same bytes protobuf would send, read after the application let go
  // (ASan reports a use after free if the slices did not hold the buffers).
  pb::FlightData message;
  message.set_data_header("header-bytes");
  message.set_data_body(body);
  EXPECT_EQ(Bytes(buffer), message.SerializeAsString());
  buffer.Clear();
  EXPECT_TRUE(watched.expired()) << "released once gRPC drops the slices";
}

void ExpectSame(const FlightData& expected, const FlightData& actual) {
  ASSERT_TRUE(actual.wire_status.ok()) << actual.wire_status.ToString();
  ASSERT_TRUE(actual.descriptor.has_value());
  EXPECT_EQ(*actual.descriptor, *expected.descriptor);
  EXPECT_EQ(actual.data_header->view(), expected.data_header->view());
  EXPECT_EQ(actual.app_metadata->view(), expected.app_metadata->view());
  EXPECT_EQ(actual.ContiguousBody()->view(), expected.ContiguousBody()->view());
}

TEST(FlightDataTest, ParsesWhateverWayTheMessageIsCut) {
  FlightData data = Sample(300);
  const std::string bytes = ProtobufBytes(data);
  // Every single cut, and pairs of cuts, so that varints, tags and every field
  // are split across slices somewhere.
  for (size_t a = 1; a < bytes.size(); ++a) {
    for (size_t b : {a, a + 1, a + 7, bytes.size()}) {
      std::vector<size_t> cuts = {a};
      if (b > a && b < bytes.size()) cuts.push_back(b);
      grpc::ByteBuffer buffer = Cut(bytes, cuts);
      FlightData parsed;
      ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed).ok()) << "cut at " << a;
      ExpectSame(data, parsed);
      if (HasFailure()) return;
    }
  }
}

TEST(FlightDataTest, ABodyInOneSliceIsViewedNotCopied) {
  FlightData data = Sample(50000);
  const std::string bytes = ProtobufBytes(data);
  grpc::ByteBuffer buffer = Cut(bytes, {});
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(buffer.Dump(&slices).ok());
  const uint8_t* start = slices[0].begin();
  const uint8_t* end = start + slices[0].size();
  const ReceiveStats before = GetReceiveStats();
  FlightData parsed;
  ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed).ok());
  ASSERT_EQ(parsed.body.size(), 1u);
  EXPECT_GE(parsed.body[0]->data(), start);
  EXPECT_LE(parsed.body[0]->data() + parsed.body[0]->size(), end);
  EXPECT_EQ(GetReceiveStats().bodies_viewed, before.bodies_viewed + 1);
  // The view keeps the slice alive after the ByteBuffer is gone.
  slices.clear();
  buffer.Clear();
  EXPECT_EQ(parsed.ContiguousBody()->view(), data.ContiguousBody()->view());
}

TEST(FlightDataTest, SkipsUnknownFieldsAsProtobufWould) {
  FlightData data = Sample(20);
  std::string bytes = ProtobufBytes(data);
  // varint field 7, fixed64 field 8, fixed32 field 9, bytes field 10
  bytes += std::string("\x38\x96\x01", 3) + std::string("\x41", 1) + std::string(8, 'x') + std::string("\x4d", 1) +
           std::string(4, 'y') + std::string("\x52\x03zzz", 5);
  grpc::ByteBuffer buffer = Cut(bytes, {bytes.size() / 2});
  FlightData parsed;
  ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed).ok());
  ExpectSame(data, parsed);
}

// A descriptor given thrice is merged as protobuf merges it: the cmd of the
// first stays, the path segments of both are kept, the last type wins (found by fuzz_flight_data,
// which checks the parser against protobuf's).
TEST(FlightDataTest, ARepeatedDescriptorIsMergedAsProtobufWould) {
  pb::FlightData first, second;
  first.mutable_flight_descriptor()->set_type(pb::FlightDescriptor::CMD);
  first.mutable_flight_descriptor()->set_cmd("command");
  first.mutable_flight_descriptor()->add_path("a");
  second.mutable_flight_descriptor()->add_path("b");
  // An explicit zero type in the second: parsing sets it, a merge of
  // parsed messages would not.
  const std::string bytes = first.SerializeAsString() + second.SerializeAsString() + std::string("\x0a\x02\x08\x00", 4);
  pb::FlightData merged;
  ASSERT_TRUE(merged.ParseFromString(bytes));
  grpc::ByteBuffer buffer = Cut(bytes, {3});
  FlightData parsed;
  ASSERT_TRUE(grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed).ok());
  ASSERT_TRUE(parsed.descriptor.has_value());
  EXPECT_EQ(static_cast<int>(parsed.descriptor->type), static_cast<int>(merged.flight_descriptor().type()));
  EXPECT_EQ(parsed.descriptor->type, FlightDescriptor::Type::kUnknown);
  EXPECT_EQ(parsed.descriptor->cmd, merged.flight_descriptor().cmd());
  EXPECT_EQ(parsed.descriptor->path, (std::vector<std::string>{"a", "b"}));
}

// A body that claims far more bytes than the message holds is refused
// before anything is allocated (fuzz_flight_data: ASan saw a 2^60-byte
// allocation; without ASan, gigabytes reserved for a ten-byte message).
TEST(FlightDataTest, ALengthBeyondTheMessageIsRefusedWithoutAllocating) {
  // Beyond 2^31 - 1 protobuf refuses any length ("overlong"); below, a
  // length past the message's end is "cut short".
  for (const uint64_t claimed : {uint64_t{1} << 60, uint64_t{4} << 30, uint64_t{1} << 30, uint64_t{100}}) {
    std::string bytes("\xc2\x3e", 2);  // field 1000, length-delimited
    for (uint64_t v = claimed;; v >>= 7) {
      if (v < 0x80) {
        bytes.push_back(static_cast<char>(v));
        break;
      }
      bytes.push_back(static_cast<char>((v & 0x7f) | 0x80));
    }
    bytes += std::string(40, 'x');
    grpc::ByteBuffer buffer = Cut(bytes, {bytes.size() / 2});  // not in one slice: the gathering path
    FlightData parsed;
    const grpc::Status status = grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << claimed;
    const char* expected = claimed > 0x7FFFFFFF ? "overlong length" : "cut short";
    EXPECT_NE(status.error_message().find(expected), std::string::npos) << status.error_message();
  }
}

// Tags and lengths are 32-bit varints of at most five bytes in protobuf; a
// sixth byte (an overlong encoding of a small number) is refused by both
// parsers (found by fuzz_flight_data in CI).
TEST(FlightDataTest, OverlongTagsAndLengthsAreRefusedAsProtobufRefusesThem) {
  const std::string valid = ProtobufBytes(Sample(20));
  for (const std::string& tail : {std::string("\xf1\xf1\x8a\x8a\x8a\x00\x01", 7),     // a 6-byte tag
                                  std::string("\x1a\x80\x80\x80\x80\x80\x00", 7)}) {  // field 3, a 6-byte length 0
    const std::string bytes = valid + tail;
    EXPECT_FALSE(pb::FlightData().ParseFromString(bytes));
    grpc::ByteBuffer buffer = Cut(bytes, {bytes.size() - 3});
    FlightData parsed;
    const grpc::Status status = grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("overlong"), std::string::npos) << status.error_message();
  }
}

// Field number 0 is not protobuf; neither parser takes it (fuzz_flight_data).
TEST(FlightDataTest, FieldNumberZeroIsRefusedAsProtobufRefusesIt) {
  const std::string bytes = ProtobufBytes(Sample(20)) + std::string("\x00\x0c", 2);
  EXPECT_FALSE(pb::FlightData().ParseFromString(bytes));
  grpc::ByteBuffer buffer = Cut(bytes, {});
  FlightData parsed;
  const grpc::Status status = grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("field number 0"), std::string::npos) << status.error_message();
}

TEST(FlightDataTest, MalformedBytesAreInvalidArgumentAndRecordedInTheMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("\x12\x64"
                   "abc",
                   5),
       "cut short"},                                                                             // length past the end
      {std::string("\x12", 1), "truncated or overlong length"},                                  // no length
      {std::string("\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12), "overlong length"},  // varint too long
      {std::string("\x0b", 1), "wire type 3"},                                                   // group start
      {std::string("\x0a\x03\xff\xff\xff", 5), "flight_descriptor"},  // descriptor that does not parse
      {std::string("\x0a\x02\x08\x07", 4), "unknown type 7"},         // descriptor type out of range
  };
  for (const auto& [bytes, fragment] : cases) {
    grpc::ByteBuffer buffer = Cut(bytes, {});
    FlightData parsed;
    grpc::Status status = grpc::SerializationTraits<FlightData>::Deserialize(&buffer, &parsed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find(fragment), std::string::npos) << status.error_message();
    EXPECT_EQ(parsed.wire_status.code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace hangar::flight
