#include "runtime/tflite_reader.h"

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "core/error.h"
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
