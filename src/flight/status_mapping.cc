#include "flight/status_mapping.h"
#include "base/log.h"

#include <atomic>
#include <cstdio>

namespace hangar::flight {

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == StatusCode::kIOError || status.code() == StatusCode::kInternal) {
    static std::atomic<uint64_t> next_reference{1};
    const uint64_t reference = next_reference.fetch_add(1);
    log::Error("internal error", {{"reference", reference}, {"error", status.ToString()}});
    const char* what = status.code() == StatusCode::kIOError ? "an I/O error" : "an internal error";
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string("the server hit ") + what +
                                                        " (reference #" + std::to_string(reference) +
                                                        " in its log)");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status::OK();
  return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
}

}  // namespace hangar::flight
