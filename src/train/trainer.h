// Trains the tutorial's four models the way Keras did: normalisation adapted
// on the training features, then dense layers, mean absolute error, Adam,
// batches of 32 drawn from the training rows shuffled every epoch, the last
// 20% of the training rows held out for validation. Two things Keras offers
// but the tutorial did not use are on by default: the moving average of the
// weights is what is validated, and the epoch validating best is kept. The
// linear models, by default, are not trained by Adam but fitted exactly: the
// same loss on the same rows, minimised (lad_fit.h). The same data, options
// and seed train the same model.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/mlp.h"
#include "train/prepare.h"
#include "train/training_result.h"

namespace edgeml::train {

struct ModelSpec {
  std::string name;
  FeatureSet features = FeatureSet::single;
  std::vector<int> hidden;  // ReLU units per hidden layer
  double learning_rate = 0.001;
};

// single_var_LR, multi_var_LR, DNN_single_regression, DNN_multi_regression.
const std::vector<ModelSpec>& tutorial_models();
// The spec named `name`; throws Error listing the names otherwise.
const ModelSpec& tutorial_model(const std::string& name);

struct TrainOptions {
  int epochs = 100;
  int batch_size = 32;
  double validation_fraction = 0.2;
  std::uint32_t seed = 0;
  // Keep the weights of the epoch with the lowest validation MAE (as Keras'
  // restore_best_weights does) instead of the last epoch's: with batches of 32
  // and MAE's constant-size gradients the last epoch is one draw from a noisy
  // walk. The held-out rows pick the epoch, never the test rows.
  bool keep_best_epoch = true;
  // Validate, keep and export the moving average of the weights (see
  // weight_average.h) with this momentum; 0 uses each step's weights as they are.
  double weight_average_momentum = 0.99;
  // Linear models (no hidden layer) fitted by least absolute deviations on the
  // training rows, the exact minimum of their MAE loss, instead of by Adam:
  // the same whatever the seed.
  bool exact_linear_fit = true;
  // Called after each epoch with its number (from 1); not for an exact fit.
  std::function<void(int epoch)> on_epoch;
};

struct TrainingData {
  EventTable train, test;
  LabelTransform label;
};

struct TrainedModel {
  ModelSpec spec;
  Normalization normalization;
  Mlp<float> network;
  TrainingResult result;

  // Predicted labels for raw (unnormalised) features, one row each.
  Eigen::VectorXf predict(const Eigen::MatrixXf& features) const;
};

// Throws Error when the data are too few (fewer than two training rows or no
// test row) or the options make no sense. Fewer rows than a batch train as one
// smaller batch per epoch, as Keras does.
TrainedModel train_model(const ModelSpec& spec, const TrainingData& data, const TrainOptions& options);

}  // namespace edgeml::train
