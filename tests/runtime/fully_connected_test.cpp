// The packed, vectorised FULLY_CONNECTED gives bitwise the results of the
// plain loop it replaced (bias, then products in input order, each multiply
// and add rounded on its own), for widths around every panel and vector size.
// One exception: on 32-bit ARM, NEON flushes denormals to zero (the kernel's
// comment), and results may be those of the plain loop with every input,
// weight, bias, product and partial sum below 1.2e-38 taken as zero.
#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "reference_activation.h"

namespace edgeml::runtime {
namespace {

#if defined(__arm__)
constexpr bool kMayFlushDenormals = true;
#else
constexpr bool kMayFlushDenormals = false;
#endif

// A denormal becomes a zero of its sign. (ARM flushes a result that is below
// 1.2e-38 before rounding; no value here is near enough to tell.)
float flush(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v; }

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct Shape {
  int batch, in_units, out_units;
};

// Inputs, weights and biases uniform in +-scale.
void expect_plain_loop_results(Shape s, Activation act, bool with_bias, std::mt19937& rng, KernelOptions options = {},
                               float scale = 3.0f) {
  std::uniform_real_distribution<float> uniform(-scale, scale);
  auto random_values = [&](int n) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (float& x : v) x = uniform(rng);
    return v;
  };
  std::vector<float> weights = random_values(s.out_units * s.in_units);
  std::vector<float> bias = random_values(s.out_units);
  Graph g;
  g.tensors = {float_tensor("x", {s.batch, s.in_units}), float_tensor("w", {s.out_units, s.in_units}, weights),
               float_tensor("b", {s.out_units}, bias), float_tensor("y", {s.batch, s.out_units})};
  Op fc;
  fc.kind = OpKind::fully_connected;
  fc.inputs = {0, 1, with_bias ? 2 : -1};
  fc.outputs = {3};
  fc.activation = act;
  g.ops = {fc};
  g.inputs = {0};
  g.outputs = {3};
  Interpreter interpreter(g, options);
  std::vector<float> x = random_values(s.batch * s.in_units);
  std::copy(x.begin(), x.end(), interpreter.input(0).begin());
  interpreter.invoke();
  std::span<const float> y = interpreter.output(0);
  auto in = static_cast<std::size_t>(s.in_units), out = static_cast<std::size_t>(s.out_units);
  for (std::size_t b = 0; b < static_cast<std::size_t>(s.batch); ++b)
    for (std::size_t o = 0; o < out; ++o) {
      float sum = with_bias ? bias[o] : 0.0f;
      float flushed = flush(sum);
      for (std::size_t i = 0; i < in; ++i) {
        sum += x[b * in + i] * weights[o * in + i];
        flushed = flush(flushed + flush(flush(x[b * in + i]) * flush(weights[o * in + i])));
      }
      float expected = reference_activate(act, sum);
      ASSERT_TRUE(same_bits(y[b * out + o], expected) ||
                  (kMayFlushDenormals && same_bits(y[b * out + o], reference_activate(act, flushed))))
          << "widest vectors " << options.max_vector_bits << " bits, batch " << s.batch << " in " << in << " out "
          << out << " activation " << static_cast<int>(act)
          << ": y[" << b << "][" << o << "] is " << y[b * out + o] << ", not " << expected;
    }
}

TEST(FullyConnected, GivesThePlainLoopsResultsBitForBit) {
  std::mt19937 rng(1);
  for (int batch : {1, 2, 5, 17, 64})
    for (int in_units : {1, 3, 64})
      for (int out_units : {1, 2, 3, 4, 5, 8, 15, 16, 17, 33, 64, 65, 130})
        for (Activation act : {Activation::none, Activation::relu, Activation::relu6, Activation::tanh})
          expect_plain_loop_results({batch, in_units, out_units}, act, out_units % 2 == 0, rng);
}

// Narrower vectors change only how many outputs a step computes, never a sum's order.
TEST(FullyConnected, EveryVectorWidthCapGivesThePlainLoopsResults) {
  std::mt19937 rng(2);
  for (unsigned bits : {128u, 256u, 512u})
    for (int batch : {1, 16, 17})
      for (int out_units : {3, 4, 16, 64, 65})
        expect_plain_loop_results({batch, 64, out_units}, Activation::relu, true, rng, KernelOptions{bits});
}

// Sums of products below 1.2e-38, without a bias: denormals, which every
// path keeps but NEON on 32-bit ARM, which flushes them to zero.
TEST(FullyConnected, DenormalSumsAreThePlainLoopsButFor32BitNeonsFlush) {
  std::mt19937 rng(3);
  for (int out_units : {1, 3, 4, 8, 17, 64})
    expect_plain_loop_results({3, 5, out_units}, Activation::none, false, rng, {}, 1e-20f);
}

TEST(FullyConnected, AVectorWidthCapOtherThan128256Or512IsRefused) {
  Graph g;
  g.tensors = {float_tensor("x", {1, 2}), float_tensor("w", {2, 2}, {1, 2, 3, 4}), float_tensor("y", {1, 2})};
  Op fc;
  fc.kind = OpKind::fully_connected;
  fc.inputs = {0, 1};
  fc.outputs = {2};
  g.ops = {fc};
  g.inputs = {0};
  g.outputs = {2};
  for (unsigned bits : {1u, 64u, 100u, 1024u}) {
    try {
      Interpreter interpreter(g, KernelOptions{bits});
      ADD_FAILURE() << bits << " bits were accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bits)), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(Interpreter(g, KernelOptions{0}));
}

}  // namespace
}  // namespace edgeml::runtime
