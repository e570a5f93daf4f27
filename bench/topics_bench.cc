// Topics: how fast a Kafka topic of small Avro messages becomes Arrow at a
// Flight client, against what else reads it, all in the same run on the
// same development cluster (librdkafka's mock, in this process):
//
//   (a) a plain librdkafka consumer in C++ reading the messages raw, no
//       decoding — the ceiling for any librdkafka-based reader;
//   (b) kcat consuming them to /dev/null;
//   (c) Hangar: `hangar serve --kafka-brokers` (another process), DoGet of
//       every partition into Arrow tables at the client — one stream after
//       another, and one stream per partition at once;
//   (d) what users do today: Python confluent_kafka + the Avro library into a
//       pandas DataFrame (bench/topics_baseline.py; a subset of the messages).
//
// Targets (issue "Topics as flights"): (c) >= 0.6x (a), >= 2x (b),
// >= 20x (d) and >= 2,000,000 messages/s. Also writing: Hangar DoPut of the
// same rows as Arrow into a topic against a plain librdkafka producer of
// the already-encoded messages (idempotent, acks=all, both).
//
//   bench_topics [--messages N] [--partitions P] [--quick]
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "arrow/builder.h"
#include "avro/varint.h"
#include "flight/client.h"
#include "hangar_process.h"
#include "kafka/dev_cluster.h"
#include "kafka/producer.h"
#include "kafka/schemas_topic_registry.h"
#include "kafka/wire_format.h"

namespace hangar::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kSchema = R"({"type": "record", "name": "event", "fields": [
  {"name": "id", "type": "long"}, {"name": "user", "type": "string"}, {"name": "value", "type": "double"},
  {"name": "count", "type": "int"}, {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}]})";
constexpr int64_t kStartMillis = 1767225600000;  // 2026-01-01

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "bench_topics: %s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

std::string User(int64_t i) { return "user-" + std::to_string(i % 10007); }

std::string Encode(int32_t schema_id, int64_t i) {
  std::string v;
  kafka::AppendWireHeader(schema_id, &v);
  avro::WriteLong(i, &v);
  const std::string user = User(i);
  avro::WriteLong(static_cast<int64_t>(user.size()), &v);
  v += user;
  const double value = static_cast<double>(i % 100000) / 7.0;
  v.append(reinterpret_cast<const char*>(&value), 8);
  avro::WriteLong(i % 1000, &v);
  avro::WriteLong(kStartMillis + i, &v);
  return v;
}

// The same rows as Arrow batches, for DoPut.
std::vector<arrow::RecordBatchPtr> Rows(int64_t n, int64_t batch_rows) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("user", arrow::utf8(), false),
                               arrow::field("value", arrow::float64(), false),
                               arrow::field("count", arrow::int32(), false),
                               arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMilli, "UTC"), false)});
  std::vector<arrow::RecordBatchPtr> out;
  for (int64_t first = 0; first < n; first += batch_rows) {
    const int64_t rows = std::min(batch_rows, n - first);
    arrow::PrimitiveBuilder<int64_t> id(arrow::int64()), at(schema->field(4)->type());
    arrow::BinaryBuilder user(arrow::utf8());
    arrow::PrimitiveBuilder<double> value(arrow::float64());
    arrow::PrimitiveBuilder<int32_t> count(arrow::int32());
    for (int64_t i = first; i < first + rows; ++i) {
      id.Append(i);
      user.Append(User(i));
      value.Append(static_cast<double>(i % 100000) / 7.0);
      count.Append(static_cast<int32_t>(i % 1000));
      at.Append(kStartMillis + i);
    }
    out.push_back(arrow::MakeRecordBatch(schema, rows, {id.Finish().value(), user.Finish().value(), value.Finish().value(),
                                                        count.Finish().value(), at.Finish().value()}));
  }
  return out;
}

template <typename F>
double Best(int runs, F&& f) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    best = std::min(best, Seconds(start));
  }
  return best;
}

// (a) One librdkafka consumer handle, every partition on one queue, raw.
int64_t RawConsume(const std::string& brokers, const std::string& topic, int partitions, int64_t expected) {
  kafka::KafkaOptions options;
  options.brokers = brokers;
  auto conf = kafka::MakeConf(options, {{"queued.min.messages", "1000000"}, {"fetch.wait.max.ms", "10"},
                                        {"fetch.message.max.bytes", "16777216"}, {"enable.partition.eof", "false"}});
  Check(conf.status(), "consumer config");
  auto rk = kafka::NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  Check(rk.status(), "consumer");
  kafka::TopicHandle rkt(rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_metadata(rk->get(), 0, rkt.get(), &md, 5000);
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk->get());
  for (int p = 0; p < partitions; ++p) rd_kafka_consume_start_queue(rkt.get(), p, RD_KAFKA_OFFSET_BEGINNING, queue);
  std::vector<rd_kafka_message_t*> batch(10000);
  int64_t got = 0, bytes = 0;
  while (got < expected) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue, 1000, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++got;
        bytes += static_cast<int64_t>(batch[i]->len);
      }
      rd_kafka_message_destroy(batch[i]);
    }
    if (n < 0) break;
  }
  for (int p = 0; p < partitions; ++p) rd_kafka_consume_stop(rkt.get(), p);
  rd_kafka_queue_destroy(queue);
  return bytes > 0 ? got : 0;
}

// (c) Every endpoint of the topic's FlightInfo, one after another or all at once.
int64_t HangarGet(flight::FlightClient& client, const std::string& topic, bool parallel) {
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({"kafka", topic}));
  Check(info.status(), "GetFlightInfo");
  std::atomic<int64_t> rows{0};
  auto read = [&](const flight::FlightEndpoint& e) {
    auto reader = client.DoGet(e.ticket);
    Check(reader.status(), "DoGet");
    auto batches = (*reader)->ReadAll();  // an Arrow table at the client
    Check(batches.status(), "DoGet stream");
    for (const auto& b : *batches) rows += b->num_rows;
  };
  if (!parallel) {
    for (const auto& e : info->endpoints) read(e);
  } else {
    std::vector<std::thread> threads;
    for (const auto& e : info->endpoints) threads.emplace_back(read, std::cref(e));
    for (auto& t : threads) t.join();
  }
  return rows;
}

// Runs a command; its stdout.
std::string Run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) std::fprintf(stderr, "bench_topics: '%s' failed\n", command.c_str());
  return out;
}

void Line(const char* what, int64_t messages, double seconds, double reference, const char* versus) {
  const double rate = static_cast<double>(messages) / seconds;
  std::printf("%-46s %10.0f msg/s", what, rate);
  if (reference > 0) std::printf("   %6.2fx %s", rate / reference, versus);
  std::printf("\n");
}

}  // namespace
}  // namespace hangar::bench

int main(int argc, char** argv) {
  using namespace hangar;
  using namespace hangar::bench;
  int64_t messages = 1000000;
  int partitions = 16;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--messages" && i + 1 < argc) messages = std::atoll(argv[++i]);
    else if (a == "--partitions" && i + 1 < argc) partitions = std::atoi(argv[++i]);
    else if (a == "--quick") messages = 200000;
    else {
      std::fprintf(stderr, "usage: bench_topics [--messages N] [--partitions P] [--quick]\n");
      return 2;
    }
  }
  const std::string bin_dir = fs::path(argv[0]).parent_path().string();
  const fs::path dir = fs::temp_directory_path() / ("hangar-bench-topics-" + std::to_string(getpid()));
  fs::create_directories(dir);

  auto dev = kafka::DevCluster::Start(1);
  Check(dev.status(), "dev cluster");
  const std::string brokers = (*dev)->bootstrap_servers();
  for (const char* t : {"bench", "bench_put", "bench_raw_put"}) Check((*dev)->CreateTopic(t, partitions), "topic");
  Check((*dev)->CreateTopic("_schemas", 1), "topic");
  kafka::KafkaOptions options;
  options.brokers = brokers;
  auto cluster = kafka::KafkaCluster::Connect(options);
  Check(cluster.status(), "cluster");
  kafka::SchemasTopicRegistry registry(*cluster);
  auto registered = registry.Register("bench-value", kSchema);
  Check(registered.status(), "register");

  std::vector<std::string> encoded;
  encoded.reserve(static_cast<size_t>(messages));
  int64_t payload = 0;
  for (int64_t i = 0; i < messages; ++i) {
    encoded.push_back(Encode(registered->id, i));
    payload += static_cast<int64_t>(encoded.back().size());
  }
  std::printf("bench_topics: %lld Avro messages (%.1f bytes each) over %d partitions; librdkafka %s, mock cluster\n\n",
              static_cast<long long>(messages), static_cast<double>(payload) / messages, partitions, rd_kafka_version_str());

  // Fill the topic (and time the plain producer: the writing baseline).
  auto fill = [&](const std::string& topic) {
    auto producer = kafka::Producer::Open(options);
    Check(producer.status(), "producer");
    const auto start = Clock::now();
    for (int64_t i = 0; i < messages; ++i)
      Check((*producer)->Produce(topic, static_cast<int32_t>(i % partitions), {}, encoded[static_cast<size_t>(i)], 0, true),
            "produce");
    Check((*producer)->Flush().status(), "flush");
    return Seconds(start);
  };
  fill("bench");
  const double produce_raw = fill("bench_raw_put");

  auto server = StartHangar(bin_dir, (dir / "data").string(), {"--kafka-brokers", brokers}, "bench_topics");
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", server.port));
  Check(client.status(), "client");

  const double raw = Best(2, [&] {
    if (RawConsume(brokers, "bench", partitions, messages) != messages) Check(Status::Internal("short read"), "raw");
  });
  const double kcat = Best(2, [&] { Run("kcat -C -b " + brokers + " -t bench -o beginning -e -q > /dev/null"); });
  const double one_stream = Best(2, [&] {
    if (HangarGet(**client, "bench", false) != messages) Check(Status::Internal("short read"), "Hangar DoGet");
  });
  const double per_partition = Best(2, [&] {
    if (HangarGet(**client, "bench", true) != messages) Check(Status::Internal("short read"), "Hangar DoGet");
  });

  const int64_t python_messages = std::min<int64_t>(messages, 200000);
  const fs::path schema_file = dir / "schema.avsc";
  std::ofstream(schema_file) << kSchema;
  const std::string source_dir = fs::path(__FILE__).parent_path().string();
  auto python = nlohmann::json::parse(
      Run("/usr/bin/python3 " + source_dir + "/topics_baseline.py --brokers " + brokers + " --topic bench --partitions " +
          std::to_string(partitions) + " --messages " + std::to_string(python_messages) + " --schema-file " +
          schema_file.string()),
      nullptr, false);
  const double python_rate = python.is_object() ? python["messages"].get<double>() / python["seconds"].get<double>() : 0;

  // Writing: the same rows as Arrow, through Hangar.
  const auto batches = Rows(messages, 65536);
  const auto put_start = Clock::now();
  {
    auto writer = (*client)->DoPut(flight::FlightDescriptor::Path({"kafka", "bench_put"}), batches[0]->schema);
    Check(writer.status(), "DoPut");
    for (const auto& b : batches) Check((*writer)->WriteRecordBatch(*b), "DoPut batch");
    Check((*writer)->Close(), "DoPut close");
  }
  const double put = Seconds(put_start);
  server.Stop();
  fs::remove_all(dir);

  const double raw_rate = static_cast<double>(messages) / raw;
  const double kcat_rate = static_cast<double>(messages) / kcat;
  std::printf("reading %lld messages into Arrow (best of 2 where repeated)\n", static_cast<long long>(messages));
  Line("(a) librdkafka consumer, raw, no decoding", messages, raw, 0, "");
  Line("(b) kcat -C to /dev/null", messages, kcat, raw_rate, "(a)");
  Line("(c) Hangar DoGet, partitions one after another", messages, one_stream, raw_rate, "(a)");
  Line("(c) Hangar DoGet, one stream per partition", messages, per_partition, raw_rate, "(a)");
  if (python_rate > 0)
    std::printf("%-46s %10.0f msg/s   (%lld messages)\n", "(d) Python confluent_kafka + avro + pandas", python_rate,
                static_cast<long long>(python_messages));
  const double best = static_cast<double>(messages) / std::min(one_stream, per_partition);
  std::printf("\nHangar (best of the two ways): %.2fx (a) [target 0.6], %.2fx (b) [target 2], %.1fx (d) [target 20], "
              "%.2fM msg/s [target 2.0]\n\n",
              best / raw_rate, best / kcat_rate, python_rate > 0 ? best / python_rate : 0.0, best / 1e6);
  std::printf("writing %lld messages (idempotent, acks=all)\n", static_cast<long long>(messages));
  Line("librdkafka producer, messages already encoded", messages, produce_raw, 0, "");
  Line("Hangar DoPut of Arrow batches (encode + produce)", messages, put, static_cast<double>(messages) / produce_raw,
       "producer");
  return 0;
}
