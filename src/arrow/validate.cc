#include "arrow/validate.h"

#include <cstring>
#include <limits>
#include <string>

namespace hangar::arrow {

namespace {

// Sizes here come from untrusted metadata: all arithmetic is overflow-checked.
bool MulOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }
bool AddOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }

// Whether offsets p[from..to] never decrease. Branch-free so the compiler
// vectorizes it: this is the one O(n) pass on the read path. Buffers here are
// 8-byte aligned (the IPC reader and the C Data importer guarantee it).
// Compiled for AVX2 as well as the x86-64 baseline; the loader picks the
// clone the CPU supports.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define HANGAR_TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HANGAR_TARGET_CLONES
#endif

HANGAR_TARGET_CLONES bool Monotonic32(const int32_t* v, int64_t from, int64_t to) {
  unsigned bad = 0;
  for (int64_t i = from + 1; i <= to; ++i) bad |= static_cast<unsigned>(v[i] < v[i - 1]);
  return bad == 0;
}

HANGAR_TARGET_CLONES bool Monotonic64(const int64_t* v, int64_t from, int64_t to) {
  unsigned bad = 0;
  for (int64_t i = from + 1; i <= to; ++i) bad |= static_cast<unsigned>(v[i] < v[i - 1]);
  return bad == 0;
}

template <typename O>
bool Monotonic(const uint8_t* p, int64_t from, int64_t to) {
  if constexpr (sizeof(O) == 4) {
    return Monotonic32(reinterpret_cast<const int32_t*>(p), from, to);
  } else {
    return Monotonic64(reinterpret_cast<const int64_t*>(p), from, to);
  }
}

class Validator {
 public:
  explicit Validator(const ValidateOptions& options) : full_(options.full), options_(options) {}

  Status Validate(const Array& a, int depth) {
    if (depth > 200) return Status::Invalid("array nesting too deep");
    if (!a.type) return Status::Invalid("array without a type");
    const DataType& t = *a.type;
    if (a.length < 0 || a.offset < 0) return Status::Invalid("negative length or offset");
    int64_t end;
    if (AddOverflows(a.offset, a.length, &end)) return Status::Invalid("offset + length overflows");
    if (a.null_count_hint > a.length) return Status::Invalid("null count exceeds length");

    const size_t expected = static_cast<size_t>(t.num_fixed_buffers());
    if (t.is_view() ? a.buffers.size() < expected : a.buffers.size() != expected)
      return Status::Invalid(t.ToString() + " array has " + std::to_string(a.buffers.size()) + " buffers, expected " +
                             std::to_string(expected));
    if (t.has_validity_bitmap() && a.buffers[0] != nullptr) {
      HANGAR_RETURN_NOT_OK(NeedBytes(a, 0, bit::BytesFor(end), "validity bitmap"));
      if (full_ && a.null_count_hint >= 0 &&
          a.null_count_hint != a.length - bit::CountSet(a.buffers[0]->data(), a.offset, a.length))
        return Status::Invalid("null count does not match the validity bitmap");
    } else if (t.has_validity_bitmap() && a.null_count_hint > 0) {
      return Status::Invalid("null count " + std::to_string(a.null_count_hint) + " without a validity bitmap");
    }
    if (t.id() != TypeId::kDictionary && a.dictionary) return Status::Invalid("non-dictionary array has a dictionary");

    switch (t.id()) {
      case TypeId::kNull: return Status::OK();
      case TypeId::kUtf8:
      case TypeId::kBinary: return ValidateBinary<int32_t>(a, end);
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: return ValidateBinary<int64_t>(a, end);
      case TypeId::kUtf8View:
      case TypeId::kBinaryView: return ValidateViews(a, end);
      case TypeId::kList:
      case TypeId::kMap: HANGAR_RETURN_NOT_OK(NeedChildren(a, 1)); return ValidateListOffsets<int32_t>(a, end, depth);
      case TypeId::kLargeList:
        HANGAR_RETURN_NOT_OK(NeedChildren(a, 1));
        return ValidateListOffsets<int64_t>(a, end, depth);
      case TypeId::kListView: HANGAR_RETURN_NOT_OK(NeedChildren(a, 1)); return ValidateListView<int32_t>(a, end, depth);
      case TypeId::kLargeListView:
        HANGAR_RETURN_NOT_OK(NeedChildren(a, 1));
        return ValidateListView<int64_t>(a, end, depth);
      case TypeId::kFixedSizeList: {
        HANGAR_RETURN_NOT_OK(NeedChildren(a, 1));
        int64_t need;
        if (MulOverflows(end, t.list_size(), &need)) return Status::Invalid("fixed_size_list size overflows");
        if (a.children[0]->length < need)
          return Status::Invalid("fixed_size_list child has " + std::to_string(a.children[0]->length) +
                                 " values, needs " + std::to_string(need));
        return Child(a, 0, depth);
      }
      case TypeId::kStruct: {
        HANGAR_RETURN_NOT_OK(NeedChildren(a, t.children().size()));
        for (size_t i = 0; i < a.children.size(); ++i) {
          if (a.children[i]->length < end)
            return Status::Invalid("struct child '" + t.child(i)->name() + "' has " +
                                   std::to_string(a.children[i]->length) + " values, needs " + std::to_string(end));
          HANGAR_RETURN_NOT_OK(Child(a, i, depth));
        }
        return Status::OK();
      }
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: return ValidateUnion(a, end, depth);
      case TypeId::kDictionary: return ValidateDictionary(a, end, depth);
      case TypeId::kRunEndEncoded: return ValidateRunEnds(a, end, depth);
      case TypeId::kFixedSizeBinary: {
        // From the byte width itself: its bit width can exceed an int.
        int64_t bytes;
        if (MulOverflows(end, t.byte_width(), &bytes)) return Status::Invalid("value buffer size overflows");
        return NeedBytes(a, 1, bytes, "value buffer");
      }
      default: {
        int64_t bits;
        if (MulOverflows(end, t.bit_width(), &bits)) return Status::Invalid("value buffer size overflows");
        return NeedBytes(a, 1, bit::BytesFor(bits), "value buffer");
      }
    }
  }

 private:
  Status NeedBytes(const Array& a, size_t b, int64_t bytes, const char* what) {
    int64_t have = a.buffers[b] ? a.buffers[b]->size() : 0;
    if (have < bytes)
      return Status::Invalid(a.type->ToString() + " " + what + " has " + std::to_string(have) + " bytes, needs " +
                             std::to_string(bytes));
    return Status::OK();
  }

  Status NeedChildren(const Array& a, size_t n) {
    if (a.children.size() != n)
      return Status::Invalid(a.type->ToString() + " array has " + std::to_string(a.children.size()) +
                             " children, expected " + std::to_string(n));
    for (const auto& c : a.children) {
      if (!c) return Status::Invalid("missing child array");
    }
    return Status::OK();
  }

  Status Child(const Array& a, size_t i, int depth) {
    Status st = Validate(*a.children[i], depth + 1);
    if (!st.ok()) {
      const auto& children = a.type->children();
      std::string name = i < children.size() ? children[i]->name() : std::to_string(i);
      return st.WithContext("child '" + name + "'");
    }
    return st;
  }

  // Checks offsets[offset .. end] are monotonic and within [0, limit].
  template <typename O>
  Status CheckOffsets(const Array& a, int64_t end, int64_t limit, const char* what) {
    if (a.length == 0 && (a.buffers[1] == nullptr || a.buffers[1]->size() == 0)) return Status::OK();
    int64_t bytes;
    if (MulOverflows(end + 1, static_cast<int64_t>(sizeof(O)), &bytes)) return Status::Invalid("offsets overflow");
    HANGAR_RETURN_NOT_OK(NeedBytes(a, 1, bytes, "offsets buffer"));
    const uint8_t* p = a.buffers[1]->data();
    // Boundaries are checked always; the monotonic walk is the O(n) part.
    O first = LoadValue<O>(p, a.offset), last = LoadValue<O>(p, end);
    if (first < 0 || last < first || static_cast<int64_t>(last) > limit)
      return Status::Invalid(std::string(what) + " offsets [" + std::to_string(first) + ", " + std::to_string(last) +
                             "] are outside 0.." + std::to_string(limit));
    if (full_ && !Monotonic<O>(p, a.offset, end)) {
      for (int64_t i = a.offset + 1; i <= end; ++i) {
        if (LoadValue<O>(p, i) < LoadValue<O>(p, i - 1))
          return Status::Invalid(std::string(what) + " offsets decrease at position " + std::to_string(i - a.offset));
      }
    }
    return Status::OK();
  }

  template <typename O>
  Status ValidateBinary(const Array& a, int64_t end) {
    int64_t data_size = a.buffers[2] ? a.buffers[2]->size() : 0;
    return CheckOffsets<O>(a, end, data_size, "string/binary");
  }

  template <typename O>
  Status ValidateListOffsets(const Array& a, int64_t end, int depth) {
    HANGAR_RETURN_NOT_OK(CheckOffsets<O>(a, end, a.children[0]->length, "list"));
    return Child(a, 0, depth);
  }

  template <typename O>
  Status ValidateListView(const Array& a, int64_t end, int depth) {
    int64_t bytes;
    if (MulOverflows(end, static_cast<int64_t>(sizeof(O)), &bytes)) return Status::Invalid("list view overflows");
    HANGAR_RETURN_NOT_OK(NeedBytes(a, 1, bytes, "offsets buffer"));
    HANGAR_RETURN_NOT_OK(NeedBytes(a, 2, bytes, "sizes buffer"));
    if (full_) {
      const int64_t child_len = a.children[0]->length;
      for (int64_t i = a.offset; i < end; ++i) {
        if (!a.IsValid(i - a.offset)) continue;
        int64_t off = LoadValue<O>(a.buffers[1]->data(), i), size = LoadValue<O>(a.buffers[2]->data(), i);
        if (off < 0 || size < 0 || off > child_len || size > child_len - off)
          return Status::Invalid("list view entry " + std::to_string(i - a.offset) + " (offset " + std::to_string(off) +
                                 ", size " + std::to_string(size) + ") is outside the child of " +
                                 std::to_string(child_len) + " values");
      }
    }
    return Child(a, 0, depth);
  }

  Status ValidateViews(const Array& a, int64_t end) {
    int64_t bytes;
    if (MulOverflows(end, 16, &bytes)) return Status::Invalid("view buffer overflows");
    HANGAR_RETURN_NOT_OK(NeedBytes(a, 1, bytes, "views buffer"));
    if (!full_) return Status::OK();
    const uint8_t* views = a.buffers[1]->data();
    const int64_t num_data = static_cast<int64_t>(a.buffers.size()) - 2;
    for (int64_t i = a.offset; i < end; ++i) {
      if (!a.IsValid(i - a.offset)) continue;
      int32_t len, index, off;
      std::memcpy(&len, views + 16 * i, 4);
      if (len < 0) return Status::Invalid("view " + std::to_string(i - a.offset) + " has negative length");
      if (len <= 12) continue;
      std::memcpy(&index, views + 16 * i + 8, 4);
      std::memcpy(&off, views + 16 * i + 12, 4);
      if (index < 0 || index >= num_data || !a.buffers[2 + index])
        return Status::Invalid("view " + std::to_string(i - a.offset) + " refers to data buffer " +
                               std::to_string(index) + " of " + std::to_string(num_data));
      if (off < 0 || static_cast<int64_t>(off) + len > a.buffers[2 + index]->size())
        return Status::Invalid("view " + std::to_string(i - a.offset) + " lies outside its data buffer");
    }
    return Status::OK();
  }

  Status ValidateUnion(const Array& a, int64_t end, int depth) {
    const DataType& t = *a.type;
    HANGAR_RETURN_NOT_OK(NeedChildren(a, t.children().size()));
    HANGAR_RETURN_NOT_OK(NeedBytes(a, 0, end, "type ids buffer"));
    const bool dense = t.id() == TypeId::kDenseUnion;
    if (dense) {
      int64_t bytes;
      if (MulOverflows(end, 4, &bytes)) return Status::Invalid("union offsets overflow");
      HANGAR_RETURN_NOT_OK(NeedBytes(a, 1, bytes, "offsets buffer"));
    } else {
      for (size_t i = 0; i < a.children.size(); ++i) {
        if (a.children[i]->length < end)
          return Status::Invalid("sparse union child " + std::to_string(i) + " is shorter than the union");
      }
    }
    if (full_) {
      int child_of_code[128];
      for (int& c : child_of_code) c = -1;
      for (size_t i = 0; i < t.type_codes().size(); ++i) child_of_code[t.type_codes()[i]] = static_cast<int>(i);
      const int8_t* ids = reinterpret_cast<const int8_t*>(a.buffers[0]->data());
      for (int64_t i = a.offset; i < end; ++i) {
        int8_t code = ids[i];
        if (code < 0 || child_of_code[code] < 0)
          return Status::Invalid("union slot " + std::to_string(i - a.offset) + " has invalid type id " +
                                 std::to_string(code));
        if (dense) {
          int32_t off = LoadValue<int32_t>(a.buffers[1]->data(), i);
          if (off < 0 || off >= a.children[child_of_code[code]]->length)
            return Status::Invalid("dense union slot " + std::to_string(i - a.offset) + " has offset " +
                                   std::to_string(off) + " outside its child");
        }
      }
    }
    for (size_t i = 0; i < a.children.size(); ++i) HANGAR_RETURN_NOT_OK(Child(a, i, depth));
    return Status::OK();
  }

  Status ValidateDictionary(const Array& a, int64_t end, int depth) {
    const DataType& t = *a.type;
    if (!a.dictionary) return Status::Invalid("dictionary array without a dictionary");
    if (!a.dictionary->type->Equals(*t.value_type(), false))
      return Status::Invalid("dictionary values have type " + a.dictionary->type->ToString() + ", expected " +
                             t.value_type()->ToString());
    int64_t bits;
    if (MulOverflows(end, t.index_type()->bit_width(), &bits)) return Status::Invalid("indices overflow");
    HANGAR_RETURN_NOT_OK(NeedBytes(a, 1, bit::BytesFor(bits), "indices buffer"));
    if (options_.check_dictionary_values) {
      Validator inner(options_);
      Status st = inner.Validate(*a.dictionary, depth + 1);
      if (!st.ok()) return st.WithContext("dictionary");
    }
    if (!full_) return Status::OK();
    const int64_t dict_len = a.dictionary->length;
    const uint8_t* p = a.buffers[1]->data();
    for (int64_t i = a.offset; i < end; ++i) {
      if (!a.IsValid(i - a.offset)) continue;
      int64_t index;
      switch (t.index_type()->id()) {
        case TypeId::kInt8: index = LoadValue<int8_t>(p, i); break;
        case TypeId::kUInt8: index = LoadValue<uint8_t>(p, i); break;
        case TypeId::kInt16: index = LoadValue<int16_t>(p, i); break;
        case TypeId::kUInt16: index = LoadValue<uint16_t>(p, i); break;
        case TypeId::kInt32: index = LoadValue<int32_t>(p, i); break;
        case TypeId::kUInt32: index = LoadValue<uint32_t>(p, i); break;
        case TypeId::kInt64: index = LoadValue<int64_t>(p, i); break;
        default: {
          uint64_t u = LoadValue<uint64_t>(p, i);
          index = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? -1 : static_cast<int64_t>(u);
        }
      }
      if (index < 0 || index >= dict_len)
        return Status::Invalid("dictionary index " + std::to_string(index) + " at position " +
                               std::to_string(i - a.offset) + " is outside the dictionary of " +
                               std::to_string(dict_len) + " values");
    }
    return Status::OK();
  }

  Status ValidateRunEnds(const Array& a, int64_t end, int depth) {
    HANGAR_RETURN_NOT_OK(NeedChildren(a, 2));
    const Array& run_ends = *a.children[0];
    HANGAR_RETURN_NOT_OK(Child(a, 0, depth));
    HANGAR_RETURN_NOT_OK(Child(a, 1, depth));
    if (run_ends.null_count() != 0) return Status::Invalid("run ends contain nulls");
    if (a.children[1]->length < run_ends.length)
      return Status::Invalid("run-end encoded values are fewer than the runs");
    if (a.length == 0) return Status::OK();
    if (run_ends.length == 0) return Status::Invalid("non-empty run-end encoded array without runs");
    auto run_end = [&](int64_t i) -> int64_t {
      const uint8_t* p = run_ends.buffers[1]->data();
      int64_t j = run_ends.offset + i;
      switch (run_ends.type->id()) {
        case TypeId::kInt16: return LoadValue<int16_t>(p, j);
        case TypeId::kInt32: return LoadValue<int32_t>(p, j);
        default: return LoadValue<int64_t>(p, j);
      }
    };
    if (run_end(run_ends.length - 1) < end)
      return Status::Invalid("run ends stop at " + std::to_string(run_end(run_ends.length - 1)) +
                             ", before the array's end " + std::to_string(end));
    if (full_) {
      int64_t prev = 0;
      for (int64_t i = 0; i < run_ends.length; ++i) {
        int64_t cur = run_end(i);
        if (cur <= prev) return Status::Invalid("run ends are not strictly increasing at run " + std::to_string(i));
        prev = cur;
      }
    }
    return Status::OK();
  }

  bool full_;
  ValidateOptions options_;
};

}  // namespace

Status ValidateArray(const Array& array, const ValidateOptions& options) {
  Validator v(options);
  return v.Validate(array, 0);
}

Status ValidateBatch(const RecordBatch& batch, const ValidateOptions& options) {
  if (!batch.schema) return Status::Invalid("record batch without a schema");
  if (batch.num_rows < 0) return Status::Invalid("record batch has negative length");
  if (static_cast<int>(batch.columns.size()) != batch.schema->num_fields())
    return Status::Invalid("record batch has " + std::to_string(batch.columns.size()) + " columns, schema has " +
                           std::to_string(batch.schema->num_fields()) + " fields");
  for (int i = 0; i < batch.num_columns(); ++i) {
    const auto& col = batch.columns[i];
    const auto& f = batch.schema->field(i);
    if (!col) return Status::Invalid("column '" + f->name() + "' is missing");
    if (col->length != batch.num_rows)
      return Status::Invalid("column '" + f->name() + "' has " + std::to_string(col->length) + " rows, batch has " +
                             std::to_string(batch.num_rows));
    if (!col->type->Equals(*f->type(), false))
      return Status::Invalid("column '" + f->name() + "' has type " + col->type->ToString() + ", schema says " +
                             f->type()->ToString());
    Status st = ValidateArray(*col, options);
    if (!st.ok()) return st.WithContext("column '" + f->name() + "'");
  }
  return Status::OK();
}

}  // namespace hangar::arrow
