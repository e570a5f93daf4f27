#include "sql/column_metadata.h"

namespace hangar::sql {

namespace {

constexpr std::string_view kPrefix = "ARROW:FLIGHT:SQL:";

// Decimal digits a numeric type holds (JDBC's precision), if it is one.
std::optional<int32_t> Precision(const arrow::DataType& type) {
  using arrow::TypeId;
  switch (type.id()) {
    case TypeId::kInt8:
    case TypeId::kUInt8: return 3;
    case TypeId::kInt16:
    case TypeId::kUInt16: return 5;
    case TypeId::kInt32:
    case TypeId::kUInt32: return 10;
    case TypeId::kInt64: return 19;
    case TypeId::kUInt64: return 20;
    case TypeId::kFloat16: return 3;
    case TypeId::kFloat32: return 7;
    case TypeId::kFloat64: return 15;
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: return type.precision();
    default: return std::nullopt;
  }
}

bool IsCaseSensitive(const arrow::DataType& type) {
  using arrow::TypeId;
  const auto id = type.id() == TypeId::kDictionary ? type.value_type()->id() : type.id();
  return id == TypeId::kUtf8 || id == TypeId::kLargeUtf8 || id == TypeId::kUtf8View;
}

}  // namespace

std::string SqlTypeName(const arrow::Field& field) {
  if (field.extension_name() == "arrow.uuid") return "UUID";
  const arrow::DataType& type = *field.type();
  using arrow::TypeId;
  switch (type.id()) {
    case TypeId::kNull: return "NULL";
    case TypeId::kBool: return "BOOLEAN";
    case TypeId::kInt8: return "TINYINT";
    case TypeId::kInt16: return "SMALLINT";
    case TypeId::kInt32: return "INTEGER";
    case TypeId::kInt64: return "BIGINT";
    case TypeId::kUInt8: return "UTINYINT";
    case TypeId::kUInt16: return "USMALLINT";
    case TypeId::kUInt32: return "UINTEGER";
    case TypeId::kUInt64: return "UBIGINT";
    case TypeId::kFloat16:
    case TypeId::kFloat32: return "FLOAT";
    case TypeId::kFloat64: return "DOUBLE";
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kUtf8View: return "VARCHAR";
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kBinaryView:
    case TypeId::kFixedSizeBinary: return "BLOB";
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      return "DECIMAL(" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) + ")";
    case TypeId::kDate32:
    case TypeId::kDate64: return "DATE";
    case TypeId::kTime32:
    case TypeId::kTime64: return "TIME";
    case TypeId::kTimestamp: return type.timezone().empty() ? "TIMESTAMP" : "TIMESTAMP WITH TIME ZONE";
    case TypeId::kDuration:
    case TypeId::kIntervalYearMonth:
    case TypeId::kIntervalDayTime:
    case TypeId::kIntervalMonthDayNano: return "INTERVAL";
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView: return SqlTypeName(*type.child(0)) + "[]";
    case TypeId::kFixedSizeList: return SqlTypeName(*type.child(0)) + "[" + std::to_string(type.list_size()) + "]";
    case TypeId::kStruct: {
      std::string out = "STRUCT(";
      for (int i = 0; i < type.num_children(); ++i)
        out += (i ? ", " : "") + type.child(i)->name() + " " + SqlTypeName(*type.child(i));
      return out + ")";
    }
    case TypeId::kMap: {
      const auto& entry = *type.child(0)->type();
      return "MAP(" + SqlTypeName(*entry.child(0)) + ", " + SqlTypeName(*entry.child(1)) + ")";
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: return "UNION";
    case TypeId::kDictionary: return SqlTypeName(arrow::Field("", type.value_type()));
    case TypeId::kRunEndEncoded: return SqlTypeName(*type.child(1));
  }
  return type.ToString();
}

arrow::SchemaPtr WithColumnMetadata(const arrow::Schema& schema, const store::QualifiedName& table) {
  return WithColumnMetadata(schema,
                            std::vector<ColumnSource>(schema.fields().size(), ColumnSource{table, std::nullopt}));
}

arrow::SchemaPtr WithColumnMetadata(const arrow::Schema& schema, const std::vector<ColumnSource>& sources) {
  std::vector<arrow::FieldPtr> fields;
  for (size_t i = 0; i < schema.fields().size(); ++i) {
    const auto& field = schema.fields()[i];
    const std::optional<store::QualifiedName> table = i < sources.size() ? sources[i].table : std::nullopt;
    const auto& type = *field->type();
    arrow::KeyValueMetadata metadata;
    for (const auto& entry : field->metadata())
      if (entry.first.compare(0, kPrefix.size(), kPrefix) != 0) metadata.push_back(entry);
    auto put = [&](const char* key, std::string value) {
      metadata.emplace_back(std::string(kPrefix) + key, std::move(value));
    };
    if (table) {
      // FlightSql.proto's comments say DB_SCHEMA_NAME; Arrow's C++, Java and
      // Go implementations (and so the drivers) read SCHEMA_NAME: both.
      put("SCHEMA_NAME", table->ns);
      put("DB_SCHEMA_NAME", table->ns);
      put("TABLE_NAME", table->name);
    }
    put("TYPE_NAME", SqlTypeName(*field));
    if (auto precision = Precision(type)) {
      put("PRECISION", std::to_string(*precision));
      put("SCALE", std::to_string(type.id() >= arrow::TypeId::kDecimal32 && type.id() <= arrow::TypeId::kDecimal256
                                      ? type.scale()
                                      : 0));
    }
    put("IS_AUTO_INCREMENT", "0");
    put("IS_CASE_SENSITIVE", IsCaseSensitive(type) ? "1" : "0");
    // Results are computed; a table's columns change only through puts.
    put("IS_READ_ONLY", "1");
    put("IS_SEARCHABLE", "1");
    fields.push_back(field->WithMetadata(std::move(metadata)));
  }
  return arrow::schema(std::move(fields), schema.metadata());
}

}  // namespace hangar::sql
