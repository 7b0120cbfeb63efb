// Data preparation as the tutorial did it: the label is the event time in
// thousands of seconds after an offset (protocol/label.h); the features are
// columns named by the model's spec (the tutorial's: `index`, or `index,
// value, valueThreshold`); a
// seeded 80/20 train/test split; the last 20% of the training rows held out
// for validation (Keras' validation_split, taken before any shuffling).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "protocol/label.h"
#include "protocol/past_features.h"
#include "train/dataset.h"

namespace edgeml::train {

struct LabelTransform {
  double offset = kLabelOffset;
  double scale = kLabelScale;

  double apply(double event_time) const { return (event_time - offset) / scale; }
};

// Training examples in float32, as Keras holds them.
struct Examples {
  Eigen::MatrixXf x;  // one example per row
  Eigen::VectorXf y;
  std::vector<Eigen::Index> rows;  // the table's row of each example
};

// Every event of each series, ascending by index, one per index: the past
// that derived features (protocol/past_features.h) read for any of its rows.
// Keyed by series, "" for the rows of one series.
using SeriesPast = std::map<std::string, std::vector<PastEvent>>;
SeriesPast series_events(const std::vector<const EventTable*>& parts);

// `features`: columns (index, value, valueThreshold), series:S (1 for a row
// of series S) and derived features, which read `past` (series_events()); a
// row without the past events one needs is left out, so `rows` tells which
// rows the examples are. Throws Error for an unknown feature, or a derived
// one without `past`.
Examples make_examples(const EventTable& table, const std::vector<std::string>& features, const LabelTransform& label,
                       const SeriesPast* past = nullptr);

struct TrainTestSplit {
  EventTable train, test;
};

// round(train_fraction * rows) rows drawn at random for training (in drawn
// order), the rest for testing (in file order), as pandas' sample() splits.
// Throws Error when either part would be empty.
TrainTestSplit random_split(const EventTable& table, double train_fraction, std::uint32_t seed);

// The rows in time order (event_time, then index), a row repeating an
// earlier one exactly left out (the tutorial's received CSV holds its series
// twice); the earliest round(train_fraction * rows) for training, the rest
// for testing. `repeated` counts the rows left out. Throws Error when either
// part would be empty.
TrainTestSplit time_split(const EventTable& table, double train_fraction, std::size_t& repeated);

struct ValidationHoldout {
  Examples train, validation;
};

// The last `fraction` of the rows (rounded up, at least one) for validation.
// Throws Error when fewer than one row would be left for training.
ValidationHoldout hold_out_validation(const Examples& examples, double fraction);

// Mean and population variance of each training feature. A feature with zero
// variance is centred but not scaled (its factor is 1), so a constant column
// neither divides by zero nor makes the model NaN.
struct Normalization {
  Eigen::RowVectorXf mean, variance, factor;  // factor = 1 / sqrt(variance)

  static Normalization adapt(const Eigen::MatrixXf& x);
  // Mean 0, variance and factor 1 for `width` features: a model without normalisation.
  static Normalization identity(Eigen::Index width);
  // (x - mean) * factor in float32, exactly as the exported model computes it.
  Eigen::MatrixXf apply(const Eigen::MatrixXf& x) const;
};

}  // namespace edgeml::train
