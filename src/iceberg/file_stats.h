// Column statistics of a Parquet file for its Iceberg data-file entry,
// from the file's footer (DuckDB's parquet_metadata(): no data page is
// read): per top-level primitive column, values (nulls included), nulls,
// and lower/upper bounds in Iceberg's single-value serialization where the
// footer has exact ones that convert without doubt (integers, floats that
// are not NaN, booleans, dates, timestamps, strings and binaries). Bounds
// are optional in Iceberg: a column without them is never skipped by a
// reader's filter, so leaving one out costs pruning, never rows.
#pragma once

#include <filesystem>
#include <vector>

#include "duckdb/database.h"
#include "iceberg/manifest.h"

namespace hangar::iceberg {

Result<std::vector<ColumnStats>> ParquetColumnStats(duckdb::Connection& connection, const std::filesystem::path& file,
                                                    const IcebergSchema& schema);

}  // namespace hangar::iceberg
