// Topics: how fast a Kafka topic of small Avro messages becomes Arrow at a
// Flight client, against what else reads it, all in the same run on the same
// real Apache Kafka 4 broker (tests/support/kafka_broker.py, started by this
// program with the Confluent-API Schema Registry of schema_registry.py):
//
//   (a) a plain librdkafka consumer in C++ reading the messages raw, no
//       decoding — the ceiling for any librdkafka-based reader. It reads the
//       way Hangar does: librdkafka's simple consumer, one handle per
//       partition with Hangar's consumer settings, handles made and connected
//       before the clock starts (Hangar's are pooled), partitions one after
//       another or all at once, one thread each;
//   (b) kcat -C (Debian's), its output (length-prefixed values) counted here;
//   (c) Hangar: `hangar serve --kafka-brokers --schema-registry` (another
//       process), DoGet of every partition into Arrow tables at the client,
//       one stream after another and one stream per partition at once;
//   (d) Python confluent-kafka + fastavro + pandas (bench/topics_baseline.py);
//   (e) Python confluent-kafka with the registry's AvroDeserializer + pandas.
//
// Every reader must return every message (and (c), (d), (e) the sum of the
// `id` column); a short read fails the benchmark. Targets (issue 22): (c) >=
// 0.8x (a) one-after-another and all-at-once alike, >= 2x (b), >= 20x (d).
// Also writing: Hangar DoPut of the same rows as Arrow into a topic against
// a plain librdkafka producer of the already-encoded messages (idempotent,
// acks=all, both).
//
//   bench_topics [--messages N] [--partitions P] [--runs R] [--quick]
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
#include "kafka/options.h"
#include "kafka/producer.h"
#include "kafka/rest_schema_registry.h"
#include "kafka/wire_format.h"
#include "kafka_broker.h"
#include "support/server_process.h"

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
  auto schema =
      arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("user", arrow::utf8(), false),
                     arrow::field("value", arrow::float64(), false), arrow::field("count", arrow::int32(), false),
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
    out.push_back(arrow::MakeRecordBatch(schema, rows,
                                         {id.Finish().value(), user.Finish().value(), value.Finish().value(),
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

// (a) One warm consumer handle per partition, configured as Hangar's
// consumer pool configures its handles (src/kafka/consumer_pool.cc).
class RawReaders {
 public:
  RawReaders(const std::string& brokers, const std::string& topic, int partitions) {
    kafka::KafkaOptions options;
    options.brokers = brokers;
    for (int p = 0; p < partitions; ++p) {
      auto conf = kafka::MakeConf(options, {{"enable.partition.eof", "true"},
                                            {"enable.auto.commit", "false"},
                                            {"enable.auto.offset.store", "false"},
                                            {"auto.offset.reset", "error"},
                                            {"isolation.level", "read_committed"},
                                            {"queued.min.messages", "1000000"},
                                            {"queued.max.messages.kbytes", "32768"},
                                            {"fetch.wait.max.ms", "10"},
                                            {"fetch.message.max.bytes", "16777216"},
                                            {"fetch.max.bytes", "52428800"}});
      Check(conf.status(), "consumer config");
      auto rk = kafka::NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
      Check(rk.status(), "consumer");
      kafka::TopicHandle rkt(rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr));
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk->get(), 0, rkt.get(), &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        Check(Status::IOError("no metadata"), "raw consumer");
      rd_kafka_metadata_destroy(md);
      handles_.push_back(std::move(*rk));
      topics_.push_back(std::move(rkt));
    }
  }

  // Every message of partition p from offset 0 to the end of its log.
  int64_t ReadPartition(int p) {
    rd_kafka_topic_t* rkt = topics_[static_cast<size_t>(p)].get();
    if (rd_kafka_consume_start(rkt, p, RD_KAFKA_OFFSET_BEGINNING) != 0) Check(Status::IOError("consume_start"), "raw");
    std::vector<rd_kafka_message_t*> batch(65536);
    int64_t got = 0, bytes = 0;
    bool eof = false;
    while (!eof) {
      // As Hangar's reader: take what is queued; when nothing is, wait for
      // one message (rd_kafka_consume_batch with a timeout would wait for a
      // full batch).
      ssize_t n = rd_kafka_consume_batch(rkt, p, 0, batch.data(), batch.size());
      if (n == 0) {
        rd_kafka_message_t* first = rd_kafka_consume(rkt, p, 1000);
        if (first == nullptr) continue;
        batch[0] = first;
        n = 1;
      }
      if (n < 0) Check(Status::IOError("consume_batch"), "raw");
      for (ssize_t i = 0; i < n; ++i) {
        if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++got;
          bytes += static_cast<int64_t>(batch[i]->len);
        } else if (batch[i]->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          eof = true;
        } else {
          Check(Status::IOError(rd_kafka_err2str(batch[i]->err)), "raw read");
        }
        rd_kafka_message_destroy(batch[i]);
      }
    }
    rd_kafka_consume_stop(rkt, p);
    return bytes > 0 ? got : 0;
  }

  int64_t Read(bool parallel) {
    std::atomic<int64_t> got{0};
    const int partitions = static_cast<int>(topics_.size());
    if (!parallel) {
      for (int p = 0; p < partitions; ++p) got += ReadPartition(p);
    } else {
      std::vector<std::thread> threads;
      for (int p = 0; p < partitions; ++p) threads.emplace_back([&, p] { got += ReadPartition(p); });
      for (auto& t : threads) t.join();
    }
    return got;
  }

 private:
  std::vector<kafka::KafkaHandle> handles_;
  std::vector<kafka::TopicHandle> topics_;
};

// (c) Every endpoint of the topic's FlightInfo, one after another or all at
// once; the rows read and the sum of their `id` column.
std::pair<int64_t, int64_t> HangarGet(flight::FlightClient& client, const std::string& topic, bool parallel) {
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({"kafka", topic}));
  Check(info.status(), "GetFlightInfo");
  std::atomic<int64_t> rows{0}, id_sum{0};
  auto read = [&](const flight::FlightEndpoint& e) {
    auto reader = client.DoGet(e.ticket);
    Check(reader.status(), "DoGet");
    auto batches = (*reader)->ReadAll();  // an Arrow table at the client
    Check(batches.status(), "DoGet stream");
    int64_t sum = 0;
    for (const auto& b : *batches) {
      rows += b->num_rows;
      const int64_t* id = b->column(b->schema->GetFieldIndex("id"))->values<int64_t>();
      for (int64_t i = 0; i < b->num_rows; ++i) sum += id[i];
    }
    id_sum += sum;
  };
  if (!parallel) {
    for (const auto& e : info->endpoints) read(e);
  } else {
    std::vector<std::thread> threads;
    for (const auto& e : info->endpoints) threads.emplace_back(read, std::cref(e));
    for (auto& t : threads) t.join();
  }
  return {rows.load(), id_sum.load()};
}

// Runs a command, its stdout to `consume`; false when it did not exit 0.
template <typename F>
bool Run(const std::string& command, F&& consume) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) return false;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) consume(buf, n);
  const int status = pclose(p);
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// (b) kcat printing each value after its length (%R: 32-bit big endian);
// the messages in its output, or -1 when it failed or the output was cut.
int64_t Kcat(const std::string& brokers, const std::string& topic) {
  std::string pending;
  int64_t messages = 0;
  const bool ok =
      Run("kcat -C -b " + brokers + " -t " + topic + " -o beginning -e -q -f '%R%s'", [&](const char* data, size_t n) {
        pending.append(data, n);
        size_t at = 0;
        while (pending.size() - at >= 4) {
          const auto* u = reinterpret_cast<const unsigned char*>(pending.data() + at);
          const uint32_t len = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
          if (pending.size() - at - 4 < len) break;
          at += 4 + len;
          ++messages;
        }
        pending.erase(0, at);
      });
  return ok && pending.empty() ? messages : -1;
}

void Line(const char* what, int64_t messages, double seconds, double reference, const char* versus) {
  const double rate = static_cast<double>(messages) / seconds;
  std::printf("%-52s %10.0f msg/s", what, rate);
  if (reference > 0) std::printf("   %6.2fx %s", rate / reference, versus);
  std::printf("\n");
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0;
  in >> one >> five;
  char text[64];
  std::snprintf(text, sizeof text, "%.1f (1 min), %.1f (5 min)", one, five);
  return text;
}

}  // namespace
}  // namespace hangar::bench

int main(int argc, char** argv) {
  using namespace hangar;
  using namespace hangar::bench;
  int64_t messages = 1000000;
  int partitions = 16;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--messages" && i + 1 < argc)
      messages = std::atoll(argv[++i]);
    else if (a == "--partitions" && i + 1 < argc)
      partitions = std::atoi(argv[++i]);
    else if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--quick")
      messages = 200000, runs = 1;
    else {
      std::fprintf(stderr, "usage: bench_topics [--messages N] [--partitions P] [--runs R] [--quick]\n");
      return 2;
    }
  }
  const std::string bin_dir = fs::path(argv[0]).parent_path().string();
  const fs::path source_dir = HANGAR_SOURCE_DIR;
  const std::string python = (source_dir / "third_party/venv/bin/python").string();
  const fs::path dir = fs::temp_directory_path() / ("hangar-bench-topics-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string load_before = LoadAverage();

  const std::string parts = std::to_string(partitions);
  auto broker = testing::KafkaBrokerProcess::Start(
      python, (source_dir / "tests/support/kafka_broker.py").string(), dir / "broker",
      {"--schema-registry", "--full-jit", "--heap", "1g", "--topic", "bench:" + parts, "--topic", "bench_put:" + parts,
       "--topic", "bench_raw_put:" + parts});
  Check(broker.status(), "Kafka broker");
  const std::string brokers = (*broker)->bootstrap();
  const std::string registry_url = (*broker)->schema_registry();
  kafka::KafkaOptions options;
  options.brokers = brokers;
  kafka::RestRegistryOptions registry_options;
  registry_options.url = registry_url;
  kafka::RestSchemaRegistry registry(registry_options);
  auto registered = registry.Register("bench-value", kSchema);
  Check(registered.status(), "register");

  std::vector<std::string> encoded;
  encoded.reserve(static_cast<size_t>(messages));
  int64_t payload = 0;
  for (int64_t i = 0; i < messages; ++i) {
    encoded.push_back(Encode(registered->id, i));
    payload += static_cast<int64_t>(encoded.back().size());
  }
  const int64_t id_sum = messages * (messages - 1) / 2;
  std::printf(
      "bench_topics: %lld Avro messages (%.1f bytes each) over %d partitions; Apache Kafka 4.4.0 broker "
      "(one node, loopback), librdkafka %s; best of %d\n",
      static_cast<long long>(messages), static_cast<double>(payload) / static_cast<double>(messages), partitions,
      rd_kafka_version_str(), runs);
  std::printf("load average before: %s\n\n", load_before.c_str());

  // Fill the topic (and time the plain producer: the writing baseline).
  auto fill = [&](const std::string& topic) {
    auto producer = kafka::Producer::Open(options);
    Check(producer.status(), "producer");
    const auto start = Clock::now();
    for (int64_t i = 0; i < messages; ++i)
      Check((*producer)->Produce(topic, static_cast<int32_t>(i % partitions), {}, encoded[static_cast<size_t>(i)], 0,
                                 true),
            "produce");
    Check((*producer)->Flush().status(), "flush");
    return Seconds(start);
  };
  fill("bench");
  const double produce_raw = fill("bench_raw_put");

  auto server = hangar::testing::StartServerOrExit(bin_dir, (dir / "data").string(),
                                                   {"--kafka-brokers", brokers, "--schema-registry", registry_url},
                                                   "bench_topics");
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", server->port()));
  Check(client.status(), "client");

  auto short_read = [&](const char* who) { Check(Status::Internal("short read"), who); };
  double raw_seq = 0, raw_par = 0;
  {
    RawReaders raw(brokers, "bench", partitions);
    raw_seq = Best(runs, [&] {
      if (raw.Read(false) != messages) short_read("raw, one after another");
    });
    raw_par = Best(runs, [&] {
      if (raw.Read(true) != messages) short_read("raw, all at once");
    });
  }
  const double kcat = Best(runs, [&] {
    if (const int64_t got = Kcat(brokers, "bench"); got != messages) {
      std::fprintf(stderr, "bench_topics: kcat failed or read %lld of %lld messages\n", static_cast<long long>(got),
                   static_cast<long long>(messages));
      std::exit(1);
    }
  });
  // Warm Hangar's consumer pool (one handle per partition), as (a)'s handles are.
  HangarGet(**client, "bench", true);
  auto hangar = [&](bool parallel) {
    const auto [rows, sum] = HangarGet(**client, "bench", parallel);
    if (rows != messages || sum != id_sum) short_read("Hangar DoGet");
  };
  const double hangar_seq = Best(runs, [&] { hangar(false); });
  const double hangar_par = Best(runs, [&] { hangar(true); });

  auto python_baseline = [&](const char* decoder) {
    double best = 0;
    for (int r = 0; r < std::min(runs, 2); ++r) {
      std::string out;
      const bool ok = Run(python + " " + (source_dir / "bench/topics_baseline.py").string() + " --brokers " + brokers +
                              " --registry " + registry_url + " --topic bench --partitions " + parts + " --messages " +
                              std::to_string(messages) + " --decoder " + decoder,
                          [&](const char* data, size_t n) { out.append(data, n); });
      auto result = nlohmann::json::parse(out, nullptr, false);
      if (!ok || !result.is_object() || result["messages"].get<int64_t>() != messages ||
          result["id_sum"].get<int64_t>() != id_sum) {
        std::fprintf(stderr, "bench_topics: the %s baseline failed: %s\n", decoder, out.c_str());
        std::exit(1);
      }
      const double seconds = result["seconds"].get<double>();
      best = best == 0 ? seconds : std::min(best, seconds);
    }
    return best;
  };
  const double py_fastavro = python_baseline("fastavro");
  const double py_registry = python_baseline("registry");

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
  server->Stop();
  (*broker)->Stop();
  fs::remove_all(dir);

  const double n = static_cast<double>(messages);
  std::printf("reading %lld messages (best of %d; Python best of %d)\n", static_cast<long long>(messages), runs,
              std::min(runs, 2));
  Line("(a) librdkafka, raw, partitions one after another", messages, raw_seq, 0, "");
  Line("(a) librdkafka, raw, one thread per partition", messages, raw_par, 0, "");
  Line("(b) kcat -C, values to a pipe", messages, kcat, 0, "");
  Line("(c) Hangar DoGet, partitions one after another", messages, hangar_seq, n / raw_seq, "(a) one after another");
  Line("(c) Hangar DoGet, one stream per partition", messages, hangar_par, n / raw_par, "(a) one thread per partition");
  Line("(d) Python confluent-kafka + fastavro + pandas", messages, py_fastavro, 0, "");
  Line("(e) Python confluent-kafka AvroDeserializer + pandas", messages, py_registry, 0, "");
  const double best = n / std::min(hangar_seq, hangar_par);
  std::printf(
      "\nHangar: %.2fx (a) one after another, %.2fx (a) all at once [target 0.8]; best of its two ways "
      "%.2fx (b) [target 2], %.1fx (d) [target 20], %.1fx (e)\n",
      raw_seq / hangar_seq, raw_par / hangar_par, best / (n / kcat), best / (n / py_fastavro),
      best / (n / py_registry));
  std::printf("load average after: %s (2 cores; above 2 the machine was busy with other work)\n\n",
              LoadAverage().c_str());
  std::printf("writing %lld messages (idempotent, acks=all)\n", static_cast<long long>(messages));
  Line("librdkafka producer, messages already encoded", messages, produce_raw, 0, "");
  Line("Hangar DoPut of Arrow batches (encode + produce)", messages, put, n / produce_raw, "producer");
  return 0;
}
