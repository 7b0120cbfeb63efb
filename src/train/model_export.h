// A trained model as a runtime graph and as files: the input (shape [1, n],
// named after its feature when it has one, else "features"), SUB and MUL for
// the normalisation unless the spec has none, then one FULLY_CONNECTED per
// dense layer (ReLU, ReLU6 and tanh fused; sigmoid as LOGISTIC after it).
// A gap target's model then adds its last input, prev_time, to the network's
// output (model_spec.h); the tensor of prev_time so picked is kPrevTimeTensor.
#pragma once

#include <filesystem>

#include "runtime/graph.h"
#include "train/trainer.h"

namespace edgeml::train {

inline constexpr const char* kPrevTimeTensor = "prev_time";

runtime::Graph model_graph(const TrainedModel& model, const std::string& version);

struct ModelFiles {
  std::filesystem::path tflite, onnx;
};

// Writes DIR/<name>.tflite and DIR/<name>.onnx through the runtime's writers.
ModelFiles write_model_files(const TrainedModel& model, const std::string& version, const std::filesystem::path& dir);

// The graph input's name.
std::string model_input_name(const ModelSpec& spec);

}  // namespace edgeml::train
