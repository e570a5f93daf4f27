// JSON column -> Array. See array_json.h for what is checked.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "arrow/json/array_json.h"
#include "arrow/json/value_codec.h"

namespace hangar::arrow::json {

namespace {

// The largest data buffer a binary column may ask for. Offsets come from the
// input, so without a cap a tiny file could demand any allocation.
constexpr int64_t kMaxDataBytes = int64_t{1} << 31;

std::string At(const std::string& where, std::string_view key, int64_t i) {
  return where + ": " + std::string(key) + "[" + std::to_string(i) + "]";
}

template <typename T>
void StoreAt(uint8_t* base, int64_t index, T value) {
  std::memcpy(base + index * static_cast<int64_t>(sizeof(T)), &value, sizeof(T));
}

// Integers are JSON numbers, or decimal strings (how 64-bit values are
// written so that no reader loses precision through a double).
Result<int64_t> SignedValue(const Json& v, int bits, const std::string& where) {
  int64_t value;
  if (v.is_string()) {
    auto parsed = ParseInt64(v.get_ref<const std::string&>());
    if (!parsed.ok()) return Malformed(where, parsed.status().message());
    value = *parsed;
  } else if (v.is_number_integer()) {
    HANGAR_ASSIGN_OR_RETURN(value, AsInt64(v, where));
  } else {
    return Malformed(where, "expected an integer, got " + KindName(v) + (v.is_primitive() ? " " + v.dump() : ""));
  }
  if (bits < 64) {
    const int64_t max = (int64_t{1} << (bits - 1)) - 1;
    if (value < -max - 1 || value > max) {
      return Malformed(
          where, std::to_string(value) + " is out of range for a " + std::to_string(bits) + "-bit signed integer");
    }
  }
  return value;
}

Result<uint64_t> UnsignedValue(const Json& v, int bits, const std::string& where) {
  uint64_t value;
  if (v.is_string()) {
    auto parsed = ParseUInt64(v.get_ref<const std::string&>());
    if (!parsed.ok()) return Malformed(where, parsed.status().message());
    value = *parsed;
  } else if (v.is_number_unsigned()) {
    value = v.get<uint64_t>();
  } else if (v.is_number_integer()) {
    return Malformed(where, v.dump() + " is negative; expected an unsigned integer");
  } else {
    return Malformed(where, "expected an integer, got " + KindName(v) + (v.is_primitive() ? " " + v.dump() : ""));
  }
  if (bits < 64 && value > (uint64_t{1} << bits) - 1) {
    return Malformed(
        where, std::to_string(value) + " is out of range for a " + std::to_string(bits) + "-bit unsigned integer");
  }
  return value;
}

// Floats are JSON numbers; NaN and infinities, which JSON cannot spell as
// numbers, are accepted as strings (and as null, which is how some JSON
// libraries print NaN).
Result<double> FloatValue(const Json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s == "NaN" || s == "nan" || s == "-NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity" || s == "inf" || s == "+Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
    return Malformed(where, "\"" + s + "\" is not a number");
  }
  return Malformed(where, "expected a number, got " + KindName(v));
}

class Reader {
 public:
  explicit Reader(const ArrayReadContext& ctx) : ctx_(ctx) {}

  Result<ArrayPtr> Read(const Json& col, const Field& field, const std::string& where) {
    if (!col.is_object()) return Malformed(where, "a column must be a JSON object, got " + KindName(col));
    HANGAR_ASSIGN_OR_RETURN(int64_t length, GetInt(col, "count", where));
    if (length < 0) return Malformed(where, "count must be >= 0, got " + std::to_string(length));
    const TypePtr& type = field.type();
    if (type->id() != TypeId::kDictionary) return ReadTyped(col, type, length, where);
    return ReadDictionaryEncoded(col, field, length, where);
  }

 private:
  // --- shared pieces ---------------------------------------------------------

  struct Validity {
    BufferPtr bits;  // null when every slot is valid
    int64_t null_count = 0;
    bool IsValid(int64_t i) const { return bits == nullptr || bit::Get(bits->data(), i); }
  };

  // VALIDITY is a list of 1/0 (or true/false). Absent means all valid.
  Result<Validity> ReadValidity(const Json& col, int64_t length, const std::string& where) {
    Validity v;
    const Json* arr = FindMember(col, "VALIDITY");
    if (arr == nullptr || arr->is_null()) return v;
    if (!arr->is_array()) return Malformed(where, "VALIDITY must be an array, got " + KindName(*arr));
    if (static_cast<int64_t>(arr->size()) != length) {
      return Malformed(
          where, "VALIDITY has " + std::to_string(arr->size()) + " entries but count is " + std::to_string(length));
    }
    uint8_t* bits = nullptr;
    BufferPtr buf = AllocateBuffer(bit::BytesFor(length), &bits);
    for (int64_t i = 0; i < length; ++i) {
      const Json& e = (*arr)[static_cast<size_t>(i)];
      bool valid;
      if (e.is_boolean()) {
        valid = e.get<bool>();
      } else if (e.is_number_integer() && (e == 0 || e == 1)) {
        valid = e == 1;
      } else {
        return Malformed(At(where, "VALIDITY", i), "expected 0 or 1, got " + e.dump());
      }
      if (valid) {
        bit::Set(bits, i);
      } else {
        ++v.null_count;
      }
    }
    if (v.null_count > 0) v.bits = std::move(buf);
    return v;
  }

  Result<const Json*> Values(const Json& col, std::string_view key, int64_t expected, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(const Json* arr, GetArray(col, key, where));
    if (static_cast<int64_t>(arr->size()) != expected) {
      return Malformed(where, std::string(key) + " has " + std::to_string(arr->size()) + " entries, expected " +
                                  std::to_string(expected));
    }
    return arr;
  }

  static ArrayPtr Make(const TypePtr& type, int64_t length, std::vector<BufferPtr> buffers,
                       std::vector<ArrayPtr> children, int64_t null_count) {
    return MakeArray(type, length, std::move(buffers), std::move(children), null_count);
  }

  // Integer buffer of `count` entries from `key` (offsets, sizes, indices...).
  template <typename T>
  Result<BufferPtr> IntBuffer(const Json& col, std::string_view key, int64_t count, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(const Json* arr, Values(col, key, count, where));
    uint8_t* out = nullptr;
    BufferPtr buf = AllocateBuffer(count * static_cast<int64_t>(sizeof(T)), &out);
    for (int64_t i = 0; i < count; ++i) {
      const Json& e = (*arr)[static_cast<size_t>(i)];
      if constexpr (std::is_signed_v<T>) {
        HANGAR_ASSIGN_OR_RETURN(int64_t v, SignedValue(e, 8 * sizeof(T), At(where, key, i)));
        StoreAt<T>(out, i, static_cast<T>(v));
      } else {
        HANGAR_ASSIGN_OR_RETURN(uint64_t v, UnsignedValue(e, 8 * sizeof(T), At(where, key, i)));
        StoreAt<T>(out, i, static_cast<T>(v));
      }
    }
    return buf;
  }

  // OFFSET of a list-like or binary-like column: count + 1 entries (a lone 0,
  // or nothing at all, for an empty column), starting at >= 0, never
  // decreasing, ending at most at `limit`.
  template <typename T>
  Result<BufferPtr> Offsets(const Json& col, int64_t length, int64_t limit, std::string_view limit_name,
                            const std::string& where) {
    const Json* arr = FindMember(col, "OFFSET");
    if (length == 0 && (arr == nullptr || (arr->is_array() && arr->empty()))) {
      uint8_t* out = nullptr;
      return AllocateBuffer(sizeof(T), &out);  // one zero offset
    }
    HANGAR_ASSIGN_OR_RETURN(BufferPtr buf, IntBuffer<T>(col, "OFFSET", length + 1, where));
    HANGAR_RETURN_NOT_OK(CheckOffsets<T>(buf->data(), length, limit, limit_name, where));
    return buf;
  }

  template <typename T>
  Status CheckOffsets(const uint8_t* offs, int64_t length, int64_t limit, std::string_view limit_name,
                      const std::string& where) {
    int64_t prev = LoadValue<T>(offs, 0);
    if (prev < 0) return Malformed(At(where, "OFFSET", 0), "offset " + std::to_string(prev) + " is negative");
    for (int64_t i = 1; i <= length; ++i) {
      int64_t cur = LoadValue<T>(offs, i);
      if (cur < prev) {
        return Malformed(At(where, "OFFSET", i),
                         "offsets decrease (" + std::to_string(prev) + " then " + std::to_string(cur) + ")");
      }
      prev = cur;
    }
    if (limit >= 0 && prev > limit) {
      return Malformed(At(where, "OFFSET", length), "last offset " + std::to_string(prev) + " is beyond the " +
                                                        std::string(limit_name) + " (" + std::to_string(limit) + ")");
    }
    return Status::OK();
  }

  // The "children" of a nested column, matched to the type's child fields by
  // position (names may repeat) and checked by name.
  Result<std::vector<ArrayPtr>> Children(const Json& col, const DataType& type, const std::string& where) {
    std::vector<ArrayPtr> out;
    const Json* arr = FindMember(col, "children");
    const size_t have = (arr == nullptr || arr->is_null()) ? 0 : (arr->is_array() ? arr->size() : SIZE_MAX);
    if (have == SIZE_MAX) return Malformed(where, "children must be an array, got " + KindName(*arr));
    if (have != type.children().size()) {
      return Malformed(where, "has " + std::to_string(have) + " children, type " + type.ToString() + " needs " +
                                  std::to_string(type.children().size()));
    }
    for (size_t i = 0; i < have; ++i) {
      const Json& c = (*arr)[i];
      const Field& f = *type.child(i);
      const std::string cwhere = where + " child " + Quote(f.name());
      if (const Json* n = FindMember(c, "name"); n != nullptr && !(n->is_string() && *n == f.name())) {
        return Malformed(cwhere, "child column " + std::to_string(i) + " is named " + n->dump() + " but the field is " +
                                     Quote(f.name()));
      }
      HANGAR_ASSIGN_OR_RETURN(ArrayPtr child, Read(c, f, cwhere));
      out.push_back(std::move(child));
    }
    return out;
  }

  Status ChildAtLeast(const ArrayPtr& child, int64_t needed, const std::string& where, const Field& f) {
    if (child->length < needed) {
      return Malformed(where, "child " + Quote(f.name()) + " has " + std::to_string(child->length) +
                                  " values, needs at least " + std::to_string(needed));
    }
    return Status::OK();
  }

  // --- per type ----------------------------------------------------------------

  Result<ArrayPtr> ReadDictionaryEncoded(const Json& col, const Field& field, int64_t length,
                                         const std::string& where) {
    const TypePtr& type = field.type();
    HANGAR_ASSIGN_OR_RETURN(ArrayPtr indices, ReadTyped(col, type->index_type(), length, where));
    if (ctx_.dictionary_ids == nullptr || !ctx_.dictionary) {
      return Status::Internal(where + ": no dictionaries available for field " + Quote(field.name()));
    }
    auto it = ctx_.dictionary_ids->find(&field);
    if (it == ctx_.dictionary_ids->end()) {
      return Status::Internal(where + ": no dictionary id known for field " + Quote(field.name()));
    }
    HANGAR_ASSIGN_OR_RETURN(ArrayPtr dict, ctx_.dictionary(it->second, where));
    // Every valid index must point into the dictionary.
    const TypeId index_id = type->index_type()->id();
    const uint8_t* data = indices->buffers[1]->data();
    for (int64_t i = 0; i < length; ++i) {
      if (!indices->IsValid(i)) continue;
      // Unsigned 64-bit indices above INT64_MAX are out of range anyway.
      int64_t idx;
      switch (index_id) {
        case TypeId::kInt8: idx = LoadValue<int8_t>(data, i); break;
        case TypeId::kInt16: idx = LoadValue<int16_t>(data, i); break;
        case TypeId::kInt32: idx = LoadValue<int32_t>(data, i); break;
        case TypeId::kUInt8: idx = LoadValue<uint8_t>(data, i); break;
        case TypeId::kUInt16: idx = LoadValue<uint16_t>(data, i); break;
        case TypeId::kUInt32: idx = LoadValue<uint32_t>(data, i); break;
        case TypeId::kUInt64: {
          uint64_t u = LoadValue<uint64_t>(data, i);
          idx = u > static_cast<uint64_t>(INT64_MAX) ? -1 : static_cast<int64_t>(u);
          break;
        }
        default: idx = LoadValue<int64_t>(data, i); break;
      }
      if (idx < 0 || idx >= dict->length) {
        return Malformed(At(where, "DATA", i), "dictionary index is outside the dictionary of " +
                                                   std::to_string(dict->length) + " values (id " +
                                                   std::to_string(it->second) + ")");
      }
    }
    return MakeArray(type, length, indices->buffers, {}, indices->null_count_hint, 0, std::move(dict));
  }

  Result<ArrayPtr> ReadTyped(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    switch (type->id()) {
      case TypeId::kNull: return Make(type, length, {}, {}, length);
      case TypeId::kBool: return ReadBool(col, type, length, where);
      case TypeId::kInt8: return ReadInts<int8_t>(col, type, length, where);
      case TypeId::kInt16: return ReadInts<int16_t>(col, type, length, where);
      case TypeId::kInt32:
      case TypeId::kDate32:
      case TypeId::kTime32:
      case TypeId::kIntervalYearMonth: return ReadInts<int32_t>(col, type, length, where);
      case TypeId::kInt64:
      case TypeId::kDate64:
      case TypeId::kTime64:
      case TypeId::kTimestamp:
      case TypeId::kDuration: return ReadInts<int64_t>(col, type, length, where);
      case TypeId::kUInt8: return ReadInts<uint8_t>(col, type, length, where);
      case TypeId::kUInt16: return ReadInts<uint16_t>(col, type, length, where);
      case TypeId::kUInt32: return ReadInts<uint32_t>(col, type, length, where);
      case TypeId::kUInt64: return ReadInts<uint64_t>(col, type, length, where);
      case TypeId::kFloat16:
      case TypeId::kFloat32:
      case TypeId::kFloat64: return ReadFloats(col, type, length, where);
      case TypeId::kDecimal32:
      case TypeId::kDecimal64:
      case TypeId::kDecimal128:
      case TypeId::kDecimal256: return ReadDecimals(col, type, length, where);
      case TypeId::kFixedSizeBinary: return ReadFixedSizeBinary(col, type, length, where);
      case TypeId::kIntervalDayTime:
      case TypeId::kIntervalMonthDayNano: return ReadIntervals(col, type, length, where);
      case TypeId::kUtf8:
      case TypeId::kBinary: return ReadBinary<int32_t>(col, type, length, where);
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: return ReadBinary<int64_t>(col, type, length, where);
      case TypeId::kUtf8View:
      case TypeId::kBinaryView: return ReadViews(col, type, length, where);
      case TypeId::kList:
      case TypeId::kMap: return ReadList<int32_t>(col, type, length, where);
      case TypeId::kLargeList: return ReadList<int64_t>(col, type, length, where);
      case TypeId::kListView: return ReadListView<int32_t>(col, type, length, where);
      case TypeId::kLargeListView: return ReadListView<int64_t>(col, type, length, where);
      case TypeId::kFixedSizeList: return ReadFixedSizeList(col, type, length, where);
      case TypeId::kStruct: return ReadStruct(col, type, length, where);
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: return ReadUnion(col, type, length, where);
      case TypeId::kRunEndEncoded: return ReadRunEndEncoded(col, type, length, where);
      case TypeId::kDictionary:
        // A dictionary type can only appear through a field (which carries the id).
        return Status::Internal(where + ": dictionary type without a field");
    }
    return Status::Internal(where + ": unhandled type " + type->ToString());
  }

  Result<ArrayPtr> ReadBool(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(const Json* data, Values(col, "DATA", length, where));
    uint8_t* bits = nullptr;
    BufferPtr values = AllocateBuffer(bit::BytesFor(length), &bits);
    for (int64_t i = 0; i < length; ++i) {
      const Json& e = (*data)[static_cast<size_t>(i)];
      bool b;
      if (e.is_boolean()) {
        b = e.get<bool>();
      } else if (e.is_number_integer() && (e == 0 || e == 1)) {
        b = e == 1;
      } else {
        return Malformed(At(where, "DATA", i), "expected true/false, got " + e.dump());
      }
      if (b) bit::Set(bits, i);
    }
    return Make(type, length, {validity.bits, values}, {}, validity.null_count);
  }

  template <typename T>
  Result<ArrayPtr> ReadInts(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(BufferPtr values, IntBuffer<T>(col, "DATA", length, where));
    return Make(type, length, {validity.bits, values}, {}, validity.null_count);
  }

  Result<ArrayPtr> ReadFloats(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(const Json* data, Values(col, "DATA", length, where));
    const int width = type->bit_width() / 8;
    uint8_t* out = nullptr;
    BufferPtr values = AllocateBuffer(length * width, &out);
    for (int64_t i = 0; i < length; ++i) {
      HANGAR_ASSIGN_OR_RETURN(double d, FloatValue((*data)[static_cast<size_t>(i)], At(where, "DATA", i)));
      if (width == 2) {
        StoreAt<uint16_t>(out, i, FloatToHalf(static_cast<float>(d)));
      } else if (width == 4) {
        StoreAt<float>(out, i, static_cast<float>(d));
      } else {
        StoreAt<double>(out, i, d);
      }
    }
    return Make(type, length, {validity.bits, values}, {}, validity.null_count);
  }

  Result<ArrayPtr> ReadDecimals(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(const Json* data, Values(col, "DATA", length, where));
    const int width = type->bit_width() / 8;
    uint8_t* out = nullptr;
    BufferPtr values = AllocateBuffer(length * width, &out);
    for (int64_t i = 0; i < length; ++i) {
      const Json& e = (*data)[static_cast<size_t>(i)];
      std::string text;
      if (e.is_string()) {
        text = e.get<std::string>();
      } else if (e.is_number_integer()) {
        text = e.dump();
      } else {
        return Malformed(At(where, "DATA", i), "expected a decimal string, got " + KindName(e));
      }
      Status st = DecimalFromString(text, width, out + i * width);
      if (!st.ok()) return Malformed(At(where, "DATA", i), st.message());
    }
    return Make(type, length, {validity.bits, values}, {}, validity.null_count);
  }

  Result<ArrayPtr> ReadFixedSizeBinary(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(const Json* data, Values(col, "DATA", length, where));
    const int64_t width = type->byte_width();
    uint8_t* out = nullptr;
    BufferPtr values = AllocateBuffer(length * width, &out);
    for (int64_t i = 0; i < length; ++i) {
      const Json& e = (*data)[static_cast<size_t>(i)];
      const bool ok_shape = e.is_string() && static_cast<int64_t>(e.get_ref<const std::string&>().size()) == 2 * width;
      if (!ok_shape) {
        // Values under a null slot do not matter; tolerate writers that
        // leave them out, keep the slot zeroed.
        if (!validity.IsValid(i)) continue;
        return Malformed(At(where, "DATA", i), "expected a hex string of " + std::to_string(width) + " bytes, got " +
                                                   (e.is_string() ? "\"" + e.get<std::string>() + "\"" : KindName(e)));
      }
      Status st = HexDecode(e.get_ref<const std::string&>(), out + i * width);
      if (!st.ok()) return Malformed(At(where, "DATA", i), st.message());
    }
    return Make(type, length, {validity.bits, values}, {}, validity.null_count);
  }

  Result<ArrayPtr> ReadIntervals(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(const Json* data, Values(col, "DATA", length, where));
    const bool mdn = type->id() == TypeId::kIntervalMonthDayNano;
    const int64_t width = mdn ? 16 : 8;
    uint8_t* out = nullptr;
    BufferPtr values = AllocateBuffer(length * width, &out);
    for (int64_t i = 0; i < length; ++i) {
      const Json& e = (*data)[static_cast<size_t>(i)];
      const std::string w = At(where, "DATA", i);
      if (!e.is_object()) return Malformed(w, "expected an interval object, got " + KindName(e));
      // Null slots may be written as {} (Arrow C++ does): leave them zero.
      if (!validity.IsValid(i) && e.empty()) continue;
      uint8_t* slot = out + i * width;
      if (mdn) {
        HANGAR_ASSIGN_OR_RETURN(const Json* months, RequireMember(e, "months", w));
        HANGAR_ASSIGN_OR_RETURN(const Json* days, RequireMember(e, "days", w));
        HANGAR_ASSIGN_OR_RETURN(const Json* nanos, RequireMember(e, "nanoseconds", w));
        HANGAR_ASSIGN_OR_RETURN(int64_t m, SignedValue(*months, 32, w + ".months"));
        HANGAR_ASSIGN_OR_RETURN(int64_t d, SignedValue(*days, 32, w + ".days"));
        HANGAR_ASSIGN_OR_RETURN(int64_t ns, SignedValue(*nanos, 64, w + ".nanoseconds"));
        StoreAt<int32_t>(slot, 0, static_cast<int32_t>(m));
        StoreAt<int32_t>(slot, 1, static_cast<int32_t>(d));
        StoreAt<int64_t>(slot, 1, ns);  // bytes 8..15
      } else {
        HANGAR_ASSIGN_OR_RETURN(const Json* days, RequireMember(e, "days", w));
        HANGAR_ASSIGN_OR_RETURN(const Json* ms, RequireMember(e, "milliseconds", w));
        HANGAR_ASSIGN_OR_RETURN(int64_t d, SignedValue(*days, 32, w + ".days"));
        HANGAR_ASSIGN_OR_RETURN(int64_t m, SignedValue(*ms, 32, w + ".milliseconds"));
        StoreAt<int32_t>(slot, 0, static_cast<int32_t>(d));
        StoreAt<int32_t>(slot, 1, static_cast<int32_t>(m));
      }
    }
    return Make(type, length, {validity.bits, values}, {}, validity.null_count);
  }

  // utf8 is JSON text; binary is hex. Each entry must fill exactly its
  // OFFSET span, so the data buffer is what the offsets describe.
  template <typename T>
  Result<ArrayPtr> ReadBinary(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    const bool is_utf8 = type->id() == TypeId::kUtf8 || type->id() == TypeId::kLargeUtf8;
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(BufferPtr offsets,
                            Offsets<T>(col, length, kMaxDataBytes, "largest data buffer allowed", where));
    HANGAR_ASSIGN_OR_RETURN(const Json* data, Values(col, "DATA", length, where));
    const uint8_t* offs = offsets->data();
    const int64_t size = LoadValue<T>(offs, length);
    uint8_t* out = nullptr;
    BufferPtr bytes = AllocateBuffer(size, &out);
    for (int64_t i = 0; i < length; ++i) {
      const Json& e = (*data)[static_cast<size_t>(i)];
      const std::string w = At(where, "DATA", i);
      if (!e.is_string()) return Malformed(w, "expected a string, got " + KindName(e));
      const std::string& s = e.get_ref<const std::string&>();
      const int64_t begin = LoadValue<T>(offs, i);
      const int64_t span = LoadValue<T>(offs, i + 1) - begin;
      const int64_t n = is_utf8 ? static_cast<int64_t>(s.size()) : static_cast<int64_t>(s.size() / 2);
      if (!is_utf8 && s.size() % 2 != 0) return Malformed(w, "hex string has odd length");
      if (n != span) {
        return Malformed(w, "value is " + std::to_string(n) + " bytes but OFFSET gives it " + std::to_string(span));
      }
      if (is_utf8) {
        if (n > 0) std::memcpy(out + begin, s.data(), static_cast<size_t>(n));
      } else {
        Status st = HexDecode(s, out + begin);
        if (!st.ok()) return Malformed(w, st.message());
      }
    }
    return Make(type, length, {validity.bits, offsets, bytes}, {}, validity.null_count);
  }

  // Views: 16 bytes each. Short values (<= 12 bytes) are inline; longer ones
  // keep a 4-byte prefix and point into one of the variadic data buffers.
  Result<ArrayPtr> ReadViews(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    const bool is_utf8 = type->id() == TypeId::kUtf8View;
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(const Json* views, Values(col, "VIEWS", length, where));
    std::vector<BufferPtr> buffers{validity.bits, nullptr};
    if (const Json* vb = FindMember(col, "VARIADIC_DATA_BUFFERS"); vb != nullptr && !vb->is_null()) {
      if (!vb->is_array()) return Malformed(where, "VARIADIC_DATA_BUFFERS must be an array");
      for (size_t b = 0; b < vb->size(); ++b) {
        const Json& e = (*vb)[b];
        const std::string w = At(where, "VARIADIC_DATA_BUFFERS", static_cast<int64_t>(b));
        if (!e.is_string()) return Malformed(w, "expected a hex string, got " + KindName(e));
        const std::string& hex = e.get_ref<const std::string&>();
        uint8_t* out = nullptr;
        BufferPtr buf = AllocateBuffer(static_cast<int64_t>(hex.size() / 2), &out);
        Status st = HexDecode(hex, out);
        if (!st.ok()) return Malformed(w, st.message());
        buffers.push_back(std::move(buf));
      }
    }
    const int64_t num_data = static_cast<int64_t>(buffers.size()) - 2;
    uint8_t* out = nullptr;
    buffers[1] = AllocateBuffer(length * 16, &out);
    for (int64_t i = 0; i < length; ++i) {
      // Null slots are left as all-zero views whatever the file says.
      if (!validity.IsValid(i)) continue;
      const Json& e = (*views)[static_cast<size_t>(i)];
      const std::string w = At(where, "VIEWS", i);
      HANGAR_ASSIGN_OR_RETURN(int64_t size, GetInt(e, "SIZE", w));
      if (size < 0 || size > INT32_MAX) return Malformed(w, "SIZE " + std::to_string(size) + " is out of range");
      uint8_t* view = out + i * 16;
      StoreAt<int32_t>(view, 0, static_cast<int32_t>(size));
      if (size <= 12) {
        HANGAR_ASSIGN_OR_RETURN(std::string inlined, GetString(e, "INLINED", w));
        const int64_t n = is_utf8 ? static_cast<int64_t>(inlined.size()) : static_cast<int64_t>(inlined.size() / 2);
        if (n != size || (!is_utf8 && inlined.size() % 2 != 0)) {
          return Malformed(w, "INLINED holds " + std::to_string(n) + " bytes but SIZE is " + std::to_string(size));
        }
        if (is_utf8) {
          if (n > 0) std::memcpy(view + 4, inlined.data(), static_cast<size_t>(n));
        } else {
          Status st = HexDecode(inlined, view + 4);
          if (!st.ok()) return Malformed(w + ".INLINED", st.message());
        }
        continue;
      }
      HANGAR_ASSIGN_OR_RETURN(std::string prefix, GetString(e, "PREFIX_HEX", w));
      HANGAR_ASSIGN_OR_RETURN(int64_t index, GetInt(e, "BUFFER_INDEX", w));
      HANGAR_ASSIGN_OR_RETURN(int64_t offset, GetInt(e, "OFFSET", w));
      if (prefix.size() != 8) return Malformed(w, "PREFIX_HEX must be 4 bytes (8 hex digits)");
      if (Status st = HexDecode(prefix, view + 4); !st.ok()) return Malformed(w + ".PREFIX_HEX", st.message());
      if (index < 0 || index >= num_data) {
        return Malformed(w, "BUFFER_INDEX " + std::to_string(index) + " is not one of the " + std::to_string(num_data) +
                                " variadic data buffers");
      }
      const BufferPtr& target = buffers[static_cast<size_t>(index) + 2];
      if (offset < 0 || offset > INT32_MAX || offset + size > target->size()) {
        return Malformed(w, "bytes [" + std::to_string(offset) + ", " + std::to_string(offset + size) +
                                ") are outside variadic buffer " + std::to_string(index) + " of " +
                                std::to_string(target->size()) + " bytes");
      }
      if (std::memcmp(view + 4, target->data() + offset, 4) != 0) {
        return Malformed(w, "PREFIX_HEX does not match the first bytes of the value");
      }
      StoreAt<int32_t>(view, 2, static_cast<int32_t>(index));
      StoreAt<int32_t>(view, 3, static_cast<int32_t>(offset));
    }
    return Make(type, length, std::move(buffers), {}, validity.null_count);
  }

  template <typename T>
  Result<ArrayPtr> ReadList(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(std::vector<ArrayPtr> children, Children(col, *type, where));
    HANGAR_ASSIGN_OR_RETURN(BufferPtr offsets, Offsets<T>(col, length, children[0]->length,
                                                          "length of child " + Quote(type->child(0)->name()), where));
    return Make(type, length, {validity.bits, offsets}, std::move(children), validity.null_count);
  }

  template <typename T>
  Result<ArrayPtr> ReadListView(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(std::vector<ArrayPtr> children, Children(col, *type, where));
    HANGAR_ASSIGN_OR_RETURN(BufferPtr offsets, IntBuffer<T>(col, "OFFSET", length, where));
    HANGAR_ASSIGN_OR_RETURN(BufferPtr sizes, IntBuffer<T>(col, "SIZE", length, where));
    const int64_t child_length = children[0]->length;
    for (int64_t i = 0; i < length; ++i) {
      const int64_t off = LoadValue<T>(offsets->data(), i);
      const int64_t size = LoadValue<T>(sizes->data(), i);
      if (off < 0 || size < 0 || off > child_length || size > child_length - off) {
        return Malformed(where + ": row " + std::to_string(i), "list view [" + std::to_string(off) + ", +" +
                                                                   std::to_string(size) + ") is outside the child of " +
                                                                   std::to_string(child_length) + " values");
      }
    }
    return Make(type, length, {validity.bits, offsets, sizes}, std::move(children), validity.null_count);
  }

  Result<ArrayPtr> ReadFixedSizeList(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(std::vector<ArrayPtr> children, Children(col, *type, where));
    const int64_t size = type->list_size();
    if (size > 0 && length > INT64_MAX / size) return Malformed(where, "count times listSize overflows");
    HANGAR_RETURN_NOT_OK(ChildAtLeast(children[0], length * size, where, *type->child(0)));
    return Make(type, length, {validity.bits}, std::move(children), validity.null_count);
  }

  Result<ArrayPtr> ReadStruct(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(Validity validity, ReadValidity(col, length, where));
    HANGAR_ASSIGN_OR_RETURN(std::vector<ArrayPtr> children, Children(col, *type, where));
    for (size_t i = 0; i < children.size(); ++i) {
      HANGAR_RETURN_NOT_OK(ChildAtLeast(children[i], length, where, *type->child(i)));
    }
    return Make(type, length, {validity.bits}, std::move(children), validity.null_count);
  }

  // Unions have no validity bitmap (files from before Arrow 1.0 still carry
  // a VALIDITY member for them; it is ignored, as Arrow C++ does).
  Result<ArrayPtr> ReadUnion(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    const bool dense = type->id() == TypeId::kDenseUnion;
    HANGAR_ASSIGN_OR_RETURN(BufferPtr type_ids, IntBuffer<int8_t>(col, "TYPE_ID", length, where));
    HANGAR_ASSIGN_OR_RETURN(std::vector<ArrayPtr> children, Children(col, *type, where));
    int child_of_code[128];
    std::fill(std::begin(child_of_code), std::end(child_of_code), -1);
    for (size_t c = 0; c < type->type_codes().size(); ++c) child_of_code[type->type_codes()[c]] = static_cast<int>(c);
    BufferPtr offsets;
    if (dense) {
      HANGAR_ASSIGN_OR_RETURN(offsets, IntBuffer<int32_t>(col, "OFFSET", length, where));
    } else {
      for (size_t i = 0; i < children.size(); ++i) {
        HANGAR_RETURN_NOT_OK(ChildAtLeast(children[i], length, where, *type->child(i)));
      }
    }
    for (int64_t i = 0; i < length; ++i) {
      const int8_t code = LoadValue<int8_t>(type_ids->data(), i);
      const int child = code >= 0 ? child_of_code[code] : -1;
      if (child < 0)
        return Malformed(At(where, "TYPE_ID", i),
                         "type id " + std::to_string(code) + " is not declared by the union type");
      if (dense) {
        const int32_t off = LoadValue<int32_t>(offsets->data(), i);
        if (off < 0 || off >= children[child]->length) {
          return Malformed(At(where, "OFFSET", i), "offset " + std::to_string(off) + " is outside child " +
                                                       Quote(type->child(child)->name()) + " of " +
                                                       std::to_string(children[child]->length) + " values");
        }
      }
    }
    std::vector<BufferPtr> buffers{type_ids};
    if (dense) buffers.push_back(offsets);
    return Make(type, length, std::move(buffers), std::move(children), 0);
  }

  Result<ArrayPtr> ReadRunEndEncoded(const Json& col, const TypePtr& type, int64_t length, const std::string& where) {
    HANGAR_ASSIGN_OR_RETURN(std::vector<ArrayPtr> children, Children(col, *type, where));
    const Array& run_ends = *children[0];
    const std::string rwhere = where + " child " + Quote(type->child(0)->name());
    if (run_ends.null_count() != 0) return Malformed(rwhere, "run ends must not be null");
    if (children[1]->length < run_ends.length) {
      return Malformed(where, "has " + std::to_string(run_ends.length) + " run ends but only " +
                                  std::to_string(children[1]->length) + " values");
    }
    const uint8_t* data = run_ends.length > 0 ? run_ends.buffers[1]->data() : nullptr;
    const int width = run_ends.type->bit_width() / 8;
    int64_t prev = 0;
    for (int64_t i = 0; i < run_ends.length; ++i) {
      const int64_t end = width == 2   ? LoadValue<int16_t>(data, i)
                          : width == 4 ? LoadValue<int32_t>(data, i)
                                       : LoadValue<int64_t>(data, i);
      if (end <= prev) {
        return Malformed(At(rwhere, "DATA", i), "run ends must be positive and strictly increasing (" +
                                                    std::to_string(prev) + " then " + std::to_string(end) + ")");
      }
      prev = end;
    }
    if (prev < length) {
      return Malformed(where,
                       "run ends cover " + std::to_string(prev) + " rows but count is " + std::to_string(length));
    }
    return Make(type, length, {}, std::move(children), 0);
  }

  const ArrayReadContext& ctx_;
};

}  // namespace

Result<ArrayPtr> ArrayFromJson(const Json& column, const Field& field, const ArrayReadContext& ctx,
                               const std::string& where) {
  Reader reader(ctx);
  return reader.Read(column, field, where);
}

}  // namespace hangar::arrow::json
