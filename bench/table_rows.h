// The rows of the table benchmarks (bench_tables, bench_table_reads): an
// int64 id 0, 1, ..., a float64 with 10% nulls and a utf8 name of 7-13
// characters, each row a function of its id, so that any range of rows can
// be made again instead of held.
#pragma once

#include <cstdint>
#include <string>

#include "arrow/builder.h"

namespace hangar::bench {

inline arrow::SchemaPtr TableRowsSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("value", arrow::float64()),
                        arrow::field("name", arrow::utf8())});
}

// Rows [first, first + n).
inline arrow::RecordBatchPtr TableRows(int64_t first, int64_t n) {
  static const char* const kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::PrimitiveBuilder<double> values(arrow::float64());
  arrow::BinaryBuilder names(arrow::utf8());
  for (int64_t i = 0; i < n; ++i) {
    uint64_t h = static_cast<uint64_t>(first + i) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    ids.Append(first + i);
    if (h % 10 == 0)
      values.AppendNull();
    else
      values.Append(static_cast<double>(h % 1000000) / 100.0);
    names.Append(std::string(kWords[h % 8]) + "-" + std::to_string(h % 100000));
  }
  return arrow::MakeRecordBatch(TableRowsSchema(), n,
                                {ids.Finish().value(), values.Finish().value(), names.Finish().value()});
}

}  // namespace hangar::bench
