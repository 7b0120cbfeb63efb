// A model as a user describes it: the columns it reads, its dense layers, its
// loss, optimiser and training schedule. `edgeml train --spec FILE` reads a
// list of them from JSON (README, "Your own models"); the tutorial's four are
// the default list, which `edgeml train --print-spec` writes out. A spec that
// read_model_specs() accepts trains, exports to .tflite and .onnx, and runs
// in the runtime.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgeml::train {

enum class Activation { linear, relu, relu6, tanh, sigmoid };
enum class Loss { mae, mse, huber };
enum class OptimizerKind { adam, sgd };
// What the network learns: the event time itself, or the gap after the
// series' last past event, to which the model adds prev_time (its last
// input, read by no layer) so that its output means the same either way. A
// gap keeps a network within the range it was trained on when time moves on.
enum class Target { event_time, gap };

struct DenseLayer {
  int units = 1;
  Activation activation = Activation::linear;
};

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::adam;
  double learning_rate = 0.001;
  double momentum = 0;  // sgd only: velocity = momentum * velocity - rate * gradient
};

struct ModelSpec {
  std::string name;                   // also the model's file names
  std::vector<std::string> features;  // input columns and past features, in input order
  bool normalization = true;          // (x - mean) / sd of the training rows, inside the model
  Target target = Target::event_time;
  std::vector<DenseLayer> layers;     // the last one has the single output
  Loss loss = Loss::mae;
  double huber_delta = 1.0;  // where the huber loss turns from squared to linear
  OptimizerSpec optimizer;
  int epochs = 100;
  int batch_size = 32;
  double validation_share = 0.2;  // the last share of the training rows, held out
  int patience = 0;               // epochs without a better validation loss before stopping; 0: never

  // The model's inputs: the features, then prev_time for a gap target.
  std::vector<std::string> inputs() const;

  // One linear layer: the model an exact fit can train (lad_fit.h).
  bool is_linear() const { return layers.size() == 1 && layers[0].activation == Activation::linear; }
};

// The columns a spec's features may name, besides the features of a series'
// past (protocol/past_features.h).
const std::vector<std::string>& known_features();

// single_var_LR, multi_var_LR, DNN_single_regression, DNN_multi_regression.
const std::vector<ModelSpec>& tutorial_models();
// The tutorial model named `name`; throws Error listing the names otherwise.
const ModelSpec& tutorial_model(const std::string& name);

// {"models": [...]}, the format --spec reads. Throws Error naming the field
// that is wrong, e.g. "models[1].layers[0].activation: 'gelu' is not one of
// linear, relu, relu6, tanh, sigmoid"; unknown fields are errors too.
std::vector<ModelSpec> read_model_specs(const nlohmann::json& spec);
// A file of that JSON, which may hold // and /* */ comments; errors start with its path.
std::vector<ModelSpec> read_model_spec_file(const std::filesystem::path& path);
// The spec as read_model_specs() takes it, every field given, in the order above.
nlohmann::ordered_json model_spec_json(const ModelSpec& spec);
nlohmann::ordered_json model_specs_json(const std::vector<ModelSpec>& specs);

const char* activation_name(Activation activation);
const char* loss_name(Loss loss);
const char* optimizer_name(OptimizerKind kind);
const char* target_name(Target target);

}  // namespace edgeml::train
