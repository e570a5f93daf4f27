// Avro schema parsing against the Avro project's own vectors
// (testdata/avro/data/schema-tests.txt): every schema parses, prints in
// Parsing Canonical Form exactly as listed, and has the listed fingerprint.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "avro/schema.h"

namespace hangar::avro {
namespace {

struct Case {
  std::string id, input, canonical;
  std::optional<int64_t> fingerprint;  // not every case lists one
};

// The file's format: "// NNN" starts a case; "<<KEY value" is a one-line
// value, "<<KEY" alone opens a value that runs until a line "KEY".
std::vector<Case> ReadCases() {
  std::ifstream in(std::string(HANGAR_TESTDATA_DIR) + "/avro/data/schema-tests.txt");
  EXPECT_TRUE(in.good());
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("// ") && line.size() >= 6 && std::isdigit(static_cast<unsigned char>(line[3]))) {
      cases.push_back({line.substr(3), "", "", std::nullopt});
      continue;
    }
    if (!line.starts_with("<<") || cases.empty()) continue;
    const auto space = line.find(' ');
    const std::string key = line.substr(2, space == std::string::npos ? std::string::npos : space - 2);
    std::string value;
    if (space != std::string::npos) {
      value = line.substr(space + 1);
    } else {
      std::string next;
      while (std::getline(in, next) && next != key) value += next + "\n";
    }
    if (key == "INPUT")
      cases.back().input = value;
    else if (key == "canonical")
      cases.back().canonical = value;
    else if (key == "fingerprint")
      cases.back().fingerprint = std::stoll(value);
  }
  return cases;
}

TEST(AvroSchema, CanonicalFormsAndFingerprintsOfTheAvroVectors) {
  auto cases = ReadCases();
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    SCOPED_TRACE("case " + c.id + ": " + c.input);
    if (c.input.find("--") != std::string::npos) {
      // "size":015 is not JSON (leading zero); the file marks it itself.
      EXPECT_FALSE(AvroSchema::Parse(c.input.substr(0, c.input.find("--"))).ok());
      continue;
    }
    auto schema = AvroSchema::Parse(c.input);
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
    EXPECT_EQ((*schema)->CanonicalForm(), c.canonical);
    if (c.fingerprint) {
      EXPECT_EQ(static_cast<int64_t>((*schema)->Fingerprint()), *c.fingerprint);
    }
  }
}

TEST(AvroSchema, NamesNamespacesAndReferences) {
  auto schema = AvroSchema::Parse(R"({"type": "record", "name": "Order", "namespace": "shop",
    "fields": [{"name": "id", "type": "long"},
               {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
               {"name": "previous", "type": "Status"},
               {"name": "parent", "type": ["null", "shop.Order"], "default": null},
               {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}}]})");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  const AvroNode& root = (*schema)->root();
  EXPECT_EQ(root.full_name, "shop.Order");
  ASSERT_EQ(root.fields.size(), 5u);
  EXPECT_EQ(root.fields[1].type->full_name, "shop.Status");
  EXPECT_EQ(root.fields[2].type, root.fields[1].type) << "a reference is the same node";
  EXPECT_EQ(root.fields[3].type->branches[1], &root) << "recursion is a reference to the record";
  EXPECT_EQ(root.fields[3].default_json, "null");
  EXPECT_EQ(root.fields[4].type->logical_type, "decimal");
  EXPECT_EQ(root.fields[4].type->precision, 10);
}

TEST(AvroSchema, MistakesAreClearErrors) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"({"type": "record", "name": "A", "fields": [{"name": "x", "type": "Nope"}]})", "unknown type 'Nope'"},
      {R"({"type": "record", "name": "A", "fields": [{"name": "x", "type": "int"}, {"name": "x", "type": "int"}]})",
       "two fields named 'x'"},
      {R"(["int", "int"])", "two branches"},
      {R"(["null", ["int"]])", "union may not contain a union"},
      {R"({"type": "enum", "name": "E", "symbols": ["A", "A"]})", "repeated"},
      {R"({"type": "fixed", "name": "F"})", "size"},
      {R"({"type": "record", "name": "9bad", "fields": []})", "not a valid name"},
      {R"({"type": "array"})", "items"},
      {R"(nonsense)", "not valid JSON"},
  };
  for (const auto& [text, words] : cases) {
    auto schema = AvroSchema::Parse(text);
    ASSERT_FALSE(schema.ok()) << text;
    EXPECT_EQ(schema.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(schema.status().message().find(words), std::string::npos) << schema.status().ToString();
  }
}

}  // namespace
}  // namespace hangar::avro
