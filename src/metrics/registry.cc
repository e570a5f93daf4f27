#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace hangar::metrics {

namespace {

// Misuse of the registry is a bug in the caller, found the first time the
// code runs; carrying on would expose wrong or unparseable metrics.
[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "hangar metrics: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsAlpha(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c));
    if (!ok) return false;
  }
  return true;
}

// [a-zA-Z_][a-zA-Z0-9_]*, and not "__..." (reserved for Prometheus itself).
// Colons are allowed in metric names only.
bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsAlpha(c) || c == '_' || (i > 0 && IsDigit(c));
    if (!ok) return false;
  }
  return true;
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

template <typename T>
constexpr MetricType TypeOf();
template <>
constexpr MetricType TypeOf<Counter>() {
  return MetricType::kCounter;
}
template <>
constexpr MetricType TypeOf<Gauge>() {
  return MetricType::kGauge;
}
template <>
constexpr MetricType TypeOf<Histogram>() {
  return MetricType::kHistogram;
}

// Checks bucket bounds and drops a trailing +Inf, which every histogram has
// implicitly: the same bounds written either way compare equal.
std::vector<double> NormalizeBounds(std::vector<double> bounds, std::string_view where) {
  if (!bounds.empty() && bounds.back() == HUGE_VAL) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) Die(std::string(where) + ": bucket bounds must be finite (but for a last +Inf)");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) Die(std::string(where) + ": bucket bounds must be strictly increasing");
  }
  return bounds;
}

// HELP text escapes backslash and newline; label values also the double quote.
void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"':
        if (quote) {
          out += "\\\"";
        } else {
          out += c;
        }
        break;
      default: out += c;
    }
  }
}

// `a="x",b="y"`, without braces, so that a histogram can append its le.
std::string LabelPairs(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], /*quote=*/true);
    out += '"';
  }
  return out;
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
                  double value) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

void RenderChild(std::string& out, const std::string& name, const std::string& labels, const Counter& c) {
  AppendSample(out, name, "", labels, c.value());
}

void RenderChild(std::string& out, const std::string& name, const std::string& labels, const Gauge& g) {
  AppendSample(out, name, "", labels, g.value());
}

void RenderChild(std::string& out, const std::string& name, const std::string& labels, const Histogram& h) {
  // One read of the buckets, so that the cumulative counts and _count agree.
  std::vector<uint64_t> counts = h.bucket_counts();
  const std::vector<double>& bounds = h.bounds();
  std::string prefix = labels.empty() ? std::string() : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += counts[i];
    std::string le = prefix + "le=\"" + (i < bounds.size() ? FormatValue(bounds[i]) : "+Inf") + "\"";
    AppendSample(out, name, "_bucket", le, static_cast<double>(cumulative));
  }
  AppendSample(out, name, "_sum", labels, h.sum());
  AppendSample(out, name, "_count", labels, static_cast<double>(cumulative));
}

}  // namespace

// --- values ------------------------------------------------------------------

void Counter::Add(double v) {
  if (!(v >= 0)) return;  // also drops NaN
  value_.fetch_add(v, std::memory_order_relaxed);
}

void Gauge::Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(NormalizeBounds(std::move(bounds), "histogram")),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  // The first bound >= v is v's bucket (buckets are "less or equal"); NaN
  // compares false with every bound and lands in +Inf, as in other clients.
  size_t i = std::isnan(v) ? bounds_.size()
                           : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) total += counts_[i].load(std::memory_order_relaxed);
  return total;
}

// --- families ----------------------------------------------------------------

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names, Factory make,
                  std::vector<double> bounds)
    : FamilyBase(TypeOf<T>(), std::move(name), std::move(help), std::move(label_names), std::move(bounds)),
      make_(std::move(make)) {}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names().size()) {
    Die(name() + ": " + std::to_string(values.size()) + " label values given for " +
        std::to_string(label_names().size()) + " label names");
  }
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, make_()).first;
  return *it->second;
}

template <typename T>
void Family<T>::Render(std::string& out) const {
  out += "# HELP ";
  out += name();
  out += ' ';
  AppendEscaped(out, help(), /*quote=*/false);
  out += "\n# TYPE ";
  out += name();
  out += ' ';
  out += TypeName(type());
  out += '\n';
  std::lock_guard lock(mu_);
  for (const auto& [values, child] : children_) {
    RenderChild(out, name(), LabelPairs(label_names(), values), *child);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// --- registry ----------------------------------------------------------------

Registry::Registry() = default;
Registry::~Registry() = default;

internal::FamilyBase& Registry::GetOrAdd(MetricType type, std::string_view name, std::string_view help,
                                         std::vector<std::string> label_names, const std::vector<double>* bounds) {
  std::string where = std::string(TypeName(type)) + " " + std::string(name);
  if (!IsValidMetricName(name)) Die(where + ": not a valid metric name");
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label)) Die(where + ": \"" + label + "\" is not a valid label name");
    if (type == MetricType::kHistogram && label == "le") Die(where + ": \"le\" is reserved for histogram buckets");
    if (std::find(label_names.begin(), label_names.begin() + i, label) != label_names.begin() + i) {
      Die(where + ": label name \"" + label + "\" given twice");
    }
  }
  std::vector<double> normalized = bounds ? NormalizeBounds(*bounds, where) : std::vector<double>();

  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    internal::FamilyBase& existing = *it->second;
    if (existing.type() != type) {
      Die(where + ": already registered as a " + std::string(TypeName(existing.type())));
    }
    if (existing.label_names() != label_names) Die(where + ": already registered with other label names");
    if (existing.bounds() != normalized) Die(where + ": already registered with other buckets");
    return existing;
  }

  std::unique_ptr<internal::FamilyBase> created;
  std::string owned_name(name);
  std::string owned_help(help);
  switch (type) {
    case MetricType::kCounter:
      created = std::make_unique<Family<metrics::Counter>>(std::move(owned_name), std::move(owned_help),
                                                           std::move(label_names),
                                                           [] { return std::make_unique<metrics::Counter>(); });
      break;
    case MetricType::kGauge:
      created =
          std::make_unique<Family<metrics::Gauge>>(std::move(owned_name), std::move(owned_help), std::move(label_names),
                                                   [] { return std::make_unique<metrics::Gauge>(); });
      break;
    case MetricType::kHistogram:
      created = std::make_unique<Family<metrics::Histogram>>(
          std::move(owned_name), std::move(owned_help), std::move(label_names),
          [normalized] { return std::make_unique<metrics::Histogram>(normalized); }, normalized);
      break;
  }
  internal::FamilyBase& family = *created;
  families_.emplace(family.name(), std::move(created));
  return family;
}

Family<Counter>& Registry::Counter(std::string_view name, std::string_view help, std::vector<std::string> label_names) {
  auto& family = static_cast<Family<metrics::Counter>&>(
      GetOrAdd(MetricType::kCounter, name, help, std::move(label_names), nullptr));
  if (family.label_names().empty()) family.WithLabels({});
  return family;
}

Family<Gauge>& Registry::Gauge(std::string_view name, std::string_view help, std::vector<std::string> label_names) {
  auto& family =
      static_cast<Family<metrics::Gauge>&>(GetOrAdd(MetricType::kGauge, name, help, std::move(label_names), nullptr));
  if (family.label_names().empty()) family.WithLabels({});
  return family;
}

Family<Histogram>& Registry::Histogram(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names, std::vector<double> bounds) {
  auto& family = static_cast<Family<metrics::Histogram>&>(
      GetOrAdd(MetricType::kHistogram, name, help, std::move(label_names), &bounds));
  if (family.label_names().empty()) family.WithLabels({});
  return family;
}

void Registry::AddCollector(std::function<void()> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::Expose() const {
  {
    std::lock_guard collecting(collect_mu_);
    std::vector<std::function<void()>> collectors;
    {
      std::lock_guard lock(mu_);
      collectors = collectors_;
    }
    for (const auto& collect : collectors) collect();
  }
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) family->Render(out);
  return out;
}

Registry& DefaultRegistry() {
  // Constructed in static storage and never destroyed: threads still serving
  // a scrape or bumping a counter while the process exits must not find it
  // torn down by static destruction.
  alignas(Registry) static unsigned char storage[sizeof(Registry)];
  static Registry* const registry = new (storage) Registry();
  return *registry;
}

// --- buckets and numbers -------------------------------------------------------

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (!(start > 0) || !std::isfinite(start)) Die("ExponentialBuckets: start must be positive");
  if (!(factor > 1) || !std::isfinite(factor)) Die("ExponentialBuckets: factor must be greater than 1");
  if (count < 1) Die("ExponentialBuckets: count must be at least 1");
  std::vector<double> out;
  out.reserve(static_cast<size_t>(count));
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) {
    if (!std::isfinite(bound)) Die("ExponentialBuckets: bounds overflow to +Inf");
    out.push_back(bound);
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";  // not "-0"
  // Plain decimals where they stay short (the shortest digits that read back
  // as the same double, so 0.1 is "0.1" and 3 is "3"); exponents beyond.
  double magnitude = std::fabs(v);
  char buf[64];
  std::to_chars_result r = (magnitude >= 1e-6 && magnitude < 1e15)
                               ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                               : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace hangar::metrics
