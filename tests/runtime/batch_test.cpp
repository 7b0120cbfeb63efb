#include "runtime/batch.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

// Every row of a batch gives what the same sample gives alone.
void expect_batch_matches_single(const std::string& model, std::int32_t batch) {
  Graph g = read_tflite_file(test::shared_file("models/seed-tflite/" + model + ".tflite"));
  Interpreter single(g);
  Interpreter batched(with_batch(g, batch));
  const std::size_t width = single.input(0).size();
  ASSERT_EQ(batched.input(0).size(), width * static_cast<std::size_t>(batch));
  ASSERT_EQ(batched.output(0).size(), static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < batched.input(0).size(); ++i)
    batched.input(0)[i] = static_cast<float>(i % 7) * 13.5f + static_cast<float>(i / width);
  batched.invoke();
  for (std::size_t row = 0; row < static_cast<std::size_t>(batch); ++row) {
    std::copy_n(batched.input(0).begin() + static_cast<std::ptrdiff_t>(row * width), width, single.input(0).begin());
    single.invoke();
    float want = single.output(0)[0], got = batched.output(0)[row];
    EXPECT_LE(std::fabs(got - want), 1e-6f * std::max(1.0f, std::fabs(want))) << model << " row " << row;
  }
}

TEST(Batch, RowsOfABatchMatchSingleRuns) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  expect_batch_matches_single("multi_var_LR", 64);
  expect_batch_matches_single("single_var_LR", 64);  // input [1], EXPAND_DIMS to [1, 1]
  expect_batch_matches_single("multi_var_LR", 1);
}

TEST(Batch, RefusesWhatCannotBeBatched) {
  Graph g;
  Tensor in;
  in.name = "x";
  in.shape = {2, 3};
  g.tensors = {in};
  g.inputs = {0};
  g.outputs = {0};
  try {
    (void)with_batch(g, 8);
    FAIL() << "a [2, 3] input was re-batched";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  g.tensors[0].shape = {1, 3};
  EXPECT_THROW((void)with_batch(g, 0), Error);
  EXPECT_EQ(with_batch(g, 5).tensors[0].shape, (std::vector<std::int32_t>{5, 3}));
}

}  // namespace
}  // namespace edgeml::runtime
