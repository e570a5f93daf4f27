#include "store/storage_types.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/concatenate.h"
#include "arrow/float16.h"
#include "arrow/json/value_codec.h"
#include "arrow/pretty_print.h"
#include "arrow/take.h"
#include "arrow/value_key.h"

namespace hangar::store {

using arrow::Array;
using arrow::ArrayPtr;
using arrow::DataType;
using arrow::TimeUnit;
using arrow::TypeId;
using arrow::TypePtr;

namespace {

// The field DuckDB is given for a field of type `t`: no metadata (DuckDB
// would interpret extension names such as arrow.uuid and return another
// type; the table's schema keeps the metadata).
Result<TypePtr> StorageTypeOf(const DataType& t, const std::string& path);

Result<arrow::FieldPtr> StorageField(const arrow::Field& f, const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(auto type, StorageTypeOf(*f.type(), path + "." + f.name()));
  return arrow::field(f.name(), std::move(type), f.nullable());
}

// Dictionaries of these value types are handed to DuckDB as dictionaries
// (it reads them as their values and writes Parquet dictionary pages); any
// other dictionary is unfolded into its values first: DuckDB 1.4 fails
// internally on some (struct values) and loses others.
bool PassesAsDictionary(const DataType& values) {
  switch (values.id()) {
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kFloat32:
    case TypeId::kFloat64: return true;
    default: return values.is_integer();
  }
}

// A decimal that DuckDB cannot hold (more than 38 digits, or a negative
// scale) is stored as its decimal text.
bool IsWideDecimal(const DataType& t) { return t.is_decimal() && (t.precision() > 38 || t.scale() < 0); }

// The name of a union's type-code field in its storage struct: "type_code"
// unless a member is called that, then with underscores in front.
std::string TypeCodeFieldName(const DataType& u) {
  std::string name = "type_code";
  auto taken = [&]() {
    for (const auto& c : u.children()) {
      if (c->name() == name) return true;
    }
    return false;
  };
  while (taken()) name = "_" + name;
  return name;
}

Result<TypePtr> StorageTypeOf(const DataType& t, const std::string& path) {
  switch (t.id()) {
    case TypeId::kFloat16: return arrow::float32();  // every half float is a float, exactly
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      if (IsWideDecimal(t)) return arrow::utf8();
      return arrow::decimal128(t.precision(), t.scale());
    case TypeId::kDate64:
      // Milliseconds, exactly: a date64 should hold whole days, but the
      // format cannot enforce it and old writers did not (Arrow's own
      // gold files hold times of day); a date would drop them.
      return arrow::timestamp(TimeUnit::kMilli);
    case TypeId::kTime64:
      // DuckDB writes its nanosecond times to Parquet as text: the integer is exact.
      if (t.unit() == TimeUnit::kNano) return arrow::int64();
      break;
    case TypeId::kTimestamp:
      // DuckDB has nanosecond timestamps only without a zone: zoned ones are
      // stored as UTC instants and the zone comes back from the schema.
      if (t.unit() == TimeUnit::kNano && !t.timezone().empty()) return arrow::timestamp(TimeUnit::kNano);
      break;
    // No Parquet type holds these exactly (Parquet intervals are unsigned
    // and in milliseconds): their bytes are stored as integers.
    case TypeId::kDuration: return arrow::int64();
    case TypeId::kIntervalYearMonth: return arrow::int32();
    case TypeId::kIntervalDayTime: return arrow::int64();
    case TypeId::kIntervalMonthDayNano: return arrow::fixed_size_binary(16);
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      // A struct of the type code and one nullable field per member, the
      // selected one set: the shape DuckDB gives its own unions in Parquet.
      std::vector<arrow::FieldPtr> children = {arrow::field(TypeCodeFieldName(t), arrow::int8(), false)};
      for (const auto& c : t.children()) {
        HANGAR_ASSIGN_OR_RETURN(auto child, StorageTypeOf(*c->type(), path + "." + c->name()));
        children.push_back(arrow::field(c->name(), std::move(child), true));
      }
      return arrow::struct_(std::move(children));
    }
    case TypeId::kRunEndEncoded:  // one value per row
      return StorageTypeOf(*t.child(1)->type(), path);
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView:
    case TypeId::kFixedSizeList:
    case TypeId::kMap: {
      HANGAR_ASSIGN_OR_RETURN(auto child, StorageField(*t.child(0), path));
      switch (t.id()) {
        case TypeId::kList: return arrow::list(child);
        case TypeId::kLargeList: return arrow::large_list(child);
        // DuckDB 1.4 misreads the child validity of sliced list views: they
        // are handed over as lists.
        case TypeId::kListView: return arrow::list(child);
        case TypeId::kLargeListView: return arrow::large_list(child);
        case TypeId::kFixedSizeList: return arrow::fixed_size_list(child, t.list_size());
        default: return arrow::map(child, t.keys_sorted());
      }
    }
    case TypeId::kStruct: {
      // DuckDB has no STRUCT without fields: such a column cannot be stored.
      if (t.num_children() == 0)
        return Status::Invalid("column '" + path + "': a struct without fields cannot be stored in a table");
      std::vector<arrow::FieldPtr> children;
      for (const auto& c : t.children()) {
        HANGAR_ASSIGN_OR_RETURN(auto child, StorageField(*c, path));
        children.push_back(std::move(child));
      }
      return arrow::struct_(std::move(children));
    }
    case TypeId::kDictionary: {
      HANGAR_ASSIGN_OR_RETURN(auto values, StorageTypeOf(*t.value_type(), path));
      if (!PassesAsDictionary(*t.value_type())) return values;
      return arrow::dictionary(t.index_type(), std::move(values), t.ordered());
    }
    default: break;
  }
  return std::make_shared<DataType>(t);  // as it is
}

// --- Arrays into and out of their storage form -------------------------------------------

// `a` with type `to`, sharing every buffer; children and dictionary follow
// `to`'s children. Only for types of the same physical layout.
ArrayPtr Relabel(const ArrayPtr& a, const TypePtr& to) {
  auto out = std::make_shared<Array>(*a);
  out->type = to;
  if (to->id() == TypeId::kDictionary) {
    out->dictionary = Relabel(a->dictionary, to->value_type());
  } else {
    for (size_t i = 0; i < out->children.size() && i < to->children().size(); ++i)
      out->children[i] = Relabel(a->children[i], to->child(static_cast<int>(i))->type());
  }
  return out;
}

// A fixed-width array of `to` computed slot by slot from `a` (same offset,
// same validity), by `convert(in_slot_ptr, out_slot_ptr)`.
template <typename Convert>
ArrayPtr MapFixedWidth(const ArrayPtr& a, const TypePtr& to, int in_width, int out_width, Convert convert) {
  const int64_t n = a->offset + a->length;
  uint8_t* out = nullptr;
  auto values = arrow::AllocateBuffer(n * out_width, &out);
  const uint8_t* in = a->raw<uint8_t>(1);
  for (int64_t i = 0; i < n; ++i) convert(in + i * in_width, out + i * out_width);
  return arrow::MakeArray(to, a->length, {a->buffers[0], std::move(values)}, {}, a->null_count_hint, a->offset);
}

template <typename In, typename Out>
ArrayPtr MapValues(const ArrayPtr& a, const TypePtr& to, Out (*f)(In)) {
  return MapFixedWidth(a, to, sizeof(In), sizeof(Out), [f](const uint8_t* in, uint8_t* out) {
    In v;
    std::memcpy(&v, in, sizeof v);
    Out r = f(v);
    std::memcpy(out, &r, sizeof r);
  });
}

// An int64 time value in `from` units rescaled to `to` units.
ArrayPtr Rescale(const ArrayPtr& a, const TypePtr& to, TimeUnit from_unit, TimeUnit to_unit, int out_width) {
  const int64_t from = UnitsPerSecond(from_unit), target = UnitsPerSecond(to_unit);
  return MapFixedWidth(a, to, 8, out_width, [=](const uint8_t* in, uint8_t* out) {
    int64_t v;
    std::memcpy(&v, in, 8);
    v = target >= from ? v * (target / from) : v / (from / target);
    if (out_width == 8)
      std::memcpy(out, &v, 8);
    else {
      const int32_t v32 = static_cast<int32_t>(v);
      std::memcpy(out, &v32, 4);
    }
  });
}

// Variable-size binary with 32-bit offsets widened to 64-bit (large_*).
ArrayPtr WidenOffsets(const ArrayPtr& a, const TypePtr& to, std::vector<ArrayPtr> children) {
  const int64_t n = a->offset + a->length + 1;
  uint8_t* out = nullptr;
  auto offsets = arrow::AllocateBuffer(n * 8, &out);
  const int32_t* in = a->raw<int32_t>(1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = in[i];
    std::memcpy(out + i * 8, &v, 8);
  }
  std::vector<arrow::BufferPtr> buffers = {a->buffers[0], std::move(offsets)};
  if (a->buffers.size() > 2) buffers.push_back(a->buffers[2]);
  return arrow::MakeArray(to, a->length, std::move(buffers), std::move(children), a->null_count_hint, a->offset);
}

// A list array's offsets as list-view offsets and sizes (32 or 64 bit).
ArrayPtr ListToView(const ArrayPtr& a, const TypePtr& to, ArrayPtr child) {
  const int width = to->id() == TypeId::kLargeListView ? 8 : 4;
  const int64_t n = a->offset + a->length;
  uint8_t *offsets_out = nullptr, *sizes_out = nullptr;
  auto offsets = arrow::AllocateBuffer(n * width, &offsets_out);
  auto sizes = arrow::AllocateBuffer(n * width, &sizes_out);
  const int32_t* in = a->raw<int32_t>(1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t off = in[i], size = in[i + 1] - in[i];
    std::memcpy(offsets_out + i * width, &off, width);  // little-endian: the low bytes
    std::memcpy(sizes_out + i * width, &size, width);
  }
  return arrow::MakeArray(to, a->length, {a->buffers[0], std::move(offsets), std::move(sizes)}, {std::move(child)},
                          a->null_count_hint, a->offset);
}

Result<ArrayPtr> FromStorage(const ArrayPtr& a, const TypePtr& to);

// The validity of `a` as a bitmap starting at row 0 (null when no row is null).
arrow::BufferPtr CopyValidity(const Array& a) {
  if (a.buffers.empty() || a.buffers[0] == nullptr) return nullptr;
  uint8_t* bits = nullptr;
  auto validity = arrow::AllocateBuffer(arrow::bit::BytesFor(a.length), &bits);
  arrow::bit::Copy(a.buffers[0]->data(), a.offset, a.length, bits, 0);
  return validity;
}

// A list array of lists all of length list_size (or null) as fixed_size_list.
Result<ArrayPtr> ListToFixedSize(const ArrayPtr& a, const TypePtr& to) {
  const int64_t size = to->list_size();
  const TypePtr& child_type = to->child(0)->type();
  std::vector<ArrayPtr> pieces;
  for (int64_t i = 0; i < a->length; ++i) {
    int64_t begin = 0, end = 0;
    arrow::ListRange(*a, i, &begin, &end);
    if (a->IsNull(i)) {
      pieces.push_back(arrow::MakeNullArray(a->children[0]->type, size));
    } else if (end - begin != size) {
      return Status::Internal("a list of " + std::to_string(end - begin) + " values in a fixed_size_list column of " +
                              std::to_string(size));
    } else {
      pieces.push_back(a->children[0]->Slice(begin, size));
    }
  }
  ArrayPtr child;
  if (pieces.empty()) {
    child = arrow::MakeNullArray(a->children[0]->type, 0);
  } else {
    HANGAR_ASSIGN_OR_RETURN(child, arrow::Concatenate(pieces));
  }
  HANGAR_ASSIGN_OR_RETURN(child, FromStorage(child, child_type));
  // The validity bitmap is the list's; offset 0 keeps it simple.
  auto sliced = a->offset == 0 ? a->buffers[0] : nullptr;
  if (a->offset != 0 && a->buffers[0]) return Status::Internal("sliced list array from storage");
  return arrow::MakeArray(to, a->length, {sliced}, {std::move(child)}, a->null_count_hint);
}

// An array of the integer type `type` holding `values`, a negative one as null.
Result<ArrayPtr> IntegerArray(const TypePtr& type, const std::vector<int64_t>& values) {
  HANGAR_ASSIGN_OR_RETURN(auto builder, arrow::MakeBuilder(type));
  const size_t width = static_cast<size_t>(type->bit_width() / 8);
  for (int64_t value : values) {
    if (value < 0) {
      builder->AppendNull();
      continue;
    }
    // Little-endian: the low bytes.
    HANGAR_RETURN_NOT_OK(
        arrow::AppendBytes(builder.get(), std::string_view(reinterpret_cast<const char*>(&value), width)));
  }
  return builder->Finish();
}

// Flat values (what DictionaryBuilder memoizes: binary-like, views and
// whole-byte fixed-width values) re-encoded as a dictionary of type `to`.
Result<ArrayPtr> EncodeFlat(const ArrayPtr& values, const TypePtr& to) {
  arrow::DictionaryBuilder builder(to);
  const auto& vt = *values->type;
  const bool variable = vt.is_binary_like() || vt.is_view() || vt.id() == TypeId::kFixedSizeBinary;
  const int64_t width = variable ? 0 : vt.bit_width() / 8;
  for (int64_t i = 0; i < values->length; ++i) {
    if (values->IsNull(i)) {
      builder.AppendNull();
      continue;
    }
    std::string_view bytes =
        variable
            ? arrow::BinaryValue(*values, i)
            : std::string_view(reinterpret_cast<const char*>(values->raw<uint8_t>(1)) + (values->offset + i) * width,
                               static_cast<size_t>(width));
    HANGAR_RETURN_NOT_OK(builder.Append(bytes));
  }
  return builder.Finish();
}

// Values re-encoded as a dictionary of type `to`: each distinct value once,
// in order of first appearance (Invalid if they overflow the index type).
Result<ArrayPtr> Encode(const ArrayPtr& values, const TypePtr& to) {
  const auto& vt = *values->type;
  const bool flat_bytes = vt.is_binary_like() || vt.is_view() || vt.id() == TypeId::kFixedSizeBinary ||
                          (!vt.is_nested() && vt.id() != TypeId::kDictionary && vt.id() != TypeId::kNull &&
                           vt.bit_width() > 0 && vt.bit_width() % 8 == 0);
  if (flat_bytes) return EncodeFlat(values, to);  // the common case, without a key per row
  const int64_t n = values->length;
  std::unordered_map<std::string, int64_t> index_of;
  std::vector<int64_t> firsts;  // row of each dictionary value's first appearance
  std::vector<int64_t> indices(static_cast<size_t>(n), -1);
  std::string key;
  for (int64_t i = 0; i < n; ++i) {
    if (!arrow::IsLogicallyValid(*values, i)) continue;
    key.clear();
    arrow::AppendValueKey(*values, i, &key);
    auto [it, added] = index_of.try_emplace(key, static_cast<int64_t>(firsts.size()));
    if (added) firsts.push_back(i);
    indices[static_cast<size_t>(i)] = it->second;
  }
  const TypePtr& index_type = to->index_type();
  const int index_bits = index_type->bit_width() - (index_type->is_signed_integer() ? 1 : 0);
  if (index_bits < 63 && static_cast<int64_t>(firsts.size()) > (int64_t{1} << index_bits))
    return Status::Invalid(std::to_string(firsts.size()) + " distinct values do not fit a dictionary of " +
                           to->ToString());
  HANGAR_ASSIGN_OR_RETURN(auto dictionary, arrow::Take(values, firsts));
  HANGAR_ASSIGN_OR_RETURN(auto index_array, IntegerArray(index_type, indices));
  return arrow::MakeArray(to, n, index_array->buffers, {}, index_array->null_count_hint, 0, std::move(dictionary));
}

// Values run-end encoded as `to`: equal neighbours (nulls included) make one run.
Result<ArrayPtr> EncodeRuns(const ArrayPtr& values, const TypePtr& to) {
  std::vector<int64_t> starts, ends;
  std::string previous, key;
  for (int64_t i = 0; i < values->length; ++i) {
    key.clear();
    arrow::AppendValueKey(*values, i, &key);
    if (i == 0 || key != previous) {
      if (i > 0) ends.push_back(i);
      starts.push_back(i);
      previous.swap(key);
    }
  }
  if (values->length > 0) ends.push_back(values->length);
  const TypePtr& run_end_type = to->child(0)->type();
  HANGAR_ASSIGN_OR_RETURN(auto run_ends, IntegerArray(run_end_type, ends));
  HANGAR_ASSIGN_OR_RETURN(auto run_values, arrow::Take(values, starts));
  return arrow::MakeArray(to, values->length, {}, {std::move(run_ends), std::move(run_values)}, 0);
}

// The struct storage form (type code, members) back into the union `to`. A
// null struct row (a null slot of a dictionary of unions, say) becomes a
// slot of the first member holding null.
Result<ArrayPtr> UnionFromStorage(const ArrayPtr& a, const TypePtr& to) {
  const auto& codes = to->type_codes();
  if (a->type->id() != TypeId::kStruct || a->children.size() != codes.size() + 1)
    return Status::Internal("Parquet returned " + a->type->ToString() + " for a column of " + to->ToString());
  const int64_t n = a->length;
  const ArrayPtr tags = a->children[0]->Slice(a->offset, n);
  uint8_t* ids = nullptr;
  auto type_ids = arrow::AllocateBuffer(n, &ids);
  // Per member, the struct row each union slot takes its value from (-1: null).
  const bool dense = to->id() == TypeId::kDenseUnion;
  std::vector<std::vector<int64_t>> rows(codes.size());
  if (!dense) {
    for (auto& r : rows) r.resize(static_cast<size_t>(n));
  }
  uint8_t* offsets_out = nullptr;
  auto offsets = dense ? arrow::AllocateBuffer(n * 4, &offsets_out) : nullptr;
  bool any_null = false;
  for (int64_t i = 0; i < n; ++i) {
    size_t c = 0;
    const bool null = a->IsNull(i);
    if (!null) {
      const int64_t code = tags->IsNull(i) ? -1 : arrow::LoadInteger(*tags, tags->offset + i);
      c = static_cast<size_t>(std::find(codes.begin(), codes.end(), code) - codes.begin());
      if (c == codes.size()) return Status::Internal("a stored union row has no valid type code");
    }
    any_null |= null;
    ids[i] = static_cast<uint8_t>(codes[c]);
    if (dense) {
      const int32_t offset = static_cast<int32_t>(rows[c].size());
      std::memcpy(offsets_out + i * 4, &offset, 4);
      rows[c].push_back(null ? -1 : i);
    } else {
      for (size_t m = 0; m < codes.size(); ++m) rows[m][static_cast<size_t>(i)] = null && m == c ? -1 : i;
    }
  }
  std::vector<ArrayPtr> members;
  for (size_t c = 0; c < codes.size(); ++c) {
    HANGAR_ASSIGN_OR_RETURN(
        auto member, FromStorage(a->children[c + 1]->Slice(a->offset, n), to->child(static_cast<int>(c))->type()));
    // A sparse member keeps every row (no copy unless a row must become null).
    if (dense || any_null) {
      HANGAR_ASSIGN_OR_RETURN(member, arrow::Take(member, rows[c]));
    }
    members.push_back(std::move(member));
  }
  std::vector<arrow::BufferPtr> buffers = {std::move(type_ids)};
  if (dense) buffers.push_back(std::move(offsets));
  return arrow::MakeArray(to, n, std::move(buffers), std::move(members), 0);
}

// Decimal text (arrow::FormatDecimal's) back into a decimal of `to`.
Result<ArrayPtr> DecimalFromText(const ArrayPtr& a, const TypePtr& to) {
  const int width = to->bit_width() / 8;
  const int64_t n = a->length;
  uint8_t* out = nullptr;
  auto values = arrow::AllocateBuffer(n * width, &out);
  std::string digits;
  for (int64_t i = 0; i < n; ++i) {
    if (a->IsNull(i)) continue;
    const std::string_view text = arrow::BinaryValue(*a, i);
    // The unscaled integer: the digits without the point; a negative scale
    // printed its trailing zeros; an exponent follows the unscaled digits.
    digits.assign(text.substr(0, text.find('e')));
    if (text.find('e') == std::string_view::npos) {
      std::erase(digits, '.');
      if (to->scale() < 0)
        digits.resize(digits.size() - std::min<size_t>(digits.size(), static_cast<size_t>(-to->scale())));
      if (digits.empty() || digits == "-") digits += '0';
    }
    Status st = arrow::json::DecimalFromString(digits, width, out + i * width);
    if (!st.ok()) return Status::Internal("a stored decimal does not parse: " + st.message());
  }
  return arrow::MakeArray(to, n, {a->offset == 0 ? a->buffers[0] : CopyValidity(*a), std::move(values)}, {},
                          a->null_count_hint);
}

Result<ArrayPtr> FromStorage(const ArrayPtr& a, const TypePtr& to) {
  const TypeId from = a->type->id();
  auto mismatch = [&]() {
    return Status::Internal("Parquet returned " + a->type->ToString() + " for a column of " + to->ToString());
  };
  switch (to->id()) {
    case TypeId::kNull: return arrow::MakeNullArray(to, a->length);
    case TypeId::kFloat16:
      if (from != TypeId::kFloat32) return mismatch();
      return MapValues<float, uint16_t>(a, to, [](float v) { return arrow::FloatToHalf(v); });
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary:
      if (from != TypeId::kUtf8 && from != TypeId::kBinary) return mismatch();
      return WidenOffsets(a, to, {});
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: {
      if (from != TypeId::kUtf8 && from != TypeId::kBinary) return mismatch();
      arrow::BinaryViewBuilder builder(to);
      for (int64_t i = 0; i < a->length; ++i) {
        if (a->IsNull(i))
          builder.AppendNull();
        else
          builder.Append(a->GetBinary(i));
      }
      return builder.Finish();
    }
    case TypeId::kFixedSizeBinary:
    case TypeId::kIntervalMonthDayNano: {
      if (from == TypeId::kFixedSizeBinary) return Relabel(a, to);
      if (from != TypeId::kBinary) return mismatch();
      const int64_t width = to->id() == TypeId::kFixedSizeBinary ? to->byte_width() : 16;
      uint8_t* out = nullptr;
      auto values = arrow::AllocateBuffer((a->offset + a->length) * width, &out);
      for (int64_t i = 0; i < a->length; ++i) {
        if (a->IsNull(i)) continue;
        std::string_view v = a->GetBinary(i);
        if (static_cast<int64_t>(v.size()) != width)
          return Status::Internal("a value of the wrong width in " + to->ToString());
        std::memcpy(out + (a->offset + i) * width, v.data(), v.size());
      }
      return arrow::MakeArray(to, a->length, {a->buffers[0], std::move(values)}, {}, a->null_count_hint, a->offset);
    }
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: {
      if (IsWideDecimal(*to)) {
        if (from != TypeId::kUtf8) return mismatch();
        return DecimalFromText(a, to);
      }
      if (to->id() == TypeId::kDecimal128) break;
      if (from != TypeId::kDecimal128) return mismatch();
      const int out_width = to->bit_width() / 8;
      return MapFixedWidth(a, to, 16, out_width, [out_width](const uint8_t* in, uint8_t* out) {
        if (out_width <= 16) {
          std::memcpy(out, in, out_width);  // the value fits: the low bytes
        } else {
          std::memcpy(out, in, 16);
          std::memset(out + 16, (in[15] & 0x80) ? 0xff : 0, out_width - 16);
        }
      });
    }
    case TypeId::kDate64:
      // Tables written before date64 was kept as milliseconds hold dates.
      if (from == TypeId::kDate32)
        return MapValues<int32_t, int64_t>(a, to, [](int32_t days) { return int64_t{days} * 86400000; });
      if (from != TypeId::kTimestamp) return mismatch();
      return Rescale(a, to, a->type->unit(), TimeUnit::kMilli, 8);
    case TypeId::kTime32:
      if (from != TypeId::kTime64) return mismatch();
      return Rescale(a, to, a->type->unit(), to->unit(), 4);
    case TypeId::kTimestamp:
      if (from != TypeId::kTimestamp) return mismatch();
      if (a->type->unit() == to->unit()) return Relabel(a, to);
      return Rescale(a, to, a->type->unit(), to->unit(), 8);
    case TypeId::kDuration:
    case TypeId::kIntervalDayTime:
      if (from != TypeId::kInt64) return mismatch();
      return Relabel(a, to);
    case TypeId::kIntervalYearMonth:
      if (from != TypeId::kInt32) return mismatch();
      return Relabel(a, to);
    case TypeId::kDictionary: {
      HANGAR_ASSIGN_OR_RETURN(auto values, FromStorage(a, to->value_type()));
      return Encode(values, to);
    }
    case TypeId::kRunEndEncoded: {
      HANGAR_ASSIGN_OR_RETURN(auto values, FromStorage(a, to->child(1)->type()));
      return EncodeRuns(values, to);
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: return UnionFromStorage(a, to);
    case TypeId::kTime64:
      if (to->unit() != TimeUnit::kNano) break;
      if (from != TypeId::kInt64) return mismatch();
      return Relabel(a, to);
    case TypeId::kList:
    case TypeId::kMap:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView:
    case TypeId::kFixedSizeList: {
      if (from != TypeId::kList && from != TypeId::kMap) return mismatch();
      if (to->id() == TypeId::kFixedSizeList) return ListToFixedSize(a, to);
      HANGAR_ASSIGN_OR_RETURN(auto child, FromStorage(a->children[0], to->child(0)->type()));
      if (to->id() == TypeId::kLargeList) return WidenOffsets(a, to, {std::move(child)});
      if (to->id() == TypeId::kListView || to->id() == TypeId::kLargeListView)
        return ListToView(a, to, std::move(child));
      auto out = std::make_shared<Array>(*a);
      out->type = to;
      out->children = {std::move(child)};
      return ArrayPtr(std::move(out));
    }
    case TypeId::kStruct: {
      if (from != TypeId::kStruct || a->children.size() != to->children().size()) return mismatch();
      auto out = std::make_shared<Array>(*a);
      out->type = to;
      for (size_t i = 0; i < out->children.size(); ++i) {
        HANGAR_ASSIGN_OR_RETURN(out->children[i], FromStorage(a->children[i], to->child(static_cast<int>(i))->type()));
      }
      return ArrayPtr(std::move(out));
    }
    default: break;
  }
  if (from != to->id() || a->type->bit_width() != to->bit_width()) return mismatch();
  return Relabel(a, to);
}

// A list view as a list (storage type `to`, 32- or 64-bit offsets) whose
// child holds each row's values in order.
Result<ArrayPtr> ViewToList(const ArrayPtr& a, const TypePtr& to) {
  const int width = to->id() == TypeId::kLargeList ? 8 : 4;
  uint8_t* out = nullptr;
  auto offsets = arrow::AllocateBuffer((a->length + 1) * width, &out);
  std::vector<ArrayPtr> pieces;
  int64_t total = 0;
  for (int64_t i = 0; i < a->length; ++i) {
    int64_t begin = 0, end = 0;
    if (a->IsValid(i)) arrow::ListRange(*a, i, &begin, &end);
    if (end > begin) pieces.push_back(a->children[0]->Slice(begin, end - begin));
    std::memcpy(out + i * width, &total, width);
    total += end - begin;
  }
  std::memcpy(out + a->length * width, &total, width);
  ArrayPtr child = arrow::MakeNullArray(a->children[0]->type, 0);
  if (!pieces.empty()) {
    HANGAR_ASSIGN_OR_RETURN(child, arrow::Concatenate(pieces));
  }
  return arrow::MakeArray(to, a->length, {CopyValidity(*a), std::move(offsets)}, {std::move(child)});
}

Result<ArrayPtr> ToStorage(const ArrayPtr& a, const TypePtr& storage);

// A union as its storage struct: the type codes, then each member with the
// rows that select it set and the others null.
Result<ArrayPtr> UnionToStorage(const ArrayPtr& a, const TypePtr& storage) {
  const int64_t n = a->length;
  const auto& codes = a->type->type_codes();
  const uint8_t* ids = a->raw<uint8_t>(0) + a->offset;
  uint8_t* tags_out = nullptr;
  auto tags = arrow::AllocateBuffer(n, &tags_out);
  std::memcpy(tags_out, ids, static_cast<size_t>(n));
  std::vector<ArrayPtr> children = {arrow::MakeArray(arrow::int8(), n, {nullptr, std::move(tags)}, {}, 0)};
  std::vector<std::vector<int64_t>> rows(codes.size(), std::vector<int64_t>(static_cast<size_t>(n), -1));
  for (int64_t i = 0; i < n; ++i) {
    int child = 0;
    int64_t row = 0;
    arrow::UnionSlot(*a, i, &child, &row);
    rows[static_cast<size_t>(child)][static_cast<size_t>(i)] = row;
  }
  for (size_t c = 0; c < codes.size(); ++c) {
    HANGAR_ASSIGN_OR_RETURN(auto member, ToStorage(a->children[c], storage->child(static_cast<int>(c) + 1)->type()));
    HANGAR_ASSIGN_OR_RETURN(member, arrow::Take(member, rows[c]));
    children.push_back(std::move(member));
  }
  return arrow::MakeArray(storage, n, {nullptr}, std::move(children), 0);
}

// The storage form of `a` (of a storable type) for DuckDB: relabelled,
// except half floats (become floats), decimals (become decimal128) and
// list views (become lists).
Result<ArrayPtr> ToStorage(const ArrayPtr& a, const TypePtr& storage) {
  if (a->type->id() == TypeId::kListView || a->type->id() == TypeId::kLargeListView) {
    HANGAR_ASSIGN_OR_RETURN(auto list, ViewToList(a, storage));
    auto out = std::make_shared<Array>(*list);
    HANGAR_ASSIGN_OR_RETURN(out->children[0], ToStorage(list->children[0], storage->child(0)->type()));
    return ArrayPtr(std::move(out));
  }
  if (a->type->id() == TypeId::kFloat16)
    return MapValues<uint16_t, float>(a, storage, [](uint16_t h) { return arrow::HalfToFloat(h); });
  if (a->type->id() == TypeId::kDictionary && storage->id() != TypeId::kDictionary) {
    // Unfolded: the dictionary's storage form, taken row by row.
    HANGAR_ASSIGN_OR_RETURN(auto values, ToStorage(a->dictionary, storage));
    std::vector<int64_t> rows(static_cast<size_t>(a->length));
    for (int64_t i = 0; i < a->length; ++i)
      rows[static_cast<size_t>(i)] = a->IsNull(i) ? -1 : arrow::DictionaryIndex(*a, i);
    return arrow::Take(values, rows);
  }
  if (a->type->id() == TypeId::kRunEndEncoded) {
    HANGAR_ASSIGN_OR_RETURN(auto values, ToStorage(a->children[1], storage));
    std::vector<int64_t> rows(static_cast<size_t>(a->length));
    for (int64_t i = 0; i < a->length; ++i) rows[static_cast<size_t>(i)] = arrow::RunEndValueIndex(*a, i);
    return arrow::Take(values, rows);
  }
  if (a->type->is_union()) return UnionToStorage(a, storage);
  if (IsWideDecimal(*a->type)) {
    arrow::BinaryBuilder text(storage);
    const int width = a->type->bit_width() / 8;
    for (int64_t i = 0; i < a->length; ++i) {
      if (a->IsNull(i))
        text.AppendNull();
      else
        text.Append(arrow::FormatDecimal(a->raw<uint8_t>(1) + (a->offset + i) * width, width, a->type->scale()));
    }
    return text.Finish();
  }
  if (a->type->is_decimal() && a->type->bit_width() != 128) {
    const int in_width = a->type->bit_width() / 8;
    return MapFixedWidth(a, storage, in_width, 16, [in_width](const uint8_t* in, uint8_t* out) {
      // Sign-extended from 32/64 bits; from 256 bits the low 128 hold any value of <= 38 digits.
      std::memcpy(out, in, std::min(in_width, 16));
      if (in_width < 16) std::memset(out + in_width, (in[in_width - 1] & 0x80) ? 0xff : 0, 16 - in_width);
    });
  }
  if (a->type->id() == TypeId::kDictionary) {
    HANGAR_ASSIGN_OR_RETURN(auto dict, ToStorage(a->dictionary, storage->value_type()));
    auto out = std::make_shared<Array>(*a);
    out->type = storage;
    out->dictionary = std::move(dict);
    return ArrayPtr(std::move(out));
  }
  if (a->children.empty()) return Relabel(a, storage);
  auto out = std::make_shared<Array>(*a);
  out->type = storage;
  for (size_t i = 0; i < out->children.size(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(out->children[i], ToStorage(a->children[i], storage->child(static_cast<int>(i))->type()));
  }
  return ArrayPtr(std::move(out));
}

}  // namespace

Result<arrow::SchemaPtr> StorageSchema(const arrow::Schema& schema) {
  std::vector<arrow::FieldPtr> fields;
  for (const auto& f : schema.fields()) {
    HANGAR_ASSIGN_OR_RETURN(auto type, StorageTypeOf(*f->type(), f->name()));
    fields.push_back(arrow::field(f->name(), std::move(type), f->nullable()));
  }
  return arrow::schema(std::move(fields));
}

Status CheckStorable(const arrow::Schema& schema) { return StorageSchema(schema).status(); }

Result<arrow::RecordBatchPtr> ToStorageBatch(const arrow::RecordBatch& batch, const arrow::SchemaPtr& storage) {
  std::vector<ArrayPtr> columns;
  for (int i = 0; i < batch.num_columns(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(auto column, ToStorage(batch.column(i), storage->field(i)->type()));
    columns.push_back(std::move(column));
  }
  return arrow::MakeRecordBatch(storage, batch.num_rows, std::move(columns));
}

Result<arrow::RecordBatchPtr> ConformBatch(const arrow::RecordBatchPtr& batch, const arrow::SchemaPtr& schema) {
  if (batch->num_columns() != schema->num_fields())
    return Status::Internal("Parquet gave " + std::to_string(batch->num_columns()) + " columns, the table has " +
                            std::to_string(schema->num_fields()));
  std::vector<ArrayPtr> columns;
  for (int i = 0; i < schema->num_fields(); ++i) {
    auto column = FromStorage(batch->column(i), schema->field(i)->type());
    if (!column.ok()) return column.status().WithContext("column '" + schema->field(i)->name() + "'");
    columns.push_back(std::move(*column));
  }
  return arrow::MakeRecordBatch(schema, batch->num_rows, std::move(columns));
}

namespace {

// Batches of `inner` mapped through `map`, under `schema`.
class MappedSource : public arrow::RecordBatchSource {
 public:
  using Map = std::function<Result<arrow::RecordBatchPtr>(const arrow::RecordBatchPtr&)>;
  MappedSource(std::unique_ptr<arrow::RecordBatchSource> inner, arrow::SchemaPtr schema, Map map)
      : inner_(std::move(inner)), schema_(std::move(schema)), map_(std::move(map)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr) return batch;
    return map_(batch);
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  arrow::SchemaPtr schema_;
  Map map_;
};

}  // namespace

// What DuckDB reads, conformed batch by batch. A batch may gather rows of
// several puts whose dictionaries together overflow a narrow index type
// (dictionary<int8, ...> holds 128 values): such a batch is conformed in
// halves, as often as needed, so every batch handed out fits its type.
class ConformingSource : public arrow::RecordBatchSource {
 public:
  ConformingSource(std::unique_ptr<arrow::RecordBatchSource> inner, arrow::SchemaPtr schema)
      : inner_(std::move(inner)), schema_(std::move(schema)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    if (pending_.empty()) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
      if (batch == nullptr) return batch;
      pending_.push_back(std::move(batch));
    }
    while (true) {
      arrow::RecordBatchPtr batch = std::move(pending_.back());
      pending_.pop_back();
      auto conformed = ConformBatch(batch, schema_);
      if (conformed.ok() || batch->num_rows <= 1) return conformed;
      const int64_t half = batch->num_rows / 2;
      pending_.push_back(batch->Slice(half, batch->num_rows - half));  // a stack: the first half comes first
      pending_.push_back(batch->Slice(0, half));
    }
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  arrow::SchemaPtr schema_;
  std::vector<arrow::RecordBatchPtr> pending_;  // halves still to conform, the next one last
};

std::unique_ptr<arrow::RecordBatchSource> ConformSource(std::unique_ptr<arrow::RecordBatchSource> source,
                                                        arrow::SchemaPtr schema) {
  return std::make_unique<ConformingSource>(std::move(source), std::move(schema));
}

Result<std::unique_ptr<arrow::RecordBatchSource>> StorageSource(std::unique_ptr<arrow::RecordBatchSource> source) {
  HANGAR_ASSIGN_OR_RETURN(auto storage, StorageSchema(*source->schema()));
  auto map = [storage](const arrow::RecordBatchPtr& b) { return ToStorageBatch(*b, storage); };
  return std::unique_ptr<arrow::RecordBatchSource>(std::make_unique<MappedSource>(std::move(source), storage, map));
}

}  // namespace hangar::store
