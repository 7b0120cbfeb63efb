// int8: the fixed-point rescaling, the QUANTIZE / DEQUANTIZE / FULLY_CONNECTED
// kernels against hand-worked values, and post-training quantization of the
// sample ReLU network against its float original.
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/fixed_point.h"
#include "convert/quantize_graph.h"
#include "support/sample_models.h"
#include "runtime/tflite_reader.h"
#include "convert/tflite_writer.h"

namespace edgeml::runtime {
namespace {

std::vector<float> outputs_for(Interpreter& interpreter, const std::vector<float>& input) {
  std::copy(input.begin(), input.end(), interpreter.input(0).begin());
  interpreter.invoke();
  return {interpreter.output(0).begin(), interpreter.output(0).end()};
}

Tensor int8_tensor(std::string name, std::vector<std::int32_t> shape, float scale, std::int64_t zero_point,
                   std::vector<std::int8_t> values = {}) {
  Tensor t{std::move(name), std::move(shape), DataType::int8, {}, scale, zero_point};
  for (std::int8_t v : values) t.constant.push_back(static_cast<std::uint8_t>(v));
  return t;
}

// Like TensorFlow Lite it rounds twice (the high half of the product, then the
// shift), so a result may be off the real product by up to 1.
TEST(FixedPoint, RescalesLikeRoundingTheRealProduct) {
  for (double m : {0.125, 0.3, 0.0007, 0.99999, 1.5, 3.25}) {
    FixedPointMultiplier fixed = fixed_point_multiplier(m);
    for (std::int32_t x : {0, 1, -1, 7, -7, 1000, -1000, 123456, -98765})
      EXPECT_LE(std::fabs(multiply(x, fixed) - x * m), 1.0) << m << " " << x;
  }
  // Halves round away from zero, as TensorFlow Lite's kernels do.
  EXPECT_EQ(multiply(116, fixed_point_multiplier(0.125)), 15);
  EXPECT_EQ(multiply(-116, fixed_point_multiplier(0.125)), -15);
  EXPECT_EQ(multiply(5, fixed_point_multiplier(0)), 0);
}

TEST(Int8Kernels, QuantizeRoundsAndClampsAndDequantizeInverts) {
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("x", {6}))};
  int q = add_tensor(g, int8_tensor("q", {6}, 0.5f, -10));
  g.outputs = {add_tensor(g, float_tensor("y", {6}))};
  g.ops = {Op{OpKind::quantize, {g.inputs[0]}, {q}}, Op{OpKind::dequantize, {q}, {g.outputs[0]}}};
  Interpreter interpreter(g);
  std::vector<float> y = outputs_for(interpreter, {1000, -1000, 0.25f, -0.25f, 3.1f, NAN});
  EXPECT_EQ(y, (std::vector<float>{68.5f, -59.0f, 0.5f, -0.5f, 3.0f, 68.5f}));

  g.tensors[static_cast<std::size_t>(q)].scale = 0;
  EXPECT_THROW(Interpreter{g}, Error);
}

TEST(Int8Kernels, FullyConnectedMatchesHandWorkedIntegerArithmetic) {
  // x = [1, -2, 3] quantizes to [-8, -14, -4] (scale 0.5, zero point -10);
  // row 0: (2*4 + -4*-8 + 6*12 + 4) * 0.125 = 14.5, rounded away to 15;
  // row 1: (2*-4 + 0 + 6*8 - 80) * 0.125 = -5, lifted to 0 by the fused ReLU.
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("x", {1, 3}))};
  int xq = add_tensor(g, int8_tensor("xq", {1, 3}, 0.5f, -10));
  int w = add_tensor(g, int8_tensor("w", {2, 3}, 0.25f, 0, {4, -8, 12, -4, 0, 8}));
  std::vector<std::int32_t> bias_values{4, -80};
  const auto* bias_bytes = reinterpret_cast<const std::uint8_t*>(bias_values.data());
  int bias = add_tensor(g, Tensor{"bias", {2}, DataType::int32, {bias_bytes, bias_bytes + 8}, 0.125f, 0});
  int yq = add_tensor(g, int8_tensor("yq", {1, 2}, 1.0f, 5));
  g.outputs = {add_tensor(g, float_tensor("y", {1, 2}))};
  g.ops = {Op{OpKind::quantize, {g.inputs[0]}, {xq}}, Op{OpKind::fully_connected, {xq, w, bias}, {yq}, Activation::relu},
           Op{OpKind::dequantize, {yq}, {g.outputs[0]}}};
  Interpreter interpreter(g);
  EXPECT_EQ(outputs_for(interpreter, {1, -2, 3}), (std::vector<float>{15, 0}));

  g.ops[1].activation = Activation::tanh;
  EXPECT_THROW(Interpreter{g}, Error);
}

TEST(Int8Kernels, ReluMovesToTheOutputsQuantizationAndClampsAtItsZero) {
  // in: scale 0.5, zero point -10; out: scale 0.25, zero point -128 (0 .. 63.75).
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("x", {4}))};
  int xq = add_tensor(g, int8_tensor("xq", {4}, 0.5f, -10));
  int yq = add_tensor(g, int8_tensor("yq", {4}, 0.25f, -128));
  g.outputs = {add_tensor(g, float_tensor("y", {4}))};
  g.ops = {Op{OpKind::quantize, {g.inputs[0]}, {xq}}, Op{OpKind::relu, {xq}, {yq}},
           Op{OpKind::dequantize, {yq}, {g.outputs[0]}}};
  Interpreter interpreter(g);
  EXPECT_EQ(outputs_for(interpreter, {-3, 1, 5, 40}), (std::vector<float>{0, 1, 5, 40}));
}

TEST(Int8Kernels, AddRescalesBothInputsAndFusesRelu) {
  // a: scale 0.5, zero point -10; b: scale 0.25, constant [1, -1, 0, 31.75];
  // out: scale 1, zero point 0. Fed and read as int8 directly.
  Graph g;
  g.inputs = {add_tensor(g, int8_tensor("a", {4}, 0.5f, -10))};
  int b = add_tensor(g, int8_tensor("b", {4}, 0.25f, 0, {4, -4, 0, 127}));
  g.outputs = {add_tensor(g, int8_tensor("sum", {4}, 1.0f, 0))};
  g.ops = {Op{OpKind::add, {g.inputs[0], b}, {g.outputs[0]}, Activation::relu}};
  Interpreter interpreter(g);
  const std::int8_t a[] = {-8, -14, -4, 90};  // 1, -2, 3, 50
  std::copy(std::begin(a), std::end(a), interpreter.int8_input(0).begin());
  interpreter.invoke();
  std::span<const std::int8_t> sum = interpreter.int8_output(0);
  EXPECT_EQ(std::vector<std::int8_t>(sum.begin(), sum.end()), (std::vector<std::int8_t>{2, 0, 3, 82}));
  EXPECT_THROW(interpreter.input(0), Error);  // not float32

  g.tensors[static_cast<std::size_t>(b)].shape = {1};  // int8 ADD does not broadcast
  g.tensors[static_cast<std::size_t>(b)].constant.resize(1);
  EXPECT_THROW(Interpreter{g}, Error);
}

// Quantization error of the 3-64-64-1 network, in units of its output's
// quantization step (about 1.9, 1/255 of the output's range), over inputs
// inside and beyond the calibration data. The input's own step is about 12:
// value and threshold (around 230) keep only a few bits, hence 3 steps.
TEST(Quantization, ReluNetworkStaysWithinThreeOutputStepsOfFloat) {
  Graph float_graph = edgeml::test::sample_relu_network();
  Graph int8_graph = edgeml::test::sample_relu_network_int8();
  std::vector<OpKind> kinds;
  for (const Op& op : int8_graph.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::quantize, OpKind::fully_connected, OpKind::fully_connected,
                                        OpKind::fully_connected, OpKind::dequantize}));
  const Tensor& int8_output = int8_graph.tensors[static_cast<std::size_t>(int8_graph.ops[3].outputs[0])];
  Interpreter reference(float_graph), quantized(int8_graph);
  double worst = 0;
  std::vector<std::vector<float>> inputs = edgeml::test::sample_inputs(300);
  for (float index = 0; index <= 3000; index += 97) inputs.push_back({index, 231, 230});
  for (const std::vector<float>& x : inputs) {
    float want = outputs_for(reference, x)[0];
    float got = outputs_for(quantized, x)[0];
    worst = std::max(worst, std::fabs(got - want) / static_cast<double>(int8_output.scale));
  }
  RecordProperty("worst_error_in_output_steps", std::to_string(worst));
  EXPECT_LE(worst, 3.0);
}

// Asked to, the 64 -> 1 output layer (a vector of weights) stays float;
// a graph of vector layers only is quantized whole all the same.
TEST(Quantization, VectorLayersStayFloatBesideAMatrixLayerWhenAsked) {
  Graph g = convert::quantize_fully_connected(edgeml::test::sample_relu_network(), edgeml::test::sample_inputs(64),
                                              {.vector_layers_float = true, .float_outputs = {}});
  std::vector<OpKind> kinds;
  for (const Op& op : g.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::quantize, OpKind::fully_connected, OpKind::fully_connected,
                                        OpKind::dequantize, OpKind::fully_connected}));
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.ops[4].inputs[1])].type, DataType::float32);
  Graph linear;
  int x = add_tensor(linear, runtime::float_tensor("x", {1, 3}));
  linear.inputs = {x};
  linear.outputs = {add_op(linear, OpKind::fully_connected,
                           {x, add_tensor(linear, runtime::float_tensor("w", {1, 3}, {0.5f, -1, 2})),
                            add_tensor(linear, runtime::float_tensor("b", {1}, {0.25f}))},
                           runtime::float_tensor("y", {1, 1}))};
  Graph q = convert::quantize_fully_connected(linear, edgeml::test::sample_inputs(64), {.vector_layers_float = true, .float_outputs = {}});
  ASSERT_EQ(q.ops.size(), 3u);
  EXPECT_EQ(q.ops[1].kind, OpKind::fully_connected);
  EXPECT_EQ(q.tensors[static_cast<std::size_t>(q.ops[1].inputs[1])].type, DataType::int8);
}

TEST(Quantization, Int8NetworkWrittenAndReadGivesIdenticalOutputs) {
  Graph g = edgeml::test::sample_relu_network_int8();
  Graph read = read_tflite(convert::write_tflite(g), "int8.tflite");
  ASSERT_EQ(read.tensors.size(), g.tensors.size());
  for (std::size_t i = 0; i < g.tensors.size(); ++i) {
    EXPECT_EQ(read.tensors[i].type, g.tensors[i].type) << g.tensors[i].name;
    EXPECT_EQ(read.tensors[i].scale, g.tensors[i].scale) << g.tensors[i].name;
    EXPECT_EQ(read.tensors[i].zero_point, g.tensors[i].zero_point) << g.tensors[i].name;
    EXPECT_EQ(read.tensors[i].constant, g.tensors[i].constant) << g.tensors[i].name;
  }
  Interpreter original(g), reread(read);
  for (const std::vector<float>& x : edgeml::test::sample_inputs(100)) EXPECT_EQ(outputs_for(reread, x), outputs_for(original, x));
}

TEST(Quantization, RefusesWhatItCannotCalibrate) {
  EXPECT_THROW(convert::quantize_fully_connected(edgeml::test::sample_relu_network(), {}), Error);
  EXPECT_THROW(convert::quantize_fully_connected(edgeml::test::sample_relu_network(), {{1, 2}}), Error);
}

}  // namespace
}  // namespace edgeml::runtime
