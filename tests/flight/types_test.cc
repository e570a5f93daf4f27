// Flight values: locations, descriptors, and the IPC form of schemas that
// FlightInfo and SchemaResult carry.
#include <gtest/gtest.h>

#include "arrow/ipc/writer.h"
#include "flight/types.h"

namespace hangar::flight {
namespace {

TEST(LocationTest, ParsesGrpcSchemes) {
  auto plain = Location{"grpc://127.0.0.1:8815"}.Parse();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->address, "127.0.0.1:8815");
  EXPECT_FALSE(plain->tls);
  auto tls = Location{"grpc+tls://localhost:9000"}.Parse();
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(Location{"grpc+tcp://[::1]:1/"}.Parse()->address, "[::1]:1");
  EXPECT_EQ(Location::ForGrpcTls("h", 7).uri, "grpc+tls://h:7");
}

TEST(LocationTest, RefusesWhatIsNotAGrpcLocation) {
  for (const char* bad : {"http://h:1", "grpc://h", "grpc://h:0", "grpc://h:70000", "grpc://:5", "grpc://h:1x"}) {
    auto parsed = Location{bad}.Parse();
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find(bad), std::string::npos);
    }
  }
}

TEST(FlightDescriptorTest, PrintsPathsAndCommands) {
  EXPECT_EQ(FlightDescriptor::Path({"default", "users"}).ToString(), "path [default, users]");
  EXPECT_EQ(FlightDescriptor::Command(std::string("\0\1x", 3)).ToString(), "cmd <3 bytes>");
}

TEST(SchemaBytesTest, RoundTripsWithMetadataAndDictionaries) {
  auto s = arrow::schema({arrow::field("id", arrow::int64(), false, {{"k", "v"}}),
                          arrow::field("tag", arrow::dictionary(arrow::int32(), arrow::utf8())),
                          arrow::field("ts", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC"))},
                         {{"origin", "test"}});
  auto bytes = SerializeSchema(*s);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  // Encapsulated: continuation marker, then the length.
  ASSERT_GE(bytes->size(), 8u);
  EXPECT_EQ(static_cast<uint8_t>((*bytes)[0]), 0xFF);
  auto back = DeserializeSchema(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*s)) << (*back)->ToString();
  // The legacy framing (no continuation marker) is accepted too.
  auto legacy = DeserializeSchema(bytes->substr(4));
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  EXPECT_TRUE((*legacy)->Equals(*s));
}

TEST(SchemaBytesTest, RefusesGarbageWithAMessage) {
  auto parsed = DeserializeSchema("definitely not a schema");
  ASSERT_FALSE(parsed.ok());
  EXPECT_FALSE(parsed.status().message().empty());
  EXPECT_FALSE(DeserializeSchema("").ok());
}

}  // namespace
}  // namespace hangar::flight
