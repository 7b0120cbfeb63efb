// Exported models: the graph's shape and names, and the written .tflite and
// .onnx files giving the trainer's own predictions in our runtime.
#include <gtest/gtest.h>

#include "runtime/model_file.h"
#include "support/test_support.h"
#include "train/model_export.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

using edgeml::test::TempDir;

TEST(TrainExport, GraphNormalisesThenRunsTheDenseLayers) {
  TrainingData data = test::synthetic_data(100);
  for (const ModelSpec& spec : tutorial_models()) {
    runtime::Graph g = model_graph(train_model(spec, data, test::quick_options(1)), "v1");
    const runtime::Tensor& input = g.tensors.at(static_cast<std::size_t>(g.inputs.at(0)));
    auto width = static_cast<std::int32_t>(spec.features.size());
    EXPECT_EQ(input.shape, (std::vector<std::int32_t>{1, width})) << spec.name;
    EXPECT_EQ(input.name, width == 1 ? "index" : "features");
    EXPECT_EQ(g.tensors.at(static_cast<std::size_t>(g.outputs.at(0))).shape, (std::vector<std::int32_t>{1, 1}));
    ASSERT_EQ(g.ops.size(), 2 + spec.layers.size()) << spec.name;
    EXPECT_EQ(g.ops[0].kind, runtime::OpKind::sub);
    EXPECT_EQ(g.ops[1].kind, runtime::OpKind::mul);
    for (std::size_t i = 2; i < g.ops.size(); ++i) {
      EXPECT_EQ(g.ops[i].kind, runtime::OpKind::fully_connected);
      EXPECT_EQ(g.ops[i].activation, i + 1 < g.ops.size() ? runtime::Activation::relu : runtime::Activation::none);
    }
  }
}

TEST(TrainExport, WrittenFilesGiveTheTrainersPredictions) {
  TrainingData data = test::synthetic_data(300);
  TempDir dir;
  for (const ModelSpec& spec : tutorial_models()) {
    TrainedModel m = train_model(spec, data, test::quick_options(5));
    test::expect_files_reproduce(m, data.test, data, dir.path());
    test::expect_files_reproduce(m, data.train, data, dir.path());
  }
}

// Adam's models depend on the seed; the linear models' exact fit does not.
TEST(TrainExport, SameSeedSameModelOtherSeedOtherModelUnlessFittedExactly) {
  TrainingData data = test::synthetic_data(200);
  for (bool exact : {true, false}) {
    TrainOptions options = test::quick_options(4);
    options.exact_linear_fit = exact;
    for (const ModelSpec& spec : tutorial_models()) {
      TrainedModel a = train_model(spec, data, options), b = train_model(spec, data, options);
      options.seed += 1;
      TrainedModel c = train_model(spec, data, options);
      options.seed -= 1;
      EXPECT_EQ(a.result.loss, b.result.loss) << spec.name;
      EXPECT_EQ(a.result.test_prediction, b.result.test_prediction) << spec.name;
      if (exact && spec.is_linear()) {
        EXPECT_EQ(a.result.fit, "least absolute deviations") << spec.name;
        EXPECT_EQ(a.result.test_prediction, c.result.test_prediction) << spec.name;
      } else {
        EXPECT_EQ(a.result.fit, "adam") << spec.name;
        EXPECT_NE(a.result.test_prediction, c.result.test_prediction) << spec.name;
      }
    }
  }
}

TEST(TrainExport, ResultIsFilledCompletely) {
  TrainingData data = test::synthetic_data(100);
  TrainedModel m = train_model(tutorial_models()[3], data, test::quick_options(6));
  const TrainingResult& r = m.result;
  EXPECT_EQ(r.name, "DNN_multi_regression");
  EXPECT_EQ(r.features, (std::vector<std::string>{"index", "value", "valueThreshold"}));
  EXPECT_EQ(r.loss.size(), 6u);
  EXPECT_EQ(r.val_loss.size(), 6u);
  EXPECT_GT(r.train_mae, 0);
  EXPECT_GT(r.val_mae, 0);
  EXPECT_GT(r.test_mae, 0);
  EXPECT_GT(r.training_seconds, 0);
  ASSERT_EQ(r.test_index.size(), 20u);
  ASSERT_EQ(r.test_truth.size(), 20u);
  ASSERT_EQ(r.test_prediction.size(), 20u);
  EXPECT_EQ(r.test_index[0], data.test.rows(0, kIndex));
  EXPECT_FLOAT_EQ(static_cast<float>(r.test_truth[0]), static_cast<float>(LabelTransform{}.apply(data.test.rows(0, kEventTime))));
}

}  // namespace
}  // namespace edgeml::train
