// Proves invoke() allocates nothing, and a model over its budget is refused
// before its arena is allocated.
#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/onnx_reader.h"
#include "convert/onnx_writer.h"
#include "support/sample_models.h"
#include "runtime/tflite_reader.h"
#include "convert/tflite_writer.h"
#include "core/error.h"
#include "support/allocation_counting.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

void expect_invoke_allocates_nothing(Interpreter& interpreter, const std::string& model) {
  interpreter.input(0)[0] = 100;
  test::start_counting_allocations();
  for (int i = 0; i < 1000; ++i) interpreter.invoke();
  EXPECT_EQ(test::stop_counting_allocations(), 0) << model;
  // The counter works: an allocation while counting is seen.
  test::start_counting_allocations();
  auto* probe = new int(1);
  EXPECT_EQ(test::stop_counting_allocations(), 1);
  delete probe;
}

TEST(Interpreter, InvokeAllocatesNothing) {
  for (const char* model : {"models/seed-tflite/multi_var_LR.tflite", "models/seed-tflite/single_var_LR.tflite"}) {
    EDGEML_REQUIRE_SHARED(model);
    Graph g = read_tflite_file(test::shared_file(model));
    Interpreter from_tflite(g);
    expect_invoke_allocates_nothing(from_tflite, model);
    // The same model through ONNX runs on MATMUL instead of FULLY_CONNECTED.
    Interpreter from_onnx(read_onnx(convert::write_onnx(g), "model.onnx"));
    expect_invoke_allocates_nothing(from_onnx, std::string(model) + " via ONNX");
  }
}

TEST(Interpreter, InvokeOfAnInt8ModelAllocatesNothing) {
  Interpreter interpreter(edgeml::test::sample_relu_network_int8());
  interpreter.input(0)[0] = 797;
  test::start_counting_allocations();
  for (int i = 0; i < 1000; ++i) interpreter.invoke();
  EXPECT_EQ(test::stop_counting_allocations(), 0);
}

TEST(Interpreter, AModelOverItsArenaBudgetIsRefusedBeforeTheArenaIsAllocated) {
  // Two inputs and a sum of 256 MiB each, within kMaxArenaBytes, from a file of a few hundred bytes.
  Graph g;
  int a = add_tensor(g, float_tensor("a", {1 << 13, 1 << 13}));
  int b = add_tensor(g, float_tensor("b", {1 << 13, 1 << 13}));
  g.inputs = {a, b};
  g.outputs = {add_op(g, OpKind::add, {a, b}, float_tensor("sum", {1 << 13, 1 << 13}))};
  std::vector<std::uint8_t> file = convert::write_tflite(g);
  ASSERT_LT(file.size(), 1000u);
  Graph read = read_tflite(file, "hostile.tflite");
  PlanBudget budget;
  budget.arena_bytes = 64u << 20;
  test::start_counting_allocations();
  try {
    Interpreter interpreter(std::move(read), {}, budget);
    ADD_FAILURE() << "a model of 768 MiB was accepted under a budget of 64 MiB";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "it needs 768.0 MiB of arena, over the budget of 64.0 MiB");
  }
  test::stop_counting_allocations();
  EXPECT_LT(test::largest_counted_allocation(), std::size_t{1} << 20);
}

}  // namespace
}  // namespace edgeml::runtime
