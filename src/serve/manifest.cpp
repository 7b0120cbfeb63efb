#include "serve/manifest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_text.h"

namespace edgeml::serve {

namespace {

ManifestModel model_of(ManifestEntry&& entry) {
  ManifestModel m;
  m.info.name = std::move(entry.name);
  m.info.version = std::move(entry.version);
  for (const std::string& input : entry.inputs) m.info.features.push_back(*feature_named(input));
  m.info.test_mae = entry.test_mae;
  m.info.label = std::move(entry.label);
  m.info.series = std::move(entry.series);
  m.info.from_manifest = true;
  m.files = std::move(entry.files);
  return m;
}

}  // namespace

Manifest read_manifest(const std::filesystem::path& path) {
  nlohmann::json manifest = read_json_file(path, kMaxManifestBytes);
  ManifestModels models;
  try {
    models = read_manifest_models(manifest);
  } catch (const Error& e) {
    throw Error(fmt::format("'{}': {}", path.string(), e.what()));
  }
  Manifest out;
  for (ManifestEntry& entry : models.entries) out.models.push_back(model_of(std::move(entry)));
  for (ManifestModels::Bad& bad : models.bad) out.bad_entries.push_back({path, std::move(bad.reason), std::move(bad.name)});
  out.listed_files = std::move(models.listed_files);
  return out;
}

}  // namespace edgeml::serve
