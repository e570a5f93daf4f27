#include "arrow/compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "arrow/array_access.h"
#include "arrow/float16.h"
#include "arrow/pretty_print.h"

namespace hangar::arrow {

namespace {

// Compares logical slot ranges of two arrays of equal types. Ranges, not
// single slots, so that flat values compare a block at a time (memcmp over
// runs of valid slots) and a list's elements compare as one child range:
// ArrayEquals is on the IPC writer's path (is this dictionary unchanged?).
class Comparator {
 public:
  explicit Comparator(const EqualOptions& options) : options_(options) {}

  // Slots [ai, ai + n) of `a` against [bi, bi + n) of `b`.
  bool Range(const Array& a, int64_t ai, const Array& b, int64_t bi, int64_t n) const {
    if (n <= 0) return true;
    switch (a.type->id()) {
      case TypeId::kNull: return true;
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion:
        for (int64_t k = 0; k < n; ++k) {
          if (!UnionSlot(a, ai + k, b, bi + k)) return false;
        }
        return true;
      case TypeId::kRunEndEncoded: return RunEndRange(a, ai, b, bi, n);
      case TypeId::kDictionary:
        for (int64_t k = 0; k < n; ++k) {
          if (!DictionarySlot(a, ai + k, b, bi + k)) return false;
        }
        return true;
      default: break;
    }
    // Layouts with a validity bitmap: validity must match, values only where valid.
    if ((a.buffers.empty() || a.buffers[0] == nullptr) && (b.buffers.empty() || b.buffers[0] == nullptr))
      return Values(a, ai, b, bi, n);
    int64_t run = 0;  // length of the current run of slots valid on both sides
    for (int64_t k = 0; k < n; ++k) {
      const bool va = a.IsValid(ai + k), vb = b.IsValid(bi + k);
      if (va != vb) return false;
      if (va) {
        ++run;
        continue;
      }
      if (run > 0 && !Values(a, ai + k - run, b, bi + k - run, run)) return false;
      run = 0;
    }
    return run == 0 || Values(a, ai + n - run, b, bi + n - run, run);
  }

  // Where slot i of `a` and slot j of `b` (known to differ) differ: the path
  // to the differing value and both values.
  std::string Describe(const Array& a, int64_t i, const Array& b, int64_t j) const {
    const DataType& t = *a.type;
    switch (t.id()) {
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: {
        int ca, cb;
        int64_t ra, rb;
        arrow::UnionSlot(a, i, &ca, &ra);
        arrow::UnionSlot(b, j, &cb, &rb);
        if (ca != cb) return Leaf(a, i, b, j);
        return " child '" + t.child(static_cast<size_t>(ca))->name() + "'" +
               Describe(*a.children[static_cast<size_t>(ca)], ra, *b.children[static_cast<size_t>(cb)], rb);
      }
      case TypeId::kRunEndEncoded:
        return Describe(*a.children[1], RunEndValueIndex(a, i), *b.children[1], RunEndValueIndex(b, j));
      case TypeId::kDictionary:
        if (!a.IsValid(i) || !b.IsValid(j)) return Leaf(a, i, b, j);
        return Describe(*a.dictionary, DictionaryIndex(a, i), *b.dictionary, DictionaryIndex(b, j));
      default: break;
    }
    if (a.IsValid(i) != b.IsValid(j)) return Leaf(a, i, b, j);
    switch (t.id()) {
      case TypeId::kStruct:
        for (size_t c = 0; c < a.children.size(); ++c) {
          const Array& ca = *a.children[c];
          const Array& cb = *b.children[c];
          if (!Range(ca, a.offset + i, cb, b.offset + j, 1))
            return " field '" + t.child(c)->name() + "'" + Describe(ca, a.offset + i, cb, b.offset + j);
        }
        break;
      case TypeId::kList:
      case TypeId::kLargeList:
      case TypeId::kListView:
      case TypeId::kLargeListView:
      case TypeId::kFixedSizeList:
      case TypeId::kMap: {
        int64_t ab, ae, bb, be;
        ListRange(a, i, &ab, &ae);
        ListRange(b, j, &bb, &be);
        if (ae - ab != be - bb) break;
        for (int64_t k = 0; k < ae - ab; ++k) {
          if (!Range(*a.children[0], ab + k, *b.children[0], bb + k, 1))
            return " element " + std::to_string(k) + Describe(*a.children[0], ab + k, *b.children[0], bb + k);
        }
        break;
      }
      default: break;
    }
    return Leaf(a, i, b, j);
  }

 private:
  static std::string Leaf(const Array& a, int64_t i, const Array& b, int64_t j) {
    return ": " + FormatValue(a, i) + " vs " + FormatValue(b, j);
  }

  template <typename F>
  bool FloatEquals(F x, F y) const {
    if (x == y) return options_.signed_zeros_equal || std::signbit(x) == std::signbit(y);
    return options_.nans_equal && std::isnan(x) && std::isnan(y);
  }

  template <typename F>
  bool FloatRange(const Array& a, int64_t ai, const Array& b, int64_t bi, int64_t n) const {
    const uint8_t* pa = a.buffers[1]->data();
    const uint8_t* pb = b.buffers[1]->data();
    for (int64_t k = 0; k < n; ++k) {
      if (!FloatEquals(LoadValue<F>(pa, a.offset + ai + k), LoadValue<F>(pb, b.offset + bi + k))) return false;
    }
    return true;
  }

  // Values of slots that are valid on both sides.
  bool Values(const Array& a, int64_t ai, const Array& b, int64_t bi, int64_t n) const {
    const DataType& t = *a.type;
    switch (t.id()) {
      case TypeId::kBool: {
        const uint8_t* pa = a.buffers[1]->data();
        const uint8_t* pb = b.buffers[1]->data();
        for (int64_t k = 0; k < n; ++k) {
          if (bit::Get(pa, a.offset + ai + k) != bit::Get(pb, b.offset + bi + k)) return false;
        }
        return true;
      }
      case TypeId::kFloat16: {
        const uint8_t* pa = a.buffers[1]->data();
        const uint8_t* pb = b.buffers[1]->data();
        for (int64_t k = 0; k < n; ++k) {
          if (!FloatEquals(HalfToFloat(LoadValue<uint16_t>(pa, a.offset + ai + k)),
                           HalfToFloat(LoadValue<uint16_t>(pb, b.offset + bi + k))))
            return false;
        }
        return true;
      }
      case TypeId::kFloat32: return FloatRange<float>(a, ai, b, bi, n);
      case TypeId::kFloat64: return FloatRange<double>(a, ai, b, bi, n);
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeBinary:
      case TypeId::kUtf8View:
      case TypeId::kBinaryView:
        for (int64_t k = 0; k < n; ++k) {
          if (BinaryValue(a, ai + k) != BinaryValue(b, bi + k)) return false;
        }
        return true;
      case TypeId::kList:
      case TypeId::kLargeList:
      case TypeId::kFixedSizeList:
      case TypeId::kMap: {
        // Consecutive lists are adjacent in the child: compare the lengths,
        // then all the elements as one range.
        int64_t a_first = 0, b_first = 0, a_end = 0, b_end = 0;
        for (int64_t k = 0; k < n; ++k) {
          int64_t ab, ae, bb, be;
          ListRange(a, ai + k, &ab, &ae);
          ListRange(b, bi + k, &bb, &be);
          if (ae - ab != be - bb) return false;
          if (k == 0) {
            a_first = ab;
            b_first = bb;
          }
          a_end = ae;
          b_end = be;
        }
        (void)b_end;
        return Range(*a.children[0], a_first, *b.children[0], b_first, a_end - a_first);
      }
      case TypeId::kListView:
      case TypeId::kLargeListView:
        for (int64_t k = 0; k < n; ++k) {
          int64_t ab, ae, bb, be;
          ListRange(a, ai + k, &ab, &ae);
          ListRange(b, bi + k, &bb, &be);
          if (ae - ab != be - bb || !Range(*a.children[0], ab, *b.children[0], bb, ae - ab)) return false;
        }
        return true;
      case TypeId::kStruct:
        for (size_t c = 0; c < a.children.size(); ++c) {
          if (!Range(*a.children[c], a.offset + ai, *b.children[c], b.offset + bi, n)) return false;
        }
        return true;
      default: {
        // Integers, decimals, dates, times, timestamps, durations, intervals,
        // fixed_size_binary: equal exactly when their bytes are.
        const int64_t w = t.bit_width() / 8;
        if (w == 0) return true;
        return std::memcmp(a.buffers[1]->data() + (a.offset + ai) * w, b.buffers[1]->data() + (b.offset + bi) * w,
                           static_cast<size_t>(n * w)) == 0;
      }
    }
  }

  bool UnionSlot(const Array& a, int64_t i, const Array& b, int64_t j) const {
    int ca, cb;
    int64_t ra, rb;
    arrow::UnionSlot(a, i, &ca, &ra);
    arrow::UnionSlot(b, j, &cb, &rb);
    return ca == cb && Range(*a.children[static_cast<size_t>(ca)], ra, *b.children[static_cast<size_t>(cb)], rb, 1);
  }

  bool DictionarySlot(const Array& a, int64_t i, const Array& b, int64_t j) const {
    const bool va = a.IsValid(i), vb = b.IsValid(j);
    if (va && vb) {
      const int64_t ia = DictionaryIndex(a, i), ib = DictionaryIndex(b, j);
      if (a.dictionary == b.dictionary && ia == ib) return true;
      return Range(*a.dictionary, ia, *b.dictionary, ib, 1);
    }
    // A null index and an index of a null value are both null.
    if (va) return !IsLogicallyValid(*a.dictionary, DictionaryIndex(a, i));
    if (vb) return !IsLogicallyValid(*b.dictionary, DictionaryIndex(b, j));
    return true;
  }

  // Logical end (exclusive, in the array's own slot numbering) of run r.
  static int64_t RunEnd(const Array& a, int64_t r) {
    const Array& ends = *a.children[0];
    return LoadInteger(ends, ends.offset + r) - a.offset;
  }

  // Walks both arrays run by run, comparing one value per stretch in which
  // neither side changes run.
  bool RunEndRange(const Array& a, int64_t ai, const Array& b, int64_t bi, int64_t n) const {
    int64_t ra = RunEndValueIndex(a, ai), rb = RunEndValueIndex(b, bi);
    int64_t ea = RunEnd(a, ra), eb = RunEnd(b, rb);
    int64_t i = ai, j = bi, left = n;
    while (left > 0) {
      const int64_t step = std::min({ea - i, eb - j, left});
      if (step <= 0) return false;  // malformed run ends; validation rejects these
      if (!Range(*a.children[1], ra, *b.children[1], rb, 1)) return false;
      i += step;
      j += step;
      left -= step;
      if (left > 0 && i >= ea) ea = RunEnd(a, ++ra);
      if (left > 0 && j >= eb) eb = RunEnd(b, ++rb);
    }
    return true;
  }

  const EqualOptions& options_;
};

}  // namespace

std::string ArrayDiff(const Array& a, const Array& b, const EqualOptions& options) {
  if (!a.type->Equals(*b.type, options.check_metadata)) {
    std::string out = "type: " + a.type->ToString() + " vs " + b.type->ToString();
    if (a.type->Equals(*b.type, false)) out += " (field metadata differs)";
    return out;
  }
  if (a.length != b.length) return "length: " + std::to_string(a.length) + " vs " + std::to_string(b.length);
  const Comparator cmp(options);
  // Blocks first, then the rows of the first differing block.
  constexpr int64_t kBlock = 1024;
  for (int64_t start = 0; start < a.length; start += kBlock) {
    const int64_t n = std::min(kBlock, a.length - start);
    if (cmp.Range(a, start, b, start, n)) continue;
    for (int64_t i = start; i < start + n; ++i) {
      if (!cmp.Range(a, i, b, i, 1)) return "row " + std::to_string(i) + cmp.Describe(a, i, b, i);
    }
  }
  return "";
}

bool ArrayEquals(const Array& a, const Array& b, const EqualOptions& options) {
  if (!a.type->Equals(*b.type, options.check_metadata) || a.length != b.length) return false;
  return Comparator(options).Range(a, 0, b, 0, a.length);
}

std::string BatchDiff(const RecordBatch& expected, const RecordBatch& actual, const EqualOptions& options) {
  std::string schema_diff = expected.schema->Diff(*actual.schema, options.check_metadata);
  if (!schema_diff.empty()) return "schema: " + schema_diff;
  if (expected.num_rows != actual.num_rows)
    return "rows: " + std::to_string(expected.num_rows) + " vs " + std::to_string(actual.num_rows);
  if (expected.num_columns() != actual.num_columns())
    return "columns: " + std::to_string(expected.num_columns()) + " vs " + std::to_string(actual.num_columns());
  for (int c = 0; c < expected.num_columns(); ++c) {
    std::string d = ArrayDiff(*expected.column(c), *actual.column(c), options);
    if (!d.empty()) {
      const std::string name =
          c < expected.schema->num_fields() ? expected.schema->field(static_cast<size_t>(c))->name() : std::string();
      return "column " + std::to_string(c) + " '" + name + "' " + d;
    }
  }
  return "";
}

}  // namespace hangar::arrow
