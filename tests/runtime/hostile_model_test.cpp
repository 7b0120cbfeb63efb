// Models the fuzzer (tests/fuzz, scripts/fuzz) found to break the runtime,
// minimised and rebuilt here by code: each must now be refused with an Error
// that says what is wrong.
#include <chrono>

#include <gtest/gtest.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/onnx_reader.h"
#include "runtime/tflite_reader.h"
#include "support/tflite_builder.h"

namespace edgeml::runtime {
namespace {

using test::TfliteBuilder;
using test::TfliteOp;

// Reads and loads `bytes`; the Error raised on the way must contain `needle`.
void expect_refused(const std::vector<std::uint8_t>& bytes, const std::string& needle) {
  try {
    Interpreter interpreter(read_tflite(bytes, "hostile.tflite"));
    interpreter.invoke();
    FAIL() << "accepted and ran; expected an error saying: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(HostileModel, FullyConnectedWithoutInputOrWeightsIsRefused) {
  // -1 marks a left-out bias; as the input or the weights it was read as a tensor index.
  for (int missing : {0, 1}) {
    TfliteBuilder m;
    int x = m.tensor("x", {1, 2});
    int w = m.float_constant("w", {1, 2}, {1, 2});
    int y = m.tensor("y", {1, 1});
    std::vector<int> inputs{x, w};
    inputs[static_cast<std::size_t>(missing)] = -1;
    m.op(TfliteOp::fully_connected, inputs, {y});
    expect_refused(m.finish({x}, {y}), "refers to tensor -1");
  }
}

TEST(HostileModel, EmptyTensorWithHugeDimensionsIsRefused) {
  // 0 elements, yet ADD looped 50331650 times over the other dimension (found
  // as a timeout); with [0, 2^31 - 1, 2^31 - 1] it would never finish.
  for (std::vector<std::int32_t> shape : {std::vector<std::int32_t>{50331650, 0, 1 << 30},
                                          std::vector<std::int32_t>{0, 0x7fffffff, 0x7fffffff}}) {
    TfliteBuilder m;
    int a = m.tensor("a", {});
    int b = m.float_constant("b", {}, {1});
    int out = m.tensor("out", shape);
    m.op(TfliteOp::add, {a, b}, {out});
    expect_refused(m.finish({a}, {out}), "tensor 2 ('out') has a huge shape");
  }
}

TEST(HostileModel, TensorsTogetherLargerThanTheArenaLimitAreRefusedUnallocated) {
  // Each tensor is within the reader's bound; three of 1 GiB from a file of
  // a few hundred bytes are not.
  TfliteBuilder m;
  int a = m.tensor("a", {1 << 14, 1 << 14});
  int b = m.tensor("b", {1 << 14, 1 << 14});
  int out = m.tensor("out", {1 << 14, 1 << 14});
  m.op(TfliteOp::add, {a, b}, {out});
  expect_refused(m.finish({a, b}, {out}), "need more than 1073741824 bytes (at tensor 1 'b')");
}

TEST(HostileModel, EmptyTensorsCostNoWork) {
  // Found as a timeout: ADD looped 135004166 times to write an output of
  // shape [135004166, 0], which has no elements; 64 such ADDs took seconds.
  TfliteBuilder m;
  int a = m.tensor("a", {});
  int b = m.float_constant("b", {}, {1});
  int out = -1;
  for (int k = 0; k < 64; ++k) {
    out = m.tensor("out" + std::to_string(k), {1 << 28, 0});
    m.op(TfliteOp::add, {a, b}, {out});
  }
  Interpreter interpreter(read_tflite(m.finish({a}, {out}), "empty.tflite"));
  auto start = std::chrono::steady_clock::now();
  interpreter.invoke();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

// Found by fuzz_onnx_reader: a MatMul whose batch dimension is 0 made the
// kernel's planning walk the batches forever.
TEST(HostileModel, MatMulWithABatchDimensionOfZeroLoadsInBoundedTime) {
  const std::vector<std::uint8_t> model = {
      58, 110, 10, 17, 10, 1, 97, 10, 1, 98, 18, 1, 99, 34, 6, 77, 97, 116, 77, 117, 108, 18, 14, 116, 101, 115, 116,
      95, 109, 97, 116, 109, 117, 108, 95, 51, 100, 90, 23, 10, 1, 97, 18, 18, 10, 16, 8, 1, 18, 12, 10, 2, 8, 0, 10,
      2, 8, 3, 10, 2, 8, 4, 90, 23, 10, 1, 98, 18, 18, 10, 16, 8, 1, 18, 12, 10, 2, 8, 0, 10, 2, 8, 4, 10, 2, 8, 3,
      98, 23, 10, 1, 99, 18, 18, 10, 16, 241, 1, 18, 12, 10, 2, 8, 2, 10, 2, 8, 3, 10, 2, 8, 3, 66, 4, 10, 0, 16, 13};
  const auto started = std::chrono::steady_clock::now();
  try {
    Interpreter interpreter(read_onnx(model, "matmul-batch-0.onnx"));
    interpreter.invoke();
  } catch (const Error&) {
    // Refused with a reason is as good as loaded: what matters is that it ends.
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
}  // namespace edgeml::runtime
