// Record batches handed to Python through the Arrow PyCapsule interface:
// the C Data Interface structs (arrow/c_data.h) wrapped in capsules named
// "arrow_schema", "arrow_array" and "arrow_array_stream", which pyarrow,
// polars, DuckDB and pandas take without copying the buffers. A capsule
// whose struct the consumer did not move out releases it when collected.
#pragma once

#include <Python.h>

#include "arrow/array.h"

namespace hangar::python {

// New references; on failure a Python error is set and nullptr returned.
PyObject* SchemaCapsule(const arrow::Schema& schema);
PyObject* ArrayCapsules(const arrow::RecordBatchPtr& batch);  // (schema capsule, array capsule)
PyObject* StreamCapsule(const arrow::RecordBatchPtr& batch);

}  // namespace hangar::python
