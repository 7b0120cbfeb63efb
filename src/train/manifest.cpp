#include "train/manifest.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "train/model_export.h"

namespace edgeml::train {

namespace {

using nlohmann::json;

void mix(std::uint64_t& hash, const Eigen::MatrixXd& rows) {
  // Row by row, so the fingerprint follows the file's order of values.
  for (Eigen::Index r = 0; r < rows.rows(); ++r)
    for (Eigen::Index c = 0; c < rows.cols(); ++c) {
      auto bits = std::bit_cast<std::uint64_t>(rows(r, c));
      for (int byte = 0; byte < 8; ++byte) {
        hash ^= (bits >> (8 * byte)) & 0xff;
        hash *= 0x100000001b3ull;
      }
    }
}

std::vector<float> as_vector(const Eigen::RowVectorXf& v) { return {v.begin(), v.end()}; }

json feature_transform_json(const TrainedModel& m) {
  if (!m.spec.normalization) return {{"kind", "none"}, {"in_model", true}};
  const Normalization& n = m.normalization;
  return {{"kind", "normalization"},
          {"formula", "(x - mean) * factor, factor = 1 / sqrt(variance), or 1 where variance is 0"},
          {"mean", as_vector(n.mean)},
          {"variance", as_vector(n.variance)},
          {"factor", as_vector(n.factor)},
          {"in_model", true}};
}

// The int8 file beside the entry's "files": readers that only know "files"
// keep loading the float model.
json int8_json(const Int8Figures& f) {
  return {{"tflite", f.file},
          {"sha256", f.sha256},
          {"bytes", f.int8_model.bytes},
          {"test_mae", f.int8_model.test_mae},
          {"microseconds_per_inference", f.int8_model.microseconds}};
}

json model_json(const TrainedModel& m, const ManifestInfo& info) {
  const TrainingResult& r = m.result;
  json entry = {
      {"name", m.entry_name()},
      {"version", info.version},
      {"files", {{"tflite", m.entry_name() + ".tflite"}, {"onnx", m.entry_name() + ".onnx"}}},
      {"inputs", r.features},
      {"input_tensor", {{"name", model_input_name(m.spec)}, {"shape", {1, r.features.size()}}, {"type", "float32"}}},
      {"output_tensor", {{"name", "prediction"}, {"shape", {1, 1}}, {"type", "float32"}}},
      {"feature_transform", feature_transform_json(m)},
      {"layers", [&] {
         json layers = json::array();
         for (const auto& layer : m.network.layers())
           layers.push_back({{"units", layer.weights.cols()}, {"activation", activation_name(layer.activation)}});
         return layers;
       }()},
      {"learning_rate", m.spec.optimizer.learning_rate},
      {"spec", json(model_spec_json(m.spec))},
      {"train_rows", r.train_rows},
      {"validation_rows", r.validation_rows},
      {"train_mae", r.train_mae},
      {"val_mae", r.val_mae},
      {"fit", r.fit},
      {"loss_name", r.loss_name},
      {"kept_epoch", r.kept_epoch},
      {"test_mae", r.test_mae},
      {"training_seconds", r.training_seconds},
      {"loss", r.loss},
      {"val_loss", r.val_loss},
  };
  if (r.int8) entry["int8"] = int8_json(*r.int8);
  if (!m.series.empty()) entry["series"] = m.series;
  return entry;
}

}  // namespace

ReferenceStatistics training_statistics(const TrainingData& data, std::size_t bins) {
  const Eigen::MatrixXd& rows = data.train.rows;
  ReferenceStatistics stats;
  stats.rows = static_cast<std::size_t>(rows.rows());
  const std::array<std::pair<RecordFeature, Column>, kRecordFeatureCount> columns = {
      {{RecordFeature::index, kIndex}, {RecordFeature::value, kValue}, {RecordFeature::threshold, kThreshold}}};
  for (auto [feature, column] : columns) {
    Eigen::VectorXd values = rows.col(column);
    stats[feature] = feature_statistics({values.data(), static_cast<std::size_t>(values.size())}, bins,
                                        feature_name(feature));
  }
  return stats;
}

std::string data_fingerprint(const TrainingData& data) {
  std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a 64
  mix(hash, data.train.rows);
  mix(hash, data.test.rows);
  return fmt::format("fnv1a64:{:016x}", hash);
}

json manifest_json(const std::vector<TrainedModel>& models, const TrainingData& data, const ManifestInfo& info) {
  Label transform;
  transform.offset = data.label.offset;
  transform.scale = data.label.scale;
  json label = manifest_label_json(transform);
  json data_info = {{"fingerprint", data_fingerprint(data)},
                    {"rows", data.train.rows.rows() + data.test.rows.rows()},
                    {"dropped_rows", data.train.dropped + data.test.dropped},
                    {"train_source", data.train.source},
                    {"test_source", data.test.source},
                    {"split", info.split},
                    {"train_rows", data.train.rows.rows()},
                    {"test_rows", data.test.rows.rows()}};
  // What every model shares; each model's own spec is in its entry.
  json training = {{"seed", info.options.seed},
                   {"keep_best_epoch", info.options.keep_best_epoch},
                   {"exact_linear_fit", info.options.exact_linear_fit},
                   {"weight_average_momentum", info.options.weight_average_momentum}};
  if (info.options.epochs) training["epochs"] = *info.options.epochs;
  json list = json::array();
  for (const TrainedModel& m : models) list.push_back(model_json(m, info));
  return {{"format", kManifestFormat},         {"label", label}, {"data", data_info},
          {"training", training}, {"models", list}, {"data_statistics", reference_statistics_json(training_statistics(data))}};
}

json merge_series_manifests(const std::vector<json>& parts) {
  if (parts.empty()) throw Error("no series' manifest to merge");
  json merged = parts.front();
  json entries = json::array();
  std::vector<std::string> series;
  for (const json& part : parts)
    for (json entry : part.at("models")) {
      entry["data"] = part.at("data");
      entry["data_statistics"] = part.at("data_statistics");
      if (entry.contains("series")) series.push_back(entry["series"]);
      entries.push_back(std::move(entry));
    }
  merged["models"] = std::move(entries);
  series.erase(std::unique(series.begin(), series.end()), series.end());
  merged["data"]["series"] = series;
  return merged;
}

}  // namespace edgeml::train
