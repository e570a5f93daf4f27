// libFuzzer target: the text a client puts in tickets, descriptors and action
// bodies, and the table manifest a server reads back from its disk.
//
// Byte 0 picks the parser, the rest is its input:
//   0 a topic ticket ("<topic>/<n>" or JSON), then the ticket Hangar makes
//     for the partition it named, which must parse back to the same request;
//   1 a create_table body (name, schema, primary key, partition spec);
//   2 a partition spec for a fixed schema, which must survive
//     SerializePartitionSpec and a second parse unchanged;
//   3 a table manifest, which must survive Serialize and a second parse;
//   4 a qualified name, which must survive ToString and a second parse;
//   5 a permission ("read:default.*") and a location URI;
//   6 a cluster URL (zk://...).
// A refusal must say why; anything but a clean Status is a bug.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cluster/membership.h"
#include "flight/auth/permissions.h"
#include "flight/types.h"
#include "server/create_table.h"
#include "server/topic_ticket.h"
#include "store/manifest.h"
#include "store/names.h"
#include "store/partition_spec.h"

namespace {

using namespace hangar;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

// Every refusal is a Status with a message a client can act on.
template <typename T>
bool Accepted(const Result<T>& result) {
  if (!result.ok()) Check(!result.status().message().empty(), "a refusal says why");
  return result.ok();
}

void TopicTicket(std::string_view text) {
  auto request = server::ParseTopicTicket(text);
  if (!Accepted(request) || !request->partition) return;
  auto again = server::ParseTopicTicket(server::TopicTicketFor(*request, *request->partition));
  Check(again.ok(), "Hangar's own ticket parses");
  Check(again->topic == request->topic && again->partition == request->partition, "ticket round trip");
  Check(again->options_json == request->options_json, "ticket options round trip");
}

const arrow::Schema& SpecSchema() {
  static const arrow::SchemaPtr schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8()), arrow::field("day", arrow::date32()),
       arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro)), arrow::field("price", arrow::decimal128(10, 2)),
       arrow::field("flag", arrow::boolean())});
  return *schema;
}

void Spec(std::string_view text) {
  auto spec = store::ParsePartitionSpec(text, SpecSchema());
  if (!Accepted(spec)) return;
  auto again = store::ParsePartitionSpec(store::SerializePartitionSpec(*spec), SpecSchema());
  Check(again.ok(), "a serialized spec parses");
  Check(*again == *spec, "partition spec round trip");
}

void ManifestText(std::string_view text) {
  auto manifest = store::Manifest::Parse(text);
  if (!Accepted(manifest)) return;
  auto first = manifest->Serialize();
  if (!Accepted(first)) return;
  auto reparsed = store::Manifest::Parse(*first);
  Check(reparsed.ok(), "a serialized manifest parses");
  auto second = reparsed->Serialize();
  Check(second.ok() && *second == *first, "manifest round trip");
}

void Name(std::string_view text) {
  auto name = store::ParseQualifiedName(text);
  if (!Accepted(name)) return;
  auto again = store::ParseQualifiedName(name->ToString());
  Check(again.ok() && *again == *name, "qualified name round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: TopicTicket(text); break;
    case 1: (void)Accepted(server::ParseCreateTable(text)); break;
    case 2: Spec(text); break;
    case 3: ManifestText(text); break;
    case 4: Name(text); break;
    case 5:
      (void)Accepted(flight::auth::ParsePermission(text));
      (void)Accepted(flight::Location{std::string(text)}.Parse());
      break;
    case 6: (void)Accepted(cluster::ParseClusterUrl(std::string(text))); break;
  }
  return 0;
}
