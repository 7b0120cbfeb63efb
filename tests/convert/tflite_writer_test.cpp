#include "convert/tflite_writer.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/reference_outputs.h"
#include "runtime/interpreter.h"
#include "support/sample_models.h"
#include "runtime/tflite_reader.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

Graph round_trip(const Graph& g) { return read_tflite(convert::write_tflite(g), "written.tflite"); }

// `read` is `written` as the writer promises: every tensor and operator the
// same, except that EXPAND_DIMS comes back as RESHAPE of its first input.
void expect_same_graph(const Graph& written, const Graph& read) {
  EXPECT_EQ(read.description, written.description);
  EXPECT_EQ(read.inputs, written.inputs);
  EXPECT_EQ(read.outputs, written.outputs);
  ASSERT_EQ(read.tensors.size(), written.tensors.size());
  for (std::size_t i = 0; i < written.tensors.size(); ++i) {
    const Tensor& a = written.tensors[i];
    const Tensor& b = read.tensors[i];
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.shape, a.shape) << a.name;
    EXPECT_EQ(b.type, a.type) << a.name;
    EXPECT_EQ(b.constant, a.constant) << a.name;
    EXPECT_EQ(b.scale, a.scale) << a.name;
    EXPECT_EQ(b.zero_point, a.zero_point) << a.name;
  }
  ASSERT_EQ(read.ops.size(), written.ops.size());
  for (std::size_t k = 0; k < written.ops.size(); ++k) {
    Op expected = written.ops[k];
    if (expected.kind == OpKind::expand_dims) {
      expected.kind = OpKind::reshape;
      expected.inputs.resize(1);
    }
    const Op& got = read.ops[k];
    EXPECT_EQ(got.kind, expected.kind) << k;
    EXPECT_EQ(got.inputs, expected.inputs) << k;
    EXPECT_EQ(got.outputs, expected.outputs) << k;
    EXPECT_EQ(got.activation, expected.activation) << k;
    EXPECT_EQ(got.axis, expected.axis) << k;
  }
}

std::vector<float> outputs_for(const Graph& g, const std::vector<float>& input) {
  Interpreter interpreter(g);
  std::copy(input.begin(), input.end(), interpreter.input(0).begin());
  interpreter.invoke();
  return {interpreter.output(0).begin(), interpreter.output(0).end()};
}

TEST(TfliteWriter, RewritesTheTutorialModelsToTheSameGraphAndOutputs) {
  EDGEML_REQUIRE_SHARED(test::kReferenceOutputs);
  test::TempDir dir;
  for (const test::ReferenceRow& row : test::read_reference_outputs()) {
    Graph original = read_tflite_file(test::shared_file("models/seed-tflite/" + row.model + ".tflite"));
    convert::write_tflite_file(original, dir / "rewritten.tflite");
    Graph rewritten = read_tflite_file(dir / "rewritten.tflite");
    expect_same_graph(original, rewritten);
    std::vector<float> got = outputs_for(rewritten, row.input);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(test::matches_reference(got[0], row.prediction)) << row.model << " " << row.input[0] << " gave " << got[0];
    EXPECT_EQ(got, outputs_for(original, row.input));
  }
}

TEST(TfliteWriter, SampleModelsReadBackTheSame) {
  for (const Graph& g : {edgeml::test::sample_linear_model(), edgeml::test::sample_relu_network()}) {
    Graph read = round_trip(g);
    expect_same_graph(g, read);
    for (const std::vector<float>& x : edgeml::test::sample_inputs(50)) EXPECT_EQ(outputs_for(read, x), outputs_for(g, x)) << g.description;
  }
  EXPECT_EQ(outputs_for(edgeml::test::sample_linear_model(), {797, 232, 230}), std::vector<float>{0.05f * 797 + 0.5f * 232 - 0.25f * 230 - 68.8f});
}

TEST(TfliteWriter, WritesExpandDimsAsReshapeAndKeepsSqueeze) {
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("input", {1, 3}))};
  int axis = add_tensor(g, Tensor{"axis", {}, DataType::int32, {1, 0, 0, 0}});
  int expanded = add_tensor(g, float_tensor("expanded", {1, 1, 3}));
  int squeezed = add_tensor(g, float_tensor("squeezed", {1, 3}));
  int summed = add_tensor(g, float_tensor("summed", {1, 3}));
  Op expand{OpKind::expand_dims, {g.inputs[0], axis}, {expanded}};
  Op squeeze{OpKind::squeeze, {expanded}, {squeezed}};
  Op add{OpKind::add, {squeezed, g.inputs[0]}, {summed}, Activation::relu};
  g.ops = {expand, squeeze, add};
  g.outputs = {summed};
  Graph read = round_trip(g);
  expect_same_graph(g, read);
  EXPECT_EQ(outputs_for(read, {1, -2, 3}), (std::vector<float>{2, 0, 6}));

  g.tensors[static_cast<std::size_t>(squeezed)].shape = {3, 1};  // not the input without its 1s
  EXPECT_THROW(convert::write_tflite(g), Error);
}

TEST(TfliteWriter, KeepsEachOperatorsOptions) {
  Graph g;
  g.inputs = {add_tensor(g, float_tensor("a", {2, 3})), add_tensor(g, float_tensor("b", {2, 3}))};
  auto out = [&](const char* name, std::vector<std::int32_t> shape = {2, 3}) {
    return add_tensor(g, float_tensor(name, std::move(shape)));
  };
  int sum = out("sum"), difference = out("difference"), product = out("product"), quotient = out("quotient");
  int joined = out("joined", {2, 6}), squashed = out("squashed"), bent = out("bent");
  g.ops = {Op{OpKind::add, {0, 1}, {sum}, Activation::relu6},
           Op{OpKind::sub, {0, 1}, {difference}, Activation::relu},
           Op{OpKind::mul, {sum, difference}, {product}},
           Op{OpKind::div, {product, 1}, {quotient}, Activation::tanh},
           Op{OpKind::concatenation, {quotient, sum}, {joined}, Activation::relu, 1},
           Op{OpKind::logistic, {quotient}, {squashed}},
           Op{OpKind::tanh, {squashed}, {bent}}};
  g.outputs = {joined, bent};
  expect_same_graph(g, round_trip(g));
}

TEST(TfliteWriter, RefusesWhatTheFormatCannotSay) {
  Graph g = edgeml::test::sample_linear_model();
  g.ops[0].inputs[1] = 99;
  EXPECT_THROW(convert::write_tflite(g), Error);
  g = edgeml::test::sample_linear_model();
  g.ops.push_back(Op{OpKind::relu, {g.outputs[0]}, {g.outputs[0]}, Activation::relu6});  // RELU has no fused activation
  EXPECT_THROW(convert::write_tflite(g), Error);
  EXPECT_THROW(convert::write_tflite_file(edgeml::test::sample_linear_model(), "/nonexistent/dir/model.tflite"), Error);
}

}  // namespace
}  // namespace edgeml::runtime
