// Runs a model file in an independent runtime (ONNX Runtime for .onnx, Arm NN
// for .tflite) through the runners in tools/ (tools/README.md), so tests can
// compare edgeml's results, or a written file's meaning, with theirs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace edgeml::test {

// A tensor's dimensions and raw element values in row-major order (quantized
// tensors hold their integers). `type` is the element type a runtime reported
// for an output ("float32", "int8", ...); inputs take the model's type.
struct ReferenceTensor {
  std::vector<std::int64_t> dims;
  std::vector<double> values;
  std::string type;
};

// Tensors by the model's input or output names.
using ReferenceTensors = std::map<std::string, ReferenceTensor>;

// Each runs the model once per input set (loading it once) and returns the
// outputs in the same order. Throws edgeml::Error with the runner's message when
// the runtime is missing, rejects the model or the inputs, or takes longer than
// a minute.
std::vector<ReferenceTensors> run_in_onnxruntime(const std::filesystem::path& model,
                                                 const std::vector<ReferenceTensors>& input_sets);
std::vector<ReferenceTensors> run_in_armnn(const std::filesystem::path& model,
                                           const std::vector<ReferenceTensors>& input_sets);

ReferenceTensors run_in_onnxruntime(const std::filesystem::path& model, const ReferenceTensors& inputs);
ReferenceTensors run_in_armnn(const std::filesystem::path& model, const ReferenceTensors& inputs);

// Empty when the runtime loads (checked once per process), else why not.
const std::string& onnxruntime_missing();
const std::string& armnn_missing();

}  // namespace edgeml::test

// Skips a test whose reference runtime is not installed, except under CI=true
// where it fails: scripts/setup installs both.
#define EDGEML_REQUIRE_RUNTIME(missing_reason)                                       \
  do {                                                                               \
    if (const std::string& why = (missing_reason); !why.empty()) {                   \
      if (::edgeml::test::running_in_ci()) FAIL() << why;                            \
      GTEST_SKIP() << why << " (scripts/setup installs it)";                         \
    }                                                                                \
  } while (0)
