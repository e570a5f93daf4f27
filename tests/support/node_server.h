// A Hangar server in the test's own process: a server::Node (the same
// composition root `hangar serve` runs) listening on a free loopback port.
// Tests of what the server answers use it; tests that kill, restart or
// starve the server as a process use ServerProcess (server_process.h).
// The two have the same surface (started, port, Connect, kafka), so a test
// moves from one to the other by its type.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "server/node.h"
#include "support/loopback_client.h"
#include "support/temp_data_dir.h"

namespace hangar::testing {

class NodeServer {
 public:
  // Opens and serves a node on `data_dir` with what `configure` sets on top
  // of the defaults (no Kafka, no metrics endpoint, no cluster).
  explicit NodeServer(const std::string& data_dir, const std::function<void(server::NodeOptions&)>& configure = {}) {
    server::NodeOptions options;
    options.data_dir = data_dir;
    options.flight.listen = "127.0.0.1:0";
    if (configure) configure(options);
    auto node = server::Node::Open(std::move(options));
    Status st = node.ok() ? (*node)->Serve() : node.status();
    if (!st.ok()) {
      std::fprintf(stderr, "the node did not start: %s\n", st.ToString().c_str());
      return;
    }
    node_ = std::move(*node);
  }

  // With the development Kafka cluster (`hangar serve --dev-kafka`).
  static void DevKafka(server::NodeOptions& options) {
    options.kafka = server::KafkaSettings();
    options.kafka->dev = true;
  }

  bool started() const { return node_ != nullptr; }
  int port() const { return node_ ? node_->port() : 0; }
  // Kafka's bootstrap servers; empty without Kafka.
  std::string kafka() const { return node_ ? node_->kafka_brokers() : ""; }
  server::Node& node() { return *node_; }

  // A client of the server; null (saying why on stderr) if none connects.
  std::unique_ptr<flight::FlightClient> Connect() const { return ConnectLoopback(port()); }

  // Shuts the node down as `hangar serve` does on SIGTERM (the destructor does too).
  void Stop() { node_.reset(); }

 private:
  std::unique_ptr<server::Node> node_;
};

}  // namespace hangar::testing
