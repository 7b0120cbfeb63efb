// edgeml train --int8: the int8 files' accuracy on the tutorial's split
// (issue 20: within 2% of the float models' test MAE), what the command
// writes, and the export's errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "support/test_support.h"
#include "train/quantized_export.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

Int8Figures export_one(const TrainedModel& model, const TrainingData& data, const std::filesystem::path& dir) {
  ModelFiles files = write_model_files(model, "test", dir);
  return export_int8(model, "test", files, examples_for(model.spec, data.train, data).x,
                     examples_for(model.spec, data.test, data));
}

// Issue 20 asks for int8 test MAE at most 2% above the float model's.
constexpr double kAllowedMaeRatio = 1.02;

TEST(Int8Export, TutorialModelsKeepTheirTestMae) {
  EDGEML_REQUIRE_SHARED("data/bts/split/train.csv");
  EDGEML_REQUIRE_SHARED("data/bts/split/test.csv");
  TrainingData data{read_training_csv(edgeml::test::shared_file("data/bts/split/train.csv")),
                    read_training_csv(edgeml::test::shared_file("data/bts/split/test.csv")), {}};
  TempDir dir;
  for (const ModelSpec& spec : tutorial_models()) {
    TrainedModel model = train_model(spec, data, TrainOptions{});  // the default seed
    Int8Figures f = export_one(model, data, dir.path());
    EXPECT_NEAR(f.float_model.test_mae, model.result.test_mae, 1e-5) << spec.name;
    EXPECT_LE(f.int8_model.test_mae, f.float_model.test_mae * kAllowedMaeRatio)
        << spec.name << ": float " << f.float_model.test_mae;
    EXPECT_GT(f.int8_model.microseconds, 0) << spec.name;
    EXPECT_EQ(f.int8_model.bytes, std::filesystem::file_size(dir / f.file)) << spec.name;
    if (!spec.is_linear()) {
      EXPECT_LT(f.int8_model.bytes, f.float_model.bytes / 2) << spec.name;
    }
  }
}

TEST(Int8Export, CalibrationRowsSpanTheRowsEvenly) {
  Eigen::MatrixXf x(10, 1);
  for (int r = 0; r < 10; ++r) x(r, 0) = static_cast<float>(r);
  std::vector<std::vector<float>> rows = calibration_rows(x, 4);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], 0);
  EXPECT_EQ(rows[1][0], 2);
  EXPECT_EQ(rows[3][0], 7);
  EXPECT_EQ(calibration_rows(x, 100).size(), 10u);
}

TEST(Int8Export, RowsOfTheWrongWidthOrNoneAreErrors) {
  TrainingData data = test::synthetic_data(60);
  TrainedModel model = train_model(tutorial_model("multi_var_LR"), data, test::quick_options());
  TempDir dir;
  ModelFiles files = write_model_files(model, "test", dir.path());
  Examples test = make_examples(data.test, {"index", "value", "valueThreshold"}, data.label);
  Eigen::MatrixXf narrow = make_examples(data.train, {"index"}, data.label).x;
  EXPECT_THROW(export_int8(model, "test", files, narrow, test), Error);
  EXPECT_THROW(export_int8(model, "test", files, Eigen::MatrixXf(0, 3), test), Error);
  Examples no_test{Eigen::MatrixXf(0, 3), Eigen::VectorXf(0), {}};
  EXPECT_THROW(export_int8(model, "test", files, test.x, no_test), Error);
  try {
    export_int8(model, "test", files, narrow, test);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multi_var_LR: its training rows have 1 features, the model takes 3"),
              std::string::npos)
        << e.what();
  }
}

TEST(Int8Export, TrainCommandWritesInt8FilesManifestAndReport) {
  TempDir dir;
  auto train = test::write_text(dir / "train.csv", test::synthetic_csv(200));
  auto test_csv = test::write_text(dir / "test.csv", test::synthetic_csv(40));
  Process p = edgeml::test::run_edgeml({"train", "--train", train.string(), "--test", test_csv.string(), "--out",
                                        (dir / "out").string(), "--epochs", "2", "--models",
                                        "single_var_LR,DNN_multi_regression", "--int8"},
                                       dir / "log.txt");
  ASSERT_EQ(p.wait_for(60s).value_or(-1), 0) << edgeml::test::read_file(dir / "log.txt");
  json m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  for (const json& entry : m["models"]) {
    std::string name = entry["name"];
    const json& int8 = entry["int8"];
    EXPECT_EQ(int8["tflite"], name + ".int8.tflite");
    EXPECT_EQ(int8["sha256"].get<std::string>().size(), 64u) << name;
    EXPECT_TRUE(int8["test_mae"].is_number()) << name;
    EXPECT_EQ(entry["files"]["tflite"], name + ".tflite");  // what readers of "files" load is unchanged
    std::filesystem::path file = dir / "out" / (name + ".int8.tflite");
    EXPECT_EQ(int8["bytes"], std::filesystem::file_size(file)) << name;
    runtime::Interpreter interpreter(runtime::read_model_file(file));
    EXPECT_EQ(interpreter.input(0).size(), entry["inputs"].size()) << name;
    interpreter.invoke();
  }
  std::string report = edgeml::test::read_file(dir / "out" / "report.md");
  EXPECT_NE(report.find("## Float and int8"), std::string::npos);
  EXPECT_NE(report.find("| DNN\\_multi\\_regression | "), std::string::npos);
  EXPECT_NE(edgeml::test::read_file(dir / "log.txt").find("DNN_multi_regression.int8.tflite: int8"), std::string::npos);
}

TEST(Int8Export, WithoutTheFlagNothingInt8IsWritten) {
  TempDir dir;
  auto train = test::write_text(dir / "train.csv", test::synthetic_csv(100));
  auto test_csv = test::write_text(dir / "test.csv", test::synthetic_csv(20));
  Process p = edgeml::test::run_edgeml({"train", "--train", train.string(), "--test", test_csv.string(), "--out",
                                        (dir / "out").string(), "--epochs", "1", "--models", "single_var_LR"},
                                       dir / "log.txt");
  ASSERT_EQ(p.wait_for(60s).value_or(-1), 0) << edgeml::test::read_file(dir / "log.txt");
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "single_var_LR.int8.tflite"));
  EXPECT_FALSE(json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"))["models"][0].contains("int8"));
  EXPECT_EQ(edgeml::test::read_file(dir / "out" / "report.md").find("int8"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::train
