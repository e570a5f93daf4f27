// Arrow logical types, fields and schemas.
//
// One value class, DataType, describes every Arrow type: an id plus the few
// parameters that id needs (unit, width, children, ...). A flat class instead of
// a deep hierarchy keeps type switches in one place and makes types cheap to
// compare and print. Types are immutable and shared as `TypePtr`.
//
// Extension types are carried the way the IPC format carries them: as the
// storage type plus the field metadata keys `ARROW:extension:name` and
// `ARROW:extension:metadata`, which round-trip untouched.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hangar::arrow {

enum class TypeId : uint8_t {
  kNull,
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat16,
  kFloat32,
  kFloat64,
  kUtf8,
  kLargeUtf8,
  kBinary,
  kLargeBinary,
  kUtf8View,
  kBinaryView,
  kFixedSizeBinary,
  kDecimal32,
  kDecimal64,
  kDecimal128,
  kDecimal256,
  kDate32,
  kDate64,
  kTime32,
  kTime64,
  kTimestamp,
  kDuration,
  kIntervalYearMonth,
  kIntervalDayTime,
  kIntervalMonthDayNano,
  kList,
  kLargeList,
  kListView,
  kLargeListView,
  kFixedSizeList,
  kStruct,
  kMap,
  kSparseUnion,
  kDenseUnion,
  kDictionary,
  kRunEndEncoded,
};

enum class TimeUnit : uint8_t { kSecond, kMilli, kMicro, kNano };
std::string_view TimeUnitName(TimeUnit unit);  // "s", "ms", "us", "ns"
// 1, 1000, 1000000 or 1000000000.
int64_t UnitsPerSecond(TimeUnit unit);

class DataType;
class Field;
using TypePtr = std::shared_ptr<const DataType>;
using FieldPtr = std::shared_ptr<const Field>;

// Ordered key/value pairs (duplicates allowed, as in the IPC format).
using KeyValueMetadata = std::vector<std::pair<std::string, std::string>>;

// Equality of metadata as a multiset of pairs: order does not matter (Arrow
// implementations do not preserve it, e.g. through JSON).
bool MetadataEquals(const KeyValueMetadata& a, const KeyValueMetadata& b);

// Looks up `key`; returns the value of its first occurrence.
std::optional<std::string_view> FindMetadata(const KeyValueMetadata& md, std::string_view key);

class DataType {
 public:
  TypeId id() const { return id_; }

  // Parameters; each is meaningful only for the ids noted.
  TimeUnit unit() const { return unit_; }                                // time32/64, timestamp, duration
  const std::string& timezone() const { return timezone_; }              // timestamp ("" = no zone)
  int32_t byte_width() const { return byte_width_; }                     // fixed_size_binary
  int32_t list_size() const { return list_size_; }                       // fixed_size_list
  int32_t precision() const { return precision_; }                       // decimals
  int32_t scale() const { return scale_; }                               // decimals
  bool keys_sorted() const { return keys_sorted_; }                      // map
  bool ordered() const { return ordered_; }                              // dictionary
  const std::vector<int8_t>& type_codes() const { return type_codes_; }  // unions
  const TypePtr& index_type() const { return index_type_; }              // dictionary
  const TypePtr& value_type() const { return value_type_; }              // dictionary

  // Children: list-likes and map have one (map: the entries struct<key, value>),
  // struct and unions have N, run-end encoded has two (run_ends, values).
  const std::vector<FieldPtr>& children() const { return children_; }
  const FieldPtr& child(size_t i) const { return children_[i]; }
  int num_children() const { return static_cast<int>(children_.size()); }

  // Bit width of one value for fixed-width types (bool = 1, decimal128 = 128,
  // fixed_size_binary = 8 * byte_width, interval_month_day_nano = 128, ...);
  // 0 for variable-width and nested types.
  int bit_width() const;

  bool is_integer() const;
  bool is_signed_integer() const;
  bool is_floating() const;
  bool is_decimal() const;
  bool is_binary_like() const;  // utf8, large_utf8, binary, large_binary
  bool is_view() const;         // utf8_view, binary_view
  bool is_list_like() const;    // list, large_list, list_view, large_list_view, fixed_size_list, map
  bool is_union() const { return id_ == TypeId::kSparseUnion || id_ == TypeId::kDenseUnion; }
  bool is_nested() const;  // has children

  // Number of buffers an array of this type has in the IPC format / C Data
  // Interface, validity included where the layout has one (view types: the
  // fixed part only, without the variadic data buffers).
  int num_fixed_buffers() const;
  // Whether buffer 0 is a validity bitmap (false for null, unions, run-end encoded).
  bool has_validity_bitmap() const;

  // Structural equality; field metadata compared only if `check_metadata`.
  bool Equals(const DataType& other, bool check_metadata = true) const;

  // Readable form: "int32", "timestamp[us, tz=UTC]", "list<item: int32>",
  // "struct<a: int32, b: utf8 not null>", "dictionary<values=utf8, indices=int8>".
  std::string ToString() const;

  // Construction goes through the factory functions below.
  struct Params;
  explicit DataType(Params p);

 private:
  TypeId id_;
  TimeUnit unit_ = TimeUnit::kSecond;
  std::string timezone_;
  int32_t byte_width_ = 0;
  int32_t list_size_ = 0;
  int32_t precision_ = 0;
  int32_t scale_ = 0;
  bool keys_sorted_ = false;
  bool ordered_ = false;
  std::vector<int8_t> type_codes_;
  TypePtr index_type_;
  TypePtr value_type_;
  std::vector<FieldPtr> children_;
};

struct DataType::Params {
  TypeId id = TypeId::kNull;
  TimeUnit unit = TimeUnit::kSecond;
  std::string timezone;
  int32_t byte_width = 0;
  int32_t list_size = 0;
  int32_t precision = 0;
  int32_t scale = 0;
  bool keys_sorted = false;
  bool ordered = false;
  std::vector<int8_t> type_codes;
  TypePtr index_type;
  TypePtr value_type;
  std::vector<FieldPtr> children;
};

class Field {
 public:
  Field(std::string name, TypePtr type, bool nullable = true, KeyValueMetadata metadata = {})
      : name_(std::move(name)), type_(std::move(type)), nullable_(nullable), metadata_(std::move(metadata)) {}

  const std::string& name() const { return name_; }
  const TypePtr& type() const { return type_; }
  bool nullable() const { return nullable_; }
  const KeyValueMetadata& metadata() const { return metadata_; }

  // Extension name from metadata (`ARROW:extension:name`), if any.
  std::optional<std::string_view> extension_name() const;

  FieldPtr WithName(std::string name) const;
  FieldPtr WithType(TypePtr type) const;
  FieldPtr WithNullable(bool nullable) const;
  FieldPtr WithMetadata(KeyValueMetadata metadata) const;

  bool Equals(const Field& other, bool check_metadata = true) const;
  std::string ToString() const;  // "name: type" plus " not null" when not nullable

 private:
  std::string name_;
  TypePtr type_;
  bool nullable_;
  KeyValueMetadata metadata_;
};

class Schema {
 public:
  explicit Schema(std::vector<FieldPtr> fields, KeyValueMetadata metadata = {})
      : fields_(std::move(fields)), metadata_(std::move(metadata)) {}

  const std::vector<FieldPtr>& fields() const { return fields_; }
  const FieldPtr& field(size_t i) const { return fields_[i]; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  const KeyValueMetadata& metadata() const { return metadata_; }

  // Index of the first field named `name`, or -1.
  int GetFieldIndex(std::string_view name) const;

  bool Equals(const Schema& other, bool check_metadata = true) const;
  // Describes the first difference ("field 2 'price': float64 vs int64"), or "" if equal.
  std::string Diff(const Schema& other, bool check_metadata = true) const;
  std::string ToString() const;  // one field per line

 private:
  std::vector<FieldPtr> fields_;
  KeyValueMetadata metadata_;
};
using SchemaPtr = std::shared_ptr<const Schema>;

// --- Factories ---------------------------------------------------------------
// Parameterless types return shared singletons.
TypePtr null();
TypePtr boolean();
TypePtr int8();
TypePtr int16();
TypePtr int32();
TypePtr int64();
TypePtr uint8();
TypePtr uint16();
TypePtr uint32();
TypePtr uint64();
TypePtr float16();
TypePtr float32();
TypePtr float64();
TypePtr utf8();
TypePtr large_utf8();
TypePtr binary();
TypePtr large_binary();
TypePtr utf8_view();
TypePtr binary_view();
TypePtr date32();
TypePtr date64();
TypePtr interval_year_month();
TypePtr interval_day_time();
TypePtr interval_month_day_nano();

TypePtr fixed_size_binary(int32_t byte_width);
// bit_width 32, 64, 128 or 256 selects decimal32/64/128/256.
TypePtr decimal(int32_t precision, int32_t scale, int bit_width = 128);
TypePtr decimal128(int32_t precision, int32_t scale);
TypePtr decimal256(int32_t precision, int32_t scale);
TypePtr time32(TimeUnit unit);  // second or milli
TypePtr time64(TimeUnit unit);  // micro or nano
TypePtr timestamp(TimeUnit unit, std::string timezone = "");
TypePtr duration(TimeUnit unit);

TypePtr list(FieldPtr value_field);
TypePtr list(TypePtr value_type);  // child named "item", nullable
TypePtr large_list(FieldPtr value_field);
TypePtr list_view(FieldPtr value_field);
TypePtr large_list_view(FieldPtr value_field);
TypePtr fixed_size_list(FieldPtr value_field, int32_t list_size);
TypePtr struct_(std::vector<FieldPtr> fields);
// entries: a non-nullable struct<key: K not null, value: V> field, usually named "entries".
TypePtr map(FieldPtr entries_field, bool keys_sorted = false);
TypePtr map(TypePtr key_type, TypePtr item_type, bool keys_sorted = false);
// type_codes empty = 0..n-1.
TypePtr sparse_union(std::vector<FieldPtr> fields, std::vector<int8_t> type_codes = {});
TypePtr dense_union(std::vector<FieldPtr> fields, std::vector<int8_t> type_codes = {});
TypePtr dictionary(TypePtr index_type, TypePtr value_type, bool ordered = false);
TypePtr run_end_encoded(TypePtr run_end_type, TypePtr value_type);
// From existing child fields (as read from IPC or the C Data Interface).
TypePtr run_end_encoded(FieldPtr run_ends, FieldPtr values);

FieldPtr field(std::string name, TypePtr type, bool nullable = true, KeyValueMetadata metadata = {});
SchemaPtr schema(std::vector<FieldPtr> fields, KeyValueMetadata metadata = {});

// Checks the invariants a factory cannot (e.g. a map's entries shape, union
// codes in range, decimal precision); used on types built from untrusted input.
Status ValidateType(const DataType& type);

// Whether `type` or any type nested in it is a dictionary (whose values an
// IPC stream sends in messages of their own).
bool HasDictionary(const DataType& type);
bool HasDictionary(const Schema& schema);

}  // namespace hangar::arrow
