#include "quality_testing.h"

#include <vector>

namespace edgeml::test {

namespace {

// mt19937's output is fixed by the standard; the <random> distributions are not.
double unit(std::mt19937& random) { return static_cast<double>(random()) / 4294967296.0; }

}  // namespace

ReferenceStatistics uniform_reference() {
  std::mt19937 random(42);
  std::vector<double> index, value{200, 260}, threshold{220, 240};
  for (int i = 0; i < 2000; ++i) index.push_back(i % 1000);
  while (value.size() < 2000) {
    value.push_back(200 + 60 * unit(random));
    threshold.push_back(220 + 20 * unit(random));
  }
  ReferenceStatistics stats;
  stats.rows = 2000;
  stats[RecordFeature::index] = feature_statistics(index, 10, "index");
  stats[RecordFeature::value] = feature_statistics(value, 10, "value");
  stats[RecordFeature::threshold] = feature_statistics(threshold, 10, "valueThreshold");
  return stats;
}

CleanStream::CleanStream(SeriesId series, std::uint32_t seed, double value_shift)
    : random_(seed), value_shift_(value_shift) {
  last_.series = std::move(series);
  last_.index = -1;
  last_.event_time = 1487441883;
}

double CleanStream::uniform(double low, double high) { return low + (high - low) * unit(random_); }

QualityRecord CleanStream::next() {
  last_.index = *last_.index + 1;
  last_.event_time = *last_.event_time + uniform(9.5, 10.5);
  last_.value = uniform(200.5, 259.5) + value_shift_;
  last_.threshold = uniform(220.5, 239.5);
  return last_;
}

}  // namespace edgeml::test
