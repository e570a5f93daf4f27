#include "python/kafka_listener.h"

#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/cluster.h"
#include "kafka/listener.h"
#include "kafka/rest_schema_registry.h"
#include "kafka/schemas_topic_registry.h"
#include "python/arrow_capsules.h"
#include "python/status_error.h"

namespace nb = nanobind;

namespace hangar::python {

namespace {

// What one poll answered, speaking the Arrow PyCapsule interface.
class Batch {
 public:
  explicit Batch(kafka::PolledBatch polled) : polled_(std::move(polled)) {}

  const std::string& message_type() const { return polled_.message_type; }
  std::optional<int32_t> schema_id() const { return polled_.schema_id; }
  int64_t num_rows() const { return polled_.batch->num_rows; }

  nb::object ArrowSchema() const { return Steal(SchemaCapsule(*polled_.batch->schema)); }
  nb::object ArrowArray() const { return Steal(ArrayCapsules(polled_.batch)); }
  nb::object ArrowStream() const { return Steal(StreamCapsule(polled_.batch)); }

  // Where buffer `buffer` of column `column` starts (0 for an absent one): how
  // tests see that consumers use Hangar's memory instead of a copy.
  uintptr_t BufferAddress(int column, int buffer) const {
    const auto& columns = polled_.batch->columns;
    if (column < 0 || column >= static_cast<int>(columns.size()))
      throw StatusError(Status::OutOfRange("no column " + std::to_string(column)));
    const auto& buffers = columns[column]->buffers;
    if (buffer < 0 || buffer >= static_cast<int>(buffers.size()))
      throw StatusError(
          Status::OutOfRange("column " + std::to_string(column) + " has no buffer " + std::to_string(buffer)));
    return buffers[buffer] ? reinterpret_cast<uintptr_t>(buffers[buffer]->data()) : 0;
  }

 private:
  static nb::object Steal(PyObject* o) {
    if (o == nullptr) throw nb::python_error();
    return nb::steal(o);
  }

  kafka::PolledBatch polled_;
};

Result<std::shared_ptr<kafka::SchemaRegistry>> MakeRegistry(const kafka::KafkaOptions& kafka,
                                                            const std::optional<std::string>& registry,
                                                            const std::string& user, const std::string& password) {
  if (!registry) return std::shared_ptr<kafka::SchemaRegistry>();
  const std::string& where = *registry;
  if (where.rfind("http://", 0) == 0 || where.rfind("https://", 0) == 0) {
    kafka::RestRegistryOptions rest;
    rest.url = where.substr(0, where.find_last_not_of('/') + 1);  // "http://h:8081/" too
    rest.username = user;
    rest.password = password;
    return std::shared_ptr<kafka::SchemaRegistry>(std::make_shared<kafka::RestSchemaRegistry>(rest));
  }
  constexpr std::string_view kTopicPrefix = "kafka:";
  if (where.rfind(kTopicPrefix, 0) == 0 && where.size() > kTopicPrefix.size()) {
    HANGAR_ASSIGN_OR_RETURN(auto cluster, kafka::KafkaCluster::Connect(kafka));
    return std::shared_ptr<kafka::SchemaRegistry>(
        std::make_shared<kafka::SchemasTopicRegistry>(std::move(cluster), where.substr(kTopicPrefix.size())));
  }
  return Status::Invalid("schema_registry '" + where +
                         "': give the registry's URL (http:// or https://) or its topic as kafka:<topic> "
                         "(e.g. kafka:_schemas)");
}

class NativeListener {
 public:
  NativeListener(const std::string& brokers, const std::vector<std::string>& topics,
                 const std::optional<std::string>& registry, const std::optional<std::string>& group_id,
                 const std::string& start, int64_t start_offset, std::optional<int64_t> start_timestamp,
                 std::optional<int64_t> end_timestamp, const std::vector<std::string>& metadata,
                 const std::map<std::string, std::string>& properties, const std::string& registry_user,
                 const std::string& registry_password) {
    kafka::KafkaOptions kafka;
    kafka.brokers = brokers;
    kafka.properties = properties;
    kafka::ListenerOptions options;
    options.topics = topics;
    options.group_id = group_id;
    if (start == "earliest")
      options.start = kafka::ListenerOptions::Start::kEarliest;
    else if (start == "latest")
      options.start = kafka::ListenerOptions::Start::kLatest;
    else if (start == "offset")
      options.start = kafka::ListenerOptions::Start::kOffset;
    else
      throw StatusError(Status::Invalid("start '" + start + "': give earliest, latest or an offset"));
    options.start_offset = start_offset;
    options.start_timestamp = start_timestamp;
    options.end_timestamp = end_timestamp;
    options.metadata = metadata;
    nb::gil_scoped_release unlocked;  // connecting waits on the brokers and the registry
    auto made = MakeRegistry(kafka, registry, registry_user, registry_password);
    ThrowIfError(made.status());
    listener_ = ValueOrThrow(kafka::Listener::Open(kafka, std::move(*made), std::move(options)));
  }

  std::optional<Batch> Poll(int64_t num_messages, int max_time_ms) {
    bool signalled = false;
    Result<kafka::PolledBatch> polled = Status::OK();
    {
      // The wait for the broker runs without the GIL; between slices of it
      // the GIL is taken back to let Python's signal handlers run, so Ctrl-C
      // ends the poll with KeyboardInterrupt.
      nb::gil_scoped_release unlocked;
      polled = listener_->Poll(num_messages, max_time_ms, [&signalled] {
        nb::gil_scoped_acquire locked;
        signalled = PyErr_CheckSignals() != 0;
        return signalled;
      });
    }
    if (signalled) throw nb::python_error();
    kafka::PolledBatch batch = ValueOrThrow(std::move(polled));
    if (batch.batch == nullptr) return std::nullopt;
    return Batch(std::move(batch));
  }

 private:
  std::unique_ptr<kafka::Listener> listener_;
};

}  // namespace

void BindKafkaListener(nb::module_& m) {
  nb::class_<Batch>(m, "PolledBatch",
                    "The messages of one poll, all of one writer schema, as an Arrow record batch. Speaks the "
                    "Arrow PyCapsule interface: pyarrow.record_batch(b), polars.DataFrame(b), DuckDB and pandas "
                    "take it without copying.")
      .def_prop_ro("message_type", &Batch::message_type, "The value schema's full name ('' for raw values).")
      .def_prop_ro("schema_id", &Batch::schema_id, "The writer schema's registry id (None for raw values).")
      .def_prop_ro("num_rows", &Batch::num_rows)
      .def("__len__", &Batch::num_rows)
      .def("__arrow_c_schema__", &Batch::ArrowSchema)
      .def(
          "__arrow_c_array__", [](const Batch& b, nb::handle) { return b.ArrowArray(); },
          nb::arg("requested_schema") = nb::none())
      .def(
          "__arrow_c_stream__", [](const Batch& b, nb::handle) { return b.ArrowStream(); },
          nb::arg("requested_schema") = nb::none())
      .def("_buffer_address", &Batch::BufferAddress, nb::arg("column"), nb::arg("buffer"));

  nb::class_<NativeListener>(m, "Listener")
      .def(nb::init<const std::string&, const std::vector<std::string>&, const std::optional<std::string>&,
                    const std::optional<std::string>&, const std::string&, int64_t, std::optional<int64_t>,
                    std::optional<int64_t>, const std::vector<std::string>&, const std::map<std::string, std::string>&,
                    const std::string&, const std::string&>(),
           nb::arg("brokers"), nb::arg("topics"), nb::arg("registry").none(), nb::arg("group_id").none(),
           nb::arg("start"), nb::arg("start_offset"), nb::arg("start_timestamp").none(),
           nb::arg("end_timestamp").none(), nb::arg("metadata"), nb::arg("properties"), nb::arg("registry_user"),
           nb::arg("registry_password"))
      .def("poll", &NativeListener::Poll, nb::arg("num_messages"), nb::arg("max_time_ms"));
}

}  // namespace hangar::python
