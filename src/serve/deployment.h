// Models sent to edge servers over MQTT (ours; the tutorial copied folders):
// what a package is made from, and how a server installs it into its models
// directory. The package itself, its signature and its topics are in
// deploy_package.h. Servers report each outcome on their
// node_deployments_topic() (protocol/topics.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "serve/deploy_package.h"
#include "serve/model_budget.h"

namespace edgeml::serve {

// Every model of a directory as `edgeml serve` would load it: manifest.json's
// entries with their files, and bare .tflite/.onnx files. Throws Error naming
// what cannot be read.
std::vector<ModelPackage> packages_from_directory(const std::filesystem::path& dir);

// Writes the package into `models_dir` so that a ModelSet loading the
// directory at any moment sees the old model or the new one, never a mix:
// files of a manifest model get version-specific names, manifest.json is
// replaced by a rename, and files no entry lists any more are removed.
// Validates first (the package must load from a staging directory within
// `budgets`, and fit the node budget beside `others`, what the node's other
// models take); throws Error with the reason, leaving `models_dir` as it was.
void install_package(const ModelPackage& package, const std::filesystem::path& models_dir,
                     const ModelBudgets& budgets = {}, const runtime::PlanCost& others = {});
// Removes a model's files and manifest entry; false when it had neither.
bool remove_model(const std::string& model, const std::filesystem::path& models_dir);

// When the signed package last installed or removed `model` was signed (Unix
// ms; 0: none), kept in models_dir/deployments.json so that a replayed older
// package cannot roll the model back, across restarts too.
std::int64_t last_signed_at(const std::string& model, const std::filesystem::path& models_dir);
void record_signed_at(const ModelPackage& package, const std::filesystem::path& models_dir);

}  // namespace edgeml::serve
