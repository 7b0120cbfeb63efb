// What training one model produced, as the report, the manifest and the
// command line show it. Units are the label's (thousands of seconds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgeml::train {

inline constexpr const char* kExactFit = "least absolute deviations";

// One model file measured on the test rows through our runtime.
struct FileFigures {
  std::uintmax_t bytes = 0;
  double test_mae = 0;
  double microseconds = 0;  // median time of one single-row inference
};

// The float model beside its int8 quantisation (edgeml train --int8).
struct Int8Figures {
  std::string file;  // the int8 .tflite's name, in the float files' directory
  std::string sha256;
  FileFigures float_model, int8_model;
};

struct TrainingResult {
  std::string name;  // single_var_LR, multi_var_LR, DNN_single_regression, DNN_multi_regression
  std::vector<std::string> features;  // input columns in order, e.g. {"index"}
  double train_mae = 0, val_mae = 0, test_mae = 0;
  std::size_t test_rows = 0;  // rows test_mae is over: those with the past events the features need
  double training_seconds = 0;
  // The optimiser ("adam", "sgd"), or kExactFit for a linear model fitted
  // exactly, whose "epochs" below are the fit's iterations.
  std::string fit = "adam";
  std::string loss_name = "mae";  // what `loss` and `val_loss` measure
  std::string layers;             // e.g. "64 relu, 64 relu, 1 linear"
  std::size_t train_rows = 0, validation_rows = 0;
  int kept_epoch = 0;  // the epoch (from 1) whose weights the model has
  std::vector<double> loss, val_loss;  // per epoch: training and validation loss

  // Test rows, for predictions-against-truth and prediction-over-index plots.
  std::vector<double> test_index, test_truth, test_prediction;

  std::optional<Int8Figures> int8;  // only when an int8 file was written
};

}  // namespace edgeml::train
