#include "store/store_metrics.h"

#include <string>

#include "metrics/registry.h"

namespace hangar::store {

namespace {

using metrics::DefaultRegistry;

struct Families {
  metrics::Histogram& fsync =
      DefaultRegistry()
          .Histogram("hangar_wal_fsync_seconds", "Time to write and fsync one write-ahead log group", {},
                     metrics::LatencyBuckets())
          .WithLabels({});
  metrics::Histogram& group = DefaultRegistry()
                                  .Histogram("hangar_wal_group_records", "Records covered by one fsync (group commit)",
                                             {}, metrics::ExponentialBuckets(1, 2, 12))
                                  .WithLabels({});
  metrics::Counter& bytes = DefaultRegistry()
                                .Counter("hangar_wal_written_bytes_total", "Bytes written to the write-ahead log")
                                .WithLabels({});
  metrics::Family<metrics::Histogram>& ack = DefaultRegistry().Histogram(
      "hangar_ingest_ack_seconds", "From a streamed batch's arrival to its acknowledgement, by durability level",
      {"level"}, metrics::LatencyBuckets());
  metrics::Gauge& memtable = DefaultRegistry()
                                 .Gauge("hangar_memtable_bytes", "Streamed rows held in memtables, not yet in Parquet")
                                 .WithLabels({});
  metrics::Gauge& logged = DefaultRegistry()
                               .Gauge("hangar_memtable_logged_bytes",
                                      "Streamed rows past the memory bound, kept in the write-ahead log only until "
                                      "their flush")
                               .WithLabels({});
};

Families& F() {
  static Families families;
  return families;
}

}  // namespace

StoreMetrics& StoreMetrics::Get() {
  static StoreMetrics metrics;
  F();
  return metrics;
}

void StoreMetrics::WalGroup(int64_t records, int64_t bytes, double seconds) {
  Families& f = F();
  f.fsync.Observe(seconds);
  f.group.Observe(static_cast<double>(records));
  f.bytes.Add(static_cast<double>(bytes));
}

void StoreMetrics::Acked(std::string_view level, double seconds) {
  // Three levels: the children are looked up once each.
  static metrics::Histogram& memory = F().ack.WithLabels({"memory"});
  static metrics::Histogram& disk = F().ack.WithLabels({"disk"});
  static metrics::Histogram& committed = F().ack.WithLabels({"committed"});
  metrics::Histogram& h = level == "memory"      ? memory
                          : level == "disk"      ? disk
                          : level == "committed" ? committed
                                                 : F().ack.WithLabels({std::string(level)});
  h.Observe(seconds);
}

void StoreMetrics::MemtableBytes(int64_t bytes, int64_t logged) {
  F().memtable.Set(static_cast<double>(bytes));
  F().logged.Set(static_cast<double>(logged));
}

}  // namespace hangar::store
