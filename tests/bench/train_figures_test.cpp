#include "figures.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "support/test_support.h"

namespace edgeml::bench {
namespace {

std::string error_of(const std::string& json) {
  try {
    parse_model_figures(json, "figures.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(BenchTrainFigures, ReadsEdgemlsManifest) {
  auto models = read_model_figures(EDGEML_BENCH_FIXTURES "/manifest.json");
  ASSERT_EQ(models.size(), 4u);
  EXPECT_EQ(models[0].name, "single_var_LR");
  EXPECT_DOUBLE_EQ(models[0].test_mae, 1.395);
  EXPECT_DOUBLE_EQ(models[0].val_mae, 1.387);
  EXPECT_DOUBLE_EQ(models[0].train_mae, 1.391);
  EXPECT_DOUBLE_EQ(models[0].training_seconds, 0.21);
  auto dnn = find_model(models, "DNN_multi_regression");
  ASSERT_TRUE(dnn);
  EXPECT_DOUBLE_EQ(dnn->test_mae, 0.75);
  EXPECT_FALSE(find_model(models, "dnn_multi_regression"));
}

TEST(BenchTrainFigures, SaysWhatIsWrongAndWhere) {
  EXPECT_EQ(error_of("{\"models\": ["), "figures.json is not valid JSON");
  EXPECT_EQ(error_of("[]"), "figures.json: the top level is not an object");
  EXPECT_EQ(error_of("{\"models\": []}"), "figures.json: no \"models\" array with at least one model");
  EXPECT_EQ(error_of("{\"models\": [3]}"), "figures.json: models[0] is not an object");
  EXPECT_EQ(error_of("{\"models\": [{\"test_mae\": 1}]}"), "figures.json: models[0]: no \"name\" string");
  std::string one = R"({"name": "m", "test_mae": 1, "val_mae": 1, "train_mae": 1)";
  EXPECT_EQ(error_of("{\"models\": [" + one + "}]}"), "figures.json: models[0] (m): no \"training_seconds\"");
  EXPECT_EQ(error_of("{\"models\": [" + one + ", \"training_seconds\": \"2\"}]}"),
            "figures.json: models[0] (m): \"training_seconds\" is not a number: \"2\"");
  EXPECT_EQ(error_of("{\"models\": [" + one + ", \"training_seconds\": -1}]}"),
            "figures.json: models[0] (m): \"training_seconds\" must be a finite number >= 0, not -1");
  std::string good = one + ", \"training_seconds\": 2}";
  EXPECT_EQ(error_of("{\"models\": [" + good + ", " + good + "]}"), "figures.json: model \"m\" appears twice");
  EXPECT_EQ(error_of("{\"models\": [" + good + "]}"), "no error");
}

double reference(const std::string& name) { return name == "a" ? 1.0 : -1.0; }

TEST(BenchTrainFigures, SummarizesRunsOfSeveralSeeds) {
  std::vector<std::vector<ModelFigures>> runs = {
      {{"a", 0.9, 0.8, 0.7, 2.0}, {"b", 3.0, 3.0, 3.0, 1.0}},
      {{"b", 5.0, 1.0, 1.0, 3.0}, {"a", 1.3, 1.0, 0.9, 4.0}},
  };
  auto summary = summarize_runs(runs, reference);
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].mean.name, "a");
  EXPECT_DOUBLE_EQ(summary[0].mean.test_mae, 1.1);
  EXPECT_DOUBLE_EQ(summary[0].mean.val_mae, 0.9);
  EXPECT_DOUBLE_EQ(summary[0].mean.train_mae, 0.8);
  EXPECT_DOUBLE_EQ(summary[0].mean.training_seconds, 3.0);
  EXPECT_EQ(summary[0].runs, 2);
  EXPECT_EQ(summary[0].reached, 1);
  EXPECT_DOUBLE_EQ(summary[1].mean.test_mae, 4.0);
  EXPECT_EQ(summary[1].reached, 0);
  EXPECT_DOUBLE_EQ(summary[0].min_test_mae, 0.9);
  EXPECT_DOUBLE_EQ(summary[0].max_test_mae, 1.3);
  EXPECT_NEAR(summary[0].sd_test_mae, 0.2, 1e-12);
  EXPECT_NEAR(summary[1].sd_test_mae, 1.0, 1e-12);
  runs[1].pop_back();
  EXPECT_THROW(summarize_runs(runs, reference), Error);
}

TEST(BenchTrainFigures, AMissingFileIsNamed) {
  test::TempDir dir;
  try {
    read_model_figures(dir / "manifest.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("manifest.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgeml::bench
