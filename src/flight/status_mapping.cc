#include "flight/status_mapping.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "base/log.h"

namespace hangar::flight {

std::string ClientText(std::string text) {
  // A stack trace (DuckDB appends one to some errors) is for the log.
  if (auto trace = text.find("Stack Trace"); trace != std::string::npos) {
    text.resize(trace);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  }
  // A slash-rooted path keeps its last component: /srv/data/tables/t/x.parquet -> x.parquet.
  auto path_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._-/*?+=~@%", c); };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const bool starts = text[i] == '/' && (i == 0 || std::strchr(" \t\n'\"(=[,`", text[i - 1]) != nullptr) &&
                        i + 1 < text.size() && text[i + 1] != '/' && path_char(text[i + 1]);
    if (!starts) {
      out += text[i++];
      continue;
    }
    size_t end = i + 1;
    while (end < text.size() && path_char(text[end])) ++end;
    const std::string_view path(text.data() + i, end - i);
    const size_t last = path.find_last_of('/');
    if (last == 0) {  // one component, e.g. "/2" in arithmetic: not a path
      out.append(path);
    } else {
      out.append(path.substr(last + 1));
    }
    i = end;
  }
  return out;
}

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == StatusCode::kIOError || status.code() == StatusCode::kInternal) {
    static std::atomic<uint64_t> next_reference{1};
    const uint64_t reference = next_reference.fetch_add(1);
    log::Error("internal error", {{"reference", reference}, {"error", status.ToString()}});
    const char* what = status.code() == StatusCode::kIOError ? "an I/O error" : "an internal error";
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string("the server hit ") + what + " (reference #" +
                                                        std::to_string(reference) + " in its log)");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), ClientText(status.message()));
}

Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status::OK();
  return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
}

}  // namespace hangar::flight
