#include "runtime/tflite_reader.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/sample_models.h"
#include "runtime/tflite_schema_generated.h"
#include "convert/tflite_writer.h"
#include "support/test_support.h"

namespace edgeml::runtime {
namespace {

constexpr const char* kMultiVar = "models/seed-tflite/multi_var_LR.tflite";
constexpr const char* kSingleVar = "models/seed-tflite/single_var_LR.tflite";

std::vector<std::uint8_t> bytes_of(const std::string& relative) {
  std::string text = test::read_file(test::shared_file(relative));
  return {text.begin(), text.end()};
}

std::vector<OpKind> kinds(const Graph& g) {
  std::vector<OpKind> out;
  for (const Op& op : g.ops) out.push_back(op.kind);
  return out;
}

TEST(TfliteReader, ReadsTheTutorialsMultiVariableModel) {
  EDGEML_REQUIRE_SHARED(kMultiVar);
  Graph g = read_tflite_file(test::shared_file(kMultiVar));
  // Keras' normalization layer became SUB and MUL before the dense layer.
  EXPECT_EQ(kinds(g), (std::vector<OpKind>{OpKind::sub, OpKind::mul, OpKind::fully_connected}));
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.inputs[0])].shape, (std::vector<std::int32_t>{1, 3}));
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.outputs[0])].shape, (std::vector<std::int32_t>{1, 1}));
  EXPECT_EQ(g.parameter_count(), 10u);  // mean 3, 1/stddev 3, weights 3, bias 1
  EXPECT_EQ(g.ops[2].activation, Activation::none);
}

TEST(TfliteReader, ReadsTheTutorialsSingleVariableModel) {
  EDGEML_REQUIRE_SHARED(kSingleVar);
  Graph g = read_tflite_file(test::shared_file(kSingleVar));
  ASSERT_FALSE(g.ops.empty());
  EXPECT_EQ(g.ops.back().kind, OpKind::fully_connected);
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.inputs[0])].element_count(), 1u);
}

void expect_error_naming(std::span<const std::uint8_t> bytes, const std::string& needle) {
  try {
    read_tflite(bytes, "bad.tflite");
    FAIL() << "accepted a bad model; expected: " << needle;
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("bad.tflite"), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST(TfliteReader, RefusesWhatIsNotAModel) {
  expect_error_naming({}, "no TFL3 identifier");
  std::vector<std::uint8_t> text{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'};
  expect_error_naming(text, "no TFL3 identifier");
  EXPECT_THROW(read_tflite_file("/nonexistent/model.tflite"), Error);
}

TEST(TfliteReader, RefusesATruncatedModel) {
  EDGEML_REQUIRE_SHARED(kMultiVar);
  std::vector<std::uint8_t> bytes = bytes_of(kMultiVar);
  for (std::size_t keep : {bytes.size() / 2, bytes.size() - 40, std::size_t{64}}) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_THROW(read_tflite(cut, "bad.tflite"), Error) << keep;
  }
}

TEST(TfliteReader, CorruptedBytesGiveAnErrorOrAValidGraphNeverACrash) {
  EDGEML_REQUIRE_SHARED(kMultiVar);
  const std::vector<std::uint8_t> good = bytes_of(kMultiVar);
  std::mt19937 rng(7);
  int refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::uint8_t> bytes = good;
    for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    try {
      Graph g = read_tflite(bytes, "bad.tflite");
      // Whatever was accepted is consistent: every index in range.
      for (const Op& op : g.ops)
        for (int i : op.inputs) EXPECT_LT(i, static_cast<int>(g.tensors.size()));
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace edgeml::runtime

namespace edgeml::runtime {
namespace {

TEST(ModelCommand, DescribesAndRunsAModelAndRefusesAnythingElse) {
  EDGEML_REQUIRE_SHARED(kMultiVar);
  test::TempDir dir;
  Process ok = test::run_edgeml({"model", "info", test::shared_file(kMultiVar).string()}, dir / "info.log");
  ASSERT_EQ(ok.wait_for(std::chrono::seconds(20)), 0) << test::read_file(dir / "info.log");
  std::string out = test::read_file(dir / "info.log");
  EXPECT_NE(out.find("input   input_1 float32 [1, 3]"), std::string::npos) << out;
  EXPECT_NE(out.find("FULLY_CONNECTED"), std::string::npos) << out;
  EXPECT_NE(out.find("params  10"), std::string::npos) << out;

  Process run = test::run_edgeml({"model", "run", test::shared_file(kMultiVar).string(), "--input", "797,232,230"},
                                 dir / "run.log");
  ASSERT_EQ(run.wait_for(std::chrono::seconds(20)), 0) << test::read_file(dir / "run.log");
  EXPECT_NE(test::read_file(dir / "run.log").find("797,232,230 -> 46.08"), std::string::npos)
      << test::read_file(dir / "run.log");
  Process wrong = test::run_edgeml({"model", "run", test::shared_file(kMultiVar).string(), "--input", "1,2"},
                                   dir / "wrong.log");
  ASSERT_EQ(wrong.wait_for(std::chrono::seconds(20)), 1);
  EXPECT_NE(test::read_file(dir / "wrong.log").find("the model takes 3"), std::string::npos);

  std::ofstream(dir / "fake.tflite") << "not a model";
  Process bad = test::run_edgeml({"model", "info", (dir / "fake.tflite").string()}, dir / "bad.log");
  ASSERT_EQ(bad.wait_for(std::chrono::seconds(20)), 1);
  EXPECT_NE(test::read_file(dir / "bad.log").find("no TFL3 identifier"), std::string::npos);
}

}  // namespace
}  // namespace edgeml::runtime

namespace edgeml::runtime {
namespace {

namespace fb = edgeml::tflite;

// input -> QUANTIZE -> 'q' (int8, quantized by `quantization`) -> DEQUANTIZE -> output.
std::vector<std::uint8_t> model_with_quantization(
    const std::function<flatbuffers::Offset<fb::QuantizationParameters>(flatbuffers::FlatBufferBuilder&)>& quantization) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<int> shape{1, 3};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors{
      fb::CreateTensorDirect(fbb, &shape, fb::TensorType::FLOAT32, 0, "input"),
      fb::CreateTensorDirect(fbb, &shape, fb::TensorType::INT8, 0, "q", quantization(fbb)),
      fb::CreateTensorDirect(fbb, &shape, fb::TensorType::FLOAT32, 0, "output")};
  std::vector<int> in{0}, q{1}, out{2};
  std::vector<flatbuffers::Offset<fb::Operator>> ops{fb::CreateOperatorDirect(fbb, 0, &in, &q),
                                                     fb::CreateOperatorDirect(fbb, 1, &q, &out)};
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes{fb::CreateOperatorCode(fbb, 114, 0, 1, 114),
                                                           fb::CreateOperatorCode(fbb, 6, 0, 2, 6)};
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs{fb::CreateSubGraphDirect(fbb, &tensors, &in, &out, &ops)};
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(fbb)};
  fb::FinishModelBuffer(fbb, fb::CreateModelDirect(fbb, 3, &codes, &subgraphs, nullptr, &buffers));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

auto per_tensor(std::vector<float> scales, std::vector<std::int64_t> zero_points) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return fb::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &scales, &zero_points);
  };
}

TEST(TfliteReader, ReadsPerTensorQuantization) {
  Graph g = read_tflite(model_with_quantization(per_tensor({0.5f}, {-3})), "good.tflite");
  EXPECT_EQ(g.tensors[1].scale, 0.5f);
  EXPECT_EQ(g.tensors[1].zero_point, -3);
}

TEST(TfliteReader, RefusesInconsistentQuantizationNamingTheTensor) {
  auto none = [](flatbuffers::FlatBufferBuilder&) { return flatbuffers::Offset<fb::QuantizationParameters>(); };
  expect_error_naming(model_with_quantization(none), "tensor 1 ('q') is int8 without a quantization scale");
  auto min_max_only = [](flatbuffers::FlatBufferBuilder& fbb) {
    std::vector<float> min{-1}, max{1};
    return fb::CreateQuantizationParametersDirect(fbb, &min, &max);
  };
  expect_error_naming(model_with_quantization(min_max_only), "'q') is int8 without a quantization scale");
  expect_error_naming(model_with_quantization(per_tensor({0.0f}, {0})), "'q') has quantization scale 0");
  expect_error_naming(model_with_quantization(per_tensor({-0.5f}, {0})), "'q') has quantization scale -0.5");
  expect_error_naming(model_with_quantization(per_tensor({NAN}, {0})), "'q') has quantization scale nan");
  expect_error_naming(model_with_quantization(per_tensor({0.5f}, {200})), "'q') has zero point 200");
  expect_error_naming(model_with_quantization(per_tensor({0.5f}, {-129})), "'q') has zero point -129");
  expect_error_naming(model_with_quantization(per_tensor({0.5f}, {})), "'q') has 0 zero points");
  expect_error_naming(model_with_quantization(per_tensor({0.5f, 0.25f, 1.0f}, {0, 0, 0})),
                      "'q') is quantized per channel (3 scales");
}

TEST(TfliteReader, RefusesAnInt8LayerWhoseBiasDoesNotFit) {
  Graph g = edgeml::test::sample_relu_network_int8();
  std::size_t layer = 1;  // the first FULLY_CONNECTED, after QUANTIZE
  ASSERT_EQ(g.ops[layer].kind, OpKind::fully_connected);
  Tensor& bias = g.tensors[static_cast<std::size_t>(g.ops[layer].inputs[2])];
  const Tensor original = bias;
  bias.type = DataType::float32;
  bias.scale = 0;
  expect_error_naming(convert::write_tflite(g), "bias 'dense1/bias' is float32; with int8 input it must be int32");
  bias = original;
  bias.scale *= 2;
  expect_error_naming(convert::write_tflite(g), "bias 'dense1/bias' has scale");
  bias = original;
  g.tensors[static_cast<std::size_t>(g.ops[layer].inputs[1])].type = DataType::float32;
  g.tensors[static_cast<std::size_t>(g.ops[layer].inputs[1])].constant.resize(64 * 3 * 4);
  expect_error_naming(convert::write_tflite(g), "weights 'dense1/kernel' is float32; with int8 input it must be int8");
}

}  // namespace
}  // namespace edgeml::runtime
