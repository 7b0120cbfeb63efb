// edgeml train as a command: the files and manifest.json it writes (the shape
// bench/train and the server read), and its errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest/sqlite_event_store.h"
#include "protocol/manifest.h"
#include "support/test_support.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

int run(const std::vector<std::string>& args, const TempDir& dir) {
  Process p = edgeml::test::run_edgeml(args, dir / "log.txt");
  return p.wait_for(60s).value_or(-1);
}

TEST(TrainCommand, WritesModelsAndManifest) {
  TempDir dir;
  auto train = test::write_text(dir / "train.csv", test::synthetic_csv(200));
  auto test_csv = test::write_text(dir / "test.csv", test::synthetic_csv(40));
  ASSERT_EQ(run({"train", "--train", train.string(), "--test", test_csv.string(), "--out", (dir / "out").string(),
                 "--epochs", "2", "--models", "single_var_LR,DNN_multi_regression", "--model-version", "7"},
                dir),
            0)
      << edgeml::test::read_file(dir / "log.txt");
  json m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  EXPECT_EQ(m["format"], 1);
  EXPECT_EQ(m["label"]["offset"], 1487508915);
  EXPECT_EQ(m["label"]["scale"], 1000);
  EXPECT_EQ(m["data"]["rows"], 240);
  EXPECT_TRUE(m["data"]["fingerprint"].get<std::string>().starts_with("fnv1a64:"));
  ASSERT_EQ(m["models"].size(), 2u);
  const json& multi = m["models"][1];
  EXPECT_EQ(multi["name"], "DNN_multi_regression");
  EXPECT_EQ(multi["version"], "7");
  EXPECT_EQ(multi["files"]["tflite"], "DNN_multi_regression.tflite");
  EXPECT_EQ(multi["files"]["onnx"], "DNN_multi_regression.onnx");
  EXPECT_EQ(multi["inputs"], json({"index", "value", "valueThreshold"}));
  for (const char* key : {"train_mae", "val_mae", "test_mae", "training_seconds"})
    EXPECT_TRUE(multi[key].is_number()) << key;
  EXPECT_EQ(m["models"][0]["inputs"], json({"index"}));
  EXPECT_EQ(m["models"][0]["fit"], "least absolute deviations");
  EXPECT_EQ(multi["fit"], "adam");
  EXPECT_EQ(m["training"]["exact_linear_fit"], true);
  EXPECT_EQ(m["data_statistics"]["rows"], 200);
  EXPECT_EQ(m["data_statistics"]["features"]["value"]["max"], 331);
  for (const char* file : {"single_var_LR.tflite", "single_var_LR.onnx", "DNN_multi_regression.tflite"})
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / file)) << file;
  EXPECT_NE(edgeml::test::read_file(dir / "log.txt").find("test MAE"), std::string::npos);
}

TEST(TrainCommand, AdamLinearTrainsTheLinearModelsWithAdam) {
  TempDir dir;
  auto train = test::write_text(dir / "train.csv", test::synthetic_csv(100));
  auto test_csv = test::write_text(dir / "test.csv", test::synthetic_csv(20));
  ASSERT_EQ(run({"train", "--train", train.string(), "--test", test_csv.string(), "--out", (dir / "out").string(),
                 "--epochs", "3", "--models", "multi_var_LR", "--adam-linear"},
                dir),
            0)
      << edgeml::test::read_file(dir / "log.txt");
  json m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  EXPECT_EQ(m["training"]["exact_linear_fit"], false);
  EXPECT_EQ(m["models"][0]["fit"], "adam");
  EXPECT_EQ(m["models"][0]["loss"].size(), 3u);
}

// Without --series, a set of models for each series of the database, in one
// manifest; --pooled, one set for all; --series picks one.
TEST(TrainCommand, DatabaseWithSeveralSeriesTrainsEachPooledOrTheOneNamed) {
  TempDir dir;
  {
    ingest::SqliteEventStore store(dir / "alarms.db");
    bool stored = false;
    for (int i = 0; i < 30; ++i)
      for (const char* station : {"1", "2"})
        ASSERT_TRUE(store.insert({{station, "121", "308"}, double(i), 1487441883.0 + 60 * i, 231, 230, true}, stored));
  }
  std::vector<std::string> args = {"train", "--data", (dir / "alarms.db").string(), "--out", (dir / "out").string(),
                                   "--epochs", "1", "--models", "single_var_LR,DNN_single_regression"};
  ASSERT_EQ(run(args, dir), 0) << edgeml::test::read_file(dir / "log.txt");
  json m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  ASSERT_EQ(m["models"].size(), 4u);
  EXPECT_EQ(m["models"][0]["name"], "single_var_LR@1_121_308");
  EXPECT_EQ(m["models"][0]["series"], "1/121/308");
  EXPECT_EQ(m["models"][3]["name"], "DNN_single_regression@2_121_308");
  EXPECT_EQ(m["models"][3]["files"]["tflite"], "DNN_single_regression@2_121_308.tflite");
  EXPECT_EQ(m["models"][3]["data"]["rows"], 30);
  EXPECT_TRUE(m["models"][3]["data_statistics"].is_object());
  EXPECT_EQ(m["data"]["series"], json({"1/121/308", "2/121/308"}));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "DNN_single_regression@2_121_308.onnx"));
  const ManifestModels read = read_manifest_models(m);
  ASSERT_EQ(read.entries.size(), 4u) << (read.bad.empty() ? "" : read.bad[0].reason);
  EXPECT_EQ(read.entries[3].series->path(), "2/121/308");
  std::filesystem::remove_all(dir / "out");
  std::vector<std::string> pooled = args;
  pooled.push_back("--pooled");
  ASSERT_EQ(run(pooled, dir), 0) << edgeml::test::read_file(dir / "log.txt");
  m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  ASSERT_EQ(m["models"].size(), 2u);
  EXPECT_EQ(m["models"][1]["name"], "DNN_single_regression");
  EXPECT_EQ(m["models"][1]["inputs"], json({"index", "series:1/121/308", "series:2/121/308"}));
  EXPECT_EQ(m["data"]["rows"], 60);
  std::filesystem::remove_all(dir / "out");
  args.insert(args.end(), {"--series", "2/121/308"});
  EXPECT_EQ(run(args, dir), 0) << edgeml::test::read_file(dir / "log.txt");
  m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  EXPECT_EQ(m["models"][0]["name"], "single_var_LR");
  EXPECT_FALSE(m["models"][0].contains("series"));
  EXPECT_EQ(m["data"]["rows"], 30);
  EXPECT_EQ(m["data"]["test_rows"], 6);
}

TEST(TrainCommand, NeedsDataOrTrainAndTest) {
  TempDir dir;
  EXPECT_NE(run({"train", "--out", (dir / "out").string()}, dir), 0);
  EXPECT_NE(run({"train", "--train", "x.csv"}, dir), 0);
  EXPECT_NE(run({"train", "--data", "x.csv", "--models", "nope"}, dir), 0);
}

}  // namespace
}  // namespace edgeml::train
