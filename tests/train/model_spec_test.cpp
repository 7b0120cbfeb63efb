// Model specs: the reader's errors name the field, the printed spec reads
// back the same, models of a user's spec train and their files give the
// trainer's predictions, and `edgeml train --spec/--print-spec`.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "support/test_support.h"
#include "train/model_spec.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

json one_model() {
  return json::parse(R"({"models": [{"name": "m", "features": ["index"],
                                     "layers": [{"units": 4, "activation": "relu"}, {"units": 1}]}]})");
}

std::string error_of(const json& spec) {
  try {
    read_model_specs(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ModelSpec, PrintedSpecReadsBackTheSame) {
  const json printed = json(model_specs_json(tutorial_models()));
  const std::vector<ModelSpec> read = read_model_specs(printed);
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(json(model_specs_json(read)), printed);
  EXPECT_EQ(read[3].layers.size(), 3u);
  EXPECT_EQ(read[3].optimizer.learning_rate, 0.03);
  EXPECT_EQ(read[0].optimizer.learning_rate, 0.1);
  const std::vector<ModelSpec> own = test::own_models();
  EXPECT_EQ(json(model_specs_json(read_model_specs(json(model_specs_json(own))))), json(model_specs_json(own)));
}

TEST(ModelSpec, DefaultsAreKeras) {
  const ModelSpec s = read_model_specs(one_model()).at(0);
  EXPECT_TRUE(s.normalization);
  EXPECT_EQ(s.loss, Loss::mae);
  EXPECT_EQ(s.optimizer.kind, OptimizerKind::adam);
  EXPECT_EQ(s.optimizer.learning_rate, 0.001);
  EXPECT_EQ(s.epochs, 100);
  EXPECT_EQ(s.batch_size, 32);
  EXPECT_EQ(s.validation_share, 0.2);
  EXPECT_EQ(s.patience, 0);
  EXPECT_EQ(s.layers.at(1).activation, Activation::linear);
}

TEST(ModelSpec, WrongSpecsAreErrorsNamingTheField) {
  struct Case {
    std::string pointer;  // a JSON pointer into one_model()
    json value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"/models/0/layers/0/activation", "gelu", "models[0].layers[0].activation: \"gelu\" is not one of linear"},
      {"/models/0/layers/1/units", 3, "models[0].layers[1].units: the last layer gives the model's one output"},
      {"/models/0/layers/0/units", 0, "models[0].layers[0].units: 0 is outside [1, 4096]"},
      {"/models/0/layers/0/units", 2.5, "models[0].layers[0].units: expected a whole number"},
      {"/models/0/layers/0/size", 3, "models[0].layers[0].size: unknown field"},
      {"/models/0/features/0", "event_time", "models[0].features[0]: \"event_time\" is not one of index, value"},
      {"/models/0/features/1", "index", "models[0].features[1]: \"index\" is named twice"},
      {"/models/0/features", json::array(), "models[0].features: expected a list of column names"},
      {"/models/0/layers", json::array(), "models[0].layers: expected a list of 1 to 16 dense layers"},
      {"/models/0/name", "../x", "models[0].name: \"../x\" is not a name of 1 to"},
      {"/models/0/loss", "hinge", "models[0].loss: \"hinge\" is not one of mae, mse, huber"},
      {"/models/0/optimizer", {{"kind", "rmsprop"}}, "models[0].optimizer.kind: \"rmsprop\" is not one of adam, sgd"},
      {"/models/0/optimizer", {{"kind", "adam"}, {"learning_rate", 0}}, "models[0].optimizer.learning_rate: 0 is outside (0"},
      {"/models/0/optimizer", {{"kind", "adam"}, {"momentum", 0.9}}, "models[0].optimizer.momentum: unknown field"},
      {"/models/0/validation_share", 1, "models[0].validation_share: 1 is outside (0, 0.9]"},
      {"/models/0/epochs", -1, "models[0].epochs: -1 is outside [1, 100000]"},
      {"/models/0/early_stopping_patience", "3", "models[0].early_stopping_patience: expected a whole number"},
      {"/models/0/normalization", 1, "models[0].normalization: expected true or false"},
      {"/models/0/huber_delta", 1, "models[0].huber_delta: unknown field"},
      {"/models/1", {{"name", "m"}, {"features", {"index"}}, {"layers", {{{"units", 1}}}}},
       "models[1].name: 'm' is also models[0]'s name"},
      {"/epochs", 3, "spec.epochs: unknown field"},
      {"/models/0/target", "delta", "models[0].target: \"delta\" is not one of event_time, gap"},
      {"/models/0/features/0", "gap_0", "models[0].features[0]: \"gap_0\" is not one of index, value, valueThreshold, series:STATION/DATAPOINT/ALARM, or a feature of the past: prev_time"},
  };
  for (const Case& c : cases) {
    json spec = one_model();
    spec[json::json_pointer(c.pointer)] = c.value;
    EXPECT_NE(error_of(spec).find(c.expected), std::string::npos) << c.pointer << ": " << error_of(spec);
  }
  json no_features = one_model();
  no_features["models"][0].erase("features");
  EXPECT_EQ(error_of(no_features), "models[0].features: is missing");
  json gap_with_prev_time = one_model();
  gap_with_prev_time["models"][0]["target"] = "gap";
  gap_with_prev_time["models"][0]["features"] = {"prev_time", "gap_1"};
  EXPECT_NE(error_of(gap_with_prev_time).find("models[0].features: a gap target adds prev_time"), std::string::npos);
  EXPECT_NE(error_of(json::array()).find("spec: expected an object"), std::string::npos);
  EXPECT_NE(error_of({{"models", json::array()}}).find("spec.models: expected a list of models"), std::string::npos);
}

TEST(ModelSpec, FileMayHoldCommentsAndErrorsNameTheFile) {
  TempDir dir;
  EXPECT_EQ(read_model_spec_file(test::write_text(dir / "own.json", test::kOwnModelsSpec)).size(), 6u);
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"{\"models\": [", "bad.json: not JSON"},
           {R"({"models": [{"name": "m"}]})", "bad.json: models[0].features: is missing"}}) {
    try {
      read_model_spec_file(test::write_text(dir / "bad.json", text));
      ADD_FAILURE() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_model_spec_file(dir / "missing.json"), Error);
}

// At least three architectures that are not the tutorial's train, and their
// .tflite and .onnx files give the trainer's predictions in our runtime
// (crosscheck_test runs them in ONNX Runtime and Arm NN).
TEST(ModelSpec, OwnModelsTrainAndTheirFilesReproduceThem) {
  TrainingData data = test::synthetic_data(300);
  TempDir dir;
  for (const ModelSpec& spec : test::own_models()) {
    TrainedModel m = train_model(spec, data, test::quick_options(8));
    EXPECT_EQ(m.result.features, spec.inputs());
    EXPECT_EQ(m.result.fit, spec.is_linear() && spec.loss == Loss::mae ? kExactFit : optimizer_name(spec.optimizer.kind))
        << spec.name;
    EXPECT_TRUE(std::isfinite(m.result.test_mae)) << spec.name;
    EXPECT_LE(m.result.loss.back(), m.result.loss.front()) << spec.name;
    test::expect_files_reproduce(m, data.test, data, dir.path());
    test::expect_files_reproduce(m, data.train, data, dir.path());
  }
}

TEST(ModelSpec, EarlyStoppingStopsPatienceEpochsAfterTheBest) {
  TrainingData data = test::synthetic_data(200);
  ModelSpec spec = test::own_models().at(0);
  spec.patience = 2;
  spec.optimizer.learning_rate = 0.5;  // a walk too wild to keep improving
  TrainOptions options = test::quick_options(400);
  options.weight_average_momentum = 0;
  TrainedModel m = train_model(spec, data, options);
  const auto& r = m.result;
  ASSERT_LT(r.loss.size(), 400u);
  EXPECT_EQ(static_cast<std::size_t>(r.kept_epoch) + 2, r.loss.size());
  for (std::size_t e = 0; e < r.val_loss.size(); ++e) EXPECT_GE(r.val_loss[e], r.val_loss[static_cast<std::size_t>(r.kept_epoch - 1)]);
}

// Runs edgeml with stdout and stderr into a new file `log`.
int run(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::filesystem::remove(log);
  Process p = edgeml::test::run_edgeml(args, log);
  return p.wait_for(60s).value_or(-1);
}

TEST(ModelSpec, PrintSpecWritesTheBuiltInSpecAndSpecTrainsTheChosenModels) {
  TempDir dir;
  const auto log = dir / "log.txt";
  ASSERT_EQ(run({"train", "--print-spec"}, log), 0) << edgeml::test::read_file(log);
  EXPECT_EQ(json::parse(edgeml::test::read_file(log)), json(model_specs_json(tutorial_models())));
  auto spec = test::write_text(dir / "own.json", test::kOwnModelsSpec);
  ASSERT_EQ(run({"train", "--spec", spec.string(), "--print-spec", "--models", "sigmoid_mse"}, log), 0);
  EXPECT_EQ(json::parse(edgeml::test::read_file(log))["models"][0]["name"], "sigmoid_mse");

  auto train = test::write_text(dir / "train.csv", test::synthetic_csv(150));
  auto test_csv = test::write_text(dir / "test.csv", test::synthetic_csv(30));
  ASSERT_EQ(run({"train", "--spec", spec.string(), "--models", "sigmoid_mse,raw_sigmoid_output", "--epochs", "2",
                 "--train", train.string(), "--test", test_csv.string(), "--out", (dir / "out").string()},
                log),
            0)
      << edgeml::test::read_file(log);
  json m = json::parse(edgeml::test::read_file(dir / "out" / "manifest.json"));
  ASSERT_EQ(m["models"].size(), 2u);
  EXPECT_EQ(m["models"][0]["inputs"], json({"index", "valueThreshold"}));
  EXPECT_EQ(m["models"][0]["spec"]["loss"], "mse");
  EXPECT_EQ(m["models"][1]["feature_transform"]["kind"], "none");
  EXPECT_EQ(m["models"][1]["layers"][1]["activation"], "sigmoid");
  EXPECT_EQ(m["training"]["epochs"], 2);
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "raw_sigmoid_output.onnx"));

  test::write_text(dir / "bad.json", R"({"models": [{"name": "m", "features": ["index"], "layers": [{"units": 2}]}]})");
  EXPECT_EQ(run({"train", "--spec", (dir / "bad.json").string(), "--print-spec"}, log), 1);
  EXPECT_NE(edgeml::test::read_file(log).find("models[0].layers[0].units"), std::string::npos)
      << edgeml::test::read_file(log);
  EXPECT_EQ(run({"train", "--spec", spec.string(), "--print-spec", "--models", "nope"}, log), 1);
  EXPECT_NE(edgeml::test::read_file(log).find("sigmoid_mse"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::train
