#include "model_testing.h"

#include <array>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "core/csv.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"

namespace edgeml::test {

using runtime::Graph;
using runtime::Interpreter;

// reference_outputs.csv: model,index,value,valueThreshold,prediction
int expect_reference_outputs(const std::function<Graph(const std::string& model)>& load) {
  std::ifstream in(shared_file(kReferenceOutputs));
  std::string line;
  std::getline(in, line);  // header
  int rows = 0;
  while (std::getline(in, line)) {
    std::array<std::string_view, 5> f;
    EXPECT_EQ(split_csv(line, f), 5u) << line;
    Interpreter interpreter(load(std::string(f[0])));
    std::span<float> x = interpreter.input(0);
    double index = 0, value = 0, threshold = 0, expected = 0;
    EXPECT_TRUE(parse_number(f[1], "index", index)) << line;
    EXPECT_TRUE(parse_number(f[4], "prediction", expected)) << line;
    x[0] = static_cast<float>(index);
    if (x.size() == 3) {
      EXPECT_TRUE(parse_number(f[2], "value", value)) << line;
      EXPECT_TRUE(parse_number(f[3], "valueThreshold", threshold)) << line;
      x[1] = static_cast<float>(value);
      x[2] = static_cast<float>(threshold);
    }
    interpreter.invoke();
    EXPECT_EQ(interpreter.output(0).size(), 1u) << line;
    double got = interpreter.output(0)[0];
    EXPECT_LE(std::fabs(got - expected), 1e-4 * std::max(1.0, std::fabs(expected))) << line << " gave " << got;
    ++rows;
  }
  return rows;
}

runtime::Tensor float_tensor(std::string name, std::vector<std::int32_t> shape, const std::vector<float>& values) {
  runtime::Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(values.data());
  t.constant.assign(bytes, bytes + values.size() * sizeof(float));
  return t;
}

}  // namespace edgeml::test
