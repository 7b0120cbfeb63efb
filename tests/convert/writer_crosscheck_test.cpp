// What our writers produce, run by independent runtimes: every .tflite file in
// Arm NN (Debian's python3-pyarmnn) and every .onnx file in ONNX Runtime gives
// the outputs our interpreter gives for the same graph.
#include <cmath>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/onnx_reader.h"
#include "convert/onnx_writer.h"
#include "support/sample_models.h"
#include "runtime/tflite_reader.h"
#include "convert/tflite_writer.h"
#include "support/reference_runtimes.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

namespace fs = std::filesystem;
using test::ReferenceTensors;

constexpr std::size_t kSamples = 50;

std::vector<ReferenceTensors> input_sets(const Graph& g, const std::vector<std::vector<float>>& samples) {
  const Tensor& in = g.tensors[static_cast<std::size_t>(g.inputs.at(0))];
  std::vector<std::int64_t> dims(in.shape.begin(), in.shape.end());
  std::vector<ReferenceTensors> sets;
  for (const auto& sample : samples) sets.push_back({{in.name, {dims, {sample.begin(), sample.end()}, {}}}});
  return sets;
}

// Our interpreter's output for each sample.
std::vector<std::vector<float>> our_outputs(const Graph& g, const std::vector<std::vector<float>>& samples) {
  Interpreter interpreter(g);
  std::vector<std::vector<float>> outputs;
  for (const auto& sample : samples) {
    std::copy(sample.begin(), sample.end(), interpreter.input(0).begin());
    interpreter.invoke();
    outputs.emplace_back(interpreter.output(0).begin(), interpreter.output(0).end());
  }
  return outputs;
}

// The size of one step of the int8 value a DEQUANTIZE output comes from; 0 for
// a float output.
double quantization_step(const Graph& g) {
  for (const Op& op : g.ops)
    if (op.kind == OpKind::dequantize && op.outputs.at(0) == g.outputs.at(0))
      return g.tensors[static_cast<std::size_t>(op.inputs.at(0))].scale;
  return 0;
}

// Within `tolerance` relative to max(1, |ours|), or one quantization step.
void expect_same_outputs(const Graph& g, const std::vector<ReferenceTensors>& theirs,
                         const std::vector<std::vector<float>>& samples, double tolerance, const std::string& what) {
  const double step = quantization_step(g);
  const std::string& output = g.tensors[static_cast<std::size_t>(g.outputs.at(0))].name;
  std::vector<std::vector<float>> ours = our_outputs(g, samples);
  ASSERT_EQ(theirs.size(), ours.size()) << what;
  for (std::size_t s = 0; s < ours.size(); ++s) {
    ASSERT_EQ(theirs[s].count(output), 1u) << what << ": no output '" << output << "'";
    const std::vector<double>& values = theirs[s].at(output).values;
    ASSERT_EQ(values.size(), ours[s].size()) << what;
    for (std::size_t i = 0; i < values.size(); ++i)
      EXPECT_LE(std::fabs(values[i] - ours[s][i]), tolerance * std::max(1.0, std::fabs(double{ours[s][i]})) + step * 1.001)
          << what << " sample " << s << ": theirs " << values[i] << ", ours " << ours[s][i];
  }
}

enum class Format { tflite, onnx };

// Writes `g`, reads the file back (the writer must keep the meaning), and runs
// both ours and the other runtime on it: Arm NN for .tflite, ONNX Runtime for .onnx.
void expect_other_runtime_agrees(const Graph& g, const std::string& name, Format format, double tolerance) {
  test::TempDir dir;
  fs::path file = dir.path() / (name + (format == Format::tflite ? ".tflite" : ".onnx"));
  Graph written;
  if (format == Format::tflite) {
    convert::write_tflite_file(g, file);
    written = read_tflite_file(file);
  } else {
    convert::write_onnx_file(g, file);
    written = read_onnx_file(file);
  }
  std::vector<std::vector<float>> samples = edgeml::test::sample_inputs(kSamples);
  std::size_t width = written.tensors[static_cast<std::size_t>(written.inputs[0])].element_count();
  for (auto& s : samples) s.resize(width);
  std::vector<ReferenceTensors> inputs = input_sets(written, samples);
  if (format == Format::tflite)
    expect_same_outputs(written, test::run_in_armnn(file, inputs), samples, tolerance, file.filename().string() + " in Arm NN");
  else
    expect_same_outputs(written, test::run_in_onnxruntime(file, inputs), samples, tolerance,
                        file.filename().string() + " in ONNX Runtime");
}

void expect_armnn_agrees(const Graph& g, const std::string& name, double tolerance) {
  expect_other_runtime_agrees(g, name, Format::tflite, tolerance);
}

void expect_onnxruntime_agrees(const Graph& g, const std::string& name) {
  expect_other_runtime_agrees(g, name, Format::onnx, 1e-5);
}

TEST(WrittenTflite, LinearModelRunsTheSameInArmNN) {
  EDGEML_REQUIRE_RUNTIME(test::armnn_missing());
  expect_armnn_agrees(edgeml::test::sample_linear_model(), "linear", 1e-5);
}

TEST(WrittenTflite, ReluNetworkRunsTheSameInArmNN) {
  EDGEML_REQUIRE_RUNTIME(test::armnn_missing());
  expect_armnn_agrees(edgeml::test::sample_relu_network(), "relu_network", 1e-5);
}

// Arm NN's reference backend requantizes through float where we use TFLite's
// fixed-point multiplier, so an output may round to the neighbouring int8
// value (3 samples of 50 do): equal within one step of the output's scale.
TEST(WrittenTflite, Int8ReluNetworkRunsTheSameInArmNN) {
  EDGEML_REQUIRE_RUNTIME(test::armnn_missing());
  expect_armnn_agrees(edgeml::test::sample_relu_network_int8(), "relu_network_int8", 0);  // and one step
}

// The tutorial's models rewritten: single_var_LR's EXPAND_DIMS, which Arm NN
// cannot parse in the original, is written as RESHAPE.
TEST(WrittenTflite, TutorialModelsRewrittenRunTheSameInArmNN) {
  EDGEML_REQUIRE_RUNTIME(test::armnn_missing());
  for (std::string model : {"single_var_LR", "multi_var_LR"}) {
    std::string path = "models/seed-tflite/" + model + ".tflite";
    EDGEML_REQUIRE_SHARED(path);
    expect_armnn_agrees(read_tflite_file(test::shared_file(path)), model, 1e-5);
  }
}

// ONNX says dense layers as Gemm; converted back they are FULLY_CONNECTED
// again, which Arm NN runs.
TEST(WrittenTflite, ModelsConvertedFromOnnxRunTheSameInArmNN) {
  EDGEML_REQUIRE_RUNTIME(test::armnn_missing());
  Graph from_onnx = read_onnx(convert::write_onnx(edgeml::test::sample_relu_network()), "relu_network.onnx");
  ASSERT_EQ(from_onnx.ops.front().kind, OpKind::matmul);
  expect_armnn_agrees(from_onnx, "relu_network_from_onnx", 1e-5);
}

TEST(WrittenOnnx, LinearModelRunsTheSameInOnnxRuntime) {
  EDGEML_REQUIRE_RUNTIME(test::onnxruntime_missing());
  expect_onnxruntime_agrees(edgeml::test::sample_linear_model(), "linear");
}

TEST(WrittenOnnx, ReluNetworkRunsTheSameInOnnxRuntime) {
  EDGEML_REQUIRE_RUNTIME(test::onnxruntime_missing());
  expect_onnxruntime_agrees(edgeml::test::sample_relu_network(), "relu_network");
}

TEST(WrittenOnnx, TutorialModelsConvertedRunTheSameInOnnxRuntime) {
  EDGEML_REQUIRE_RUNTIME(test::onnxruntime_missing());
  for (std::string model : {"single_var_LR", "multi_var_LR"}) {
    std::string path = "models/seed-tflite/" + model + ".tflite";
    EDGEML_REQUIRE_SHARED(path);
    expect_onnxruntime_agrees(read_tflite_file(test::shared_file(path)), model);
  }
}

}  // namespace
}  // namespace edgeml::runtime
