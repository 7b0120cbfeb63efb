// Proves the reference-runtime harnesses on model files that exist without
// edgeml: ONNX's own operator test models and the tutorial's .tflite models.
#include "support/reference_runtimes.h"

#include <array>
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "core/csv.h"
#include "core/error.h"
#include "support/test_support.h"

namespace edgeml::test {
namespace {

namespace fs = std::filesystem;

const fs::path kOnnxNodeTests = "/usr/share/libonnx-testdata/data/node";  // Debian's libonnx-testdata
constexpr const char* kSeedModels = "models/seed-tflite/";

// Deterministic values in [-5, 5) that are exact in float32.
std::vector<double> sample_values(std::size_t count, int seed) {
  std::vector<double> values;
  for (std::size_t i = 0; i < count; ++i) values.push_back(static_cast<double>((i * 37 + seed * 11) % 80) / 8.0 - 5.0);
  return values;
}

ReferenceTensor tensor(std::vector<std::int64_t> dims, int seed) {
  std::size_t count = 1;
  for (auto d : dims) count *= static_cast<std::size_t>(d);
  return {dims, sample_values(count, seed), {}};
}

bool close(double got, double expected, double relative) {
  return std::fabs(got - expected) <= relative * std::max(1.0, std::fabs(expected));
}

// Runs `call` expecting an Error whose message has every one of `parts`.
template <typename Call>
void expect_error_naming(Call call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(OnnxRuntime, RunsOnnxsReluTestModel) {
  EDGEML_REQUIRE_RUNTIME(onnxruntime_missing());
  ReferenceTensors inputs{{"x", tensor({3, 4, 5}, 1)}};
  ReferenceTensors outputs = run_in_onnxruntime(kOnnxNodeTests / "test_relu/model.onnx", inputs);
  ASSERT_EQ(outputs.count("y"), 1u);
  const ReferenceTensor& y = outputs["y"];
  EXPECT_EQ(y.type, "float32");
  EXPECT_EQ(y.dims, (std::vector<std::int64_t>{3, 4, 5}));
  ASSERT_EQ(y.values.size(), 60u);
  for (std::size_t i = 0; i < 60; ++i) EXPECT_EQ(y.values[i], std::max(0.0, inputs["x"].values[i])) << i;
}

// test_gemm_all_attributes computes y = alpha * a' * b' + beta * c with
// alpha 0.25, beta 0.35, transA = transB = 1, a [4, 3], b [5, 4], c [1, 5]
// broadcast over y [3, 5] (read from its model.onnx with protoc --decode_raw).
TEST(OnnxRuntime, RunsOnnxsGemmTestModelOnSeveralInputSets) {
  EDGEML_REQUIRE_RUNTIME(onnxruntime_missing());
  std::vector<ReferenceTensors> input_sets;
  for (int seed : {1, 2, 3})
    input_sets.push_back({{"a", tensor({4, 3}, seed)}, {"b", tensor({5, 4}, seed + 10)}, {"c", tensor({1, 5}, seed + 20)}});
  auto output_sets = run_in_onnxruntime(kOnnxNodeTests / "test_gemm_all_attributes/model.onnx", input_sets);
  ASSERT_EQ(output_sets.size(), input_sets.size());
  for (std::size_t s = 0; s < input_sets.size(); ++s) {
    const auto& a = input_sets[s]["a"].values;
    const auto& b = input_sets[s]["b"].values;
    const auto& c = input_sets[s]["c"].values;
    const ReferenceTensor& y = output_sets[s]["y"];
    ASSERT_EQ(y.dims, (std::vector<std::int64_t>{3, 5}));
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 5; ++j) {
        double sum = 0;
        for (std::size_t k = 0; k < 4; ++k) sum += a[k * 3 + i] * b[j * 4 + k];
        double expected = 0.25 * sum + 0.35 * c[j];
        EXPECT_TRUE(close(y.values[i * 5 + j], expected, 1e-5)) << "set " << s << " y[" << i << "][" << j << "] "
                                                                << y.values[i * 5 + j] << " vs " << expected;
      }
    }
  }
}

TEST(OnnxRuntime, ReportsBadModelsAndInputs) {
  EDGEML_REQUIRE_RUNTIME(onnxruntime_missing());
  TempDir dir;
  std::ofstream(dir / "bad.onnx") << "not a model";
  expect_error_naming([&] { run_in_onnxruntime(dir / "bad.onnx", ReferenceTensors{}); },
                      {"bad.onnx", "cannot load the model"});
  fs::path relu = kOnnxNodeTests / "test_relu/model.onnx";
  expect_error_naming([&] { run_in_onnxruntime(relu, ReferenceTensors{}); }, {"no value given for model input 'x'"});
  expect_error_naming([&] { run_in_onnxruntime(relu, ReferenceTensors{{"x", tensor({2}, 1)}}); },
                      {"Invalid rank for input: x"});
}

struct SeedRow {
  std::string model;
  std::vector<double> inputs;  // index, and for multi_var_LR value and valueThreshold
  double prediction = 0;
};

// reference_outputs.csv: model,index,value,valueThreshold,prediction
std::vector<SeedRow> read_seed_reference(const std::string& model) {
  std::ifstream in(shared_file(std::string(kSeedModels) + "reference_outputs.csv"));
  std::vector<SeedRow> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::array<std::string_view, 5> fields;
    if (split_csv(line, fields) != 5) throw Error("reference_outputs.csv: not 5 fields: " + line);
    if (fields[0] != model) continue;
    SeedRow row{model, {}, 0};
    std::size_t input_count = model == "multi_var_LR" ? 3 : 1;
    for (std::size_t i = 1; i <= input_count; ++i) {
      double value = 0;
      if (!parse_number(fields[i], "input", value)) throw Error("reference_outputs.csv: bad input: " + line);
      row.inputs.push_back(value);
    }
    if (!parse_number(fields[4], "prediction", row.prediction)) throw Error("reference_outputs.csv: " + line);
    rows.push_back(row);
  }
  return rows;
}

TEST(ArmNN, ReproducesTheMultiVariableModelsReferenceOutputs) {
  EDGEML_REQUIRE_SHARED(std::string(kSeedModels) + "reference_outputs.csv");
  EDGEML_REQUIRE_RUNTIME(armnn_missing());
  std::vector<SeedRow> rows = read_seed_reference("multi_var_LR");
  ASSERT_EQ(rows.size(), 10u);
  std::vector<ReferenceTensors> input_sets;
  for (const SeedRow& row : rows) input_sets.push_back({{"input_1", {{1, 3}, row.inputs, {}}}});
  auto output_sets = run_in_armnn(shared_file(std::string(kSeedModels) + "multi_var_LR.tflite"), input_sets);
  ASSERT_EQ(output_sets.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ReferenceTensor& out = output_sets[i]["Identity"];
    EXPECT_EQ(out.type, "float32");
    ASSERT_EQ(out.values.size(), 1u);
    EXPECT_TRUE(close(out.values[0], rows[i].prediction, 1e-4))
        << "index " << rows[i].inputs[0] << ": " << out.values[0] << " vs " << rows[i].prediction;
  }
}

// Arm NN 20.08's TfLite parser has no EXPAND_DIMS, which single_var_LR uses:
// the harness must say so instead of giving numbers. When Debian's Arm NN learns
// it, this test fails and should become a comparison like the one above.
TEST(ArmNN, SaysItCannotParseTheSingleVariableModelsExpandDims) {
  EDGEML_REQUIRE_SHARED(std::string(kSeedModels) + "single_var_LR.tflite");
  EDGEML_REQUIRE_RUNTIME(armnn_missing());
  expect_error_naming(
      [&] {
        run_in_armnn(shared_file(std::string(kSeedModels) + "single_var_LR.tflite"),
                     ReferenceTensors{{"input_1", {{1, 1}, {3000}, {}}}});
      },
      {"single_var_LR.tflite", "EXPAND_DIMS"});
}

TEST(ArmNN, ReportsBadModelsAndInputs) {
  EDGEML_REQUIRE_RUNTIME(armnn_missing());
  TempDir dir;
  std::ofstream(dir / "bad.tflite") << "not a model";
  expect_error_naming([&] { run_in_armnn(dir / "bad.tflite", ReferenceTensors{}); },
                      {"bad.tflite", "cannot read the model"});
  expect_error_naming([&] { run_in_armnn(dir / "absent.tflite", ReferenceTensors{}); }, {"absent.tflite", "no such file"});
}

TEST(ArmNN, ReportsInputsTheModelDoesNotTake) {
  EDGEML_REQUIRE_SHARED(std::string(kSeedModels) + "multi_var_LR.tflite");
  EDGEML_REQUIRE_RUNTIME(armnn_missing());
  expect_error_naming(
      [&] {
        run_in_armnn(shared_file(std::string(kSeedModels) + "multi_var_LR.tflite"),
                     ReferenceTensors{{"input_1", {{3}, {1, 2, 3}, {}}}});
      },
      {"dims [3] but the model wants [1, 3]"});
}

}  // namespace
}  // namespace edgeml::test
