// Trains a model as its spec says (model_spec.h) the way Keras would:
// normalisation adapted on the training features, dense layers, the spec's
// loss and optimiser over batches drawn from the training rows shuffled every
// epoch, the spec's last share of the training rows held out for validation.
// Two things Keras offers but the tutorial did not use are on by default: the
// moving average of the weights is what is validated, and the epoch
// validating best is kept. A linear model with the MAE loss, by default, is
// not trained by an optimiser but fitted by least absolute deviations: the
// same loss on the same rows, minimised (lad_fit.h), its iterations standing
// for epochs (the one validating best is kept). The same data, options and
// seed train the same model.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "train/mlp.h"
#include "train/model_spec.h"
#include "train/prepare.h"
#include "train/training_result.h"

namespace edgeml::train {

struct TrainOptions {
  std::uint32_t seed = 0;
  // Every model's epochs instead of its spec's, when set.
  std::optional<int> epochs;
  // Keep the weights of the epoch with the lowest validation loss (as Keras'
  // restore_best_weights does) instead of the last epoch's: with batches of 32
  // and MAE's constant-size gradients the last epoch is one draw from a noisy
  // walk. The held-out rows pick the epoch, never the test rows. For an exact
  // fit, the iteration: its path from least squares to the minimum of the
  // training rows' MAE passes fits that validate better than either end.
  bool keep_best_epoch = true;
  // Validate, keep and export the moving average of the weights (see
  // weight_average.h) with this momentum; 0 uses each step's weights as they are.
  double weight_average_momentum = 0.99;
  // Linear models trained on the MAE fitted by least absolute deviations on
  // the training rows, the exact minimum of their loss, instead of by the
  // optimiser: the same whatever the seed.
  bool exact_linear_fit = true;
  // Called after each epoch with its number (from 1) and the epochs planned;
  // not for an exact fit.
  std::function<void(int epoch, int epochs)> on_epoch;
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
  std::string series;  // STATION/DATAPOINT/ALARM it is for, when one of several; empty: any

  // Its name in the manifest and its files': the spec's, with "@STATION_DATAPOINT_ALARM"
  // for a model of one of several series.
  std::string entry_name() const;

  // Predicted labels for raw (unnormalised) inputs (spec.inputs()), one row each.
  Eigen::VectorXf predict(const Eigen::MatrixXf& inputs) const;
};

// `rows`' examples for `spec`'s features; derived features read the past of
// the series that data.train and data.test hold together.
Examples examples_for(const ModelSpec& spec, const EventTable& rows, const TrainingData& data);

// The epochs `spec` trains for under `options`.
int planned_epochs(const ModelSpec& spec, const TrainOptions& options);

// Throws Error when the data are too few (fewer than two training rows or no
// test row) or the options make no sense. Fewer rows than a batch train as one
// smaller batch per epoch, as Keras does.
TrainedModel train_model(const ModelSpec& spec, const TrainingData& data, const TrainOptions& options);

}  // namespace edgeml::train
