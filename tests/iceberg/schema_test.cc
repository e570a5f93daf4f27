// Iceberg schemas of Arrow schemas: the exact JSON (types, ids, nesting),
// ids kept across evolution, types refused with the column named.
#include <gtest/gtest.h>

#include "iceberg/schema.h"

namespace hangar::iceberg {
namespace {

using nlohmann::json;
namespace a = hangar::arrow;

a::FieldPtr F(std::string name, a::TypePtr type, bool nullable = true) {
  return std::make_shared<a::Field>(std::move(name), std::move(type), nullable);
}

TEST(IcebergSchema, TopLevelColumnsAreOneToNThenNestedFieldsAfterThem) {
  a::Schema schema({F("id", a::int64(), false), F("tags", a::list(a::utf8())),
                    F("attrs", a::map(a::utf8(), a::float64())),
                    F("point", a::struct_({F("x", a::int32()), F("y", a::int32(), false)}))});
  auto s = SchemaFor(schema, 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const json expected = json::parse(R"({
    "type": "struct", "schema-id": 0, "fields": [
      {"id": 1, "name": "id", "required": true, "type": "long"},
      {"id": 2, "name": "tags", "required": false,
       "type": {"type": "list", "element-id": 5, "element": "string", "element-required": false}},
      {"id": 3, "name": "attrs", "required": false,
       "type": {"type": "map", "key-id": 6, "key": "string", "value-id": 7, "value": "double", "value-required": false}},
      {"id": 4, "name": "point", "required": false,
       "type": {"type": "struct", "fields": [
         {"id": 8, "name": "x", "required": false, "type": "int"},
         {"id": 9, "name": "y", "required": true, "type": "int"}]}}]})");
  EXPECT_EQ(SchemaJson(*s), expected) << SchemaJson(*s).dump(2);
  EXPECT_EQ(s->highest_field_id, 9);
  auto parsed = ParseSchemaJson(SchemaJson(*s));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(SameFields(*parsed, *s));
}

TEST(IcebergSchema, EveryPrimitiveMapsToItsStorageForm) {
  std::vector<std::pair<a::TypePtr, std::string>> cases = {{a::boolean(), "boolean"},
                                                           {a::int8(), "int"},
                                                           {a::uint16(), "int"},
                                                           {a::int32(), "int"},
                                                           {a::uint32(), "long"},
                                                           {a::int64(), "long"},
                                                           {a::float16(), "float"},
                                                           {a::float32(), "float"},
                                                           {a::float64(), "double"},
                                                           {a::utf8(), "string"},
                                                           {a::large_utf8(), "string"},
                                                           {a::binary(), "binary"},
                                                           {a::fixed_size_binary(16), "binary"},
                                                           {a::date32(), "date"},
                                                           {a::date64(), "timestamp"},
                                                           {a::time64(a::TimeUnit::kMicro), "time"},
                                                           {a::time64(a::TimeUnit::kNano), "long"},
                                                           {a::timestamp(a::TimeUnit::kMicro), "timestamp"},
                                                           {a::timestamp(a::TimeUnit::kMilli, "UTC"), "timestamptz"},
                                                           {a::decimal128(10, 2), "decimal(10, 2)"},
                                                           {a::decimal256(50, 2), "string"},
                                                           {a::duration(a::TimeUnit::kSecond), "long"},
                                                           {a::dictionary(a::int32(), a::utf8()), "string"}};
  for (const auto& [type, name] : cases) {
    auto s = SchemaFor(a::Schema({F("c", type)}), 0);
    ASSERT_TRUE(s.ok()) << type->ToString() << ": " << s.status().ToString();
    EXPECT_EQ(s->fields[0].type->primitive, name) << type->ToString();
  }
}

TEST(IcebergSchema, TypesWithoutAnIcebergFormAreRefusedNamingTheColumn) {
  for (const auto& type : {a::null(), a::uint64(), a::time32(a::TimeUnit::kMilli), a::timestamp(a::TimeUnit::kNano)}) {
    auto s = SchemaFor(a::Schema({F("ok", a::int32()), F("bad_column", type)}), 0);
    ASSERT_FALSE(s.ok()) << type->ToString();
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("'bad_column'"), std::string::npos) << s.status().message();
  }
}

TEST(IcebergSchema, AnAddedColumnKeepsTheOldIdsAndTakesTheNextOne) {
  auto v1 = SchemaFor(a::Schema({F("id", a::int64(), false), F("tags", a::list(a::utf8()))}), 0);
  ASSERT_TRUE(v1.ok());
  auto v2 = SchemaFor(a::Schema({F("id", a::int64(), false), F("tags", a::list(a::utf8())), F("note", a::utf8())}), 1,
                      &*v1, v1->highest_field_id);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->fields[0].id, 1);
  EXPECT_EQ(v2->fields[1].id, 2);
  EXPECT_EQ(v2->fields[1].type->element.id, 3);
  EXPECT_EQ(v2->fields[2].id, 4);
  EXPECT_EQ(v2->highest_field_id, 4);
}

TEST(IcebergSchema, NameMappingNamesEveryFieldId) {
  auto s = SchemaFor(a::Schema({F("id", a::int64()), F("tags", a::list(a::utf8()))}), 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(NameMapping(*s), json::parse(R"([{"field-id": 1, "names": ["id"]},
      {"field-id": 2, "names": ["tags"], "fields": [{"field-id": 3, "names": ["element"]}]}])"));
}

TEST(IcebergSchema, APrimaryKeyOfRequiredColumnsIsTheIdentifier) {
  auto s = SchemaFor(a::Schema({F("a", a::int64()), F("k", a::utf8(), false)}), 0, nullptr, 0, {"k"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->identifier_field_ids, std::vector<int>{2});
  EXPECT_EQ(SchemaJson(*s)["identifier-field-ids"], json::array({2}));
}

}  // namespace
}  // namespace hangar::iceberg
