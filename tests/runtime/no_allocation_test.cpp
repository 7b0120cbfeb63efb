// Proves invoke() allocates nothing.
#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/onnx_reader.h"
#include "runtime/onnx_writer.h"
#include "runtime/sample_models.h"
#include "runtime/tflite_reader.h"
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
    Interpreter from_onnx(read_onnx(write_onnx(g), "model.onnx"));
    expect_invoke_allocates_nothing(from_onnx, std::string(model) + " via ONNX");
  }
}

TEST(Interpreter, InvokeOfAnInt8ModelAllocatesNothing) {
  Interpreter interpreter(sample_relu_network_int8());
  interpreter.input(0)[0] = 797;
  test::start_counting_allocations();
  for (int i = 0; i < 1000; ++i) interpreter.invoke();
  EXPECT_EQ(test::stop_counting_allocations(), 0);
}

}  // namespace
}  // namespace edgeml::runtime
