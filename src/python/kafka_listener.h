// hangar._native.Listener: a Kafka listener (kafka/listener.h) as Python
// sees it, and PolledBatch, the Arrow batch one poll answers. The Python
// class hangar.kafka.Listener wraps these with pykafarr's API.
#pragma once

#include <nanobind/nanobind.h>

namespace hangar::python {

void BindKafkaListener(nanobind::module_& m);

}  // namespace hangar::python
