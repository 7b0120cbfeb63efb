// What the data-quality tests share: a known training distribution and a
// seeded stream of clean records drawn from it.
#pragma once

#include <cstdint>
#include <random>

#include "quality/data_quality.h"

namespace edgeml::test {

// Training rows: index 0..999, value uniform on [200, 260], valueThreshold
// uniform on [220, 240] (both ends included), 2000 rows, 10 bins.
ReferenceStatistics uniform_reference();

// Alarm events of one series, every ~10 s (jitter up to 1 s), index counting
// up from 0, value and valueThreshold drawn from the training distribution
// plus `value_shift`. Clean for its first 1000 records (index stays in range).
class CleanStream {
 public:
  explicit CleanStream(SeriesId series = {"1160629000", "121", "308"}, std::uint32_t seed = 1, double value_shift = 0);

  QualityRecord next();
  // The record next() returned last, for repeating or altering it.
  const QualityRecord& last() const { return last_; }

 private:
  double uniform(double low, double high);

  std::mt19937 random_;
  double value_shift_;
  QualityRecord last_;
};

}  // namespace edgeml::test
