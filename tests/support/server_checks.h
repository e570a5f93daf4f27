// What tests of a server ask of it from outside: its resident memory, the
// environment under which that is measured, and what the gRPC health
// service answers. (GoogleTest and gRPC: tests only.)
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace hangar::testing {

#if defined(__SANITIZE_ADDRESS__)
#define HANGAR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HANGAR_TEST_ASAN 1
#endif
#endif

// A process's resident memory in MiB. A read that fails fails the test (and
// gives -1): a bound checked against readings that were never made must not
// pass.
inline int64_t ResidentMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  ADD_FAILURE() << "cannot read the resident memory of process " << pid << " from /proc";
  return -1;
}

// The environment for a server whose memory a test measures: under ASan, a
// small quarantine (ASan keeps 256 MB of freed memory by default, and the
// server would look as if it held what it only freed), plus `asan_options`.
inline std::map<std::string, std::string> MemoryMeasuredEnv(const std::string& asan_options = "") {
  std::map<std::string, std::string> env;
#if defined(HANGAR_TEST_ASAN)
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::string options = std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "quarantine_size_mb=4";
  if (!asan_options.empty()) options += ":" + asan_options;
  env["ASAN_OPTIONS"] = options;
#else
  (void)asan_options;
#endif
  return env;
}

// What the gRPC health service answers for the server (""): SERVING,
// NOT_SERVING, or "error: ..." when the call fails.
inline std::string HealthOf(int port) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::CompletionQueue cq;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  if (!status.ok()) return "error: " + status.error_message();
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // HealthCheckResponse{status = 1: SERVING, 2: NOT_SERVING} as field 1, varint.
  if (bytes.size() == 2 && bytes[0] == 0x08) return bytes[1] == 1 ? "SERVING" : bytes[1] == 2 ? "NOT_SERVING" : "?";
  return bytes.empty() ? "UNKNOWN" : "?";
}

}  // namespace hangar::testing
