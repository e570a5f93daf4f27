#include "arrow/compare.h"

#include <cmath>
#include <cstring>
#include <string>

#include "arrow/array_access.h"
#include "arrow/pretty_print.h"

namespace hangar::arrow {

namespace {

template <typename F>
bool FloatEquals(const Array& a, int64_t i, const Array& b, int64_t j, const EqualOptions& options) {
  F x, y;
  std::memcpy(&x, a.buffers[1]->data() + (a.offset + i) * static_cast<int64_t>(sizeof(F)), sizeof(F));
  std::memcpy(&y, b.buffers[1]->data() + (b.offset + j) * static_cast<int64_t>(sizeof(F)), sizeof(F));
  if (std::isnan(x) || std::isnan(y)) return options.nans_equal && std::isnan(x) && std::isnan(y);
  return x == y;
}

// Compares logical slot i of a with slot j of b; both have equal types.
class ValueComparator {
 public:
  explicit ValueComparator(const EqualOptions& options) : options_(options) {}

  bool Equal(const Array& a, int64_t i, const Array& b, int64_t j) const {
    const DataType& t = *a.type;
    switch (t.id()) {
      case TypeId::kNull: return true;
      case TypeId::kSparseUnion: case TypeId::kDenseUnion: {
        int ca, cb;
        int64_t ra, rb;
        UnionSlot(a, i, &ca, &ra);
        UnionSlot(b, j, &cb, &rb);
        return ca == cb && Equal(*a.children[ca], ra, *b.children[cb], rb);
      }
      case TypeId::kRunEndEncoded:
        return Equal(*a.children[1], RunEndValueIndex(a, i), *b.children[1], RunEndValueIndex(b, j));
      case TypeId::kDictionary: {
        const bool va = IsLogicallyValid(a, i), vb = IsLogicallyValid(b, j);
        if (!va || !vb) return va == vb;
        return Equal(*a.dictionary, DictionaryIndex(a, i), *b.dictionary, DictionaryIndex(b, j));
      }
      default: break;
    }
    const bool va = a.IsValid(i), vb = b.IsValid(j);
    if (!va || !vb) return va == vb;
    switch (t.id()) {
      case TypeId::kBool:
        return bit::Get(a.buffers[1]->data(), a.offset + i) == bit::Get(b.buffers[1]->data(), b.offset + j);
      case TypeId::kFloat32: return FloatEquals<float>(a, i, b, j, options_);
      case TypeId::kFloat64: return FloatEquals<double>(a, i, b, j, options_);
      case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kBinary: case TypeId::kLargeBinary:
      case TypeId::kUtf8View: case TypeId::kBinaryView: case TypeId::kFixedSizeBinary:
        return BinaryValue(a, i) == BinaryValue(b, j);
      case TypeId::kList: case TypeId::kLargeList: case TypeId::kListView: case TypeId::kLargeListView:
      case TypeId::kFixedSizeList: case TypeId::kMap: {
        int64_t ab, ae, bb, be;
        ListRange(a, i, &ab, &ae);
        ListRange(b, j, &bb, &be);
        if (ae - ab != be - bb) return false;
        for (int64_t k = 0; k < ae - ab; ++k) {
          if (!Equal(*a.children[0], ab + k, *b.children[0], bb + k)) return false;
        }
        return true;
      }
      case TypeId::kStruct:
        for (size_t c = 0; c < a.children.size(); ++c) {
          if (!Equal(*a.children[c], a.offset + i, *b.children[c], b.offset + j)) return false;
        }
        return true;
      default: {
        // Fixed-width values (integers, float16 bits, decimals, dates, times, intervals).
        const int64_t w = t.bit_width() / 8;
        return std::memcmp(a.buffers[1]->data() + (a.offset + i) * w, b.buffers[1]->data() + (b.offset + j) * w,
                           static_cast<size_t>(w)) == 0;
      }
    }
  }

 private:
  const EqualOptions& options_;
};

}  // namespace

std::string ArrayDiff(const Array& a, const Array& b, const EqualOptions& options) {
  if (!a.type->Equals(*b.type, options.check_metadata))
    return "type: " + a.type->ToString() + " vs " + b.type->ToString();
  if (a.length != b.length) return "length: " + std::to_string(a.length) + " vs " + std::to_string(b.length);
  ValueComparator cmp(options);
  for (int64_t i = 0; i < a.length; ++i) {
    if (!cmp.Equal(a, i, b, i)) return "row " + std::to_string(i) + ": " + FormatValue(a, i) + " vs " + FormatValue(b, i);
  }
  return "";
}

bool ArrayEquals(const Array& a, const Array& b, const EqualOptions& options) {
  return ArrayDiff(a, b, options).empty();
}

std::string BatchDiff(const RecordBatch& expected, const RecordBatch& actual, const EqualOptions& options) {
  std::string schema_diff = expected.schema->Diff(*actual.schema, options.check_metadata);
  if (!schema_diff.empty()) return "schema: " + schema_diff;
  if (expected.num_rows != actual.num_rows)
    return "rows: " + std::to_string(expected.num_rows) + " vs " + std::to_string(actual.num_rows);
  for (int c = 0; c < expected.num_columns(); ++c) {
    std::string d = ArrayDiff(*expected.column(c), *actual.column(c), options);
    if (!d.empty()) return "column " + std::to_string(c) + " '" + expected.schema->field(c)->name() + "' " + d;
  }
  return "";
}

}  // namespace hangar::arrow
