#include "avro/encoder.h"

#include <cctype>
#include <cstring>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/builder_primitive.h"
#include "arrow/float16.h"
#include "avro/varint.h"
#include "base/json_text.h"

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
  if (!f.nullable() || t == "null") return t;  // null already (a dictionary of nulls too)
  if (t.is_array()) {                          // a union: null joins its branches (Avro unions do not nest)
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
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kUInt8:
    case TypeId::kUInt16: return json("int");
    case TypeId::kInt64:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
    case TypeId::kDuration: return json("long");
    case TypeId::kFloat16:
    case TypeId::kFloat32: return json("float");
    case TypeId::kFloat64: return json("double");
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kUtf8View: return json("string");
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kBinaryView: return json("bytes");
    case TypeId::kFixedSizeBinary: return json{{"type", "fixed"}, {"name", name}, {"size", type.byte_width()}};
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      if (type.scale() < 0) return NoForm(path, type, "negative scale");
      return json{
          {"type", "bytes"}, {"logicalType", "decimal"}, {"precision", type.precision()}, {"scale", type.scale()}};
    case TypeId::kDate32:
    case TypeId::kDate64: return logical("int", "date");
    case TypeId::kTime32: return logical("int", "time-millis");
    case TypeId::kTime64:
      if (type.unit() != TimeUnit::kMicro) return NoForm(path, type, "Avro times stop at microseconds");
      return logical("long", "time-micros");
    case TypeId::kTimestamp: {
      const char* unit = type.unit() == TimeUnit::kMicro  ? "micros"
                         : type.unit() == TimeUnit::kNano ? "nanos"
                                                          : "millis";
      return logical("long",
                     ((type.timezone().empty() ? "local-timestamp-" : "timestamp-") + std::string(unit)).c_str());
    }
    case TypeId::kIntervalMonthDayNano:
      return json{{"type", "fixed"}, {"name", name}, {"size", 12}, {"logicalType", "duration"}};
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView:
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
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      // A union has no validity of its own: its nulls are its children's,
      // whatever the field's nullability says. So a nullable child brings a
      // null branch (first, where Avro's defaults want it) unless a child of
      // type null is one already. Children keep their order (CompileUnion).
      json branches = json::array();
      bool nullable = false, null_child = false;
      for (int i = 0; i < type.num_children(); ++i) {
        const auto& child = *type.child(i);
        HANGAR_ASSIGN_OR_RETURN(auto b, TypeJson(*child.type(), path, name + "_" + std::to_string(i)));
        if (b.is_array()) return NoForm(path, type, "a union inside a union");
        nullable = nullable || child.nullable();
        null_child = null_child || b == "null";
        branches.push_back(std::move(b));
      }
      if (nullable && !null_child) branches.insert(branches.begin(), "null");
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

// The same value in exactly `size` big-endian bytes (a fixed decimal), if it fits.
bool AppendFixedDecimal(const uint8_t* le, int width, int64_t size, std::string* out) {
  const uint8_t sign = (le[width - 1] & 0x80) ? 0xff : 0x00;
  for (int i = static_cast<int>(size); i < width; ++i)
    if (le[i] != sign) return false;
  if (size < width && ((le[size - 1] & 0x80) ? 0xff : 0x00) != sign) return false;
  for (int64_t i = size - 1; i >= 0; --i) out->push_back(static_cast<char>(i < width ? le[i] : sign));
  return true;
}

void AppendBytes(std::string_view v, std::string* out) {
  WriteLong(static_cast<int64_t>(v.size()), out);
  out->append(v);
}

template <typename T>
T Load(const Array& a, int64_t i) {
  T v;
  std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

bool IsUtf8(TypeId id) { return id == TypeId::kUtf8 || id == TypeId::kLargeUtf8 || id == TypeId::kUtf8View; }
bool IsBinary(TypeId id) { return id == TypeId::kBinary || id == TypeId::kLargeBinary || id == TypeId::kBinaryView; }
bool IsDecimal(TypeId id) {
  return id == TypeId::kDecimal32 || id == TypeId::kDecimal64 || id == TypeId::kDecimal128 || id == TypeId::kDecimal256;
}
bool IsList(TypeId id) {
  return id == TypeId::kList || id == TypeId::kLargeList || id == TypeId::kListView || id == TypeId::kLargeListView ||
         id == TypeId::kFixedSizeList;
}
bool IsUnion(TypeId id) { return id == TypeId::kSparseUnion || id == TypeId::kDenseUnion; }
bool IsInteger(TypeId id) { return id >= TypeId::kInt8 && id <= TypeId::kUInt64; }

// The value type behind dictionary and run-end encoding.
const DataType& Unwrapped(const DataType& t) {
  if (t.id() == TypeId::kDictionary) return Unwrapped(*t.value_type());
  if (t.id() == TypeId::kRunEndEncoded) return Unwrapped(*t.child(1)->type());
  return t;
}

}  // namespace

// One Avro type written from one Arrow type, compiled once.
struct Encoder::Step {
  enum class Op {
    kNull,
    kBoolean,
    kInteger,
    kFloat,
    kDouble,
    kBytes,
    kDecimalBytes,
    kDecimalFixed,
    kFixed,
    kDuration,
    kEnum,
    kArray,
    kMap,
    kRecord,
    kArrowUnion
  };
  Op op = Op::kNull;
  const AvroNode* node = nullptr;
  std::string path;
  int null_branch = -1;   // in a union: the branch a null is written as (-1: none, nulls are an error)
  int value_branch = -1;  // in a union: the branch a value is written as (-1: not in a union)
  // kInteger: value * multiply / divide (units), then checked against int's range if `is_int`.
  int64_t multiply = 1, divide = 1;
  bool is_int = false;
  std::unordered_map<std::string, int> symbols;  // kEnum
  int enum_default = -1;
  std::vector<Step> children;  // record fields, array items, map values, union children
  std::vector<int> columns;    // kRecord: the struct child of each field (-1: write the null default)
  std::vector<int> branches;   // kArrowUnion: the Avro branch of each Arrow child
};

namespace {

using Step = Encoder::Step;
using Op = Step::Op;

Status Mismatch(const std::string& path, const DataType& type, const AvroNode& node) {
  return Status::Invalid("column '" + path + "' of type " + type.ToString() + " cannot be written as Avro " +
                         std::string(AvroTypeName(node.type)) +
                         (node.logical_type.empty() ? "" : " (" + node.logical_type + ")"));
}

Result<Step> Compile(const AvroNode& node, const DataType& wrapped, const std::string& path);

Result<Step> CompileRecord(const AvroNode& node, const std::vector<arrow::FieldPtr>& fields, const std::string& path) {
  Step s;
  s.op = Op::kRecord;
  s.node = &node;
  s.path = path;
  std::vector<bool> used(fields.size(), false);
  for (const auto& f : node.fields) {
    const std::string child = path.empty() ? f.name : path + "." + f.name;
    int column = -1;
    for (size_t c = 0; c < fields.size(); ++c)
      if (fields[c]->name() == f.name) column = static_cast<int>(c);
    if (column < 0) {
      const bool null_default = f.type->type == AvroType::kUnion && !f.type->branches.empty() &&
                                f.type->branches[0]->type == AvroType::kNull && f.default_json == "null";
      if (!null_default) return Status::Invalid("Avro field '" + child + "' has no column (and no null default)");
      s.columns.push_back(-1);
      s.children.emplace_back();
      continue;
    }
    used[static_cast<size_t>(column)] = true;
    s.columns.push_back(column);
    HANGAR_ASSIGN_OR_RETURN(auto step, Compile(*f.type, *fields[static_cast<size_t>(column)]->type(), child));
    s.children.push_back(std::move(step));
  }
  for (size_t c = 0; c < fields.size(); ++c)
    if (!used[c])
      return Status::Invalid("column '" + (path.empty() ? "" : path + ".") + fields[c]->name() +
                             "' is not a field of Avro record '" + node.full_name + "'");
  return s;
}

Result<Step> CompileUnion(const AvroNode& node, const DataType& type, const std::string& path) {
  int null_branch = -1;
  for (size_t b = 0; b < node.branches.size(); ++b)
    if (node.branches[b]->type == AvroType::kNull) null_branch = static_cast<int>(b);
  if (IsUnion(type.id())) {
    // Arrow's children are Avro's branches in order, the null branch
    // possibly left out (a nullable field of a derived schema).
    const size_t children = static_cast<size_t>(type.num_children());
    const size_t shift = children + 1 == node.branches.size() && null_branch == 0 ? 1 : 0;
    if (children + shift != node.branches.size()) return Mismatch(path, type, node);
    Step s;
    s.op = Op::kArrowUnion;
    s.node = &node;
    s.path = path;
    s.null_branch = null_branch;
    for (size_t k = 0; k < children; ++k) {
      HANGAR_ASSIGN_OR_RETURN(auto child,
                              Compile(*node.branches[k + shift], *type.child(static_cast<int>(k))->type(), path));
      s.children.push_back(std::move(child));
      s.branches.push_back(static_cast<int>(k + shift));
    }
    return s;
  }
  if (type.id() == TypeId::kNull && null_branch >= 0) {
    Step s;
    s.node = node.branches[static_cast<size_t>(null_branch)];
    s.path = path;
    s.null_branch = null_branch;
    return s;
  }
  for (size_t b = 0; b < node.branches.size(); ++b) {
    if (static_cast<int>(b) == null_branch) continue;
    auto s = Compile(*node.branches[b], type, path);
    if (!s.ok()) continue;  // try the next branch
    s->null_branch = null_branch;
    s->value_branch = static_cast<int>(b);
    return s;
  }
  return Mismatch(path, type, node);
}

Result<Step> Compile(const AvroNode& node, const DataType& wrapped, const std::string& path) {
  const DataType& type = Unwrapped(wrapped);
  if (node.type == AvroType::kUnion) return CompileUnion(node, type, path);
  Step s;
  s.node = &node;
  s.path = path;
  const TypeId id = type.id();
  const std::string& logical = node.logical_type;
  auto integer = [&](bool is_int, int64_t multiply, int64_t divide) {
    s.op = Op::kInteger;
    s.is_int = is_int;
    s.multiply = multiply;
    s.divide = divide;
    return s;
  };
  // Converts between time units: value * to / from, whichever way is whole.
  auto units = [&](bool is_int, int64_t from, int64_t to) {
    return to >= from ? integer(is_int, to / from, 1) : integer(is_int, 1, from / to);
  };
  switch (node.type) {
    case AvroType::kNull:
      if (id == TypeId::kNull) return s;
      break;
    case AvroType::kBoolean:
      if (id == TypeId::kBool) {
        s.op = Op::kBoolean;
        return s;
      }
      break;
    case AvroType::kInt:
    case AvroType::kLong: {
      const bool is_int = node.type == AvroType::kInt;
      if (logical == "date") {
        if (id == TypeId::kDate32) return integer(is_int, 1, 1);
        if (id == TypeId::kDate64) return integer(is_int, 1, 86400000);
      } else if (logical == "time-millis" || logical == "time-micros") {
        const int64_t to = logical == "time-millis" ? 1000 : 1000000;
        if (id == TypeId::kTime32 || id == TypeId::kTime64)
          return units(is_int, arrow::UnitsPerSecond(type.unit()), to);
      } else if (logical.find("timestamp-") != std::string::npos) {
        const int64_t to = logical.ends_with("millis") ? 1000 : logical.ends_with("micros") ? 1000000 : 1000000000;
        const bool zoned = !logical.starts_with("local-");
        if (id == TypeId::kTimestamp && zoned == !type.timezone().empty())
          return units(is_int, arrow::UnitsPerSecond(type.unit()), to);
      } else if (IsInteger(id) || id == TypeId::kDuration) {
        return integer(is_int, 1, 1);
      }
      break;
    }
    case AvroType::kFloat:
      if (id == TypeId::kFloat16 || id == TypeId::kFloat32) {
        s.op = Op::kFloat;
        return s;
      }
      break;
    case AvroType::kDouble:
      if (id == TypeId::kFloat16 || id == TypeId::kFloat32 || id == TypeId::kFloat64) {
        s.op = Op::kDouble;
        return s;
      }
      break;
    case AvroType::kBytes:
      if (logical == "decimal") {
        if (IsDecimal(id) && type.scale() == node.scale && type.precision() <= node.precision) {
          s.op = Op::kDecimalBytes;
          return s;
        }
      } else if (IsBinary(id) || IsUtf8(id)) {
        s.op = Op::kBytes;
        return s;
      }
      break;
    case AvroType::kString:
      if (IsUtf8(id)) {
        s.op = Op::kBytes;
        return s;
      }
      break;
    case AvroType::kFixed:
      if (logical == "decimal" && IsDecimal(id) && type.scale() == node.scale) {
        s.op = Op::kDecimalFixed;
        return s;
      }
      if (logical == "duration" && id == TypeId::kIntervalMonthDayNano) {
        s.op = Op::kDuration;
        return s;
      }
      if (id == TypeId::kFixedSizeBinary && type.byte_width() == node.size) {
        s.op = Op::kFixed;
        return s;
      }
      break;
    case AvroType::kEnum:
      if (IsUtf8(id)) {
        s.op = Op::kEnum;
        for (size_t k = 0; k < node.symbols.size(); ++k) s.symbols.emplace(node.symbols[k], static_cast<int>(k));
        if (node.enum_default) s.enum_default = s.symbols.at(*node.enum_default);
        return s;
      }
      break;
    case AvroType::kArray:
      if (IsList(id)) {
        s.op = Op::kArray;
        HANGAR_ASSIGN_OR_RETURN(auto items, Compile(*node.items, *type.child(0)->type(), path + "[]"));
        s.children.push_back(std::move(items));
        return s;
      }
      break;
    case AvroType::kMap:
      if (id == TypeId::kMap && IsUtf8(Unwrapped(*type.child(0)->type()->child(0)->type()).id())) {
        s.op = Op::kMap;
        HANGAR_ASSIGN_OR_RETURN(auto values,
                                Compile(*node.values, *type.child(0)->type()->child(1)->type(), path + "{}"));
        s.children.push_back(std::move(values));
        return s;
      }
      break;
    case AvroType::kRecord:
      if (id == TypeId::kStruct) return CompileRecord(node, type.children(), path);
      break;
    case AvroType::kUnion: break;  // handled above
  }
  return Mismatch(path, type, node);
}

class RowWriter {
 public:
  explicit RowWriter(std::string* out) : out_(out) {}

  Status Write(const Step& s, const Array& a, int64_t i) {
    // Avro's null type holds nulls (of a null column, or a dictionary of nulls) as nothing.
    if (s.op != Op::kArrowUnion && s.op != Op::kNull && a.type->id() != TypeId::kNull && !arrow::IsLogicallyValid(a, i))
      return WriteNull(s);
    if (a.type->id() == TypeId::kDictionary) return Write(s, *a.dictionary, arrow::DictionaryIndex(a, i));
    if (a.type->id() == TypeId::kRunEndEncoded) return Write(s, *a.children[1], arrow::RunEndValueIndex(a, i));
    if (s.op == Op::kArrowUnion) {
      int child;
      int64_t row;
      arrow::UnionSlot(a, i, &child, &row);
      const Array& c = *a.children[static_cast<size_t>(child)];
      const Step& cs = s.children[static_cast<size_t>(child)];
      if (!arrow::IsLogicallyValid(c, row) && cs.op != Op::kNull) return WriteNull(s);
      WriteLong(s.branches[static_cast<size_t>(child)], out_);
      return Write(cs, c, row);
    }
    if (s.value_branch >= 0)
      WriteLong(s.value_branch, out_);
    else if (s.op == Op::kNull && s.null_branch >= 0)
      WriteLong(s.null_branch, out_);
    switch (s.op) {
      case Op::kNull: return Status::OK();
      case Op::kBoolean:
        out_->push_back(arrow::bit::Get(a.buffers[1]->data(), a.offset + i) ? 1 : 0);
        return Status::OK();
      case Op::kInteger: return Integer(s, a, i);
      case Op::kFloat: {
        const float v = a.type->id() == TypeId::kFloat16 ? arrow::HalfToFloat(Load<uint16_t>(a, i)) : Load<float>(a, i);
        out_->append(reinterpret_cast<const char*>(&v), 4);
        return Status::OK();
      }
      case Op::kDouble: {
        const TypeId id = a.type->id();
        const double v = id == TypeId::kFloat16   ? arrow::HalfToFloat(Load<uint16_t>(a, i))
                         : id == TypeId::kFloat32 ? Load<float>(a, i)
                                                  : Load<double>(a, i);
        out_->append(reinterpret_cast<const char*>(&v), 8);
        return Status::OK();
      }
      case Op::kBytes: AppendBytes(arrow::BinaryValue(a, i), out_); return Status::OK();
      case Op::kFixed: out_->append(arrow::BinaryValue(a, i)); return Status::OK();
      case Op::kDecimalBytes:
      case Op::kDecimalFixed: {
        const int width = a.type->bit_width() / 8;
        const uint8_t* le = a.buffers[1]->data() + (a.offset + i) * width;
        if (s.op == Op::kDecimalBytes) {
          AppendDecimal(le, width, out_);
          return Status::OK();
        }
        if (!AppendFixedDecimal(le, width, s.node->size, out_))
          return Status::Invalid("column '" + s.path + "': a decimal too wide for fixed(" +
                                 std::to_string(s.node->size) + ")");
        return Status::OK();
      }
      case Op::kDuration: {
        const auto v = Load<arrow::MonthDayNanoInterval>(a, i);
        if (v.months < 0 || v.days < 0 || v.nanoseconds < 0 || v.nanoseconds % 1000000 != 0 ||
            v.nanoseconds / 1000000 > UINT32_MAX)
          return Status::Invalid("column '" + s.path +
                                 "': an Avro duration holds non-negative months, days and whole milliseconds");
        const uint32_t parts[3] = {static_cast<uint32_t>(v.months), static_cast<uint32_t>(v.days),
                                   static_cast<uint32_t>(v.nanoseconds / 1000000)};
        out_->append(reinterpret_cast<const char*>(parts), 12);
        return Status::OK();
      }
      case Op::kEnum: {
        const std::string symbol(arrow::BinaryValue(a, i));
        auto it = s.symbols.find(symbol);
        if (it == s.symbols.end() && s.enum_default < 0)
          return Status::Invalid("column '" + s.path + "': '" + symbol + "' is not a symbol of enum '" +
                                 s.node->full_name + "'");
        WriteLong(it == s.symbols.end() ? s.enum_default : it->second, out_);
        return Status::OK();
      }
      case Op::kArray:
      case Op::kMap: {
        int64_t begin, end;
        arrow::ListRange(a, i, &begin, &end);
        if (end > begin) {
          WriteLong(end - begin, out_);
          const Array& child = *a.children[0];
          for (int64_t j = begin; j < end; ++j) {
            if (s.op == Op::kArray) {
              HANGAR_RETURN_NOT_OK(Write(s.children[0], child, j));
            } else {
              AppendBytes(KeyOf(*child.children[0], child.offset + j), out_);
              HANGAR_RETURN_NOT_OK(Write(s.children[0], *child.children[1], child.offset + j));
            }
          }
        }
        WriteLong(0, out_);
        return Status::OK();
      }
      case Op::kRecord:
        for (size_t f = 0; f < s.columns.size(); ++f) {
          if (s.columns[f] < 0) {
            WriteLong(0, out_);  // the null default
            continue;
          }
          HANGAR_RETURN_NOT_OK(Write(s.children[f], *a.children[static_cast<size_t>(s.columns[f])], a.offset + i));
        }
        return Status::OK();
      case Op::kArrowUnion: break;  // handled above
    }
    return Status::Internal("unknown encoder step");
  }

  // The fields of the root record from the batch's columns.
  Status WriteRoot(const Step& s, const arrow::RecordBatch& batch, int64_t row) {
    for (size_t f = 0; f < s.columns.size(); ++f) {
      if (s.columns[f] < 0) {
        WriteLong(0, out_);
        continue;
      }
      HANGAR_RETURN_NOT_OK(Write(s.children[f], *batch.column(s.columns[f]), row));
    }
    return Status::OK();
  }

 private:
  static std::string_view KeyOf(const Array& keys, int64_t j) {
    if (keys.type->id() == TypeId::kDictionary) return KeyOf(*keys.dictionary, arrow::DictionaryIndex(keys, j));
    return arrow::BinaryValue(keys, j);
  }

  Status WriteNull(const Step& s) {
    if (s.null_branch < 0)
      return Status::Invalid("column '" + s.path + "' holds a null, which Avro " +
                             std::string(AvroTypeName(s.node->type)) + " cannot");
    WriteLong(s.null_branch, out_);
    return Status::OK();
  }

  Status Integer(const Step& s, const Array& a, int64_t i) {
    int64_t v = 0;
    switch (a.type->id()) {
      case TypeId::kUInt64: {
        const uint64_t u = Load<uint64_t>(a, i);
        if (u > static_cast<uint64_t>(INT64_MAX))
          return Status::Invalid("column '" + s.path + "': " + std::to_string(u) + " is beyond Avro's long");
        v = static_cast<int64_t>(u);
        break;
      }
      case TypeId::kDate32:
      case TypeId::kTime32: v = Load<int32_t>(a, i); break;
      default: v = arrow::LoadInteger(a, a.offset + i);  // integers, and the 64-bit temporal types
    }
    if (s.divide != 1) {
      if (v % s.divide != 0)
        return Status::Invalid("column '" + s.path + "': " + std::to_string(v) + " has more precision than Avro " +
                               (s.node->logical_type.empty() ? std::string("type") : s.node->logical_type) + " holds");
      v /= s.divide;
    }
    if (s.multiply != 1) {
      if (__builtin_mul_overflow(v, s.multiply, &v))
        return Status::Invalid("column '" + s.path + "': a value overflows Avro long");
    }
    if (s.is_int && (v < INT32_MIN || v > INT32_MAX))
      return Status::Invalid("column '" + s.path + "': " + std::to_string(v) + " is beyond Avro's int");
    WriteLong(v, out_);
    return Status::OK();
  }

  std::string* out_;
};

}  // namespace

Result<std::string> AvroSchemaJsonOf(const arrow::Schema& schema, std::string_view record_name) {
  const std::string name = AvroNameFrom(record_name);
  HANGAR_ASSIGN_OR_RETURN(auto record, TypeJson(*arrow::struct_(schema.fields()), "", name));
  record["namespace"] = "hangar";
  return JsonText(record);
}

Encoder::~Encoder() = default;

Result<std::unique_ptr<Encoder>> Encoder::Make(arrow::SchemaPtr schema, std::shared_ptr<const AvroSchema> avro) {
  if (avro->root().type != AvroType::kRecord)
    return Status::Invalid("rows are written as an Avro record; the schema is " +
                           std::string(AvroTypeName(avro->root().type)));
  HANGAR_ASSIGN_OR_RETURN(auto root, CompileRecord(avro->root(), schema->fields(), ""));
  std::unique_ptr<Encoder> e(new Encoder());
  e->root_ = std::make_unique<Step>(std::move(root));
  e->arrow_ = std::move(schema);
  e->avro_ = std::move(avro);
  return e;
}

Result<std::unique_ptr<Encoder>> Encoder::Make(arrow::SchemaPtr schema, std::string_view record_name) {
  HANGAR_ASSIGN_OR_RETURN(auto text, AvroSchemaJsonOf(*schema, record_name));
  HANGAR_ASSIGN_OR_RETURN(auto avro, AvroSchema::Parse(text));
  return Make(std::move(schema), std::move(avro));
}

Status Encoder::EncodeRow(const arrow::RecordBatch& batch, int64_t row, std::string* out) const {
  return RowWriter(out).WriteRoot(*root_, batch, row);
}

}  // namespace hangar::avro
