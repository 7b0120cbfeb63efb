#include "runtime/interpreter.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/reference_outputs.h"
#include "runtime/tflite_reader.h"
#include "support/model_testing.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

TEST(Interpreter, ReproducesTheTutorialModelsReferenceOutputs) {
  EDGEML_REQUIRE_SHARED(test::kReferenceOutputs);
  int rows = test::expect_reference_outputs(
      [](const std::string& model) { return read_tflite_file(test::shared_file("models/seed-tflite/" + model + ".tflite")); });
  EXPECT_EQ(rows, 20);
}

TEST(Interpreter, BroadcastsAndFusesActivations) {
  // out = relu(a - b) with b broadcast over a's rows, built by hand.
  Graph g;
  g.tensors = {runtime::float_tensor("a", {2, 3}), runtime::float_tensor("b", {3}, {1, 2, 3}), runtime::float_tensor("out", {2, 3})};
  g.inputs = {0};
  g.outputs = {2};
  Op sub;
  sub.kind = OpKind::sub;
  sub.inputs = {0, 1};
  sub.outputs = {2};
  sub.activation = Activation::relu;
  g.ops = {sub};
  Interpreter interpreter(g);
  std::span<float> a = interpreter.input(0);
  const float values[] = {0, 5, 1, 4, 1, 9};
  std::copy(std::begin(values), std::end(values), a.begin());
  interpreter.invoke();
  std::vector<float> out(interpreter.output(0).begin(), interpreter.output(0).end());
  EXPECT_EQ(out, (std::vector<float>{0, 3, 0, 3, 0, 6}));

  g.tensors[1].shape = {2};  // cannot broadcast [2] to [2, 3]
  g.tensors[1].constant.resize(2 * sizeof(float));
  EXPECT_THROW(Interpreter{g}, Error);
}

// Runs a one-operator graph whose last tensor is the output and whose
// non-constant tensors before it are the inputs, filled in order.
std::vector<float> run_one_op(Graph g, const Op& op, const std::vector<std::vector<float>>& inputs) {
  g.ops = {op};
  g.outputs = {static_cast<int>(g.tensors.size()) - 1};
  for (int i = 0; i + 1 < static_cast<int>(g.tensors.size()); ++i)
    if (!g.tensors[static_cast<std::size_t>(i)].is_constant()) g.inputs.push_back(i);
  Interpreter interpreter(std::move(g));
  for (std::size_t i = 0; i < inputs.size(); ++i) std::copy(inputs[i].begin(), inputs[i].end(), interpreter.input(i).begin());
  interpreter.invoke();
  return {interpreter.output(0).begin(), interpreter.output(0).end()};
}

TEST(Interpreter, ConcatenatesAlongANegativeAxisWithAFusedActivation) {
  Graph g;
  g.tensors = {runtime::float_tensor("a", {2, 1}), runtime::float_tensor("b", {2, 2}, {1, -2, 3, -4}), runtime::float_tensor("out", {2, 3})};
  Op cat;
  cat.kind = OpKind::concatenation;
  cat.inputs = {0, 1};
  cat.outputs = {2};
  cat.axis = -1;
  cat.activation = Activation::relu;
  EXPECT_EQ(run_one_op(g, cat, {{-5, 7}}), (std::vector<float>{0, 1, 0, 7, 3, 0}));
  g.tensors[2].shape = {2, 4};
  EXPECT_THROW(run_one_op(g, cat, {{-5, 7}}), Error);
}

TEST(Interpreter, MultipliesBatchesOfMatricesBroadcastingTheBatch) {
  // a [2, 1, 2] x b [2, 1] (one matrix for both batches) -> [2, 1, 1].
  Graph g;
  g.tensors = {runtime::float_tensor("a", {2, 1, 2}), runtime::float_tensor("b", {2, 1}, {10, 1}), runtime::float_tensor("out", {2, 1, 1})};
  Op mm;
  mm.kind = OpKind::matmul;
  mm.inputs = {0, 1};
  mm.outputs = {2};
  EXPECT_EQ(run_one_op(g, mm, {{1, 2, 3, 4}}), (std::vector<float>{12, 34}));
  // Gemm's form: 2 * a' x b' + 3 * c with both transposed and c broadcast per row.
  g.tensors = {runtime::float_tensor("a", {2, 1}), runtime::float_tensor("b", {2, 2}, {1, 2, 3, 4}),
               runtime::float_tensor("c", {1, 2}, {1, -1}), runtime::float_tensor("out", {1, 2})};
  mm.inputs = {0, 1, 2};
  mm.outputs = {3};
  mm.transpose_a = mm.transpose_b = true;
  mm.alpha = 2;
  mm.beta = 3;
  EXPECT_EQ(run_one_op(g, mm, {{1, 1}}), (std::vector<float>{2 * 3 + 3, 2 * 7 - 3}));
}

}  // namespace
}  // namespace edgeml::runtime
