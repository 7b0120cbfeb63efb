// Trained models' files in independent runtimes: each .onnx in ONNX Runtime
// and each .tflite in Arm NN gives the trainer's own predictions, for the
// tutorial's models and for models of a user's spec.
#include <cmath>

#include <gtest/gtest.h>

#include "support/reference_runtimes.h"
#include "support/test_support.h"
#include "train/model_export.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::ReferenceTensors;

std::vector<ReferenceTensors> input_sets(const TrainedModel& m, const Examples& e) {
  std::vector<ReferenceTensors> sets;
  for (Eigen::Index r = 0; r < e.x.rows(); ++r) {
    std::vector<double> values(e.x.row(r).begin(), e.x.row(r).end());
    sets.push_back({{model_input_name(m.spec), {{1, e.x.cols()}, values, {}}}});
  }
  return sets;
}

void expect_predictions(const std::vector<ReferenceTensors>& outputs, const Eigen::VectorXf& expected,
                        const std::string& what) {
  ASSERT_EQ(outputs.size(), static_cast<std::size_t>(expected.size())) << what;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    ASSERT_EQ(outputs[i].count("prediction"), 1u) << what << ": no output 'prediction'";
    double theirs = outputs[i].at("prediction").values.at(0);
    double ours = expected(static_cast<Eigen::Index>(i));
    EXPECT_LE(std::fabs(theirs - ours), 1e-5 * std::max(1.0, std::fabs(ours))) << what << " row " << i;
  }
}

// Models trained briefly on synthetic rows, their files and test rows: the
// tutorial's and the models of a spec that are not.
struct Trained {
  TrainingData data = test::synthetic_data(300);
  std::vector<TrainedModel> models;
  Trained() {
    for (const ModelSpec& spec : tutorial_models()) models.push_back(train_model(spec, data, test::quick_options(5)));
    for (const ModelSpec& spec : test::own_models()) models.push_back(train_model(spec, data, test::quick_options(5)));
  }
};

enum class Format { tflite, onnx };

// Writes each model and runs the file in the other runtime on the test rows.
void expect_other_runtime_agrees(Format format) {
  Trained t;
  edgeml::test::TempDir dir;
  for (const TrainedModel& m : t.models) {
    ModelFiles files = write_model_files(m, "test", dir.path());
    Examples e = examples_for(m.spec, t.data.test, t.data);
    if (format == Format::onnx)
      expect_predictions(edgeml::test::run_in_onnxruntime(files.onnx, input_sets(m, e)), m.predict(e.x),
                         m.spec.name + ".onnx in ONNX Runtime");
    else
      expect_predictions(edgeml::test::run_in_armnn(files.tflite, input_sets(m, e)), m.predict(e.x),
                         m.spec.name + ".tflite in Arm NN");
  }
}

TEST(TrainCrosscheck, OnnxFilesRunTheSameInOnnxRuntime) {
  EDGEML_REQUIRE_RUNTIME(edgeml::test::onnxruntime_missing());
  expect_other_runtime_agrees(Format::onnx);
}

TEST(TrainCrosscheck, TfliteFilesRunTheSameInArmNN) {
  EDGEML_REQUIRE_RUNTIME(edgeml::test::armnn_missing());
  expect_other_runtime_agrees(Format::tflite);
}

}  // namespace
}  // namespace edgeml::train
