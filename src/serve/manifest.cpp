#include "serve/manifest.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_text.h"

namespace edgeml::serve {

namespace {

using nlohmann::json;

double finite_number(const json& j, const std::string& where) {
  if (!j.is_number() || !std::isfinite(j.get<double>())) throw Error(fmt::format("{} is not a finite number", where));
  return j.get<double>();
}

std::string nonempty_string(const json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end()) throw Error(fmt::format("{}.{} is missing", where, key));
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    throw Error(fmt::format("{}.{} is not a non-empty string", where, key));
  return it->get<std::string>();
}

// "label": {"offset", "scale", "unit"}; absent means the tutorial's.
Label read_label(const json& manifest) {
  Label label;
  auto it = manifest.find("label");
  if (it == manifest.end()) return label;
  if (!it->is_object()) throw Error("label is not an object");
  if (it->contains("offset")) label.offset = finite_number((*it)["offset"], "label.offset");
  if (it->contains("scale")) label.scale = finite_number((*it)["scale"], "label.scale");
  if (label.scale == 0) throw Error("label.scale is 0");
  label.unit = it->contains("unit") ? nonempty_string(*it, "unit", "label")
                                    : fmt::format("{:g} s after Unix time {:.0f}", label.scale, label.offset);
  return label;
}

// A name the manifest gives for a file must stay in its directory.
std::string plain_file_name(const json& j, const std::string& where) {
  if (!j.is_string()) throw Error(fmt::format("{} is not a string", where));
  const auto& name = j.get_ref<const std::string&>();
  std::filesystem::path path(name);
  if (name.empty() || path.filename() != path || name == "." || name == "..")
    throw Error(fmt::format("{} '{}' is not a file name in the manifest's directory", where, name));
  return name;
}

std::vector<Feature> read_inputs(const json& entry, const std::string& where) {
  auto it = entry.find("inputs");
  if (it == entry.end() || !it->is_array() || it->empty())
    throw Error(fmt::format("{}.inputs is not a non-empty list", where));
  std::vector<Feature> features;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& input = (*it)[i];
    auto feature = input.is_string() ? feature_named(input.get_ref<const std::string&>()) : std::nullopt;
    if (!feature)
      throw Error(fmt::format("{}.inputs[{}] {} is not index, value or valueThreshold", where, i, input.dump()));
    features.push_back(*feature);
  }
  return features;
}

ManifestModel read_entry(const json& entry, const std::string& where, const Label& label) {
  ManifestModel m;
  m.info.name = nonempty_string(entry, "name", where);
  m.info.version = nonempty_string(entry, "version", where);
  m.info.features = read_inputs(entry, where);
  if (auto mae = entry.find("test_mae"); mae != entry.end() && !mae->is_null())
    m.info.test_mae = finite_number(*mae, where + ".test_mae");
  // An entry may carry its own label (edgeml deploy's do): models deployed
  // from different training runs share one manifest.
  m.info.label = entry.contains("label") ? read_label(entry) : label;
  m.info.from_manifest = true;
  auto files = entry.find("files");
  if (files == entry.end() || !files->is_object()) throw Error(fmt::format("{}.files is not an object", where));
  for (const char* format : {"tflite", "onnx"})
    if (auto f = files->find(format); f != files->end())
      m.files.push_back(plain_file_name(*f, fmt::format("{}.files.{}", where, format)));
  if (m.files.empty()) throw Error(fmt::format("{}.files names neither a tflite nor an onnx file", where));
  return m;
}

// Every file name an entry lists, so that no listed file loads as a bare model.
void list_files(const json& entry, std::vector<std::string>& out) {
  if (!entry.is_object() || !entry.contains("files") || !entry["files"].is_object()) return;
  for (const auto& [format, name] : entry["files"].items())
    if (name.is_string()) out.push_back(name.get<std::string>());
}

}  // namespace

Manifest read_manifest(const std::filesystem::path& path) {
  json manifest = read_json_file(path, kMaxManifestBytes);
  Manifest out;
  try {
    if (!manifest.is_object()) throw Error("it is not a JSON object");
    Label label = read_label(manifest);
    auto models = manifest.find("models");
    if (models == manifest.end() || !models->is_array()) throw Error("models is not a list");
    for (std::size_t i = 0; i < models->size(); ++i) {
      const json& entry = (*models)[i];
      list_files(entry, out.listed_files);
      std::string where = fmt::format("models[{}]", i);
      try {
        if (!entry.is_object()) throw Error(fmt::format("{} is not an object", where));
        out.models.push_back(read_entry(entry, where, label));
      } catch (const Error& e) {
        std::string name = entry.is_object() && entry.contains("name") && entry["name"].is_string()
                               ? entry["name"].get<std::string>() : "";
        out.bad_entries.push_back({path, e.what(), name});
      }
    }
  } catch (const Error& e) {
    throw Error(fmt::format("'{}': {}", path.string(), e.what()));
  }
  return out;
}

}  // namespace edgeml::serve
