// LatencySummary against distributions whose percentiles are known exactly.
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/latency_summary.h"
#include "support/allocation_counting.h"

namespace edgeml {
namespace {

using namespace std::chrono_literals;
using Duration = LatencySummary::Duration;

// The nearest-rank percentile of sorted samples, as LatencySummary defines it.
Duration exact_quantile(const std::vector<Duration>& sorted, double fraction) {
  auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size()) - 1e-9));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

void expect_within_one_percent(Duration got, Duration want, const char* what) {
  double error = std::abs(static_cast<double>(got.count() - want.count())) / static_cast<double>(want.count());
  EXPECT_LE(error, 0.01) << what << ": got " << got.count() << " ns, exact " << want.count() << " ns";
}

// Records `samples` and checks every percentile against the exact one.
void check_against_exact(std::vector<Duration> samples) {
  LatencySummary summary;
  for (Duration d : samples) summary.record(d);
  std::sort(samples.begin(), samples.end());
  ASSERT_EQ(summary.count(), samples.size());
  EXPECT_EQ(summary.max(), samples.back());
  EXPECT_EQ(summary.min(), samples.front());
  for (double f : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0})
    expect_within_one_percent(summary.quantile(f), exact_quantile(samples, f), "quantile");
}

TEST(LatencySummary, EmptyGivesZeros) {
  LatencySummary summary;
  auto f = summary.figures();
  EXPECT_EQ(f.count, 0u);
  EXPECT_EQ(f.p50, 0ns);
  EXPECT_EQ(f.p99, 0ns);
  EXPECT_EQ(f.max, 0ns);
  EXPECT_EQ(f.mean, 0ns);
  EXPECT_EQ(summary.min(), 0ns);
}

TEST(LatencySummary, OneSampleIsExactEverywhere) {
  LatencySummary summary;
  summary.record(1234567ns);
  auto f = summary.figures();
  EXPECT_EQ(f.count, 1u);
  EXPECT_EQ(f.p50, 1234567ns);
  EXPECT_EQ(f.p90, 1234567ns);
  EXPECT_EQ(f.p99, 1234567ns);
  EXPECT_EQ(f.max, 1234567ns);
  EXPECT_EQ(f.mean, 1234567ns);
}

TEST(LatencySummary, UniformOneToThousandMilliseconds) {
  LatencySummary summary;
  for (int ms = 1; ms <= 1000; ++ms) summary.record(std::chrono::milliseconds(ms));
  auto f = summary.figures();
  EXPECT_EQ(f.count, 1000u);
  expect_within_one_percent(f.p50, 500ms, "p50");
  expect_within_one_percent(f.p90, 900ms, "p90");
  expect_within_one_percent(f.p99, 990ms, "p99");
  EXPECT_EQ(f.max, 1000ms);
  EXPECT_EQ(f.mean, 500500us);  // exact: (1 + 1000) / 2 ms
}

TEST(LatencySummary, ExponentialMatchesItsQuantileFunction) {
  // Evenly spaced quantiles of an exponential with a 2 ms mean: p50 is 2 ms * ln 2.
  std::vector<Duration> samples;
  const int n = 10000;
  for (int i = 0; i < n; ++i) {
    double q = (i + 0.5) / n;
    samples.emplace_back(static_cast<std::int64_t>(-std::log(1 - q) * 2e6));
  }
  LatencySummary summary;
  for (Duration d : samples) summary.record(d);
  expect_within_one_percent(summary.quantile(0.5), Duration(static_cast<std::int64_t>(2e6 * std::log(2.0))), "p50");
  expect_within_one_percent(summary.quantile(0.99), Duration(static_cast<std::int64_t>(2e6 * std::log(100.0))), "p99");
  check_against_exact(samples);
}

TEST(LatencySummary, LogUniformOverTheWholeRangeStaysWithinOnePercent) {
  // Spans 1 µs to 60 s, so every bucket's error bound is exercised.
  std::vector<Duration> samples;
  const int n = 20011;
  for (int i = 0; i < n; ++i) {
    double exponent = std::log(1e3) + (std::log(59.999e9) - std::log(1e3)) * i / (n - 1);
    samples.emplace_back(static_cast<std::int64_t>(std::exp(exponent)));
  }
  check_against_exact(samples);
}

TEST(LatencySummary, OutsideTheRangeIsBoundedByMinAndMax) {
  LatencySummary summary;
  summary.record(200ns);
  summary.record(300ns);
  summary.record(90s);
  summary.record(-5ns);  // a clock that stepped back counts as 0
  EXPECT_EQ(summary.min(), 0ns);
  EXPECT_EQ(summary.quantile(0.25), 0ns);
  EXPECT_EQ(summary.quantile(0.5), 0ns);  // below 1 µs only the min is known
  EXPECT_EQ(summary.quantile(1.0), 90s);
  EXPECT_EQ(summary.figures().p99, 90s);
  EXPECT_EQ(summary.max(), 90s);
}

TEST(LatencySummary, TheLastBucketBelowSixtySecondsIsTheLastInRange) {
  LatencySummary summary;
  summary.record(LatencySummary::kHighest - 1ns);
  summary.record(LatencySummary::kHighest - 1ms);
  expect_within_one_percent(summary.quantile(0.5), LatencySummary::kHighest - 1ms, "just below 60 s");
}

TEST(LatencySummary, MergeEqualsRecordingEverythingInOne) {
  LatencySummary a, b, all;
  for (int i = 1; i <= 500; ++i) {
    Duration d = std::chrono::microseconds(i * 37 % 4999 + 1);
    (i % 3 ? a : b).record(d);
    all.record(d);
  }
  a.merge(b);
  for (double f : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(a.quantile(f), all.quantile(f));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.mean(), all.mean());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.figures().at_or_below, all.figures().at_or_below);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.max(), 0ns);
}

TEST(LatencySummary, TheHistogramCountsExactlyAtOrBelowEachBound) {
  LatencySummary summary;
  for (Duration d : std::initializer_list<Duration>{0ns, 1000ns, 1001ns, 2500ns, 99'999ns, 100'000ns, 100'001ns, 5s, 7s})
    summary.record(d);
  const auto& bounds = LatencySummary::kHistogramBounds;
  LatencySummary::Figures f = summary.figures();
  auto at_or_below = [&](Duration bound) {
    return f.at_or_below[static_cast<std::size_t>(std::find(bounds.begin(), bounds.end(), bound) - bounds.begin())];
  };
  EXPECT_EQ(at_or_below(1us), 2u);
  EXPECT_EQ(at_or_below(2500ns), 4u);
  EXPECT_EQ(at_or_below(50us), 4u);
  EXPECT_EQ(at_or_below(100us), 6u);
  EXPECT_EQ(at_or_below(250us), 7u);
  EXPECT_EQ(at_or_below(5s), 8u);  // 7 s is above every bound: only in the count
  EXPECT_EQ(f.count, 9u);
  EXPECT_TRUE(std::is_sorted(f.at_or_below.begin(), f.at_or_below.end()));
}

TEST(LatencySummary, RecordDoesNotAllocate) {
  LatencySummary summary;
  test::start_counting_allocations();
  for (int i = 0; i < 10000; ++i) summary.record(std::chrono::microseconds(i * 7919 % 1000003));
  EXPECT_EQ(test::stop_counting_allocations(), 0);
}

}  // namespace
}  // namespace edgeml
