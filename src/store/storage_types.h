// Which Arrow types a table can hold, and how values read back from Parquet
// are given back the exact types that were put.
//
// Parquet (as DuckDB writes and reads it) has fewer types than Arrow: a
// large_utf8 column comes back as utf8, a dictionary as its values, a
// fixed_size_list as a list, a time32 as a time64. The table keeps the
// schema that was put, and ConformBatch turns what DuckDB reads into that
// schema (relabelling where the layout is the same, converting where not).
// Types whose values Parquet cannot carry exactly are refused when the
// table is written, naming the column and the reason: nothing is stored that
// would not come back identical.
#pragma once

#include <functional>
#include <memory>

#include "arrow/array.h"
#include "arrow/record_batch_source.h"

namespace hangar::store {

// OK if every column of `schema` survives a Parquet round trip exactly;
// otherwise Invalid naming the first column that does not, and why.
Status CheckStorable(const arrow::Schema& schema);

// The schema DuckDB is given for a table of `schema` (see the .cc for each
// type's storage form), or Invalid as CheckStorable.
Result<arrow::SchemaPtr> StorageSchema(const arrow::Schema& schema);

// `source` in its storage form (the batches DuckDB writes as Parquet).
Result<std::unique_ptr<arrow::RecordBatchSource>> StorageSource(std::unique_ptr<arrow::RecordBatchSource> source);

// `batch` (as DuckDB read it from Parquet) with the types of `schema`.
Result<arrow::RecordBatchPtr> ConformBatch(const arrow::RecordBatchPtr& batch, const arrow::SchemaPtr& schema);

// A source whose batches are conformed to `schema`.
std::unique_ptr<arrow::RecordBatchSource> ConformSource(std::unique_ptr<arrow::RecordBatchSource> source,
                                                        arrow::SchemaPtr schema);

}  // namespace hangar::store
