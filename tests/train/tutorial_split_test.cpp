// Acceptance: on the tutorial's own split, with the default hyper-parameters,
// every model's mean test MAE over seeds 0-9 is at or below the better of the
// tutorial's Keras model's and PyTorch's mean over the same seeds with the
// tutorial's recipe, and the default seed's at most 1% above the tutorial's.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "train_testing.h"

namespace edgeml::train {
namespace {

// ../shared/spec/wire-protocol.md: the tutorial's test MAE on this split.
const std::map<std::string, double> kTutorialTestMae = {
    {"single_var_LR", 1.398},
    {"multi_var_LR", 1.418},
    {"DNN_single_regression", 0.639},
    {"DNN_multi_regression", 0.740},
};

// PyTorch's mean test MAE over seeds 0-9 with the tutorial's recipe, the best
// validation epoch of the weights' moving average kept, as bench_train
// measures it (bench/train/torch_baseline.py; bench/README.md).
const std::map<std::string, double> kPyTorchMeanTestMae = {
    {"single_var_LR", 1.389},
    {"multi_var_LR", 1.414},
    {"DNN_single_regression", 0.616},
    {"DNN_multi_regression", 0.636},
};

// The tutorial's figures are one Keras run each, and one run's test MAE
// depends on the seed about as much as the recipes differ, so the test
// compares the mean over seeds 0-9. Over seeds 0-29, test MAE mean (standard
// deviation) and the seeds reaching the tutorial's figure:
//                          defaults (*)         Adam (**)            last epoch, no average (Keras' own)
//   single_var_LR          1.388 (0.000) 30     1.389 (0.000) 30     1.396 (0.009) 22
//   multi_var_LR           1.387 (0.000) 30     1.415 (0.017) 18     1.448 (0.040) 10
//   DNN_single_regression  0.461 (0.028) 30     0.628 (0.022) 22     0.646 (0.025) 12
//   DNN_multi_regression   0.470 (0.037) 30     0.644 (0.037) 29     0.677 (0.056) 27
// (*) the linear models fitted by least absolute deviations, the iteration
// validating best kept; the DNNs trained by Adam at 0.03 (model_spec.cpp),
// the best validation epoch of the weights' moving average kept (trainer.h).
// (**) as before those: Adam at the tutorial's rates for all four
// (--adam-linear), the best validation epoch of the moving average kept.
// bench_train over seeds 0-9 has PyTorch's means on the tutorial's recipe
// with that epoch and average at 1.389, 1.414, 0.616, 0.636; on the last-epoch
// recipe (bench/train/torch_baseline.py) it spreads like ours: means 1.395,
// 1.458, 0.638, 0.696.
// multi_var_LR's spread comes from one test row with value 331 (every other
// row has 231): only the value and threshold weights predict it, and they
// are learnt from the single training row with 331, which no validation row
// resembles.
TEST(TrainTutorialSplit, EveryModelIsOnAverageAtLeastAsGoodAsTheTutorials) {
  EDGEML_REQUIRE_SHARED("data/bts/split/train.csv");
  EDGEML_REQUIRE_SHARED("data/bts/split/test.csv");
  TrainingData data{read_training_csv(edgeml::test::shared_file("data/bts/split/train.csv")),
                    read_training_csv(edgeml::test::shared_file("data/bts/split/test.csv")), {}};
  ASSERT_EQ(data.train.rows.rows(), 1278);
  ASSERT_EQ(data.test.rows.rows(), 320);
  constexpr int kSeeds = 10;
  edgeml::test::TempDir dir;
  for (const ModelSpec& spec : tutorial_models()) {
    double sum = 0;
    for (int seed = 0; seed < kSeeds; ++seed) {
      TrainOptions options;  // 100 epochs, batch 32
      options.seed = static_cast<std::uint32_t>(seed);
      TrainedModel m = train_model(spec, data, options);
      sum += m.result.test_mae;
      if (seed == 0) {
        test::expect_files_reproduce(m, data.test, data, dir.path());
        EXPECT_LE(m.result.test_mae, 1.01 * kTutorialTestMae.at(spec.name)) << spec.name << ", seed 0";
      }
    }
    const double bar = std::min(kTutorialTestMae.at(spec.name), kPyTorchMeanTestMae.at(spec.name));
    EXPECT_LE(sum / kSeeds, bar) << spec.name << ", mean over seeds 0-" << kSeeds - 1;
    RecordProperty(spec.name + "_mean_test_mae", std::to_string(sum / kSeeds));
  }
}

}  // namespace
}  // namespace edgeml::train
