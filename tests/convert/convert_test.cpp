// Converting between formats: dense layers become FULLY_CONNECTED for
// TensorFlow Lite, and `edgeml model convert` keeps what a model computes.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/model_testing.h"
#include "runtime/dense_layers.h"
#include "runtime/interpreter.h"
#include "runtime/model_file.h"
#include "runtime/tflite_reader.h"
#include "convert/tflite_writer.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

// y = alpha * x . B' + beta * C, as ONNX's Gemm says it, with B [in, out]
// (transB 0) or [out, in] (transB 1).
Graph gemm(bool transpose_b, bool constant_b = true) {
  Graph g;
  std::vector<float> b = transpose_b ? std::vector<float>{1, -2, 3, 0.5f, 4, -1} : std::vector<float>{1, 0.5f, -2, 4, 3, -1};
  g.tensors = {float_tensor("x", {1, 3}), float_tensor("B", transpose_b ? std::vector<std::int32_t>{2, 3} : std::vector<std::int32_t>{3, 2}, constant_b ? b : std::vector<float>{}),
               float_tensor("C", {2}, {0.25f, -8}), float_tensor("y", {1, 2})};
  g.inputs = {0};
  if (!constant_b) g.inputs.push_back(1);
  g.outputs = {3};
  Op op;
  op.kind = OpKind::matmul;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  op.transpose_b = transpose_b;
  op.alpha = 2;
  op.beta = 0.5f;
  g.ops = {op};
  return g;
}

std::vector<float> run(const Graph& g, std::vector<float> x) {
  Interpreter interpreter(g);
  std::copy(x.begin(), x.end(), interpreter.input(0).begin());
  interpreter.invoke();
  return {interpreter.output(0).begin(), interpreter.output(0).end()};
}

TEST(DenseLayers, GemmBecomesAFullyConnectedLayerComputingTheSame) {
  for (bool transpose_b : {false, true}) {
    Graph g = gemm(transpose_b);
    Graph dense = matmuls_as_fully_connected(g);
    ASSERT_EQ(dense.ops[0].kind, OpKind::fully_connected);
    EXPECT_EQ(dense.tensors.size(), 4u) << "the original B and C are dropped";
    std::vector<float> want = run(g, {1, 2, 3}), got = run(dense, {1, 2, 3});
    ASSERT_EQ(got.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << "transB " << transpose_b;
    EXPECT_EQ(Interpreter(g).graph().ops[0].kind, OpKind::fully_connected) << "runs on the packed kernel";
    Graph again = read_tflite(convert::write_tflite(g), "gemm");
    EXPECT_EQ(run(again, {1, 2, 3}), got);
  }
}

TEST(DenseLayers, AMatMulOfTwoInputsStaysAndTheTfliteWriterSaysWhy) {
  Graph g = gemm(false, false);
  EXPECT_EQ(matmuls_as_fully_connected(g).ops[0].kind, OpKind::matmul);
  try {
    (void)convert::write_tflite(g);
    FAIL() << "wrote a MATMUL TensorFlow Lite has no form for";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MATMUL"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("constant 2-D B"), std::string::npos) << e.what();
  }
}

TEST(DenseLayers, RemovingUnusedTensorsRenumbersTheRest) {
  Graph g = gemm(true);
  g.tensors.insert(g.tensors.begin(), float_tensor("orphan", {4}, {1, 2, 3, 4}));
  for (Op& op : g.ops) {
    for (int& i : op.inputs) ++i;
    for (int& i : op.outputs) ++i;
  }
  for (int& i : g.inputs) ++i;
  for (int& i : g.outputs) ++i;
  std::vector<float> want = run(g, {1, 2, 3});
  remove_unused_tensors(g);
  EXPECT_EQ(g.tensors.size(), 4u);
  EXPECT_EQ(g.tensors[0].name, "x");
  EXPECT_EQ(run(g, {1, 2, 3}), want);
}

TEST(ModelConvert, TutorialModelsGoToOnnxAndBackComputingTheSame) {
  EDGEML_REQUIRE_SHARED(test::kReferenceOutputs);
  test::TempDir dir;
  for (std::string model : {"single_var_LR", "multi_var_LR"}) {
    std::string tflite = test::shared_file("models/seed-tflite/" + model + ".tflite").string();
    std::string onnx = (dir / (model + ".onnx")).string(), back = (dir / (model + ".tflite")).string();
    for (auto [from, to] : {std::pair{tflite, onnx}, std::pair{onnx, back}}) {
      Process convert = test::run_edgeml({"model", "convert", from, to}, dir / "convert.log");
      ASSERT_EQ(convert.wait_for(std::chrono::seconds(20)), 0) << test::read_file(dir / "convert.log");
      EXPECT_NE(test::read_file(dir / "convert.log").find("same outputs on 16 probe inputs"), std::string::npos)
          << test::read_file(dir / "convert.log");
    }
  }
  EXPECT_EQ(test::expect_reference_outputs([&](const std::string& m) { return read_model_file(dir / (m + ".onnx")); }), 20);
  EXPECT_EQ(test::expect_reference_outputs([&](const std::string& m) { return read_model_file(dir / (m + ".tflite")); }), 20);
}

TEST(ModelConvert, RefusesUnknownFormatsAndUnreadableFiles) {
  test::TempDir dir;
  std::ofstream(dir / "junk.onnx") << "neither format";
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : {Case{{(dir / "junk.onnx").string(), (dir / "out.tflite").string()}, "junk.onnx"},
                        Case{{(dir / "missing.tflite").string(), (dir / "out.onnx").string()}, "missing.tflite"},
                        Case{{(dir / "junk.onnx").string(), (dir / "out.txt").string()}, "must be .tflite or .onnx"}}) {
    std::vector<std::string> args{"model", "convert"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Process convert = test::run_edgeml(args, dir / "convert.log");
    EXPECT_EQ(convert.wait_for(std::chrono::seconds(20)), 1);
    EXPECT_NE(test::read_file(dir / "convert.log").find(c.says), std::string::npos) << test::read_file(dir / "convert.log");
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out.tflite"));
}

}  // namespace
}  // namespace edgeml::runtime
