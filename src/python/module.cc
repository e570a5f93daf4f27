// hangar._native: Hangar's C++ core inside a Python process. The pure-Python
// package (python/hangar/) gives it its public API.
#include <nanobind/nanobind.h>

#include "python/kafka_listener.h"
#include "python/status_error.h"

namespace nb = nanobind;

NB_MODULE(_native, m) {
  m.doc() = "Hangar's C++ core: Kafka listeners into Arrow record batches.";
  static nb::exception<hangar::python::StatusError> error(m, "HangarError");
  hangar::python::BindKafkaListener(m);
}
