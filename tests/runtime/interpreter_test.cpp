#include "runtime/interpreter.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/csv.h"
#include "core/error.h"
#include "runtime/tflite_reader.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

constexpr const char* kReference = "models/seed-tflite/reference_outputs.csv";

// reference_outputs.csv: model,index,value,valueThreshold,prediction
TEST(Interpreter, ReproducesTheTutorialModelsReferenceOutputs) {
  EDGEML_REQUIRE_SHARED(kReference);
  std::ifstream in(test::shared_file(kReference));
  std::string line;
  std::getline(in, line);  // header
  int rows = 0;
  while (std::getline(in, line)) {
    std::array<std::string_view, 5> f;
    ASSERT_EQ(split_csv(line, f), 5u) << line;
    std::string model(f[0]);
    Interpreter interpreter(read_tflite_file(test::shared_file("models/seed-tflite/" + model + ".tflite")));
    std::span<float> x = interpreter.input(0);
    double index = 0, value = 0, threshold = 0, expected = 0;
    ASSERT_TRUE(parse_number(f[1], "index", index));
    ASSERT_TRUE(parse_number(f[4], "prediction", expected));
    x[0] = static_cast<float>(index);
    if (x.size() == 3) {
      ASSERT_TRUE(parse_number(f[2], "value", value));
      ASSERT_TRUE(parse_number(f[3], "valueThreshold", threshold));
      x[1] = static_cast<float>(value);
      x[2] = static_cast<float>(threshold);
    }
    interpreter.invoke();
    ASSERT_EQ(interpreter.output(0).size(), 1u);
    double got = interpreter.output(0)[0];
    EXPECT_LE(std::fabs(got - expected), 1e-4 * std::max(1.0, std::fabs(expected))) << line << " gave " << got;
    ++rows;
  }
  EXPECT_EQ(rows, 20);
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
