// manifest.json beside the model files: what each model takes and gives, how
// it was trained, on which data, and how well it did. Shape (format 1):
// {"format": 1, "label": {"offset", "scale", ...}, "data": {"fingerprint",
// "rows", ...}, "training": {...}, "models": [{"name", "version", "files":
// {"tflite", "onnx"}, "inputs", "train_mae", "val_mae", "test_mae",
// "training_seconds", ..., and with --int8 "int8": {"tflite", "sha256", "bytes",
// "test_mae", "microseconds_per_inference"}}], "data_statistics": {"rows", "bins", "features":
// {"index": {"count", "min", "max", "mean", "bin_edges", "proportions"},
// "value": ..., "valueThreshold": ...}}}. "data_statistics" describes the
// training rows (validation rows included, test rows not) for the data-quality
// monitor (quality/reference_statistics.h reads it back). The schema and its
// reader are in protocol/manifest.h; this fills it from a training run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/manifest.h"
#include "quality/reference_statistics.h"
#include "train/trainer.h"

namespace edgeml::train {

// A fingerprint of the rows trained and tested on, in order:
// "fnv1a64:<16 hex digits>" over their values' float64 bytes.
std::string data_fingerprint(const TrainingData& data);

// Range, mean and quantile bins of index, value and valueThreshold over data.train.
ReferenceStatistics training_statistics(const TrainingData& data, std::size_t bins = kDefaultReferenceBins);

struct ManifestInfo {
  std::string version;
  std::string split;  // how train and test were made, e.g. "given" or "random 80/20, seed 0"
  TrainOptions options;
};

nlohmann::json manifest_json(const std::vector<TrainedModel>& models, const TrainingData& data,
                             const ManifestInfo& info);
// One manifest of the manifests of several series' models (manifest_json()
// of each): every entry takes its series' "data" and "data_statistics" as its
// own, and the top level keeps the first series'. Throws Error on none.
nlohmann::json merge_series_manifests(const std::vector<nlohmann::json>& parts);
// protocol/manifest.h writes it: write_manifest_file().

}  // namespace edgeml::train
