#include "quality/reference_statistics.h"

#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgeml {
namespace {

TEST(ReferenceStatistics, QuantileBinsOfDistinctValues) {
  std::vector<double> values;
  for (int i = 0; i <= 100; ++i) values.push_back(i);
  FeatureStatistics f = feature_statistics(values, 4, "index");
  EXPECT_EQ(f.count, 101u);
  EXPECT_EQ(f.min, 0);
  EXPECT_EQ(f.max, 100);
  EXPECT_EQ(f.mean, 50);
  EXPECT_EQ(f.bin_edges, (std::vector<double>{25, 50, 75}));
  // Bins hold (.., 25], (25, 50], (50, 75], (75, ..): 26, 25, 25, 25 values.
  EXPECT_DOUBLE_EQ(f.proportions[0], 26.0 / 101);
  EXPECT_DOUBLE_EQ(f.proportions[3], 25.0 / 101);
  EXPECT_EQ(f.bin_of(25), 0u);
  EXPECT_EQ(f.bin_of(25.5), 1u);
  EXPECT_EQ(f.bin_of(-1e9), 0u);
  EXPECT_EQ(f.bin_of(1e9), 3u);
}

TEST(ReferenceStatistics, ConstantColumnHasOneEdge) {
  std::vector<double> values(50, 230.0);
  FeatureStatistics f = feature_statistics(values, 10, "valueThreshold");
  EXPECT_EQ(f.bin_edges, std::vector<double>{230});
  EXPECT_EQ(f.proportions, (std::vector<double>{1, 0}));
}

TEST(ReferenceStatistics, RejectsWhatCannotBeDescribed) {
  EXPECT_THROW(feature_statistics({}, 10, "value"), Error);
  std::vector<double> nan = {1, std::nan("")};
  EXPECT_THROW(feature_statistics(nan, 10, "value"), Error);
  std::vector<double> one = {1};
  EXPECT_THROW(feature_statistics(one, 0, "value"), Error);
}

TEST(ReferenceStatistics, PopulationStabilityIndex) {
  std::vector<double> expected = {0.5, 0.5};
  std::vector<std::size_t> same = {10, 10}, skewed = {15, 5}, one_sided = {20, 0};
  EXPECT_EQ(population_stability_index(expected, same, 1e-4), 0);
  // (0.75 - 0.5) ln 1.5 + (0.25 - 0.5) ln 0.5
  EXPECT_NEAR(population_stability_index(expected, skewed, 1e-4), 0.25 * std::log(1.5) - 0.25 * std::log(0.5), 1e-12);
  // An empty bin counts as epsilon, so the index stays finite.
  double psi = population_stability_index(expected, one_sided, 1e-4);
  EXPECT_TRUE(std::isfinite(psi));
  EXPECT_GT(psi, 2);
}

TEST(ReferenceStatistics, JsonRoundTrip) {
  ReferenceStatistics stats;
  stats.rows = 3;
  std::vector<double> values = {1, 2, 3.25};
  stats[RecordFeature::value] = feature_statistics(values, 10, "value");
  ReferenceStatistics back =
      reference_statistics_from_json(nlohmann::json::parse(reference_statistics_json(stats).dump()));
  EXPECT_EQ(back.rows, 3u);
  EXPECT_FALSE(back[RecordFeature::index]);
  ASSERT_TRUE(back[RecordFeature::value]);
  EXPECT_EQ(back[RecordFeature::value]->bin_edges, stats[RecordFeature::value]->bin_edges);
  EXPECT_EQ(back[RecordFeature::value]->proportions, stats[RecordFeature::value]->proportions);
  EXPECT_EQ(back[RecordFeature::value]->mean, stats[RecordFeature::value]->mean);
}

// Found by fuzz_manifest: a count too large for size_t was converted anyway
// (undefined behaviour); it is refused like any count that is not one.
TEST(ReferenceStatistics, CountsTooLargeForACountAreRefused) {
  auto with = [](double rows, double count) {
    return nlohmann::json{{"rows", rows},
                          {"features", {{"value", {{"count", count}, {"min", 1}, {"max", 2}, {"mean", 1.5},
                                                   {"bin_edges", {1.5}}, {"proportions", {0.5, 0.5}}}}}}};
  };
  EXPECT_NO_THROW(reference_statistics_from_json(with(2, 2)));
  EXPECT_THROW(reference_statistics_from_json(with(2.88889e68, 2)), Error);
  EXPECT_THROW(reference_statistics_from_json(with(2, 2.88889e68)), Error);
  EXPECT_THROW(reference_statistics_from_json(with(2, 1.8446744073709552e19)), Error);
}

}  // namespace
}  // namespace edgeml
