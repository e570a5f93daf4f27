#include "arrow/value_key.h"

#include "arrow/array_access.h"

namespace hangar::arrow {

namespace {

void AppendLength(int64_t n, std::string* out) { out->append(reinterpret_cast<const char*>(&n), sizeof n); }

}  // namespace

void AppendValueKey(const Array& a, int64_t i, std::string* out) {
  const DataType& t = *a.type;
  switch (t.id()) {
    case TypeId::kDictionary:
      if (a.IsNull(i)) break;
      return AppendValueKey(*a.dictionary, DictionaryIndex(a, i), out);
    case TypeId::kRunEndEncoded: return AppendValueKey(*a.children[1], RunEndValueIndex(a, i), out);
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      int child = 0;
      int64_t row = 0;
      UnionSlot(a, i, &child, &row);
      out->push_back(static_cast<char>(t.type_codes()[static_cast<size_t>(child)]));
      return AppendValueKey(*a.children[static_cast<size_t>(child)], row, out);
    }
    default: break;
  }
  if (!a.IsValid(i)) {
    out->push_back('\0');
    return;
  }
  out->push_back('\1');
  if (t.id() == TypeId::kStruct) {
    for (const auto& child : a.children) AppendValueKey(*child, a.offset + i, out);
  } else if (t.is_list_like()) {
    int64_t begin = 0, end = 0;
    ListRange(a, i, &begin, &end);
    AppendLength(end - begin, out);
    for (int64_t j = begin; j < end; ++j) AppendValueKey(*a.children[0], j, out);
  } else if (t.is_binary_like() || t.is_view() || t.id() == TypeId::kFixedSizeBinary) {
    const std::string_view bytes = BinaryValue(a, i);
    AppendLength(static_cast<int64_t>(bytes.size()), out);
    out->append(bytes);
  } else if (t.id() == TypeId::kBool) {
    out->push_back(bit::Get(a.raw<uint8_t>(1), a.offset + i) ? '\1' : '\0');
  } else {
    const int64_t width = t.bit_width() / 8;
    out->append(reinterpret_cast<const char*>(a.raw<uint8_t>(1)) + (a.offset + i) * width, static_cast<size_t>(width));
  }
}

}  // namespace hangar::arrow
