// Prometheus metrics: counters, gauges and histograms in labelled families,
// kept in a Registry that renders them in the text exposition format 0.0.4.
//
// The hot path is a cached reference: look a child up once with WithLabels()
// and keep the reference (it lives as long as the registry), then Add() or
// Observe() on it costs one or two relaxed atomic operations and no lock.
//
// Misuse (a malformed name, one name registered as two kinds, the wrong
// number of label values) is a programming error, not a runtime condition:
// it aborts with a message instead of returning a Status nobody could act on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::metrics {

// A monotonically increasing value, e.g. requests served or bytes written.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Negative and NaN increments are ignored: a counter that went down would
  // read as a process restart to rate().
  void Add(double v = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down, e.g. bytes held in memtables.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets, e.g. call latencies in seconds.
//
// The count is not stored apart: it is the sum of the bucket counts, so that
// a scrape racing with Observe() still sees _count equal to the +Inf bucket.
// Only _sum may lag the buckets by the observations in flight.
class Histogram {
 public:
  // `bounds` are the finite bucket upper bounds, strictly increasing; the
  // +Inf bucket is implicit (a trailing +Inf bound is accepted and dropped).
  // Anything else aborts.
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts: bounds().size() + 1 entries, the
  // last one for observations above every bound (and NaN).
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

namespace internal {

// What the Registry needs of a family whatever its metric type.
class FamilyBase {
 public:
  FamilyBase(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
             std::vector<double> bounds)
      : type_(type),
        name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // A histogram family's bucket bounds (every child has them); empty for the other kinds.
  const std::vector<double>& bounds() const { return bounds_; }

  // Appends # HELP, # TYPE and every child's samples to `out`.
  virtual void Render(std::string& out) const = 0;

 private:
  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
};

}  // namespace internal

// One metric name with its children, one child per combination of label
// values. Instantiated for Counter, Gauge and Histogram only.
template <typename T>
class Family final : public internal::FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<T>()>;

  Family(std::string name, std::string help, std::vector<std::string> label_names, Factory make,
         std::vector<double> bounds = {});

  // The child for these label values (one per label name, in order), created
  // on first use. The reference stays valid for the registry's life: cache it
  // rather than calling this on a hot path, which takes a lock.
  T& WithLabels(const std::vector<std::string>& values);

  void Render(std::string& out) const override;

 private:
  const Factory make_;
  mutable std::mutex mu_;
  // Ordered by label values: the exposition lists children in this order.
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

// Defined in registry.cc for exactly these three.
extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each returns the family registered under `name`, creating it on the first
  // call. Calling again with the same name and kind returns the same family
  // (keeping the first help text); a different kind, different label names
  // or different buckets abort. A family without label names has its single
  // child from the start, so it is exposed (as 0) before it is first touched.
  Family<metrics::Counter>& Counter(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names = {});
  Family<metrics::Gauge>& Gauge(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names = {});
  Family<metrics::Histogram>& Histogram(std::string_view name, std::string_view help,
                                        std::vector<std::string> label_names, std::vector<double> bounds);

  // `collector` runs at the start of every Expose(), for values that are
  // cheaper to sample on scrape than to maintain (e.g. memtable bytes into a
  // gauge). Collectors run one scrape at a time, without the registry's lock
  // held, so they may register and update metrics. Whatever a collector
  // captures must outlive the registry: there is no way to remove one.
  void AddCollector(std::function<void()> collector);

  // The text exposition format 0.0.4: families sorted by name, children by
  // label values.
  std::string Expose() const;

 private:
  internal::FamilyBase& GetOrAdd(MetricType type, std::string_view name, std::string_view help,
                                 std::vector<std::string> label_names, const std::vector<double>* bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<internal::FamilyBase>, std::less<>> families_;
  std::vector<std::function<void()>> collectors_;
  // Serializes scrapes' collector runs, so a collector need not be reentrant.
  mutable std::mutex collect_mu_;
};

// The process-wide registry the server reports into. Never destroyed, so that
// an endpoint thread or a collector still running during exit finds it alive.
Registry& DefaultRegistry();

// Call latencies in seconds, 50 µs to 10 s.
std::vector<double> LatencyBuckets();
// `count` bounds: start, start*factor, start*factor^2, ... (start > 0, factor > 1, count >= 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// A number as the exposition format writes it: "3", "0.25", "+Inf", "NaN".
std::string FormatValue(double v);

}  // namespace hangar::metrics
