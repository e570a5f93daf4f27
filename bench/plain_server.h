// The plain gRPC service the benchmarks measure Hangar against
// (plain_stream.proto), and ForkedServer, which serves it (or a Flight
// server) from a child process.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "plain_stream.grpc.pb.h"

namespace hangar::bench {

class PlainService final : public PlainStream::Service {
 public:
  grpc::Status Get(grpc::ServerContext*, const PlainRequest* request, grpc::ServerWriter<PlainChunk>* writer) override {
    PlainChunk chunk;
    chunk.set_data(std::string(static_cast<size_t>(request->chunk_bytes()), 'x'));
    for (int64_t sent = 0; sent < request->total_bytes(); sent += request->chunk_bytes())
      if (!writer->Write(chunk)) break;
    return grpc::Status::OK;
  }
  grpc::Status Put(grpc::ServerContext*, grpc::ServerReader<PlainChunk>* reader, PlainRequest* response) override {
    PlainChunk chunk;
    int64_t received = 0;
    while (reader->Read(&chunk)) received += static_cast<int64_t>(chunk.data().size());
    response->set_total_bytes(received);
    return grpc::Status::OK;
  }
  grpc::Status Echo(grpc::ServerContext*, grpc::ServerReaderWriter<PlainRequest, PlainChunk>* stream) override {
    PlainChunk chunk;
    PlainRequest reply;
    while (stream->Read(&chunk)) {
      reply.set_chunk_bytes(static_cast<int64_t>(chunk.data().size()));
      if (!stream->Write(reply)) break;
    }
    return grpc::Status::OK;
  }
};

// A server run in a child process until Stop(), so that, as in real use,
// client and server are separate processes. `start` runs in the child: it
// starts the server and returns its port and how to shut it down.
class ForkedServer {
 public:
  struct Started {
    int port;
    std::function<void()> shutdown;
  };
  // Forks: call before this process starts any gRPC thread.
  explicit ForkedServer(const std::function<Started()>& start) {
    int ports[2], control[2];
    if (::pipe(ports) != 0 || ::pipe(control) != 0) std::exit(1);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ports[0]);
      ::close(control[1]);
      Started started = start();
      if (::write(ports[1], &started.port, sizeof started.port) != sizeof started.port) ::_exit(1);
      char byte;
      while (::read(control[0], &byte, 1) > 0) {
      }
      started.shutdown();
      ::_exit(0);
    }
    ::close(ports[1]);
    ::close(control[0]);
    control_ = control[1];
    if (::read(ports[0], &port_, sizeof port_) != sizeof port_) std::exit(1);
    ::close(ports[0]);
  }
  ForkedServer(const ForkedServer&) = delete;
  ForkedServer& operator=(const ForkedServer&) = delete;
  ~ForkedServer() { Stop(); }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void Stop() {
    if (control_ < 0) return;
    ::close(control_);
    control_ = -1;
    ::waitpid(pid_, nullptr, 0);
  }

 private:
  int port_ = 0;
  int control_ = -1;
  pid_t pid_ = -1;
};

// PlainService on 127.0.0.1, with `max_message` as both message limits.
inline ForkedServer::Started StartPlainServer(int max_message) {
  auto service = std::make_shared<PlainService>();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service.get());
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  std::shared_ptr<grpc::Server> server = builder.BuildAndStart();
  return {port, [service, server] { server->Shutdown(); }};
}

}  // namespace hangar::bench
