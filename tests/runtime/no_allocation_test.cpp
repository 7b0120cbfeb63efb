// Proves invoke() allocates nothing: this test binary counts every operator
// new while a flag is up.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/onnx_reader.h"
#include "runtime/onnx_writer.h"
#include "runtime/sample_models.h"
#include "runtime/tflite_reader.h"
#include "support/test_support.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// The replacements below pair malloc with free; GCC cannot see that the
// replaced operator new is malloc and warns about the probe's delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace edgeml::runtime {
namespace {

void expect_invoke_allocates_nothing(Interpreter& interpreter, const std::string& model) {
  interpreter.input(0)[0] = 100;
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 1000; ++i) interpreter.invoke();
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0) << model;
  // The counter works: an allocation while counting is seen.
  g_counting = true;
  auto* probe = new int(1);
  g_counting = false;
  delete probe;
  EXPECT_EQ(g_allocations.load(), 1);
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
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 1000; ++i) interpreter.invoke();
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
}

}  // namespace
}  // namespace edgeml::runtime
