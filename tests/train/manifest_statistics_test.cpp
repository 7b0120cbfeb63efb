// The training statistics manifest.json carries for the data-quality monitor:
// what they say of the training rows, and that the core reader reads back
// exactly what the trainer wrote.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "quality/reference_statistics.h"
#include "support/test_support.h"
#include "train/manifest.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using nlohmann::json;

TEST(ManifestStatistics, DescribeTheTrainingRows) {
  TrainingData data = test::synthetic_data(200);
  ReferenceStatistics stats = training_statistics(data);
  EXPECT_EQ(stats.rows, 160u);
  const FeatureStatistics& index = *stats[RecordFeature::index];
  EXPECT_EQ(index.count, 160u);
  EXPECT_EQ(index.min, data.train.rows.col(kIndex).minCoeff());
  EXPECT_EQ(index.max, data.train.rows.col(kIndex).maxCoeff());
  EXPECT_NEAR(index.mean, data.train.rows.col(kIndex).mean(), 1e-9);
  EXPECT_EQ(index.bin_count(), 10u);  // distinct indices: ten quantile bins
  for (double p : index.proportions) EXPECT_NEAR(p, 0.1, 0.01);
  // valueThreshold is constant: one edge at 230, everything in the first bin.
  const FeatureStatistics& threshold = *stats[RecordFeature::threshold];
  EXPECT_EQ(threshold.bin_edges, std::vector<double>{230});
  EXPECT_EQ(threshold.proportions, (std::vector<double>{1, 0}));
  // value is 231 with every seventh row 331.
  const FeatureStatistics& value = *stats[RecordFeature::value];
  EXPECT_EQ(value.min, 231);
  EXPECT_EQ(value.max, 331);
  EXPECT_EQ(value.bin_edges.front(), 231);
}

TEST(ManifestStatistics, RoundTripThroughTheCoreReader) {
  TrainingData data = test::synthetic_data(120);
  edgeml::test::TempDir dir;
  write_manifest_file(manifest_json({}, data, {"1", "given", {}}), dir.path());
  json manifest = json::parse(edgeml::test::read_file(dir / "manifest.json"));
  ASSERT_TRUE(manifest.contains("data_statistics"));
  EXPECT_EQ(manifest["data_statistics"]["bins"], 10);
  for (const char* name : {"index", "value", "valueThreshold"})
    EXPECT_TRUE(manifest["data_statistics"]["features"].contains(name)) << name;

  ReferenceStatistics written = training_statistics(data);
  ReferenceStatistics read = read_reference_statistics(dir / "manifest.json");
  EXPECT_EQ(read.rows, written.rows);
  for (RecordFeature f : kRecordFeatures) {
    ASSERT_TRUE(read[f]) << feature_name(f);
    EXPECT_EQ(read[f]->count, written[f]->count);
    EXPECT_EQ(read[f]->min, written[f]->min);
    EXPECT_EQ(read[f]->max, written[f]->max);
    EXPECT_EQ(read[f]->mean, written[f]->mean);
    EXPECT_EQ(read[f]->bin_edges, written[f]->bin_edges);
    EXPECT_EQ(read[f]->proportions, written[f]->proportions);
  }
}

TEST(ManifestStatistics, ReaderNamesTheBadField) {
  TrainingData data = test::synthetic_data(120);
  json manifest = manifest_json({}, data, {"1", "given", {}});
  auto message = [](const json& m) {
    try {
      read_reference_statistics(m);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  json bad = manifest;
  bad["data_statistics"]["features"]["value"]["proportions"][0] = 0.5;
  EXPECT_NE(message(bad).find("data_statistics.features.value.proportions sums to"), std::string::npos) << message(bad);
  bad = manifest;
  bad["data_statistics"]["features"]["index"]["bin_edges"][1] = -1;
  EXPECT_NE(message(bad).find("index.bin_edges are not strictly ascending"), std::string::npos) << message(bad);
  bad = manifest;
  bad["data_statistics"]["features"]["speed"] = bad["data_statistics"]["features"]["value"];
  EXPECT_NE(message(bad).find("speed is not index, value or valueThreshold"), std::string::npos) << message(bad);
  bad = manifest;
  bad.erase("data_statistics");
  EXPECT_NE(message(bad).find("no data_statistics"), std::string::npos) << message(bad);
}

}  // namespace
}  // namespace edgeml::train
