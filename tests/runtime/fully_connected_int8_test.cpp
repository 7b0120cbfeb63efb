// The packed, vectorised int8 FULLY_CONNECTED gives exactly the plain loop's
// integers, for widths around every panel and vector size, every zero point
// and both activations an int8 layer may fuse.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/kernels/fixed_point.h"

namespace edgeml::runtime {
namespace {

struct Layer {
  int batch, in_units, out_units;
  std::int32_t x_zero, y_zero;
  float y_scale;
  Activation act;
  int bound = 127;  // weights, and inputs about x_zero, within +-bound (biases 24x that)
};

Tensor int8_tensor(std::string name, std::vector<std::int32_t> shape, float scale, std::int64_t zero_point,
                   const std::vector<std::int8_t>& values = {}) {
  Tensor t{std::move(name), std::move(shape), DataType::int8, {}, scale, zero_point};
  for (std::int8_t v : values) t.constant.push_back(static_cast<std::uint8_t>(v));
  return t;
}

// x -> QUANTIZE -> FULLY_CONNECTED (int8) -> DEQUANTIZE -> y. The input scale
// is a power of two, so each x quantizes to the integer it was made from.
void expect_plain_loop_results(const Layer& l, std::mt19937& rng, KernelOptions options = {}) {
  constexpr float kXScale = 0.25f, kWScale = 0.0078125f;
  std::uniform_int_distribution<int> int8s(std::max(-128, l.x_zero - l.bound), std::min(127, l.x_zero + l.bound)),
      weights_range(-l.bound, l.bound), biases(-24 * l.bound, 24 * l.bound);
  const auto in = static_cast<std::size_t>(l.in_units), out = static_cast<std::size_t>(l.out_units);
  std::vector<std::int8_t> weights(out * in);
  for (auto& w : weights) w = static_cast<std::int8_t>(weights_range(rng));
  std::vector<std::int32_t> bias(out);
  for (auto& b : bias) b = biases(rng);
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("x", {l.batch, l.in_units}))};
  int xq = add_tensor(g, int8_tensor("xq", {l.batch, l.in_units}, kXScale, l.x_zero));
  int w = add_tensor(g, int8_tensor("w", {l.out_units, l.in_units}, kWScale, 0, weights));
  const auto* bias_bytes = reinterpret_cast<const std::uint8_t*>(bias.data());
  int b = add_tensor(g, Tensor{"b", {l.out_units}, DataType::int32, {bias_bytes, bias_bytes + 4 * out},
                               kXScale * kWScale, 0});
  int yq = add_tensor(g, int8_tensor("yq", {l.batch, l.out_units}, l.y_scale, l.y_zero));
  g.outputs = {add_tensor(g, float_tensor("y", {l.batch, l.out_units}))};
  g.ops = {Op{OpKind::quantize, {g.inputs[0]}, {xq}}, Op{OpKind::fully_connected, {xq, w, b}, {yq}, l.act},
           Op{OpKind::dequantize, {yq}, {g.outputs[0]}}};
  Interpreter interpreter(g, options);
  std::vector<std::int8_t> x(static_cast<std::size_t>(l.batch) * in);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<std::int8_t>(int8s(rng));
    interpreter.input(0)[i] = kXScale * static_cast<float>(x[i] - l.x_zero);
  }
  interpreter.invoke();
  std::span<const float> y = interpreter.output(0);

  FixedPointMultiplier rescale = fixed_point_multiplier(double{kXScale} * kWScale / l.y_scale);
  const std::int32_t low = l.act == Activation::relu ? std::max(l.y_zero, -128) : -128;
  for (std::size_t r = 0; r < static_cast<std::size_t>(l.batch); ++r)
    for (std::size_t o = 0; o < out; ++o) {
      std::int32_t acc = bias[o];
      for (std::size_t i = 0; i < in; ++i) acc += (x[r * in + i] - l.x_zero) * weights[o * in + i];
      std::int32_t q = std::clamp(multiply(acc, rescale) + l.y_zero, low, 127);
      float expected = static_cast<float>(double{l.y_scale} * (q - l.y_zero));
      ASSERT_EQ(y[r * out + o], expected)
          << "widest vectors " << options.max_vector_bits << " bits, batch " << l.batch << " in " << in << " out "
          << out << ", zero points " << l.x_zero << " and " << l.y_zero << ": y[" << r << "][" << o << "]";
    }
}

TEST(FullyConnectedInt8, GivesThePlainLoopsIntegers) {
  std::mt19937 rng(3);
  for (int batch : {1, 2, 5})
    for (int in_units : {1, 3, 64})
      for (int out_units : {1, 2, 3, 4, 5, 8, 15, 16, 17, 33, 64, 65})
        for (Activation act : {Activation::none, Activation::relu})
          expect_plain_loop_results({batch, in_units, out_units, -10, 7, 0.05f, act}, rng);
}

// The zero points are folded into the sums at load: the extremes included.
// The output scales give rescale multipliers from a left shift of 5 to one
// too small to matter (zero).
TEST(FullyConnectedInt8, EveryZeroPointAndScaleGivesThePlainLoopsIntegers) {
  std::mt19937 rng(4);
  for (std::int32_t x_zero : {-128, -1, 0, 127})
    for (std::int32_t y_zero : {-128, 0, 100})
      for (float y_scale : {0.0001f, 0.01f, 0.3f, 4.0f, 1000.0f, 1e7f})
        expect_plain_loop_results({3, 70, 19, x_zero, y_zero, y_scale, Activation::relu}, rng);
}

// A rescale above 1 (a left shift), on sums small enough not to saturate.
TEST(FullyConnectedInt8, ARescaleAboveOneGivesThePlainLoopsIntegers) {
  std::mt19937 rng(6);
  for (float y_scale : {0.0009f, 0.0002f})  // rescales 2.2 and 9.8
    for (int out_units : {4, 8, 19, 33})
      expect_plain_loop_results({2, 3, out_units, 3, -5, y_scale, Activation::none, 2}, rng);
}

// Narrower vectors change only how many outputs a step computes.
TEST(FullyConnectedInt8, EveryVectorWidthCapGivesThePlainLoopsIntegers) {
  std::mt19937 rng(5);
  for (unsigned bits : {128u, 256u, 512u})
    for (int out_units : {3, 4, 8, 32, 33})
      expect_plain_loop_results({2, 40, out_units, 5, -3, 0.1f, Activation::none}, rng, KernelOptions{bits});
}

}  // namespace
}  // namespace edgeml::runtime
