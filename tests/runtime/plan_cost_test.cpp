// The plan's cost (arena bytes and multiply-adds per inference), computed from
// the shapes before anything runs, and the budget that refuses a model.
#include <gtest/gtest.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "support/sample_models.h"
#include "runtime/tflite_reader.h"
#include "convert/tflite_writer.h"

namespace edgeml::runtime {
namespace {

// A dense layer of `in` -> `out` units with a fused ReLU.
int add_dense(Graph& g, int x, std::int32_t in, std::int32_t out, const std::string& name) {
  int w = add_tensor(g, float_tensor(name + ".w", {out, in}, std::vector<float>(static_cast<std::size_t>(in * out), 0.5f)));
  int b = add_tensor(g, float_tensor(name + ".b", {out}, std::vector<float>(static_cast<std::size_t>(out), 0.25f)));
  return add_op(g, OpKind::fully_connected, {x, w, b}, float_tensor(name, {1, out}), Activation::relu);
}

Graph three_eight_one() {
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("input", {1, 3}))};
  g.outputs = {add_dense(g, add_dense(g, g.inputs[0], 3, 8, "hidden"), 8, 1, "output")};
  return g;
}

// Refusal of `g` under `budget`: the error's message.
std::string refusal(Graph g, const PlanBudget& budget) {
  try {
    Interpreter interpreter(std::move(g), {}, budget);
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(PlanCost, DenseLayersCountBatchTimesInTimesOut) {
  Interpreter interpreter(three_eight_one());
  EXPECT_EQ(interpreter.cost().multiply_adds, 3u * 8 + 8 * 1);
  // Seven tensors of at most 96 bytes, each on its own 64-byte line (the weights [8, 3] take two).
  EXPECT_EQ(interpreter.cost().arena_bytes, 8u * 64);
  EXPECT_EQ(Interpreter(edgeml::test::sample_relu_network()).cost().multiply_adds, 3u * 64 + 64 * 64 + 64 * 1);
}

TEST(PlanCost, MatMulCountsItsDotProductsAndOtherOperatorsTheirOutputs) {
  for (bool transpose_a : {false, true}) {
    Graph g;
    int a = add_tensor(g, float_tensor("a", transpose_a ? std::vector<std::int32_t>{2, 4, 3} : std::vector<std::int32_t>{2, 3, 4}));
    int b = add_tensor(g, float_tensor("b", {2, 4, 5}));
    int product = add_op(g, OpKind::matmul, {a, b}, float_tensor("product", {2, 3, 5}));
    g.ops.back().transpose_a = transpose_a;
    int bias = add_tensor(g, float_tensor("bias", {5}, {1, 2, 3, 4, 5}));
    g.inputs = {a, b};
    g.outputs = {add_op(g, OpKind::add, {product, bias}, float_tensor("sum", {2, 3, 5}))};
    Interpreter interpreter(std::move(g));
    EXPECT_EQ(interpreter.cost().multiply_adds, 2u * 3 * 5 * 4 + 2 * 3 * 5) << "transpose_a " << transpose_a;
  }
}

TEST(PlanCost, AModelOverItsBudgetIsRefusedWithBothFigures) {
  PlanBudget budget;
  budget.name = "the per-model budget";
  budget.multiply_adds = 31;
  EXPECT_EQ(refusal(three_eight_one(), budget),
            "it needs 32 multiply-adds per inference, over the per-model budget of 31");
  budget.multiply_adds = 32;
  EXPECT_EQ(refusal(three_eight_one(), budget), "accepted");
  budget.arena_bytes = 511;
  EXPECT_EQ(refusal(three_eight_one(), budget), "it needs 512 bytes of arena, over the per-model budget of 511 bytes");
}

TEST(PlanCost, ATinyFileDeclaringHugeWorkIsRefusedByItsFigures) {
  // 64Ki rows through a 64 -> 64 layer: 16 KiB of weights, 2.7e8 multiply-adds.
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("rows", {1 << 16, 64}))};
  int w = add_tensor(g, float_tensor("w", {64, 64}, std::vector<float>(64 * 64, 1.0f)));
  g.outputs = {add_op(g, OpKind::fully_connected, {g.inputs[0], w}, float_tensor("out", {1 << 16, 64}))};
  std::vector<std::uint8_t> file = convert::write_tflite(g);
  EXPECT_LT(file.size(), 20000u);
  PlanBudget budget;
  budget.multiply_adds = 50'000'000;
  EXPECT_EQ(refusal(read_tflite(file, "wide.tflite"), budget),
            "it needs 2.7e+08 multiply-adds per inference, over the budget of 5.0e+07");
  budget = {};
  budget.arena_bytes = 16u << 20;
  EXPECT_EQ(refusal(read_tflite(file, "wide.tflite"), budget), "it needs 32.0 MiB of arena, over the budget of 16.0 MiB");
}

TEST(PlanCost, FiguresSaturateInsteadOfWrappingAround) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(saturating_add(kMax - 1, 2), kMax);
  EXPECT_EQ(saturating_multiply(std::uint64_t{1} << 40, std::uint64_t{1} << 30), kMax);
  EXPECT_EQ(saturating_multiply(0, kMax), 0u);
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_multiply_adds(2'100'000'000), "2.1e+09");
}

}  // namespace
}  // namespace edgeml::runtime
