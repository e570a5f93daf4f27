// The metrics registry: exact text exposition (labels, escaping, histogram
// buckets, number formatting), exact totals under concurrent updates,
// collectors on scrape, and the programming errors that abort.
#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace hangar::metrics {
namespace {

TEST(RegistryTest, CountersAndGaugesWithLabels) {
  Registry registry;
  auto& calls = registry.Counter("hangar_flight_calls_total", "Flight calls served.", {"method", "code"});
  calls.WithLabels({"DoGet", "OK"}).Add();
  calls.WithLabels({"DoGet", "OK"}).Add(2);
  calls.WithLabels({"DoAction", "NOT_FOUND"}).Add(0.5);
  registry.Gauge("hangar_memtable_bytes", "Bytes held in memtables.").WithLabels({}).Set(1048576);
  auto& open = registry.Gauge("hangar_open_streams", "Streams open now.", {"kind"});
  open.WithLabels({"put"}).Add(3);
  open.WithLabels({"put"}).Add(-1);

  EXPECT_EQ(registry.Expose(),
            "# HELP hangar_flight_calls_total Flight calls served.\n"
            "# TYPE hangar_flight_calls_total counter\n"
            "hangar_flight_calls_total{method=\"DoAction\",code=\"NOT_FOUND\"} 0.5\n"
            "hangar_flight_calls_total{method=\"DoGet\",code=\"OK\"} 3\n"
            "# HELP hangar_memtable_bytes Bytes held in memtables.\n"
            "# TYPE hangar_memtable_bytes gauge\n"
            "hangar_memtable_bytes 1048576\n"
            "# HELP hangar_open_streams Streams open now.\n"
            "# TYPE hangar_open_streams gauge\n"
            "hangar_open_streams{kind=\"put\"} 2\n");
}

TEST(RegistryTest, UnlabelledFamilyIsExposedBeforeFirstUse) {
  Registry registry;
  registry.Counter("a_total", "A.");
  registry.Counter("b_total", "B.", {"x"});  // no child yet: HELP and TYPE only
  EXPECT_EQ(registry.Expose(),
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 0\n"
            "# HELP b_total B.\n"
            "# TYPE b_total counter\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry registry;
  auto& c = registry.Counter("escaped_total", "Help with \\ backslash, \"quotes\"\nand a newline.", {"path"});
  c.WithLabels({"C:\\dir \"x\"\nnext"}).Add(7);
  EXPECT_EQ(registry.Expose(),
            "# HELP escaped_total Help with \\\\ backslash, \"quotes\"\\nand a newline.\n"
            "# TYPE escaped_total counter\n"
            "escaped_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 7\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulative) {
  Registry registry;
  auto& latency = registry.Histogram("hangar_call_seconds", "Call latency.", {"method"}, {0.25, 1, 2.5});
  Histogram& get = latency.WithLabels({"DoGet"});
  for (double v : {0.125, 0.25, 0.5, 3.0}) get.Observe(v);  // 0.25 is in its own bucket (le)
  latency.WithLabels({"DoPut"}).Observe(1);
  registry.Histogram("hangar_flush_seconds", "Flush time.", {}, {0.5});

  EXPECT_EQ(get.count(), 4u);
  EXPECT_EQ(get.sum(), 3.875);
  EXPECT_EQ(get.bucket_counts(), (std::vector<uint64_t>{2, 1, 0, 1}));
  EXPECT_EQ(registry.Expose(),
            "# HELP hangar_call_seconds Call latency.\n"
            "# TYPE hangar_call_seconds histogram\n"
            "hangar_call_seconds_bucket{method=\"DoGet\",le=\"0.25\"} 2\n"
            "hangar_call_seconds_bucket{method=\"DoGet\",le=\"1\"} 3\n"
            "hangar_call_seconds_bucket{method=\"DoGet\",le=\"2.5\"} 3\n"
            "hangar_call_seconds_bucket{method=\"DoGet\",le=\"+Inf\"} 4\n"
            "hangar_call_seconds_sum{method=\"DoGet\"} 3.875\n"
            "hangar_call_seconds_count{method=\"DoGet\"} 4\n"
            "hangar_call_seconds_bucket{method=\"DoPut\",le=\"0.25\"} 0\n"
            "hangar_call_seconds_bucket{method=\"DoPut\",le=\"1\"} 1\n"
            "hangar_call_seconds_bucket{method=\"DoPut\",le=\"2.5\"} 1\n"
            "hangar_call_seconds_bucket{method=\"DoPut\",le=\"+Inf\"} 1\n"
            "hangar_call_seconds_sum{method=\"DoPut\"} 1\n"
            "hangar_call_seconds_count{method=\"DoPut\"} 1\n"
            "# HELP hangar_flush_seconds Flush time.\n"
            "# TYPE hangar_flush_seconds histogram\n"
            "hangar_flush_seconds_bucket{le=\"0.5\"} 0\n"
            "hangar_flush_seconds_bucket{le=\"+Inf\"} 0\n"
            "hangar_flush_seconds_sum 0\n"
            "hangar_flush_seconds_count 0\n");
}

TEST(RegistryTest, HistogramNaNAndTrailingInfBound) {
  Histogram h({1, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(h.bounds(), std::vector<double>{1});
  h.Observe(std::nan(""));
  h.Observe(0.5);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{1, 1}));
  EXPECT_TRUE(std::isnan(h.sum()));
}

TEST(RegistryTest, LatencyBucketsRenderAsPlainDecimals) {
  Registry registry;
  registry.Histogram("lat_seconds", "L.", {}, LatencyBuckets());
  std::string out = registry.Expose();
  for (const char* le : {"0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                         "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    EXPECT_NE(out.find(std::string("lat_seconds_bucket{le=\"") + le + "\"} 0\n"), std::string::npos) << le;
  }
  EXPECT_EQ(LatencyBuckets().size(), 17u);
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(ExponentialBuckets(0.001, 10, 3).size(), 3u);
}

TEST(RegistryTest, FormatsNumbers) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-0.0), "0");
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(5e-05), "0.00005");
  EXPECT_EQ(FormatValue(123456789), "123456789");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(1e-7), "1e-07");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(RegistryTest, CounterIgnoresNegativeAndNaN) {
  Counter c;
  c.Add(2);
  c.Add(-1);
  c.Add(std::nan(""));
  EXPECT_EQ(c.value(), 2);
}

TEST(RegistryTest, SameNameAndKindReturnsTheSameFamily) {
  Registry registry;
  auto& a = registry.Counter("x_total", "X.", {"l"});
  auto& b = registry.Counter("x_total", "X again.", {"l"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.WithLabels({"v"}), &b.WithLabels({"v"}));
  auto& h1 = registry.Histogram("h_seconds", "H.", {}, {1, 2});
  auto& h2 = registry.Histogram("h_seconds", "H.", {}, {1, 2, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(&h1, &h2);
}

TEST(RegistryTest, ConcurrentUpdatesAddUpExactly) {
  Registry registry;
  auto& calls = registry.Counter("calls_total", "C.", {"method"});
  auto& level = registry.Gauge("level", "G.");
  auto& latency = registry.Histogram("latency_seconds", "H.", {"method"}, LatencyBuckets());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads share a child; each also looks its own up while others scrape.
      std::string method = t % 2 == 0 ? "DoGet" : "DoPut";
      Counter& c = calls.WithLabels({method});
      Histogram& h = latency.WithLabels({method});
      Gauge& g = level.WithLabels({});
      for (int i = 0; i < kPerThread; ++i) {
        c.Add();
        g.Add(1);
        h.Observe(0.5);
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) registry.Expose();
  });
  for (auto& t : threads) t.join();

  constexpr double kHalf = kThreads / 2 * kPerThread;
  EXPECT_EQ(calls.WithLabels({"DoGet"}).value(), kHalf);
  EXPECT_EQ(calls.WithLabels({"DoPut"}).value(), kHalf);
  EXPECT_EQ(level.WithLabels({}).value(), kThreads * kPerThread);
  EXPECT_EQ(latency.WithLabels({"DoGet"}).count(), static_cast<uint64_t>(kHalf));
  EXPECT_EQ(latency.WithLabels({"DoGet"}).sum(), kHalf * 0.5);
  std::string out = registry.Expose();
  EXPECT_NE(out.find("calls_total{method=\"DoGet\"} 200000\n"), std::string::npos) << out;
  EXPECT_NE(out.find("latency_seconds_count{method=\"DoPut\"} 200000\n"), std::string::npos) << out;
}

TEST(RegistryTest, CollectorsRunOnEachExpose) {
  Registry registry;
  auto& bytes = registry.Gauge("memtable_bytes", "M.");
  int runs = 0;
  registry.AddCollector([&] { bytes.WithLabels({}).Set(++runs * 100); });
  // A collector may register metrics of its own: no lock is held while it runs.
  registry.AddCollector([&] { registry.Counter("late_total", "Registered on scrape.").WithLabels({}).Add(); });

  EXPECT_EQ(registry.Expose(),
            "# HELP late_total Registered on scrape.\n"
            "# TYPE late_total counter\n"
            "late_total 1\n"
            "# HELP memtable_bytes M.\n"
            "# TYPE memtable_bytes gauge\n"
            "memtable_bytes 100\n");
  std::string second = registry.Expose();
  EXPECT_EQ(runs, 2);
  EXPECT_NE(second.find("memtable_bytes 200\n"), std::string::npos) << second;
  EXPECT_NE(second.find("late_total 2\n"), std::string::npos) << second;
}

TEST(RegistryTest, DefaultRegistryIsOneInstance) {
  EXPECT_EQ(&DefaultRegistry(), &DefaultRegistry());
  DefaultRegistry().Counter("hangar_registry_test_total", "Test.").WithLabels({}).Add();
  EXPECT_NE(DefaultRegistry().Expose().find("hangar_registry_test_total 1\n"), std::string::npos);
}

// Misuse is a programming error: it aborts with a message naming the metric.
class RegistryDeathTest : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
  Registry registry;
};

TEST_F(RegistryDeathTest, BadMetricName) {
  EXPECT_DEATH(registry.Counter("9lives", "x"), "9lives: not a valid metric name");
  EXPECT_DEATH(registry.Counter("has-dash", "x"), "not a valid metric name");
  EXPECT_DEATH(registry.Gauge("", "x"), "not a valid metric name");
}

TEST_F(RegistryDeathTest, BadLabelName) {
  EXPECT_DEATH(registry.Counter("ok_total", "x", {"a:b"}), "\"a:b\" is not a valid label name");
  EXPECT_DEATH(registry.Counter("ok_total", "x", {"__reserved"}), "not a valid label name");
  EXPECT_DEATH(registry.Counter("ok_total", "x", {"a", "a"}), "given twice");
  EXPECT_DEATH(registry.Histogram("ok_seconds", "x", {"le"}, {1}), "reserved for histogram buckets");
}

TEST_F(RegistryDeathTest, ConflictingRegistration) {
  registry.Counter("taken", "x", {"a"});
  registry.Histogram("hist", "x", {}, {1, 2});
  EXPECT_DEATH(registry.Gauge("taken", "x", {"a"}), "already registered as a counter");
  EXPECT_DEATH(registry.Counter("taken", "x", {"b"}), "other label names");
  EXPECT_DEATH(registry.Histogram("hist", "x", {}, {1, 3}), "other buckets");
}

TEST_F(RegistryDeathTest, WrongNumberOfLabelValues) {
  auto& f = registry.Counter("calls_total", "x", {"method", "code"});
  EXPECT_DEATH(f.WithLabels({"DoGet"}), "calls_total: 1 label values given for 2 label names");
}

TEST_F(RegistryDeathTest, BadBuckets) {
  EXPECT_DEATH(registry.Histogram("h1", "x", {}, {1, 1}), "h1: bucket bounds must be strictly increasing");
  EXPECT_DEATH(registry.Histogram("h2", "x", {}, {2, 1}), "strictly increasing");
  EXPECT_DEATH(registry.Histogram("h3", "x", {}, {std::nan("")}), "finite");
  EXPECT_DEATH(ExponentialBuckets(0, 2, 3), "start must be positive");
  EXPECT_DEATH(ExponentialBuckets(1, 1, 3), "factor must be greater than 1");
  EXPECT_DEATH(ExponentialBuckets(1, 2, 0), "count must be at least 1");
}

}  // namespace
}  // namespace hangar::metrics
