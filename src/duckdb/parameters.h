// Values of query parameters ($1, ?) taken from a row of an Arrow batch: how
// Flight SQL binds a prepared statement's parameters.
#pragma once

#include <duckdb.h>

#include <vector>

#include "arrow/array.h"
#include "base/status.h"

namespace hangar::duckdb {

class Parameters {
 public:
  Parameters() = default;
  ~Parameters();
  Parameters(Parameters&& other) noexcept : values_(std::move(other.values_)) { other.values_.clear(); }
  Parameters& operator=(Parameters&& other) noexcept;
  Parameters(const Parameters&) = delete;
  Parameters& operator=(const Parameters&) = delete;

  // Column i of `row` becomes parameter i + 1. Scalar types only (booleans,
  // integers, floats, decimals up to 128 bits, strings, binaries, dates,
  // timestamps); anything else is INVALID_ARGUMENT naming the column.
  static Result<Parameters> FromRow(const arrow::RecordBatch& batch, int64_t row);

  size_t size() const { return values_.size(); }
  // Binds every value to `statement`.
  Status BindTo(duckdb_prepared_statement statement) const;

 private:
  std::vector<duckdb_value> values_;
};

}  // namespace hangar::duckdb
