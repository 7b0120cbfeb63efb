#include "convert/onnx_writer.h"

#include <cmath>

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "core/error.h"
#include "support/model_testing.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "runtime/onnx_reader.h"
#include "runtime/tflite_reader.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

Graph tutorial_model(const std::string& model) {
  return read_tflite_file(test::shared_file("models/seed-tflite/" + model + ".tflite"));
}

void expect_onnx_checker_accepts(const std::vector<std::uint8_t>& bytes) {
  ::onnx::ModelProto model;  // ONNX's own classes, for its checker
  ASSERT_TRUE(model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  EXPECT_NO_THROW(::onnx::checker::check_model(model));
}

TEST(OnnxWriter, TutorialModelsRoundTripThroughOnnxWithTheSameOutputs) {
  EDGEML_REQUIRE_SHARED(test::kReferenceOutputs);
  test::TempDir dir;
  int rows = test::expect_reference_outputs([&](const std::string& model) {
    std::filesystem::path file = dir / (model + ".onnx");
    convert::write_onnx_file(tutorial_model(model), file);
    EXPECT_EQ(model_format(read_model_bytes(file), file.string()), ModelFormat::onnx);
    return read_model_file(file);
  });
  EXPECT_EQ(rows, 20);
}

TEST(OnnxWriter, OnnxsCheckerAcceptsTheWrittenTutorialModels) {
  for (const char* model : {"multi_var_LR", "single_var_LR"}) {
    EDGEML_REQUIRE_SHARED(std::string("models/seed-tflite/") + model + ".tflite");
    expect_onnx_checker_accepts(convert::write_onnx(tutorial_model(model)));
  }
}

// in [2, 1, 3] -> FULLY_CONNECTED (relu6) -> [2, 2] -> CONCATENATION with a
// constant (tanh) -> [2, 3] -> EXPAND_DIMS [1, 2, 3] -> SQUEEZE [2, 3] ->
// MATMUL (transposed B, alpha, bias) [2, 2] -> CLIP -> LOGISTIC.
Graph every_writable_op() {
  Graph g;
  g.tensors = {runtime::float_tensor("in", {2, 1, 3}),
               runtime::float_tensor("w", {2, 3}, {1, -2, 3, 0.5f, 4, -1}),
               runtime::float_tensor("bias", {2}, {0.5f, -3}),
               runtime::float_tensor("fc", {2, 2}),
               runtime::float_tensor("extra", {2, 1}, {0.25f, -0.75f}),
               runtime::float_tensor("cat", {2, 3}),
               runtime::float_tensor("wide", {1, 2, 3}),
               runtime::float_tensor("narrow", {2, 3}),
               runtime::float_tensor("b", {2, 3}, {1, 0, -1, 2, 1, 0}),
               runtime::float_tensor("c", {2}, {0.1f, 0.2f}),
               runtime::float_tensor("mm", {2, 2}),
               runtime::float_tensor("clipped", {2, 2}),
               runtime::float_tensor("out", {2, 2})};
  auto op = [&](OpKind kind, std::vector<int> inputs, int output) {
    Op o;
    o.kind = kind;
    o.inputs = std::move(inputs);
    o.outputs = {output};
    g.ops.push_back(o);
    return &g.ops.back();
  };
  op(OpKind::fully_connected, {0, 1, 2}, 3)->activation = Activation::relu6;
  Op* cat = op(OpKind::concatenation, {3, 4}, 5);
  cat->axis = -1;
  cat->activation = Activation::tanh;
  op(OpKind::expand_dims, {5}, 6);
  op(OpKind::squeeze, {6}, 7);
  Op* mm = op(OpKind::matmul, {7, 8, 9}, 10);
  mm->transpose_b = true;
  mm->alpha = 0.5f;
  mm->beta = 2;
  Op* clip = op(OpKind::clip, {10}, 11);
  clip->clip_min = -0.3f;
  clip->clip_max = 0.4f;
  op(OpKind::logistic, {11}, 12);
  g.inputs = {0};
  g.outputs = {12};
  return g;
}

std::vector<float> run(Graph g, const std::vector<float>& input) {
  Interpreter interpreter(std::move(g));
  std::copy(input.begin(), input.end(), interpreter.input(0).begin());
  interpreter.invoke();
  return {interpreter.output(0).begin(), interpreter.output(0).end()};
}

TEST(OnnxWriter, EveryWritableOperatorRoundTripsWithTheSameOutputs) {
  Graph g = every_writable_op();
  std::vector<std::uint8_t> bytes = convert::write_onnx(g);
  expect_onnx_checker_accepts(bytes);
  Graph back = read_onnx(bytes, "written.onnx");
  EXPECT_EQ(back.tensors[static_cast<std::size_t>(back.outputs[0])].shape, (std::vector<std::int32_t>{2, 2}));
  for (const std::vector<float>& input :
       {std::vector<float>{1, 2, 3, -1, 0.5f, 2}, std::vector<float>{0, 0, 0, 9, -9, 1}}) {
    std::vector<float> want = run(g, input), got = run(back, input);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  }
}

TEST(OnnxWriter, RefusesWhatItCannotExpressNamingIt) {
  Graph g;
  g.tensors = {runtime::float_tensor("x", {4}), runtime::float_tensor("q", {4})};
  g.tensors[1].type = DataType::int8;
  Op quantize;
  quantize.kind = OpKind::quantize;
  quantize.inputs = {0};
  quantize.outputs = {1};
  g.ops = {quantize};
  g.inputs = {0};
  g.outputs = {1};
  try {
    convert::write_onnx(g);
    FAIL() << "wrote a QUANTIZE";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("QUANTIZE"), std::string::npos) << e.what();
  }
}

TEST(ModelCommand, DescribesAndRunsAnOnnxModel) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  test::TempDir dir;
  convert::write_onnx_file(tutorial_model("multi_var_LR"), dir / "m.onnx");
  Process info = test::run_edgeml({"model", "info", (dir / "m.onnx").string()}, dir / "info.log");
  ASSERT_EQ(info.wait_for(std::chrono::seconds(20)), 0) << test::read_file(dir / "info.log");
  std::string out = test::read_file(dir / "info.log");
  EXPECT_NE(out.find("m.onnx: ONNX, "), std::string::npos) << out;
  EXPECT_NE(out.find("input   input_1 float32 [1, 3]"), std::string::npos) << out;
  EXPECT_NE(out.find("MATMUL"), std::string::npos) << out;
  Process run =
      test::run_edgeml({"model", "run", (dir / "m.onnx").string(), "--input", "797,232,230"}, dir / "run.log");
  ASSERT_EQ(run.wait_for(std::chrono::seconds(20)), 0) << test::read_file(dir / "run.log");
  EXPECT_NE(test::read_file(dir / "run.log").find("797,232,230 -> 46.08"), std::string::npos)
      << test::read_file(dir / "run.log");
}

}  // namespace
}  // namespace edgeml::runtime
