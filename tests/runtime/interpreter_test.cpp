#include "runtime/interpreter.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "reference_outputs.h"
#include "runtime/tflite_reader.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

TEST(Interpreter, ReproducesTheTutorialModelsReferenceOutputs) {
  EDGEML_REQUIRE_SHARED(test::kReferenceOutputs);
  std::vector<test::ReferenceRow> rows = test::read_reference_outputs();
  for (const test::ReferenceRow& row : rows) {
    Interpreter interpreter(read_tflite_file(test::shared_file("models/seed-tflite/" + row.model + ".tflite")));
    std::span<float> x = interpreter.input(0);
    ASSERT_EQ(x.size(), row.input.size()) << row.model;
    std::copy(row.input.begin(), row.input.end(), x.begin());
    interpreter.invoke();
    ASSERT_EQ(interpreter.output(0).size(), 1u);
    double got = interpreter.output(0)[0];
    EXPECT_TRUE(test::matches_reference(got, row.prediction)) << row.model << " " << row.input[0] << " gave " << got;
  }
  EXPECT_EQ(rows.size(), 20u);
}

TEST(Interpreter, BroadcastsAndFusesActivations) {
  // out = relu(a - b) with b broadcast over a's rows, built by hand.
  Graph g;
  auto tensor = [](std::string name, std::vector<std::int32_t> shape, std::vector<float> values = {}) {
    Tensor t;
    t.name = std::move(name);
    t.shape = std::move(shape);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(values.data());
    t.constant.assign(bytes, bytes + values.size() * sizeof(float));
    return t;
  };
  g.tensors = {tensor("a", {2, 3}), tensor("b", {3}, {1, 2, 3}), tensor("out", {2, 3})};
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

}  // namespace
}  // namespace edgeml::runtime
