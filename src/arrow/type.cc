#include "arrow/type.h"

#include <algorithm>
#include <sstream>

namespace hangar::arrow {

int64_t UnitsPerSecond(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return 1;
    case TimeUnit::kMilli: return 1000;
    case TimeUnit::kMicro: return 1000000;
    case TimeUnit::kNano: return 1000000000;
  }
  return 1;
}

std::string_view TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return "s";
    case TimeUnit::kMilli: return "ms";
    case TimeUnit::kMicro: return "us";
    case TimeUnit::kNano: return "ns";
  }
  return "?";
}

bool MetadataEquals(const KeyValueMetadata& a, const KeyValueMetadata& b) {
  if (a.size() != b.size()) return false;
  if (a == b) return true;
  KeyValueMetadata sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  return sa == sb;
}

std::optional<std::string_view> FindMetadata(const KeyValueMetadata& md, std::string_view key) {
  for (const auto& [k, v] : md) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

DataType::DataType(Params p)
    : id_(p.id),
      unit_(p.unit),
      timezone_(std::move(p.timezone)),
      byte_width_(p.byte_width),
      list_size_(p.list_size),
      precision_(p.precision),
      scale_(p.scale),
      keys_sorted_(p.keys_sorted),
      ordered_(p.ordered),
      type_codes_(std::move(p.type_codes)),
      index_type_(std::move(p.index_type)),
      value_type_(std::move(p.value_type)),
      children_(std::move(p.children)) {}

int DataType::bit_width() const {
  switch (id_) {
    case TypeId::kBool: return 1;
    case TypeId::kInt8:
    case TypeId::kUInt8: return 8;
    case TypeId::kInt16:
    case TypeId::kUInt16:
    case TypeId::kFloat16: return 16;
    case TypeId::kInt32:
    case TypeId::kUInt32:
    case TypeId::kFloat32:
    case TypeId::kDate32:
    case TypeId::kTime32:
    case TypeId::kIntervalYearMonth:
    case TypeId::kDecimal32: return 32;
    case TypeId::kInt64:
    case TypeId::kUInt64:
    case TypeId::kFloat64:
    case TypeId::kDate64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
    case TypeId::kDuration:
    case TypeId::kIntervalDayTime:
    case TypeId::kDecimal64: return 64;
    case TypeId::kDecimal128:
    case TypeId::kIntervalMonthDayNano: return 128;
    case TypeId::kDecimal256: return 256;
    case TypeId::kFixedSizeBinary: return 8 * byte_width_;
    case TypeId::kDictionary: return index_type_->bit_width();
    default: return 0;
  }
}

bool DataType::is_integer() const { return id_ >= TypeId::kInt8 && id_ <= TypeId::kUInt64; }
bool DataType::is_signed_integer() const { return id_ >= TypeId::kInt8 && id_ <= TypeId::kInt64; }
bool DataType::is_floating() const { return id_ >= TypeId::kFloat16 && id_ <= TypeId::kFloat64; }
bool DataType::is_decimal() const { return id_ >= TypeId::kDecimal32 && id_ <= TypeId::kDecimal256; }
bool DataType::is_binary_like() const { return id_ >= TypeId::kUtf8 && id_ <= TypeId::kLargeBinary; }
bool DataType::is_view() const { return id_ == TypeId::kUtf8View || id_ == TypeId::kBinaryView; }
bool DataType::is_list_like() const {
  return (id_ >= TypeId::kList && id_ <= TypeId::kFixedSizeList) || id_ == TypeId::kMap;
}
bool DataType::is_nested() const { return !children_.empty(); }

int DataType::num_fixed_buffers() const {
  switch (id_) {
    case TypeId::kNull: return 0;
    case TypeId::kSparseUnion: return 1;
    case TypeId::kDenseUnion: return 2;
    case TypeId::kRunEndEncoded: return 0;
    case TypeId::kStruct:
    case TypeId::kFixedSizeList: return 1;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kListView:
    case TypeId::kLargeListView: return 3;
    default: return 2;  // validity + values/offsets/views/indices
  }
}

bool DataType::has_validity_bitmap() const {
  switch (id_) {
    case TypeId::kNull:
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion:
    case TypeId::kRunEndEncoded: return false;
    default: return true;
  }
}

bool DataType::Equals(const DataType& o, bool check_metadata) const {
  if (this == &o) return true;
  if (id_ != o.id_) return false;
  switch (id_) {
    case TypeId::kTime32:
    case TypeId::kTime64:
    case TypeId::kDuration:
      if (unit_ != o.unit_) return false;
      break;
    case TypeId::kTimestamp:
      if (unit_ != o.unit_ || timezone_ != o.timezone_) return false;
      break;
    case TypeId::kFixedSizeBinary:
      if (byte_width_ != o.byte_width_) return false;
      break;
    case TypeId::kFixedSizeList:
      if (list_size_ != o.list_size_) return false;
      break;
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      if (precision_ != o.precision_ || scale_ != o.scale_) return false;
      break;
    case TypeId::kMap:
      if (keys_sorted_ != o.keys_sorted_) return false;
      break;
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion:
      if (type_codes_ != o.type_codes_) return false;
      break;
    case TypeId::kDictionary:
      if (ordered_ != o.ordered_ || !index_type_->Equals(*o.index_type_, check_metadata) ||
          !value_type_->Equals(*o.value_type_, check_metadata))
        return false;
      break;
    default: break;
  }
  if (children_.size() != o.children_.size()) return false;
  if (id_ == TypeId::kMap) {
    // As in Arrow C++, the names of a map's entries, key and value fields are
    // not part of its type ("entries"/"key"/"value" by convention only).
    const DataType& e = *children_[0]->type();
    const DataType& oe = *o.children_[0]->type();
    if (e.num_children() != 2 || oe.num_children() != 2) return e.Equals(oe, check_metadata);
    for (int k = 0; k < 2; ++k) {
      const Field& f = *e.child(k);
      const Field& of = *oe.child(k);
      if (f.nullable() != of.nullable() || !f.type()->Equals(*of.type(), check_metadata)) return false;
    }
    return true;
  }
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!children_[i]->Equals(*o.children_[i], check_metadata)) return false;
  }
  return true;
}

namespace {

std::string_view SimpleName(TypeId id) {
  switch (id) {
    case TypeId::kNull: return "null";
    case TypeId::kBool: return "bool";
    case TypeId::kInt8: return "int8";
    case TypeId::kInt16: return "int16";
    case TypeId::kInt32: return "int32";
    case TypeId::kInt64: return "int64";
    case TypeId::kUInt8: return "uint8";
    case TypeId::kUInt16: return "uint16";
    case TypeId::kUInt32: return "uint32";
    case TypeId::kUInt64: return "uint64";
    case TypeId::kFloat16: return "float16";
    case TypeId::kFloat32: return "float32";
    case TypeId::kFloat64: return "float64";
    case TypeId::kUtf8: return "utf8";
    case TypeId::kLargeUtf8: return "large_utf8";
    case TypeId::kBinary: return "binary";
    case TypeId::kLargeBinary: return "large_binary";
    case TypeId::kUtf8View: return "utf8_view";
    case TypeId::kBinaryView: return "binary_view";
    case TypeId::kDate32: return "date32";
    case TypeId::kDate64: return "date64";
    case TypeId::kIntervalYearMonth: return "interval[year_month]";
    case TypeId::kIntervalDayTime: return "interval[day_time]";
    case TypeId::kIntervalMonthDayNano: return "interval[month_day_nano]";
    case TypeId::kFixedSizeBinary: return "fixed_size_binary";
    case TypeId::kDecimal32: return "decimal32";
    case TypeId::kDecimal64: return "decimal64";
    case TypeId::kDecimal128: return "decimal128";
    case TypeId::kDecimal256: return "decimal256";
    case TypeId::kTime32: return "time32";
    case TypeId::kTime64: return "time64";
    case TypeId::kTimestamp: return "timestamp";
    case TypeId::kDuration: return "duration";
    case TypeId::kList: return "list";
    case TypeId::kLargeList: return "large_list";
    case TypeId::kListView: return "list_view";
    case TypeId::kLargeListView: return "large_list_view";
    case TypeId::kFixedSizeList: return "fixed_size_list";
    case TypeId::kStruct: return "struct";
    case TypeId::kMap: return "map";
    case TypeId::kSparseUnion: return "sparse_union";
    case TypeId::kDenseUnion: return "dense_union";
    case TypeId::kDictionary: return "dictionary";
    case TypeId::kRunEndEncoded: return "run_end_encoded";
  }
  return "?";
}

void AppendChildren(std::ostringstream& os, const std::vector<FieldPtr>& children) {
  for (size_t i = 0; i < children.size(); ++i) {
    if (i) os << ", ";
    os << children[i]->ToString();
  }
}

}  // namespace

std::string DataType::ToString() const {
  std::ostringstream os;
  os << SimpleName(id_);
  switch (id_) {
    case TypeId::kFixedSizeBinary: os << "[" << byte_width_ << "]"; break;
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: os << "(" << precision_ << ", " << scale_ << ")"; break;
    case TypeId::kTime32:
    case TypeId::kTime64:
    case TypeId::kDuration: os << "[" << TimeUnitName(unit_) << "]"; break;
    case TypeId::kTimestamp:
      os << "[" << TimeUnitName(unit_);
      if (!timezone_.empty()) os << ", tz=" << timezone_;
      os << "]";
      break;
    case TypeId::kFixedSizeList: os << "<" << children_[0]->ToString() << ">[" << list_size_ << "]"; break;
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView:
    case TypeId::kStruct:
    case TypeId::kRunEndEncoded:
      os << "<";
      AppendChildren(os, children_);
      os << ">";
      break;
    case TypeId::kMap: {
      const auto& entries = children_[0]->type();
      os << "<" << entries->child(0)->type()->ToString() << ", " << entries->child(1)->type()->ToString();
      if (keys_sorted_) os << ", keys_sorted";
      os << ">";
      break;
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion:
      os << "<";
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) os << ", ";
        os << children_[i]->ToString() << "=" << static_cast<int>(type_codes_[i]);
      }
      os << ">";
      break;
    case TypeId::kDictionary:
      os << "<values=" << value_type_->ToString() << ", indices=" << index_type_->ToString();
      if (ordered_) os << ", ordered";
      os << ">";
      break;
    default: break;
  }
  return os.str();
}

// --- Field / Schema -------------------------------------------------------------

std::optional<std::string_view> Field::extension_name() const {
  return FindMetadata(metadata_, "ARROW:extension:name");
}

FieldPtr Field::WithName(std::string name) const {
  return std::make_shared<Field>(std::move(name), type_, nullable_, metadata_);
}
FieldPtr Field::WithType(TypePtr type) const {
  return std::make_shared<Field>(name_, std::move(type), nullable_, metadata_);
}
FieldPtr Field::WithNullable(bool nullable) const { return std::make_shared<Field>(name_, type_, nullable, metadata_); }
FieldPtr Field::WithMetadata(KeyValueMetadata metadata) const {
  return std::make_shared<Field>(name_, type_, nullable_, std::move(metadata));
}

bool Field::Equals(const Field& o, bool check_metadata) const {
  if (this == &o) return true;
  if (name_ != o.name_ || nullable_ != o.nullable_) return false;
  if (check_metadata && !MetadataEquals(metadata_, o.metadata_)) return false;
  return type_->Equals(*o.type_, check_metadata);
}

std::string Field::ToString() const {
  std::string out = name_ + ": " + type_->ToString();
  if (!nullable_) out += " not null";
  return out;
}

int Schema::GetFieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i]->name() == name) return static_cast<int>(i);
  }
  return -1;
}

bool Schema::Equals(const Schema& o, bool check_metadata) const { return Diff(o, check_metadata).empty(); }

std::string Schema::Diff(const Schema& o, bool check_metadata) const {
  if (fields_.size() != o.fields_.size()) {
    std::ostringstream os;
    os << "schema has " << fields_.size() << " fields vs " << o.fields_.size();
    // Name the first field that is missing on either side.
    size_t n = std::min(fields_.size(), o.fields_.size());
    for (size_t i = 0; i < n; ++i) {
      if (!fields_[i]->Equals(*o.fields_[i], check_metadata)) {
        os << "; first difference at field " << i << ": '" << fields_[i]->ToString() << "' vs '"
           << o.fields_[i]->ToString() << "'";
        return os.str();
      }
    }
    const auto& longer = fields_.size() > o.fields_.size() ? fields_ : o.fields_;
    os << "; field " << n << " '" << longer[n]->name() << "' is only on one side";
    return os.str();
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!fields_[i]->Equals(*o.fields_[i], check_metadata)) {
      std::ostringstream os;
      os << "field " << i << " '" << fields_[i]->name() << "': " << fields_[i]->ToString() << " vs "
         << o.fields_[i]->ToString();
      if (check_metadata && !MetadataEquals(fields_[i]->metadata(), o.fields_[i]->metadata()) &&
          fields_[i]->Equals(*o.fields_[i], false))
        os << " (metadata differs)";
      return os.str();
    }
  }
  if (check_metadata && !MetadataEquals(metadata_, o.metadata_)) return "schema metadata differs";
  return "";
}

std::string Schema::ToString() const {
  std::string out;
  for (const auto& f : fields_) {
    out += f->ToString();
    out += "\n";
  }
  for (const auto& [k, v] : metadata_) out += "-- metadata: " + k + " = " + v + "\n";
  return out;
}

// --- Factories -----------------------------------------------------------------

namespace {

TypePtr Make(DataType::Params p) { return std::make_shared<const DataType>(std::move(p)); }

TypePtr Simple(TypeId id) {
  DataType::Params p;
  p.id = id;
  return Make(std::move(p));
}

}  // namespace

#define HANGAR_SINGLETON_TYPE(fn, id)           \
  TypePtr fn() {                                \
    static const TypePtr instance = Simple(id); \
    return instance;                            \
  }
HANGAR_SINGLETON_TYPE(null, TypeId::kNull)
HANGAR_SINGLETON_TYPE(boolean, TypeId::kBool)
HANGAR_SINGLETON_TYPE(int8, TypeId::kInt8)
HANGAR_SINGLETON_TYPE(int16, TypeId::kInt16)
HANGAR_SINGLETON_TYPE(int32, TypeId::kInt32)
HANGAR_SINGLETON_TYPE(int64, TypeId::kInt64)
HANGAR_SINGLETON_TYPE(uint8, TypeId::kUInt8)
HANGAR_SINGLETON_TYPE(uint16, TypeId::kUInt16)
HANGAR_SINGLETON_TYPE(uint32, TypeId::kUInt32)
HANGAR_SINGLETON_TYPE(uint64, TypeId::kUInt64)
HANGAR_SINGLETON_TYPE(float16, TypeId::kFloat16)
HANGAR_SINGLETON_TYPE(float32, TypeId::kFloat32)
HANGAR_SINGLETON_TYPE(float64, TypeId::kFloat64)
HANGAR_SINGLETON_TYPE(utf8, TypeId::kUtf8)
HANGAR_SINGLETON_TYPE(large_utf8, TypeId::kLargeUtf8)
HANGAR_SINGLETON_TYPE(binary, TypeId::kBinary)
HANGAR_SINGLETON_TYPE(large_binary, TypeId::kLargeBinary)
HANGAR_SINGLETON_TYPE(utf8_view, TypeId::kUtf8View)
HANGAR_SINGLETON_TYPE(binary_view, TypeId::kBinaryView)
HANGAR_SINGLETON_TYPE(date32, TypeId::kDate32)
HANGAR_SINGLETON_TYPE(date64, TypeId::kDate64)
HANGAR_SINGLETON_TYPE(interval_year_month, TypeId::kIntervalYearMonth)
HANGAR_SINGLETON_TYPE(interval_day_time, TypeId::kIntervalDayTime)
HANGAR_SINGLETON_TYPE(interval_month_day_nano, TypeId::kIntervalMonthDayNano)
#undef HANGAR_SINGLETON_TYPE

TypePtr fixed_size_binary(int32_t byte_width) {
  DataType::Params p;
  p.id = TypeId::kFixedSizeBinary;
  p.byte_width = byte_width;
  return Make(std::move(p));
}

TypePtr decimal(int32_t precision, int32_t scale, int bit_width) {
  DataType::Params p;
  p.id = bit_width == 32    ? TypeId::kDecimal32
         : bit_width == 64  ? TypeId::kDecimal64
         : bit_width == 256 ? TypeId::kDecimal256
                            : TypeId::kDecimal128;
  p.precision = precision;
  p.scale = scale;
  return Make(std::move(p));
}
TypePtr decimal128(int32_t precision, int32_t scale) { return decimal(precision, scale, 128); }
TypePtr decimal256(int32_t precision, int32_t scale) { return decimal(precision, scale, 256); }

namespace {
TypePtr WithUnit(TypeId id, TimeUnit unit, std::string tz = "") {
  DataType::Params p;
  p.id = id;
  p.unit = unit;
  p.timezone = std::move(tz);
  return Make(std::move(p));
}
TypePtr WithChildren(TypeId id, std::vector<FieldPtr> children) {
  DataType::Params p;
  p.id = id;
  p.children = std::move(children);
  return Make(std::move(p));
}
std::vector<int8_t> DefaultCodes(size_t n) {
  std::vector<int8_t> codes(n);
  for (size_t i = 0; i < n; ++i) codes[i] = static_cast<int8_t>(i);
  return codes;
}
}  // namespace

TypePtr time32(TimeUnit unit) { return WithUnit(TypeId::kTime32, unit); }
TypePtr time64(TimeUnit unit) { return WithUnit(TypeId::kTime64, unit); }
TypePtr timestamp(TimeUnit unit, std::string timezone) {
  return WithUnit(TypeId::kTimestamp, unit, std::move(timezone));
}
TypePtr duration(TimeUnit unit) { return WithUnit(TypeId::kDuration, unit); }

TypePtr list(FieldPtr value_field) { return WithChildren(TypeId::kList, {std::move(value_field)}); }
TypePtr list(TypePtr value_type) { return list(field("item", std::move(value_type))); }
TypePtr large_list(FieldPtr value_field) { return WithChildren(TypeId::kLargeList, {std::move(value_field)}); }
TypePtr list_view(FieldPtr value_field) { return WithChildren(TypeId::kListView, {std::move(value_field)}); }
TypePtr large_list_view(FieldPtr value_field) { return WithChildren(TypeId::kLargeListView, {std::move(value_field)}); }
TypePtr fixed_size_list(FieldPtr value_field, int32_t list_size) {
  DataType::Params p;
  p.id = TypeId::kFixedSizeList;
  p.list_size = list_size;
  p.children = {std::move(value_field)};
  return Make(std::move(p));
}
TypePtr struct_(std::vector<FieldPtr> fields) { return WithChildren(TypeId::kStruct, std::move(fields)); }

TypePtr map(FieldPtr entries_field, bool keys_sorted) {
  DataType::Params p;
  p.id = TypeId::kMap;
  p.keys_sorted = keys_sorted;
  p.children = {std::move(entries_field)};
  return Make(std::move(p));
}
TypePtr map(TypePtr key_type, TypePtr item_type, bool keys_sorted) {
  auto entries = struct_({field("key", std::move(key_type), false), field("value", std::move(item_type))});
  return map(field("entries", std::move(entries), false), keys_sorted);
}

TypePtr sparse_union(std::vector<FieldPtr> fields, std::vector<int8_t> type_codes) {
  DataType::Params p;
  p.id = TypeId::kSparseUnion;
  p.type_codes = type_codes.empty() ? DefaultCodes(fields.size()) : std::move(type_codes);
  p.children = std::move(fields);
  return Make(std::move(p));
}
TypePtr dense_union(std::vector<FieldPtr> fields, std::vector<int8_t> type_codes) {
  DataType::Params p;
  p.id = TypeId::kDenseUnion;
  p.type_codes = type_codes.empty() ? DefaultCodes(fields.size()) : std::move(type_codes);
  p.children = std::move(fields);
  return Make(std::move(p));
}

TypePtr dictionary(TypePtr index_type, TypePtr value_type, bool ordered) {
  DataType::Params p;
  p.id = TypeId::kDictionary;
  p.index_type = std::move(index_type);
  p.value_type = std::move(value_type);
  p.ordered = ordered;
  return Make(std::move(p));
}

TypePtr run_end_encoded(TypePtr run_end_type, TypePtr value_type) {
  return WithChildren(TypeId::kRunEndEncoded,
                      {field("run_ends", std::move(run_end_type), false), field("values", std::move(value_type))});
}

TypePtr run_end_encoded(FieldPtr run_ends, FieldPtr values) {
  return WithChildren(TypeId::kRunEndEncoded, {std::move(run_ends), std::move(values)});
}

FieldPtr field(std::string name, TypePtr type, bool nullable, KeyValueMetadata metadata) {
  return std::make_shared<const Field>(std::move(name), std::move(type), nullable, std::move(metadata));
}

SchemaPtr schema(std::vector<FieldPtr> fields, KeyValueMetadata metadata) {
  return std::make_shared<const Schema>(std::move(fields), std::move(metadata));
}

bool HasDictionary(const DataType& type) {
  if (type.id() == TypeId::kDictionary) return true;
  for (const auto& c : type.children()) {
    if (HasDictionary(*c->type())) return true;
  }
  return false;
}

bool HasDictionary(const Schema& schema) {
  for (const auto& f : schema.fields())
    if (HasDictionary(*f->type())) return true;
  return false;
}

Status ValidateType(const DataType& t) {
  auto need_children = [&](size_t n) -> Status {
    if (t.children().size() != n)
      return Status::Invalid(std::string(SimpleName(t.id())) + " type needs " + std::to_string(n) +
                             " child field(s), got " + std::to_string(t.children().size()));
    return Status::OK();
  };
  for (const auto& c : t.children()) {
    if (!c || !c->type()) return Status::Invalid("type has a missing child field");
  }
  switch (t.id()) {
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView: return need_children(1);
    case TypeId::kFixedSizeList:
      HANGAR_RETURN_NOT_OK(need_children(1));
      if (t.list_size() < 0) return Status::Invalid("fixed_size_list size must be >= 0");
      break;
    case TypeId::kFixedSizeBinary:
      if (t.byte_width() < 0) return Status::Invalid("fixed_size_binary width must be >= 0");
      break;
    case TypeId::kMap: {
      HANGAR_RETURN_NOT_OK(need_children(1));
      const auto& entries = t.child(0)->type();
      if (entries->id() != TypeId::kStruct || entries->num_children() != 2)
        return Status::Invalid("map entries must be a struct with two fields (key, value)");
      break;
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      if (t.type_codes().size() != t.children().size())
        return Status::Invalid("union has " + std::to_string(t.children().size()) + " children but " +
                               std::to_string(t.type_codes().size()) + " type codes");
      for (int8_t c : t.type_codes()) {
        if (c < 0) return Status::Invalid("union type code " + std::to_string(c) + " is negative");
      }
      auto codes = t.type_codes();
      std::sort(codes.begin(), codes.end());
      if (std::adjacent_find(codes.begin(), codes.end()) != codes.end())
        return Status::Invalid("union type codes are not unique");
      break;
    }
    case TypeId::kDictionary:
      if (!t.index_type() || !t.value_type()) return Status::Invalid("dictionary type lacks index or value type");
      if (!t.index_type()->is_integer())
        return Status::Invalid("dictionary index type must be an integer, got " + t.index_type()->ToString());
      return ValidateType(*t.value_type());
    case TypeId::kRunEndEncoded: {
      HANGAR_RETURN_NOT_OK(need_children(2));
      auto re = t.child(0)->type()->id();
      if (re != TypeId::kInt16 && re != TypeId::kInt32 && re != TypeId::kInt64)
        return Status::Invalid("run_end_encoded run ends must be int16, int32 or int64");
      break;
    }
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: {
      int max_precision = t.id() == TypeId::kDecimal32    ? 9
                          : t.id() == TypeId::kDecimal64  ? 18
                          : t.id() == TypeId::kDecimal128 ? 38
                                                          : 76;
      if (t.precision() < 1 || t.precision() > max_precision)
        return Status::Invalid(std::string(SimpleName(t.id())) + " precision " + std::to_string(t.precision()) +
                               " out of range 1.." + std::to_string(max_precision));
      break;
    }
    default: break;
  }
  for (const auto& c : t.children()) HANGAR_RETURN_NOT_OK(ValidateType(*c->type()));
  return Status::OK();
}

}  // namespace hangar::arrow
