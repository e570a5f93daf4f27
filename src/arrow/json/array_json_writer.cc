// Array -> JSON column. Logical values are written, so an array's offset is
// applied here: own buffers are read from `offset`, and the children that the
// layout does not re-slice (struct, fixed-size list, sparse union, run-end
// encoded) are sliced to the rows this array covers.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "arrow/json/array_json.h"
#include "arrow/json/value_codec.h"

namespace hangar::arrow::json {

namespace {

std::string Row(const std::string& where, int64_t i) { return where + " row " + std::to_string(i); }

// JSON numbers cannot be NaN or infinite; those are written as strings.
Json FloatJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

// Replaces every byte that is not part of a well-formed UTF-8 sequence with
// '?', keeping the byte length (used only for values under null slots, whose
// content does not matter but whose length must match the offsets).
std::string ScrubUtf8(std::string_view s) {
  std::string out(s);
  size_t i = 0;
  while (i < out.size()) {
    size_t len = 4;
    while (len > 0 && !(i + len <= out.size() && IsValidUtf8(std::string_view(out).substr(i, len)))) --len;
    if (len == 0) {
      out[i++] = '?';
    } else {
      i += len;
    }
  }
  return out;
}

class Writer {
 public:
  Result<Json> Write(std::string_view name, const Array& a, const std::string& where) {
    Json j = Json::object();
    j["name"] = std::string(name);
    j["count"] = a.length;
    HANGAR_RETURN_NOT_OK(WriteBody(a, where, &j));
    return j;
  }

 private:
  // Fails unless buffer `b` holds at least `bytes` bytes.
  static Status Need(const Array& a, size_t b, int64_t bytes, const std::string& where) {
    if (bytes <= 0) return Status::OK();
    if (b >= a.buffers.size() || a.buffers[b] == nullptr || a.buffers[b]->size() < bytes) {
      return Status::Invalid(where + ": buffer " + std::to_string(b) + " of " + a.type->ToString() + " array holds " +
                             (b < a.buffers.size() && a.buffers[b] ? std::to_string(a.buffers[b]->size()) : "no") +
                             " bytes, needs " + std::to_string(bytes));
    }
    return Status::OK();
  }

  static const uint8_t* Data(const Array& a, size_t b) {
    return b < a.buffers.size() && a.buffers[b] ? a.buffers[b]->data() : nullptr;
  }

  Status WriteValidity(const Array& a, const std::string& where, Json* j) {
    const bool has_bitmap = !a.buffers.empty() && a.buffers[0] != nullptr;
    if (has_bitmap) HANGAR_RETURN_NOT_OK(Need(a, 0, bit::BytesFor(a.offset + a.length), where));
    Json v = Json::array();
    v.get_ref<Json::array_t&>().reserve(static_cast<size_t>(a.length));
    for (int64_t i = 0; i < a.length; ++i) {
      v.push_back(!has_bitmap || bit::Get(a.buffers[0]->data(), a.offset + i) ? 1 : 0);
    }
    (*j)["VALIDITY"] = std::move(v);
    return Status::OK();
  }

  // Integer values of buffer `b` as JSON: numbers up to 32 bits, strings for
  // 64-bit values (JSON readers commonly hold numbers as doubles).
  template <typename T>
  Result<Json> IntValues(const Array& a, size_t b, int64_t start, int64_t count, const std::string& where) {
    HANGAR_RETURN_NOT_OK(Need(a, b, (start + count) * static_cast<int64_t>(sizeof(T)), where));
    const uint8_t* data = Data(a, b);
    Json out = Json::array();
    out.get_ref<Json::array_t&>().reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
      T v = LoadValue<T>(data, start + i);
      if constexpr (sizeof(T) == 8) {
        out.push_back(std::to_string(v));
      } else {
        out.push_back(v);
      }
    }
    return out;
  }

  template <typename T>
  Status WriteInts(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    HANGAR_ASSIGN_OR_RETURN((*j)["DATA"], IntValues<T>(a, 1, a.offset, a.length, where));
    return Status::OK();
  }

  Status WriteBody(const Array& a, const std::string& where, Json* j) {
    const DataType& type = *a.type;
    switch (type.id()) {
      case TypeId::kNull: return Status::OK();
      case TypeId::kBool: {
        HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
        HANGAR_RETURN_NOT_OK(Need(a, 1, bit::BytesFor(a.offset + a.length), where));
        Json data = Json::array();
        for (int64_t i = 0; i < a.length; ++i) data.push_back(bit::Get(a.buffers[1]->data(), a.offset + i));
        (*j)["DATA"] = std::move(data);
        return Status::OK();
      }
      case TypeId::kInt8: return WriteInts<int8_t>(a, where, j);
      case TypeId::kInt16: return WriteInts<int16_t>(a, where, j);
      case TypeId::kInt32:
      case TypeId::kDate32:
      case TypeId::kTime32:
      case TypeId::kIntervalYearMonth: return WriteInts<int32_t>(a, where, j);
      case TypeId::kInt64:
      case TypeId::kDate64:
      case TypeId::kTime64:
      case TypeId::kTimestamp:
      case TypeId::kDuration: return WriteInts<int64_t>(a, where, j);
      case TypeId::kUInt8: return WriteInts<uint8_t>(a, where, j);
      case TypeId::kUInt16: return WriteInts<uint16_t>(a, where, j);
      case TypeId::kUInt32: return WriteInts<uint32_t>(a, where, j);
      case TypeId::kUInt64: return WriteInts<uint64_t>(a, where, j);
      case TypeId::kFloat16:
      case TypeId::kFloat32:
      case TypeId::kFloat64: return WriteFloats(a, where, j);
      case TypeId::kDecimal32:
      case TypeId::kDecimal64:
      case TypeId::kDecimal128:
      case TypeId::kDecimal256: return WriteDecimals(a, where, j);
      case TypeId::kFixedSizeBinary: return WriteFixedSizeBinary(a, where, j);
      case TypeId::kIntervalDayTime:
      case TypeId::kIntervalMonthDayNano: return WriteIntervals(a, where, j);
      case TypeId::kUtf8:
      case TypeId::kBinary: return WriteBinary<int32_t>(a, where, j);
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: return WriteBinary<int64_t>(a, where, j);
      case TypeId::kUtf8View:
      case TypeId::kBinaryView: return WriteViews(a, where, j);
      case TypeId::kList:
      case TypeId::kMap: return WriteList<int32_t>(a, where, j);
      case TypeId::kLargeList: return WriteList<int64_t>(a, where, j);
      case TypeId::kListView: return WriteListView<int32_t>(a, where, j);
      case TypeId::kLargeListView: return WriteListView<int64_t>(a, where, j);
      case TypeId::kFixedSizeList: {
        HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
        const int64_t n = type.list_size();
        return WriteChildren(a, {Sliced(a, 0, a.offset * n, a.length * n, where)}, where, j);
      }
      case TypeId::kStruct: {
        HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
        std::vector<Result<ArrayPtr>> children;
        for (size_t c = 0; c < type.children().size(); ++c) children.push_back(Sliced(a, c, a.offset, a.length, where));
        return WriteChildren(a, std::move(children), where, j);
      }
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: return WriteUnion(a, where, j);
      case TypeId::kDictionary: return WriteIndices(a, where, j);
      case TypeId::kRunEndEncoded: return WriteRunEndEncoded(a, where, j);
    }
    return Status::Internal(where + ": unhandled type " + type.ToString());
  }

  // Child `c` restricted to [offset, offset + length).
  static Result<ArrayPtr> Sliced(const Array& a, size_t c, int64_t offset, int64_t length, const std::string& where) {
    if (c >= a.children.size() || a.children[c] == nullptr) {
      return Status::Invalid(where + ": " + a.type->ToString() + " array lacks child " + std::to_string(c));
    }
    const ArrayPtr& child = a.children[c];
    if (child->length < offset + length) {
      return Status::Invalid(where + ": child " + std::to_string(c) + " has " + std::to_string(child->length) +
                             " values, the parent needs " + std::to_string(offset + length));
    }
    if (offset == 0 && length == child->length) return child;
    return child->Slice(offset, length);
  }

  Status WriteChildren(const Array& a, std::vector<Result<ArrayPtr>> children, const std::string& where, Json* j) {
    const DataType& type = *a.type;
    if (children.size() != type.children().size()) {
      return Status::Invalid(where + ": " + type.ToString() + " array has " + std::to_string(children.size()) +
                             " children");
    }
    if (children.empty()) return Status::OK();  // some readers reject an empty "children"
    Json out = Json::array();
    for (size_t c = 0; c < children.size(); ++c) {
      if (!children[c].ok()) return children[c].status();
      const std::string& name = type.child(c)->name();
      HANGAR_ASSIGN_OR_RETURN(Json cj, Write(name, **children[c], where + " child " + Quote(name)));
      out.push_back(std::move(cj));
    }
    (*j)["children"] = std::move(out);
    return Status::OK();
  }

  std::vector<Result<ArrayPtr>> Whole(const Array& a, const std::string& where) {
    std::vector<Result<ArrayPtr>> out;
    for (size_t c = 0; c < a.type->children().size(); ++c) {
      if (c >= a.children.size() || a.children[c] == nullptr) {
        out.push_back(Status::Invalid(where + ": " + a.type->ToString() + " array lacks child " + std::to_string(c)));
      } else {
        out.push_back(a.children[c]);
      }
    }
    return out;
  }

  Status WriteFloats(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    const int width = a.type->bit_width() / 8;
    HANGAR_RETURN_NOT_OK(Need(a, 1, (a.offset + a.length) * width, where));
    const uint8_t* data = Data(a, 1);
    Json out = Json::array();
    for (int64_t i = 0; i < a.length; ++i) {
      const int64_t k = a.offset + i;
      if (width == 2) {
        out.push_back(FloatJson(FloatForPrinting(HalfToFloat(LoadValue<uint16_t>(data, k)))));
      } else if (width == 4) {
        out.push_back(FloatJson(FloatForPrinting(LoadValue<float>(data, k))));
      } else {
        out.push_back(FloatJson(LoadValue<double>(data, k)));
      }
    }
    (*j)["DATA"] = std::move(out);
    return Status::OK();
  }

  Status WriteDecimals(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    const int width = a.type->bit_width() / 8;
    HANGAR_RETURN_NOT_OK(Need(a, 1, (a.offset + a.length) * width, where));
    Json out = Json::array();
    for (int64_t i = 0; i < a.length; ++i) {
      out.push_back(DecimalToString(Data(a, 1) + (a.offset + i) * width, width));
    }
    (*j)["DATA"] = std::move(out);
    return Status::OK();
  }

  Status WriteFixedSizeBinary(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    const int64_t width = a.type->byte_width();
    HANGAR_RETURN_NOT_OK(Need(a, 1, (a.offset + a.length) * width, where));
    Json out = Json::array();
    for (int64_t i = 0; i < a.length; ++i) {
      out.push_back(width == 0 ? std::string() : HexEncode(Data(a, 1) + (a.offset + i) * width, width));
    }
    (*j)["DATA"] = std::move(out);
    return Status::OK();
  }

  Status WriteIntervals(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    const bool mdn = a.type->id() == TypeId::kIntervalMonthDayNano;
    const int64_t width = mdn ? 16 : 8;
    HANGAR_RETURN_NOT_OK(Need(a, 1, (a.offset + a.length) * width, where));
    Json out = Json::array();
    for (int64_t i = 0; i < a.length; ++i) {
      const uint8_t* slot = Data(a, 1) + (a.offset + i) * width;
      Json v = Json::object();
      if (mdn) {
        v["months"] = LoadValue<int32_t>(slot, 0);
        v["days"] = LoadValue<int32_t>(slot, 1);
        v["nanoseconds"] = LoadValue<int64_t>(slot, 1);
      } else {
        v["days"] = LoadValue<int32_t>(slot, 0);
        v["milliseconds"] = LoadValue<int32_t>(slot, 1);
      }
      out.push_back(std::move(v));
    }
    (*j)["DATA"] = std::move(out);
    return Status::OK();
  }

  template <typename T>
  Status WriteBinary(const Array& a, const std::string& where, Json* j) {
    const bool is_utf8 = a.type->id() == TypeId::kUtf8 || a.type->id() == TypeId::kLargeUtf8;
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    HANGAR_RETURN_NOT_OK(Need(a, 1, (a.offset + a.length + 1) * static_cast<int64_t>(sizeof(T)), where));
    HANGAR_ASSIGN_OR_RETURN((*j)["OFFSET"], IntValues<T>(a, 1, a.offset, a.length + 1, where));
    const uint8_t* offs = Data(a, 1);
    const int64_t data_size = a.buffers.size() > 2 && a.buffers[2] ? a.buffers[2]->size() : 0;
    Json out = Json::array();
    for (int64_t i = 0; i < a.length; ++i) {
      const int64_t begin = LoadValue<T>(offs, a.offset + i);
      const int64_t end = LoadValue<T>(offs, a.offset + i + 1);
      if (begin < 0 || end < begin || end > data_size) {
        return Status::Invalid(Row(where, i) + ": offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") are outside the data buffer of " + std::to_string(data_size) + " bytes");
      }
      std::string_view bytes(reinterpret_cast<const char*>(Data(a, 2)) + begin, static_cast<size_t>(end - begin));
      if (!is_utf8) {
        out.push_back(HexEncode(bytes));
      } else if (IsValidUtf8(bytes)) {
        out.push_back(std::string(bytes));
      } else if (a.IsNull(i)) {
        out.push_back(ScrubUtf8(bytes));
      } else {
        return Status::Invalid(Row(where, i) + ": utf8 value is not valid UTF-8");
      }
    }
    (*j)["DATA"] = std::move(out);
    return Status::OK();
  }

  Status WriteViews(const Array& a, const std::string& where, Json* j) {
    const bool is_utf8 = a.type->id() == TypeId::kUtf8View;
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    HANGAR_RETURN_NOT_OK(Need(a, 1, (a.offset + a.length) * 16, where));
    const int64_t num_data = static_cast<int64_t>(a.buffers.size()) - 2;
    Json views = Json::array();
    for (int64_t i = 0; i < a.length; ++i) {
      Json v = Json::object();
      if (a.IsNull(i)) {  // content under a null slot is irrelevant
        v["SIZE"] = 0;
        v["INLINED"] = "";
        views.push_back(std::move(v));
        continue;
      }
      const uint8_t* view = Data(a, 1) + (a.offset + i) * 16;
      const int32_t size = LoadValue<int32_t>(view, 0);
      if (size < 0) return Status::Invalid(Row(where, i) + ": negative view size");
      v["SIZE"] = size;
      if (size <= 12) {
        std::string_view bytes(reinterpret_cast<const char*>(view + 4), static_cast<size_t>(size));
        if (!is_utf8) {
          v["INLINED"] = HexEncode(bytes);
        } else if (IsValidUtf8(bytes)) {
          v["INLINED"] = std::string(bytes);
        } else {
          return Status::Invalid(Row(where, i) + ": utf8_view value is not valid UTF-8");
        }
      } else {
        const int32_t index = LoadValue<int32_t>(view, 2);
        const int32_t offset = LoadValue<int32_t>(view, 3);
        if (index < 0 || index >= num_data || a.buffers[index + 2] == nullptr || offset < 0 ||
            static_cast<int64_t>(offset) + size > a.buffers[index + 2]->size()) {
          return Status::Invalid(Row(where, i) + ": view points outside its data buffers");
        }
        v["PREFIX_HEX"] = HexEncode(view + 4, 4);
        v["BUFFER_INDEX"] = index;
        v["OFFSET"] = offset;
      }
      views.push_back(std::move(v));
    }
    (*j)["VIEWS"] = std::move(views);
    Json bufs = Json::array();
    for (int64_t b = 0; b < num_data; ++b) {
      const BufferPtr& buf = a.buffers[b + 2];
      bufs.push_back(buf ? HexEncode(buf->data(), buf->size()) : std::string());
    }
    (*j)["VARIADIC_DATA_BUFFERS"] = std::move(bufs);
    return Status::OK();
  }

  template <typename T>
  Status WriteList(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    HANGAR_ASSIGN_OR_RETURN((*j)["OFFSET"], IntValues<T>(a, 1, a.offset, a.length + 1, where));
    return WriteChildren(a, Whole(a, where), where, j);
  }

  template <typename T>
  Status WriteListView(const Array& a, const std::string& where, Json* j) {
    HANGAR_RETURN_NOT_OK(WriteValidity(a, where, j));
    HANGAR_ASSIGN_OR_RETURN((*j)["OFFSET"], IntValues<T>(a, 1, a.offset, a.length, where));
    HANGAR_ASSIGN_OR_RETURN((*j)["SIZE"], IntValues<T>(a, 2, a.offset, a.length, where));
    return WriteChildren(a, Whole(a, where), where, j);
  }

  Status WriteUnion(const Array& a, const std::string& where, Json* j) {
    const bool dense = a.type->id() == TypeId::kDenseUnion;
    HANGAR_ASSIGN_OR_RETURN((*j)["TYPE_ID"], IntValues<int8_t>(a, 0, a.offset, a.length, where));
    if (dense) {
      HANGAR_ASSIGN_OR_RETURN((*j)["OFFSET"], IntValues<int32_t>(a, 1, a.offset, a.length, where));
      return WriteChildren(a, Whole(a, where), where, j);
    }
    std::vector<Result<ArrayPtr>> children;
    for (size_t c = 0; c < a.type->children().size(); ++c) children.push_back(Sliced(a, c, a.offset, a.length, where));
    return WriteChildren(a, std::move(children), where, j);
  }

  Status WriteIndices(const Array& a, const std::string& where, Json* j) {
    switch (a.type->index_type()->id()) {
      case TypeId::kInt8: return WriteInts<int8_t>(a, where, j);
      case TypeId::kInt16: return WriteInts<int16_t>(a, where, j);
      case TypeId::kInt32: return WriteInts<int32_t>(a, where, j);
      case TypeId::kInt64: return WriteInts<int64_t>(a, where, j);
      case TypeId::kUInt8: return WriteInts<uint8_t>(a, where, j);
      case TypeId::kUInt16: return WriteInts<uint16_t>(a, where, j);
      case TypeId::kUInt32: return WriteInts<uint32_t>(a, where, j);
      case TypeId::kUInt64: return WriteInts<uint64_t>(a, where, j);
      default: return Status::Invalid(where + ": dictionary index type must be an integer");
    }
  }

  // Run ends are written relative to this array's window [offset, offset +
  // length), with the runs outside it dropped, as Arrow C++ writes them.
  Status WriteRunEndEncoded(const Array& a, const std::string& where, Json* j) {
    if (a.children.size() != 2 || !a.children[0] || !a.children[1]) {
      return Status::Invalid(where + ": run_end_encoded array needs two children");
    }
    const Array& ends = *a.children[0];
    const int width = ends.type->bit_width() / 8;
    HANGAR_RETURN_NOT_OK(Need(ends, 1, (ends.offset + ends.length) * width, where));
    auto end_at = [&](int64_t k) -> int64_t {
      const uint8_t* d = Data(ends, 1);
      const int64_t p = ends.offset + k;
      return width == 2 ? LoadValue<int16_t>(d, p) : width == 4 ? LoadValue<int32_t>(d, p) : LoadValue<int64_t>(d, p);
    };
    // First run that ends after `offset`, then every run up to the one that
    // reaches offset + length.
    int64_t first = 0;
    int64_t last = -1;
    if (a.length > 0) {
      while (first < ends.length && end_at(first) <= a.offset) ++first;
      last = first;
      while (last < ends.length && end_at(last) < a.offset + a.length) ++last;
      if (last >= ends.length) return Status::Invalid(where + ": run ends do not cover the array");
    }
    const int64_t runs = a.length > 0 ? last - first + 1 : 0;
    std::vector<int64_t> logical;
    for (int64_t k = 0; k < runs; ++k) logical.push_back(std::min(end_at(first + k) - a.offset, a.length));
    // A run-end child built from the logical ends, in the run-end type.
    uint8_t* out = nullptr;
    BufferPtr buf = AllocateBuffer(runs * width, &out);
    for (int64_t k = 0; k < runs; ++k) {
      if (width == 2) {
        int16_t v = static_cast<int16_t>(logical[k]);
        std::memcpy(out + 2 * k, &v, 2);
      } else if (width == 4) {
        int32_t v = static_cast<int32_t>(logical[k]);
        std::memcpy(out + 4 * k, &v, 4);
      } else {
        std::memcpy(out + 8 * k, &logical[k], 8);
      }
    }
    ArrayPtr run_ends = MakeArray(ends.type, runs, {nullptr, buf}, {}, 0);
    std::vector<Result<ArrayPtr>> children{run_ends, Sliced(a, 1, first, runs, where)};
    return WriteChildren(a, std::move(children), where, j);
  }
};

}  // namespace

Result<Json> ArrayToJson(std::string_view name, const Array& array, const std::string& where) {
  Writer writer;
  return writer.Write(name, array, where);
}

}  // namespace hangar::arrow::json
