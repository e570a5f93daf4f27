#include "kafka/topic_metrics.h"

#include "metrics/registry.h"

namespace hangar::kafka {

namespace {

struct Families {
  metrics::Family<metrics::Counter>& records = metrics::DefaultRegistry().Counter(
      "hangar_kafka_records_total", "Kafka records decoded into Arrow, by topic", {"topic"});
  metrics::Family<metrics::Counter>& decode_errors = metrics::DefaultRegistry().Counter(
      "hangar_kafka_decode_errors_total", "Kafka messages that could not be decoded (skipped or failing the read)",
      {"topic"});
  metrics::Family<metrics::Gauge>& lag = metrics::DefaultRegistry().Gauge(
      "hangar_kafka_fetch_lag_messages",
      "Messages between a partition read's position and the end of the log, at its last batch", {"topic", "partition"});
};

Families& F() {
  static Families families;
  return families;
}

}  // namespace

TopicMetrics& TopicMetrics::Get() {
  static TopicMetrics metrics;
  F();
  return metrics;
}

void TopicMetrics::Read(const std::string& topic, int32_t partition, int64_t records, int64_t lag) {
  F().records.WithLabels({topic}).Add(static_cast<double>(records));
  F().lag.WithLabels({topic, std::to_string(partition)}).Set(static_cast<double>(lag));
}

void TopicMetrics::DecodeError(const std::string& topic) { F().decode_errors.WithLabels({topic}).Add(); }

}  // namespace hangar::kafka
