#include "core/latency_summary.h"

#include <algorithm>
#include <cmath>

namespace edgeml {

namespace {

const double kLogGrowth = std::log(LatencySummary::kGrowth);

}  // namespace

// Bucket 0 holds what is below kLowest, the last one what is at or above
// kHighest; bucket i between them holds [kLowest * growth^(i-1), kLowest * growth^i).
std::size_t LatencySummary::bucket_of(Duration latency) {
  if (latency < kLowest) return 0;
  if (latency >= kHighest) return kBuckets - 1;
  double steps = std::log(static_cast<double>(latency.count()) / static_cast<double>(kLowest.count())) / kLogGrowth;
  return std::min(1 + static_cast<std::size_t>(steps), kBuckets - 2);
}

void LatencySummary::record(Duration latency) {
  latency = std::max(latency, Duration(0));
  ++buckets_[bucket_of(latency)];
  ++coarse_[static_cast<std::size_t>(
      std::lower_bound(kHistogramBounds.begin(), kHistogramBounds.end(), latency) - kHistogramBounds.begin())];
  ++count_;
  total_ns_ += latency.count();
  min_ = std::min(min_, latency);
  max_ = std::max(max_, latency);
}

void LatencySummary::merge(const LatencySummary& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  for (std::size_t i = 0; i < coarse_.size(); ++i) coarse_[i] += other.coarse_[i];
  count_ += other.count_;
  total_ns_ += other.total_ns_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

LatencySummary::Duration LatencySummary::mean() const {
  return count_ ? Duration(total_ns_ / static_cast<std::int64_t>(count_)) : Duration(0);
}

// The outer buckets have no width to take a middle of: the exact min and max
// are the best that is known there.
LatencySummary::Duration LatencySummary::representative(std::size_t bucket) const {
  if (bucket == 0) return min_;
  if (bucket == kBuckets - 1) return max_;
  double middle = static_cast<double>(kLowest.count()) * std::pow(kGrowth, static_cast<double>(bucket) - 0.5);
  return std::clamp(Duration(std::llround(middle)), min_, max_);
}

LatencySummary::Duration LatencySummary::quantile(double fraction) const {
  if (count_ == 0) return Duration(0);
  // The nudge keeps 0.9 * 10 = 9.000000000000002 from meaning rank 10.
  double wanted = std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_) * (1 - 1e-12));
  std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  if (rank == count_) return max_;  // known exactly: p99 of fewer than 100 samples
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return representative(i);
  }
  return max_;
}

LatencySummary::Figures LatencySummary::figures() const {
  Figures f{count_, quantile(0.50), quantile(0.90), quantile(0.99), max(), mean(), {}};
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < f.at_or_below.size(); ++i) f.at_or_below[i] = below += coarse_[i];
  return f;
}

}  // namespace edgeml
