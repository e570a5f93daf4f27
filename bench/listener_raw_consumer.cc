// bench/listener_bench.py's floor: a librdkafka consumer that reads a topic
// the way hangar.kafka.Listener does (no group) and does nothing else. Same
// settings (ListenerConsumerSettings), the same steps — a client, the
// topic's metadata, every partition started from its beginning into one
// queue, what has arrived taken with rd_kafka_consume_batch_queue in chunks
// of up to 65,536 — but each message is only counted (messages and payload
// bytes), never decoded.
//
//   listener_raw_consumer BROKERS TOPIC MESSAGES [PROPERTY=VALUE ...]
//
// (librdkafka properties after the listener's own, as a listener's
// config= passes them: for trying other settings.)
// Stops once MESSAGES messages came and prints one JSON line:
//   {"messages": n, "bytes": b, "open_s": s, "read_s": s}
// open_s: from before the client is made until every partition is started
// (what Listener(...) does); read_s: from then until the last message.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kafka/listener.h"
#include "kafka/options.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "listener_raw_consumer: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hangar::kafka;
  if (argc < 4) return Fail("usage: listener_raw_consumer BROKERS TOPIC MESSAGES [PROPERTY=VALUE ...]");
  const std::string topic = argv[2];
  const long long wanted = std::atoll(argv[3]);

  const auto start = Clock::now();
  KafkaOptions options;
  options.brokers = argv[1];
  for (int i = 4; i < argc; ++i) {
    const std::string property = argv[i];
    const size_t eq = property.find('=');
    if (eq == std::string::npos) return Fail("not PROPERTY=VALUE: " + property);
    options.properties[property.substr(0, eq)] = property.substr(eq + 1);
  }
  auto conf = MakeConf(options, ListenerConsumerSettings(false));
  if (!conf.ok()) return Fail(conf.status().message());
  auto client = NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!client.ok()) return Fail(client.status().message());
  rd_kafka_t* rk = client->get();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, options.request_timeout_ms);
  if (err) return Fail(std::string("metadata: ") + rd_kafka_err2str(err));
  int partitions = 0;
  for (int t = 0; t < md->topic_cnt; ++t)
    if (topic == md->topics[t].topic) partitions = md->topics[t].partition_cnt;
  rd_kafka_metadata_destroy(md);
  if (partitions == 0) return Fail("topic '" + topic + "' has no partitions");
  for (int p = 0; p < partitions; ++p)
    if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, queue) != 0)
      return Fail(std::string("starting partition: ") + rd_kafka_err2str(rd_kafka_last_error()));
  const auto opened = Clock::now();

  std::vector<rd_kafka_message_t*> buffer(65536);
  long long messages = 0;
  long long bytes = 0;
  const auto give_up = opened + std::chrono::seconds(60);
  while (messages < wanted && Clock::now() < give_up) {
    // As the listener reads: what has arrived, else a wait of up to 100 ms
    // for one message and then what has arrived with it.
    ssize_t n = rd_kafka_consume_batch_queue(queue, 0, buffer.data(), buffer.size());
    if (n == 0) {
      rd_kafka_message_t* first = rd_kafka_consume_queue(queue, 100);
      if (first == nullptr) continue;
      buffer[0] = first;
      const ssize_t more = rd_kafka_consume_batch_queue(queue, 0, buffer.data() + 1, buffer.size() - 1);
      n = more < 0 ? more : 1 + more;
    }
    if (n < 0) return Fail(std::string("reading: ") + rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = buffer[static_cast<size_t>(i)];
      if (!m->err) {
        ++messages;
        bytes += static_cast<long long>(m->len);
      }
      rd_kafka_message_destroy(m);
    }
  }
  const auto done = Clock::now();
  std::printf("{\"messages\": %lld, \"bytes\": %lld, \"open_s\": %.6f, \"read_s\": %.6f}\n", messages, bytes,
              Seconds(start, opened), Seconds(opened, done));

  for (int p = 0; p < partitions; ++p) rd_kafka_consume_stop(rkt, p);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_queue_destroy(queue);
  return messages == wanted ? 0 : 1;
}
