#include "duckdb/parameters.h"

#include <cstring>

#include "arrow/array_access.h"

namespace hangar::duckdb {

namespace {

template <typename T>
T Load(const arrow::Array& a, int64_t i) {
  T value;
  std::memcpy(&value, a.buffers[1]->data() + (a.offset + i) * sizeof(T), sizeof(T));
  return value;
}

// Microseconds from a count of `unit`s (DuckDB's TIMESTAMP resolution).
int64_t ToMicros(int64_t value, arrow::TimeUnit unit) {
  const int64_t per_second = arrow::UnitsPerSecond(unit);
  return per_second >= 1000000 ? value / (per_second / 1000000) : value * (1000000 / per_second);
}

Result<duckdb_value> ValueOf(const arrow::Field& field, const arrow::Array& a, int64_t i) {
  using arrow::TypeId;
  if (!arrow::IsLogicallyValid(a, i)) return duckdb_create_null_value();
  switch (a.type->id()) {
    case TypeId::kNull: return duckdb_create_null_value();
    case TypeId::kBool: {
      const int64_t bit = a.offset + i;
      return duckdb_create_bool((a.buffers[1]->data()[bit / 8] >> (bit % 8)) & 1);
    }
    case TypeId::kInt8: return duckdb_create_int8(Load<int8_t>(a, i));
    case TypeId::kInt16: return duckdb_create_int16(Load<int16_t>(a, i));
    case TypeId::kInt32: return duckdb_create_int32(Load<int32_t>(a, i));
    case TypeId::kInt64: return duckdb_create_int64(Load<int64_t>(a, i));
    case TypeId::kUInt8: return duckdb_create_uint8(Load<uint8_t>(a, i));
    case TypeId::kUInt16: return duckdb_create_uint16(Load<uint16_t>(a, i));
    case TypeId::kUInt32: return duckdb_create_uint32(Load<uint32_t>(a, i));
    case TypeId::kUInt64: return duckdb_create_uint64(Load<uint64_t>(a, i));
    case TypeId::kFloat32: return duckdb_create_float(Load<float>(a, i));
    case TypeId::kFloat64: return duckdb_create_double(Load<double>(a, i));
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kUtf8View: {
      auto text = arrow::BinaryValue(a, i);
      return duckdb_create_varchar_length(text.data(), text.size());
    }
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
    case TypeId::kBinaryView:
    case TypeId::kFixedSizeBinary: {
      auto bytes = arrow::BinaryValue(a, i);
      return duckdb_create_blob(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    case TypeId::kDate32: return duckdb_create_date(duckdb_date{Load<int32_t>(a, i)});
    case TypeId::kDate64: return duckdb_create_date(duckdb_date{static_cast<int32_t>(Load<int64_t>(a, i) / 86400000)});
    case TypeId::kTimestamp: {
      duckdb_timestamp ts{ToMicros(Load<int64_t>(a, i), a.type->unit())};
      return a.type->timezone().empty() ? duckdb_create_timestamp(ts) : duckdb_create_timestamp_tz(ts);
    }
    case TypeId::kDecimal128: {
      if (a.type->precision() > 38) break;
      duckdb_decimal d;
      d.width = static_cast<uint8_t>(a.type->precision());
      d.scale = static_cast<uint8_t>(a.type->scale());
      std::memcpy(&d.value.lower, a.buffers[1]->data() + (a.offset + i) * 16, 8);
      std::memcpy(&d.value.upper, a.buffers[1]->data() + (a.offset + i) * 16 + 8, 8);
      return duckdb_create_decimal(d);
    }
    default: break;
  }
  return Status::Invalid("parameter '" + field.name() + "' has type " + a.type->ToString() +
                         ", which cannot be bound (scalar types only)");
}

}  // namespace

Parameters::~Parameters() {
  for (auto& v : values_) duckdb_destroy_value(&v);
}

Parameters& Parameters::operator=(Parameters&& other) noexcept {
  if (this != &other) {
    for (auto& v : values_) duckdb_destroy_value(&v);
    values_ = std::move(other.values_);
    other.values_.clear();
  }
  return *this;
}

Result<Parameters> Parameters::FromRow(const arrow::RecordBatch& batch, int64_t row) {
  Parameters out;
  for (int c = 0; c < batch.num_columns(); ++c) {
    HANGAR_ASSIGN_OR_RETURN(auto value, ValueOf(*batch.schema->field(c), *batch.column(c), row));
    out.values_.push_back(value);
  }
  return out;
}

Status Parameters::BindTo(duckdb_prepared_statement statement) const {
  const idx_t expected = duckdb_nparams(statement);
  if (expected != values_.size())
    return Status::Invalid("the statement has " + std::to_string(expected) + " parameters but " +
                           std::to_string(values_.size()) + " values were bound");
  for (idx_t i = 0; i < values_.size(); ++i) {
    if (duckdb_bind_value(statement, i + 1, values_[i]) != DuckDBSuccess)
      return Status::Invalid("cannot bind parameter " + std::to_string(i + 1) + ": " + duckdb_prepare_error(statement));
  }
  return Status::OK();
}

}  // namespace hangar::duckdb
