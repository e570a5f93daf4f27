#include "iceberg/file_stats.h"

#include <charconv>
#include <cmath>
#include <map>

namespace hangar::iceberg {
namespace {

struct Row {
  std::string column;
  int64_t num_values = 0;
  std::optional<int64_t> nulls;
  std::optional<std::string> min, max;
};

std::optional<std::string> Text(duckdb_result* result, idx_t col, idx_t row) {
  if (duckdb_value_is_null(result, col, row)) return std::nullopt;
  char* value = duckdb_value_varchar(result, col, row);
  std::optional<std::string> out;
  if (value) out = std::string(value);
  duckdb_free(value);
  return out;
}

std::string SqlString(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The bound's value of `type` from DuckDB's text of a statistic.
std::optional<Value> Parse(std::string_view type, const std::string& text) {
  if (type == "boolean") {
    if (text == "true" || text == "1") return Value::Number(1);
    if (text == "false" || text == "0") return Value::Number(0);
    return std::nullopt;
  }
  if (type == "int" || type == "long") {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return Value::Number(v);
  }
  if (type == "float" || type == "double") {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || std::isnan(v) || text.empty()) return std::nullopt;
    return Value::Real(v);
  }
  if (type == "date") {
    if (auto d = ParseDate(text)) return Value::Number(*d);
    return std::nullopt;
  }
  if (type == "timestamp" || type == "timestamptz") {
    if (auto t = ParseTimestampMicros(text)) return Value::Number(*t);
    return std::nullopt;
  }
  if (type == "string") return Value::Bytes(text);
  return std::nullopt;  // binaries print escaped; decimals and times: left out
}

}  // namespace

Result<std::vector<ColumnStats>> ParquetColumnStats(duckdb::Connection& connection, const std::filesystem::path& file,
                                                    const IcebergSchema& schema) {
  const std::string sql =
      "SELECT path_in_schema, num_values, stats_null_count, stats_min_value, stats_max_value "
      "FROM parquet_metadata(" +
      SqlString(file.string()) + ")";
  duckdb_result result;
  if (duckdb_query(connection.handle(), sql.c_str(), &result) != DuckDBSuccess) {
    Status st = connection.Failure(duckdb_result_error(&result), "DuckDB cannot read a Parquet footer");
    duckdb_destroy_result(&result);
    return st;
  }
  std::vector<Row> rows;
  for (idx_t r = 0; r < duckdb_row_count(&result); ++r) {
    Row row;
    row.column = Text(&result, 0, r).value_or("");
    row.num_values = duckdb_value_int64(&result, 1, r);
    if (!duckdb_value_is_null(&result, 2, r)) row.nulls = duckdb_value_int64(&result, 2, r);
    row.min = Text(&result, 3, r);
    row.max = Text(&result, 4, r);
    rows.push_back(std::move(row));
  }
  duckdb_destroy_result(&result);

  std::vector<ColumnStats> out;
  for (const auto& field : schema.fields) {
    if (field.type->kind != IcebergType::Kind::kPrimitive) continue;
    const std::string& type = field.type->primitive;
    ColumnStats stats;
    stats.field_id = field.id;
    bool counted = true, bounded = true, seen = false;
    std::optional<Value> low, high;
    for (const auto& row : rows) {
      if (row.column != field.name) continue;
      seen = true;
      stats.value_count += row.num_values;
      if (row.nulls)
        stats.null_count += *row.nulls;
      else
        counted = false;
      const int64_t non_null = row.num_values - row.nulls.value_or(0);
      if (non_null == 0) continue;  // a chunk of nulls bounds nothing
      std::optional<Value> lo = row.min ? Parse(type, *row.min) : std::nullopt;
      std::optional<Value> hi = row.max ? Parse(type, *row.max) : std::nullopt;
      if (!lo || !hi) {
        bounded = false;
        continue;
      }
      if (!low || Compare(type, *lo, *low) < 0) low = lo;
      if (!high || Compare(type, *hi, *high) > 0) high = hi;
    }
    if (!seen || !counted) continue;
    if (bounded && low && high) {
      stats.lower = SingleValue(type, *low);
      stats.upper = SingleValue(type, *high);
    }
    out.push_back(std::move(stats));
  }
  return out;
}

}  // namespace hangar::iceberg
