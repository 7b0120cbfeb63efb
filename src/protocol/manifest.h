// DIR/manifest.json, which `edgeml train` writes beside its models and
// `edgeml serve` and `edgeml deploy` read (docs/wire-protocol.md#manifest).
// Format 1 is a JSON object:
//   "format": 1, "label": {"offset", "scale", "formula", "unit"},
//   "data": {...}, "training": {...}, "data_statistics": {...},
//   "models": [{"name", "version", "files": {"tflite", "onnx"}, "inputs",
//               "test_mae", ..., from edgeml train --int8 "int8": {"tflite",
//               ...}, and from edgeml deploy "label" and "data_statistics"
//               of its own}].
// This is the one reader of the entries and the one writer of the file. The
// "data_statistics" block stays JSON here: the quality module reads it.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/label.h"
#include "protocol/series_id.h"

namespace edgeml {

inline constexpr std::string_view kManifestFileName = "manifest.json";
inline constexpr int kManifestFormat = 1;
inline constexpr std::size_t kMaxManifestBytes = std::size_t{1} << 20;
// The model inputs a manifest may name: the request fields of those names,
// and the features of a series' past (protocol/past_features.h).
inline constexpr std::array<std::string_view, 3> kManifestInputNames = {"index", "value", "valueThreshold"};

// One usable entry of "models".
struct ManifestEntry {
  std::string name;
  std::string version;
  std::vector<std::string> inputs;  // each one of kManifestInputNames, in input order
  std::optional<double> test_mae;
  Label label;                      // the entry's own, else the manifest's
  std::vector<std::string> files;   // plain file names in the manifest's directory, .tflite first
  std::optional<SeriesId> series;   // "series": the one series whose requests it answers; none: any
};

struct ManifestModels {
  struct Bad {
    std::string reason;  // e.g. "models[1].version is missing"
    std::string name;    // the entry's name when it has one
  };
  std::vector<ManifestEntry> entries;
  std::vector<Bad> bad;
  std::vector<std::string> listed_files;  // every file name an entry lists (its int8 file too), usable or not
};

// The entries of a parsed manifest. Throws Error (without the file's name)
// when the manifest cannot be used at all: not an object, no "models" list,
// or a bad "label".
ManifestModels read_manifest_models(const nlohmann::json& manifest);

// "label": {"offset", "scale", "unit"}; absent means the tutorial's. Throws
// Error saying which field is wrong.
Label read_manifest_label(const nlohmann::json& parent);
// The "label" block as train writes it.
nlohmann::json manifest_label_json(const Label& label);

// The training statistics that serving checks data quality against: the
// manifest's "data_statistics", else the first entry's own; null when none.
nlohmann::json manifest_statistics(const nlohmann::json& manifest);

// Every file name the entries list, usable or not, their int8 files included.
std::vector<std::string> manifest_listed_files(const nlohmann::json& manifest);

// {"format": 1, "models": []}: the manifest of a directory that has none.
nlohmann::json empty_manifest();

// DIR/manifest.json read whole (at most kMaxManifestBytes) and parsed with
// bounded nesting; throws Error naming the file.
nlohmann::json read_manifest_file(const std::filesystem::path& dir);
// Writes DIR/manifest.json, indented by 2, through a hidden temporary file
// renamed over it: a reader sees the old manifest or the new, never a mix.
// Throws Error naming the file.
void write_manifest_file(const nlohmann::json& manifest, const std::filesystem::path& dir);

}  // namespace edgeml
