// Hangar's errors as Python exceptions. Inside the extension module a failed
// Status is thrown as StatusError; nanobind turns it into hangar.HangarError
// carrying the Status's message when the call returns to Python. No C++ exception leaves the module.
#pragma once

#include <exception>
#include <string>

#include "base/status.h"

namespace hangar::python {

class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

// Throws a failed `status` as StatusError.
inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <typename T>
T ValueOrThrow(Result<T> result) {
  ThrowIfError(result.status());
  return std::move(*result);
}

}  // namespace hangar::python
