#include "sql/metadata_commands.h"

#include "sql/column_metadata.h"

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/ipc/schema_message.h"
#include "sql/flight_sql.h"
#include "sql/proto/FlightSql.pb.h"

namespace hangar::sql {

namespace pb = ::arrow::flight::protocol::sql;
using arrow::field;

namespace {

// Appends rows column by column to the builders of a schema.
class Rows {
 public:
  static Result<Rows> Make(arrow::SchemaPtr schema) {
    Rows rows;
    rows.schema_ = std::move(schema);
    for (const auto& f : rows.schema_->fields()) {
      HANGAR_ASSIGN_OR_RETURN(auto builder, arrow::MakeBuilder(f->type()));
      rows.builders_.push_back(std::move(builder));
    }
    return rows;
  }

  Rows& Text(std::optional<std::string_view> value) {
    auto* b = static_cast<arrow::BinaryBuilder*>(Next());
    value ? b->Append(*value) : b->AppendNull();
    return *this;
  }
  Rows& Int32(std::optional<int32_t> value) {
    auto* b = static_cast<arrow::PrimitiveBuilder<int32_t>*>(Next());
    value ? b->Append(*value) : b->AppendNull();
    return *this;
  }
  Rows& UInt8(uint8_t value) {
    static_cast<arrow::PrimitiveBuilder<uint8_t>*>(Next())->Append(value);
    return *this;
  }
  Rows& Bool(std::optional<bool> value) {
    auto* b = static_cast<arrow::BooleanBuilder*>(Next());
    value ? b->Append(*value) : b->AppendNull();
    return *this;
  }
  Rows& TextList(std::optional<std::vector<std::string>> values) {
    auto* b = static_cast<arrow::ListBuilder*>(Next());
    if (!values) {
      b->AppendNull();
      return *this;
    }
    b->Append();
    for (const auto& v : *values) static_cast<arrow::BinaryBuilder*>(b->value_builder())->Append(v);
    return *this;
  }
  // The builder of the next column, for values the helpers above do not cover.
  arrow::ArrayBuilder* Next() {
    arrow::ArrayBuilder* b = builders_[column_].get();
    column_ = (column_ + 1) % builders_.size();
    if (column_ == 0) ++rows_;
    return b;
  }

  Result<arrow::RecordBatchPtr> Finish() {
    std::vector<arrow::ArrayPtr> columns;
    for (auto& b : builders_) {
      HANGAR_ASSIGN_OR_RETURN(auto column, b->Finish());
      columns.push_back(std::move(column));
    }
    return arrow::MakeRecordBatch(schema_, rows_, std::move(columns));
  }

 private:
  arrow::SchemaPtr schema_;
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders_;
  size_t column_ = 0;
  int64_t rows_ = 0;
};

arrow::TypePtr Utf8() { return arrow::utf8(); }

arrow::SchemaPtr CatalogsSchema() { return arrow::schema({field("catalog_name", Utf8(), false)}); }

arrow::SchemaPtr DbSchemasSchema() {
  return arrow::schema({field("catalog_name", Utf8()), field("db_schema_name", Utf8(), false)});
}

arrow::SchemaPtr TablesSchema(bool include_schema) {
  std::vector<arrow::FieldPtr> fields = {field("catalog_name", Utf8()), field("db_schema_name", Utf8()),
                                         field("table_name", Utf8(), false), field("table_type", Utf8(), false)};
  if (include_schema) fields.push_back(field("table_schema", arrow::binary(), false));
  return arrow::schema(std::move(fields));
}

arrow::SchemaPtr TableTypesSchema() { return arrow::schema({field("table_type", Utf8(), false)}); }

arrow::SchemaPtr PrimaryKeysSchema() {
  return arrow::schema({field("catalog_name", Utf8()), field("db_schema_name", Utf8()),
                        field("table_name", Utf8(), false), field("column_name", Utf8(), false),
                        field("key_sequence", arrow::int32(), false), field("key_name", Utf8())});
}

arrow::SchemaPtr ForeignKeysSchema() {
  return arrow::schema(
      {field("pk_catalog_name", Utf8()), field("pk_db_schema_name", Utf8()), field("pk_table_name", Utf8(), false),
       field("pk_column_name", Utf8(), false), field("fk_catalog_name", Utf8()), field("fk_db_schema_name", Utf8()),
       field("fk_table_name", Utf8(), false), field("fk_column_name", Utf8(), false),
       field("key_sequence", arrow::int32(), false), field("fk_key_name", Utf8()), field("pk_key_name", Utf8()),
       field("update_rule", arrow::uint8(), false), field("delete_rule", arrow::uint8(), false)});
}

// The value union of GetSqlInfo, type codes 0..5 in this order.
enum SqlInfoKind : int8_t { kString = 0, kBool = 1, kBigint = 2, kBitmask = 3, kStringList = 4, kIntListMap = 5 };

// As Arrow's C++, Java and Go implementations build it (and clients such as
// ADBC compare it with theirs): union members not nullable, list items
// named "item", the map's entries as arrow::map makes them.
arrow::SchemaPtr SqlInfoSchema() {
  auto value = arrow::dense_union(
      {field("string_value", Utf8(), false), field("bool_value", arrow::boolean(), false),
       field("bigint_value", arrow::int64(), false), field("int32_bitmask", arrow::int32(), false),
       field("string_list", arrow::list(Utf8()), false),
       field("int32_to_int32_list_map", arrow::map(arrow::int32(), arrow::list(arrow::int32())), false)});
  return arrow::schema({field("info_name", arrow::uint32(), false), field("value", value, false)});
}

arrow::SchemaPtr XdbcTypeInfoSchema() {
  auto i32 = arrow::int32();
  return arrow::schema({field("type_name", Utf8(), false), field("data_type", i32, false), field("column_size", i32),
                        field("literal_prefix", Utf8()), field("literal_suffix", Utf8()),
                        field("create_params", arrow::list(field("item", Utf8(), false))),
                        field("nullable", i32, false), field("case_sensitive", arrow::boolean(), false),
                        field("searchable", i32, false), field("unsigned_attribute", arrow::boolean()),
                        field("fixed_prec_scale", arrow::boolean(), false), field("auto_increment", arrow::boolean()),
                        field("local_type_name", Utf8()), field("minimum_scale", i32), field("maximum_scale", i32),
                        field("sql_data_type", i32, false), field("datetime_subcode", i32),
                        field("num_prec_radix", i32), field("interval_precision", i32)});
}

// --- GetSqlInfo ---------------------------------------------------------------------

// SQL_SUPPORTS_CONVERT: from-type -> the types it converts to (SqlSupportsConvert codes).
using ConvertMap = std::vector<std::pair<int32_t, std::vector<int32_t>>>;
using SqlInfoValue = std::variant<std::string, bool, int64_t, int32_t, std::vector<std::string>, ConvertMap>;

// SqlSupportsConvert codes.
namespace convert {
enum Code : int32_t {
  kBigint = 0,
  kBinary = 1,
  kBit = 2,
  kChar = 3,
  kDate = 4,
  kDecimal = 5,
  kFloat = 6,
  kInteger = 7,
  kIntervalDayTime = 8,
  kIntervalYearMonth = 9,
  kLongVarbinary = 10,
  kLongVarchar = 11,
  kNumeric = 12,
  kReal = 13,
  kSmallint = 14,
  kTime = 15,
  kTimestamp = 16,
  kTinyint = 17,
  kVarbinary = 18,
  kVarchar = 19,
};
}  // namespace convert

// What DuckDB's CAST converts, by the SqlSupportsConvert groups (the unit
// tests run every pair listed here in DuckDB).
ConvertMap Conversions() {
  namespace c = convert;
  const std::vector<int32_t> numbers = {c::kBigint,  c::kDecimal, c::kFloat,    c::kInteger,
                                        c::kNumeric, c::kReal,    c::kSmallint, c::kTinyint};
  const std::vector<int32_t> text = {c::kChar, c::kLongVarchar, c::kVarchar};
  const std::vector<int32_t> binary = {c::kBinary, c::kLongVarbinary, c::kVarbinary};
  const std::vector<int32_t> intervals = {c::kIntervalDayTime, c::kIntervalYearMonth};
  auto join = [](std::initializer_list<std::vector<int32_t>> groups) {
    std::vector<int32_t> all;
    for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
    std::sort(all.begin(), all.end());
    return all;
  };
  ConvertMap map;
  for (int32_t n : numbers) map.emplace_back(n, join({numbers, text, {c::kBit}}));
  map.emplace_back(c::kBit, join({numbers, text, {c::kBit}}));
  for (int32_t t : text)
    map.emplace_back(t, join({numbers, text, binary, intervals, {c::kBit, c::kDate, c::kTime, c::kTimestamp}}));
  for (int32_t b : binary) map.emplace_back(b, join({binary, text}));
  map.emplace_back(c::kDate, join({text, {c::kDate, c::kTimestamp}}));
  map.emplace_back(c::kTime, join({text, {c::kTime}}));
  map.emplace_back(c::kTimestamp, join({text, {c::kDate, c::kTime, c::kTimestamp}}));
  for (int32_t i : intervals) map.emplace_back(i, join({text, intervals}));
  std::sort(map.begin(), map.end());
  return map;
}

// The X/Open CLI function names (those of JDBC's escape syntax) that DuckDB
// has under the same name; the unit tests check each against DuckDB.
const std::vector<std::string> kNumericFunctions = {
    "ABS", "ACOS",  "ASIN", "ATAN", "ATAN2", "CEILING", "COS",   "COT",  "DEGREES", "EXP",  "FLOOR",
    "LOG", "LOG10", "MOD",  "PI",   "POWER", "RADIANS", "ROUND", "SIGN", "SIN",     "SQRT", "TAN"};
const std::vector<std::string> kStringFunctions = {"ASCII",     "CONCAT",   "LCASE",  "LEFT",    "LENGTH", "LOWER",
                                                   "LTRIM",     "POSITION", "REPEAT", "REPLACE", "RIGHT",  "RTRIM",
                                                   "SUBSTRING", "TRIM",     "UCASE",  "UPPER"};
const std::vector<std::string> kSystemFunctions = {"COALESCE", "IFNULL", "NULLIF"};
const std::vector<std::string> kDatetimeFunctions = {"CURRENT_DATE", "DAYNAME", "DAYOFMONTH", "DAYOFWEEK", "DAYOFYEAR",
                                                     "HOUR",         "MINUTE",  "MONTH",      "MONTHNAME", "NOW",
                                                     "QUARTER",      "SECOND",  "WEEK",       "YEAR"};

// SqlInfo ids (FlightSql.proto's SqlInfo enum) with Hangar's answers, each of
// the type Arrow's implementations send and the drivers read (the JDBC
// driver casts each value to the Java type it expects, so a wrong member of
// the union is an exception in the client). Every id of the specification is
// answered but the Substrait versions (Hangar takes no Substrait plans).
std::vector<std::pair<uint32_t, SqlInfoValue>> SqlInfoValues(SqlEngine& engine) {
  std::vector<std::string> keywords;
  if (auto result = duckdb::StreamQuery(engine.database(), "SELECT keyword_name FROM duckdb_keywords() ORDER BY 1");
      result.ok()) {
    while (true) {
      auto batch = (*result)->Next();
      if (!batch.ok() || *batch == nullptr) break;
      for (int64_t i = 0; i < (*batch)->num_rows; ++i)
        keywords.emplace_back(arrow::BinaryValue(*(*batch)->column(0), i));
    }
  }
  constexpr int64_t kNameLength = 255;  // store/names.h: tables, namespaces and topics
  constexpr int64_t kNoLimit = 0;       // the specification's "no limit, or not known"
  // Bitmasks: bit n set when enum value n is supported.
  return {
      {0, std::string("Hangar")},            // FLIGHT_SQL_SERVER_NAME
      {1, std::string(HANGAR_SQL_VERSION)},  // FLIGHT_SQL_SERVER_VERSION
      {2, std::string("1.5.0")},             // FLIGHT_SQL_SERVER_ARROW_VERSION (columnar format)
      {3, false},                            // FLIGHT_SQL_SERVER_READ_ONLY: INSERT INTO tables works
      {4, true},                             // FLIGHT_SQL_SERVER_SQL
      {5, false},                            // FLIGHT_SQL_SERVER_SUBSTRAIT
      {8, int32_t{0}},                       // FLIGHT_SQL_SERVER_TRANSACTION: none
      {9, true},                             // FLIGHT_SQL_SERVER_CANCEL
      {10, true},                            // FLIGHT_SQL_SERVER_BULK_INGESTION (CommandStatementIngest)
      {11, false},                           // FLIGHT_SQL_SERVER_INGEST_TRANSACTIONS_SUPPORTED
      {100, static_cast<int32_t>(kPreparedTimeout.count())},  // FLIGHT_SQL_SERVER_STATEMENT_TIMEOUT (ms, reset by use)
      {101, int32_t{0}},                                      // FLIGHT_SQL_SERVER_TRANSACTION_TIMEOUT
      {500, false},                                           // SQL_DDL_CATALOG
      {501, false},                                           // SQL_DDL_SCHEMA
      {502, false},                                           // SQL_DDL_TABLE (tables are made through Flight actions)
      {503, int32_t{1}},                                      // SQL_IDENTIFIER_CASE: case-insensitive
      {504, std::string("\"")},                               // SQL_IDENTIFIER_QUOTE_CHAR
      {505, int32_t{1}},                                      // SQL_QUOTED_IDENTIFIER_CASE: case-insensitive (DuckDB)
      {506, false},                                           // SQL_ALL_TABLES_ARE_SELECTABLE: permissions decide
      {507, int32_t{3}},                                      // SQL_NULL_ORDERING: nulls sorted at end
      {508, keywords},                                        // SQL_KEYWORDS
      {509, kNumericFunctions},                               // SQL_NUMERIC_FUNCTIONS
      {510, kStringFunctions},                                // SQL_STRING_FUNCTIONS
      {511, kSystemFunctions},                                // SQL_SYSTEM_FUNCTIONS
      {512, kDatetimeFunctions},                              // SQL_DATETIME_FUNCTIONS
      {513, std::string("\\")},                               // SQL_SEARCH_STRING_ESCAPE
      {514, std::string("")},                                 // SQL_EXTRA_NAME_CHARACTERS
      {515, true},                                            // SQL_SUPPORTS_COLUMN_ALIASING
      {516, true},                                            // SQL_NULL_PLUS_NULL_IS_NULL
      {517, Conversions()},                                   // SQL_SUPPORTS_CONVERT
      {518, true},                                            // SQL_SUPPORTS_TABLE_CORRELATION_NAMES
      {519, false},                                           // SQL_SUPPORTS_DIFFERENT_TABLE_CORRELATION_NAMES
      {520, true},                                            // SQL_SUPPORTS_EXPRESSIONS_IN_ORDER_BY
      {521, true},                                            // SQL_SUPPORTS_ORDER_BY_UNRELATED
      {522, int32_t{0b11}},                                   // SQL_SUPPORTED_GROUP_BY: unrelated, beyond select
      {523, true},                                            // SQL_SUPPORTS_LIKE_ESCAPE_CLAUSE
      {524, true},                                            // SQL_SUPPORTS_NON_NULLABLE_COLUMNS
      {525, int32_t{0b111}},                                  // SQL_SUPPORTED_GRAMMAR: minimum, core, extended
      {526, int32_t{0b111}},                                  // SQL_ANSI92_SUPPORTED_LEVEL: entry, intermediate, full
      {527, false},                                           // SQL_SUPPORTS_INTEGRITY_ENHANCEMENT_FACILITY
      {528, int32_t{0b110}},         // SQL_OUTER_JOINS_SUPPORT_LEVEL: limited and full outer joins,
                                     // a bitmask as Arrow Java sends it and the JDBC driver reads it
                                     // (FlightSql.proto calls it an ordinal)
      {529, std::string("schema")},  // SQL_SCHEMA_TERM
      {530, std::string("")},        // SQL_PROCEDURE_TERM: no procedures
      {531, std::string("")},        // SQL_CATALOG_TERM: no catalogs
      {532, false},                  // SQL_CATALOG_AT_START
      {533, int32_t{0}},             // SQL_SCHEMAS_SUPPORTED_ACTIONS
      {534, int32_t{0}},             // SQL_CATALOGS_SUPPORTED_ACTIONS
      {535, int32_t{0}},             // SQL_SUPPORTED_POSITIONED_COMMANDS
      {536, false},                  // SQL_SELECT_FOR_UPDATE_SUPPORTED
      {537, false},                  // SQL_STORED_PROCEDURES_SUPPORTED
      {538, int32_t{0b1111}},        // SQL_SUPPORTED_SUBQUERIES: comparisons, exists, in, quantified
      {539, true},                   // SQL_CORRELATED_SUBQUERIES_SUPPORTED
      {540, int32_t{0b11}},          // SQL_SUPPORTED_UNIONS: union, union all
      {541, kNoLimit},               // SQL_MAX_BINARY_LITERAL_LENGTH
      {542, kNoLimit},               // SQL_MAX_CHAR_LITERAL_LENGTH
      {543, kNoLimit},               // SQL_MAX_COLUMN_NAME_LENGTH
      {544, kNoLimit},               // SQL_MAX_COLUMNS_IN_GROUP_BY
      {545, kNoLimit},               // SQL_MAX_COLUMNS_IN_INDEX (no indexes)
      {546, kNoLimit},               // SQL_MAX_COLUMNS_IN_ORDER_BY
      {547, kNoLimit},               // SQL_MAX_COLUMNS_IN_SELECT
      {548, kNoLimit},               // SQL_MAX_COLUMNS_IN_TABLE
      {549, kNoLimit},               // SQL_MAX_CONNECTIONS (a server setting)
      {550, kNoLimit},               // SQL_MAX_CURSOR_NAME_LENGTH (no named cursors)
      {551, kNoLimit},               // SQL_MAX_INDEX_LENGTH
      {552, kNameLength},            // SQL_DB_SCHEMA_NAME_LENGTH
      {553, kNoLimit},               // SQL_MAX_PROCEDURE_NAME_LENGTH
      {554, kNoLimit},               // SQL_MAX_CATALOG_NAME_LENGTH
      {555, kNoLimit},               // SQL_MAX_ROW_SIZE
      {556, false},                  // SQL_MAX_ROW_SIZE_INCLUDES_BLOBS
      {557, kNoLimit},               // SQL_MAX_STATEMENT_LENGTH (--max-query-kib, a server setting)
      {558, kNoLimit},               // SQL_MAX_STATEMENTS
      {559, kNameLength},            // SQL_MAX_TABLE_NAME_LENGTH
      {560, kNoLimit},               // SQL_MAX_TABLES_IN_SELECT
      {561, kNoLimit},               // SQL_MAX_USERNAME_LENGTH
      {562, int64_t{0}},             // SQL_DEFAULT_TRANSACTION_ISOLATION: none (int64, as Arrow's
                                     // implementations send it and the JDBC driver reads it)
      {563, false},                  // SQL_TRANSACTIONS_SUPPORTED
      {564, int32_t{0b1}},           // SQL_SUPPORTED_TRANSACTIONS_ISOLATION_LEVELS: none
      {565, false},                  // SQL_DATA_DEFINITION_CAUSES_TRANSACTION_COMMIT
      {566, false},                  // SQL_DATA_DEFINITIONS_IN_TRANSACTIONS_IGNORED
      {567, int32_t{0b10}},          // SQL_SUPPORTED_RESULT_SET_TYPES: forward only
      {568, int32_t{0}},             // SQL_SUPPORTED_CONCURRENCIES_FOR_RESULT_SET_UNSPECIFIED
      {569, int32_t{0b10}},          // ..._FORWARD_ONLY: read only
      {570, int32_t{0}},             // ..._SCROLL_SENSITIVE
      {571, int32_t{0}},             // ..._SCROLL_INSENSITIVE
      {572, false},                  // SQL_BATCH_UPDATES_SUPPORTED
      {573, false},                  // SQL_SAVEPOINTS_SUPPORTED
      {574, false},                  // SQL_NAMED_PARAMETERS_SUPPORTED
      {575, false},                  // SQL_LOCATORS_UPDATE_COPY
      {576, false},                  // SQL_STORED_FUNCTIONS_USING_CALL_SYNTAX_SUPPORTED
  };
}

Status AppendSqlInfo(Rows& rows, uint32_t id, const SqlInfoValue& value) {
  static_cast<arrow::PrimitiveBuilder<uint32_t>*>(rows.Next())->Append(id);
  auto* u = static_cast<arrow::UnionBuilder*>(rows.Next());
  if (auto* s = std::get_if<std::string>(&value)) {
    HANGAR_RETURN_NOT_OK(u->Append(kString));
    static_cast<arrow::BinaryBuilder*>(u->child_builder(kString))->Append(*s);
  } else if (auto* b = std::get_if<bool>(&value)) {
    HANGAR_RETURN_NOT_OK(u->Append(kBool));
    static_cast<arrow::BooleanBuilder*>(u->child_builder(kBool))->Append(*b);
  } else if (auto* i = std::get_if<int64_t>(&value)) {
    HANGAR_RETURN_NOT_OK(u->Append(kBigint));
    static_cast<arrow::PrimitiveBuilder<int64_t>*>(u->child_builder(kBigint))->Append(*i);
  } else if (auto* m = std::get_if<int32_t>(&value)) {
    HANGAR_RETURN_NOT_OK(u->Append(kBitmask));
    static_cast<arrow::PrimitiveBuilder<int32_t>*>(u->child_builder(kBitmask))->Append(*m);
  } else if (auto* list = std::get_if<std::vector<std::string>>(&value)) {
    HANGAR_RETURN_NOT_OK(u->Append(kStringList));
    auto* l = static_cast<arrow::ListBuilder*>(u->child_builder(kStringList));
    l->Append();
    for (const auto& s : *list) static_cast<arrow::BinaryBuilder*>(l->value_builder())->Append(s);
  } else if (auto* map = std::get_if<ConvertMap>(&value)) {
    HANGAR_RETURN_NOT_OK(u->Append(kIntListMap));
    auto* mb = static_cast<arrow::MapBuilder*>(u->child_builder(kIntListMap));
    mb->Append();
    for (const auto& [from, to] : *map) {
      mb->entries_builder()->Append();
      static_cast<arrow::PrimitiveBuilder<int32_t>*>(mb->key_builder())->Append(from);
      auto* targets = static_cast<arrow::ListBuilder*>(mb->item_builder());
      targets->Append();
      for (int32_t t : to) static_cast<arrow::PrimitiveBuilder<int32_t>*>(targets->value_builder())->Append(t);
    }
  }
  return Status::OK();
}

Result<arrow::RecordBatchPtr> SqlInfo(SqlEngine& engine, const pb::CommandGetSqlInfo& command) {
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(SqlInfoSchema()));
  const auto values = SqlInfoValues(engine);
  if (command.info_size() == 0) {
    for (const auto& [id, value] : values) HANGAR_RETURN_NOT_OK(AppendSqlInfo(rows, id, value));
  } else {
    for (uint32_t id : command.info()) {  // in the order asked; ids Hangar does not know are left out
      auto it = std::find_if(values.begin(), values.end(), [id](const auto& v) { return v.first == id; });
      if (it != values.end()) HANGAR_RETURN_NOT_OK(AppendSqlInfo(rows, id, it->second));
    }
  }
  return rows.Finish();
}

// --- catalogs, schemas, tables -------------------------------------------------------------

// Filters that name a catalog match nothing: Hangar has none. "" asks for
// objects without a catalog: all of them.
bool CatalogMatches(bool has_catalog, const std::string& catalog) { return !has_catalog || catalog.empty(); }

std::string TableType(const store::QualifiedName& name) {
  return name.ns == store::kKafkaNamespace ? "TOPIC" : "TABLE";
}

Result<arrow::RecordBatchPtr> DbSchemas(SqlEngine& engine, const pb::CommandGetDbSchemas& command) {
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(DbSchemasSchema()));
  if (CatalogMatches(command.has_catalog(), command.catalog())) {
    HANGAR_ASSIGN_OR_RETURN(auto names, engine.ListRelations());
    std::set<std::string> schemas = {std::string(store::kDefaultNamespace)};
    if (engine.relations().has_kafka()) schemas.insert(std::string(store::kKafkaNamespace));
    for (const auto& name : names) schemas.insert(name.ns);
    for (const auto& schema : schemas) {
      if (command.has_db_schema_filter_pattern() && !LikeMatches(command.db_schema_filter_pattern(), schema)) continue;
      rows.Text(std::nullopt).Text(schema);
    }
  }
  return rows.Finish();
}

Result<arrow::RecordBatchPtr> Tables(SqlEngine& engine, const pb::CommandGetTables& command) {
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(TablesSchema(command.include_schema())));
  if (CatalogMatches(command.has_catalog(), command.catalog())) {
    HANGAR_ASSIGN_OR_RETURN(auto names, engine.ListRelations());
    for (const auto& name : names) {
      if (command.has_db_schema_filter_pattern() && !LikeMatches(command.db_schema_filter_pattern(), name.ns)) continue;
      if (command.has_table_name_filter_pattern() && !LikeMatches(command.table_name_filter_pattern(), name.name))
        continue;
      const std::string type = TableType(name);
      if (command.table_types_size() > 0 &&
          std::find(command.table_types().begin(), command.table_types().end(), type) == command.table_types().end())
        continue;
      std::string schema_bytes;
      if (command.include_schema()) {
        auto schema = engine.relations().Schema(name);
        if (!schema.ok() && schema.status().code() == StatusCode::kNotFound) continue;  // dropped meanwhile
        HANGAR_RETURN_NOT_OK(schema.status());
        // Each column with Flight SQL's metadata: its type name, and its table.
        HANGAR_ASSIGN_OR_RETURN(schema_bytes, arrow::ipc::SerializeSchema(*WithColumnMetadata(**schema, name)));
      }
      rows.Text(std::nullopt).Text(name.ns).Text(name.name).Text(type);
      if (command.include_schema()) static_cast<arrow::BinaryBuilder*>(rows.Next())->Append(schema_bytes);
    }
  }
  return rows.Finish();
}

// One row per key column of the named table, if it has a primary key.
Result<arrow::RecordBatchPtr> PrimaryKeys(SqlEngine& engine, const pb::CommandGetPrimaryKeys& command) {
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(PrimaryKeysSchema()));
  if (CatalogMatches(command.has_catalog(), command.catalog())) {
    HANGAR_ASSIGN_OR_RETURN(auto names, engine.ListRelations());
    for (const auto& name : names) {
      if (name.name != command.table() || (command.has_db_schema() && command.db_schema() != name.ns)) continue;
      if (name.ns == store::kKafkaNamespace) continue;  // topics have no keys
      auto snapshot = engine.relations().tables()->Snapshot(name);
      if (!snapshot.ok() && snapshot.status().code() == StatusCode::kNotFound) continue;  // dropped meanwhile
      HANGAR_RETURN_NOT_OK(snapshot.status());
      const auto& key = (*snapshot)->primary_key;
      for (size_t i = 0; i < key.size(); ++i)
        rows.Text(std::nullopt)
            .Text(name.ns)
            .Text(name.name)
            .Text(key[i])
            .Int32(static_cast<int32_t>(i + 1))
            .Text(std::nullopt);
    }
  }
  return rows.Finish();
}

Result<arrow::RecordBatchPtr> TableTypes() {
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(TableTypesSchema()));
  rows.Text("TABLE").Text("TOPIC");
  return rows.Finish();
}

// --- XDBC type info ----------------------------------------------------------------------

struct XdbcType {
  const char* name;
  int32_t data_type;
  std::optional<int32_t> column_size;
  const char* literal_prefix;
  const char* literal_suffix;
  std::optional<std::vector<std::string>> create_params;
  bool case_sensitive;
  int32_t searchable;
  std::optional<bool> unsigned_attribute;
  bool fixed_prec_scale;
  std::optional<int32_t> minimum_scale, maximum_scale;
  int32_t sql_data_type;
  std::optional<int32_t> datetime_subcode;
  std::optional<int32_t> num_prec_radix;
};

// DuckDB's types as JDBC/ODBC see them (XdbcDataType codes), ordered by
// data_type, then name.
const std::vector<XdbcType>& XdbcTypes() {
  static const std::vector<XdbcType> types = [] {
    std::vector<XdbcType> t = {
        {"BIGINT", -5, 19, nullptr, nullptr, std::nullopt, false, 2, false, true, std::nullopt, std::nullopt, -5,
         std::nullopt, 10},
        {"BLOB", -3, std::nullopt, "'", "'::BLOB", std::nullopt, false, 2, std::nullopt, false, std::nullopt,
         std::nullopt, -3, std::nullopt, std::nullopt},
        {"BOOLEAN", -7, 1, nullptr, nullptr, std::nullopt, false, 2, std::nullopt, false, std::nullopt, std::nullopt,
         -7, std::nullopt, std::nullopt},
        {"DATE", 91, 10, "DATE '", "'", std::nullopt, false, 2, std::nullopt, false, std::nullopt, std::nullopt, 9, 1,
         std::nullopt},
        {"DECIMAL", 3, 38, nullptr, nullptr, std::vector<std::string>{"precision", "scale"}, false, 2, false, true, 0,
         38, 3, std::nullopt, 10},
        {"DOUBLE", 8, 53, nullptr, nullptr, std::nullopt, false, 2, false, false, std::nullopt, std::nullopt, 8,
         std::nullopt, 2},
        {"FLOAT", 7, 24, nullptr, nullptr, std::nullopt, false, 2, false, false, std::nullopt, std::nullopt, 7,
         std::nullopt, 2},
        {"INTEGER", 4, 10, nullptr, nullptr, std::nullopt, false, 2, false, true, std::nullopt, std::nullopt, 4,
         std::nullopt, 10},
        {"INTERVAL", 10, std::nullopt, "INTERVAL '", "'", std::nullopt, false, 2, std::nullopt, false, std::nullopt,
         std::nullopt, 10, std::nullopt, std::nullopt},
        {"SMALLINT", 5, 5, nullptr, nullptr, std::nullopt, false, 2, false, true, std::nullopt, std::nullopt, 5,
         std::nullopt, 10},
        {"TIME", 92, 15, "TIME '", "'", std::nullopt, false, 2, std::nullopt, false, std::nullopt, std::nullopt, 9, 2,
         std::nullopt},
        {"TIMESTAMP", 93, 26, "TIMESTAMP '", "'", std::nullopt, false, 2, std::nullopt, false, std::nullopt,
         std::nullopt, 9, 3, std::nullopt},
        {"TIMESTAMP WITH TIME ZONE", 93, 32, "TIMESTAMPTZ '", "'", std::nullopt, false, 2, std::nullopt, false,
         std::nullopt, std::nullopt, 9, 5, std::nullopt},
        {"TINYINT", -6, 3, nullptr, nullptr, std::nullopt, false, 2, false, true, std::nullopt, std::nullopt, -6,
         std::nullopt, 10},
        {"UBIGINT", -5, 20, nullptr, nullptr, std::nullopt, false, 2, true, true, std::nullopt, std::nullopt, -5,
         std::nullopt, 10},
        {"UINTEGER", 4, 10, nullptr, nullptr, std::nullopt, false, 2, true, true, std::nullopt, std::nullopt, 4,
         std::nullopt, 10},
        {"USMALLINT", 5, 5, nullptr, nullptr, std::nullopt, false, 2, true, true, std::nullopt, std::nullopt, 5,
         std::nullopt, 10},
        {"UTINYINT", -6, 3, nullptr, nullptr, std::nullopt, false, 2, true, true, std::nullopt, std::nullopt, -6,
         std::nullopt, 10},
        {"VARCHAR", 12, std::nullopt, "'", "'", std::nullopt, true, 3, std::nullopt, false, std::nullopt, std::nullopt,
         12, std::nullopt, std::nullopt},
    };
    std::stable_sort(t.begin(), t.end(), [](const XdbcType& a, const XdbcType& b) {
      return a.data_type != b.data_type ? a.data_type < b.data_type : std::string_view(a.name) < b.name;
    });
    return t;
  }();
  return types;
}

Result<arrow::RecordBatchPtr> XdbcTypeInfo(const pb::CommandGetXdbcTypeInfo& command) {
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(XdbcTypeInfoSchema()));
  auto text = [](const char* s) { return s ? std::optional<std::string_view>(s) : std::nullopt; };
  for (const auto& t : XdbcTypes()) {
    if (command.has_data_type() && command.data_type() != t.data_type) continue;
    rows.Text(t.name).Int32(t.data_type).Int32(t.column_size).Text(text(t.literal_prefix)).Text(text(t.literal_suffix));
    rows.TextList(t.create_params).Int32(1 /* NULLABILITY_NULLABLE */).Bool(t.case_sensitive).Int32(t.searchable);
    rows.Bool(t.unsigned_attribute).Bool(t.fixed_prec_scale).Bool(false).Text(t.name);
    rows.Int32(t.minimum_scale).Int32(t.maximum_scale).Int32(t.sql_data_type).Int32(t.datetime_subcode);
    rows.Int32(t.num_prec_radix).Int32(std::nullopt);
  }
  return rows.Finish();
}

}  // namespace

bool LikeMatches(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  char c = pattern[0];
  if (c == '%') {
    for (size_t skip = 0; skip <= text.size(); ++skip)
      if (LikeMatches(pattern.substr(1), text.substr(skip))) return true;
    return false;
  }
  size_t width = 1;
  if (c == '\\' && pattern.size() > 1) {
    c = pattern[1];
    width = 2;
  } else if (c == '_') {
    return !text.empty() && LikeMatches(pattern.substr(1), text.substr(1));
  }
  return !text.empty() && text[0] == c && LikeMatches(pattern.substr(width), text.substr(1));
}

bool IsMetadataCommand(const google::protobuf::Any& c) {
  return c.Is<pb::CommandGetSqlInfo>() || c.Is<pb::CommandGetCatalogs>() || c.Is<pb::CommandGetDbSchemas>() ||
         c.Is<pb::CommandGetTables>() || c.Is<pb::CommandGetTableTypes>() || c.Is<pb::CommandGetPrimaryKeys>() ||
         c.Is<pb::CommandGetExportedKeys>() || c.Is<pb::CommandGetImportedKeys>() ||
         c.Is<pb::CommandGetCrossReference>() || c.Is<pb::CommandGetXdbcTypeInfo>();
}

Result<arrow::SchemaPtr> MetadataSchema(const google::protobuf::Any& c) {
  if (c.Is<pb::CommandGetSqlInfo>()) return SqlInfoSchema();
  if (c.Is<pb::CommandGetCatalogs>()) return CatalogsSchema();
  if (c.Is<pb::CommandGetDbSchemas>()) return DbSchemasSchema();
  if (c.Is<pb::CommandGetTables>()) {
    pb::CommandGetTables command;
    if (!c.UnpackTo(&command)) return Status::Invalid("malformed CommandGetTables");
    return TablesSchema(command.include_schema());
  }
  if (c.Is<pb::CommandGetTableTypes>()) return TableTypesSchema();
  if (c.Is<pb::CommandGetPrimaryKeys>()) return PrimaryKeysSchema();
  if (c.Is<pb::CommandGetXdbcTypeInfo>()) return XdbcTypeInfoSchema();
  if (IsMetadataCommand(c)) return ForeignKeysSchema();
  return Status::Invalid("not a Flight SQL metadata command: " + c.type_url());
}

Result<arrow::RecordBatchPtr> RunMetadataCommand(SqlEngine& engine, const google::protobuf::Any& c) {
  auto unpack = [&c](auto& message) -> Status {
    if (!c.UnpackTo(&message)) return Status::Invalid("malformed Flight SQL command " + c.type_url());
    return Status::OK();
  };
  if (c.Is<pb::CommandGetSqlInfo>()) {
    pb::CommandGetSqlInfo command;
    HANGAR_RETURN_NOT_OK(unpack(command));
    return SqlInfo(engine, command);
  }
  if (c.Is<pb::CommandGetDbSchemas>()) {
    pb::CommandGetDbSchemas command;
    HANGAR_RETURN_NOT_OK(unpack(command));
    return DbSchemas(engine, command);
  }
  if (c.Is<pb::CommandGetTables>()) {
    pb::CommandGetTables command;
    HANGAR_RETURN_NOT_OK(unpack(command));
    return Tables(engine, command);
  }
  if (c.Is<pb::CommandGetTableTypes>()) return TableTypes();
  if (c.Is<pb::CommandGetPrimaryKeys>()) {
    pb::CommandGetPrimaryKeys command;
    HANGAR_RETURN_NOT_OK(unpack(command));
    return PrimaryKeys(engine, command);
  }
  if (c.Is<pb::CommandGetXdbcTypeInfo>()) {
    pb::CommandGetXdbcTypeInfo command;
    HANGAR_RETURN_NOT_OK(unpack(command));
    return XdbcTypeInfo(command);
  }
  // No catalogs, and no foreign keys: empty results.
  HANGAR_ASSIGN_OR_RETURN(auto schema, MetadataSchema(c));
  HANGAR_ASSIGN_OR_RETURN(auto rows, Rows::Make(schema));
  return rows.Finish();
}

}  // namespace hangar::sql
