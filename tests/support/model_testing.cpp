#include "support/model_testing.h"

#include <gtest/gtest.h>

#include "runtime/interpreter.h"

namespace edgeml::test {

int expect_reference_outputs(const std::function<runtime::Graph(const std::string& model)>& load) {
  int rows = 0;
  for (const ReferenceRow& row : read_reference_outputs()) {
    runtime::Interpreter interpreter(load(row.model));
    std::span<float> x = interpreter.input(0);
    EXPECT_EQ(x.size(), row.input.size()) << row.model;
    if (x.size() != row.input.size()) continue;
    std::copy(row.input.begin(), row.input.end(), x.begin());
    interpreter.invoke();
    EXPECT_EQ(interpreter.output(0).size(), 1u) << row.model;
    double got = interpreter.output(0)[0];
    EXPECT_TRUE(matches_reference(got, row.prediction)) << row.model << " " << row.input[0] << " gave " << got;
    ++rows;
  }
  return rows;
}

}  // namespace edgeml::test
