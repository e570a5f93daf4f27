#include "store/partition_spec.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "arrow/buffer.h"
#include "base/client_json.h"
#include "base/json_text.h"

namespace hangar::store {

namespace {

using arrow::TypeId;

constexpr const char* kNullValue = "__HIVE_DEFAULT_PARTITION__";

bool IsSignedInt(TypeId id) {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}
bool IsInt(TypeId id) {
  return IsSignedInt(id) || id == TypeId::kUInt8 || id == TypeId::kUInt16 || id == TypeId::kUInt32 ||
         id == TypeId::kUInt64;
}
bool IsString(TypeId id) { return id == TypeId::kUtf8 || id == TypeId::kLargeUtf8; }
bool IsBinary(TypeId id) { return id == TypeId::kBinary || id == TypeId::kLargeBinary; }
bool IsTemporal(TypeId id) { return id == TypeId::kDate32 || id == TypeId::kDate64 || id == TypeId::kTimestamp; }

// Whether `transform` takes a column of type `id`; Iceberg's table of
// transforms, restricted to the types Hangar computes them for.
bool Accepts(Transform transform, TypeId id) {
  switch (transform) {
    case Transform::kIdentity: return IsInt(id) || IsString(id) || id == TypeId::kBool || IsTemporal(id);
    case Transform::kYear:
    case Transform::kMonth:
    case Transform::kDay: return IsTemporal(id);
    case Transform::kHour: return id == TypeId::kTimestamp;
    case Transform::kBucket:
      return IsSignedInt(id) || IsString(id) || IsBinary(id) || id == TypeId::kDate32 || id == TypeId::kTimestamp ||
             id == TypeId::kDecimal128;
    case Transform::kTruncate: return IsSignedInt(id) || IsString(id) || IsBinary(id);
  }
  return false;
}

Result<std::pair<Transform, int32_t>> ParseTransform(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::map<std::string, Transform> plain = {{"identity", Transform::kIdentity},
                                                         {"year", Transform::kYear},
                                                         {"month", Transform::kMonth},
                                                         {"day", Transform::kDay},
                                                         {"hour", Transform::kHour}};
  if (auto it = plain.find(text); it != plain.end()) return std::make_pair(it->second, int32_t{0});
  for (auto [prefix, transform] :
       {std::pair{"bucket[", Transform::kBucket}, std::pair{"truncate[", Transform::kTruncate}}) {
    const std::string p = prefix;
    if (!text.starts_with(p) || !text.ends_with("]")) continue;
    const std::string number = text.substr(p.size(), text.size() - p.size() - 1);
    char* end = nullptr;
    const long n = std::strtol(number.c_str(), &end, 10);
    if (number.empty() || *end != '\0' || n <= 0 || n > INT32_MAX)
      return Status::Invalid("transform '" + text + "' needs a positive whole number in brackets");
    return std::make_pair(transform, static_cast<int32_t>(n));
  }
  return Status::Invalid("unknown transform '" + text +
                         "' (identity, year, month, day, hour, bucket[N] or truncate[W])");
}

// --- Values ---------------------------------------------------------------------------------

int64_t IntAt(const arrow::Array& a, int64_t i) {
  switch (a.type->id()) {
    case TypeId::kInt8: return a.values<int8_t>()[i];
    case TypeId::kInt16: return a.values<int16_t>()[i];
    case TypeId::kInt32:
    case TypeId::kDate32: return a.values<int32_t>()[i];
    case TypeId::kUInt8: return a.values<uint8_t>()[i];
    case TypeId::kUInt16: return a.values<uint16_t>()[i];
    case TypeId::kUInt32: return a.values<uint32_t>()[i];
    default: return a.values<int64_t>()[i];  // int64, uint64, date64, timestamp
  }
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Microseconds since the epoch of a date or timestamp value.
int64_t MicrosAt(const arrow::Array& a, int64_t i) {
  const int64_t v = IntAt(a, i);
  switch (a.type->id()) {
    case TypeId::kDate32: return v * 86'400'000'000LL;
    case TypeId::kDate64: return v * 1000;
    default: break;
  }
  switch (a.type->unit()) {
    case arrow::TimeUnit::kSecond: return v * 1'000'000;
    case arrow::TimeUnit::kMilli: return v * 1000;
    case arrow::TimeUnit::kMicro: return v;
    case arrow::TimeUnit::kNano: return FloorDiv(v, 1000);
  }
  return v;
}

struct Civil {
  int64_t year;
  int month, day;
};

// The proleptic Gregorian date of a day number (days since 1970-01-01).
Civil CivilFromDays(int64_t days) {
  days += 719468;  // days from 0000-03-01 to 1970-01-01
  const int64_t era = FloorDiv(days, 146097);
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;  // March-based month
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

std::string Format(const char* format, auto... values) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, values...);
  return buf;
}

std::string DayText(int64_t days) {
  const Civil c = CivilFromDays(days);
  return Format("%04lld-%02d-%02d", static_cast<long long>(c.year), c.month, c.day);
}

// Iceberg's bytes of a value for hashing (Appendix B of the spec).
std::string HashBytes(const arrow::Array& a, int64_t i) {
  const TypeId id = a.type->id();
  auto little_endian_long = [](int64_t v) {
    std::string out(8, '\0');
    for (int b = 0; b < 8; ++b) out[b] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * b)) & 0xff);
    return out;
  };
  if (IsSignedInt(id) || id == TypeId::kDate32) return little_endian_long(IntAt(a, i));
  if (id == TypeId::kTimestamp) return little_endian_long(MicrosAt(a, i));
  if (id == TypeId::kDecimal128) {
    // The unscaled value's shortest big-endian two's complement bytes.
    const uint8_t* le = a.raw<uint8_t>(1) + 16 * (a.offset + i);
    std::string be(16, '\0');
    for (int b = 0; b < 16; ++b) be[b] = static_cast<char>(le[15 - b]);
    size_t start = 0;
    while (start + 1 < be.size()) {
      const auto lead = static_cast<uint8_t>(be[start]);
      const auto next = static_cast<uint8_t>(be[start + 1]);
      if ((lead == 0x00 && !(next & 0x80)) || (lead == 0xff && (next & 0x80)))
        ++start;
      else
        break;
    }
    return be.substr(start);
  }
  return std::string(a.GetBinary(i));  // strings (UTF-8) and binaries
}

// The first `width` code points of UTF-8 text.
std::string_view TruncateUtf8(std::string_view text, int32_t width) {
  size_t at = 0;
  for (int32_t n = 0; n < width && at < text.size(); ++n) {
    ++at;
    while (at < text.size() && (static_cast<uint8_t>(text[at]) & 0xc0) == 0x80) ++at;
  }
  return text.substr(0, at);
}

// A value as Iceberg prints it in a partition path, before escaping.
std::string ValueText(const PartitionField& f, const arrow::Array& a, int64_t i) {
  const TypeId id = a.type->id();
  switch (f.transform) {
    case Transform::kYear: return std::to_string(CivilFromDays(FloorDiv(MicrosAt(a, i), 86'400'000'000LL)).year);
    case Transform::kMonth: {
      const Civil c = CivilFromDays(FloorDiv(MicrosAt(a, i), 86'400'000'000LL));
      return Format("%04lld-%02d", static_cast<long long>(c.year), c.month);
    }
    case Transform::kDay: return DayText(FloorDiv(MicrosAt(a, i), 86'400'000'000LL));
    case Transform::kHour: {
      const int64_t hours = FloorDiv(MicrosAt(a, i), 3'600'000'000LL);
      return DayText(FloorDiv(hours, 24)) + Format("-%02d", static_cast<int>(hours - FloorDiv(hours, 24) * 24));
    }
    case Transform::kBucket: {
      const std::string bytes = HashBytes(a, i);
      const int32_t hash = IcebergHash(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      return std::to_string((hash & INT32_MAX) % f.width);
    }
    case Transform::kTruncate: {
      if (IsSignedInt(id)) {
        const int64_t v = IntAt(a, i);
        return std::to_string(v - (((v % f.width) + f.width) % f.width));
      }
      const std::string_view text = a.GetBinary(i);
      return std::string(IsString(id) ? TruncateUtf8(text, f.width) : text.substr(0, static_cast<size_t>(f.width)));
    }
    case Transform::kIdentity: break;
  }
  if (id == TypeId::kBool) return arrow::bit::Get(a.raw<uint8_t>(1), a.offset + i) ? "true" : "false";
  if (id == TypeId::kUInt64) return std::to_string(static_cast<uint64_t>(IntAt(a, i)));
  if (IsInt(id)) return std::to_string(IntAt(a, i));
  if (IsString(id)) return std::string(a.GetBinary(i));
  const int64_t micros = MicrosAt(a, i);
  const int64_t days = FloorDiv(micros, 86'400'000'000LL);
  if (id != TypeId::kTimestamp) return DayText(days);
  const int64_t in_day = micros - days * 86'400'000'000LL;
  return DayText(days) + Format("T%02d:%02d:%02d.%06d", static_cast<int>(in_day / 3'600'000'000LL),
                                static_cast<int>(in_day / 60'000'000 % 60), static_cast<int>(in_day / 1'000'000 % 60),
                                static_cast<int>(in_day % 1'000'000));
}

std::string Escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-')
      out += static_cast<char>(c);
    else
      out += Format("%%%02X", c);
  }
  return out;
}

}  // namespace

std::string TransformName(const PartitionField& field) {
  switch (field.transform) {
    case Transform::kIdentity: return "identity";
    case Transform::kYear: return "year";
    case Transform::kMonth: return "month";
    case Transform::kDay: return "day";
    case Transform::kHour: return "hour";
    case Transform::kBucket: return "bucket[" + std::to_string(field.width) + "]";
    case Transform::kTruncate: return "truncate[" + std::to_string(field.width) + "]";
  }
  return "";
}

Result<PartitionSpec> ParsePartitionSpec(std::string_view text, const arrow::Schema& schema) {
  auto json = ParseClientJson(text);
  if (json.is_discarded() || !json.is_object() || !json.contains("fields") || !json["fields"].is_array())
    return Status::Invalid("partition_spec must be {\"spec_id\": 0, \"fields\": [...]}");
  PartitionSpec spec;
  if (json.contains("spec_id")) {
    if (!json["spec_id"].is_number_integer()) return Status::Invalid("partition_spec: spec_id must be a number");
    spec.spec_id = json["spec_id"].get<int>();
  }
  std::set<std::string> names;
  for (size_t n = 0; n < json["fields"].size(); ++n) {
    const auto& f = json["fields"][n];
    const std::string where = "partition_spec field " + std::to_string(n);
    if (!f.is_object()) return Status::Invalid(where + " must be an object");
    PartitionField field;
    int column = -1;
    if (f.contains("source_name") && f["source_name"].is_string()) {
      field.source = f["source_name"].get<std::string>();
      column = schema.GetFieldIndex(field.source);
      if (column < 0) return Status::Invalid(where + ": source column '" + field.source + "' is not in the schema");
    } else if (f.contains("source_id") && f["source_id"].is_number_integer()) {
      const int64_t id = f["source_id"].get<int64_t>();
      if (id < 1 || id > schema.num_fields())
        return Status::Invalid(where + ": source_id " + std::to_string(id) + " is not a column (1 to " +
                               std::to_string(schema.num_fields()) + ", in schema order)");
      column = static_cast<int>(id - 1);
      field.source = schema.field(column)->name();
    } else {
      return Status::Invalid(where + " needs \"source_name\" (a column) or \"source_id\" (its 1-based position)");
    }
    if (!f.contains("transform") || !f["transform"].is_string())
      return Status::Invalid(where +
                             " needs a \"transform\" (identity, year, month, day, hour, bucket[N], truncate[W])");
    auto transform = ParseTransform(f["transform"].get<std::string>());
    if (!transform.ok()) return transform.status().WithContext(where);
    field.transform = transform->first;
    field.width = transform->second;
    const auto& type = *schema.field(column)->type();
    if (!Accepts(field.transform, type.id()))
      return Status::Invalid(where + ": transform " + TransformName(field) + " does not take column '" + field.source +
                             "' of type " + type.ToString());
    std::string suffix = TransformName(field);
    std::replace(suffix.begin(), suffix.end(), '[', '_');
    std::erase(suffix, ']');
    field.name = f.value("name", field.transform == Transform::kIdentity ? field.source : field.source + "_" + suffix);
    if (field.name.empty() ||
        !std::all_of(field.name.begin(), field.name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; }))
      return Status::Invalid(where + ": name '" + field.name + "' must be letters, digits and underscores");
    if (!names.insert(field.name).second) return Status::Invalid(where + ": name '" + field.name + "' is used twice");
    field.field_id = f.value("field_id", 1000 + static_cast<int>(n));
    spec.fields.push_back(std::move(field));
  }
  if (spec.fields.empty()) return Status::Invalid("partition_spec has no fields");
  return spec;
}

std::string SerializePartitionSpec(const PartitionSpec& spec) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : spec.fields)
    fields.push_back(
        {{"source_name", f.source}, {"field_id", f.field_id}, {"name", f.name}, {"transform", TransformName(f)}});
  return JsonText(nlohmann::json{{"spec_id", spec.spec_id}, {"fields", fields}});
}

int32_t IcebergHash(const uint8_t* data, size_t size) {
  constexpr uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  uint32_t h = 0;
  const size_t blocks = size / 4;
  for (size_t b = 0; b < blocks; ++b) {
    uint32_t k = static_cast<uint32_t>(data[4 * b]) | static_cast<uint32_t>(data[4 * b + 1]) << 8 |
                 static_cast<uint32_t>(data[4 * b + 2]) << 16 | static_cast<uint32_t>(data[4 * b + 3]) << 24;
    k *= c1;
    k = rotl(k, 15);
    k *= c2;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  const uint8_t* tail = data + 4 * blocks;
  uint32_t k = 0;
  switch (size & 3) {
    case 3: k ^= static_cast<uint32_t>(tail[2]) << 16; [[fallthrough]];
    case 2: k ^= static_cast<uint32_t>(tail[1]) << 8; [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = rotl(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(size);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return static_cast<int32_t>(h);
}

Result<std::vector<std::string>> PartitionPaths(const PartitionSpec& spec, const arrow::RecordBatch& batch) {
  std::vector<const arrow::Array*> columns;
  for (const auto& f : spec.fields) {
    const int c = batch.schema->GetFieldIndex(f.source);
    if (c < 0) return Status::Invalid("partition source column '" + f.source + "' is missing");
    columns.push_back(batch.column(c).get());
  }
  std::vector<std::string> paths(static_cast<size_t>(batch.num_rows));
  for (int64_t i = 0; i < batch.num_rows; ++i) {
    std::string& path = paths[static_cast<size_t>(i)];
    for (size_t f = 0; f < spec.fields.size(); ++f) {
      if (f) path += '/';
      path += spec.fields[f].name + "=";
      path += columns[f]->IsNull(i) ? std::string(kNullValue) : Escape(ValueText(spec.fields[f], *columns[f], i));
    }
  }
  return paths;
}

bool IsPartitionPath(std::string_view path) {
  if (path.empty()) return false;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    const size_t eq = segment.find('=');
    if (segment.empty() || segment.front() == '.' || eq == std::string_view::npos || eq == 0) return false;
    for (unsigned char c : segment)
      if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != '%' && c != '=') return false;
    start = slash + 1;
  }
  return true;
}

namespace {

class PartitionIdSource : public arrow::RecordBatchSource {
 public:
  PartitionIdSource(std::unique_ptr<arrow::RecordBatchSource> inner, PartitionSpec spec,
                    std::vector<std::string>* paths, int64_t max_partitions)
      : inner_(std::move(inner)), spec_(std::move(spec)), paths_(paths), max_partitions_(max_partitions) {
    auto fields = inner_->schema()->fields();
    fields.push_back(arrow::field(kPartitionIdColumn, arrow::int32(), false));
    schema_ = std::make_shared<arrow::Schema>(std::move(fields), inner_->schema()->metadata());
  }
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr) return batch;
    HANGAR_ASSIGN_OR_RETURN(auto paths, PartitionPaths(spec_, *batch));
    uint8_t* data = nullptr;
    auto buffer = arrow::AllocateBufferForOverwrite(batch->num_rows * 4, &data);
    auto* ids = reinterpret_cast<int32_t*>(data);
    for (int64_t i = 0; i < batch->num_rows; ++i) {
      auto [it, added] = numbers_.emplace(paths[static_cast<size_t>(i)], static_cast<int32_t>(paths_->size()));
      if (added && static_cast<int64_t>(paths_->size()) >= max_partitions_)
        return Status::ResourceExhausted("the write reaches more than " + std::to_string(max_partitions_) +
                                         " partitions of the table, the limit of one put (the server's "
                                         "--max-put-partitions); put fewer partitions at once");
      if (added) paths_->push_back(it->first);
      ids[i] = it->second;
    }
    auto columns = batch->columns;
    columns.push_back(arrow::MakeArray(arrow::int32(), batch->num_rows, {nullptr, std::move(buffer)}, {}, 0));
    return arrow::MakeRecordBatch(schema_, batch->num_rows, std::move(columns));
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  PartitionSpec spec_;
  std::vector<std::string>* paths_;
  const int64_t max_partitions_;
  std::map<std::string, int32_t> numbers_;
  arrow::SchemaPtr schema_;
};

}  // namespace

std::unique_ptr<arrow::RecordBatchSource> WithPartitionIds(std::unique_ptr<arrow::RecordBatchSource> source,
                                                           const PartitionSpec& spec, std::vector<std::string>* paths,
                                                           int64_t max_partitions) {
  return std::make_unique<PartitionIdSource>(std::move(source), spec, paths, max_partitions);
}

}  // namespace hangar::store
