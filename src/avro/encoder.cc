#include "avro/encoder.h"

#include <cctype>
#include <cstring>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/float16.h"
#include "avro/varint.h"

namespace hangar::avro {

namespace {

using arrow::Array;
using arrow::DataType;
using arrow::Field;
using arrow::TimeUnit;
using arrow::TypeId;
using nlohmann::json;

bool IsAvroName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string AvroNameFrom(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(out.begin(), '_');
  return out;
}

Status NoForm(const std::string& path, const DataType& type, std::string_view why = {}) {
  return Status::Invalid("column '" + path + "' of type " + type.ToString() + " has no Avro form" +
                         (why.empty() ? "" : " (" + std::string(why) + ")"));
}

// The Avro JSON of values of `type` (not nullable); `name` names the named
// types it creates (records, fixed), unique by column path.
Result<json> TypeJson(const DataType& type, const std::string& path, const std::string& name);

Result<json> FieldTypeJson(const Field& f, const std::string& path, const std::string& name) {
  HANGAR_ASSIGN_OR_RETURN(auto t, TypeJson(*f.type(), path, name));
  if (!f.nullable() || f.type()->id() == TypeId::kNull) return t;
  if (t.is_array()) {  // a union: null joins its branches (Avro unions do not nest)
    bool has_null = false;
    for (const auto& b : t) has_null = has_null || b == "null";
    if (!has_null) t.insert(t.begin(), "null");
    return t;
  }
  return json::array({"null", t});
}

Result<json> TypeJson(const DataType& type, const std::string& path, const std::string& name) {
  auto logical = [](const char* base, const char* logical_type) {
    return json{{"type", base}, {"logicalType", logical_type}};
  };
  switch (type.id()) {
    case TypeId::kNull: return json("null");
    case TypeId::kBool: return json("boolean");
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kUInt8: case TypeId::kUInt16:
      return json("int");
    case TypeId::kInt64: case TypeId::kUInt32: case TypeId::kUInt64: case TypeId::kDuration: return json("long");
    case TypeId::kFloat16: case TypeId::kFloat32: return json("float");
    case TypeId::kFloat64: return json("double");
    case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kUtf8View: return json("string");
    case TypeId::kBinary: case TypeId::kLargeBinary: case TypeId::kBinaryView: return json("bytes");
    case TypeId::kFixedSizeBinary: return json{{"type", "fixed"}, {"name", name}, {"size", type.byte_width()}};
    case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal128: case TypeId::kDecimal256:
      if (type.scale() < 0) return NoForm(path, type, "negative scale");
      return json{{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", type.precision()}, {"scale", type.scale()}};
    case TypeId::kDate32: case TypeId::kDate64: return logical("int", "date");
    case TypeId::kTime32: return logical("int", "time-millis");
    case TypeId::kTime64:
      if (type.unit() != TimeUnit::kMicro) return NoForm(path, type, "Avro times stop at microseconds");
      return logical("long", "time-micros");
    case TypeId::kTimestamp: {
      const char* unit = type.unit() == TimeUnit::kMicro ? "micros" : type.unit() == TimeUnit::kNano ? "nanos" : "millis";
      return logical("long", ((type.timezone().empty() ? "local-timestamp-" : "timestamp-") + std::string(unit)).c_str());
    }
    case TypeId::kIntervalMonthDayNano:
      return json{{"type", "fixed"}, {"name", name}, {"size", 12}, {"logicalType", "duration"}};
    case TypeId::kList: case TypeId::kLargeList: case TypeId::kListView: case TypeId::kLargeListView:
    case TypeId::kFixedSizeList: {
      HANGAR_ASSIGN_OR_RETURN(auto items, FieldTypeJson(*type.child(0), path + "[]", name + "_item"));
      return json{{"type", "array"}, {"items", items}};
    }
    case TypeId::kMap: {
      const auto& entries = type.child(0)->type();
      const TypeId key = entries->child(0)->type()->id();
      if (key != TypeId::kUtf8 && key != TypeId::kLargeUtf8 && key != TypeId::kUtf8View)
        return NoForm(path, type, "Avro map keys are strings");
      HANGAR_ASSIGN_OR_RETURN(auto values, FieldTypeJson(*entries->child(1), path + "{}", name + "_value"));
      return json{{"type", "map"}, {"values", values}};
    }
    case TypeId::kStruct: {
      json fields = json::array();
      for (const auto& f : type.children()) {
        const std::string child = path.empty() ? f->name() : path + "." + f->name();
        if (!IsAvroName(f->name()))
          return Status::Invalid("column '" + child + "': '" + f->name() +
                                 "' is not a valid Avro field name ([A-Za-z_][A-Za-z0-9_]*)");
        HANGAR_ASSIGN_OR_RETURN(auto t, FieldTypeJson(*f, child, name + "_" + f->name()));
        json field{{"name", f->name()}, {"type", t}};
        if (t.is_array() && !t.empty() && t[0] == "null") field["default"] = nullptr;
        fields.push_back(std::move(field));
      }
      return json{{"type", "record"}, {"name", name}, {"fields", fields}};
    }
    case TypeId::kSparseUnion: case TypeId::kDenseUnion: {
      json branches = json::array();
      for (int i = 0; i < type.num_children(); ++i) {
        HANGAR_ASSIGN_OR_RETURN(auto b, TypeJson(*type.child(i)->type(), path, name + "_" + std::to_string(i)));
        if (b.is_array()) return NoForm(path, type, "a union inside a union");
        branches.push_back(std::move(b));
      }
      return branches;
    }
    case TypeId::kDictionary: return TypeJson(*type.value_type(), path, name);
    case TypeId::kRunEndEncoded: return TypeJson(*type.child(1)->type(), path, name);
    default: return NoForm(path, type);
  }
}

// Big-endian two's complement, as short as the value allows (Avro's decimal bytes).
void AppendDecimal(const uint8_t* le, int width, std::string* out) {
  const bool negative = le[width - 1] & 0x80;
  int n = width;
  while (n > 1 && le[n - 1] == (negative ? 0xff : 0x00) && ((le[n - 2] & 0x80) != 0) == negative) --n;
  WriteLong(n, out);
  for (int i = n - 1; i >= 0; --i) out->push_back(static_cast<char>(le[i]));
}

void AppendBytes(std::string_view v, std::string* out) {
  WriteLong(static_cast<int64_t>(v.size()), out);
  out->append(v);
}

template <typename T>
T Load(const Array& a, int64_t i) {
  T v;
  std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * sizeof(T), sizeof(T));
  return v;
}

int64_t ToMillisFactor(TimeUnit unit) { return unit == TimeUnit::kSecond ? 1000 : 1; }

class RowEncoder {
 public:
  explicit RowEncoder(std::string* out) : out_(out) {}

  Status Field(const arrow::Field& f, const Array& a, int64_t i, const std::string& path) {
    if (f.nullable() && f.type()->id() != TypeId::kNull) {
      if (IsUnion(f.type()->id())) return Value(a, i, path, /*null_branch=*/true);
      if (!arrow::IsLogicallyValid(a, i)) {
        WriteLong(0, out_);
        return Status::OK();
      }
      WriteLong(1, out_);
    } else if (!arrow::IsLogicallyValid(a, i) && f.type()->id() != TypeId::kNull && !IsUnion(f.type()->id())) {
      return Status::Invalid("column '" + path + "' is not nullable but row has a null");
    }
    return Value(a, i, path, false);
  }

 private:
  static bool IsUnion(TypeId id) { return id == TypeId::kSparseUnion || id == TypeId::kDenseUnion; }

  Status Value(const Array& a, int64_t i, const std::string& path, bool null_branch) {
    const DataType& t = *a.type;
    switch (t.id()) {
      case TypeId::kNull: return Status::OK();
      case TypeId::kBool: out_->push_back(arrow::bit::Get(a.buffers[1]->data(), a.offset + i) ? 1 : 0); return Status::OK();
      case TypeId::kInt8: WriteLong(Load<int8_t>(a, i), out_); return Status::OK();
      case TypeId::kInt16: WriteLong(Load<int16_t>(a, i), out_); return Status::OK();
      case TypeId::kInt32: case TypeId::kDate32: WriteLong(Load<int32_t>(a, i), out_); return Status::OK();
      case TypeId::kInt64: case TypeId::kDuration: WriteLong(Load<int64_t>(a, i), out_); return Status::OK();
      case TypeId::kUInt8: WriteLong(Load<uint8_t>(a, i), out_); return Status::OK();
      case TypeId::kUInt16: WriteLong(Load<uint16_t>(a, i), out_); return Status::OK();
      case TypeId::kUInt32: WriteLong(Load<uint32_t>(a, i), out_); return Status::OK();
      case TypeId::kUInt64: {
        const uint64_t v = Load<uint64_t>(a, i);
        if (v > static_cast<uint64_t>(INT64_MAX))
          return Status::Invalid("column '" + path + "': " + std::to_string(v) + " is beyond Avro's long");
        WriteLong(static_cast<int64_t>(v), out_);
        return Status::OK();
      }
      case TypeId::kFloat16: return Float(arrow::HalfToFloat(Load<uint16_t>(a, i)));
      case TypeId::kFloat32: return Float(Load<float>(a, i));
      case TypeId::kFloat64: {
        const double v = Load<double>(a, i);
        out_->append(reinterpret_cast<const char*>(&v), 8);
        return Status::OK();
      }
      case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kUtf8View: case TypeId::kBinary:
      case TypeId::kLargeBinary: case TypeId::kBinaryView:
        AppendBytes(arrow::BinaryValue(a, i), out_);
        return Status::OK();
      case TypeId::kFixedSizeBinary: out_->append(arrow::BinaryValue(a, i)); return Status::OK();
      case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal128: case TypeId::kDecimal256: {
        const int width = t.bit_width() / 8;
        AppendDecimal(a.buffers[1]->data() + (a.offset + i) * width, width, out_);
        return Status::OK();
      }
      case TypeId::kDate64: WriteLong(Load<int64_t>(a, i) / 86400000, out_); return Status::OK();
      case TypeId::kTime32: WriteLong(int64_t{Load<int32_t>(a, i)} * ToMillisFactor(t.unit()), out_); return Status::OK();
      case TypeId::kTime64: WriteLong(Load<int64_t>(a, i), out_); return Status::OK();
      case TypeId::kTimestamp: WriteLong(Load<int64_t>(a, i) * ToMillisFactor(t.unit()), out_); return Status::OK();
      case TypeId::kIntervalMonthDayNano: {
        int32_t months, days;
        int64_t nanos;
        const uint8_t* p = a.buffers[1]->data() + (a.offset + i) * 16;
        std::memcpy(&months, p, 4);
        std::memcpy(&days, p + 4, 4);
        std::memcpy(&nanos, p + 8, 8);
        if (months < 0 || days < 0 || nanos < 0 || nanos % 1000000 != 0 || nanos / 1000000 > UINT32_MAX)
          return Status::Invalid("column '" + path + "': an Avro duration holds non-negative months, days and whole milliseconds");
        const uint32_t parts[3] = {static_cast<uint32_t>(months), static_cast<uint32_t>(days),
                                   static_cast<uint32_t>(nanos / 1000000)};
        out_->append(reinterpret_cast<const char*>(parts), 12);
        return Status::OK();
      }
      case TypeId::kList: case TypeId::kLargeList: case TypeId::kListView: case TypeId::kLargeListView:
      case TypeId::kFixedSizeList: {
        int64_t begin, end;
        arrow::ListRange(a, i, &begin, &end);
        if (end > begin) {
          WriteLong(end - begin, out_);
          for (int64_t j = begin; j < end; ++j) HANGAR_RETURN_NOT_OK(Field(*t.child(0), *a.children[0], j, path + "[]"));
        }
        WriteLong(0, out_);
        return Status::OK();
      }
      case TypeId::kMap: {
        int64_t begin, end;
        arrow::ListRange(a, i, &begin, &end);
        const Array& entries = *a.children[0];
        const auto& value_field = *t.child(0)->type()->child(1);
        if (end > begin) {
          WriteLong(end - begin, out_);
          for (int64_t j = begin; j < end; ++j) {
            AppendBytes(arrow::BinaryValue(*entries.children[0], entries.offset + j), out_);
            HANGAR_RETURN_NOT_OK(Field(value_field, *entries.children[1], entries.offset + j, path + "{}"));
          }
        }
        WriteLong(0, out_);
        return Status::OK();
      }
      case TypeId::kStruct:
        for (int c = 0; c < t.num_children(); ++c)
          HANGAR_RETURN_NOT_OK(Field(*t.child(c), *a.children[c], a.offset + i, path + "." + t.child(c)->name()));
        return Status::OK();
      case TypeId::kSparseUnion: case TypeId::kDenseUnion: {
        int child;
        int64_t row;
        arrow::UnionSlot(a, i, &child, &row);
        // A nullable union field gained a leading "null" branch unless it had one.
        bool has_null = false;
        for (const auto& c : t.children()) has_null = has_null || c->type()->id() == TypeId::kNull;
        const int shift = null_branch && !has_null ? 1 : 0;
        if (shift && !arrow::IsLogicallyValid(*a.children[child], row)) {
          WriteLong(0, out_);
          return Status::OK();
        }
        WriteLong(child + shift, out_);
        return Value(*a.children[child], row, path, false);
      }
      case TypeId::kDictionary: return Value(*a.dictionary, arrow::DictionaryIndex(a, i), path, null_branch);
      case TypeId::kRunEndEncoded: return Value(*a.children[1], arrow::RunEndValueIndex(a, i), path, null_branch);
      default: return Status::Invalid("column '" + path + "' of type " + t.ToString() + " has no Avro form");
    }
  }

  Status Float(float v) {
    out_->append(reinterpret_cast<const char*>(&v), 4);
    return Status::OK();
  }

  std::string* out_;
};

}  // namespace

Result<std::string> AvroSchemaJsonOf(const arrow::Schema& schema, std::string_view record_name) {
  const std::string name = AvroNameFrom(record_name);
  HANGAR_ASSIGN_OR_RETURN(auto record, TypeJson(*arrow::struct_(schema.fields()), "", name));
  record["namespace"] = "hangar";
  return record.dump();
}

Result<std::unique_ptr<Encoder>> Encoder::Make(arrow::SchemaPtr schema, std::string_view record_name) {
  HANGAR_ASSIGN_OR_RETURN(auto text, AvroSchemaJsonOf(*schema, record_name));
  std::unique_ptr<Encoder> e(new Encoder());
  HANGAR_ASSIGN_OR_RETURN(e->avro_, AvroSchema::Parse(text));
  e->arrow_ = std::move(schema);
  return e;
}

Status Encoder::EncodeRow(const arrow::RecordBatch& batch, int64_t row, std::string* out) const {
  RowEncoder encoder(out);
  for (int c = 0; c < batch.num_columns(); ++c) {
    const auto& f = *arrow_->field(c);
    HANGAR_RETURN_NOT_OK(encoder.Field(f, *batch.column(c), row, f.name()));
  }
  return Status::OK();
}

}  // namespace hangar::avro
