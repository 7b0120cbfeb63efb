// The int8 file of edgeml train --int8: a trained model's float graph
// quantised by the runtime's post-training quantisation (convert/
// quantize_graph.h), calibrated on training rows, written beside the float
// files as <name>.int8.tflite; then the float and the int8 .tflite are each
// read back and measured on the test rows through our interpreter, so the
// figures are those of the files as shipped.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "train/model_export.h"
#include "train/trainer.h"

namespace edgeml::train {

// More rows would only lengthen calibration: the ranges it measures settle
// well before (the tutorial's split has 1278 training rows).
inline constexpr std::size_t kMaxCalibrationRows = 1000;

// The rows of `features` (raw, one example each) that calibrate: all of them
// when there are at most `limit`, else `limit` rows spaced evenly from the
// first, so that the sample spans the file rather than its start.
std::vector<std::vector<float>> calibration_rows(const Eigen::MatrixXf& features,
                                                 std::size_t limit = kMaxCalibrationRows);

// Writes `float_files.tflite` with ".int8.tflite" for ".tflite", quantised
// from `model` with calibration on `train_features` (raw training rows), and
// measures that file and `float_files.tflite` on `test` (raw features, labels
// in the trainer's unit). Throws Error when there are no training or test
// rows, a row has another width than the model's input, or a file cannot be
// written or read.
Int8Figures export_int8(const TrainedModel& model, const std::string& version, const ModelFiles& float_files,
                        const Eigen::MatrixXf& train_features, const Examples& test);

// One model file's size, test MAE and median single-row inference time.
FileFigures measure_model_file(const std::filesystem::path& file, const Examples& test);

}  // namespace edgeml::train
