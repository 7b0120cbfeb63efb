#include "protocol/manifest.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/file_text.h"
#include "protocol/past_features.h"

namespace edgeml {

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

// A name the manifest gives for a file must stay in its directory.
std::string plain_file_name(const json& j, const std::string& where) {
  if (!j.is_string()) throw Error(fmt::format("{} is not a string", where));
  const auto& name = j.get_ref<const std::string&>();
  std::filesystem::path path(name);
  if (name.empty() || path.filename() != path || name == "." || name == "..")
    throw Error(fmt::format("{} '{}' is not a file name in the manifest's directory", where, name));
  return name;
}

bool is_feature_name(const json& input) {
  if (!input.is_string()) return false;
  const std::string& name = input.get_ref<const std::string&>();
  return std::find(kManifestInputNames.begin(), kManifestInputNames.end(), name) != kManifestInputNames.end() ||
         parse_past_feature(name).has_value() || parse_series_feature(name).has_value();
}

std::vector<std::string> read_inputs(const json& entry, const std::string& where) {
  auto it = entry.find("inputs");
  if (it == entry.end() || !it->is_array() || it->empty())
    throw Error(fmt::format("{}.inputs is not a non-empty list", where));
  std::vector<std::string> inputs;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& input = (*it)[i];
    if (!is_feature_name(input))
      throw Error(fmt::format("{}.inputs[{}] {} is not index, value, valueThreshold, series:STATION/DATAPOINT/ALARM or "
                              "a feature of the past ({})",
                              where, i, input.dump(), past_feature_names()));
    inputs.push_back(input.get<std::string>());
  }
  return inputs;
}

ManifestEntry read_entry(const json& entry, const std::string& where, const Label& label) {
  ManifestEntry m;
  m.name = nonempty_string(entry, "name", where);
  m.version = nonempty_string(entry, "version", where);
  m.inputs = read_inputs(entry, where);
  if (auto series = entry.find("series"); series != entry.end()) {
    SeriesId id;
    if (!series->is_string() || !parse_series_path(series->get_ref<const std::string&>(), id))
      throw Error(fmt::format("{}.series {} is not STATION/DATAPOINT/ALARM", where, series->dump()));
    m.series = std::move(id);
  }
  if (auto mae = entry.find("test_mae"); mae != entry.end() && !mae->is_null())
    m.test_mae = finite_number(*mae, where + ".test_mae");
  // An entry may carry its own label (edgeml deploy's do): models deployed
  // from different training runs share one manifest.
  m.label = entry.contains("label") ? read_manifest_label(entry) : label;
  auto files = entry.find("files");
  if (files == entry.end() || !files->is_object()) throw Error(fmt::format("{}.files is not an object", where));
  for (const char* format : {"tflite", "onnx"})
    if (auto f = files->find(format); f != files->end())
      m.files.push_back(plain_file_name(*f, fmt::format("{}.files.{}", where, format)));
  if (m.files.empty()) throw Error(fmt::format("{}.files names neither a tflite nor an onnx file", where));
  return m;
}

void list_files(const json& entry, std::vector<std::string>& out) {
  if (!entry.is_object()) return;
  if (entry.contains("files") && entry["files"].is_object())
    for (const auto& [format, name] : entry["files"].items())
      if (name.is_string()) out.push_back(name.get<std::string>());
  // The int8 file of edgeml train --int8 belongs to its entry: listed, it is
  // not taken for a model of its own.
  if (auto int8 = entry.find("int8"); int8 != entry.end() && int8->is_object())
    if (auto name = int8->find("tflite"); name != int8->end() && name->is_string()) out.push_back(name->get<std::string>());
}

std::string entry_name(const json& entry) {
  return entry.is_object() && entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>()
                                                                                  : "";
}

}  // namespace

Label read_manifest_label(const json& parent) {
  Label label;
  auto it = parent.find("label");
  if (it == parent.end()) return label;
  if (!it->is_object()) throw Error("label is not an object");
  if (it->contains("offset")) label.offset = finite_number((*it)["offset"], "label.offset");
  if (it->contains("scale")) label.scale = finite_number((*it)["scale"], "label.scale");
  if (label.scale == 0) throw Error("label.scale is 0");
  label.unit = it->contains("unit") ? nonempty_string(*it, "unit", "label") : label_unit(label.scale, label.offset);
  return label;
}

json manifest_label_json(const Label& label) {
  return {{"offset", label.offset},
          {"scale", label.scale},
          {"formula", "(event_time - offset) / scale"},
          {"unit", label_unit(label.scale, label.offset)}};
}

ManifestModels read_manifest_models(const json& manifest) {
  if (!manifest.is_object()) throw Error("it is not a JSON object");
  Label label = read_manifest_label(manifest);
  auto models = manifest.find("models");
  if (models == manifest.end() || !models->is_array()) throw Error("models is not a list");
  ManifestModels out;
  for (std::size_t i = 0; i < models->size(); ++i) {
    const json& entry = (*models)[i];
    list_files(entry, out.listed_files);
    std::string where = fmt::format("models[{}]", i);
    try {
      if (!entry.is_object()) throw Error(fmt::format("{} is not an object", where));
      out.entries.push_back(read_entry(entry, where, label));
    } catch (const Error& e) {
      out.bad.push_back({e.what(), entry_name(entry)});
    }
  }
  return out;
}

json manifest_statistics(const json& manifest) {
  if (!manifest.is_object()) return nullptr;
  if (manifest.contains("data_statistics")) return manifest["data_statistics"];
  if (manifest.contains("models") && manifest["models"].is_array())
    for (const json& entry : manifest["models"])
      if (entry.is_object() && entry.contains("data_statistics")) return entry["data_statistics"];
  return nullptr;
}

std::vector<std::string> manifest_listed_files(const json& manifest) {
  std::vector<std::string> names;
  if (manifest.is_object() && manifest.contains("models") && manifest["models"].is_array())
    for (const json& entry : manifest["models"]) list_files(entry, names);
  return names;
}

json empty_manifest() { return {{"format", kManifestFormat}, {"models", json::array()}}; }

json read_manifest_file(const std::filesystem::path& dir) {
  return read_json_file(dir / kManifestFileName, kMaxManifestBytes);
}

void write_manifest_file(const json& manifest, const std::filesystem::path& dir) {
  std::filesystem::path path = dir / kManifestFileName;
  std::filesystem::path partial = dir / fmt::format(".{}.partial", kManifestFileName);
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << manifest.dump(2) << '\n';
    if (!out.flush()) throw Error(fmt::format("cannot write '{}'", partial.string()));
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) throw Error(fmt::format("cannot write '{}': {}", path.string(), ec.message()));
}

}  // namespace edgeml
