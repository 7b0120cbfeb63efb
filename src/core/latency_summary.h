// Latency figures (count, p50, p90, p99, max, mean) over any number of samples
// in a fixed 7 KiB: a histogram of log-scale buckets from 1 µs to 60 s, each
// 2% wider than the one before. A percentile is reported as its bucket's
// geometric middle, at most 1% off the true sample (sqrt(1.02) - 1 < 1%),
// or as the max when it is the largest sample; count, min, max and mean are
// exact. A capped vector of samples would be exact
// too, but either forgets samples once full or needs a sort per query, and a
// long-running server's stats must neither drift nor grow.
// Beside it, a coarse histogram with fixed bounds (1, 2.5 and 5 x 10^k µs)
// counts exactly how many samples lie at or below each: what /metrics
// exports as a Prometheus histogram, which, unlike percentiles, can be
// summed over the servers of a group.
//
// Not synchronised: one owner records, or the caller locks; per-thread
// summaries can be merged. record() neither allocates nor locks.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace edgeml {

class LatencySummary {
 public:
  using Duration = std::chrono::nanoseconds;

  static constexpr Duration kLowest = std::chrono::microseconds(1);
  static constexpr Duration kHighest = std::chrono::seconds(60);
  static constexpr double kGrowth = 1.02;  // each bucket's upper / lower bound
  // ceil(ln(60 s / 1 µs) / ln(1.02)) buckets between them, plus one below and one above.
  static constexpr std::size_t kBuckets = 905 + 2;

  static constexpr std::array<Duration, 21> kHistogramBounds = {
      std::chrono::nanoseconds(1'000),         std::chrono::nanoseconds(2'500),
      std::chrono::nanoseconds(5'000),         std::chrono::nanoseconds(10'000),
      std::chrono::nanoseconds(25'000),        std::chrono::nanoseconds(50'000),
      std::chrono::nanoseconds(100'000),       std::chrono::nanoseconds(250'000),
      std::chrono::nanoseconds(500'000),       std::chrono::nanoseconds(1'000'000),
      std::chrono::nanoseconds(2'500'000),     std::chrono::nanoseconds(5'000'000),
      std::chrono::nanoseconds(10'000'000),    std::chrono::nanoseconds(25'000'000),
      std::chrono::nanoseconds(50'000'000),    std::chrono::nanoseconds(100'000'000),
      std::chrono::nanoseconds(250'000'000),   std::chrono::nanoseconds(500'000'000),
      std::chrono::nanoseconds(1'000'000'000), std::chrono::nanoseconds(2'500'000'000),
      std::chrono::nanoseconds(5'000'000'000)};

  struct Figures {
    std::uint64_t count = 0;
    Duration p50{0}, p90{0}, p99{0}, max{0}, mean{0};
    // Samples at or below each of kHistogramBounds (cumulative).
    std::array<std::uint64_t, kHistogramBounds.size()> at_or_below{};
  };

  // A negative latency (a clock stepping back) counts as 0. Below 1 µs and
  // above 60 s percentiles are bounded by the exact min and max only.
  void record(Duration latency);
  void merge(const LatencySummary& other);
  void reset() { *this = LatencySummary(); }

  std::uint64_t count() const { return count_; }
  Duration min() const { return count_ ? min_ : Duration(0); }
  Duration max() const { return max_; }
  Duration mean() const;
  // The smallest sample with at least `fraction` (0..1) of all at or below
  // it (nearest rank); 0 when there are none.
  Duration quantile(double fraction) const;
  Figures figures() const;

 private:
  static std::size_t bucket_of(Duration latency);
  Duration representative(std::size_t bucket) const;

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::array<std::uint64_t, kHistogramBounds.size() + 1> coarse_{};  // the last: above every bound
  std::uint64_t count_ = 0;
  // Exact to 292 years of summed latency.
  std::int64_t total_ns_ = 0;
  Duration min_ = Duration::max();
  Duration max_{0};
};

}  // namespace edgeml
