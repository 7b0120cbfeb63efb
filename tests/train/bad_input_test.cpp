// Bad training input gives an Error saying what and where, or a documented
// fallback; never a crash or a model with NaN in it.
#include <gtest/gtest.h>

#include "core/error.h"
#include "support/test_support.h"
#include "train/prepare.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;
using test::write_text;

constexpr const char* kHeader = "index,event_time,value,valueThreshold,isActive\n";

// The Error read_events gives for a file holding `text`; fails without one.
std::string read_error(const std::string& text) {
  TempDir dir;
  auto path = write_text(dir / "bad.csv", text);
  try {
    EventTable t = read_events(path, "");
    TrainTestSplit split = random_split(t, 0.8, 0);
    train_model(tutorial_models()[0], {split.train, split.test, {}}, test::quick_options());
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

void expect_error(const std::string& text, const std::string& expected) {
  std::string message = read_error(text);
  EXPECT_NE(message.find(expected), std::string::npos) << "'" << message << "' lacks '" << expected << "'";
}

TEST(TrainBadInput, EmptyFile) { expect_error("", "empty file"); }

TEST(TrainBadInput, HeaderOnly) { expect_error(kHeader, "0 rows"); }

TEST(TrainBadInput, MissingColumn) {
  expect_error("index,event_time,value,isActive\n1,2,3,True\n", "no column 'valueThreshold'");
}

TEST(TrainBadInput, ExtraColumn) {
  expect_error("index,event_time,value,valueThreshold,isActive,station\n1,2,3,4,True,5\n", "unexpected column 'station'");
}

TEST(TrainBadInput, NoHeader) { expect_error("0.0,1487441883.0,231,230,True\n", "unexpected column '0.0'"); }

TEST(TrainBadInput, RowWithTooManyCells) {
  expect_error(std::string(kHeader) + "1,1487441883,231,230,True\n2,1487441884,231,230,True,9\n", "bad.csv:3: 6 cells");
}

TEST(TrainBadInput, NonNumericCell) {
  expect_error(std::string(kHeader) + "1,1487441883,231,230,True\n2,1487441884,abc,230,True\n", "bad.csv:3");
}

TEST(TrainBadInput, NonBooleanIsActive) {
  expect_error(std::string(kHeader) + "1,1487441883,231,230,maybe\n", "bad.csv:2");
}

TEST(TrainBadInput, Infinity) {
  expect_error(std::string(kHeader) + "1,1487441883,inf,230,True\n", "bad.csv:2");
}

TEST(TrainBadInput, BeyondFloat32) {
  std::string text = kHeader;
  for (int i = 0; i < 10; ++i) text += (i == 3 ? "1e300" : std::to_string(i)) + ",1487441883,231,230,True\n";
  expect_error(text, "float32");
}

TEST(TrainBadInput, NotAFile) {
  TempDir dir;
  EXPECT_THROW(read_events(dir / "absent.csv", ""), Error);
  EXPECT_THROW(read_events(dir.path(), ""), Error);
}

TEST(TrainBadInput, SeriesWithACsvFile) {
  TempDir dir;
  EXPECT_THROW(read_events(write_text(dir / "d.csv", test::synthetic_csv(10)), "1/2/3"), Error);
}

TEST(TrainBadInput, TooFewRowsToSplit) {
  std::string text = std::string(kHeader) + "1,1487441883,231,230,True\n";
  expect_error(text, "1 rows cannot be split");
}

TEST(TrainBadInput, TooFewTrainingRowsForValidation) {
  TrainingData data = test::synthetic_data(10);
  data.train.rows.conservativeResize(1, Eigen::NoChange);
  EXPECT_THROW(train_model(tutorial_models()[0], data, test::quick_options()), Error);
}

bool finite_model(const TrainedModel& m) {
  for (const auto& layer : m.network.layers())
    if (!layer.weights.allFinite() || !layer.bias.allFinite()) return false;
  return m.normalization.factor.allFinite() && m.normalization.mean.allFinite() && std::isfinite(m.result.test_mae);
}

// A column with one value has zero variance: it is centred, not scaled.
TEST(TrainBadInput, ConstantFeatureTrainsAFiniteModel) {
  TrainingData data = test::synthetic_data(200);
  data.train.rows.col(kValue).setConstant(231);
  data.test.rows.col(kValue).setConstant(231);
  for (const ModelSpec& spec : tutorial_models()) {
    TrainedModel m = train_model(spec, data, test::quick_options());
    EXPECT_TRUE(finite_model(m)) << spec.name;
    if (spec.features.size() == 3) {
      EXPECT_EQ(m.normalization.factor(1), 1) << spec.name;
    }
  }
}

// Fewer rows than a batch: one smaller batch per epoch, as Keras does.
TEST(TrainBadInput, FewerRowsThanABatchTrainOneSmallBatch) {
  TrainingData data = test::synthetic_data(12);
  ASSERT_LT(data.train.rows.rows(), 32);
  for (const ModelSpec& spec : tutorial_models()) {
    TrainedModel m = train_model(spec, data, test::quick_options(20));
    EXPECT_TRUE(finite_model(m)) << spec.name;
    // An exact fit's curve has one point per iteration, Adam's one per epoch.
    if (spec.is_linear())
      EXPECT_GE(m.result.loss.size(), static_cast<std::size_t>(m.result.kept_epoch)) << spec.name;
    else
      EXPECT_EQ(m.result.loss.size(), 20u) << spec.name;
  }
}

// A constant label is learnable; nothing divides by its spread.
TEST(TrainBadInput, ConstantLabelTrainsAFiniteModel) {
  TrainingData data = test::synthetic_data(50);
  data.train.rows.col(kEventTime).setConstant(1487508915);
  data.test.rows.col(kEventTime).setConstant(1487508915);
  for (const ModelSpec& spec : tutorial_models()) EXPECT_TRUE(finite_model(train_model(spec, data, test::quick_options())));
}

TEST(TrainBadInput, UnknownModelNameListsTheModels) {
  try {
    tutorial_model("svm");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DNN_multi_regression"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgeml::train
