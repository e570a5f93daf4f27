// Strings and binaries change layout with their values kept (pandas writes
// large_utf8, polars utf8_view, pyarrow utf8: one table takes all three).
#include <gtest/gtest.h>

#include "arrow/array_access.h"
#include "arrow/builder_binary.h"
#include "arrow/builder_nested.h"
#include "arrow/layout.h"

namespace hangar::arrow {
namespace {

ArrayPtr Strings(TypePtr type, const std::vector<std::optional<std::string>>& values) {
  std::unique_ptr<ArrayBuilder> builder;
  if (type->id() == TypeId::kUtf8View || type->id() == TypeId::kBinaryView) {
    builder = std::make_unique<BinaryViewBuilder>(type);
  } else if (type->id() == TypeId::kLargeUtf8 || type->id() == TypeId::kLargeBinary) {
    builder = std::make_unique<LargeBinaryBuilder>(type);
  } else {
    builder = std::make_unique<BinaryBuilder>(type);
  }
  for (const auto& v : values) {
    if (!v)
      builder->AppendNull();
    else if (auto* view = dynamic_cast<BinaryViewBuilder*>(builder.get()))
      view->Append(*v);
    else if (auto* large = dynamic_cast<LargeBinaryBuilder*>(builder.get()))
      large->Append(*v);
    else
      static_cast<BinaryBuilder*>(builder.get())->Append(*v);
  }
  return *builder->Finish();
}

TEST(Layout, StringsMoveBetweenTheirThreeLayouts) {
  const std::vector<std::optional<std::string>> values = {"short", std::nullopt, "a value longer than twelve bytes",
                                                          ""};
  for (const auto& from : {utf8(), large_utf8(), utf8_view()}) {
    for (const auto& to : {utf8(), large_utf8(), utf8_view()}) {
      ASSERT_TRUE(SameValuesInOtherLayout(*from, *to));
      auto source = Strings(from, values)->Slice(1, 3);  // a slice: offsets must be honoured
      auto moved = ToLayout(source, to);
      ASSERT_TRUE(moved.ok()) << moved.status().ToString();
      ASSERT_TRUE((*moved)->type->Equals(*to));
      ASSERT_EQ((*moved)->length, 3);
      EXPECT_TRUE((*moved)->IsNull(0));
      EXPECT_EQ(BinaryValue(**moved, 1), "a value longer than twelve bytes");
      EXPECT_EQ(BinaryValue(**moved, 2), "");
    }
  }
}

TEST(Layout, OnlyWithinAFamily) {
  EXPECT_TRUE(SameValuesInOtherLayout(*binary_view(), *large_binary()));
  EXPECT_FALSE(SameValuesInOtherLayout(*utf8(), *binary()));
  EXPECT_FALSE(SameValuesInOtherLayout(*utf8(), *int32()));
  EXPECT_FALSE(SameValuesInOtherLayout(*int64(), *int32()));
  EXPECT_FALSE(ToLayout(Strings(utf8(), {"x"}), binary()).ok());
  // Structs field by field: same names, other layouts.
  auto a = struct_({field("s", utf8()), field("n", int64())});
  auto b = struct_({field("s", utf8_view()), field("n", int64())});
  auto c = struct_({field("t", utf8_view()), field("n", int64())});
  EXPECT_TRUE(SameValuesInOtherLayout(*a, *b));
  EXPECT_FALSE(SameValuesInOtherLayout(*a, *c));
}

TEST(Layout, AStructKeepsItsValidityAcrossASlice) {
  auto from = struct_({field("s", utf8())});
  auto to = struct_({field("s", large_utf8())});
  std::vector<std::unique_ptr<ArrayBuilder>> children;
  children.push_back(std::make_unique<BinaryBuilder>(utf8()));
  StructBuilder builder(from, std::move(children));
  auto* s = static_cast<BinaryBuilder*>(builder.field_builder(0));
  builder.Append();
  s->Append("a");
  builder.AppendNull();  // a null in every child too
  builder.Append();
  s->Append("c");
  auto array = (*builder.Finish())->Slice(1, 2);
  auto moved = ToLayout(array, to);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_TRUE((*moved)->IsNull(0));
  EXPECT_TRUE((*moved)->IsValid(1));
  EXPECT_EQ(BinaryValue(*(*moved)->children[0], 1), "c");
  EXPECT_TRUE((*moved)->children[0]->type->Equals(*large_utf8()));
}

}  // namespace
}  // namespace hangar::arrow
