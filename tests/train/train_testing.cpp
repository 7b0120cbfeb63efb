#include "train_testing.h"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "support/test_support.h"
#include "train/model_export.h"

namespace edgeml::train::test {

std::filesystem::path write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::string synthetic_csv(int rows) {
  std::string text = "index,event_time,value,valueThreshold,isActive\n";
  for (int i = 0; i < rows; ++i)
    text += fmt::format("{}.0,{}.0,{},230,True\n", i, 1487441883 + 90 * i + (i * 37) % 50, i % 7 == 0 ? 331 : 231);
  return text;
}

TrainingData synthetic_data(int rows) {
  edgeml::test::TempDir dir;
  EventTable table = read_training_csv(write_text(dir / "data.csv", synthetic_csv(rows)));
  TrainTestSplit split = random_split(table, 0.8, 1);
  return {split.train, split.test, {}};
}

const char* const kOwnModelsSpec = R"({
  // Comments are allowed, as in a spec a user writes.
  "models": [
    {"name": "tanh_relu6_huber_sgd", "features": ["value", "index"],
     "layers": [{"units": 32, "activation": "tanh"}, {"units": 16, "activation": "relu6"}, {"units": 1}],
     "loss": "huber", "huber_delta": 0.5,
     "optimizer": {"kind": "sgd", "learning_rate": 0.01, "momentum": 0.9},
     "batch_size": 16, "validation_share": 0.25, "early_stopping_patience": 3},
    {"name": "sigmoid_mse", "features": ["index", "valueThreshold"],
     "layers": [{"units": 8, "activation": "sigmoid"}, {"units": 1, "activation": "linear"}],
     "loss": "mse", "optimizer": {"kind": "adam", "learning_rate": 0.01}},
    {"name": "raw_sigmoid_output", "features": ["index"], "normalization": false,
     "layers": [{"units": 16, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}]},
    {"name": "linear_mse_adam", "features": ["index", "value", "valueThreshold"],
     "layers": [{"units": 1}], "loss": "mse", "optimizer": {"kind": "adam", "learning_rate": 0.05}},
    {"name": "past_gap_tanh", "features": ["gap_1", "mean_gap_4", "median_gap_8", "index_step", "value"], "target": "gap",
     "layers": [{"units": 8, "activation": "tanh"}, {"units": 1}]},
    {"name": "past_time_linear", "features": ["prev_time", "gap_2"], "layers": [{"units": 1}]}
  ]
})";

std::vector<ModelSpec> own_models() {
  return read_model_specs(nlohmann::json::parse(kOwnModelsSpec, nullptr, true, true));
}

TrainOptions quick_options(int epochs) {
  TrainOptions options;
  options.epochs = epochs;
  options.seed = 7;
  return options;
}

void expect_files_reproduce(const TrainedModel& model, const EventTable& rows, const TrainingData& data,
                            const std::filesystem::path& dir) {
  ModelFiles files = write_model_files(model, "test", dir);
  Examples examples = examples_for(model.spec, rows, data);
  Eigen::VectorXf expected = model.predict(examples.x);
  for (const auto& file : {files.tflite, files.onnx}) {
    runtime::Interpreter interpreter(runtime::read_model_file(file));
    ASSERT_EQ(interpreter.input(0).size(), static_cast<std::size_t>(examples.x.cols())) << file;
    for (Eigen::Index r = 0; r < examples.x.rows(); ++r) {
      for (Eigen::Index c = 0; c < examples.x.cols(); ++c) interpreter.input(0)[static_cast<std::size_t>(c)] = examples.x(r, c);
      interpreter.invoke();
      float ours = interpreter.output(0)[0];
      ASSERT_NEAR(ours, expected(r), 1e-5 * std::max(1.0f, std::fabs(expected(r))))
          << file.filename() << " row " << r << " of " << examples.x.rows();
    }
  }
}

}  // namespace edgeml::train::test
