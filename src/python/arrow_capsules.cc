#include "python/arrow_capsules.h"

#include <memory>

#include "arrow/c_data.h"

namespace hangar::python {

namespace {

// Capsule destructors: a struct still live (not moved out by a consumer) is
// released, then freed.
template <typename Struct>
void ReleaseAndFree(PyObject* capsule, const char* name) {
  auto* s = static_cast<Struct*>(PyCapsule_GetPointer(capsule, name));
  if (s == nullptr) {
    PyErr_Clear();  // a destructor may not raise; a capsule without a pointer owns nothing
    return;
  }
  if (s->release != nullptr) s->release(s);
  delete s;
}

void SchemaDestructor(PyObject* c) { ReleaseAndFree<ArrowSchema>(c, "arrow_schema"); }
void ArrayDestructor(PyObject* c) { ReleaseAndFree<ArrowArray>(c, "arrow_array"); }
void StreamDestructor(PyObject* c) { ReleaseAndFree<ArrowArrayStream>(c, "arrow_array_stream"); }

// The capsule takes `s` over; if it cannot be made, `s` is released here.
template <typename Struct>
PyObject* Wrap(std::unique_ptr<Struct> s, const char* name, PyCapsule_Destructor destructor) {
  PyObject* capsule = PyCapsule_New(s.get(), name, destructor);
  if (capsule == nullptr) {
    if (s->release != nullptr) s->release(s.get());
    return nullptr;
  }
  s.release();  // owned by the capsule now
  return capsule;
}

PyObject* Fail(const Status& status) {
  PyErr_SetString(PyExc_RuntimeError, status.message().c_str());
  return nullptr;
}

}  // namespace

PyObject* SchemaCapsule(const arrow::Schema& schema) {
  auto s = std::make_unique<ArrowSchema>();
  Status exported = arrow::ExportSchema(schema, s.get());
  if (!exported.ok()) return Fail(exported);
  return Wrap(std::move(s), "arrow_schema", SchemaDestructor);
}

PyObject* ArrayCapsules(const arrow::RecordBatchPtr& batch) {
  auto s = std::make_unique<ArrowSchema>();
  auto a = std::make_unique<ArrowArray>();
  Status exported = arrow::ExportRecordBatch(*batch, a.get(), s.get());
  if (!exported.ok()) return Fail(exported);
  PyObject* schema = Wrap(std::move(s), "arrow_schema", SchemaDestructor);
  if (schema == nullptr) {
    a->release(a.get());
    return nullptr;
  }
  PyObject* array = Wrap(std::move(a), "arrow_array", ArrayDestructor);
  if (array == nullptr) {
    Py_DECREF(schema);
    return nullptr;
  }
  PyObject* pair = PyTuple_Pack(2, schema, array);
  Py_DECREF(schema);
  Py_DECREF(array);
  return pair;
}

PyObject* StreamCapsule(const arrow::RecordBatchPtr& batch) {
  auto s = std::make_unique<ArrowArrayStream>();
  Status exported = arrow::ExportRecordBatchStream(
      std::make_unique<arrow::VectorSource>(batch->schema, std::vector<arrow::RecordBatchPtr>{batch}), s.get());
  if (!exported.ok()) return Fail(exported);
  return Wrap(std::move(s), "arrow_array_stream", StreamDestructor);
}

}  // namespace hangar::python
