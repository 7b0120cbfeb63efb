// Models sent to edge servers over MQTT (ours; the tutorial copied folders).
//
// A package is one model: its files and, for a model `edgeml train` made, its
// manifest entry with the label folded in. On the wire it is CBOR:
//   {"format": 1, "model": NAME, "version": V, "entry": {...} or null,
//    "files": {FILE: bytes, ...}, "sha256": {FILE: hex, ...}}
// published retained at QoS 1 on edgeml/deploy/{target}/{model}, target
// "all", "node/{id}" or "group/{name}", so a server that starts later still
// gets it. An empty retained payload on the same topic undeploys the model
// (and clears the retained package). Servers report each outcome on
// edgeml/nodes/{node}/deployments.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgeml::serve {

struct ModelPackage {
  std::string model;
  std::string version;  // the manifest's, or the content hash of a bare file
  nlohmann::json entry;  // the manifest entry (with "label"), or null for a bare file
  std::vector<std::pair<std::string, std::string>> files;  // plain file name, bytes
};

// Every model of a directory as `edgeml serve` would load it: manifest.json's
// entries with their files, and bare .tflite/.onnx files. Throws Error naming
// what cannot be read.
std::vector<ModelPackage> packages_from_directory(const std::filesystem::path& dir);

std::string encode_package(const ModelPackage& package);
// Checks the format, the names (plain file names of .tflite/.onnx models, a
// model name of letters, digits, '_', '-', '.') and every file's SHA-256.
Status decode_package(std::string_view bytes, ModelPackage& out);

// "edgeml/deploy/{target}/{model}"; target as above.
std::string deploy_topic(const std::string& target, const std::string& model);
// The filters a server subscribes to for deployments.
std::vector<std::string> deploy_filters(const std::string& node, const std::string& group);
std::string deployments_topic(const std::string& node);

// Writes the package into `models_dir` so that a ModelSet loading the
// directory at any moment sees the old model or the new one, never a mix:
// files of a manifest model get version-specific names, manifest.json is
// replaced by a rename, and files no entry lists any more are removed.
// Validates first (the package must load from a staging directory); throws
// Error with the reason, leaving `models_dir` as it was.
void install_package(const ModelPackage& package, const std::filesystem::path& models_dir);
// Removes a model's files and manifest entry; false when it had neither.
bool remove_model(const std::string& model, const std::filesystem::path& models_dir);

}  // namespace edgeml::serve
